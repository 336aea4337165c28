#pragma once
// A multimodal projector file (llama.cpp "mmproj" GGUF, general.architecture = clip): a vision
// encoder plus the projector that maps its output into a decoder's embedding space. One subclass per
// clip.projector_type (models/projector/<type>.cpp); Projector::load picks it.
//
// Each projector owns the image side of its family: preprocessing (resize, tiling, normalisation into
// encoder inputs), the encoder + projection, and how the image appears in the decoder prompt (marker
// text around the image tokens, causal or not, M-RoPE grid). engine/multimodal turns that into prompt
// chunks and decoder input.
#include <memory>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/gguf/gguf.h"
#include "engine/media/image.h"
#include "engine/models/vision/vision_common.h"
#include "engine/runtime/weight_loader.h"

namespace tessera {

// One encoder input: a normalised image (or tile) for the vision encoder.
struct EncoderInput {
    int width = 0;
    int height = 0;
    std::vector<float> chw;  // (3, height, width) planar, normalised
};

struct PreprocessedImage {
    std::vector<EncoderInput> entries;  // in prompt order (idefics3: tiles row-major, then the overview)
    int tile_cols = 0;                  // idefics3: the tile grid; 0 when not tiled
    int tile_rows = 0;
};

// One piece of the prompt text an image expands to.
struct MediaPiece {
    enum class Kind {
        text,         // tokenized without BOS, special tokens parsed ("<start_of_image>")
        token_piece,  // the first vocabulary token whose piece is exactly `text` (mtmd lookup_token: "\n\n")
        media,        // the image tokens of entries[entry]
    };
    Kind kind = Kind::text;
    std::string text;
    int entry = -1;
};

class Projector {
public:
    virtual ~Projector();

    // Opens an mmproj GGUF and builds the projector its clip.projector_type names; an unknown type,
    // a missing or misshapen tensor, or a bad key is an error naming it.
    static Result<std::unique_ptr<Projector>> load(const std::string& path);
    static std::vector<std::string> supported_types();

    const vision::ClipHParams& hparams() const { return hparams_; }
    const std::string& projector_type() const { return hparams_.projector_type; }
    const std::string& path() const { return file_->path(); }
    // Width of the projected embeddings (the decoder's n_embd).
    int64_t n_embd_out() const { return n_embd_out_; }

    // Image -> encoder inputs, exactly as llama.cpp preprocesses for this family.
    virtual Result<PreprocessedImage> preprocess(const ImageU8& image) const = 0;
    // Tokens one encoder input becomes.
    virtual int64_t n_tokens(const EncoderInput& input) const = 0;
    // out (n_tokens, n_embd_out): encoder + projector over one input.
    virtual Status encode(const EncoderInput& input, vision::VisionContext& ctx, std::vector<float>* out) const = 0;

    // The prompt pieces for one image (default: its entries, nothing around them).
    virtual std::vector<MediaPiece> prompt_layout(const PreprocessedImage& image) const;
    // The decoder attends bidirectionally among one entry's tokens (gemma3).
    virtual bool non_causal() const { return false; }
    // The decoder gives image tokens 2-D M-RoPE positions over this grid (qwen2-VL family); false for
    // the others. grid_w * grid_h == n_tokens(input).
    virtual bool uses_mrope() const { return false; }
    virtual void token_grid(const EncoderInput& input, int* grid_w, int* grid_h) const;

protected:
    Projector() = default;
    // Binds the tensors and sets n_embd_out_; called once by load().
    virtual Status bind(WeightLoader& wl) = 0;

    std::unique_ptr<GgufFile> file_;
    vision::ClipHParams hparams_;
    int64_t n_embd_out_ = 0;

    friend struct ProjectorFactory;
};

// Factories of the projector files (models/projector/<type>.cpp).
std::unique_ptr<Projector> make_idefics3_projector();
std::unique_ptr<Projector> make_gemma3_projector();
std::unique_ptr<Projector> make_mlp_projector();
std::unique_ptr<Projector> make_qwen25vl_projector();

// Helpers shared by the projector files.
namespace projector_util {
// Copies a 2-D weight to f32 and transposes it: src ne [a, b] -> owned ne [b, a] (gemma3's
// input projection is stored not transposed).
Tensor transposed_f32(const Tensor& src, std::vector<float>* storage);
// Normalised CHW input from an RGB image with the file's mean/std.
EncoderInput to_encoder_input(const ImageU8& image, const vision::ClipHParams& h);
}  // namespace projector_util

}  // namespace tessera
