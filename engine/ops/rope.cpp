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

}  // namespace tessera::ops
