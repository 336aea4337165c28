#include "engine/runtime/session.h"

#include <algorithm>
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
    const int64_t nv = n_vocab();
    if (mode == LogitsMode::all) all_logits_.assign(static_cast<size_t>(n * nv), 0.0f);
    ForwardContext ctx{kv_, pool_, scratch_, cancel_};
    for (int64_t start = 0; start < n; start += options_.n_batch) {
        const int64_t len = std::min(options_.n_batch, n - start);
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
        const Status s = model_->forward(ctx, tokens.data() + start, len, n_past(), m, out);
        if (!s.is_ok()) return s;  // the cache rows of this batch are not committed
        tokens_.insert(tokens_.end(), tokens.begin() + start, tokens.begin() + start + len);
    }
    if (mode == LogitsMode::all)
        std::memcpy(last_logits_.data(), all_logits_.data() + (n - 1) * nv, static_cast<size_t>(nv) * sizeof(float));
    return Status::ok();
}

void Session::truncate(int64_t n_keep) {
    if (n_keep < n_past()) tokens_.resize(static_cast<size_t>(std::max<int64_t>(0, n_keep)));
}

int64_t Session::common_prefix(std::span<const int32_t> tokens) const {
    const size_t limit = std::min(tokens.size(), tokens_.size());
    size_t i = 0;
    while (i < limit && tokens[i] == tokens_[i]) ++i;
    return static_cast<int64_t>(i);
}

}  // namespace tessera
