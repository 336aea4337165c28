#pragma once
// Sentence embeddings from GGUF encoder models (llama.cpp arch `bert`; the family of bge, e5,
// all-MiniLM, gte): text -> token ids -> final hidden states -> pooled vector -> L2-normalised.
//
//   EmbeddingModel  one architecture's encoder (weights mapped from the file, immutable); encodes a
//                   packed batch of sequences: the matmuls run over all tokens of the batch at once,
//                   attention stays inside each sequence (non-causal).
//   Embedder        owns the file, tokenizer, model and a thread pool; tokenises, batches many texts,
//                   pools (mean / CLS / last) and normalises. Use one Embedder from one thread at a
//                   time (its pool is not re-entrant); the model itself is shareable.
//
// ref: llama.cpp d32676d7 src/models/bert.cpp (graph), llama-context.cpp (pooling), common.cpp
// common_embd_normalize (L2: x / ||x||_2).
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/thread_pool.h"

namespace tessera {

class GgufFile;
class Tokenizer;

// llama_pooling_type values, as stored in `<arch>.pooling_type`.
enum class PoolingType : int { none = 0, mean = 1, cls = 2, last = 3 };

const char* pooling_type_name(PoolingType p);                     // "none", "mean", "cls", "last"
bool pooling_type_from_name(std::string_view name, PoolingType* out);

struct EmbeddingHParams {
    std::string arch;
    int64_t n_vocab = 0;
    int64_t n_embd = 0;
    int64_t n_layer = 0;
    int64_t n_head = 0;
    int64_t head_dim = 0;       // n_embd / n_head
    int64_t n_ff = 0;
    int64_t n_ctx = 0;          // <arch>.context_length: the number of learned positions
    int64_t n_token_types = 0;  // rows of token_types.weight
    float norm_eps = 1e-12f;
    PoolingType pooling = PoolingType::cls;  // from the file (`<arch>.pooling_type`), mean when absent
};

class EmbeddingModel {
public:
    virtual ~EmbeddingModel();
    const EmbeddingHParams& hparams() const { return hparams_; }

    // states (n_total, n_embd) = final hidden states of the sequences packed in `ids` (n_total ids,
    // seq_lens[s] of them for sequence s, Σ seq_lens = n_total). Preconditions (checked by Embedder):
    // every length in [1, n_ctx], every id in [0, n_vocab). `cancel` is read between layers.
    virtual Status encode(const int32_t* ids, const int64_t* seq_lens, int64_t n_seqs, float* states,
                          ThreadPool& pool, const std::atomic<bool>* cancel) const = 0;

protected:
    EmbeddingHParams hparams_;
};

// The model for the file's `general.architecture` (`unsupported` naming it otherwise). The file
// must outlive the model (weights are views into its mapping).
Result<std::unique_ptr<EmbeddingModel>> load_embedding_model(const GgufFile& file);

struct EmbedderOptions {
    int n_threads = 0;                   // 0: default_thread_count()
    std::optional<PoolingType> pooling;  // overrides the file's pooling_type
    int64_t max_batch_tokens = 2048;     // tokens packed into one forward pass
};

class Embedder {
public:
    static Result<std::unique_ptr<Embedder>> load(const std::string& path, const EmbedderOptions& options = {});
    ~Embedder();
    Embedder(const Embedder&) = delete;
    Embedder& operator=(const Embedder&) = delete;

    const EmbeddingHParams& hparams() const;
    int64_t n_embd() const { return hparams().n_embd; }
    int64_t n_ctx() const { return hparams().n_ctx; }
    const Tokenizer& tokenizer() const { return *tokenizer_; }
    PoolingType pooling() const { return pooling_; }
    void set_pooling(PoolingType p) { pooling_ = p; }
    // Checked between layers of every forward; a set flag makes the call return `cancelled`.
    void set_cancel_flag(const std::atomic<bool>* cancel) { cancel_ = cancel; }

    // llama_tokenize(add_special = true, parse_special = false): [CLS] ... [SEP] for WordPiece. A text
    // longer than n_ctx tokens is cut to n_ctx, keeping the final special token.
    std::vector<int32_t> tokenize(std::string_view text) const;
    // Tokens of `text` without specials (for chunking: a chunk of n such tokens costs n + 2).
    int64_t count_tokens(std::string_view text) const;

    // (n_ids, n_embd) final hidden states of one sequence (pooling none).
    Result<std::vector<float>> token_states(const std::vector<int32_t>& ids);
    // (n_seqs, n_embd) pooled embeddings of token sequences; `pooling` none is invalid here.
    Result<std::vector<float>> embed_ids(const std::vector<std::vector<int32_t>>& seqs, PoolingType pooling,
                                         bool normalize);
    // (texts.size(), n_embd) with the current pooling; batches of up to max_batch_tokens tokens.
    Result<std::vector<float>> embed(const std::vector<std::string>& texts, bool normalize = true);

private:
    Embedder() = default;
    Status check_ids(const std::vector<int32_t>& ids) const;

    std::unique_ptr<GgufFile> file_;
    std::unique_ptr<Tokenizer> tokenizer_;
    std::unique_ptr<EmbeddingModel> model_;
    std::unique_ptr<ThreadPool> pool_;
    PoolingType pooling_ = PoolingType::cls;
    int64_t max_batch_tokens_ = 2048;
    const std::atomic<bool>* cancel_ = nullptr;
};

// x /= ||x||_2 per row of n (rows of zeros stay zero). ref: llama.cpp common_embd_normalize(norm = 2).
void l2_normalize_rows(float* x, int64_t n_rows, int64_t n);

}  // namespace tessera
