// CUDA device discovery. Every runtime call goes through TS_CUDA_CHECK-style handling: failures
// become an empty device list plus a message, never an abort.
#include <cuda_runtime.h>

#include "engine/kernels/cuda_backend.h"

namespace tessera::cuda {

bool built_with_cuda() { return true; }

std::vector<DeviceInfo> list_devices(std::string* error) {
    std::vector<DeviceInfo> out;
    int count = 0;
    const cudaError_t st = cudaGetDeviceCount(&count);
    if (st != cudaSuccess) {
        if (error && st != cudaErrorNoDevice) *error = cudaGetErrorString(st);
        cudaGetLastError();  // clear the sticky error
        return out;
    }
    for (int i = 0; i < count; ++i) {
        cudaDeviceProp prop{};
        if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
        DeviceInfo d;
        d.index = i;
        d.name = prop.name;
        d.compute_major = prop.major;
        d.compute_minor = prop.minor;
        d.total_memory = prop.totalGlobalMem;
        int mem_clock_khz = 0, bus_width = 0;
        cudaDeviceGetAttribute(&mem_clock_khz, cudaDevAttrMemoryClockRate, i);
        cudaDeviceGetAttribute(&bus_width, cudaDevAttrGlobalMemoryBusWidth, i);
        d.memory_bandwidth_gbs = 2.0 * mem_clock_khz * 1e3 * (bus_width / 8.0) / 1e9;  // DDR: two transfers a clock
        size_t free_b = 0, total_b = 0;
        if (cudaSetDevice(i) == cudaSuccess && cudaMemGetInfo(&free_b, &total_b) == cudaSuccess) d.free_memory = free_b;
        out.push_back(d);
    }
    return out;
}

}  // namespace tessera::cuda
