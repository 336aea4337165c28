#include "engine/models/vision/qwen25vl_vit.h"

#include <algorithm>
#include <cstring>

#include "engine/ops/ops.h"

namespace tessera::vision {
namespace {

constexpr int kMerge = 2;            // 2x2 patches per merged token
constexpr int kAttnWindowPx = 112;   // llama.cpp ignores clip.vision.window_size here and uses 112

}  // namespace

Status Qwen25VisionEncoder::bind(WeightLoader& wl, const ClipHParams& h) {
    h_ = h;
    const int64_t d = h.n_embd, p = h.patch_size;
    const Tensor k0 = wl.require("v.patch_embd.weight", {p, p, 3, d});
    const Tensor k1 = wl.require("v.patch_embd.weight.1", {p, p, 3, d});
    if (k0.valid()) patch_w0_ = conv_kernel_as_matrix(k0);
    if (k1.valid()) patch_w1_ = conv_kernel_as_matrix(k1);
    patch_b_ = wl.optional_f32("v.patch_embd.bias", d);
    layers_.clear();
    for (int il = 0; il < h.n_layer; ++il) layers_.push_back(load_vit_layer(wl, il, h, /*layer_norm=*/false, /*gated=*/true));
    post_ln_w_ = wl.optional_f32("v.post_ln.weight", d);
    post_ln_b_ = wl.optional_f32("v.post_ln.bias", d);
    if (d % (4 * h.n_head) != 0 && wl.ok())
        return make_error(ErrorCode::format_error, "qwen2.5-VL vision head size " + std::to_string(d / h.n_head) +
                                                       " must be a multiple of 4 (2-D rotary sections)");
    return wl.status();
}

std::vector<int32_t> Qwen25VisionEncoder::window_order(int pw, int ph, int gw) {
    std::vector<int32_t> order;
    order.reserve(static_cast<size_t>(pw) * ph);
    for (int y = 0; y < ph; y += gw)
        for (int x = 0; x < pw; x += gw)
            for (int dy = 0; dy < std::min(gw, ph - y); ++dy)
                for (int dx = 0; dx < std::min(gw, pw - x); ++dx) order.push_back((y + dy) * pw + (x + dx));
    return order;
}

Status Qwen25VisionEncoder::encode(const float* chw, int width, int height, VisionContext& ctx,
                                   std::vector<float>* out) const {
    const int p = static_cast<int>(h_.patch_size);
    if (width <= 0 || height <= 0 || width % (kMerge * p) != 0 || height % (kMerge * p) != 0)
        return make_error(ErrorCode::invalid_argument, "qwen2.5-VL encoder input " + std::to_string(width) + "x" +
                                                           std::to_string(height) + " is not a multiple of " +
                                                           std::to_string(kMerge * p) + " pixels");
    const int64_t d = h_.n_embd, ff = h_.n_ff, n_head = h_.n_head, d_head = d / n_head;
    const int npx = width / p, npy = height / p, pw = npx / kMerge, ph = npy / kMerge;
    const int64_t n = static_cast<int64_t>(npx) * npy;
    const int64_t kdim = 3LL * p * p;

    // Two patch kernels over the same frame, summed: (n, n_embd) in raster patch order.
    std::vector<float> patches(static_cast<size_t>(n * kdim));
    patchify_f16(chw, width, height, p, patches.data());
    std::vector<float> e0(static_cast<size_t>(n * d)), e1(e0.size());
    linear(patch_w0_, patch_b_, patches.data(), n, e0.data(), ctx.pool);
    linear(patch_w1_, nullptr, patches.data(), n, e1.data(), ctx.pool);
    ops::add(e0.data(), e1.data(), n * d, e0.data());

    // Regroup to merged-block order, then to window order (blocks of one window contiguous). Position
    // (y, x) of every token goes along: sections t <- y, y <- x (the vision rope uses two sections).
    const int gw = std::max(1, kAttnWindowPx / p / kMerge);
    const bool use_windows = h_.n_wa_pattern > 0;
    std::vector<int32_t> block_order(static_cast<size_t>(pw) * ph);
    if (use_windows) block_order = window_order(pw, ph, gw);
    else for (size_t i = 0; i < block_order.size(); ++i) block_order[i] = static_cast<int32_t>(i);

    std::vector<float> x(static_cast<size_t>(n * d));  // (n, n_embd) residual stream, window order
    std::vector<int32_t> pos(static_cast<size_t>(4 * n));
    for (int64_t k = 0; k < pw * ph; ++k) {
        const int blk = block_order[k], by = blk / pw, bx = blk % pw;
        for (int dy = 0; dy < kMerge; ++dy)
            for (int dx = 0; dx < kMerge; ++dx) {
                const int64_t t = k * 4 + dy * kMerge + dx;
                const int y = by * kMerge + dy, xx = bx * kMerge + dx;
                std::memcpy(x.data() + t * d, e0.data() + (static_cast<int64_t>(y) * npx + xx) * d,
                            static_cast<size_t>(d) * sizeof(float));
                pos[t] = y;
                pos[n + t] = xx;
                pos[2 * n + t] = y;
                pos[3 * n + t] = xx;
            }
    }
    std::vector<std::pair<int64_t, int64_t>> windows;  // token ranges of the windows
    if (use_windows) {
        int64_t start = 0;
        for (int y = 0; y < ph; y += gw)
            for (int xw = 0; xw < pw; xw += gw) {
                const int64_t len = 4LL * std::min(gw, ph - y) * std::min(gw, pw - xw);
                windows.emplace_back(start, start + len);
                start += len;
            }
    }

    ops::RopeParams rope;
    rope.n_rot = static_cast<int>(d_head / 2);
    rope.freq_base = 10000.0f;
    const int sections[4] = {static_cast<int>(d_head / 4), static_cast<int>(d_head / 4), static_cast<int>(d_head / 4),
                             static_cast<int>(d_head / 4)};

    std::vector<float> hbuf(static_cast<size_t>(n * d)), q(hbuf.size()), k(hbuf.size()), v(hbuf.size()),
        attn(hbuf.size()), o(hbuf.size()), up(static_cast<size_t>(n * ff)), gate(up.size());
    for (int64_t il = 0; il < static_cast<int64_t>(layers_.size()); ++il) {
        if (ctx.cancelled()) return make_error(ErrorCode::cancelled, "image encoding cancelled");
        const VitLayer& L = layers_[il];
        const bool full = !use_windows || (il + 1) % h_.n_wa_pattern == 0;
        vit_norm(VitNorm::rms_norm, x.data(), L.ln1_w, L.ln1_b, n, d, h_.eps, hbuf.data());
        linear(L.wq, L.bq, hbuf.data(), n, q.data(), ctx.pool);
        linear(L.wk, L.bk, hbuf.data(), n, k.data(), ctx.pool);
        linear(L.wv, L.bv, hbuf.data(), n, v.data(), ctx.pool);
        ops::rope_multi(q.data(), n, n_head, d, d_head, pos.data(), sections, ops::RopeMultiMode::vision, rope);
        ops::rope_multi(k.data(), n, n_head, d, d_head, pos.data(), sections, ops::RopeMultiMode::vision, rope);
        vit_attention(L, n_head, q.data(), k.data(), v.data(), n, d, full ? nullptr : &windows, ctx, attn.data(),
                      o.data());
        ops::add(x.data(), o.data(), n * d, x.data());
        vit_norm(VitNorm::rms_norm, x.data(), L.ln2_w, L.ln2_b, n, d, h_.eps, hbuf.data());
        vit_ffn(L, VitAct::silu, hbuf.data(), n, d, ctx, up.data(), gate.data(), o.data());
        ops::add(x.data(), o.data(), n * d, x.data());
    }
    if (post_ln_w_) vit_norm(VitNorm::rms_norm, x.data(), post_ln_w_, post_ln_b_, n, d, h_.eps, x.data());

    // Back to raster block order (llama.cpp applies window_idx after the merger; rows of a block move
    // together, so undoing it here is the same).
    out->resize(static_cast<size_t>(n * d));
    for (int64_t kb = 0; kb < pw * ph; ++kb)
        std::memcpy(out->data() + static_cast<int64_t>(block_order[kb]) * 4 * d, x.data() + kb * 4 * d,
                    static_cast<size_t>(4 * d) * sizeof(float));
    return Status::ok();
}

}  // namespace tessera::vision
