#pragma once
// What the vision encoders share: the clip.vision.* hyperparameters of an mmproj GGUF, the encoder
// context, fp16 patch extraction (llama.cpp's im2col in f16) and the ViT layer weights.
// ref: llama.cpp d32676d7 tools/mtmd/clip.cpp (clip_model_loader::load_hparams, load_tensors,
//      clip_graph::build_vit, build_attn, build_ffn); fixtures/README.md "Encoder / projector facts".
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/core/thread_pool.h"
#include "engine/gguf/gguf.h"
#include "engine/runtime/weight_loader.h"

namespace tessera::vision {

struct ClipHParams {
    std::string projector_type;   // clip.projector_type
    int64_t image_size = 0;       // clip.vision.image_size: encoder input side (fixed-size encoders)
    int64_t patch_size = 0;
    int64_t n_embd = 0;           // clip.vision.embedding_length
    int64_t n_ff = 0;
    int64_t n_layer = 0;          // clip.vision.block_count
    int64_t n_head = 0;
    int64_t projection_dim = 0;   // clip.vision.projection_dim: decoder n_embd
    float eps = 1e-6f;
    float image_mean[3] = {0.5f, 0.5f, 0.5f};
    float image_std[3] = {0.5f, 0.5f, 0.5f};
    bool use_gelu = false;        // GELU (tanh) instead of quick-GELU in the ViT FFN
    bool use_silu = false;
    int64_t scale_factor = 0;     // clip.vision.projector.scale_factor (idefics3 shuffle, gemma3 pool)
    int64_t preproc_image_size = 0;  // idefics3: longest edge before tiling
    int64_t n_wa_pattern = 0;     // qwen2.5-VL: full attention on layers with (il+1) % n == 0
    int64_t image_min_pixels = 0;    // dynamic-size encoders (qwen): smart-resize bounds
    int64_t image_max_pixels = 0;
    std::vector<int64_t> feature_layers;  // clip.vision.feature_layer (llava), empty when absent
};

// Reads and range-checks the keys above; a missing or invalid key is an error naming it.
Result<ClipHParams> read_clip_hparams(const GgufFile& file);

// What an encode call runs with.
struct VisionContext {
    ThreadPool& pool;
    const std::atomic<bool>* cancel = nullptr;  // checked before every layer

    bool cancelled() const { return cancel && cancel->load(std::memory_order_relaxed); }
};

// out (n_py * n_px, 3 * p * p): the patches of chw (3, h, w), row-major over the patch grid, each
// flattened in the conv-weight order (c, ky, kx), every value rounded to fp16 (llama.cpp's conv_2d
// runs through an f16 im2col).
void patchify_f16(const float* chw, int width, int height, int patch, float* out);

// ggml ne [p, p, 3, n_embd] conv kernel viewed as the [3·p·p, n_embd] matrix of a linear layer.
Tensor conv_kernel_as_matrix(const Tensor& kernel);

// A pre-norm ViT layer: x += o(attn(ln1(x))); x += down(act(up(ln2(x)))) (gate: act(gate)·up).
struct VitLayer {
    const float* ln1_w = nullptr;  // (n_embd)
    const float* ln1_b = nullptr;  // (n_embd) or null (RMSNorm encoders)
    Tensor wq, wk, wv, wo;         // ne [n_embd, n_embd]
    const float* bq = nullptr;     // (n_embd)
    const float* bk = nullptr;
    const float* bv = nullptr;
    const float* bo = nullptr;
    const float* ln2_w = nullptr;
    const float* ln2_b = nullptr;
    Tensor up;                     // ne [n_embd, n_ff]
    Tensor gate;                   // ne [n_embd, n_ff] or empty
    Tensor down;                   // ne [n_ff, n_embd]
    const float* b_up = nullptr;   // (n_ff)
    const float* b_gate = nullptr;
    const float* b_down = nullptr; // (n_embd)
};

// Binds v.blk.<il>.* (ln1/ln2 bias required when `layer_norm`, gate when `gated`).
VitLayer load_vit_layer(WeightLoader& wl, int il, const ClipHParams& h, bool layer_norm, bool gated);

enum class VitNorm { layer_norm, rms_norm };
enum class VitAct { gelu, gelu_quick, silu };

// y (n, n_embd) = norm(x) with weight/bias (bias may be null).
void vit_norm(VitNorm norm, const float* x, const float* w, const float* b, int64_t n, int64_t n_embd, float eps,
              float* y);

// out (n, n_embd) = wo · MHA(q, k, v) + bo over q/k/v (n, n_embd) computed by the caller, no mask;
// `windows` (optional) cuts the sequence into contiguous blocks attended separately: [start, end) pairs.
void vit_attention(const VitLayer& L, int64_t n_head, const float* q, const float* k, const float* v, int64_t n,
                   int64_t n_embd, const std::vector<std::pair<int64_t, int64_t>>* windows, VisionContext& ctx,
                   float* attn_scratch, float* out);

// out (n, n_embd) = down(act(up(x))) with biases; gated: down(act(gate(x)) · up(x)).
void vit_ffn(const VitLayer& L, VitAct act, const float* x, int64_t n, int64_t n_embd, VisionContext& ctx,
             float* up_scratch, float* gate_scratch, float* out);

// y (n_out) = w·x + b for a batch: matmul plus an optional bias row.
void linear(const Tensor& w, const float* b, const float* x, int64_t n, float* y, ThreadPool& pool);

}  // namespace tessera::vision
