#pragma once
// The stages of the sampler chain, one function each, over a list of candidate tokens.
// Each stage follows the llama.cpp sampler of the same name
// (ref: ggml-org/llama.cpp src/llama-sampling.cpp, llama_sampler_*_apply); the Sampler in
// sampler.h strings them together. They are public so that tests (and a UI showing the
// distribution) can check every stage on its own with hand-computed values.
//
// Determinism: wherever candidates are ordered, the order is the total order
// "logit descending, then id ascending" (candidate_before), so results never depend on which
// standard library's sort ran, and ties are broken towards the lower token id.
#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tessera {

struct TokenCandidate {
    int32_t id = 0;
    float logit = 0.0f;
    float p = 0.0f;  // probability; set by the stages that compute a softmax (top-p, typical, softmax)
};

struct CandidateList {
    std::vector<TokenCandidate> items;  // (n_live) the candidates still in play
    bool sorted = false;                // items are in candidate_before order
};

// Recent-token counts for the penalties stage: token id -> occurrences in the window.
using TokenCounts = std::unordered_map<int32_t, int32_t>;

// a before b: higher logit first, then lower id. A strict total order for distinct ids.
inline bool candidate_before(const TokenCandidate& a, const TokenCandidate& b) {
    if (a.logit != b.logit) return a.logit > b.logit;
    return a.id < b.id;
}

// One candidate per token id 0..n_vocab-1, in id order (items[i].id == i). NaN logits become -inf,
// so a broken logit can never be sampled. One O(n) pass.
void candidates_from_logits(CandidateList& list, const float* logits, int32_t n_vocab);

// Probabilities p = softmax(logit) in place (items keep their order). When the largest logit is
// infinite (+inf from a forcing bias, or every candidate -inf), the candidates equal to it share
// the mass evenly. O(n).
void sampler_softmax(CandidateList& list);

// Partially sort the list (candidate_before): afterwards items[0..k) are the k best, in order
// (O(n + k log k)). With k >= size the whole list is sorted and `sorted` is set.
void sort_candidates_prefix(CandidateList& list, size_t k);

// ref: llama_sampler_logit_bias_apply. logit[token] += bias for each entry (several entries for
// one token add up). Tokens not in the list are ignored.
void sampler_logit_bias(CandidateList& list, std::span<const std::pair<int32_t, float>> bias);

// ref: llama_sampler_penalties_apply. For every token seen `count` > 0 times in the window:
//   logit = logit <= 0 ? logit * repeat : logit / repeat      (CTRL's repetition penalty, with the
//                                                              usual fix for negative logits)
//   logit -= count * frequency + presence                     (OpenAI's frequency / presence)
// O(distinct tokens in the window) when the list is still in id order, else one O(n) pass.
void sampler_penalties(CandidateList& list, const TokenCounts& counts, float repeat, float frequency,
                       float presence);

// ref: llama_sampler_top_k_impl. Keeps the k best (k <= 0: no-op; k >= size: keeps all, unsorted).
// Partial sort, never a full one: a heap of k for k <= 128 (one pass, O(n log k) worst case),
// nth_element + sort of k above that (O(n + k log k)). The result is sorted.
void sampler_top_k(CandidateList& list, int32_t k);

// ref: llama_sampler_typical_apply (locally typical sampling, Meister et al. 2022,
// arXiv:2202.00666). With p_i = softmax, H = -sum p_i ln p_i, keeps the candidates with the
// smallest |-ln p_i - H| until their mass exceeds p (strictly), at least min_keep of them.
// The result is in that typicality order (not sorted by logit). p >= 1: no-op.
// Needs the whole list sorted: O(n log n), so cheap only after top-k (as in the default chain).
void sampler_typical(CandidateList& list, float p, size_t min_keep = 1);

// ref: llama_sampler_top_p_apply (nucleus sampling, Holtzman et al. 2019). Keeps the smallest
// prefix of the sorted candidates whose softmax mass reaches p (>=), at least min_keep.
// p >= 1: no-op. Sorts only as far as needed (first 256, then 16x more, ...), as llama.cpp does.
void sampler_top_p(CandidateList& list, float p, size_t min_keep = 1);

// ref: llama_sampler_min_p_apply. Keeps the candidates with p_i >= p * p_max, i.e.
// logit_i >= logit_max + ln p, in their current order; at least min_keep (then the best ones).
// p <= 0: no-op. One O(n) pass.
void sampler_min_p(CandidateList& list, float p, size_t min_keep = 1);

// ref: llama_sampler_temp_impl. t > 0: logit /= t. t <= 0: keeps only the best candidate
// (candidate_before: highest logit, lowest id on ties).
void sampler_temperature(CandidateList& list, float t);

// ref: llama_sampler_dist_apply. Softmax, then the index (into items) of the first candidate
// whose cumulative probability exceeds u * total, u in [0, 1). A candidate with p = 0 is never
// chosen while any has p > 0. Returns -1 for an empty list.
int32_t sampler_dist_index(CandidateList& list, double u);

}  // namespace tessera
