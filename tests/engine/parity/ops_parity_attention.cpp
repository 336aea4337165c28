// Attention: ref vs each vector ISA over decode / prefill shapes, GQA, sliding window, softcap,
// non-causal, odd head sizes; and 1 vs 2 vs 3 threads bit-identical.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "engine/core/thread_pool.h"
#include "engine/ops/ops.h"
#include "tests/engine/parity/ops_parity_util.h"
#include "tests/support/test_support.h"

namespace tessera {
namespace {

class OpsParityAttention : public test::OpsIsaTest {};

struct AttnCase {
    int64_t n_tokens, n_kv, n_head, n_head_kv, dk, dv;
    bool causal;
    int64_t window;
    float softcap;
};

std::string describe(const AttnCase& c) {
    return "tokens=" + std::to_string(c.n_tokens) + " n_kv=" + std::to_string(c.n_kv) + " heads=" +
           std::to_string(c.n_head) + "/" + std::to_string(c.n_head_kv) + " dk=" + std::to_string(c.dk) +
           " dv=" + std::to_string(c.dv) + (c.causal ? " causal" : " non-causal") +
           " window=" + std::to_string(c.window) + " softcap=" + std::to_string(c.softcap);
}

const AttnCase kCases[] = {
    {1, 1, 8, 2, 64, 64, true, 0, 0.0f},       // first token
    {1, 300, 8, 2, 64, 64, true, 0, 0.0f},     // decode, GQA 4:1
    {5, 300, 8, 2, 64, 64, true, 0, 0.0f},     // small batch at the end of the cache
    {64, 300, 8, 2, 64, 64, true, 0, 0.0f},    // prefill chunk
    {64, 64, 8, 2, 128, 128, true, 0, 0.0f},   // prefill from empty cache
    {5, 100, 8, 2, 128, 128, true, 16, 0.0f},  // sliding window
    {64, 300, 8, 2, 32, 32, true, 50, 30.0f},  // window + softcap (gemma2-like)
    {64, 64, 4, 4, 20, 20, true, 0, 0.0f},     // odd head dim (vector tails), no GQA
    {5, 37, 4, 1, 48, 32, false, 0, 0.0f},     // non-causal, dk != dv, MQA
    {64, 64, 2, 2, 16, 16, false, 0, 0.0f},    // vision encoder style
    {1, 4097, 4, 1, 64, 64, true, 0, 0.0f},    // long decode
    {7, 33, 6, 3, 8, 8, true, 3, 0.0f},        // tiny heads, GQA 2:1, window shorter than batch
};

struct AttnData {
    std::vector<float> q, k, v;
    std::vector<int32_t> pos;
    int64_t q_stride = 0;
    ops::AttentionParams p;
};

AttnData make_data(const AttnCase& c, uint64_t seed) {
    AttnData d;
    d.q_stride = c.n_head * c.dk + 3;  // q is a view inside wider rows
    d.q = test::random_floats(c.n_tokens * d.q_stride, seed, -2.0f, 2.0f);
    d.k = test::random_floats(c.n_kv * c.n_head_kv * c.dk, seed + 1, -2.0f, 2.0f);
    d.v = test::random_floats(c.n_kv * c.n_head_kv * c.dv, seed + 2, -1.0f, 1.0f);
    d.pos.resize(c.n_tokens);
    for (int64_t t = 0; t < c.n_tokens; ++t)
        d.pos[t] = static_cast<int32_t>(c.causal ? c.n_kv - c.n_tokens + t : t);
    d.p.n_head = c.n_head;
    d.p.n_head_kv = c.n_head_kv;
    d.p.head_dim_k = c.dk;
    d.p.head_dim_v = c.dv;
    d.p.scale = 1.0f / std::sqrt(static_cast<float>(c.dk));
    d.p.causal = c.causal;
    d.p.sliding_window = c.window;
    d.p.softcap = c.softcap;
    return d;
}

std::vector<float> run(const AttnCase& c, const AttnData& d, ThreadPool& pool) {
    std::vector<float> out(c.n_tokens * c.n_head * c.dv, NAN);
    ops::attention(d.q.data(), d.q_stride, d.k.data(), d.v.data(), d.pos.data(), c.n_tokens, c.n_kv, d.p,
                   out.data(), pool);
    return out;
}

TEST_P(OpsParityAttention, MatchesRef) {
    ThreadPool pool(2);
    uint64_t seed = 1000;
    for (const auto& c : kCases) {
        SCOPED_TRACE(describe(c));
        const AttnData d = make_data(c, seed += 10);
        use_ref();
        const auto ref = run(c, d, pool);
        use_isa();
        const auto out = run(c, d, pool);
        EXPECT_LT(test::nmse(out.data(), ref.data(), out.size()), 1e-11);
        EXPECT_LT(test::max_abs_diff(out.data(), ref.data(), out.size()), 1e-5);
    }
}

TEST_P(OpsParityAttention, ThreadCountDoesNotChangeBits) {
    ThreadPool one(1), two(2), three(3);
    use_isa();
    uint64_t seed = 2000;
    for (const auto& c : kCases) {
        SCOPED_TRACE(describe(c));
        const AttnData d = make_data(c, seed += 10);
        const auto a = run(c, d, one);
        const auto b = run(c, d, two);
        const auto e = run(c, d, three);
        ASSERT_EQ(a.size(), b.size());
        EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
        EXPECT_EQ(std::memcmp(a.data(), e.data(), a.size() * sizeof(float)), 0);
    }
}

TEST_P(OpsParityAttention, RefThreadCountDoesNotChangeBits) {
    ThreadPool one(1), two(2);
    use_ref();
    const AttnCase c = {64, 300, 8, 2, 64, 64, true, 50, 0.0f};
    const AttnData d = make_data(c, 77);
    const auto a = run(c, d, one);
    const auto b = run(c, d, two);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
}

TESSERA_OPS_PARITY_INSTANTIATE(OpsParityAttention);

}  // namespace
}  // namespace tessera
