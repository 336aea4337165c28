#pragma once
// Multimodal prompts: a prompt is a list of chunks (text tokens, image embeddings); each media chunk is
// encoded by the projector and its embeddings go into the decoder through Session::eval_embeddings.
// ref: llama.cpp d32676d7 tools/mtmd/mtmd.cpp (mtmd_tokenize, mtmd_tokenizer::add_media/add_text,
//      lookup_token), mtmd-helper.cpp (mtmd_helper_eval_chunks, decode_image_chunk: non-causal chunks,
//      M-RoPE positions via set_position_mrope_2d).
//
//   auto mm = MultimodalContext::create(decoder, projector);
//   auto prompt = mm->tokenize("<__media__> What is in the picture?", images);   // chunks
//   mm->eval(session, *prompt);              // encodes (or reuses cached) images, fills the KV cache
//   ... sample from session.logits() as for text ...
//
// Raw prompts mark where each image goes with kMediaMarker; the images are taken in order. An image
// expands to the projector family's layout (see Projector::prompt_layout): e.g. gemma3
// `<start_of_image>[n]<end_of_image>`, qwen `<|vision_start|>[n]<|vision_end|>`, idefics3 tiles with
// `<fake_token_around_image><row_R_col_C>` then `\n\n<fake_token_around_image><global-img>[overview]`.
// Encoded embeddings are cached by image content hash, so a follow-up question about the same image
// does not run the encoder again.
#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/thread_pool.h"
#include "engine/media/image.h"
#include "engine/models/projector/projector.h"
#include "engine/runtime/session.h"
#include "engine/runtime/text_model.h"

namespace tessera {

inline constexpr std::string_view kMediaMarker = "<__media__>";

enum class ChunkType { text, image };

// One chunk of a tokenised prompt (mtmd_input_chunk).
struct PromptChunk {
    ChunkType type = ChunkType::text;
    std::vector<int32_t> tokens;  // text: token ids
    int image = -1;               // image: index of the input image
    int entry = -1;               // image: encoder input of that image (idefics3 tile / overview)
    int64_t n_tokens = 0;         // decoder rows (text: tokens.size())
    int64_t n_pos = 0;            // how far the RoPE position advances (qwen: max(grid_w, grid_h))
    bool non_causal = false;      // image tokens attend to each other both ways (gemma3)
    int grid_w = 0;               // M-RoPE grid of the image tokens (0 without M-RoPE)
    int grid_h = 0;
};

struct MultimodalPrompt {
    std::vector<PromptChunk> chunks;
    std::vector<std::shared_ptr<const PreprocessedImage>> images;  // per input image
    std::vector<uint64_t> image_hashes;                            // image_content_hash per input image

    int64_t n_tokens() const;  // decoder rows of all chunks
    int64_t n_pos() const;     // positions of all chunks
};

struct MultimodalOptions {
    size_t max_cached_images = 16;  // encoder outputs kept (least recently used dropped first)
};

class MultimodalContext {
public:
    // Checks that the projector output width is the decoder's n_embd, that an M-RoPE projector meets
    // an M-RoPE decoder, and that the decoder has a tokenizer.
    static Result<std::unique_ptr<MultimodalContext>> create(std::shared_ptr<const TextModel> decoder,
                                                             std::shared_ptr<const Projector> projector,
                                                             MultimodalOptions options = {});

    const TextModel& decoder() const { return *decoder_; }
    const Projector& projector() const { return *projector_; }

    // Splits `text` at every kMediaMarker (one image each, in order) and tokenises the parts like
    // mtmd_tokenize: text without special tokens (parse_special as given), images expanded to their
    // layout, BOS (add_special and the vocabulary's add_bos) at the very start.
    Result<MultimodalPrompt> tokenize(std::string_view text, std::span<const ImageU8> images, bool add_special = true,
                                      bool parse_special = true) const;

    // (n_tokens, n_embd) embeddings of image chunk `chunk`, from the cache or by encoding.
    Result<std::shared_ptr<const std::vector<float>>> encode_chunk(const MultimodalPrompt& prompt, size_t chunk,
                                                                   ThreadPool& pool,
                                                                   const std::atomic<bool>* cancel = nullptr);

    // Evaluates chunks [first, end) into the session (text with Session::eval, images with
    // Session::eval_embeddings at the session's next position); logits() of the session then hold
    // the last row. Image chunks are encoded on the session's thread pool.
    Status eval(Session& session, const MultimodalPrompt& prompt, size_t first_chunk = 0,
                const std::atomic<bool>* cancel = nullptr);

    // M-RoPE positions (4, grid_w·grid_h), sections t, y, x, z, of image tokens starting at p0:
    // t = p0, y = p0 + i / grid_w, x = p0 + i % grid_w, z = 0 (mtmd set_position_mrope_2d).
    static std::vector<int32_t> mrope_positions(int64_t p0, int grid_w, int grid_h);

    // The first token whose piece (special tokens rendered) is exactly `piece`; -1 if none.
    int32_t lookup_token(std::string_view piece) const;

    size_t n_encoded() const { return n_encoded_; }  // encoder runs so far (cache misses)

private:
    MultimodalContext(std::shared_ptr<const TextModel> decoder, std::shared_ptr<const Projector> projector,
                      MultimodalOptions options)
        : decoder_(std::move(decoder)), projector_(std::move(projector)), options_(options) {}

    struct CacheEntry {
        uint64_t hash = 0;
        std::vector<std::shared_ptr<const std::vector<float>>> entries;  // per encoder input, null until encoded
    };

    std::shared_ptr<const TextModel> decoder_;
    std::shared_ptr<const Projector> projector_;
    MultimodalOptions options_;
    std::mutex cache_mutex_;
    std::list<CacheEntry> cache_;  // most recently used first
    size_t n_encoded_ = 0;
};

}  // namespace tessera
