// RoPE rotation of one token's heads with precomputed cos/sin (angles: ref::rope_cache).
// ref: ggml-cpu ops.cpp ggml_compute_forward_rope_flt (rotate_pairs): x0' = x0·cos - x1·sin,
// x1' = x0·sin + x1·cos.
#include "engine/kernels/cpu/cpu_rope.h"
#include "engine/kernels/cpu/ops_simd.h"

namespace tessera::cpu::TESSERA_CPU_ISA {
using namespace simd;

namespace {

// norm mode: pairs (2i, 2i+1) sit side by side; one vector holds kW/2 pairs.
//   out = x·(c0,c0,c1,c1..) + swap(x)·(-s0,s0,-s1,s1..)
inline void rotate_norm(float* x, int n_rot, const float* cos_v, const float* sin_v) {
    vf sign = v_zero();
    {
        alignas(64) float alt[kW];
        for (int i = 0; i < kW; ++i) alt[i] = (i & 1) ? 1.0f : -1.0f;
        sign = v_load(alt);
    }
    for (int i = 0; i < n_rot; i += kW) {
        const int m = n_rot - i < kW ? n_rot - i : kW;  // even
        const vf c = v_load_dup_pairs_n(cos_v + i / 2, m / 2);
        const vf s = v_mul(v_load_dup_pairs_n(sin_v + i / 2, m / 2), sign);
        const vf xv = m == kW ? v_load(x + i) : v_load_n(x + i, m);
        const vf r = v_fma(xv, c, v_mul(v_swap_pairs(xv), s));
        if (m == kW) v_store(x + i, r);
        else v_store_n(x + i, r, m);
    }
}

// neox mode: pairs (i, i + n_rot/2).
inline void rotate_neox(float* x, int n_rot, const float* cos_v, const float* sin_v) {
    const int half = n_rot / 2;
    float* x1p = x + half;
    for (int i = 0; i < half; i += kW) {
        const int m = half - i < kW ? half - i : kW;
        const bool full = m == kW;
        const vf c = full ? v_load(cos_v + i) : v_load_n(cos_v + i, m);
        const vf s = full ? v_load(sin_v + i) : v_load_n(sin_v + i, m);
        const vf x0 = full ? v_load(x + i) : v_load_n(x + i, m);
        const vf x1 = full ? v_load(x1p + i) : v_load_n(x1p + i, m);
        const vf r0 = v_sub(v_mul(x0, c), v_mul(x1, s));
        const vf r1 = v_add(v_mul(x0, s), v_mul(x1, c));
        if (full) {
            v_store(x + i, r0);
            v_store(x1p + i, r1);
        } else {
            v_store_n(x + i, r0, m);
            v_store_n(x1p + i, r1, m);
        }
    }
}

}  // namespace

void rope_rotate(float* x, int64_t n_heads, int64_t head_stride, int n_rot, bool neox, const float* cos_v,
                 const float* sin_v) {
    for (int64_t h = 0; h < n_heads; ++h) {
        if (neox) rotate_neox(x + h * head_stride, n_rot, cos_v, sin_v);
        else rotate_norm(x + h * head_stride, n_rot, cos_v, sin_v);
    }
}

}  // namespace tessera::cpu::TESSERA_CPU_ISA
