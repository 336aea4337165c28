#pragma once
// Per-conversation state over a shared, immutable TextModel: the KV cache, the tokens it holds,
// scratch memory and the thread pool. Prompts are evaluated in batches of n_batch tokens; the
// context limit is enforced with an error (never silent truncation).
//
// Cache rows vs positions: n_past() counts cache rows (one per evaluated input, token or embedding);
// next_pos() is the RoPE position the next input gets. They are equal for text; a chunk of
// embeddings may advance the position by a different amount (Qwen2-VL images: n_pos =
// max(grid_w, grid_h) for grid_w * grid_h rows).
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

// Decoder input that is not token ids: one chunk of ready embeddings, e.g. a projected image or audio
// clip (engine/multimodal builds these; any encoder whose output has the decoder's n_embd can use it).
struct EmbeddingInput {
    const float* embd = nullptr;  // (n_tokens, n_embd), row-major
    int64_t n_tokens = 0;
    // Absolute RoPE positions (read next_pos() to compute them). Null: next_pos() + i.
    const int32_t* pos = nullptr;  // (n_tokens)
    // M-RoPE positions (4, n_tokens), section-major t, y, x, z, absolute; for models with M-RoPE only.
    // When set and `pos` is null, the t section is the 1-D position.
    const int32_t* mrope_pos = nullptr;
    // How far next_pos() advances over this chunk; -1: n_tokens when pos and mrope_pos are null,
    // otherwise (largest 1-D position) + 1 - next_pos().
    int64_t n_pos = -1;
    // The chunk's tokens attend to each other both ways (gemma3 images). Such a chunk is evaluated as
    // one batch whatever n_batch is.
    bool bidirectional = false;
};

class Session {
public:
    explicit Session(std::shared_ptr<const TextModel> model, SessionOptions options = {});

    const TextModel& model() const { return *model_; }
    int64_t n_ctx() const { return kv_.n_ctx(); }
    // Cache rows in use (tokens and embeddings).
    int64_t n_past() const { return static_cast<int64_t>(tokens_.size()); }
    // RoPE position of the next input (== n_past() unless embeddings advanced it differently).
    int64_t next_pos() const { return row_next_pos_.empty() ? 0 : row_next_pos_.back(); }
    int64_t n_vocab() const { return model_->hparams().n_vocab; }
    // Token id of every cache row; rows filled from embeddings hold kEmbeddingRow.
    const std::vector<int32_t>& tokens() const { return tokens_; }
    static constexpr int32_t kEmbeddingRow = -1;
    size_t kv_bytes() const { return kv_.bytes(); }
    ThreadPool& pool() { return pool_; }

    // Appends `tokens` to the context. mode last: logits() holds the last row afterwards; mode all:
    // all_logits() holds one row per token of this call (n_tokens x n_vocab).
    Status eval(std::span<const int32_t> tokens, LogitsMode mode = LogitsMode::last);
    // Appends one chunk of embeddings (see EmbeddingInput); logits as for eval(). Errors: no rows,
    // non-finite values, context overflow, M-RoPE positions for a model without M-RoPE. On error the
    // rows of the failing batch are not committed.
    Status eval_embeddings(const EmbeddingInput& input, LogitsMode mode = LogitsMode::last);
    const float* logits() const { return last_logits_.data(); }
    const std::vector<float>& all_logits() const { return all_logits_; }

    // Forgets every cache row from n_keep on (the rows are simply overwritten later); next_pos() goes
    // back to what it was after row n_keep - 1.
    void truncate(int64_t n_keep);
    // Length of the shared prefix between the cached tokens and `tokens` (stops at embedding rows).
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
    Status run_batches(const DecoderBatch& all, const int32_t* pos, const int32_t* mrope_pos, LogitsMode mode,
                       int64_t n_pos_total);

    std::vector<int32_t> tokens_;        // (n_past) token id per cache row, kEmbeddingRow for embeddings
    std::vector<int32_t> row_next_pos_;  // (n_past) next RoPE position after each row
    std::vector<float> last_logits_;  // (n_vocab)
    std::vector<float> all_logits_;   // (n_tokens, n_vocab)
    const std::atomic<bool>* cancel_ = nullptr;
};

}  // namespace tessera
