// Sampler: llama.cpp's default sampler chain over the stages in sampler_stages.cpp.
// ref: ggml-org/llama.cpp common/sampling.cpp (common_sampler_init: chain order) and
//      src/llama-sampling.cpp (llama_sampler_penalties_accept: the penalty window).
#include "engine/sampling/sampler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

namespace tessera {

namespace {

std::string fmt_float(float v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%g", static_cast<double>(v));
    return buf;
}

Status bad_param(const char* name, const std::string& expected, const std::string& got) {
    return make_error(ErrorCode::invalid_argument,
                      std::string("sampler parameter ") + name + " must be " + expected + ", got " + got);
}

uint64_t fresh_seed() {
    std::random_device rd;
    const uint64_t hi = rd();
    const uint64_t lo = rd();
    const auto now = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    uint64_t s = ((hi << 32) | lo) ^ now;
    if (s == kSamplerRandomSeed) s = 0;  // keep the sentinel meaning "random"
    return s;
}

float clamp01(float v, float nan_value) {
    if (std::isnan(v)) return nan_value;
    return std::min(1.0f, std::max(0.0f, v));
}

}  // namespace

Status validate_sampler_params(const SamplerParams& p, int32_t n_vocab) {
    if (n_vocab <= 0) {
        return make_error(ErrorCode::invalid_argument, "sampler n_vocab must be > 0, got " + std::to_string(n_vocab));
    }
    if (std::isnan(p.temperature)) return bad_param("temperature", "a number (<= 0 means greedy)", "NaN");
    if (p.top_k < 0) return bad_param("top_k", ">= 0 (0 = off)", std::to_string(p.top_k));
    if (!(p.top_p >= 0.0f && p.top_p <= 1.0f)) return bad_param("top_p", "in [0, 1]", fmt_float(p.top_p));
    if (!(p.min_p >= 0.0f && p.min_p <= 1.0f)) return bad_param("min_p", "in [0, 1]", fmt_float(p.min_p));
    if (!(p.typical_p >= 0.0f && p.typical_p <= 1.0f)) {
        return bad_param("typical_p", "in [0, 1]", fmt_float(p.typical_p));
    }
    if (!(p.repeat_penalty > 0.0f)) return bad_param("repeat_penalty", "> 0 (1 = off)", fmt_float(p.repeat_penalty));
    if (std::isnan(p.presence_penalty)) return bad_param("presence_penalty", "a number", "NaN");
    if (std::isnan(p.frequency_penalty)) return bad_param("frequency_penalty", "a number", "NaN");
    for (const auto& [token, bias] : p.logit_bias) {
        if (token < 0 || token >= n_vocab) {
            return make_error(ErrorCode::out_of_range, "sampler logit_bias token " + std::to_string(token) +
                                                           " is outside the vocabulary [0, " +
                                                           std::to_string(n_vocab) + ")");
        }
        if (std::isnan(bias)) {
            return bad_param("logit_bias", "a number or +-inf", "NaN for token " + std::to_string(token));
        }
    }
    return Status::ok();
}

SamplerParams sanitize_sampler_params(SamplerParams p, int32_t n_vocab) {
    if (std::isnan(p.temperature)) p.temperature = 0.0f;
    if (p.top_k < 0) p.top_k = 0;
    p.top_p = clamp01(p.top_p, 1.0f);
    p.typical_p = clamp01(p.typical_p, 1.0f);
    p.min_p = clamp01(p.min_p, 0.0f);
    if (!(p.repeat_penalty > 0.0f)) p.repeat_penalty = 1.0f;
    if (std::isnan(p.presence_penalty)) p.presence_penalty = 0.0f;
    if (std::isnan(p.frequency_penalty)) p.frequency_penalty = 0.0f;
    if (p.penalty_last_n < 0) p.penalty_last_n = -1;
    std::erase_if(p.logit_bias, [n_vocab](const std::pair<int32_t, float>& e) {
        return e.first < 0 || e.first >= n_vocab || std::isnan(e.second);
    });
    return p;
}

Sampler::Sampler(SamplerParams params, int32_t n_vocab)
    : params_(sanitize_sampler_params(std::move(params), n_vocab)), n_vocab_(std::max<int32_t>(n_vocab, 0)) {
    seed_ = params_.seed == kSamplerRandomSeed ? fresh_seed() : params_.seed;
    rng_.seed(seed_);
    buf_.items.reserve(static_cast<size_t>(n_vocab_));
}

double Sampler::next_uniform() {
    // 53 random bits -> [0, 1) with every double spaced 2^-53 apart.
    return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

void Sampler::accept(int32_t token) {
    // ref: llama_sampler_penalties_accept: a sliding window with counts.
    if (params_.penalty_last_n == 0) return;
    if (token < 0 || token >= n_vocab_) return;  // cannot be penalised; keeps the window meaningful
    window_.push_back(token);
    ++counts_[token];
    if (params_.penalty_last_n > 0 && window_.size() > static_cast<size_t>(params_.penalty_last_n)) {
        const int32_t old = window_.front();
        window_.pop_front();
        if (--counts_[old] == 0) counts_.erase(old);
    }
}

void Sampler::reset() {
    window_.clear();
    counts_.clear();
    rng_.seed(seed_);
}

bool Sampler::run_chain(const float* logits) {
    if (logits == nullptr || n_vocab_ <= 0) return false;
    candidates_from_logits(buf_, logits, n_vocab_);

    // Chain order: ref common_sampler_init (logit bias first, then the default list:
    // penalties, [dry], [top-n-sigma], top-k, typical, top-p, min-p, [xtc], temperature, dist).
    sampler_logit_bias(buf_, params_.logit_bias);
    sampler_penalties(buf_, counts_, params_.repeat_penalty, params_.frequency_penalty, params_.presence_penalty);

    if (is_greedy()) {
        sampler_temperature(buf_, 0.0f);  // keeps the argmax, lowest id on ties
        buf_.items[0].p = 1.0f;
        return true;
    }
    sampler_top_k(buf_, params_.top_k);
    sampler_typical(buf_, params_.typical_p);
    sampler_top_p(buf_, params_.top_p);
    sampler_min_p(buf_, params_.min_p);
    sampler_temperature(buf_, params_.temperature);
    return true;
}

int32_t Sampler::sample(const float* logits) {
    if (!run_chain(logits)) return -1;
    if (is_greedy()) return buf_.items[0].id;
    const int32_t idx = sampler_dist_index(buf_, next_uniform());
    return buf_.items[static_cast<size_t>(idx)].id;
}

std::vector<TokenCandidate> Sampler::apply_chain(const float* logits) {
    if (!run_chain(logits)) return {};
    if (!is_greedy()) sampler_softmax(buf_);
    return buf_.items;
}

}  // namespace tessera
