#include "engine/runtime/session.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace tessera {
namespace {

int64_t resolve_ctx(const TextModel& m, int64_t requested) {
    if (requested > 0) return requested;
    return std::min<int64_t>(m.hparams().n_ctx_train > 0 ? m.hparams().n_ctx_train : 4096, 4096);
}

}  // namespace

Session::Session(std::shared_ptr<const TextModel> model, SessionOptions options)
    : model_(std::move(model)),
      options_(options),
      pool_(options.n_threads > 0 ? options.n_threads : default_thread_count()),
      kv_(model_->kv_shapes(), resolve_ctx(*model_, options.n_ctx)) {
    if (options_.n_batch <= 0) options_.n_batch = 512;
    last_logits_.assign(static_cast<size_t>(n_vocab()), 0.0f);
}

Status Session::eval(std::span<const int32_t> tokens, LogitsMode mode) {
    const int64_t n = static_cast<int64_t>(tokens.size());
    if (n == 0) return make_error(ErrorCode::invalid_argument, "eval: no tokens");
    if (n_past() + n > n_ctx())
        return make_error(ErrorCode::context_overflow,
                          "the context window holds " + std::to_string(n_ctx()) + " tokens: " +
                              std::to_string(n_past()) + " already used + " + std::to_string(n) +
                              " new would exceed it");
    for (int64_t i = 0; i < n; ++i)
        if (tokens[i] < 0 || tokens[i] >= n_vocab())
            return make_error(ErrorCode::out_of_range, "token id " + std::to_string(tokens[i]) + " at index " +
                                                           std::to_string(i) + " is outside the vocabulary (0.." +
                                                           std::to_string(n_vocab() - 1) + ")");
    std::vector<int32_t> pos(static_cast<size_t>(n));
    const int64_t p0 = next_pos();
    for (int64_t i = 0; i < n; ++i) pos[i] = static_cast<int32_t>(p0 + i);
    DecoderBatch all;
    all.n_tokens = n;
    all.tokens = tokens.data();
    return run_batches(all, pos.data(), nullptr, mode, n);
}

Status Session::eval_embeddings(const EmbeddingInput& in, LogitsMode mode) {
    const int64_t n = in.n_tokens;
    const int64_t n_embd = model_->hparams().n_embd;
    if (n <= 0 || !in.embd) return make_error(ErrorCode::invalid_argument, "eval_embeddings: no embeddings");
    if (n_past() + n > n_ctx())
        return make_error(ErrorCode::context_overflow,
                          "the context window holds " + std::to_string(n_ctx()) + " tokens: " +
                              std::to_string(n_past()) + " already used + " + std::to_string(n) +
                              " embeddings would exceed it");
    if (in.mrope_pos && !model_->hparams().uses_mrope())
        return make_error(ErrorCode::invalid_argument, "eval_embeddings: M-RoPE positions given, but the '" +
                                                           model_->hparams().arch + "' decoder has no M-RoPE");
    for (int64_t i = 0; i < n * n_embd; ++i)
        if (!std::isfinite(in.embd[i]))
            return make_error(ErrorCode::invalid_argument, "eval_embeddings: embedding value " + std::to_string(i) +
                                                               " (row " + std::to_string(i / n_embd) + ") is not finite");
    const int64_t p0 = next_pos();
    std::vector<int32_t> pos(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
        pos[i] = in.pos ? in.pos[i] : in.mrope_pos ? in.mrope_pos[i] : static_cast<int32_t>(p0 + i);
    int64_t n_pos = in.n_pos;
    if (n_pos < 0) {
        if (!in.pos && !in.mrope_pos) {
            n_pos = n;
        } else {
            int64_t hi = p0;
            for (int32_t p : pos) hi = std::max<int64_t>(hi, p + 1);
            n_pos = hi - p0;
        }
    }
    DecoderBatch all;
    all.n_tokens = n;
    all.embd = in.embd;
    all.bidirectional = in.bidirectional;
    return run_batches(all, pos.data(), in.mrope_pos, mode, n_pos);
}

// Splits `all` (rows n_past().. , positions pos (n), M-RoPE positions (4, n) or null) into batches of
// n_batch (one batch when bidirectional), runs them and commits their rows. The last row's next
// position is p0 + n_pos_total.
Status Session::run_batches(const DecoderBatch& all, const int32_t* pos, const int32_t* mrope_pos, LogitsMode mode,
                            int64_t n_pos_total) {
    const int64_t n = all.n_tokens;
    const int64_t nv = n_vocab();
    const int64_t n_embd = model_->hparams().n_embd;
    const int64_t p0 = next_pos();
    const int64_t step = all.bidirectional ? n : options_.n_batch;
    if (mode == LogitsMode::all) all_logits_.assign(static_cast<size_t>(n * nv), 0.0f);
    ForwardContext ctx{kv_, pool_, scratch_, cancel_};
    std::vector<int32_t> mrope_slice;
    for (int64_t start = 0; start < n; start += step) {
        const int64_t len = std::min(step, n - start);
        const bool last_batch = start + len == n;
        LogitsMode m = LogitsMode::none;
        float* out = nullptr;
        if (mode == LogitsMode::all) {
            m = LogitsMode::all;
            out = all_logits_.data() + start * nv;
        } else if (mode == LogitsMode::last && last_batch) {
            m = LogitsMode::last;
            out = last_logits_.data();
        }
        DecoderBatch b;
        b.n_tokens = len;
        b.tokens = all.tokens ? all.tokens + start : nullptr;
        b.embd = all.embd ? all.embd + start * n_embd : nullptr;
        b.row0 = n_past();
        b.pos = pos + start;
        if (mrope_pos) {
            mrope_slice.resize(static_cast<size_t>(4 * len));
            for (int s = 0; s < 4; ++s)
                std::copy(mrope_pos + s * n + start, mrope_pos + s * n + start + len, mrope_slice.begin() + s * len);
            b.mrope_pos = mrope_slice.data();
        }
        b.bidirectional = all.bidirectional;
        const Status s = model_->forward(ctx, b, m, out);
        if (!s.is_ok()) return s;  // the cache rows of this batch are not committed
        for (int64_t i = start; i < start + len; ++i) {
            tokens_.push_back(all.tokens ? all.tokens[i] : kEmbeddingRow);
            row_next_pos_.push_back(i == n - 1 ? static_cast<int32_t>(p0 + n_pos_total) : pos[i] + 1);
        }
    }
    if (mode == LogitsMode::all)
        std::memcpy(last_logits_.data(), all_logits_.data() + (n - 1) * nv, static_cast<size_t>(nv) * sizeof(float));
    return Status::ok();
}

void Session::truncate(int64_t n_keep) {
    if (n_keep < n_past()) {
        tokens_.resize(static_cast<size_t>(std::max<int64_t>(0, n_keep)));
        row_next_pos_.resize(tokens_.size());
    }
}

int64_t Session::common_prefix(std::span<const int32_t> tokens) const {
    const size_t limit = std::min(tokens.size(), tokens_.size());
    size_t i = 0;
    while (i < limit && tokens[i] == tokens_[i]) ++i;
    return static_cast<int64_t>(i);
}

}  // namespace tessera
