// Each stage of the sampler chain on small hand-computed cases.
// Every expected value is written out with the arithmetic that gives it (e = 2.718281828...).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/sampling/sampler_stages.h"

namespace tessera {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

CandidateList make_list(const std::vector<float>& logits) {
    CandidateList list;
    candidates_from_logits(list, logits.data(), static_cast<int32_t>(logits.size()));
    return list;
}

std::vector<int32_t> ids(const CandidateList& list) {
    std::vector<int32_t> out;
    for (const auto& c : list.items) out.push_back(c.id);
    return out;
}

float prob_of(const CandidateList& list, int32_t id) {
    for (const auto& c : list.items) {
        if (c.id == id) return c.p;
    }
    ADD_FAILURE() << "token " << id << " not in the list";
    return -1.0f;
}

TEST(SamplerStages, CandidatesFromLogitsKeepsIdOrderAndBansNaN) {
    const std::vector<float> logits = {0.5f, std::nanf(""), -2.0f};
    CandidateList list = make_list(logits);
    ASSERT_EQ(list.items.size(), 3u);
    EXPECT_EQ(ids(list), (std::vector<int32_t>{0, 1, 2}));
    EXPECT_FALSE(list.sorted);
    EXPECT_EQ(list.items[0].logit, 0.5f);
    EXPECT_EQ(list.items[1].logit, -kInf);
    EXPECT_EQ(list.items[2].logit, -2.0f);
}

TEST(SamplerStages, SoftmaxOfOneTwoThree) {
    CandidateList list = make_list({1.0f, 2.0f, 3.0f});
    sampler_softmax(list);
    // e^1, e^2, e^3 = 2.7182818, 7.3890561, 20.0855369; sum = 30.1928748
    // p = 2.7182818/30.1928748, 7.3890561/30.1928748, 20.0855369/30.1928748
    EXPECT_NEAR(list.items[0].p, 0.09003057f, 1e-6);
    EXPECT_NEAR(list.items[1].p, 0.24472847f, 1e-6);
    EXPECT_NEAR(list.items[2].p, 0.66524096f, 1e-6);
}

TEST(SamplerStages, SoftmaxWithInfiniteLogits) {
    // Two forced tokens (+inf) share the mass; everything else gets 0.
    CandidateList forced = make_list({1.0f, kInf, 5.0f, kInf});
    sampler_softmax(forced);
    EXPECT_FLOAT_EQ(forced.items[0].p, 0.0f);
    EXPECT_FLOAT_EQ(forced.items[1].p, 0.5f);
    EXPECT_FLOAT_EQ(forced.items[2].p, 0.0f);
    EXPECT_FLOAT_EQ(forced.items[3].p, 0.5f);

    // Everything banned: no NaN, an even split (the chain stays well defined).
    CandidateList banned = make_list({-kInf, -kInf});
    sampler_softmax(banned);
    EXPECT_FLOAT_EQ(banned.items[0].p, 0.5f);
    EXPECT_FLOAT_EQ(banned.items[1].p, 0.5f);
}

TEST(SamplerStages, TopKKeepsTheBestSorted) {
    CandidateList list = make_list({1.0f, 2.0f, 3.0f, 0.5f});
    sampler_top_k(list, 2);
    EXPECT_EQ(ids(list), (std::vector<int32_t>{2, 1}));
    EXPECT_TRUE(list.sorted);
    sampler_softmax(list);
    // softmax([3, 2]) = 1/(1 + e^-1), e^-1/(1 + e^-1) = 0.7310586, 0.2689414
    EXPECT_NEAR(list.items[0].p, 0.73105858f, 1e-6);
    EXPECT_NEAR(list.items[1].p, 0.26894142f, 1e-6);
}

TEST(SamplerStages, TopKTiesGoToTheLowerId) {
    CandidateList list = make_list({2.0f, 5.0f, 2.0f, 2.0f, 1.0f});
    sampler_top_k(list, 3);
    // 5 (id 1), then the three 2.0s tie: ids 0 and 2 win over 3.
    EXPECT_EQ(ids(list), (std::vector<int32_t>{1, 0, 2}));
}

TEST(SamplerStages, TopKDisabledOrLargerThanTheList) {
    CandidateList off = make_list({1.0f, 3.0f, 2.0f});
    sampler_top_k(off, 0);
    EXPECT_EQ(ids(off), (std::vector<int32_t>{0, 1, 2}));
    CandidateList big = make_list({1.0f, 3.0f, 2.0f});
    sampler_top_k(big, 10);
    EXPECT_EQ(big.items.size(), 3u);
}

TEST(SamplerStages, TopPCutsAtTheFirstPrefixReachingP) {
    // sorted probabilities 0.66524, 0.24473, 0.09003 (SoftmaxOfOneTwoThree);
    // cumulative 0.66524 < 0.7, then 0.90997 >= 0.7 -> keep 2.
    CandidateList list = make_list({1.0f, 2.0f, 3.0f});
    sampler_top_p(list, 0.7f);
    EXPECT_EQ(ids(list), (std::vector<int32_t>{2, 1}));
    EXPECT_TRUE(list.sorted);
    // The stage leaves the pre-cut softmax in p; renormalised over the two kept:
    // 0.66524 / 0.90997 = 0.73106, 0.24473 / 0.90997 = 0.26894
    sampler_softmax(list);
    EXPECT_NEAR(list.items[0].p, 0.73105858f, 1e-6);
    EXPECT_NEAR(list.items[1].p, 0.26894142f, 1e-6);

    // 0.66524 >= 0.6 -> only the best.
    CandidateList one = make_list({1.0f, 2.0f, 3.0f});
    sampler_top_p(one, 0.6f);
    EXPECT_EQ(ids(one), (std::vector<int32_t>{2}));

    // p = 0 keeps one (min_keep = 1); p = 1 is off.
    CandidateList zero = make_list({1.0f, 2.0f, 3.0f});
    sampler_top_p(zero, 0.0f);
    EXPECT_EQ(ids(zero), (std::vector<int32_t>{2}));
    CandidateList off = make_list({1.0f, 2.0f, 3.0f});
    sampler_top_p(off, 1.0f);
    EXPECT_EQ(off.items.size(), 3u);

    // min_keep wins over p.
    CandidateList keep3 = make_list({1.0f, 2.0f, 3.0f});
    sampler_top_p(keep3, 0.1f, 3);
    EXPECT_EQ(keep3.items.size(), 3u);
}

TEST(SamplerStages, MinPKeepsLogitsAboveMaxPlusLnP) {
    // min_logit = 3 + ln 0.3 = 3 - 1.2039728 = 1.7960272 -> keeps logits 3 and 2, drops 1.
    CandidateList list = make_list({1.0f, 2.0f, 3.0f});
    sampler_min_p(list, 0.3f);
    EXPECT_EQ(ids(list), (std::vector<int32_t>{1, 2}));  // order kept (unsorted input)
    sampler_softmax(list);
    EXPECT_NEAR(prob_of(list, 2), 0.73105858f, 1e-6);  // softmax([2, 3]) as in TopK
    EXPECT_NEAR(prob_of(list, 1), 0.26894142f, 1e-6);

    // min_logit = 3 + ln 0.05 = 3 - 2.9957323 = 0.0042677 -> all three pass.
    CandidateList all = make_list({1.0f, 2.0f, 3.0f});
    sampler_min_p(all, 0.05f);
    EXPECT_EQ(all.items.size(), 3u);

    // p = 1 keeps only those tied with the maximum (p_i >= p_max).
    CandidateList ties = make_list({3.0f, 1.0f, 3.0f});
    sampler_min_p(ties, 1.0f);
    EXPECT_EQ(ids(ties), (std::vector<int32_t>{0, 2}));

    // p > 1 passes nobody: the best min_keep (= 1) stay.
    CandidateList over = make_list({1.0f, 2.0f, 3.0f});
    sampler_min_p(over, 2.0f);
    EXPECT_EQ(ids(over), (std::vector<int32_t>{2}));

    // p = 0 is off.
    CandidateList off = make_list({1.0f, 2.0f, 3.0f});
    sampler_min_p(off, 0.0f);
    EXPECT_EQ(off.items.size(), 3u);
}

TEST(SamplerStages, TypicalKeepsTheMostTypicalTokens) {
    // logits = ln(0.5), ln(0.3), ln(0.2) -> p = 0.5, 0.3, 0.2 exactly.
    // H = -(0.5 ln 0.5 + 0.3 ln 0.3 + 0.2 ln 0.2) = 0.3465736 + 0.3611918 + 0.3218876 = 1.0296530
    // |-ln p - H| = |0.6931472 - 1.0296530| = 0.3365058  (id 0)
    //               |1.2039728 - 1.0296530| = 0.1743198  (id 1)
    //               |1.6094379 - 1.0296530| = 0.5797849  (id 2)
    // typicality order: id 1, id 0, id 2. Cumulative 0.3, 0.8, 1.0.
    const std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.2f)};

    CandidateList half = make_list(logits);
    sampler_typical(half, 0.5f);  // 0.3 > 0.5? no. 0.8 > 0.5 -> keep {1, 0}
    EXPECT_EQ(ids(half), (std::vector<int32_t>{1, 0}));
    EXPECT_FALSE(half.sorted);
    sampler_softmax(half);  // 0.3 / 0.8 = 0.375, 0.5 / 0.8 = 0.625
    EXPECT_NEAR(prob_of(half, 1), 0.375f, 1e-6);
    EXPECT_NEAR(prob_of(half, 0), 0.625f, 1e-6);

    // 0.3 > 0.25 already: only id 1 stays -- the most probable token (id 0) is dropped.
    CandidateList quarter = make_list(logits);
    sampler_typical(quarter, 0.25f);
    EXPECT_EQ(ids(quarter), (std::vector<int32_t>{1}));

    // p = 1 is off.
    CandidateList off = make_list(logits);
    sampler_typical(off, 1.0f);
    EXPECT_EQ(ids(off), (std::vector<int32_t>{0, 1, 2}));
}

TEST(SamplerStages, TemperatureScalesLogits) {
    // [1, 2, 3] / 2 = [0.5, 1, 1.5]; relative to 1.5: e^-1, e^-0.5, 1 = 0.3678794, 0.6065307, 1
    // sum = 1.9744101 -> 0.1863237, 0.3071959, 0.5064804
    CandidateList list = make_list({1.0f, 2.0f, 3.0f});
    sampler_temperature(list, 2.0f);
    EXPECT_FLOAT_EQ(list.items[0].logit, 0.5f);
    EXPECT_FLOAT_EQ(list.items[2].logit, 1.5f);
    sampler_softmax(list);
    EXPECT_NEAR(list.items[0].p, 0.18632372f, 1e-6);
    EXPECT_NEAR(list.items[1].p, 0.30719589f, 1e-6);
    EXPECT_NEAR(list.items[2].p, 0.50648039f, 1e-6);
}

TEST(SamplerStages, ZeroTemperatureKeepsTheArgmaxLowestIdOnTies) {
    CandidateList list = make_list({1.0f, 3.0f, 3.0f, 2.0f});
    sampler_temperature(list, 0.0f);
    EXPECT_EQ(ids(list), (std::vector<int32_t>{1}));
}

TEST(SamplerStages, PenaltiesOnAKnownHistory) {
    // history counts: token 0 twice, token 1 once. repeat 2, frequency 0.5, presence 0.25.
    //   token 0: 2 > 0 -> 2 / 2 = 1;    1 - (2 * 0.5 + 0.25) = -0.25
    //   token 1: -1 <= 0 -> -1 * 2 = -2; -2 - (1 * 0.5 + 0.25) = -2.75
    //   tokens 2, 3: not in the history, unchanged.
    const TokenCounts counts = {{0, 2}, {1, 1}};
    CandidateList list = make_list({2.0f, -1.0f, 0.5f, 3.0f});
    sampler_penalties(list, counts, 2.0f, 0.5f, 0.25f);
    EXPECT_FLOAT_EQ(list.items[0].logit, -0.25f);
    EXPECT_FLOAT_EQ(list.items[1].logit, -2.75f);
    EXPECT_FLOAT_EQ(list.items[2].logit, 0.5f);
    EXPECT_FLOAT_EQ(list.items[3].logit, 3.0f);

    // Same result on a reordered list (the slow path).
    CandidateList shuffled = make_list({2.0f, -1.0f, 0.5f, 3.0f});
    sort_candidates_prefix(shuffled, 4);  // ids 3, 0, 2, 1
    sampler_penalties(shuffled, counts, 2.0f, 0.5f, 0.25f);
    EXPECT_FLOAT_EQ(shuffled.items[1].logit, -0.25f);  // id 0
    EXPECT_FLOAT_EQ(shuffled.items[3].logit, -2.75f);  // id 1
    EXPECT_FALSE(shuffled.sorted);
}

TEST(SamplerStages, LogitBiasAddsAndBans) {
    const std::vector<std::pair<int32_t, float>> bias = {{0, 5.0f}, {2, -kInf}, {0, 1.0f}};
    CandidateList list = make_list({1.0f, 2.0f, 3.0f});
    sampler_logit_bias(list, bias);
    EXPECT_FLOAT_EQ(list.items[0].logit, 7.0f);  // 1 + 5 + 1: entries for one token add up
    EXPECT_FLOAT_EQ(list.items[1].logit, 2.0f);
    EXPECT_EQ(list.items[2].logit, -kInf);

    // On a truncated, sorted list: found by id.
    CandidateList top = make_list({1.0f, 2.0f, 3.0f});
    sampler_top_k(top, 2);  // ids 2, 1
    sampler_logit_bias(top, std::vector<std::pair<int32_t, float>>{{1, 10.0f}});
    EXPECT_FLOAT_EQ(top.items[1].logit, 12.0f);
    EXPECT_FALSE(top.sorted);

    // +inf logit with a -inf bias is a ban, not NaN.
    CandidateList inf = make_list({kInf, 0.0f});
    sampler_logit_bias(inf, std::vector<std::pair<int32_t, float>>{{0, -kInf}});
    EXPECT_EQ(inf.items[0].logit, -kInf);
}

TEST(SamplerStages, DistPicksByCumulativeMass) {
    // p = 0.0900306, 0.2447285, 0.6652410; cumulative 0.0900, 0.3348, 1.0
    CandidateList list = make_list({1.0f, 2.0f, 3.0f});
    EXPECT_EQ(sampler_dist_index(list, 0.0), 0);
    EXPECT_EQ(sampler_dist_index(list, 0.09), 0);
    EXPECT_EQ(sampler_dist_index(list, 0.091), 1);
    EXPECT_EQ(sampler_dist_index(list, 0.334), 1);
    EXPECT_EQ(sampler_dist_index(list, 0.335), 2);
    EXPECT_EQ(sampler_dist_index(list, 0.9999999), 2);

    // A zero-probability candidate first in line is skipped even at u = 0.
    CandidateList banned = make_list({-kInf, 1.0f});
    EXPECT_EQ(sampler_dist_index(banned, 0.0), 1);

    CandidateList empty;
    EXPECT_EQ(sampler_dist_index(empty, 0.5), -1);
}

TEST(SamplerStages, TopPOnALargeVocabMatchesAFullSort) {
    // 152064 logits (Qwen2/3 vocabulary size): the adaptive partial sort must keep exactly the
    // prefix a full sort would.
    const int32_t n = 152064;
    std::vector<float> logits(static_cast<size_t>(n));
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (auto& l : logits) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        l = static_cast<float>((x >> 40) & 0xFFFFFF) / 16777216.0f * 12.0f - 6.0f;  // [-6, 6)
    }
    for (float p : {0.05f, 0.5f, 0.95f}) {
        CandidateList list = make_list(logits);
        sampler_top_p(list, p);

        CandidateList ref = make_list(logits);
        sampler_softmax(ref);
        std::sort(ref.items.begin(), ref.items.end(), candidate_before);
        double cum = 0.0;
        size_t keep = ref.items.size();
        for (size_t i = 0; i < ref.items.size(); ++i) {
            cum += ref.items[i].p;
            if (cum >= p) {
                keep = i + 1;
                break;
            }
        }
        ASSERT_EQ(list.items.size(), keep) << "p = " << p;
        for (size_t i = 0; i < keep; ++i) ASSERT_EQ(list.items[i].id, ref.items[i].id) << "rank " << i;
        EXPECT_TRUE(list.sorted);
    }
}

}  // namespace
}  // namespace tessera
