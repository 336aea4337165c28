#pragma once
// SigLIP / CLIP vision transformer (the encoder of SmolVLM/Idefics3, Gemma 3, LLaVA-1.5 and most
// fixed-size mmproj files): a patch-embedding conv, learned absolute positions, an optional class
// token and pre-LN, pre-norm LayerNorm blocks with non-causal attention, an optional post-LN.
// ref: llama.cpp d32676d7 tools/mtmd/models/siglip.cpp, models/llava.cpp, clip.cpp build_vit / build_inp.
#include <vector>

#include "engine/models/vision/vision_common.h"

namespace tessera::vision {

struct SiglipOptions {
    VitAct act = VitAct::gelu;
    // LLaVA (llama.cpp, this commit): the class embedding is appended AFTER the patches and takes the
    // last position row; HF CLIP would put it first (see fixtures/README.md).
    bool class_token_last = false;
    int64_t n_layers = -1;  // layers to run (llava: the feature layer); -1: all
};

class SiglipEncoder {
public:
    // Binds v.patch_embd.*, v.position_embd.weight, v.class_embd, v.pre_ln.*, v.blk.*, v.post_ln.*.
    Status bind(WeightLoader& wl, const ClipHParams& h, SiglipOptions options);

    // Sequence length for an input of width x height pixels (patches, plus the class token).
    int64_t n_seq(int width, int height) const;

    // out (n_seq, n_embd): hidden states after the last layer run and the post-LN (if present).
    // chw (3, height, width) must be image_size x image_size (the position table is fixed).
    Status encode(const float* chw, int width, int height, VisionContext& ctx, std::vector<float>* out) const;

private:
    ClipHParams h_;
    SiglipOptions opt_;
    Tensor patch_w_;                         // ne [3·p·p, n_embd] (conv kernel as a matrix)
    const float* patch_b_ = nullptr;         // (n_embd)
    std::vector<float> pos_embd_;            // (n_pos, n_embd)
    const float* class_embd_ = nullptr;      // (n_embd) or null
    const float* pre_ln_w_ = nullptr;
    const float* pre_ln_b_ = nullptr;
    const float* post_ln_w_ = nullptr;
    const float* post_ln_b_ = nullptr;
    std::vector<VitLayer> layers_;
    int64_t n_run_ = 0;
};

}  // namespace tessera::vision
