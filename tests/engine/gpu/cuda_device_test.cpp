// gpu label: runs only where a CUDA device is present; skips with the reason otherwise.
#include "engine/kernels/cuda_backend.h"
#include "tests/support/test_support.h"

using namespace tessera;

TEST(CudaDevice, ListsDevicesWithSaneProperties) {
    std::string why;
    const auto devices = cuda::list_devices(&why);
    if (!cuda::built_with_cuda()) GTEST_SKIP() << why;
    if (devices.empty()) GTEST_SKIP() << "no CUDA device" << (why.empty() ? "" : ": " + why);
    for (const auto& d : devices) {
        EXPECT_FALSE(d.name.empty());
        EXPECT_GE(d.compute_major, 7) << d.name;
        EXPECT_GT(d.total_memory, size_t(1) << 30) << d.name;
        EXPECT_LE(d.free_memory, d.total_memory) << d.name;
        EXPECT_GT(d.memory_bandwidth_gbs, 100.0) << d.name;
    }
}
