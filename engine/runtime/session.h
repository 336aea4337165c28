#pragma once
// Per-conversation state over a shared, immutable TextModel: the KV cache, the tokens it holds,
// scratch memory and the thread pool. Prompts are evaluated in batches of n_batch tokens; the
// context limit is enforced with an error (never silent truncation).
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/thread_pool.h"
#include "engine/runtime/text_model.h"

namespace tessera {

struct SessionOptions {
    int64_t n_ctx = 0;    // 0: the model's training context, capped at 4096
    int n_threads = 0;    // 0: default_thread_count()
    int64_t n_batch = 512;
};

class Session {
public:
    explicit Session(std::shared_ptr<const TextModel> model, SessionOptions options = {});

    const TextModel& model() const { return *model_; }
    int64_t n_ctx() const { return kv_.n_ctx(); }
    int64_t n_past() const { return static_cast<int64_t>(tokens_.size()); }
    int64_t n_vocab() const { return model_->hparams().n_vocab; }
    const std::vector<int32_t>& tokens() const { return tokens_; }
    size_t kv_bytes() const { return kv_.bytes(); }
    ThreadPool& pool() { return pool_; }

    // Appends `tokens` to the context. mode last: logits() holds the last row afterwards; mode all:
    // all_logits() holds one row per token of this call (n_tokens x n_vocab).
    Status eval(std::span<const int32_t> tokens, LogitsMode mode = LogitsMode::last);
    const float* logits() const { return last_logits_.data(); }
    const std::vector<float>& all_logits() const { return all_logits_; }

    // Forgets every position from n_keep on (the cache rows are simply overwritten later).
    void truncate(int64_t n_keep);
    // Length of the shared prefix between the cached tokens and `tokens`.
    int64_t common_prefix(std::span<const int32_t> tokens) const;

    // Checked between layers; a set flag makes eval() return `cancelled` (the tokens evaluated in
    // earlier batches stay in the cache).
    void set_cancel_flag(const std::atomic<bool>* flag) { cancel_ = flag; }

private:
    std::shared_ptr<const TextModel> model_;
    SessionOptions options_;
    ThreadPool pool_;
    KvCache kv_;
    ScratchArena scratch_;
    std::vector<int32_t> tokens_;
    std::vector<float> last_logits_;  // (n_vocab)
    std::vector<float> all_logits_;   // (n_tokens, n_vocab)
    const std::atomic<bool>* cancel_ = nullptr;
};

}  // namespace tessera
