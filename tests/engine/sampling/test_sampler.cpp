// The Sampler: chain order, greedy, penalties window, logit bias, reproducibility, parameter
// handling. Expected values are computed by hand in the comments.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/sampling/sampler.h"
#include "tests/support/test_support.h"

namespace tessera {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Every truncation off, temperature 1: the chain is a plain softmax.
SamplerParams plain_params(uint64_t seed = 1234) {
    SamplerParams p;
    p.temperature = 1.0f;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    p.typical_p = 1.0f;
    p.seed = seed;
    return p;
}

const TokenCandidate* find_id(const std::vector<TokenCandidate>& c, int32_t id) {
    for (const auto& x : c) {
        if (x.id == id) return &x;
    }
    return nullptr;
}

TEST(Sampler, PlainChainIsSoftmax) {
    const std::vector<float> logits = {1.0f, 2.0f, 3.0f};
    Sampler s(plain_params(), 3);
    const auto c = s.apply_chain(logits.data());
    ASSERT_EQ(c.size(), 3u);
    // softmax([1, 2, 3]) = e^i / (e^1 + e^2 + e^3) = 0.0900306, 0.2447285, 0.6652410
    EXPECT_NEAR(find_id(c, 0)->p, 0.09003057f, 1e-6);
    EXPECT_NEAR(find_id(c, 1)->p, 0.24472847f, 1e-6);
    EXPECT_NEAR(find_id(c, 2)->p, 0.66524096f, 1e-6);
}

TEST(Sampler, EmpiricalFrequenciesMatchSoftmax) {
    // 20000 draws with a fixed seed; the standard error of each frequency is
    // sqrt(p (1 - p) / 20000) <= 0.0034, so 0.015 is > 4 sigma.
    const std::vector<float> logits = {1.0f, 2.0f, 3.0f};
    Sampler s(plain_params(42), 3);
    std::vector<int> hits(3, 0);
    const int n = 20000;
    for (int i = 0; i < n; ++i) {
        const int32_t t = s.sample(logits.data());
        ASSERT_GE(t, 0);
        ASSERT_LT(t, 3);
        ++hits[static_cast<size_t>(t)];
    }
    EXPECT_NEAR(hits[0] / double(n), 0.09003057, 0.015);
    EXPECT_NEAR(hits[1] / double(n), 0.24472847, 0.015);
    EXPECT_NEAR(hits[2] / double(n), 0.66524096, 0.015);
}

TEST(Sampler, DefaultStyleChainByHand) {
    // logits [1, 2, 3, 0], top_k 3, top_p 0.95, min_p 0.05, temperature 0.5:
    //   top-k 3      -> ids 2, 1, 0 (logits 3, 2, 1)
    //   top-p 0.95   -> softmax 0.66524, 0.24473, 0.09003; cumulative 0.66524, 0.90997, 1.0
    //                   reaches 0.95 only at the third: all three stay
    //   min-p 0.05   -> min logit 3 + ln 0.05 = 0.0042677: all three stay
    //   temp 0.5     -> logits 6, 4, 2; relative to 6: 1, e^-2, e^-4 = 1, 0.1353353, 0.0183156
    //                   sum 1.1536509 -> 0.8668133, 0.1173104, 0.0158762
    SamplerParams p = plain_params();
    p.top_k = 3;
    p.top_p = 0.95f;
    p.min_p = 0.05f;
    p.temperature = 0.5f;
    const std::vector<float> logits = {1.0f, 2.0f, 3.0f, 0.0f};
    Sampler s(p, 4);
    const auto c = s.apply_chain(logits.data());
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c[0].id, 2);
    EXPECT_EQ(c[1].id, 1);
    EXPECT_EQ(c[2].id, 0);
    EXPECT_FLOAT_EQ(c[0].logit, 6.0f);
    EXPECT_NEAR(c[0].p, 0.86681333f, 1e-6);
    EXPECT_NEAR(c[1].p, 0.11731043f, 1e-6);
    EXPECT_NEAR(c[2].p, 0.01587624f, 1e-6);
    EXPECT_EQ(find_id(c, 3), nullptr);
}

TEST(Sampler, TruncationHappensBeforeTemperature) {
    // llama.cpp order: top-p decides on the temperature-1 distribution. [1, 2, 3], top_p 0.7:
    // cumulative 0.66524, 0.90997 -> ids 2, 1 stay. A high temperature afterwards only flattens
    // those two: (3, 2) / 10 = (0.3, 0.2); softmax = 1/(1 + e^-0.1), e^-0.1/(1 + e^-0.1)
    // = 1/1.9048374 = 0.5249792, 0.4750208. (Temperature first would have kept all three.)
    SamplerParams p = plain_params();
    p.top_p = 0.7f;
    p.temperature = 10.0f;
    const std::vector<float> logits = {1.0f, 2.0f, 3.0f};
    Sampler s(p, 3);
    const auto c = s.apply_chain(logits.data());
    ASSERT_EQ(c.size(), 2u);
    EXPECT_NEAR(find_id(c, 2)->p, 0.52497919f, 1e-6);
    EXPECT_NEAR(find_id(c, 1)->p, 0.47502081f, 1e-6);
}

TEST(Sampler, GreedyTakesTheArgmaxLowestIdOnTies) {
    const std::vector<float> logits = {1.0f, 3.0f, 3.0f, 2.0f};
    for (float t : {0.0f, -1.0f, std::nanf("")}) {
        SamplerParams p = plain_params();
        p.temperature = t;
        Sampler s(p, 4);
        EXPECT_TRUE(s.is_greedy()) << "temperature " << t;
        for (int i = 0; i < 5; ++i) EXPECT_EQ(s.sample(logits.data()), 1) << "temperature " << t;
        const auto c = s.apply_chain(logits.data());
        ASSERT_EQ(c.size(), 1u);
        EXPECT_EQ(c[0].id, 1);
        EXPECT_FLOAT_EQ(c[0].p, 1.0f);
    }
}

TEST(Sampler, GreedySeesPenaltiesAndBias) {
    // logits [3, 2.5]: token 0 wins. After accepting token 0 with repeat penalty 1.5:
    // 3 / 1.5 = 2 < 2.5, so token 1 wins.
    SamplerParams p = plain_params();
    p.temperature = 0.0f;
    p.repeat_penalty = 1.5f;
    const std::vector<float> logits = {3.0f, 2.5f};
    Sampler s(p, 2);
    EXPECT_EQ(s.sample(logits.data()), 0);
    s.accept(0);
    EXPECT_EQ(s.sample(logits.data()), 1);
    s.reset();
    EXPECT_EQ(s.sample(logits.data()), 0);
}

TEST(Sampler, PenaltiesUseTheLastNAcceptedTokens) {
    // History 0, 0, 1 (accepted in that order); repeat 2, frequency 0.5, presence 0.25.
    // Window 64 (all three): as in SamplerStages.PenaltiesOnAKnownHistory:
    //   token 0: 2 / 2 - (2 * 0.5 + 0.25) = -0.25;  token 1: -1 * 2 - (0.5 + 0.25) = -2.75
    SamplerParams p = plain_params();
    p.repeat_penalty = 2.0f;
    p.frequency_penalty = 0.5f;
    p.presence_penalty = 0.25f;
    const std::vector<float> logits = {2.0f, -1.0f, 0.5f, 3.0f};
    {
        Sampler s(p, 4);
        s.accept(0);
        s.accept(0);
        s.accept(1);
        const auto c = s.apply_chain(logits.data());
        ASSERT_EQ(c.size(), 4u);
        EXPECT_FLOAT_EQ(find_id(c, 0)->logit, -0.25f);
        EXPECT_FLOAT_EQ(find_id(c, 1)->logit, -2.75f);
        EXPECT_FLOAT_EQ(find_id(c, 2)->logit, 0.5f);
        EXPECT_FLOAT_EQ(find_id(c, 3)->logit, 3.0f);
    }
    {
        // Window 2: only the last two (0, 1) count -> token 0 seen once:
        //   2 / 2 - (1 * 0.5 + 0.25) = 0.25
        p.penalty_last_n = 2;
        Sampler s(p, 4);
        s.accept(0);
        s.accept(0);
        s.accept(1);
        const auto c = s.apply_chain(logits.data());
        EXPECT_FLOAT_EQ(find_id(c, 0)->logit, 0.25f);
        EXPECT_FLOAT_EQ(find_id(c, 1)->logit, -2.75f);
    }
    {
        // Window 0: penalties off.
        p.penalty_last_n = 0;
        Sampler s(p, 4);
        s.accept(0);
        const auto c = s.apply_chain(logits.data());
        EXPECT_FLOAT_EQ(find_id(c, 0)->logit, 2.0f);
    }
    {
        // Window < 0: everything since reset() (here 3 x token 0):
        //   2 / 2 - (3 * 0.5 + 0.25) = -0.75; after reset(): untouched.
        p.penalty_last_n = -1;
        Sampler s(p, 4);
        for (int i = 0; i < 3; ++i) s.accept(0);
        EXPECT_FLOAT_EQ(find_id(s.apply_chain(logits.data()), 0)->logit, -0.75f);
        s.reset();
        EXPECT_FLOAT_EQ(find_id(s.apply_chain(logits.data()), 0)->logit, 2.0f);
    }
}

TEST(Sampler, LogitBiasForcesAndBansTokens) {
    const std::vector<float> logits = {5.0f, 0.0f, 4.0f, -3.0f};
    {
        // +100 on the least likely token: it is all that is left after min-p (its logit 97 vs
        // others <= 5; 5 - 97 < ln 0.05).
        SamplerParams p;  // library defaults: top_k 40, top_p 0.95, min_p 0.05, temperature 0.8
        p.seed = 7;
        p.logit_bias = {{3, 100.0f}};
        Sampler s(p, 4);
        for (int i = 0; i < 200; ++i) ASSERT_EQ(s.sample(logits.data()), 3);
    }
    {
        // -inf bans the argmax: greedy moves to the runner-up, sampling never returns it.
        SamplerParams p = plain_params(99);
        p.logit_bias = {{0, -kInf}};
        Sampler s(p, 4);
        for (int i = 0; i < 500; ++i) ASSERT_NE(s.sample(logits.data()), 0);
        p.temperature = 0.0f;
        Sampler g(p, 4);
        EXPECT_EQ(g.sample(logits.data()), 2);
    }
    {
        // Bias comes before penalties (llama.cpp's order): token 1 biased to 0 + 4 = 4, then
        // penalised once with repeat 2: 4 / 2 = 2.
        SamplerParams p = plain_params();
        p.logit_bias = {{1, 4.0f}};
        p.repeat_penalty = 2.0f;
        Sampler s(p, 4);
        s.accept(1);
        EXPECT_FLOAT_EQ(find_id(s.apply_chain(logits.data()), 1)->logit, 2.0f);
    }
}

TEST(Sampler, SameSeedSameSequenceAndResetReplays) {
    const int32_t n_vocab = 1000;
    const auto logits = test::random_floats(n_vocab, 5, -4.0f, 4.0f);
    SamplerParams p;  // defaults, with a repeat penalty so accept() matters
    p.repeat_penalty = 1.1f;
    p.seed = 20240611;

    auto run = [&](Sampler& s, int n) {
        std::vector<int32_t> out;
        for (int i = 0; i < n; ++i) {
            const int32_t t = s.sample(logits.data());
            s.accept(t);
            out.push_back(t);
        }
        return out;
    };
    Sampler a(p, n_vocab);
    Sampler b(p, n_vocab);
    const auto seq_a = run(a, 300);
    EXPECT_EQ(seq_a, run(b, 300));
    EXPECT_EQ(a.seed(), 20240611u);

    a.reset();
    EXPECT_EQ(seq_a, run(a, 300));

    p.seed = 20240612;
    Sampler c(p, n_vocab);
    EXPECT_NE(seq_a, run(c, 300));  // 300 draws over >= 2 tokens: equal only by a ~2^-300 chance

    // A random seed is reported, and replaying it gives the same sequence.
    p.seed = kSamplerRandomSeed;
    Sampler r(p, n_vocab);
    EXPECT_NE(r.seed(), kSamplerRandomSeed);
    const auto seq_r = run(r, 50);
    p.seed = r.seed();
    Sampler r2(p, n_vocab);
    EXPECT_EQ(seq_r, run(r2, 50));
}

TEST(Sampler, UniformGeneratorIsTheSpecifiedOne) {
    // u = (mt19937_64() >> 11) * 2^-53. The C++ standard fixes mt19937_64's 10000th output for
    // the default seed 5489 at 9981545732273789042 ([rand.predef]); check the conversion on the
    // first outputs of that seed against the raw engine.
    SamplerParams p = plain_params(5489);
    Sampler s(p, 3);
    std::mt19937_64 ref(5489);
    for (int i = 0; i < 100; ++i) {
        const double expected = static_cast<double>(ref() >> 11) * 0x1.0p-53;
        ASSERT_EQ(s.next_uniform(), expected);
    }
    std::mt19937_64 standard;  // default seed 5489
    standard.discard(9999);
    EXPECT_EQ(standard(), 9981545732273789042ull);
}

TEST(Sampler, ParameterValidationAndClamping) {
    const int32_t n_vocab = 3;
    EXPECT_TRUE(validate_sampler_params(SamplerParams{}, n_vocab).is_ok());

    SamplerParams p = plain_params();
    p.top_p = 1.5f;
    Status st = validate_sampler_params(p, n_vocab);
    EXPECT_EQ(st.code(), ErrorCode::invalid_argument);
    EXPECT_NE(st.message().find("top_p"), std::string::npos) << st.to_string();

    p = plain_params();
    p.min_p = -0.1f;
    EXPECT_EQ(validate_sampler_params(p, n_vocab).code(), ErrorCode::invalid_argument);
    p = plain_params();
    p.repeat_penalty = 0.0f;
    EXPECT_EQ(validate_sampler_params(p, n_vocab).code(), ErrorCode::invalid_argument);
    p = plain_params();
    p.top_k = -5;
    EXPECT_EQ(validate_sampler_params(p, n_vocab).code(), ErrorCode::invalid_argument);
    p = plain_params();
    p.logit_bias = {{3, 1.0f}};
    EXPECT_EQ(validate_sampler_params(p, n_vocab).code(), ErrorCode::out_of_range);
    p = plain_params();
    p.temperature = -1.0f;  // documented: greedy, not an error
    EXPECT_TRUE(validate_sampler_params(p, n_vocab).is_ok());
    EXPECT_EQ(validate_sampler_params(plain_params(), 0).code(), ErrorCode::invalid_argument);

    // The Sampler clamps instead of failing.
    const std::vector<float> logits = {1.0f, 2.0f, 3.0f};
    p = plain_params();
    p.top_p = 1.5f;                 // -> 1 (off)
    p.typical_p = std::nanf("");    // -> 1 (off)
    p.min_p = -3.0f;                // -> 0 (off)
    p.repeat_penalty = -2.0f;       // -> 1 (off)
    p.top_k = -5;                   // -> 0 (off)
    p.logit_bias = {{7, 100.0f}, {-1, 100.0f}, {1, std::nanf("")}};  // all dropped
    Sampler s(p, n_vocab);
    EXPECT_EQ(s.params().top_p, 1.0f);
    EXPECT_EQ(s.params().typical_p, 1.0f);
    EXPECT_EQ(s.params().min_p, 0.0f);
    EXPECT_EQ(s.params().repeat_penalty, 1.0f);
    EXPECT_EQ(s.params().top_k, 0);
    EXPECT_TRUE(s.params().logit_bias.empty());
    s.accept(2);
    const auto c = s.apply_chain(logits.data());
    ASSERT_EQ(c.size(), 3u);
    EXPECT_NEAR(find_id(c, 2)->p, 0.66524096f, 1e-6);  // unchanged softmax

    // top_p below 0 -> 0: only the best token.
    p = plain_params();
    p.top_p = -0.5f;
    Sampler one(p, n_vocab);
    const auto c1 = one.apply_chain(logits.data());
    ASSERT_EQ(c1.size(), 1u);
    EXPECT_EQ(c1[0].id, 2);

    // Nothing to sample from.
    Sampler empty(plain_params(), 0);
    EXPECT_EQ(empty.sample(logits.data()), -1);
    Sampler null_logits(plain_params(), 3);
    EXPECT_EQ(null_logits.sample(nullptr), -1);

    // Out-of-vocabulary tokens accepted are ignored, not crashes.
    Sampler pen(plain_params(), 3);
    pen.accept(-4);
    pen.accept(1000);
    EXPECT_EQ(pen.apply_chain(logits.data()).size(), 3u);
}

TEST(Sampler, AllTokensBannedStillReturnsAToken) {
    SamplerParams p = plain_params();
    p.logit_bias = {{0, -kInf}, {1, -kInf}, {2, -kInf}};
    const std::vector<float> logits = {1.0f, 2.0f, 3.0f};
    Sampler s(p, 3);
    const int32_t t = s.sample(logits.data());
    EXPECT_GE(t, 0);
    EXPECT_LT(t, 3);
    p.temperature = 0.0f;
    Sampler g(p, 3);
    EXPECT_EQ(g.sample(logits.data()), 0);  // all tied at -inf: lowest id
}

TEST(Sampler, LargeVocabTopKMatchesAFullSort) {
    // n_vocab = 152064; default chain. The candidates after top-k 40 must be the 40 largest
    // logits, in order; later stages only cut that prefix.
    const int32_t n_vocab = 152064;
    const auto logits = test::random_floats(static_cast<size_t>(n_vocab), 11, -8.0f, 8.0f);
    SamplerParams p;
    p.seed = 3;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    p.temperature = 1.0f;
    Sampler s(p, n_vocab);
    const auto c = s.apply_chain(logits.data());
    ASSERT_EQ(c.size(), 40u);

    std::vector<int32_t> order(static_cast<size_t>(n_vocab));
    for (int32_t i = 0; i < n_vocab; ++i) order[static_cast<size_t>(i)] = i;
    std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
        if (logits[a] != logits[b]) return logits[a] > logits[b];
        return a < b;
    });
    double sum = 0.0;
    for (size_t i = 0; i < 40; ++i) {
        EXPECT_EQ(c[i].id, order[i]) << "rank " << i;
        sum += c[i].p;
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);

    // Timing, for information: the full default chain on 152k logits.
    SamplerParams d;
    d.seed = 3;
    Sampler timed(d, n_vocab);
    const auto t0 = std::chrono::steady_clock::now();
    const int reps = 50;
    for (int i = 0; i < reps; ++i) {
        const int32_t t = timed.sample(logits.data());
        ASSERT_GE(t, 0);
        timed.accept(t);
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("default chain, n_vocab %d: %.3f ms per sample\n", n_vocab, ms / reps);
}

}  // namespace
}  // namespace tessera
