// ops::rope: angles per token from ref::rope_cache (scalar: one cosf/sinf per pair, shared by all
// heads), rotation by the active ISA.
#include <vector>

#include "engine/kernels/cpu/cpu_rope.h"
#include "engine/kernels/isa.h"
#include "engine/kernels/ref/rope.h"
#include "engine/ops/op_check.h"
#include "engine/ops/ops.h"

namespace tessera::ops {

void rope(float* x, int64_t n_tokens, int64_t n_heads, int64_t token_stride, int64_t head_stride,
          const int32_t* positions, const RopeParams& p) {
    TS_OP_CHECK("rope", n_tokens >= 0 && n_heads >= 0);
    TS_OP_CHECK("rope", p.n_rot > 0 && p.n_rot % 2 == 0);
    TS_OP_CHECK("rope", p.freq_base > 0.0f && p.freq_scale > 0.0f);
    TS_OP_CHECK("rope", p.ext_factor == 0.0f || p.n_ctx_orig > 0);
    if (n_tokens == 0 || n_heads == 0) return;
    TS_OP_CHECK("rope", x && positions);
    auto rotate = ref::rope_rotate;
    switch (active_isa()) {
        case Isa::avx512: rotate = cpu::avx512::rope_rotate; break;
        case Isa::avx2: rotate = cpu::avx2::rope_rotate; break;
        case Isa::scalar: break;
    }
    const bool neox = p.mode == RopeMode::neox;
    std::vector<float> cs(static_cast<size_t>(p.n_rot));  // (2, n_rot/2): cos then sin
    float* cos_v = cs.data();
    float* sin_v = cs.data() + p.n_rot / 2;
    for (int64_t t = 0; t < n_tokens; ++t) {
        if (t == 0 || positions[t] != positions[t - 1])
            ref::rope_cache(static_cast<float>(positions[t]), p, cos_v, sin_v);
        rotate(x + t * token_stride, n_heads, head_stride, p.n_rot, neox, cos_v, sin_v);
    }
}

void rope_multi(float* x, int64_t n_tokens, int64_t n_heads, int64_t token_stride, int64_t head_stride,
                const int32_t* positions, const int sections[4], RopeMultiMode mode, const RopeParams& p) {
    TS_OP_CHECK("rope_multi", n_tokens >= 0 && n_heads >= 0);
    TS_OP_CHECK("rope_multi", p.n_rot > 0 && p.n_rot % 2 == 0);
    TS_OP_CHECK("rope_multi", p.freq_base > 0.0f && p.freq_scale > 0.0f);
    TS_OP_CHECK("rope_multi", p.ext_factor == 0.0f || p.n_ctx_orig > 0);
    TS_OP_CHECK("rope_multi", sections && sections[0] >= 0 && sections[1] >= 0 && sections[2] >= 0 && sections[3] >= 0);
    TS_OP_CHECK("rope_multi", sections[0] + sections[1] + sections[2] + sections[3] > 0);
    if (n_tokens == 0 || n_heads == 0) return;
    TS_OP_CHECK("rope_multi", x && positions);
    auto rotate = ref::rope_rotate;
    switch (active_isa()) {
        case Isa::avx512: rotate = cpu::avx512::rope_rotate; break;
        case Isa::avx2: rotate = cpu::avx2::rope_rotate; break;
        case Isa::scalar: break;
    }
    const bool vision = mode == RopeMultiMode::vision;
    const int n_rotated = vision ? 2 * p.n_rot : p.n_rot;  // values rotated per head
    const int n_pairs = n_rotated / 2;
    std::vector<float> cs(static_cast<size_t>(n_rotated));  // (2, n_pairs): cos then sin
    float* cos_v = cs.data();
    float* sin_v = cs.data() + n_pairs;
    for (int64_t t = 0; t < n_tokens; ++t) {
        const int32_t pos4[4] = {positions[t], positions[n_tokens + t], positions[2 * n_tokens + t],
                                 positions[3 * n_tokens + t]};
        ref::mrope_cache(pos4, sections, vision, n_pairs, p, cos_v, sin_v);
        rotate(x + t * token_stride, n_heads, head_stride, n_rotated, /*neox=*/true, cos_v, sin_v);
    }
}

}  // namespace tessera::ops
