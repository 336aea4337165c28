#pragma once
// A decoder-only text model: immutable weights (memory-mapped GGUF) shared by any number of Sessions.
// Each architecture (models/text/<arch>.cpp) subclasses TextModel with its own weight struct.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/thread_pool.h"
#include "engine/gguf/gguf.h"
#include "engine/ops/ops.h"
#include "engine/tokenizer/tokenizer.h"

namespace tessera {


// Hyperparameters every decoder has; architectures keep their extras in their own structs.
struct TextHParams {
    std::string arch;
    int64_t n_vocab = 0;
    int64_t n_ctx_train = 0;
    int64_t n_embd = 0;
    int64_t n_layer = 0;
    int64_t n_head = 0;
    int64_t n_head_kv = 0;
    int64_t head_dim_k = 0;  // attention.key_length, else n_embd / n_head
    int64_t head_dim_v = 0;
    int64_t n_ff = 0;
    float norm_eps = 1e-5f;
    ops::RopeParams rope;
    // M-RoPE (qwen2vl): rotary pairs per position section (t, y, x, z), from rope.dimension_sections.
    // All zero for ordinary RoPE.
    std::array<int, 4> rope_sections{};

    bool uses_mrope() const { return rope_sections[0] + rope_sections[1] + rope_sections[2] + rope_sections[3] > 0; }
};

// Per-layer cache geometry: floats per position for keys and values.
struct KvLayerShape {
    int64_t k_width = 0;
    int64_t v_width = 0;
};

// f32 key/value cache: layer l holds k (n_ctx, k_width) and v (n_ctx, v_width); row p = position p.
class KvCache {
public:
    KvCache(const std::vector<KvLayerShape>& layers, int64_t n_ctx);
    int64_t n_ctx() const { return n_ctx_; }
    float* k(int64_t layer) { return k_[layer].data(); }
    float* v(int64_t layer) { return v_[layer].data(); }
    const KvLayerShape& shape(int64_t layer) const { return shapes_[layer]; }
    size_t bytes() const;

private:
    int64_t n_ctx_;
    std::vector<KvLayerShape> shapes_;
    std::vector<std::vector<float>> k_;  // per layer (n_ctx, k_width)
    std::vector<std::vector<float>> v_;  // per layer (n_ctx, v_width)
};

// Grow-only scratch memory reused across forward calls (no allocation per token once warm).
class ScratchArena {
public:
    // A float buffer of at least n elements for slot `slot`; contents are not preserved across calls.
    float* get(int slot, size_t n);

private:
    std::vector<std::vector<float>> slots_;
};

enum class LogitsMode { last, all, none };

// One forward batch: n_tokens new rows of the KV cache, filled from token ids or from ready input
// embeddings (the output of a multimodal projector: image, audio, ...). Cache rows and RoPE positions
// are separate: row r of the cache always holds the r-th input of the context, while the position a
// token is rotated with may differ (Qwen2-VL: all tokens of an image share the temporal position, and
// the text after it resumes at p0 + max(grid_w, grid_h)).
//
// Masking is by cache row: a query at row r sees keys at rows <= r (plus the sliding window of the
// architecture). With `bidirectional`, the batch's own rows also see each other (gemma3 image tokens:
// bidirectional inside the image, causal towards everything else). This equals llama.cpp's position
// based mask (M-RoPE: lexicographic on (t, y, x)) whenever positions do not decrease along the rows,
// which every prompt built by engine/multimodal satisfies.
struct DecoderBatch {
    int64_t n_tokens = 0;
    const int32_t* tokens = nullptr;  // (n_tokens) ids; exactly one of tokens / embd is set
    const float* embd = nullptr;      // (n_tokens, n_embd) input embeddings, used as given (no scaling)
    int64_t row0 = 0;                 // cache rows row0 .. row0 + n_tokens - 1; rows below are the context
    const int32_t* pos = nullptr;     // (n_tokens) RoPE positions; null: row0 + i
    // (4, n_tokens) M-RoPE positions, section-major: t[0..n), y[0..n), x[0..n), z[0..n) (the order of the
    // rope sections). Null: t = y = x = pos, z = 0 (text). Ignored by models without M-RoPE.
    const int32_t* mrope_pos = nullptr;
    bool bidirectional = false;       // the batch's rows attend to each other both ways

    int32_t position(int64_t i) const { return pos ? pos[i] : static_cast<int32_t>(row0 + i); }
};

struct ForwardContext {
    KvCache& kv;
    ThreadPool& pool;
    ScratchArena& scratch;
    const std::atomic<bool>* cancel = nullptr;  // checked between layers

    bool cancelled() const { return cancel && cancel->load(std::memory_order_relaxed); }
};

class TextModel {
public:
    virtual ~TextModel();

    const TextHParams& hparams() const { return hparams_; }
    const GgufFile& file() const { return *file_; }
    const Tokenizer& tokenizer() const { return *tokenizer_; }

    virtual std::vector<KvLayerShape> kv_shapes() const = 0;

    // Runs one batch (see DecoderBatch), whose keys/values go into cache rows row0..row0+n-1 of ctx.kv
    // (rows below row0 must already be there). Writes n_vocab logits for the last row (mode last) or
    // for every row (mode all) to `logits`. Preconditions (checked by Session): row0 + n <= kv.n_ctx(),
    // token ids inside the vocabulary, n_tokens > 0.
    virtual Status forward(ForwardContext& ctx, const DecoderBatch& batch, LogitsMode mode, float* logits) const = 0;

    // Token ids at rows pos0..pos0+n-1 with positions equal to rows (the text-only case).
    Status forward(ForwardContext& ctx, const int32_t* tokens, int64_t n_tokens, int64_t pos0, LogitsMode mode,
                   float* logits) const;

    // Bytes of mapped weights (what a forward pass reads).
    size_t weight_bytes() const;

    // For loaders only: hand over the file and hyperparameters, then the tokenizer.
    void attach(std::unique_ptr<GgufFile> file, TextHParams hparams);
    void attach_tokenizer(std::unique_ptr<Tokenizer> tokenizer);

protected:
    TextModel() = default;
    std::unique_ptr<GgufFile> file_;
    std::unique_ptr<Tokenizer> tokenizer_;
    TextHParams hparams_;
};

struct LoadOptions {
    bool load_tokenizer = true;
};

// Opens a GGUF file and builds the architecture it names. An unknown architecture, a missing or
// misshapen tensor, or an unsupported type is an error naming it.
Result<std::shared_ptr<const TextModel>> load_text_model(const std::string& path, const LoadOptions& opts = {});

// Architectures this build can run, e.g. {"llama", "qwen2", ...}.
std::vector<std::string> supported_text_architectures();

}  // namespace tessera
