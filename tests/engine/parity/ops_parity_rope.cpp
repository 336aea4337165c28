// RoPE: ref vs each vector ISA, both modes, partial rotation, strided views, scaling options.
#include <vector>

#include "engine/ops/ops.h"
#include "tests/engine/parity/ops_parity_util.h"
#include "tests/support/test_support.h"

namespace tessera {
namespace {

class OpsParityRope : public test::OpsIsaTest {};

struct RopeCase {
    int head_dim;
    int n_rot;
    ops::RopeMode mode;
};

TEST_P(OpsParityRope, ModesAndShapes) {
    const RopeCase cases[] = {
        {64, 64, ops::RopeMode::norm},  {64, 64, ops::RopeMode::neox}, {128, 128, ops::RopeMode::neox},
        {16, 16, ops::RopeMode::norm},  {8, 8, ops::RopeMode::neox},   {48, 16, ops::RopeMode::norm},
        {80, 40, ops::RopeMode::neox},  {2, 2, ops::RopeMode::norm},   {34, 34, ops::RopeMode::norm},
        {34, 34, ops::RopeMode::neox},  {100, 64, ops::RopeMode::norm},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE("head_dim=" + std::to_string(c.head_dim) + " n_rot=" + std::to_string(c.n_rot) +
                     (c.mode == ops::RopeMode::neox ? " neox" : " norm"));
        const int64_t n_tok = 5, n_head = 3, row = n_head * c.head_dim + 7;  // view inside wider rows
        const auto x = test::random_floats(n_tok * row, 7 + c.head_dim + c.n_rot, -2.0f, 2.0f);
        const int32_t pos[5] = {0, 1, 17, 255, 4096};
        ops::RopeParams p;
        p.n_rot = c.n_rot;
        p.mode = c.mode;
        p.freq_base = 10000.0f;
        std::vector<float> ref = x, out = x;
        use_ref();
        ops::rope(ref.data(), n_tok, n_head, row, c.head_dim, pos, p);
        use_isa();
        ops::rope(out.data(), n_tok, n_head, row, c.head_dim, pos, p);
        EXPECT_LT(test::nmse(out.data(), ref.data(), out.size()), 1e-12);
        for (int64_t t = 0; t < n_tok; ++t)  // the padding after the heads is never written
            for (int64_t i = n_head * c.head_dim; i < row; ++i) EXPECT_EQ(out[t * row + i], x[t * row + i]);
    }
}

TEST_P(OpsParityRope, ScalingOptions) {
    const int hd = 128;
    std::vector<float> ff(hd / 2);
    for (int i = 0; i < hd / 2; ++i) ff[i] = 1.0f + 0.1f * static_cast<float>(i % 9);
    for (int variant = 0; variant < 3; ++variant) {
        SCOPED_TRACE("variant=" + std::to_string(variant));
        ops::RopeParams p;
        p.n_rot = hd;
        p.mode = variant == 1 ? ops::RopeMode::norm : ops::RopeMode::neox;
        p.freq_base = 500000.0f;
        if (variant == 0) p.freq_scale = 0.125f;
        if (variant == 1) p.freq_factors = ff.data();
        if (variant == 2) {
            p.freq_scale = 0.25f;
            p.ext_factor = 1.0f;
            p.attn_factor = 1.0f;
            p.n_ctx_orig = 8192;
        }
        const auto x = test::random_floats(4 * 2 * hd, 900 + variant);
        const int32_t pos[4] = {3, 1000, 20000, 7};
        std::vector<float> ref = x, out = x;
        use_ref();
        ops::rope(ref.data(), 4, 2, 2 * hd, hd, pos, p);
        use_isa();
        ops::rope(out.data(), 4, 2, 2 * hd, hd, pos, p);
        EXPECT_LT(test::nmse(out.data(), ref.data(), out.size()), 1e-12);
    }
}

TESSERA_OPS_PARITY_INSTANTIATE(OpsParityRope);

}  // namespace
}  // namespace tessera
