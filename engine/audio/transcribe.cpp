// Transcriber: whisper.cpp's whisper_full_with_state, ported onto WhisperState (see transcribe.h).
#include "engine/audio/transcribe.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <random>
#include <set>

namespace tessera::audio {
namespace {

using Clock = std::chrono::steady_clock;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();
constexpr int kDeltaMin = 10;                              // frames (100 ms): shorter remainders are skipped
constexpr int kWindowFrames = 100 * kWhisperChunkSeconds;  // seek_delta of a full window, in frames (10 ms)

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// ref: whisper_token_data
struct TokenData {
    int32_t id = 0;
    int32_t tid = -1;     // most probable timestamp token at this step
    float p = 0, plog = 0;
    float pt = 0, ptsum = 0;
};

// ref: whisper_sequence
struct Sequence {
    std::vector<TokenData> tokens;
    int result_len = 0;
    double sum_logprobs_all = 0.0;
    double sum_logprobs = -INFINITY, avg_logprobs = -INFINITY, entropy = 0.0, score = -INFINITY;
};

// ref: whisper_decoder
struct Decoder {
    Sequence seq;
    int seek_delta = kWindowFrames;
    bool failed = false, completed = false, has_ts = false;
    int phys = 0;  // WhisperState sequence holding this decoder's KV cache
    std::vector<float> logits, logprobs, probs;  // (n_vocab) after process_logits
    std::mt19937 rng;
};

void log_softmax(const std::vector<float>& logits, std::vector<float>& logprobs) {
    const float mx = *std::max_element(logits.begin(), logits.end());
    double sum = 0.0;
    for (float l : logits)
        if (l > kNegInf) sum += std::exp(static_cast<double>(l - mx));
    const float lse = static_cast<float>(std::log(sum)) + mx;
    logprobs.resize(logits.size());
    for (size_t i = 0; i < logits.size(); ++i) logprobs[i] = logits[i] > kNegInf ? logits[i] - lse : kNegInf;
}

// ref: whisper_sequence_score (length_penalty -1: plain average; entropy of the last 32 tokens).
void score_sequence(Sequence& s) {
    if (s.result_len == 0) return;
    double sum = 0.0;
    for (int i = 0; i < s.result_len; ++i) sum += s.tokens[static_cast<size_t>(i)].plog;
    s.sum_logprobs = sum;
    s.avg_logprobs = sum / s.result_len;
    s.score = sum / s.result_len;
    std::map<int32_t, int> counts;
    int cnt = 0;
    for (int i = std::max(0, s.result_len - 32); i < s.result_len; ++i, ++cnt) counts[s.tokens[static_cast<size_t>(i)].id]++;
    double e = 0.0;
    for (const auto& [id, c] : counts) {
        const double p = static_cast<double>(c) / cnt;
        e -= p * std::log(p);
    }
    s.entropy = e;
}

}  // namespace

struct Transcriber::Impl {
    const WhisperModel& model;
    const WhisperVocab& vocab;
    WhisperState& state;
    const TranscribeOptions& o;
    int32_t n_vocab;

    // ref: whisper_process_logits. `raw`: the decoder's logits row.
    void process_logits(Decoder& d, const float* raw, float temperature, int n_audio_ctx) const {
        std::vector<float>& logits = d.logits;
        logits.assign(raw, raw + n_vocab);
        if (temperature > 0.0f)
            for (float& l : logits) l /= temperature;
        const auto& toks = d.seq.tokens;
        const bool initial = toks.empty();
        const int32_t beg = vocab.timestamp_begin;
        if (o.suppress_blank && initial) {
            logits[static_cast<size_t>(vocab.eot)] = kNegInf;
            const int32_t space = vocab.find(" ");
            if (space >= 0) logits[static_cast<size_t>(space)] = kNegInf;
        }
        logits[static_cast<size_t>(vocab.notimestamps)] = kNegInf;
        if (!o.timestamps)
            for (int32_t i = beg; i < n_vocab; ++i) logits[static_cast<size_t>(i)] = kNegInf;
        for (int32_t id : {vocab.sot, vocab.nosp, vocab.solm, vocab.translate, vocab.transcribe, vocab.prev})
            if (id >= 0 && id < n_vocab) logits[static_cast<size_t>(id)] = kNegInf;
        for (int l = 0; l < vocab.num_languages(); ++l) logits[static_cast<size_t>(vocab.lang_token(l))] = kNegInf;

        // Timestamps come in pairs, except directly before EOT.
        const bool last_ts = !toks.empty() && toks.back().id >= beg;
        const bool penult_ts = toks.size() < 2 || toks[toks.size() - 2].id >= beg;
        if (last_ts) {
            if (penult_ts) for (int32_t i = beg; i < n_vocab; ++i) logits[static_cast<size_t>(i)] = kNegInf;
            else for (int32_t i = 0; i < vocab.eot; ++i) logits[static_cast<size_t>(i)] = kNegInf;
        }
        if (initial && o.max_initial_ts > 0.0f) {
            const float precision = static_cast<float>(kWhisperChunkSeconds) / static_cast<float>(n_audio_ctx);
            const int tid0 = static_cast<int>(std::round(o.max_initial_ts / precision));
            for (int32_t i = beg + tid0 + 1; i < n_vocab; ++i) logits[static_cast<size_t>(i)] = kNegInf;
        }
        if (d.has_ts) {  // timestamps never go back
            const int tid0 = d.seek_delta / 2;
            for (int32_t i = beg; i < std::min(beg + tid0, n_vocab); ++i) logits[static_cast<size_t>(i)] = kNegInf;
        }
        log_softmax(logits, d.logprobs);
        // If the timestamps together are more probable than any text token, a timestamp must come.
        {
            float ts_lp = kNegInf;
            float mx = kNegInf;
            for (int32_t i = beg; i < n_vocab; ++i) mx = std::max(mx, d.logprobs[static_cast<size_t>(i)]);
            if (mx > kNegInf) {
                double s = 0.0;
                for (int32_t i = beg; i < n_vocab; ++i)
                    if (d.logprobs[static_cast<size_t>(i)] > kNegInf) s += std::exp(static_cast<double>(d.logprobs[static_cast<size_t>(i)] - mx));
                ts_lp = static_cast<float>(std::log(s)) + mx;
            }
            float max_text = kNegInf;
            for (int32_t i = 0; i < beg; ++i) max_text = std::max(max_text, d.logprobs[static_cast<size_t>(i)]);
            if (ts_lp > max_text)
                for (int32_t i = 0; i < beg; ++i) logits[static_cast<size_t>(i)] = d.logprobs[static_cast<size_t>(i)] = kNegInf;
        }
        d.probs.resize(static_cast<size_t>(n_vocab));
        for (int32_t i = 0; i < n_vocab; ++i)
            d.probs[static_cast<size_t>(i)] = logits[static_cast<size_t>(i)] == kNegInf ? 0.0f : std::exp(d.logprobs[static_cast<size_t>(i)]);
    }

    // Most probable timestamp and its share of the timestamp mass (ref: whisper_sample_token).
    void timestamp_stats(const Decoder& d, TokenData& t) const {
        double sum_ts = 0.0, max_ts = 0.0;
        t.tid = vocab.timestamp_begin;
        for (int32_t i = vocab.timestamp_begin; i < n_vocab; ++i) {
            const double p = d.probs[static_cast<size_t>(i)];
            sum_ts += p;
            if (max_ts < p) {
                max_ts = p;
                t.tid = i;
            }
        }
        t.pt = static_cast<float>(max_ts / (sum_ts + 1e-10));
        t.ptsum = static_cast<float>(sum_ts);
    }

    TokenData make_token(const Decoder& d, int32_t id) const {
        TokenData t;
        timestamp_stats(d, t);
        t.id = id;
        t.p = d.probs[static_cast<size_t>(id)];
        t.plog = d.logprobs[static_cast<size_t>(id)];
        if (id >= vocab.timestamp_begin) {
            t.tid = id;
            t.pt = t.p;
        }
        return t;
    }

    TokenData sample_best(const Decoder& d) const {
        int32_t best = 0;
        float bp = -1.0f;
        for (int32_t i = 0; i < n_vocab; ++i)
            if (bp < d.probs[static_cast<size_t>(i)]) {
                bp = d.probs[static_cast<size_t>(i)];
                best = i;
            }
        return make_token(d, best);
    }

    TokenData sample_random(Decoder& d) const {
        std::discrete_distribution<int32_t> dist(d.probs.begin(), d.probs.end());
        return make_token(d, dist(d.rng));
    }

    // The k most probable continuations (ties: lower id first).
    std::vector<TokenData> top_k(const Decoder& d, int k) const {
        std::vector<int32_t> idx(static_cast<size_t>(n_vocab));
        for (int32_t i = 0; i < n_vocab; ++i) idx[static_cast<size_t>(i)] = i;
        k = std::min(k, n_vocab);
        std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int32_t a, int32_t b) {
            const float la = d.logprobs[static_cast<size_t>(a)], lb = d.logprobs[static_cast<size_t>(b)];
            return la != lb ? la > lb : a < b;
        });
        std::vector<TokenData> out;
        for (int i = 0; i < k; ++i)
            if (d.logprobs[static_cast<size_t>(idx[static_cast<size_t>(i)])] > kNegInf) out.push_back(make_token(d, idx[static_cast<size_t>(i)]));
        return out;
    }
};

// ---------------------------------------------------------------------------------------------------

std::string Transcript::text() const {
    std::string s;
    for (const auto& seg : segments) s += seg.text;
    return s;
}

Transcriber::Transcriber(std::shared_ptr<const WhisperModel> model, int n_threads) : model_(std::move(model)) {
    WhisperStateOptions so;
    so.n_threads = n_threads;
    state_ = std::make_unique<WhisperState>(model_, so);
}

Transcriber::~Transcriber() = default;

MelFilterBank Transcriber::filters() const {
    MelFilterBank fb;
    fb.n_mel = model_->mel_n_mel();
    fb.n_bins = model_->mel_n_bins();
    fb.data = model_->mel_filters();
    return fb;
}

Result<LogMel> Transcriber::log_mel(const float* pcm, int64_t n) { return whisper_log_mel(pcm, n, filters(), &state_->pool()); }

Result<LanguageGuess> Transcriber::detect_language(const LogMel& mel, int64_t offset) {
    const WhisperHParams& h = model_->hparams();
    const WhisperVocab& v = model_->vocab();
    if (!v.multilingual()) return make_error(ErrorCode::invalid_argument, "language detection needs a multilingual Whisper model");
    if (offset < 0 || offset >= std::max<int64_t>(mel.n_frames_audio, 1))
        return make_error(ErrorCode::out_of_range, "language detection offset " + std::to_string(offset) + " is outside the audio");
    std::vector<float> window(static_cast<size_t>(h.n_mels) * 2 * h.n_audio_ctx);
    mel_window(mel, offset, 2 * h.n_audio_ctx, window.data());
    TS_RETURN_IF_ERROR(state_->encode(window.data(), h.n_mels, 2 * h.n_audio_ctx));
    const int32_t sot = v.sot;
    TS_RETURN_IF_ERROR(state_->decode(std::span<const int32_t>(&sot, 1), 0));
    const int n_lang = std::min(v.num_languages(), WhisperVocab::n_known_languages());
    LanguageGuess g;
    g.probs.resize(static_cast<size_t>(n_lang));
    float mx = kNegInf;
    for (int l = 0; l < n_lang; ++l) mx = std::max(mx, state_->logits()[v.lang_token(l)]);
    double sum = 0.0;
    for (int l = 0; l < n_lang; ++l) sum += g.probs[static_cast<size_t>(l)] = std::exp(state_->logits()[v.lang_token(l)] - mx);
    for (int l = 0; l < n_lang; ++l) {
        g.probs[static_cast<size_t>(l)] = static_cast<float>(g.probs[static_cast<size_t>(l)] / sum);
        if (g.probs[static_cast<size_t>(l)] > g.prob) {
            g.prob = g.probs[static_cast<size_t>(l)];
            g.lang_id = l;
        }
    }
    g.code = WhisperVocab::lang_code(g.lang_id);
    return g;
}

Result<Transcript> Transcriber::transcribe(const float* pcm, int64_t n, const TranscribeOptions& o) {
    const WhisperHParams& h = model_->hparams();
    const WhisperVocab& vocab = model_->vocab();
    WhisperState& st = *state_;
    st.set_cancel_flag(o.cancel);
    Impl impl{*model_, vocab, st, o, h.n_vocab};
    const WhisperTimings timings0 = st.timings();

    if (o.strategy == WhisperStrategy::beam_search && (o.beam_size < 1 || o.beam_size > 16))
        return make_error(ErrorCode::invalid_argument, "beam size " + std::to_string(o.beam_size) + " outside 1..16");
    if (o.best_of < 1 || o.best_of > 16) return make_error(ErrorCode::invalid_argument, "best_of " + std::to_string(o.best_of) + " outside 1..16");
    if (o.translate && !vocab.multilingual())
        return make_error(ErrorCode::invalid_argument, "translation needs a multilingual Whisper model (this one is English-only)");

    Transcript out;
    out.seconds = static_cast<double>(n) / 16000.0;
    const auto t_mel = Clock::now();
    TS_ASSIGN_OR_RETURN(LogMel mel, log_mel(pcm, n));
    out.mel_ms = ms_since(t_mel);

    const int seek_start = 0;
    const int seek_end = static_cast<int>(mel.n_frames_audio);
    if (seek_end < seek_start + kDeltaMin)
        return make_error(ErrorCode::invalid_argument, "the audio is too short to transcribe (" + std::to_string(n) +
                                                           " samples, under 100 ms)");

    // Language and task tokens.
    bool window0_encoded = false;
    std::vector<int32_t> prompt_init = {vocab.sot};
    if (vocab.multilingual()) {
        int lang_id = -1;
        if (o.language.empty() || o.language == "auto") {
            TS_ASSIGN_OR_RETURN(LanguageGuess g, detect_language(mel, 0));
            window0_encoded = true;  // the state holds window 0's encoding now
            lang_id = g.lang_id;
            out.language_prob = g.prob;
        } else {
            lang_id = WhisperVocab::lang_id(o.language);
            if (lang_id < 0 || lang_id >= vocab.num_languages())
                return make_error(ErrorCode::invalid_argument, "unknown language '" + o.language + "' for this model");
        }
        out.language = WhisperVocab::lang_code(lang_id);
        prompt_init.push_back(vocab.lang_token(lang_id));
        prompt_init.push_back(o.translate ? vocab.translate : vocab.transcribe);
    }
    if (!o.timestamps) prompt_init.push_back(vocab.notimestamps);

    std::vector<float> temperatures;
    if (o.temperature_inc > 0.0f)
        for (float t = o.temperature; t < 1.0f + 1e-6f; t += o.temperature_inc) temperatures.push_back(t);
    if (temperatures.empty()) temperatures.push_back(o.temperature);  // no fallback, or a start above 1

    const int n_dec_max = std::max(o.strategy == WhisperStrategy::beam_search ? o.beam_size : 1, o.best_of);
    std::vector<Decoder> decoders(static_cast<size_t>(n_dec_max));
    for (int j = 0; j < n_dec_max; ++j) decoders[static_cast<size_t>(j)].rng.seed(static_cast<uint32_t>(o.seed + static_cast<uint64_t>(j)));
    std::vector<int32_t> prompt_past, prompt;
    std::vector<float> window(static_cast<size_t>(h.n_mels) * 2 * h.n_audio_ctx);
    const int n_text_ctx = h.n_text_ctx;
    int seek = seek_start;

    auto cancelled = [&] { return o.cancel && o.cancel->load(std::memory_order_relaxed); };

    while (seek + kDeltaMin < seek_end) {
        if (o.on_progress) o.on_progress(static_cast<double>(seek - seek_start) / (seek_end - seek_start));
        if (cancelled()) return make_error(ErrorCode::cancelled, "transcription cancelled");
        if (!(seek == 0 && window0_encoded)) {
            mel_window(mel, seek, 2 * h.n_audio_ctx, window.data());
            TS_RETURN_IF_ERROR(st.encode(window.data(), h.n_mels, 2 * h.n_audio_ctx));
        }
        ++out.n_windows;
        // A short tail with the previous text as prompt tends to repeat it: drop the context.
        if (seek > seek_start && seek + 500 >= seek_end) prompt_past.clear();

        int best_id = 0;
        float no_speech_prob = 0.0f;
        for (size_t it = 0; it < temperatures.size(); ++it) {
            const float t_cur = temperatures[it];
            int n_dec = 1;
            if (t_cur > 0.0f) n_dec = o.best_of;
            else if (o.strategy == WhisperStrategy::beam_search) n_dec = o.beam_size;
            const bool beam = o.strategy == WhisperStrategy::beam_search && t_cur <= 0.0f;
            st.set_n_seq(beam ? 2 * n_dec : n_dec);
            for (int j = 0; j < n_dec; ++j) {
                Decoder& d = decoders[static_cast<size_t>(j)];
                d.seq = Sequence();
                d.seek_delta = kWindowFrames;
                d.failed = d.completed = d.has_ts = false;
                d.phys = j;
            }

            prompt.clear();
            if (o.condition_on_previous_text && !prompt_past.empty() && t_cur < 0.5f) {
                const int n_take = std::min<int>(n_text_ctx / 2, static_cast<int>(prompt_past.size()));
                prompt.push_back(vocab.prev);
                prompt.insert(prompt.end(), prompt_past.end() - n_take, prompt_past.end());
            }
            prompt.insert(prompt.end(), prompt_init.begin(), prompt_init.end());
            TS_RETURN_IF_ERROR(st.decode(prompt, 0, 0));
            {  // no-speech probability from the raw logits (before any filtering)
                std::vector<float> raw(st.logits(), st.logits() + h.n_vocab), lp;
                log_softmax(raw, lp);
                no_speech_prob = std::exp(lp[static_cast<size_t>(vocab.nosp)]);
            }
            impl.process_logits(decoders[0], st.logits(), t_cur, h.n_audio_ctx);
            for (int j = 1; j < n_dec; ++j) {
                Decoder& d = decoders[static_cast<size_t>(j)];
                st.copy_seq(0, j, static_cast<int64_t>(prompt.size()));
                d.logits = decoders[0].logits;
                d.logprobs = decoders[0].logprobs;
                d.probs = decoders[0].probs;
            }

            const int n_prompt = static_cast<int>(prompt.size());
            int n_max = n_text_ctx / 2 - 4;
            if (o.max_tokens_per_window > 0) n_max = std::min(n_max, o.max_tokens_per_window);
            n_max = std::min(n_max, n_text_ctx - n_prompt);  // positions must stay inside the text context
            int bank = 0;  // beam search: the half of the sequences holding the live caches
            for (int i = 0; i < n_max; ++i) {
                if (cancelled()) return make_error(ErrorCode::cancelled, "transcription cancelled");
                // sample
                if (!beam) {
                    for (int j = 0; j < n_dec; ++j) {
                        Decoder& d = decoders[static_cast<size_t>(j)];
                        if (d.completed || d.failed) continue;
                        d.seq.tokens.push_back(t_cur < 1e-6f ? impl.sample_best(d) : impl.sample_random(d));
                        d.seq.sum_logprobs_all += d.seq.tokens.back().plog;
                    }
                } else {
                    struct Candidate {  // ref: beam_candidate
                        int from;
                        int seek_delta;
                        bool has_ts;
                        Sequence seq;
                    };
                    std::vector<Candidate> cands;
                    for (int j = 0; j < n_dec; ++j) {
                        const Decoder& d = decoders[static_cast<size_t>(j)];
                        if (d.completed || d.failed) continue;
                        for (const TokenData& t : impl.top_k(d, o.beam_size)) {
                            Candidate c{j, d.seek_delta, d.has_ts, d.seq};
                            c.seq.tokens.push_back(t);
                            c.seq.sum_logprobs_all += t.plog;
                            cands.push_back(std::move(c));
                        }
                    }
                    std::stable_sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
                        if (a.seq.sum_logprobs_all != b.seq.sum_logprobs_all) return a.seq.sum_logprobs_all > b.seq.sum_logprobs_all;
                        return a.from < b.from;
                    });
                    // Distinct token sequences go to the live decoders; each takes its parent's cache.
                    std::set<std::vector<int32_t>> taken;
                    size_t c = 0;
                    const int next_bank = 1 - bank;
                    const int64_t n_cached = n_prompt + i;
                    std::vector<int> parent_phys(static_cast<size_t>(n_dec));
                    for (int j = 0; j < n_dec; ++j) parent_phys[static_cast<size_t>(j)] = decoders[static_cast<size_t>(j)].phys;
                    for (int j = 0; j < n_dec && !cands.empty(); ++j) {
                        Decoder& d = decoders[static_cast<size_t>(j)];
                        if (d.completed || d.failed) continue;
                        std::vector<int32_t> key;
                        for (; c < cands.size(); ++c) {
                            key.clear();
                            for (const auto& t : cands[c].seq.tokens) key.push_back(t.id);
                            if (!taken.count(key)) break;
                        }
                        if (c >= cands.size()) c = 0;  // fewer distinct candidates than beams: reuse the best
                        Candidate& cand = cands[c++];
                        key.clear();
                        for (const auto& t : cand.seq.tokens) key.push_back(t.id);
                        taken.insert(key);
                        const int dst = next_bank * n_dec + j;
                        st.copy_seq(parent_phys[static_cast<size_t>(cand.from)], dst, n_cached);
                        d.seq = cand.seq;
                        d.seek_delta = cand.seek_delta;
                        d.has_ts = cand.has_ts;
                        d.phys = dst;
                    }
                    bank = next_bank;
                }

                // update: completion, failure, window shift from timestamps (ref: whisper_full_with_state)
                for (int j = 0; j < n_dec; ++j) {
                    Decoder& d = decoders[static_cast<size_t>(j)];
                    if (d.completed || d.failed) continue;
                    const TokenData& tok = d.seq.tokens.back();
                    if (tok.id > vocab.timestamp_begin) {
                        const int seek_delta_new = 2 * (tok.id - vocab.timestamp_begin);
                        if (d.has_ts && d.seek_delta > seek_delta_new && d.seq.result_len < i) {
                            d.failed = true;  // went back in time
                            continue;
                        }
                        d.seek_delta = seek_delta_new;
                        d.seq.result_len = i + 1;
                        d.has_ts = true;
                    }
                    if (tok.id == vocab.eot || (o.max_tokens_per_window > 0 && i >= o.max_tokens_per_window) ||
                        (d.has_ts && seek + d.seek_delta + kDeltaMin >= seek_end)) {
                        if (d.seq.result_len == 0 && o.timestamps) {
                            if (seek + d.seek_delta + kDeltaMin >= seek_end) {
                                d.seq.result_len = i + 1;
                            } else {
                                d.failed = true;
                                continue;
                            }
                        }
                        if (!o.timestamps) {
                            d.seq.result_len = i + 1;
                            d.seek_delta = kWindowFrames;
                        }
                        d.completed = true;
                        continue;
                    }
                    // stuck in a repetition loop
                    if (i == n_max - 1 && (d.seq.result_len == 0 || d.seek_delta < kWindowFrames / 2)) d.failed = true;
                }
                bool all_done = true;
                for (int j = 0; j < n_dec; ++j)
                    if (!decoders[static_cast<size_t>(j)].completed && !decoders[static_cast<size_t>(j)].failed) all_done = false;
                if (all_done || i + 1 >= n_max) break;

                // next logits for every live decoder, in one batch
                std::vector<WhisperBatchItem> batch;
                std::vector<int> rows;
                for (int j = 0; j < n_dec; ++j) {
                    const Decoder& d = decoders[static_cast<size_t>(j)];
                    if (d.completed || d.failed) continue;
                    batch.push_back({d.seq.tokens.back().id, n_prompt + i, d.phys, true});
                    rows.push_back(j);
                }
                TS_RETURN_IF_ERROR(st.decode_batch(batch));
                for (size_t r = 0; r < rows.size(); ++r)
                    impl.process_logits(decoders[static_cast<size_t>(rows[r])], st.logits(static_cast<int64_t>(r)), t_cur, h.n_audio_ctx);
            }

            // rank the candidates
            double best_score = -INFINITY;
            best_id = 0;
            for (int j = 0; j < n_dec; ++j) {
                Decoder& d = decoders[static_cast<size_t>(j)];
                if (d.failed) continue;
                d.seq.tokens.resize(static_cast<size_t>(d.seq.result_len));
                score_sequence(d.seq);
                if (d.seq.result_len > 32 && d.seq.entropy < o.entropy_thold) {
                    d.failed = true;  // repetitive: low entropy
                    continue;
                }
                if (best_score < d.seq.score) {
                    best_score = d.seq.score;
                    best_id = j;
                }
            }
            bool success = true;
            if (it + 1 != temperatures.size()) {
                const Decoder& d = decoders[static_cast<size_t>(best_id)];
                if (d.failed || (d.seq.avg_logprobs < o.logprob_thold && no_speech_prob < o.no_speech_thold)) success = false;
            }
            if (success) break;
            ++out.n_fallbacks;
        }

        // segments of the chosen decoder
        const Decoder& best = decoders[static_cast<size_t>(best_id)];
        int seek_delta = best.seek_delta;
        const auto& toks = best.seq.tokens;
        const bool is_no_speech = no_speech_prob > o.no_speech_thold && best.seq.avg_logprobs < o.logprob_thold;
        std::vector<int32_t> new_past;
        if (!prompt.empty() && prompt.front() == vocab.prev)
            new_past.insert(new_past.end(), prompt.begin() + 1, prompt.end() - static_cast<int64_t>(prompt_init.size()));
        for (int i = 0; i < best.seq.result_len && !is_no_speech; ++i) new_past.push_back(toks[static_cast<size_t>(i)].id);
        prompt_past = std::move(new_past);

        bool stop = false;
        auto emit = [&](int64_t t0, int64_t t1, std::string text, size_t i0, size_t i1) {
            TranscriptSegment seg;
            // Timestamps past the end of the audio (possible near the end) are clamped to it.
            const int64_t end_cs = n * 100 / 16000;
            seg.t0_cs = std::clamp<int64_t>(t0, 0, end_cs);
            seg.t1_cs = std::clamp<int64_t>(t1, seg.t0_cs, end_cs);
            seg.text = std::move(text);
            seg.no_speech_prob = no_speech_prob;
            for (size_t k = i0; k < i1 && k < toks.size(); ++k) seg.tokens.push_back(toks[k].id);
            out.segments.push_back(std::move(seg));
            if (o.on_segment && !o.on_segment(out.segments.back())) stop = true;
        };
        if (!toks.empty() && !is_no_speech) {
            const int32_t beg = vocab.timestamp_begin;
            const int32_t tid_front = toks.front().tid >= beg ? toks.front().tid : beg;
            int64_t t0 = seek + 2 * static_cast<int64_t>(tid_front - beg);
            size_t i0 = 0;
            std::string text;
            for (size_t i = 0; i < toks.size(); ++i) {
                if (toks[i].id < vocab.eot) text += vocab.token_text(toks[i].id);
                if (toks[i].id > beg) {
                    const int64_t t1 = seek + 2 * static_cast<int64_t>(toks[i].tid - beg);
                    if (!text.empty()) emit(t0, t1, text, i0, i + 1);
                    text.clear();
                    while (i < toks.size() && toks[i].id > beg) ++i;
                    --i;
                    t0 = t1;
                    i0 = i + 1;
                }
            }
            if (!text.empty()) emit(t0, seek + seek_delta, text, i0, toks.size());
        }
        // A window ending on a lone timestamp covers the whole window (ref: whisper.cpp PR #2629).
        if (toks.size() > 1 && toks[toks.size() - 2].id < vocab.timestamp_begin && toks.back().id > vocab.timestamp_begin)
            seek_delta = std::min(seek_end - seek, kWindowFrames);
        seek += std::max(seek_delta, 1);
        if (stop) break;
    }
    if (o.on_progress) o.on_progress(1.0);
    out.encode_ms = st.timings().encode_ms - timings0.encode_ms;
    out.decode_ms = st.timings().decode_ms - timings0.decode_ms;
    return out;
}

// ---------------------------------------------------------------------------------------------------

std::string format_timestamp(int64_t t_cs, bool comma) {
    // ref: whisper.cpp to_timestamp
    int64_t msec = t_cs * 10;
    const int64_t hr = msec / 3600000;
    msec -= hr * 3600000;
    const int64_t min = msec / 60000;
    msec -= min * 60000;
    const int64_t sec = msec / 1000;
    msec -= sec * 1000;
    char buf[48];
    std::snprintf(buf, sizeof(buf), "%02d:%02d:%02d%s%03d", static_cast<int>(hr), static_cast<int>(min), static_cast<int>(sec),
                  comma ? "," : ".", static_cast<int>(msec));
    return buf;
}

namespace {
std::string trim(const std::string& s) {
    size_t a = 0, b = s.size();
    while (a < b && (s[a] == ' ' || s[a] == '\n')) ++a;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\n')) --b;
    return s.substr(a, b - a);
}
}  // namespace

std::string format_srt(const Transcript& t) {
    std::string s;
    for (size_t i = 0; i < t.segments.size(); ++i) {
        const auto& g = t.segments[i];
        s += std::to_string(i + 1) + "\n" + format_timestamp(g.t0_cs, true) + " --> " + format_timestamp(g.t1_cs, true) + "\n" +
             trim(g.text) + "\n\n";
    }
    return s;
}

std::string format_vtt(const Transcript& t) {
    std::string s = "WEBVTT\n\n";
    for (const auto& g : t.segments)
        s += format_timestamp(g.t0_cs) + " --> " + format_timestamp(g.t1_cs) + "\n" + trim(g.text) + "\n\n";
    return s;
}

}  // namespace tessera::audio
