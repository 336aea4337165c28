// Whisper encoder and decoder forward passes over the ops layer (see whisper.h for the numerics).
// ref: whisper.cpp whisper_build_graph_conv (conv stem), whisper_build_graph_encoder (blocks),
//      whisper_build_graph_cross (cross K/V once per window), whisper_build_graph_decoder;
//      openai/whisper model.py AudioEncoder.forward, TextDecoder.forward.
#include "engine/models/audio/whisper.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "engine/core/fp16.h"
#include "engine/ops/ops.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TS_WHISPER_X86 1
#endif

namespace tessera {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// ---- fp16 rounding (what storing into an F16 tensor does) ----

#if TS_WHISPER_X86
__attribute__((target("f16c,avx"))) void round_f16_f16c(float* x, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT);
        _mm256_storeu_ps(x + i, _mm256_cvtph_ps(h));
    }
    for (; i < n; ++i) x[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
}
#endif

void round_f16_scalar(float* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) x[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
}

void round_f16(float* x, int64_t n, ThreadPool& pool) {
#if TS_WHISPER_X86
    static const bool has_f16c = __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx");
    auto fn = has_f16c ? round_f16_f16c : round_f16_scalar;
#else
    auto fn = round_f16_scalar;
#endif
    if (n < 65536 || pool.size() == 1) {
        fn(x, n);
        return;
    }
    pool.parallel_for(n, [&](int64_t a, int64_t b) { fn(x + a, b - a); }, 4096);
}

// Row-parallel helpers for the element-wise work on (n_rows, n) activations.
template <class F>
void for_rows(ThreadPool& pool, int64_t n_rows, int64_t n, F&& f) {
    if (n_rows * n < 32768 || pool.size() == 1) {
        f(0, n_rows);
        return;
    }
    pool.parallel_for(n_rows, [&](int64_t r0, int64_t r1) { f(r0, r1); });
}

void layer_norm_rows(const float* x, const WhisperNorm& nm, int64_t n_rows, int64_t n, float eps, float* y, ThreadPool& pool) {
    for_rows(pool, n_rows, n, [&](int64_t r0, int64_t r1) {
        ops::layer_norm(x + r0 * n, nm.w, nm.b, r1 - r0, n, eps, y + r0 * n);
    });
}

void add_bias_rows(float* x, const float* b, int64_t n_rows, int64_t n, ThreadPool& pool) {
    if (!b) return;
    for_rows(pool, n_rows, n, [&](int64_t r0, int64_t r1) { ops::add_row(x + r0 * n, b, r1 - r0, n, x + r0 * n); });
}

void gelu_rows(float* x, int64_t n_rows, int64_t n, WhisperGelu kind, ThreadPool& pool) {
    for_rows(pool, n_rows, n, [&](int64_t r0, int64_t r1) {
        if (kind == WhisperGelu::erf) ops::gelu_erf(x + r0 * n, (r1 - r0) * n, x + r0 * n);
        else ops::gelu_tanh(x + r0 * n, (r1 - r0) * n, x + r0 * n);
    });
}

void add_rows(float* x, const float* y, int64_t n_rows, int64_t n, ThreadPool& pool) {
    for_rows(pool, n_rows, n, [&](int64_t r0, int64_t r1) { ops::add(x + r0 * n, y + r0 * n, (r1 - r0) * n, x + r0 * n); });
}

// y (n_rows, n_out) = x · Wᵀ + b
void linear(const Tensor& w, const float* b, const float* x, int64_t n_rows, float* y, ThreadPool& pool) {
    ops::matmul(w, x, n_rows, y, pool);
    add_bias_rows(y, b, n_rows, w.ne[1], pool);
}

bool cancelled(const std::atomic<bool>* c) { return c && c->load(std::memory_order_relaxed); }

}  // namespace

// ---------------------------------------------------------------------------------------------------
// Encoder
// ---------------------------------------------------------------------------------------------------

Status whisper_encoder_forward(const WhisperEncoderWeights& w, const float* mel, float* out, bool f16_attention,
                               ThreadPool& pool, WhisperEncoderScratch& s, const std::atomic<bool>* cancel) {
    const int64_t n_ctx = w.n_ctx, n_frames = 2 * n_ctx, n_mels = w.n_mels, ns = w.n_state;
    const int64_t n_head = w.n_head, hd = ns / n_head, n_ff = w.layers.empty() ? 4 * ns : w.layers[0].mlp.fc_w.ne[1];

    // conv1 (k3, s1, p1): im2col cols (n_frames, n_mels * 3), cols[t][c*3 + k] = mel[c][t + k - 1].
    // ref: ggml_im2col (the F16 rounding of cols happens inside ops::matmul against the F16 kernel).
    s.cols.resize(static_cast<size_t>(n_frames * n_mels * 3));
    for_rows(pool, n_frames, n_mels * 3, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
            float* row = s.cols.data() + t * n_mels * 3;
            for (int64_t c = 0; c < n_mels; ++c)
                for (int64_t k = 0; k < 3; ++k) {
                    const int64_t i = t + k - 1;
                    row[c * 3 + k] = (i >= 0 && i < n_frames) ? mel[c * n_frames + i] : 0.0f;
                }
        }
    });
    s.a.resize(static_cast<size_t>(n_frames * ns));
    linear(w.conv1_w, w.conv1_b, s.cols.data(), n_frames, s.a.data(), pool);  // (n_frames, ns)
    gelu_rows(s.a.data(), n_frames, ns, w.gelu, pool);

    // conv2 (k3, s2, p1): cols (n_ctx, ns * 3), cols[t][c*3 + k] = a[2t + k - 1][c].
    s.cols.resize(static_cast<size_t>(n_ctx * ns * 3));
    for_rows(pool, n_ctx, ns * 3, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
            float* row = s.cols.data() + t * ns * 3;
            for (int64_t k = 0; k < 3; ++k) {
                const int64_t i = 2 * t + k - 1;
                const float* src = (i >= 0 && i < n_frames) ? s.a.data() + i * ns : nullptr;
                for (int64_t c = 0; c < ns; ++c) row[c * 3 + k] = src ? src[c] : 0.0f;
            }
        }
    });
    float* x = out;  // (n_ctx, ns) residual stream
    linear(w.conv2_w, w.conv2_b, s.cols.data(), n_ctx, x, pool);
    gelu_rows(x, n_ctx, ns, w.gelu, pool);
    add_rows(x, w.pos, n_ctx, ns, pool);

    s.q.resize(static_cast<size_t>(n_ctx * ns));
    s.k.resize(static_cast<size_t>(n_ctx * ns));
    s.v.resize(static_cast<size_t>(n_ctx * ns));
    s.attn.resize(static_cast<size_t>(n_ctx * ns));
    s.ff.resize(static_cast<size_t>(n_ctx * n_ff));
    std::vector<int32_t> positions(static_cast<size_t>(n_ctx));
    for (int64_t i = 0; i < n_ctx; ++i) positions[static_cast<size_t>(i)] = static_cast<int32_t>(i);
    ops::AttentionParams ap;
    ap.n_head = ap.n_head_kv = n_head;
    ap.head_dim_k = ap.head_dim_v = hd;
    ap.scale = 1.0f / std::sqrt(static_cast<float>(hd));
    ap.causal = false;

    for (const WhisperEncoderLayer& L : w.layers) {
        if (cancelled(cancel)) return make_error(ErrorCode::cancelled, "whisper encoder cancelled");
        // x += out(MHA(attn_ln(x)))
        layer_norm_rows(x, L.attn_ln, n_ctx, ns, w.eps, s.a.data(), pool);
        linear(L.attn.q_w, L.attn.q_b, s.a.data(), n_ctx, s.q.data(), pool);
        linear(L.attn.k_w, nullptr, s.a.data(), n_ctx, s.k.data(), pool);
        linear(L.attn.v_w, L.attn.v_b, s.a.data(), n_ctx, s.v.data(), pool);
        if (f16_attention) {  // whisper.cpp: ggml_cast(K/V, F16), Q converted to F16 inside mul_mat(K, Q)
            round_f16(s.q.data(), n_ctx * ns, pool);
            round_f16(s.k.data(), n_ctx * ns, pool);
            round_f16(s.v.data(), n_ctx * ns, pool);
        }
        ops::attention(s.q.data(), ns, s.k.data(), s.v.data(), positions.data(), n_ctx, n_ctx, ap, s.attn.data(), pool);
        linear(L.attn.out_w, L.attn.out_b, s.attn.data(), n_ctx, s.a.data(), pool);
        add_rows(x, s.a.data(), n_ctx, ns, pool);
        // x += mlp.2(GELU(mlp.0(mlp_ln(x))))
        layer_norm_rows(x, L.mlp_ln, n_ctx, ns, w.eps, s.a.data(), pool);
        linear(L.mlp.fc_w, L.mlp.fc_b, s.a.data(), n_ctx, s.ff.data(), pool);
        gelu_rows(s.ff.data(), n_ctx, n_ff, w.gelu, pool);
        linear(L.mlp.proj_w, L.mlp.proj_b, s.ff.data(), n_ctx, s.a.data(), pool);
        add_rows(x, s.a.data(), n_ctx, ns, pool);
    }
    if (w.ln_post.w) layer_norm_rows(x, w.ln_post, n_ctx, ns, w.eps, x, pool);
    return Status::ok();
}

// ---------------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------------

WhisperState::WhisperState(std::shared_ptr<const WhisperModel> model, WhisperStateOptions options)
    : model_(std::move(model)),
      options_(options),
      pool_(options.n_threads > 0 ? options.n_threads : default_thread_count()) {
    const WhisperHParams& h = model_->hparams();
    enc_out_.resize(static_cast<size_t>(h.n_audio_ctx) * h.n_audio_state);
    cross_k_.assign(static_cast<size_t>(h.n_text_layer), std::vector<float>(static_cast<size_t>(h.n_audio_ctx) * h.n_text_state));
    cross_v_.assign(static_cast<size_t>(h.n_text_layer), std::vector<float>(static_cast<size_t>(h.n_audio_ctx) * h.n_text_state));
    set_n_seq(std::max(1, options.n_seq));
}

WhisperState::~WhisperState() = default;

void WhisperState::set_n_seq(int n) {
    const WhisperHParams& h = model_->hparams();
    n = std::max(1, n);
    const size_t per_layer = static_cast<size_t>(h.n_text_ctx) * h.n_text_state;
    while (static_cast<int>(kv_k_.size()) < n) {
        kv_k_.emplace_back(static_cast<size_t>(h.n_text_layer), std::vector<float>(per_layer));
        kv_v_.emplace_back(static_cast<size_t>(h.n_text_layer), std::vector<float>(per_layer));
    }
    kv_k_.resize(static_cast<size_t>(n));
    kv_v_.resize(static_cast<size_t>(n));
}

Status WhisperState::encode(const float* mel, int64_t n_mels, int64_t n_frames) {
    const WhisperHParams& h = model_->hparams();
    if (!mel || n_mels != h.n_mels || n_frames != 2 * static_cast<int64_t>(h.n_audio_ctx))
        return make_error(ErrorCode::invalid_argument, "whisper encode: mel must be (" + std::to_string(h.n_mels) + ", " +
                                                           std::to_string(2 * h.n_audio_ctx) + "), got (" + std::to_string(n_mels) +
                                                           ", " + std::to_string(n_frames) + ")");
    const auto t0 = Clock::now();
    encoded_ = false;
    TS_RETURN_IF_ERROR(whisper_encoder_forward(model_->encoder(), mel, enc_out_.data(), options_.f16_kv, pool_, enc_scratch_, cancel_));

    // Cross-attention K/V of every decoder layer, once per window. K carries the d^-1/4 scale, as in
    // whisper_build_graph_cross (the query side applies the other d^-1/4 through the attention scale).
    const int64_t n_ctx = h.n_audio_ctx, ns = h.n_text_state, hd = ns / h.n_text_head;
    const float kscale = std::pow(static_cast<float>(hd), -0.25f);
    for (size_t l = 0; l < model_->decoder().layers.size(); ++l) {
        if (cancelled(cancel_)) return make_error(ErrorCode::cancelled, "whisper encoder cancelled");
        const WhisperAttention& ca = model_->decoder().layers[l].cross_attn;
        float* k = cross_k_[l].data();
        float* v = cross_v_[l].data();
        ops::matmul(ca.k_w, enc_out_.data(), n_ctx, k, pool_);
        for_rows(pool_, n_ctx, ns, [&](int64_t r0, int64_t r1) { ops::scale(k + r0 * ns, kscale, (r1 - r0) * ns, k + r0 * ns); });
        linear(ca.v_w, ca.v_b, enc_out_.data(), n_ctx, v, pool_);
        if (options_.f16_kv) {
            round_f16(k, n_ctx * ns, pool_);
            round_f16(v, n_ctx * ns, pool_);
        }
    }
    encoded_ = true;
    timings_.encode_ms += ms_since(t0);
    ++timings_.n_encode;
    return Status::ok();
}

Status WhisperState::decode(std::span<const int32_t> tokens, int64_t n_past, int seq, bool all_logits) {
    std::vector<WhisperBatchItem> items(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) {
        items[i].token = tokens[i];
        items[i].pos = static_cast<int32_t>(n_past + static_cast<int64_t>(i));
        items[i].seq = seq;
        items[i].logits = all_logits || i + 1 == tokens.size();
    }
    return decode_batch(items);
}

Status WhisperState::decode_batch(std::span<const WhisperBatchItem> items) {
    const WhisperHParams& h = model_->hparams();
    const WhisperDecoderWeights& W = model_->decoder();
    const int64_t n = static_cast<int64_t>(items.size());
    if (n == 0) return make_error(ErrorCode::invalid_argument, "whisper decode: no tokens");
    if (!encoded_) return make_error(ErrorCode::invalid_argument, "whisper decode: encode() an audio window first");
    for (const WhisperBatchItem& it : items) {
        if (it.token < 0 || it.token >= h.n_vocab)
            return make_error(ErrorCode::out_of_range, "whisper decode: token id " + std::to_string(it.token) + " outside [0, " + std::to_string(h.n_vocab) + ")");
        if (it.pos < 0 || it.pos >= h.n_text_ctx)
            return make_error(ErrorCode::context_overflow, "whisper decode: position " + std::to_string(it.pos) + " outside the text context of " + std::to_string(h.n_text_ctx));
        if (it.seq < 0 || it.seq >= n_seq())
            return make_error(ErrorCode::invalid_argument, "whisper decode: sequence " + std::to_string(it.seq) + " but the state has " + std::to_string(n_seq()));
    }
    const auto t0 = Clock::now();
    const int64_t ns = h.n_text_state, n_head = h.n_text_head, hd = ns / n_head, n_ff = W.layers.empty() ? 4 * ns : W.layers[0].mlp.fc_w.ne[1];
    const float s4 = std::pow(static_cast<float>(hd), -0.25f);
    const bool f16 = options_.f16_kv;
    ThreadPool& pool = pool_;

    x_.resize(static_cast<size_t>(n * ns));
    a_.resize(static_cast<size_t>(n * ns));
    q_.resize(static_cast<size_t>(n * ns));
    k_.resize(static_cast<size_t>(n * ns));
    v_.resize(static_cast<size_t>(n * ns));
    attn_.resize(static_cast<size_t>(n * ns));
    ff_.resize(static_cast<size_t>(n * n_ff));
    pos_.resize(static_cast<size_t>(n));

    // x = token_embedding[tok] + positional_embedding[pos]
    std::vector<int32_t> ids(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        ids[static_cast<size_t>(i)] = items[static_cast<size_t>(i)].token;
        pos_[static_cast<size_t>(i)] = items[static_cast<size_t>(i)].pos;
    }
    ops::get_rows(W.tok_emb, ids.data(), n, x_.data());
    for (int64_t i = 0; i < n; ++i) ops::add(x_.data() + i * ns, W.pos + static_cast<int64_t>(pos_[static_cast<size_t>(i)]) * ns, ns, x_.data() + i * ns);

    ops::AttentionParams self_p;
    self_p.n_head = self_p.n_head_kv = n_head;
    self_p.head_dim_k = self_p.head_dim_v = hd;
    self_p.scale = 1.0f;  // q and k both carry d^-1/4 (whisper_build_graph_decoder)
    self_p.causal = true;
    ops::AttentionParams cross_p = self_p;
    cross_p.scale = s4;  // k carries the other d^-1/4
    cross_p.causal = false;
    std::vector<int32_t> zero_pos(static_cast<size_t>(n), 0);

    for (size_t l = 0; l < W.layers.size(); ++l) {
        if (cancelled(cancel_)) return make_error(ErrorCode::cancelled, "whisper decoder cancelled");
        const WhisperDecoderLayer& L = W.layers[l];
        // self-attention with the per-sequence KV cache
        layer_norm_rows(x_.data(), L.attn_ln, n, ns, h.eps, a_.data(), pool);
        linear(L.attn.q_w, L.attn.q_b, a_.data(), n, q_.data(), pool);
        linear(L.attn.k_w, nullptr, a_.data(), n, k_.data(), pool);
        linear(L.attn.v_w, L.attn.v_b, a_.data(), n, v_.data(), pool);
        ops::scale(q_.data(), s4, n * ns, q_.data());
        ops::scale(k_.data(), s4, n * ns, k_.data());
        if (f16) {
            round_f16(q_.data(), n * ns, pool);
            round_f16(k_.data(), n * ns, pool);
            round_f16(v_.data(), n * ns, pool);
        }
        for (int64_t i = 0; i < n; ++i) {
            const WhisperBatchItem& it = items[static_cast<size_t>(i)];
            std::memcpy(kv_k_[static_cast<size_t>(it.seq)][l].data() + static_cast<int64_t>(it.pos) * ns, k_.data() + i * ns, static_cast<size_t>(ns) * 4);
            std::memcpy(kv_v_[static_cast<size_t>(it.seq)][l].data() + static_cast<int64_t>(it.pos) * ns, v_.data() + i * ns, static_cast<size_t>(ns) * 4);
        }
        for (int64_t r0 = 0; r0 < n;) {  // runs of consecutive items of one sequence
            const int seq = items[static_cast<size_t>(r0)].seq;
            int64_t r1 = r0 + 1;
            int32_t max_pos = items[static_cast<size_t>(r0)].pos;
            while (r1 < n && items[static_cast<size_t>(r1)].seq == seq) max_pos = std::max(max_pos, items[static_cast<size_t>(r1++)].pos);
            ops::attention(q_.data() + r0 * ns, ns, kv_k_[static_cast<size_t>(seq)][l].data(), kv_v_[static_cast<size_t>(seq)][l].data(),
                           pos_.data() + r0, r1 - r0, static_cast<int64_t>(max_pos) + 1, self_p, attn_.data() + r0 * ns, pool);
            r0 = r1;
        }
        linear(L.attn.out_w, L.attn.out_b, attn_.data(), n, a_.data(), pool);
        add_rows(x_.data(), a_.data(), n, ns, pool);

        // cross-attention on the encoder output
        layer_norm_rows(x_.data(), L.cross_attn_ln, n, ns, h.eps, a_.data(), pool);
        linear(L.cross_attn.q_w, L.cross_attn.q_b, a_.data(), n, q_.data(), pool);
        if (f16) round_f16(q_.data(), n * ns, pool);
        ops::attention(q_.data(), ns, cross_k_[l].data(), cross_v_[l].data(), zero_pos.data(), n, h.n_audio_ctx, cross_p,
                       attn_.data(), pool);
        linear(L.cross_attn.out_w, L.cross_attn.out_b, attn_.data(), n, a_.data(), pool);
        add_rows(x_.data(), a_.data(), n, ns, pool);

        // MLP
        layer_norm_rows(x_.data(), L.mlp_ln, n, ns, h.eps, a_.data(), pool);
        linear(L.mlp.fc_w, L.mlp.fc_b, a_.data(), n, ff_.data(), pool);
        gelu_rows(ff_.data(), n, n_ff, WhisperGelu::tanh_table, pool);
        linear(L.mlp.proj_w, L.mlp.proj_b, ff_.data(), n, a_.data(), pool);
        add_rows(x_.data(), a_.data(), n, ns, pool);
    }

    // decoder.ln, then logits = x · token_embeddingᵀ for the requested rows
    int64_t n_rows = 0;
    h_.resize(static_cast<size_t>(n * ns));
    for (int64_t i = 0; i < n; ++i) {
        if (!items[static_cast<size_t>(i)].logits) continue;
        ops::layer_norm(x_.data() + i * ns, W.ln.w, W.ln.b, 1, ns, h.eps, h_.data() + n_rows * ns);
        ++n_rows;
    }
    n_logit_rows_ = n_rows;
    logits_.resize(static_cast<size_t>(std::max<int64_t>(n_rows, 1) * h.n_vocab));
    if (n_rows > 0) ops::matmul(W.tok_emb, h_.data(), n_rows, logits_.data(), pool);
    timings_.decode_ms += ms_since(t0);
    ++timings_.n_decode_calls;
    timings_.n_decode_tokens += n;
    return Status::ok();
}

void WhisperState::copy_seq(int src, int dst, int64_t n_tokens) {
    if (src == dst || src < 0 || dst < 0 || src >= n_seq() || dst >= n_seq()) return;
    const WhisperHParams& h = model_->hparams();
    n_tokens = std::clamp<int64_t>(n_tokens, 0, h.n_text_ctx);
    const size_t bytes = static_cast<size_t>(n_tokens) * h.n_text_state * sizeof(float);
    for (size_t l = 0; l < kv_k_[static_cast<size_t>(src)].size(); ++l) {
        std::memcpy(kv_k_[static_cast<size_t>(dst)][l].data(), kv_k_[static_cast<size_t>(src)][l].data(), bytes);
        std::memcpy(kv_v_[static_cast<size_t>(dst)][l].data(), kv_v_[static_cast<size_t>(src)][l].data(), bytes);
    }
}

}  // namespace tessera
