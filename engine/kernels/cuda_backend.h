#pragma once
// What the host code may ask about the CUDA backend. No CUDA header is included here: the
// implementation is kernels/cuda/*.cu when the build has CUDA (TESSERA_HAVE_CUDA), otherwise
// kernels/cuda_backend_none.cpp, which reports that the backend is not built.
#include <cstddef>
#include <string>
#include <vector>

namespace tessera::cuda {

struct DeviceInfo {
    int index = 0;
    std::string name;
    int compute_major = 0;
    int compute_minor = 0;
    size_t total_memory = 0;
    size_t free_memory = 0;
    double memory_bandwidth_gbs = 0;  // theoretical, from clock and bus width
};

// True when this build contains the CUDA backend.
bool built_with_cuda();
// Devices visible to the CUDA runtime; empty without a driver or device. `error` (optional) gets
// the runtime's explanation when the list is empty for a reason other than "no device".
std::vector<DeviceInfo> list_devices(std::string* error = nullptr);

}  // namespace tessera::cuda
