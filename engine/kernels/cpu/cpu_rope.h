#pragma once
// Per-ISA RoPE rotation (kernels/cpu/rope.cpp, compiled once per ISA). Angles come from
// ref::rope_cache; this only applies them. Same contract as ref::rope_rotate.
#include <cstdint>

#define TESSERA_CPU_ROPE_DECLS                                                                       \
    void rope_rotate(float* x, int64_t n_heads, int64_t head_stride, int n_rot, bool neox,            \
                     const float* cos_v, const float* sin_v);

namespace tessera::cpu::avx2 { TESSERA_CPU_ROPE_DECLS }
namespace tessera::cpu::avx512 { TESSERA_CPU_ROPE_DECLS }

#undef TESSERA_CPU_ROPE_DECLS
