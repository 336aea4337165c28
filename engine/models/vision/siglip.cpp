#include "engine/models/vision/siglip.h"

#include <algorithm>
#include <cstring>

#include "engine/ops/ops.h"

namespace tessera::vision {

Status SiglipEncoder::bind(WeightLoader& wl, const ClipHParams& h, SiglipOptions options) {
    h_ = h;
    opt_ = options;
    const int64_t d = h.n_embd, p = h.patch_size;
    const int64_t n_patches = (h.image_size / p) * (h.image_size / p);
    const Tensor kernel = wl.require("v.patch_embd.weight", {p, p, 3, d});
    if (kernel.valid()) patch_w_ = conv_kernel_as_matrix(kernel);
    patch_b_ = wl.optional_f32("v.patch_embd.bias", d);
    class_embd_ = wl.optional_f32("v.class_embd", d);
    const int64_t n_pos = n_patches + (class_embd_ ? 1 : 0);
    const Tensor pos = wl.require("v.position_embd.weight", {d, n_pos});
    if (pos.valid()) {  // F16 in converted models: dequantized once here
        pos_embd_.resize(static_cast<size_t>(pos.n_elements()));
        ops::dequantize(pos, pos_embd_.data());
    }
    pre_ln_w_ = wl.optional_f32("v.pre_ln.weight", d);
    if (pre_ln_w_) pre_ln_b_ = wl.require_f32("v.pre_ln.bias", d);
    post_ln_w_ = wl.optional_f32("v.post_ln.weight", d);
    if (post_ln_w_) post_ln_b_ = wl.require_f32("v.post_ln.bias", d);
    n_run_ = options.n_layers < 0 ? h.n_layer : std::min<int64_t>(options.n_layers, h.n_layer);
    layers_.clear();
    for (int il = 0; il < n_run_; ++il) layers_.push_back(load_vit_layer(wl, il, h, /*layer_norm=*/true, /*gated=*/false));
    if (patch_w_.valid() && patch_w_.type != DType::F32 && patch_w_.type != DType::F16)
        return make_error(ErrorCode::unsupported, "tensor 'v.patch_embd.weight': type " +
                                                      std::string(dtype_name(patch_w_.type)) + " is not supported (F32 or F16)");
    return wl.status();
}

int64_t SiglipEncoder::n_seq(int width, int height) const {
    return (width / h_.patch_size) * (height / h_.patch_size) + (class_embd_ ? 1 : 0);
}

Status SiglipEncoder::encode(const float* chw, int width, int height, VisionContext& ctx, std::vector<float>* out) const {
    if (width != h_.image_size || height != h_.image_size)
        return make_error(ErrorCode::invalid_argument, "vision encoder input is " + std::to_string(width) + "x" +
                                                           std::to_string(height) + ", this encoder takes " +
                                                           std::to_string(h_.image_size) + "x" +
                                                           std::to_string(h_.image_size));
    const int64_t d = h_.n_embd, p = h_.patch_size, ff = h_.n_ff;
    const int64_t n_patches = (width / p) * (height / p);
    const int64_t n = n_seq(width, height);

    // Patch embedding: (n_patches, 3·p·p) fp16-rounded patches · kernel -> (n_patches, n_embd)
    std::vector<float> patches(static_cast<size_t>(n_patches * 3 * p * p));
    patchify_f16(chw, width, height, static_cast<int>(p), patches.data());
    std::vector<float> x(static_cast<size_t>(n * d));  // (n, n_embd) residual stream
    linear(patch_w_, patch_b_, patches.data(), n_patches, x.data(), ctx.pool);
    if (class_embd_) {  // class token after the patches (llama.cpp llava graph: ggml_concat(inp, class))
        std::memcpy(x.data() + n_patches * d, class_embd_, static_cast<size_t>(d) * sizeof(float));
    }
    ops::add(x.data(), pos_embd_.data(), n * d, x.data());
    if (pre_ln_w_) ops::layer_norm(x.data(), pre_ln_w_, pre_ln_b_, n, d, h_.eps, x.data());

    std::vector<float> hbuf(static_cast<size_t>(n * d)), q(hbuf.size()), k(hbuf.size()), v(hbuf.size()),
        attn(hbuf.size()), o(hbuf.size()), up(static_cast<size_t>(n * ff));
    for (const VitLayer& L : layers_) {
        if (ctx.cancelled()) return make_error(ErrorCode::cancelled, "image encoding cancelled");
        ops::layer_norm(x.data(), L.ln1_w, L.ln1_b, n, d, h_.eps, hbuf.data());
        linear(L.wq, L.bq, hbuf.data(), n, q.data(), ctx.pool);
        linear(L.wk, L.bk, hbuf.data(), n, k.data(), ctx.pool);
        linear(L.wv, L.bv, hbuf.data(), n, v.data(), ctx.pool);
        vit_attention(L, h_.n_head, q.data(), k.data(), v.data(), n, d, nullptr, ctx, attn.data(), o.data());
        ops::add(x.data(), o.data(), n * d, x.data());
        ops::layer_norm(x.data(), L.ln2_w, L.ln2_b, n, d, h_.eps, hbuf.data());
        vit_ffn(L, opt_.act, hbuf.data(), n, d, ctx, up.data(), nullptr, o.data());
        ops::add(x.data(), o.data(), n * d, x.data());
    }
    if (post_ln_w_) ops::layer_norm(x.data(), post_ln_w_, post_ln_b_, n, d, h_.eps, x.data());
    *out = std::move(x);
    return Status::ok();
}

}  // namespace tessera::vision
