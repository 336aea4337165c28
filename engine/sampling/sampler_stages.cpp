// The sampler chain's stages. ref: ggml-org/llama.cpp src/llama-sampling.cpp (one function per
// llama_sampler_*_apply); the maths follows it, the code is our own, and every ordering uses the
// total order candidate_before so that results are the same with any standard library.
#include "engine/sampling/sampler_stages.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace tessera {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Makes items[from..to) the next (to - from) candidates in order, given that items[0..from) are
// already the best `from` in order and everything after them ranks below. O(n - from) + sort.
void sort_range(std::vector<TokenCandidate>& items, size_t from, size_t to) {
    const size_t n = items.size();
    to = std::min(to, n);
    if (from >= to) return;
    auto first = items.begin() + static_cast<std::ptrdiff_t>(from);
    auto mid = items.begin() + static_cast<std::ptrdiff_t>(to);
    if (to < n && to - from <= 128) {
        // Small k (top-k 40): a heap of k rejects most candidates with one comparison, which beats
        // nth_element's partitioning passes (llama.cpp uses std::partial_sort below 128 as well).
        std::partial_sort(first, mid, items.end(), candidate_before);
        return;
    }
    if (to < n) std::nth_element(first, mid, items.end(), candidate_before);
    std::sort(first, mid, candidate_before);
}

// inf - inf and friends give NaN, which would break every ordering: a NaN logit is banned.
float nan_to_banned(float logit) { return std::isnan(logit) ? kNegInf : logit; }

// True when items[token] exists and holds that token (the list is still in id order there).
bool in_id_order_at(const std::vector<TokenCandidate>& items, int32_t token) {
    return token >= 0 && static_cast<size_t>(token) < items.size() && items[token].id == token;
}

}  // namespace

void candidates_from_logits(CandidateList& list, const float* logits, int32_t n_vocab) {
    const size_t n = n_vocab > 0 ? static_cast<size_t>(n_vocab) : 0;
    list.items.resize(n);
    for (size_t i = 0; i < n; ++i) {
        const float l = logits[i];
        list.items[i] = TokenCandidate{static_cast<int32_t>(i), std::isnan(l) ? kNegInf : l, 0.0f};
    }
    list.sorted = false;
}

// ref: llama_sampler_softmax_impl (without its optional sort).
void sampler_softmax(CandidateList& list) {
    auto& items = list.items;
    if (items.empty()) return;
    float max_l = items[0].logit;
    for (const auto& c : items) max_l = std::max(max_l, c.logit);

    if (std::isinf(max_l)) {
        // +inf (a forcing bias) or every logit -inf: exp() would give NaN; share evenly among
        // the candidates equal to the maximum.
        size_t n_max = 0;
        for (const auto& c : items) n_max += (c.logit == max_l);
        const float share = 1.0f / static_cast<float>(n_max);
        for (auto& c : items) c.p = (c.logit == max_l) ? share : 0.0f;
        return;
    }

    double sum = 0.0;
    for (auto& c : items) {
        c.p = std::exp(c.logit - max_l);
        sum += c.p;
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (auto& c : items) c.p *= inv;
}

void sort_candidates_prefix(CandidateList& list, size_t k) {
    if (list.sorted) return;
    const size_t n = list.items.size();
    if (k >= n) {
        std::sort(list.items.begin(), list.items.end(), candidate_before);
        list.sorted = true;
        return;
    }
    sort_range(list.items, 0, k);
}

// ref: llama_sampler_logit_bias_apply.
void sampler_logit_bias(CandidateList& list, std::span<const std::pair<int32_t, float>> bias) {
    if (bias.empty()) return;
    auto& items = list.items;
    // Still in id order (the chain's first stage)? Then index directly; a token that is out of
    // range or elsewhere means the list was reordered or truncated: one pass over it instead.
    bool identity = true;
    for (const auto& entry : bias) identity = identity && in_id_order_at(items, entry.first);
    if (identity) {
        for (const auto& [token, b] : bias) {
            items[token].logit = nan_to_banned(items[token].logit + b);
        }
    } else {
        // Reordered or truncated list: one pass over the candidates; bias lists are short.
        for (auto& c : items) {
            for (const auto& [token, b] : bias) {
                if (token == c.id) c.logit = nan_to_banned(c.logit + b);
            }
        }
    }
    list.sorted = false;
}

// ref: llama_sampler_penalties_apply.
void sampler_penalties(CandidateList& list, const TokenCounts& counts, float repeat, float frequency,
                       float presence) {
    if (counts.empty() || (repeat == 1.0f && frequency == 0.0f && presence == 0.0f)) return;
    auto penalise = [&](TokenCandidate& c, int32_t count) {
        // The CTRL paper only divides, which would make a repeated token with a negative logit
        // *more* likely; like llama.cpp, multiply negative logits instead.
        if (c.logit <= 0.0f) {
            c.logit *= repeat;
        } else {
            c.logit /= repeat;
        }
        c.logit = nan_to_banned(c.logit - (static_cast<float>(count) * frequency + presence));
    };

    auto& items = list.items;
    bool identity = true;
    for (const auto& entry : counts) identity = identity && in_id_order_at(items, entry.first);
    if (identity) {
        for (const auto& [token, count] : counts) {
            if (count > 0) penalise(items[token], count);
        }
    } else {
        for (auto& c : items) {
            const auto it = counts.find(c.id);
            if (it != counts.end() && it->second > 0) penalise(c, it->second);
        }
    }
    list.sorted = false;
}

// ref: llama_sampler_top_k_impl.
void sampler_top_k(CandidateList& list, int32_t k) {
    if (k <= 0) return;
    const size_t kk = static_cast<size_t>(k);
    if (kk >= list.items.size()) return;  // keeps all; no need to sort
    if (!list.sorted) sort_range(list.items, 0, kk);
    list.items.resize(kk);
    list.sorted = true;
}

// ref: llama_sampler_typical_apply.
void sampler_typical(CandidateList& list, float p, size_t min_keep) {
    if (!(p < 1.0f) || list.items.size() <= 1) return;
    min_keep = std::max<size_t>(min_keep, 1);
    sort_candidates_prefix(list, list.items.size());
    sampler_softmax(list);
    auto& items = list.items;
    const size_t n = items.size();

    double entropy = 0.0;
    for (const auto& c : items) {
        if (c.p > 0.0f) entropy -= static_cast<double>(c.p) * std::log(static_cast<double>(c.p));
    }
    std::vector<double> shifted(n);
    for (size_t i = 0; i < n; ++i) {
        shifted[i] = items[i].p > 0.0f ? std::fabs(-std::log(static_cast<double>(items[i].p)) - entropy)
                                       : std::numeric_limits<double>::infinity();
    }
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    // Ties in typicality keep the logit order (the list is sorted, so the index is that order).
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (shifted[a] != shifted[b]) return shifted[a] < shifted[b];
        return a < b;
    });

    double cum = 0.0;
    size_t keep = n;
    for (size_t i = 0; i < n; ++i) {
        cum += items[order[i]].p;
        if (cum > p && i + 1 >= min_keep) {
            keep = i + 1;
            break;
        }
    }
    std::vector<TokenCandidate> kept(keep);
    for (size_t i = 0; i < keep; ++i) kept[i] = items[order[i]];
    items.swap(kept);
    list.sorted = false;
}

// ref: llama_sampler_top_p_apply.
void sampler_top_p(CandidateList& list, float p, size_t min_keep) {
    if (!(p < 1.0f) || list.items.empty()) return;
    min_keep = std::max<size_t>(min_keep, 1);
    sampler_softmax(list);
    auto& items = list.items;
    const size_t n = items.size();

    // Sort only as far as the cumulative mass needs: llama.cpp tries the best 256 first
    // (llama_token_data_array_partial_sort) and falls back to everything; we grow 16x per step.
    size_t sorted_upto = list.sorted ? n : 0;
    double cum = 0.0;
    size_t keep = n;
    for (size_t i = 0; i < n; ++i) {
        if (i == sorted_upto) {
            const size_t next = std::max<size_t>(256, sorted_upto * 16);
            sort_range(items, sorted_upto, next);
            sorted_upto = std::min(next, n);
        }
        cum += items[i].p;
        if (cum >= p && i + 1 >= min_keep) {
            keep = i + 1;
            break;
        }
    }
    if (keep == n && sorted_upto < n) {
        // Reached the end without hitting p (rounding): the whole list stays; finish the sort
        // so that `sorted` stays truthful.
        sort_range(items, sorted_upto, n);
    }
    items.resize(keep);
    list.sorted = true;
}

// ref: llama_sampler_min_p_apply.
void sampler_min_p(CandidateList& list, float p, size_t min_keep) {
    if (!(p > 0.0f) || list.items.empty()) return;
    min_keep = std::max<size_t>(min_keep, 1);
    auto& items = list.items;

    float max_l = items[0].logit;
    for (const auto& c : items) max_l = std::max(max_l, c.logit);
    const float min_logit = max_l + std::log(p);  // p_i >= p * p_max  <=>  l_i >= l_max + ln p

    size_t n_pass = 0;
    for (const auto& c : items) n_pass += (c.logit >= min_logit);

    if (n_pass >= min_keep) {
        // Stable compaction keeps the current order (sorted or not).
        size_t w = 0;
        for (size_t r = 0; r < items.size(); ++r) {
            if (items[r].logit >= min_logit) items[w++] = items[r];
        }
        items.resize(w);
        return;
    }
    // Too few pass (p > 1 or min_keep large): keep the min_keep best.
    const size_t keep = std::min(min_keep, items.size());
    sort_candidates_prefix(list, keep);
    items.resize(keep);
    list.sorted = true;
}

// ref: llama_sampler_temp_impl.
void sampler_temperature(CandidateList& list, float t) {
    auto& items = list.items;
    if (items.empty()) return;
    if (!(t > 0.0f)) {
        size_t best = 0;
        for (size_t i = 1; i < items.size(); ++i) {
            if (candidate_before(items[i], items[best])) best = i;
        }
        const TokenCandidate keep = items[best];
        items.assign(1, keep);
        list.sorted = true;
        return;
    }
    if (t == 1.0f) return;
    for (auto& c : items) c.logit /= t;
}

// ref: llama_sampler_dist_apply (single pass: cumulate until the target mass).
int32_t sampler_dist_index(CandidateList& list, double u) {
    auto& items = list.items;
    if (items.empty()) return -1;
    sampler_softmax(list);
    double total = 0.0;
    for (const auto& c : items) total += c.p;
    const double target = u * total;
    double cum = 0.0;
    int32_t last_positive = -1;
    for (size_t i = 0; i < items.size(); ++i) {
        if (items[i].p <= 0.0f) continue;
        cum += items[i].p;
        last_positive = static_cast<int32_t>(i);
        if (cum > target) return static_cast<int32_t>(i);
    }
    // Rounding left the target just above the sum: the last candidate with mass.
    return last_positive >= 0 ? last_positive : 0;
}

}  // namespace tessera
