// Gemma 3 projector (clip.projector_type "gemma3"): SigLIP encoder with post-LN over a bilinear
// letterbox (black) of the image; k x k average pooling of the patch grid (k =
// clip.vision.projector.scale_factor, 64x64 -> 16x16 for the real model), RMSNorm times
// mm.soft_emb_norm.weight (used as stored), then x · mm.input_projection.weight, a matrix stored
// [n_embd_vision, n_embd_text] in numpy order, i.e. not a transposed Linear weight.
// Prompt: <start_of_image> [tokens] <end_of_image>; the decoder attends bidirectionally among them.
// ref: llama.cpp d32676d7 tools/mtmd/models/siglip.cpp (gemma3 branch: ggml_pool_2d AVG, rms_norm,
//      mul_mat(transpose(mm_input_proj_w))), mtmd.cpp (img_beg/img_end, non-causal image chunks),
//      ggml-cpu ops.cpp ggml_compute_forward_pool_2d.
#include "engine/media/image_resize.h"
#include "engine/models/projector/projector.h"
#include "engine/models/vision/siglip.h"
#include "engine/ops/ops.h"

namespace tessera {
namespace {

class Gemma3Projector final : public Projector {
public:
    Status bind(WeightLoader& wl) override {
        const vision::ClipHParams& h = hparams_;
        k_ = h.scale_factor > 0 ? h.scale_factor : 4;
        const int64_t grid = h.image_size / h.patch_size;
        if (grid % k_ != 0)
            return make_error(ErrorCode::format_error, path() + ": pooling factor " + std::to_string(k_) +
                                                           " does not divide the patch grid " + std::to_string(grid));
        vision::SiglipOptions opt;
        opt.act = h.use_gelu ? vision::VitAct::gelu : vision::VitAct::gelu_quick;
        TS_RETURN_IF_ERROR(encoder_.bind(wl, h, opt));
        soft_emb_norm_ = wl.require_f32("mm.soft_emb_norm.weight", h.n_embd);
        const Tensor* proj = file_->find_tensor("mm.input_projection.weight");
        n_embd_out_ = proj ? proj->ne[0] : 0;
        const Tensor p = wl.require("mm.input_projection.weight", {n_embd_out_, h.n_embd});
        if (p.valid()) input_proj_ = projector_util::transposed_f32(p, &input_proj_storage_);
        return wl.status();
    }

    Result<PreprocessedImage> preprocess(const ImageU8& img) const override {
        const int S = static_cast<int>(hparams_.image_size);
        PreprocessedImage out;
        out.entries.push_back(projector_util::to_encoder_input(
            image::resize_letterbox(img, S, S, image::Interp::bilinear, {0, 0, 0}), hparams_));
        return out;
    }

    int64_t n_tokens(const EncoderInput&) const override {
        const int64_t g = hparams_.image_size / hparams_.patch_size / k_;
        return g * g;
    }

    bool non_causal() const override { return true; }

    std::vector<MediaPiece> prompt_layout(const PreprocessedImage&) const override {
        using K = MediaPiece::Kind;
        return {{K::text, "<start_of_image>", -1}, {K::media, "", 0}, {K::text, "<end_of_image>", -1}};
    }

    Status encode(const EncoderInput& in, vision::VisionContext& ctx, std::vector<float>* out) const override {
        std::vector<float> x;  // (g·g, C)
        TS_RETURN_IF_ERROR(encoder_.encode(in.chw.data(), in.width, in.height, ctx, &x));
        const int64_t C = hparams_.n_embd, g = in.width / hparams_.patch_size, go = g / k_;
        std::vector<float> pooled(static_cast<size_t>(go * go * C));  // (go·go, C), raster over the pooled grid
        const float area = static_cast<float>(k_ * k_);
        for (int64_t oy = 0; oy < go; ++oy)
            for (int64_t ox = 0; ox < go; ++ox)
                for (int64_t c = 0; c < C; ++c) {
                    float sum = 0.0f;  // ggml pool_2d AVG: f32 sum over ky then kx, then / (k·k)
                    for (int64_t ky = 0; ky < k_; ++ky)
                        for (int64_t kx = 0; kx < k_; ++kx) sum += x[((oy * k_ + ky) * g + ox * k_ + kx) * C + c];
                    pooled[(oy * go + ox) * C + c] = sum / area;
                }
        ops::rms_norm(pooled.data(), soft_emb_norm_, go * go, C, hparams_.eps, pooled.data());
        out->resize(static_cast<size_t>(go * go * n_embd_out_));
        vision::linear(input_proj_, nullptr, pooled.data(), go * go, out->data(), ctx.pool);
        return Status::ok();
    }

private:
    vision::SiglipEncoder encoder_;
    int64_t k_ = 4;
    const float* soft_emb_norm_ = nullptr;    // (n_embd)
    std::vector<float> input_proj_storage_;   // (n_embd_out, n_embd) = stored matrix transposed
    Tensor input_proj_;                       // ne [n_embd, n_embd_out]
};

}  // namespace

std::unique_ptr<Projector> make_gemma3_projector() { return std::make_unique<Gemma3Projector>(); }

}  // namespace tessera
