#pragma once
// Qwen2.5-VL vision tower: dynamic input size (multiples of 2 patches), two patch kernels (the
// temporal patch of a still image) summed, no absolute positions; patches regrouped so each 2x2 block
// of the merger is contiguous; RMSNorm blocks with 2-D vision M-RoPE, SwiGLU FFN and window attention
// (112-pixel windows = 4x4 merged tokens) on layers where (il + 1) % n_wa_pattern != 0, full attention
// on the others; post RMSNorm.
// ref: llama.cpp d32676d7 tools/mtmd/models/qwen2vl.cpp (clip_graph_qwen2vl::build) and the
//      PROJECTOR_TYPE_QWEN25VL inputs of clip.cpp (window_idx, inv_window_idx, window_mask, positions).
#include <vector>

#include "engine/models/vision/vision_common.h"

namespace tessera::vision {

class Qwen25VisionEncoder {
public:
    Status bind(WeightLoader& wl, const ClipHParams& h);

    // out (n_patches, n_embd): post-norm hidden states, ordered merged block by merged block (raster
    // over the (h/2p, w/2p) grid), the 2x2 patches of a block consecutive (dy, dx). width and height
    // must be multiples of 2 * patch_size.
    Status encode(const float* chw, int width, int height, VisionContext& ctx, std::vector<float>* out) const;

    // Window order of the merged blocks: order[k] = raster index of the k-th block in window order
    // (llama.cpp's inv_window_idx). Exposed for tests.
    static std::vector<int32_t> window_order(int merged_w, int merged_h, int grid_window);

private:
    ClipHParams h_;
    Tensor patch_w0_, patch_w1_;  // ne [3·p·p, n_embd] each
    const float* patch_b_ = nullptr;
    std::vector<VitLayer> layers_;
    const float* post_ln_w_ = nullptr;
    const float* post_ln_b_ = nullptr;
};

}  // namespace tessera::vision
