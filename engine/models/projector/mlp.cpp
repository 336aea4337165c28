// LLaVA-1.5 MLP projector (clip.projector_type "mlp"): CLIP ViT with class token and pre-LN over a
// bicubic letterbox padded with (122, 116, 104); runs the layers up to the feature layer (the last
// clip.vision.feature_layer, else block_count - 1), keeps sequence rows 1..n, then
// mm.0 -> GELU -> mm.2.
// Token order follows llama.cpp at this commit, not HF CLIP: the class embedding is appended after the
// patches (position row n), and dropping row 0 drops patch 0 and keeps the class token last.
// ref: llama.cpp d32676d7 tools/mtmd/models/llava.cpp, clip.cpp (PROJECTOR_TYPE_MLP preprocessing);
//      fixtures/README.md "llava (mlp)".
#include <algorithm>

#include "engine/media/image_resize.h"
#include "engine/models/projector/projector.h"
#include "engine/models/vision/siglip.h"
#include "engine/ops/ops.h"

namespace tessera {
namespace {

class MlpProjector final : public Projector {
public:
    Status bind(WeightLoader& wl) override {
        const vision::ClipHParams& h = hparams_;
        vision::SiglipOptions opt;
        opt.act = h.use_gelu ? vision::VitAct::gelu : vision::VitAct::gelu_quick;
        opt.class_token_last = true;
        if (!h.feature_layers.empty()) {
            opt.n_layers = *std::max_element(h.feature_layers.begin(), h.feature_layers.end());
            if (opt.n_layers <= 0 || opt.n_layers > h.n_layer)
                return make_error(ErrorCode::format_error, path() + ": clip.vision.feature_layer " +
                                                               std::to_string(opt.n_layers) + " is outside 1.." +
                                                               std::to_string(h.n_layer));
        } else {
            opt.n_layers = std::max<int64_t>(1, h.n_layer - 1);
        }
        TS_RETURN_IF_ERROR(encoder_.bind(wl, h, opt));
        const Tensor* m0 = file_->find_tensor("mm.0.weight");
        const Tensor* m2 = file_->find_tensor("mm.2.weight");
        const int64_t hidden = m0 ? m0->ne[1] : 0;
        n_embd_out_ = m2 ? m2->ne[1] : 0;
        mm0_ = wl.require("mm.0.weight", {h.n_embd, hidden});
        mm0_b_ = wl.require_f32("mm.0.bias", hidden);
        mm2_ = wl.require("mm.2.weight", {hidden, n_embd_out_});
        mm2_b_ = wl.require_f32("mm.2.bias", n_embd_out_);
        return wl.status();
    }

    Result<PreprocessedImage> preprocess(const ImageU8& img) const override {
        const int S = static_cast<int>(hparams_.image_size);
        PreprocessedImage out;
        out.entries.push_back(projector_util::to_encoder_input(
            image::resize_letterbox(img, S, S, image::Interp::bicubic, {122, 116, 104}), hparams_));
        return out;
    }

    int64_t n_tokens(const EncoderInput& in) const override {
        return encoder_.n_seq(in.width, in.height) - 1;  // n_patches + class token - row 0
    }

    Status encode(const EncoderInput& in, vision::VisionContext& ctx, std::vector<float>* out) const override {
        std::vector<float> x;  // (n_patches + 1, C): patches, class token last
        TS_RETURN_IF_ERROR(encoder_.encode(in.chw.data(), in.width, in.height, ctx, &x));
        const int64_t C = hparams_.n_embd;
        const int64_t n = static_cast<int64_t>(x.size()) / C - 1;  // rows 1..n
        const int64_t hidden = mm0_.ne[1];
        std::vector<float> h(static_cast<size_t>(n * hidden));
        vision::linear(mm0_, mm0_b_, x.data() + C, n, h.data(), ctx.pool);
        ops::gelu_tanh(h.data(), n * hidden, h.data());
        out->resize(static_cast<size_t>(n * n_embd_out_));
        vision::linear(mm2_, mm2_b_, h.data(), n, out->data(), ctx.pool);
        return Status::ok();
    }

private:
    vision::SiglipEncoder encoder_;
    Tensor mm0_;  // ne [n_embd, hidden]
    const float* mm0_b_ = nullptr;
    Tensor mm2_;  // ne [hidden, n_embd_out]
    const float* mm2_b_ = nullptr;
};

}  // namespace

std::unique_ptr<Projector> make_mlp_projector() { return std::make_unique<MlpProjector>(); }

}  // namespace tessera
