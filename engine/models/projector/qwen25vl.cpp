// Qwen2.5-VL projector (clip.projector_type "qwen2.5vl_merger"): the Qwen2.5-VL vision tower
// (models/vision/qwen25vl_vit.cpp) and the patch merger: each 2x2 block of patches, concatenated
// (4·C features), goes through mm.0 -> GELU -> mm.2.
// Images keep their aspect: smart-resize to multiples of 28 px (patch 14 x merge 2) within
// [min_pixels, max_pixels], then a bilinear letterbox (black) into that size (llama.cpp pads too).
// Prompt: <|vision_start|> [grid_w·grid_h tokens] <|vision_end|>; image token i has M-RoPE position
// (t, y, x) = (p0, p0 + i / grid_w, p0 + i % grid_w) and the text after resumes at p0 + max(grid_w, grid_h).
// ref: llama.cpp d32676d7 tools/mtmd/models/qwen2vl.cpp, clip.cpp (PROJECTOR_TYPE_QWEN25VL
//      preprocessing: calc_size_preserved_ratio(size, align, min_pixels, max_pixels)), mtmd.cpp.
#include <cmath>

#include "engine/media/image_resize.h"
#include "engine/models/projector/projector.h"
#include "engine/models/vision/qwen25vl_vit.h"
#include "engine/ops/ops.h"

namespace tessera {
namespace {

constexpr int kMerge = 2;

class Qwen25VlProjector final : public Projector {
public:
    Status bind(WeightLoader& wl) override {
        const vision::ClipHParams& h = hparams_;
        TS_RETURN_IF_ERROR(encoder_.bind(wl, h));
        const Tensor* m0 = file_->find_tensor("mm.0.weight");
        const Tensor* m2 = file_->find_tensor("mm.2.weight");
        const int64_t hidden = m0 ? m0->ne[1] : 0;
        n_embd_out_ = m2 ? m2->ne[1] : 0;
        mm0_ = wl.require("mm.0.weight", {4 * h.n_embd, hidden});
        mm0_b_ = wl.optional_f32("mm.0.bias", hidden);
        mm2_ = wl.require("mm.2.weight", {hidden, n_embd_out_});
        mm2_b_ = wl.optional_f32("mm.2.bias", n_embd_out_);
        // ref: clip.cpp set_limit_image_tokens(8, 4096) for qwen2/2.5-VL: tokens x (patch·merge)²
        const int64_t unit = (h.patch_size * kMerge) * (h.patch_size * kMerge);
        min_pixels_ = h.image_min_pixels > 0 ? h.image_min_pixels : 8 * unit;
        max_pixels_ = h.image_max_pixels > 0 ? h.image_max_pixels : 4096 * unit;
        return wl.status();
    }

    Result<PreprocessedImage> preprocess(const ImageU8& img) const override {
        // ref: clip.cpp img_tool::calc_size_preserved_ratio(inp_size, align_size, min_pixels, max_pixels)
        const int f = static_cast<int>(hparams_.patch_size * kMerge);
        const int width = img.width, height = img.height;
        auto round_by = [f](float x) { return static_cast<int>(std::round(x / static_cast<float>(f))) * f; };
        auto ceil_by = [f](float x) { return static_cast<int>(std::ceil(x / static_cast<float>(f))) * f; };
        auto floor_by = [f](float x) { return static_cast<int>(std::floor(x / static_cast<float>(f))) * f; };
        int h_bar = std::max(f, round_by(static_cast<float>(height)));
        int w_bar = std::max(f, round_by(static_cast<float>(width)));
        if (static_cast<int64_t>(h_bar) * w_bar > max_pixels_) {
            const float beta = std::sqrt(static_cast<float>(static_cast<int64_t>(height) * width) /
                                         static_cast<float>(max_pixels_));
            h_bar = std::max(f, floor_by(static_cast<float>(height) / beta));
            w_bar = std::max(f, floor_by(static_cast<float>(width) / beta));
        } else if (static_cast<int64_t>(h_bar) * w_bar < min_pixels_) {
            const float beta = std::sqrt(static_cast<float>(min_pixels_) /
                                         static_cast<float>(static_cast<int64_t>(height) * width));
            h_bar = ceil_by(static_cast<float>(height) * beta);
            w_bar = ceil_by(static_cast<float>(width) * beta);
        }
        PreprocessedImage out;
        out.entries.push_back(projector_util::to_encoder_input(
            image::resize_letterbox(img, w_bar, h_bar, image::Interp::bilinear, {0, 0, 0}), hparams_));
        return out;
    }

    int64_t n_tokens(const EncoderInput& in) const override {
        int gw = 0, gh = 0;
        token_grid(in, &gw, &gh);
        return static_cast<int64_t>(gw) * gh;
    }

    bool uses_mrope() const override { return true; }

    void token_grid(const EncoderInput& in, int* grid_w, int* grid_h) const override {
        const int f = static_cast<int>(hparams_.patch_size * kMerge);
        *grid_w = in.width / f;
        *grid_h = in.height / f;
    }

    std::vector<MediaPiece> prompt_layout(const PreprocessedImage&) const override {
        using K = MediaPiece::Kind;
        return {{K::text, "<|vision_start|>", -1}, {K::media, "", 0}, {K::text, "<|vision_end|>", -1}};
    }

    Status encode(const EncoderInput& in, vision::VisionContext& ctx, std::vector<float>* out) const override {
        std::vector<float> x;  // (n_patches, C), 2x2 blocks consecutive
        TS_RETURN_IF_ERROR(encoder_.encode(in.chw.data(), in.width, in.height, ctx, &x));
        const int64_t C = hparams_.n_embd;
        const int64_t n = static_cast<int64_t>(x.size()) / (4 * C);  // merged tokens, rows of (4·C)
        const int64_t hidden = mm0_.ne[1];
        std::vector<float> h(static_cast<size_t>(n * hidden));
        vision::linear(mm0_, mm0_b_, x.data(), n, h.data(), ctx.pool);
        ops::gelu_tanh(h.data(), n * hidden, h.data());
        out->resize(static_cast<size_t>(n * n_embd_out_));
        vision::linear(mm2_, mm2_b_, h.data(), n, out->data(), ctx.pool);
        return Status::ok();
    }

private:
    vision::Qwen25VisionEncoder encoder_;
    Tensor mm0_;  // ne [4·n_embd, hidden]
    const float* mm0_b_ = nullptr;
    Tensor mm2_;  // ne [hidden, n_embd_out]
    const float* mm2_b_ = nullptr;
    int64_t min_pixels_ = 0, max_pixels_ = 0;
};

}  // namespace

std::unique_ptr<Projector> make_qwen25vl_projector() { return std::make_unique<Qwen25VlProjector>(); }

}  // namespace tessera
