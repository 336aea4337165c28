// Idefics3 / SmolVLM projector (clip.projector_type "idefics3"): SigLIP encoder with post-LN, then
// pixel shuffle by s (each s x s block of patches becomes one token of s²·C features:
// out[h', w', (j·s + k)·C + c] = x[h'·s + j, w'·s + k, c]) and a bias-free linear mm.model.fc.
// Images are cut into image_size tiles of a bicubic letterbox scaled so its longest side is
// preproc_image_size (rounded up to whole tiles), followed by a bilinear overview of the whole image;
// tiles are marked <fake_token_around_image><row_R_col_C>, the overview
// "\n\n"<fake_token_around_image><global-img> ... <fake_token_around_image>.
// ref: llama.cpp d32676d7 tools/mtmd/models/siglip.cpp (idefics3 branch), clip.cpp
//      build_patch_merge_permute, clip_image_preprocess (PROJECTOR_TYPE_IDEFICS3),
//      mtmd.cpp (MTMD_SLICE_TMPL_IDEFICS3); HF transformers modeling_idefics3.py pixel_shuffle.
#include <cmath>

#include "engine/media/image_resize.h"
#include "engine/models/projector/projector.h"
#include "engine/models/vision/siglip.h"

namespace tessera {
namespace {

class Idefics3Projector final : public Projector {
public:
    Status bind(WeightLoader& wl) override {
        const vision::ClipHParams& h = hparams_;
        s_ = h.scale_factor > 0 ? h.scale_factor : 1;
        const int64_t grid = h.image_size / h.patch_size;
        if (s_ <= 0 || grid % s_ != 0)
            return make_error(ErrorCode::format_error, path() + ": clip.vision.projector.scale_factor " + std::to_string(s_) +
                                                           " does not divide the patch grid " + std::to_string(grid));
        vision::SiglipOptions opt;
        opt.act = h.use_gelu ? vision::VitAct::gelu : vision::VitAct::gelu_quick;
        TS_RETURN_IF_ERROR(encoder_.bind(wl, h, opt));
        const Tensor* fc = file_->find_tensor("mm.model.fc.weight");
        n_embd_out_ = fc ? fc->ne[1] : 0;
        fc_ = wl.require("mm.model.fc.weight", {h.n_embd * s_ * s_, n_embd_out_});
        return wl.status();
    }

    Result<PreprocessedImage> preprocess(const ImageU8& img) const override {
        const int S = static_cast<int>(hparams_.image_size);
        const int L = static_cast<int>(hparams_.preproc_image_size > 0 ? hparams_.preproc_image_size : S);
        // ref: clip.cpp image_manipulation::calc_size_preserved_ratio(size, align, longest_edge)
        const float scale = std::min(static_cast<float>(L) / static_cast<float>(img.width),
                                     static_cast<float>(L) / static_cast<float>(img.height));
        auto align = [S](int v) { return (v + S - 1) / S * S; };
        const int rw = std::max(S, align(static_cast<int>(static_cast<float>(img.width) * scale)));
        const int rh = std::max(S, align(static_cast<int>(static_cast<float>(img.height) * scale)));
        PreprocessedImage out;
        out.tile_cols = rw / S;
        out.tile_rows = rh / S;
        const ImageU8 refined = image::resize_letterbox(img, rw, rh, image::Interp::bicubic, {0, 0, 0});
        for (int y = 0; y < rh; y += S)
            for (int x = 0; x < rw; x += S)
                out.entries.push_back(projector_util::to_encoder_input(image::crop(refined, x, y, S, S), hparams_));
        out.entries.push_back(
            projector_util::to_encoder_input(image::resize(img, S, S, image::Interp::bilinear), hparams_));
        return out;
    }

    int64_t n_tokens(const EncoderInput& in) const override {
        const int64_t g = hparams_.image_size / hparams_.patch_size / s_;
        return g * g;
    }

    std::vector<MediaPiece> prompt_layout(const PreprocessedImage& pre) const override {
        using K = MediaPiece::Kind;
        std::vector<MediaPiece> v;
        for (int r = 0; r < pre.tile_rows; ++r) {
            for (int c = 0; c < pre.tile_cols; ++c) {
                v.push_back({K::text, "<fake_token_around_image><row_" + std::to_string(r + 1) + "_col_" +
                                          std::to_string(c + 1) + ">", -1});
                v.push_back({K::media, "", r * pre.tile_cols + c});
            }
            if (r != pre.tile_rows - 1) v.push_back({K::token_piece, "\n", -1});
        }
        v.push_back({K::token_piece, "\n\n", -1});
        v.push_back({K::token_piece, "<fake_token_around_image>", -1});
        v.push_back({K::token_piece, "<global-img>", -1});
        v.push_back({K::media, "", pre.tile_rows * pre.tile_cols});
        v.push_back({K::token_piece, "<fake_token_around_image>", -1});
        return v;
    }

    Status encode(const EncoderInput& in, vision::VisionContext& ctx, std::vector<float>* out) const override {
        std::vector<float> x;  // (g·g, C)
        TS_RETURN_IF_ERROR(encoder_.encode(in.chw.data(), in.width, in.height, ctx, &x));
        const int64_t C = hparams_.n_embd, g = in.width / hparams_.patch_size, go = g / s_;
        std::vector<float> shuffled(static_cast<size_t>(go * go * s_ * s_ * C));  // (go·go, s²·C)
        for (int64_t hy = 0; hy < go; ++hy)
            for (int64_t wx = 0; wx < go; ++wx) {
                float* dst = shuffled.data() + (hy * go + wx) * s_ * s_ * C;
                for (int64_t j = 0; j < s_; ++j)
                    for (int64_t k = 0; k < s_; ++k) {
                        const float* src = x.data() + ((hy * s_ + j) * g + wx * s_ + k) * C;
                        std::copy(src, src + C, dst + (j * s_ + k) * C);
                    }
            }
        out->resize(static_cast<size_t>(go * go * n_embd_out_));
        vision::linear(fc_, nullptr, shuffled.data(), go * go, out->data(), ctx.pool);
        return Status::ok();
    }

private:
    vision::SiglipEncoder encoder_;
    int64_t s_ = 1;
    Tensor fc_;  // ne [s²·n_embd, n_embd_out]
};

}  // namespace

std::unique_ptr<Projector> make_idefics3_projector() { return std::make_unique<Idefics3Projector>(); }

}  // namespace tessera
