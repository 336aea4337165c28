// RoPE against rotations written out by hand (cos/sin in double).
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "engine/ops/ops.h"
#include "tests/engine/kernels/ops_test_util.h"

namespace tessera {
namespace {

ops::RopeParams params(int n_rot, ops::RopeMode mode, float base = 10000.0f) {
    ops::RopeParams p;
    p.n_rot = n_rot;
    p.mode = mode;
    p.freq_base = base;
    return p;
}

TEST(OpsRope, NormModeAtPositionOne) {
    test::for_each_isa([] {
        // head_dim 4: pair 0 = (x0, x1) turns by 1 rad, pair 1 = (x2, x3) by 10000^(-2/4) = 0.01 rad.
        float x[4] = {1, 2, 3, 4};
        const int32_t pos = 1;
        ops::rope(x, 1, 1, 4, 4, &pos, params(4, ops::RopeMode::norm));
        const double c0 = std::cos(1.0), s0 = std::sin(1.0), c1 = std::cos(0.01), s1 = std::sin(0.01);
        EXPECT_NEAR(x[0], 1 * c0 - 2 * s0, 1e-6);
        EXPECT_NEAR(x[1], 1 * s0 + 2 * c0, 1e-6);
        EXPECT_NEAR(x[2], 3 * c1 - 4 * s1, 1e-6);
        EXPECT_NEAR(x[3], 3 * s1 + 4 * c1, 1e-6);
    });
}

TEST(OpsRope, NeoxModeAtPositionOne) {
    test::for_each_isa([] {
        // neox pairs (0, 2) by 1 rad and (1, 3) by 0.01 rad.
        float x[4] = {1, 2, 3, 4};
        const int32_t pos = 1;
        ops::rope(x, 1, 1, 4, 4, &pos, params(4, ops::RopeMode::neox));
        const double c0 = std::cos(1.0), s0 = std::sin(1.0), c1 = std::cos(0.01), s1 = std::sin(0.01);
        EXPECT_NEAR(x[0], 1 * c0 - 3 * s0, 1e-6);
        EXPECT_NEAR(x[2], 1 * s0 + 3 * c0, 1e-6);
        EXPECT_NEAR(x[1], 2 * c1 - 4 * s1, 1e-6);
        EXPECT_NEAR(x[3], 2 * s1 + 4 * c1, 1e-6);
    });
}

TEST(OpsRope, PositionZeroIsIdentity) {
    test::for_each_isa([] {
        for (auto mode : {ops::RopeMode::norm, ops::RopeMode::neox}) {
            std::vector<float> x(64), x0;
            for (int i = 0; i < 64; ++i) x[i] = 0.25f * static_cast<float>(i) - 3.0f;
            x0 = x;
            const int32_t pos = 0;
            ops::rope(x.data(), 1, 1, 64, 64, &pos, params(64, mode));
            for (int i = 0; i < 64; ++i) EXPECT_FLOAT_EQ(x[i], x0[i]) << i;
        }
    });
}

// Every pair of a 2-token x 3-head x head_dim 24 block (n_rot 16, rows of 80 floats) against the
// formula; dims 16..23 of each head and the row padding stay untouched.
TEST(OpsRope, StridedHeadsPartialRotationBothModes) {
    test::for_each_isa([] {
        for (auto mode : {ops::RopeMode::norm, ops::RopeMode::neox}) {
            const int n_tok = 2, n_head = 3, hd = 24, n_rot = 16, row = 80;
            std::vector<float> x(n_tok * row);
            for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * static_cast<float>(i)) * 2.0f;
            const std::vector<float> x0 = x;
            const int32_t pos[2] = {7, 300};
            ops::rope(x.data(), n_tok, n_head, row, hd, pos, params(n_rot, mode, 500.0f));
            for (int t = 0; t < n_tok; ++t) {
                for (int h = 0; h < n_head; ++h) {
                    const float* a = x0.data() + t * row + h * hd;
                    const float* b = x.data() + t * row + h * hd;
                    for (int i = 0; i < n_rot / 2; ++i) {
                        const double theta = pos[t] * std::pow(500.0, -2.0 * i / n_rot);
                        const int i0 = mode == ops::RopeMode::norm ? 2 * i : i;
                        const int i1 = mode == ops::RopeMode::norm ? 2 * i + 1 : i + n_rot / 2;
                        // float angles at pos 300 carry ~1e-5 rad of rounding (ggml does the same)
                        EXPECT_NEAR(b[i0], a[i0] * std::cos(theta) - a[i1] * std::sin(theta), 1e-4);
                        EXPECT_NEAR(b[i1], a[i0] * std::sin(theta) + a[i1] * std::cos(theta), 1e-4);
                    }
                    for (int i = n_rot; i < hd; ++i) EXPECT_EQ(b[i], a[i]);
                }
                for (int i = n_head * hd; i < row; ++i) EXPECT_EQ(x[t * row + i], x0[t * row + i]);
            }
        }
    });
}

TEST(OpsRope, LinearScalingAndFreqFactorsDivideTheAngle) {
    test::for_each_isa([] {
        // freq_scale 0.5 at position 2 == position 1 unscaled.
        float a[8] = {1, 2, 3, 4, 5, 6, 7, 8}, b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        const int32_t p1 = 1, p2 = 2;
        auto p = params(8, ops::RopeMode::norm);
        ops::rope(a, 1, 1, 8, 8, &p1, p);
        auto ps = p;
        ps.freq_scale = 0.5f;
        ops::rope(b, 1, 1, 8, 8, &p2, ps);
        for (int i = 0; i < 8; ++i) EXPECT_NEAR(a[i], b[i], 1e-6) << i;

        // freq_factors 2 on every pair, position 2 == position 1.
        float c[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        const float ff[4] = {2, 2, 2, 2};
        auto pf = p;
        pf.freq_factors = ff;
        ops::rope(c, 1, 1, 8, 8, &p2, pf);
        for (int i = 0; i < 8; ++i) EXPECT_NEAR(a[i], c[i], 1e-6) << i;
    });
}

TEST(OpsRope, YarnWithZeroExtFactorEqualsPlainRope) {
    test::for_each_isa([] {
        std::vector<float> a(128), b;
        for (int i = 0; i < 128; ++i) a[i] = std::cos(0.1f * static_cast<float>(i));
        b = a;
        const int32_t pos = 1234;
        auto p = params(128, ops::RopeMode::neox, 1e6f);
        p.freq_scale = 0.25f;
        ops::rope(a.data(), 1, 1, 128, 128, &pos, p);
        auto py = p;
        py.ext_factor = 0.0f;
        py.n_ctx_orig = 4096;
        py.beta_fast = 32.0f;
        py.beta_slow = 1.0f;
        ops::rope(b.data(), 1, 1, 128, 128, &pos, py);
        for (int i = 0; i < 128; ++i) EXPECT_EQ(a[i], b[i]) << i;
    });
}

// YaRN (ext_factor 1): pairs below the corrected low dimension keep the unscaled (extrapolated) angle,
// pairs above the high dimension get the interpolated one, all magnitudes scale by
// attn_factor · (1 + 0.1 ln(1/freq_scale)). Rotating (1, 0) reads off mscale·(cos θ, sin θ).
TEST(OpsRope, YarnRampAndMagnitude) {
    test::for_each_isa([] {
        const int n_rot = 128, n_ctx_orig = 4096;
        const double base = 10000.0, fs = 0.25, attn = 0.9;
        auto corr = [&](double beta) {
            return n_rot * std::log(n_ctx_orig / (beta * 2 * M_PI)) / (2 * std::log(base));
        };
        const double low = std::max(0.0, std::floor(corr(32.0)));        // 20
        const double high = std::min(n_rot - 1.0, std::ceil(corr(1.0)));  // 46
        ASSERT_LT(low, high);
        std::vector<float> x(n_rot, 0.0f);
        for (int i = 0; i < n_rot; i += 2) x[i] = 1.0f;
        const int32_t pos = 100;
        ops::RopeParams p = params(n_rot, ops::RopeMode::norm, static_cast<float>(base));
        p.freq_scale = static_cast<float>(fs);
        p.ext_factor = 1.0f;
        p.attn_factor = static_cast<float>(attn);
        p.n_ctx_orig = n_ctx_orig;
        p.beta_fast = 32.0f;
        p.beta_slow = 1.0f;
        ops::rope(x.data(), 1, 1, n_rot, n_rot, &pos, p);
        const double mscale = attn * (1.0 + 0.1 * std::log(1.0 / fs));
        for (int i = 0; i < n_rot / 2; ++i) {
            const double extrap = pos * std::pow(base, -2.0 * i / n_rot);
            const double ramp = 1.0 - std::min(1.0, std::max(0.0, (i - low) / std::max(0.001, high - low)));
            const double theta = fs * extrap * (1.0 - ramp) + extrap * ramp;
            EXPECT_NEAR(x[2 * i], mscale * std::cos(theta), 2e-5) << i;
            EXPECT_NEAR(x[2 * i + 1], mscale * std::sin(theta), 2e-5) << i;
        }
    });
}

}  // namespace
}  // namespace tessera
