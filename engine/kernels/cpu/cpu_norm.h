#pragma once
// Per-ISA normalisation kernels (kernels/cpu/norm.cpp, compiled once per ISA). Same contracts as
// kernels/ref/norm.h; sums are accumulated in float vectors instead of double.
#include <cstdint>

#define TESSERA_CPU_NORM_DECLS                                                                              \
    void rms_norm(const float* x, const float* weight, int64_t n_rows, int64_t n, float eps, float* y);     \
    void layer_norm(const float* x, const float* weight, const float* bias, int64_t n_rows, int64_t n,      \
                    float eps, float* y);

namespace tessera::cpu::avx2 { TESSERA_CPU_NORM_DECLS }
namespace tessera::cpu::avx512 { TESSERA_CPU_NORM_DECLS }

#undef TESSERA_CPU_NORM_DECLS
