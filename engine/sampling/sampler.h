#pragma once
// Sampler: picks the next token from a row of logits with llama.cpp's default chain
// (ref: ggml-org/llama.cpp common/sampling.cpp, common_sampler_init, and the default
// common_params_sampling::samplers list):
//
//   logit bias -> penalties -> top-k -> typical -> top-p -> min-p -> temperature -> dist
//
// llama.cpp adds the logit-bias sampler to the chain before the configurable list, whose default
// starts with penalties; we keep that order (a biased token is then penalised like any other).
// Every stage is a function in sampler_stages.h.
//
// Temperature <= 0 (or NaN) is greedy: the argmax of the biased, penalised logits, lowest id on
// ties; top-k/typical/top-p/min-p are skipped (they cannot change the argmax, except typical,
// which may drop it; greedy deliberately ignores that).
//
// Reproducible: the dist stage draws u in [0, 1) from std::mt19937_64 (whose output sequence the
// C++ standard fixes) as (x >> 11) * 2^-53 — no std::*_distribution, whose results differ between
// standard libraries — and every ordering is a total order (candidate_before). The same seed,
// logits and accepted tokens give the same tokens on every platform.
//
// Cost per sample() for n_vocab = 152k: one copy of the logits into the candidate buffer (reused,
// no allocation), O(window + bias entries) for penalties and bias, one partial-sort pass for
// top-k; with top-k on, the later stages see only k candidates (default chain: ~0.2 ms on one
// core). Without top-k, top-p sorts only as far as it needs; typical then sorts everything.
//
// Not thread-safe; one Sampler per generation stream.
#include <cstdint>
#include <deque>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "engine/core/status.h"
#include "engine/sampling/sampler_stages.h"

namespace tessera {

// SamplerParams::seed value meaning "pick a fresh seed" (Sampler::seed() reports the one chosen).
inline constexpr uint64_t kSamplerRandomSeed = std::numeric_limits<uint64_t>::max();

struct SamplerParams {
    float temperature = 0.8f;       // <= 0 or NaN: greedy argmax
    int32_t top_k = 40;             // <= 0: off; >= n_vocab: keeps all
    float top_p = 0.95f;            // in [0, 1]; 1: off; 0: keeps the best token only
    float min_p = 0.05f;            // in [0, 1]; 0: off
    float typical_p = 1.0f;         // in [0, 1]; 1: off
    float repeat_penalty = 1.0f;    // > 0; 1: off
    float presence_penalty = 0.0f;  // subtracted once from every token in the window
    float frequency_penalty = 0.0f; // subtracted per occurrence in the window
    int32_t penalty_last_n = 64;    // window of accepted tokens; 0: penalties off; < 0: all since reset()
    std::vector<std::pair<int32_t, float>> logit_bias;  // (token id, added to its logit); -inf bans
    uint64_t seed = kSamplerRandomSeed;
};

// Reports the first parameter outside its documented range (invalid_argument), naming it and
// the value. The Sampler itself never fails on such values; it clamps them as
// sanitize_sampler_params documents, so callers may validate to warn the user and still run.
Status validate_sampler_params(const SamplerParams& params, int32_t n_vocab);

// What the Sampler actually runs with:
//   temperature NaN -> 0 (greedy);  top_k < 0 -> 0;
//   top_p / typical_p: NaN -> 1 (off), clamped to [0, 1];  min_p: NaN -> 0 (off), clamped to [0, 1];
//   repeat_penalty NaN or <= 0 -> 1 (off);  presence/frequency NaN -> 0;  penalty_last_n < 0 -> -1;
//   logit_bias entries with a token outside [0, n_vocab) or a NaN bias are dropped.
SamplerParams sanitize_sampler_params(SamplerParams params, int32_t n_vocab);

class Sampler {
public:
    explicit Sampler(SamplerParams params, int32_t n_vocab);

    // Runs the chain on `logits` (n_vocab floats) and draws a token. Does NOT accept it: call
    // accept(token) for every token that enters the context (prompt tokens too, if they should
    // count for the penalties). Returns -1 only when n_vocab <= 0 or logits is null.
    int32_t sample(const float* logits);

    // Adds a token to the penalty window.
    void accept(int32_t token);

    // Forgets the penalty window and restarts the random sequence from seed().
    void reset();

    // The candidates the dist stage would draw from, with their probabilities (summing to 1) and
    // final logits, in chain order. Consumes no randomness. Greedy: the single argmax, p = 1.
    std::vector<TokenCandidate> apply_chain(const float* logits);

    const SamplerParams& params() const { return params_; }  // sanitized
    int32_t n_vocab() const { return n_vocab_; }
    uint64_t seed() const { return seed_; }  // the seed in use (chosen when params.seed was random)
    bool is_greedy() const { return !(params_.temperature > 0.0f); }

    // Next uniform double in [0, 1) from the generator: (mt19937_64() >> 11) * 2^-53.
    double next_uniform();

private:
    // Fills buf_ with the candidates after every stage but dist. Returns false when there is
    // nothing to sample from (no logits).
    bool run_chain(const float* logits);

    SamplerParams params_;
    int32_t n_vocab_ = 0;
    uint64_t seed_ = 0;
    std::mt19937_64 rng_;

    std::deque<int32_t> window_;  // (<= penalty_last_n) accepted tokens, oldest first
    TokenCounts counts_;          // token id -> occurrences in window_

    CandidateList buf_;  // (n_vocab) reused between calls
};

}  // namespace tessera
