// Multi-section RoPE (ops::rope_multi) against rotations computed by hand in double:
// decoder M-RoPE (Qwen2-VL: pair i takes the t/y/x/z position of its section, NEOX pairs) and the
// vision variant (pairs (i, i + n_rot), every section restarting its frequency ladder); and equality
// with plain NEOX rope when all sections carry the same position.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "engine/ops/ops.h"
#include "tests/engine/kernels/ops_test_util.h"
#include "tests/support/test_support.h"

namespace tessera {
namespace {

// x (head) rotated in pairs (a_i, b_i) by angle[i], in double.
std::vector<double> rotate_by_hand(const std::vector<float>& x, const std::vector<std::pair<int, int>>& pairs,
                                   const std::vector<double>& angle) {
    std::vector<double> y(x.begin(), x.end());
    for (size_t i = 0; i < pairs.size(); ++i) {
        const auto [a, b] = pairs[i];
        y[a] = x[a] * std::cos(angle[i]) - x[b] * std::sin(angle[i]);
        y[b] = x[a] * std::sin(angle[i]) + x[b] * std::cos(angle[i]);
    }
    return y;
}

TEST(OpsRopeMulti, SamePositionInEverySectionIsNeoxRope) {
    test::for_each_isa([&] {
        const int n_tok = 3, n_head = 2, hd = 16;
        const auto x0 = test::random_floats(n_tok * n_head * hd, 3);
        std::vector<float> a = x0, b = x0;
        const int32_t pos[3] = {0, 5, 77};
        std::vector<int32_t> pos4(4 * n_tok);
        for (int s = 0; s < 4; ++s)
            for (int t = 0; t < n_tok; ++t) pos4[s * n_tok + t] = pos[t];
        ops::RopeParams p;
        p.n_rot = hd;
        p.mode = ops::RopeMode::neox;
        p.freq_base = 1e6f;
        const int sections[4] = {2, 3, 3, 0};
        ops::rope_multi(a.data(), n_tok, n_head, n_head * hd, hd, pos4.data(), sections, ops::RopeMultiMode::mrope, p);
        ops::rope(b.data(), n_tok, n_head, n_head * hd, hd, pos, p);
        for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << i;
    });
}

TEST(OpsRopeMulti, DecoderSectionsPickTheirPositions) {
    test::for_each_isa([&] {
        // head 16, n_rot 16, sections [2, 3, 3, 0]: pairs 0-1 use t, 2-4 y, 5-7 x; pair i = (i, i + 8).
        const int hd = 16;
        const auto x = test::random_floats(hd, 11);
        std::vector<float> got = x;
        const int32_t pos4[4] = {7, 3, 12, 0};  // t, y, x, z for a single token
        ops::RopeParams p;
        p.n_rot = hd;
        p.freq_base = 10000.0f;
        const int sections[4] = {2, 3, 3, 0};
        ops::rope_multi(got.data(), 1, 1, hd, hd, pos4, sections, ops::RopeMultiMode::mrope, p);
        std::vector<std::pair<int, int>> pairs;
        std::vector<double> angle;
        for (int i = 0; i < 8; ++i) {
            const int32_t ps = i < 2 ? pos4[0] : i < 5 ? pos4[1] : pos4[2];
            pairs.push_back({i, i + 8});
            angle.push_back(ps * std::pow(10000.0, -2.0 * i / hd));
        }
        const auto want = rotate_by_hand(x, pairs, angle);
        for (int i = 0; i < hd; ++i) EXPECT_NEAR(got[i], want[i], 2e-5) << i;
    });
}

TEST(OpsRopeMulti, VisionRotatesTheWholeHeadAndRestartsEachSection) {
    test::for_each_isa([&] {
        // head 32, n_rot = 16 (= head/2), sections [8, 8, 8, 8]: pairs (i, i + 16), i < 8 use t = y with
        // theta = y·base^(-2i/16), i in 8..15 use the second position with theta = x·base^(-2(i-8)/16).
        const int hd = 32, n_head = 2;
        const auto x = test::random_floats(n_head * hd, 12);
        std::vector<float> got = x;
        const int32_t pos4[4] = {5, 9, 5, 9};
        ops::RopeParams p;
        p.n_rot = hd / 2;
        p.freq_base = 10000.0f;
        const int sections[4] = {8, 8, 8, 8};
        ops::rope_multi(got.data(), 1, n_head, n_head * hd, hd, pos4, sections, ops::RopeMultiMode::vision, p);
        for (int h = 0; h < n_head; ++h) {
            std::vector<float> xh(x.begin() + h * hd, x.begin() + (h + 1) * hd);
            std::vector<std::pair<int, int>> pairs;
            std::vector<double> angle;
            for (int i = 0; i < 16; ++i) {
                pairs.push_back({i, i + 16});
                const int k = i < 8 ? i : i - 8;
                angle.push_back((i < 8 ? pos4[0] : pos4[1]) * std::pow(10000.0, -2.0 * k / 16));
            }
            const auto want = rotate_by_hand(xh, pairs, angle);
            for (int i = 0; i < hd; ++i) EXPECT_NEAR(got[h * hd + i], want[i], 2e-5) << h << "," << i;
        }
    });
}

}  // namespace
}  // namespace tessera
