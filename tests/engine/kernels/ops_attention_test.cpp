// Attention against softmax weights computed by hand.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "engine/core/thread_pool.h"
#include "engine/ops/ops.h"
#include "tests/engine/kernels/ops_test_util.h"

namespace tessera {
namespace {

ops::AttentionParams one_head(int64_t dk, int64_t dv, bool causal = true) {
    ops::AttentionParams p;
    p.n_head = 1;
    p.n_head_kv = 1;
    p.head_dim_k = dk;
    p.head_dim_v = dv;
    p.scale = 1.0f;
    p.causal = causal;
    return p;
}

TEST(OpsAttention, TwoKeysByHand) {
    ThreadPool pool(1);
    test::for_each_isa([&] {
        // q = (1, 0), k0 = (2, 0), k1 = (0, 1): logits scale·(2, 0) with scale 0.5 → (1, 0);
        // weights (e, 1) / (e + 1); v0 = (1, 2, 3), v1 = (3, 4, 5).
        const float q[2] = {1, 0};
        const float k[4] = {2, 0, 0, 1};
        const float v[6] = {1, 2, 3, 3, 4, 5};
        const int32_t pos = 1;
        auto p = one_head(2, 3);
        p.scale = 0.5f;
        float out[3];
        ops::attention(q, 2, k, v, &pos, 1, 2, p, out, pool);
        const double w0 = std::exp(1.0) / (std::exp(1.0) + 1.0), w1 = 1.0 - w0;
        for (int d = 0; d < 3; ++d) EXPECT_NEAR(out[d], w0 * v[d] + w1 * v[3 + d], 1e-6) << d;
    });
}

TEST(OpsAttention, CausalMaskHidesLaterKeys) {
    ThreadPool pool(1);
    test::for_each_isa([&] {
        // Two queries at positions 0 and 1 over the same two keys: query 0 sees only key 0.
        const float q[4] = {1, 0, 1, 0};
        const float k[4] = {2, 0, 0, 1};
        const float v[4] = {1, 2, 3, 4};
        const int32_t pos[2] = {0, 1};
        auto p = one_head(2, 2);
        p.scale = 0.5f;
        float out[4];
        ops::attention(q, 2, k, v, pos, 2, 2, p, out, pool);
        EXPECT_NEAR(out[0], 1.0, 1e-6);
        EXPECT_NEAR(out[1], 2.0, 1e-6);
        const double w0 = std::exp(1.0) / (std::exp(1.0) + 1.0), w1 = 1.0 - w0;
        EXPECT_NEAR(out[2], w0 * 1 + w1 * 3, 1e-6);
        EXPECT_NEAR(out[3], w0 * 2 + w1 * 4, 1e-6);

        // Non-causal: query 0 sees key 1 as well.
        p.causal = false;
        ops::attention(q, 2, k, v, pos, 2, 2, p, out, pool);
        EXPECT_NEAR(out[0], w0 * 1 + w1 * 3, 1e-6);
        EXPECT_NEAR(out[1], w0 * 2 + w1 * 4, 1e-6);
    });
}

TEST(OpsAttention, SlidingWindowGivesZeroWeightBeyondTheWindow) {
    ThreadPool pool(1);
    test::for_each_isa([&] {
        // 5 keys, query at position 4, window 2: only keys 3 and 4 count (4 - k < 2). Keys 0..2 have
        // huge logits and values; any leak would show.
        const int n_kv = 5;
        std::vector<float> k(n_kv * 2), v(n_kv);
        for (int j = 0; j < 3; ++j) {
            k[2 * j] = 50.0f;
            v[j] = 1000.0f;
        }
        k[6] = 1.0f;  // key 3: logit 1
        k[8] = 0.0f;  // key 4: logit 0
        v[3] = 10.0f;
        v[4] = 20.0f;
        const float q[2] = {1, 0};
        const int32_t pos = 4;
        auto p = one_head(2, 1);
        p.sliding_window = 2;
        float out = 0;
        ops::attention(q, 2, k.data(), v.data(), &pos, 1, n_kv, p, &out, pool);
        const double w3 = std::exp(1.0) / (std::exp(1.0) + 1.0);
        EXPECT_NEAR(out, w3 * 10 + (1 - w3) * 20, 1e-4);

        // Window 1: the query sees only itself.
        p.sliding_window = 1;
        ops::attention(q, 2, k.data(), v.data(), &pos, 1, n_kv, p, &out, pool);
        EXPECT_NEAR(out, 20.0, 1e-5);
    });
}

TEST(OpsAttention, QueryThatSeesNoKeyGetsZeros) {
    ThreadPool pool(1);
    test::for_each_isa([&] {
        // Query at position 9, window 3, keys at positions 0..3: nothing visible.
        const float q[4] = {1, 1, 1, 1};
        std::vector<float> k(4 * 4, 1.0f), v(4 * 4, 7.0f);
        const int32_t pos = 9;
        auto p = one_head(4, 4);
        p.sliding_window = 3;
        float out[4] = {1, 1, 1, 1};
        ops::attention(q, 4, k.data(), v.data(), &pos, 1, 4, p, out, pool);
        for (float o : out) EXPECT_EQ(o, 0.0f);
    });
}

TEST(OpsAttention, GqaHeadMapping) {
    ThreadPool pool(2);
    test::for_each_isa([&] {
        // 4 query heads over 2 KV heads: heads 0, 1 use KV head 0, heads 2, 3 use KV head 1. A single key
        // gets weight 1, so each head's output is its KV head's value row.
        ops::AttentionParams p;
        p.n_head = 4;
        p.n_head_kv = 2;
        p.head_dim_k = 3;
        p.head_dim_v = 2;
        std::vector<float> q(4 * 3, 0.5f);
        const std::vector<float> k = {1, 2, 3, 4, 5, 6};    // (1, 2, 3)
        const std::vector<float> v = {10, 11, 20, 21};      // (1, 2, 2)
        const int32_t pos = 0;
        std::vector<float> out(4 * 2);
        ops::attention(q.data(), 12, k.data(), v.data(), &pos, 1, 1, p, out.data(), pool);
        const float want[8] = {10, 11, 10, 11, 20, 21, 20, 21};
        for (int i = 0; i < 8; ++i) EXPECT_NEAR(out[i], want[i], 1e-6) << i;

        // Two keys: head h's logit for key j is q_h · k_{j, h/2}; make head 3 prefer key 1.
        // k: (2 keys, 2 kv heads, 1), v: (2, 2, 1)
        p.head_dim_k = 1;
        p.head_dim_v = 1;
        const std::vector<float> k2 = {0, 0, 0, 1};
        const std::vector<float> v2 = {1, 2, 3, 4};
        const std::vector<float> q2 = {1, 1, 1, 2};
        const int32_t pos2 = 1;
        ops::attention(q2.data(), 4, k2.data(), v2.data(), &pos2, 1, 2, p, out.data(), pool);
        EXPECT_NEAR(out[0], 0.5 * 1 + 0.5 * 3, 1e-6);  // kv head 0, equal logits
        EXPECT_NEAR(out[1], 0.5 * 1 + 0.5 * 3, 1e-6);
        const double a = 1.0 / (1.0 + std::exp(1.0));   // head 2: logits (0, 1)
        EXPECT_NEAR(out[2], a * 2 + (1 - a) * 4, 1e-6);
        const double b = 1.0 / (1.0 + std::exp(2.0));   // head 3: logits (0, 2)
        EXPECT_NEAR(out[3], b * 2 + (1 - b) * 4, 1e-6);
    });
}

TEST(OpsAttention, SoftcapSquashesLogits) {
    ThreadPool pool(1);
    test::for_each_isa([&] {
        // logits (3, 0) with softcap 2 → (2 tanh(1.5), 0).
        const float q[1] = {1};
        const float k[2] = {3, 0};
        const float v[2] = {1, 0};
        const int32_t pos = 1;
        auto p = one_head(1, 1);
        p.softcap = 2.0f;
        float out = 0;
        ops::attention(q, 1, k, v, &pos, 1, 2, p, &out, pool);
        const double l = 2.0 * std::tanh(1.5);
        EXPECT_NEAR(out, std::exp(l) / (std::exp(l) + 1.0), 1e-6);
    });
}

TEST(OpsAttention, QueryViewInsideWiderRowsAndLongHead) {
    ThreadPool pool(2);
    test::for_each_isa([&] {
        // head_dim 37 (vector tails), q rows of 50 floats, 3 tokens at positions 2..4 over 5 keys where
        // key j = e_j (unit vector): logit(t, j) = scale·q_t[j].
        const int dk = 37, dv = 37, n_kv = 5, row = 50;
        std::vector<float> k(n_kv * dk, 0.0f), v(n_kv * dv);
        for (int j = 0; j < n_kv; ++j) k[j * dk + j] = 1.0f;
        for (int i = 0; i < n_kv * dv; ++i) v[i] = static_cast<float>(i % 11) - 5.0f;
        std::vector<float> q(3 * row, 99.0f);
        for (int t = 0; t < 3; ++t)
            for (int d = 0; d < dk; ++d) q[t * row + d] = 0.1f * static_cast<float>((d * 7 + t) % 13);
        const int32_t pos[3] = {2, 3, 4};
        auto p = one_head(dk, dv);
        p.scale = 0.75f;
        std::vector<float> out(3 * dv);
        ops::attention(q.data(), row, k.data(), v.data(), pos, 3, n_kv, p, out.data(), pool);
        for (int t = 0; t < 3; ++t) {
            double w[n_kv], sum = 0;
            for (int j = 0; j <= pos[t]; ++j) sum += (w[j] = std::exp(0.75 * q[t * row + j]));
            for (int d = 0; d < dv; ++d) {
                double want = 0;
                for (int j = 0; j <= pos[t]; ++j) want += w[j] / sum * v[j * dv + d];
                EXPECT_NEAR(out[t * dv + d], want, 1e-5) << t << "," << d;
            }
        }
    });
}

}  // namespace
}  // namespace tessera
