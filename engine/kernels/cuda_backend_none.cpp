// Builds without CUDA: the backend reports itself absent.
#include "engine/kernels/cuda_backend.h"

#ifndef TESSERA_HAVE_CUDA
namespace tessera::cuda {

bool built_with_cuda() { return false; }

std::vector<DeviceInfo> list_devices(std::string* error) {
    if (error) *error = "this build of Tessera has no CUDA backend (configure with -DTESSERA_CUDA=ON and nvcc)";
    return {};
}

}  // namespace tessera::cuda
#endif
