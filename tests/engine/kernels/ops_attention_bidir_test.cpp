// The bidirectional block of the causal mask (gemma3 image tokens): queries whose position lies in
// [bidir_begin, bidir_end) also see the keys up to bidir_end; everything else stays causal. Checked on
// attention_key_range itself, by hand, and every ISA against a brute-force masked softmax in double.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "engine/core/thread_pool.h"
#include "engine/kernels/ref/attention.h"
#include "engine/ops/ops.h"
#include "tests/engine/kernels/ops_test_util.h"
#include "tests/support/test_support.h"

namespace tessera {
namespace {

TEST(OpsAttentionBidir, KeyRangeIsContiguousAndExtendsOnlyInsideTheBlock) {
    AttentionArgs a;
    a.n_kv = 20;
    a.causal = true;
    a.bidir_begin = 5;
    a.bidir_end = 12;
    int64_t lo = 0, hi = 0;
    for (int64_t pos = 0; pos < 20; ++pos) {
        attention_key_range(a, pos, &lo, &hi);
        EXPECT_EQ(lo, 0) << pos;
        const int64_t want = (pos >= 5 && pos < 12) ? 12 : pos + 1;
        EXPECT_EQ(hi, want) << pos;
    }
    // The block is cut by the cache end, and combines with a sliding window (lower bound only).
    a.n_kv = 10;
    attention_key_range(a, 6, &lo, &hi);
    EXPECT_EQ(hi, 10);
    a.sliding_window = 3;
    attention_key_range(a, 6, &lo, &hi);
    EXPECT_EQ(lo, 4);
    EXPECT_EQ(hi, 10);
    // Non-causal attention ignores the block: everything is visible.
    a.causal = false;
    a.sliding_window = 0;
    attention_key_range(a, 2, &lo, &hi);
    EXPECT_EQ(lo, 0);
    EXPECT_EQ(hi, 10);
    // An empty block is plain causal.
    a.causal = true;
    a.bidir_begin = a.bidir_end = 0;
    attention_key_range(a, 2, &lo, &hi);
    EXPECT_EQ(hi, 3);
}

TEST(OpsAttentionBidir, ByHandThreeKeys) {
    ThreadPool pool(1);
    test::for_each_isa([&] {
        // One head, dk = 1: logit(j) = q·k_j with k = (0, 1, 2), q = 1; v = (10, 20, 40).
        // Block [0, 2): queries 0 and 1 see keys 0, 1; query 2 (outside) sees 0..2.
        const float q[3] = {1, 1, 1};
        const float k[3] = {0, 1, 2};
        const float v[3] = {10, 20, 40};
        const int32_t pos[3] = {0, 1, 2};
        ops::AttentionParams p;
        p.n_head = p.n_head_kv = 1;
        p.head_dim_k = p.head_dim_v = 1;
        p.causal = true;
        p.bidir_begin = 0;
        p.bidir_end = 2;
        float out[3];
        ops::attention(q, 1, k, v, pos, 3, 3, p, out, pool);
        const double e0 = 1, e1 = std::exp(1.0), e2 = std::exp(2.0);
        EXPECT_NEAR(out[0], (10 * e0 + 20 * e1) / (e0 + e1), 1e-5);
        EXPECT_NEAR(out[1], (10 * e0 + 20 * e1) / (e0 + e1), 1e-5);
        EXPECT_NEAR(out[2], (10 * e0 + 20 * e1 + 40 * e2) / (e0 + e1 + e2), 1e-5);
        // Without the block, query 0 sees only key 0.
        p.bidir_end = 0;
        ops::attention(q, 1, k, v, pos, 3, 3, p, out, pool);
        EXPECT_NEAR(out[0], 10.0, 1e-6);
    });
}

// A prefill over a cache with text, then an image block, then text; GQA, odd head size, several
// threads: every ISA against a brute-force softmax in double with the mask written out.
TEST(OpsAttentionBidir, EveryIsaMatchesBruteForce) {
    const int64_t n_head = 6, n_head_kv = 2, dk = 20, dv = 12, n_kv = 45, n_tok = 37, row0 = n_kv - n_tok;
    const int64_t b0 = 12, b1 = 30;  // the image block, in cache rows
    const auto q = test::random_floats(n_tok * n_head * dk, 7, -1.5f, 1.5f);
    const auto k = test::random_floats(n_kv * n_head_kv * dk, 8, -1.5f, 1.5f);
    const auto v = test::random_floats(n_kv * n_head_kv * dv, 9, -1.0f, 1.0f);
    std::vector<int32_t> pos(n_tok);
    for (int64_t t = 0; t < n_tok; ++t) pos[t] = static_cast<int32_t>(row0 + t);
    const float scale = 1.0f / std::sqrt(static_cast<float>(dk));

    std::vector<double> want(n_tok * n_head * dv, 0.0);
    const int64_t rep = n_head / n_head_kv;
    for (int64_t t = 0; t < n_tok; ++t)
        for (int64_t h = 0; h < n_head; ++h) {
            const int64_t g = h / rep, qp = pos[t];
            std::vector<double> w(n_kv, 0.0);
            double mx = -INFINITY, sum = 0;
            for (int64_t j = 0; j < n_kv; ++j) {
                const bool visible = j <= qp || (qp >= b0 && qp < b1 && j < b1);
                if (!visible) continue;
                double dot = 0;
                for (int64_t d = 0; d < dk; ++d) dot += double(q[(t * n_head + h) * dk + d]) * k[(j * n_head_kv + g) * dk + d];
                w[j] = dot * scale;
                mx = std::max(mx, w[j]);
            }
            for (int64_t j = 0; j < n_kv; ++j) {
                const bool visible = j <= qp || (qp >= b0 && qp < b1 && j < b1);
                w[j] = visible ? std::exp(w[j] - mx) : 0.0;
                sum += w[j];
            }
            for (int64_t j = 0; j < n_kv; ++j)
                for (int64_t d = 0; d < dv; ++d) want[(t * n_head + h) * dv + d] += w[j] / sum * v[(j * n_head_kv + g) * dv + d];
        }

    ops::AttentionParams p;
    p.n_head = n_head;
    p.n_head_kv = n_head_kv;
    p.head_dim_k = dk;
    p.head_dim_v = dv;
    p.scale = scale;
    p.causal = true;
    p.bidir_begin = b0;
    p.bidir_end = b1;
    for (int threads : {1, 3}) {
        ThreadPool pool(threads);
        test::for_each_isa([&] {
            std::vector<float> out(n_tok * n_head * dv, NAN);
            ops::attention(q.data(), n_head * dk, k.data(), v.data(), pos.data(), n_tok, n_kv, p, out.data(), pool);
            double worst = 0;
            for (size_t i = 0; i < out.size(); ++i) worst = std::max(worst, std::fabs(out[i] - want[i]));
            EXPECT_LE(worst, 2e-6) << "threads " << threads;
        });
    }
}

}  // namespace
}  // namespace tessera
