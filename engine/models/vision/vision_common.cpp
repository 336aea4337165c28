#include "engine/models/vision/vision_common.h"

#include <cmath>

#include "engine/core/fp16.h"
#include "engine/ops/ops.h"

namespace tessera::vision {

Result<ClipHParams> read_clip_hparams(const GgufFile& f) {
    auto bad = [&](const std::string& what) { return make_error(ErrorCode::format_error, f.path() + ": " + what); };
    const std::string arch = f.get_string_or("general.architecture", "");
    if (arch != "clip")
        return bad("general.architecture is '" + arch + "', expected 'clip' (is this an mmproj file?)");
    if (!f.get_bool_or("clip.has_vision_encoder", true))
        return make_error(ErrorCode::unsupported, f.path() + ": this mmproj has no vision encoder");
    ClipHParams h;
    h.projector_type = f.get_string_or("clip.vision.projector_type", f.get_string_or("clip.projector_type", ""));
    if (h.projector_type.empty()) return bad("missing clip.projector_type");
    TS_ASSIGN_OR_RETURN(h.image_size, f.get_int("clip.vision.image_size"));
    TS_ASSIGN_OR_RETURN(h.patch_size, f.get_int("clip.vision.patch_size"));
    TS_ASSIGN_OR_RETURN(h.n_embd, f.get_int("clip.vision.embedding_length"));
    TS_ASSIGN_OR_RETURN(h.n_ff, f.get_int("clip.vision.feed_forward_length"));
    TS_ASSIGN_OR_RETURN(h.n_layer, f.get_int("clip.vision.block_count"));
    TS_ASSIGN_OR_RETURN(h.n_head, f.get_int("clip.vision.attention.head_count"));
    h.projection_dim = f.get_int_or("clip.vision.projection_dim", 0);
    h.eps = static_cast<float>(f.get_float_or("clip.vision.attention.layer_norm_epsilon", 1e-6));
    h.use_gelu = f.get_bool_or("clip.use_gelu", false);
    h.use_silu = f.get_bool_or("clip.use_silu", false);
    h.scale_factor = f.get_int_or("clip.vision.projector.scale_factor", 0);
    h.preproc_image_size = f.get_int_or("clip.vision.preproc_image_size", 0);
    h.n_wa_pattern = f.get_int_or("clip.vision.n_wa_pattern", 0);
    h.image_min_pixels = f.get_int_or("clip.vision.image_min_pixels", 0);
    h.image_max_pixels = f.get_int_or("clip.vision.image_max_pixels", 0);
    for (const char* key : {"clip.vision.image_mean", "clip.vision.image_std"}) {
        if (!f.has(key)) continue;
        TS_ASSIGN_OR_RETURN(std::vector<float> v, f.get_float_array(key));
        if (v.size() != 3) return bad(std::string(key) + " must have 3 values, found " + std::to_string(v.size()));
        float* dst = std::string(key).ends_with("mean") ? h.image_mean : h.image_std;
        for (int c = 0; c < 3; ++c) dst[c] = v[c];
    }
    for (float s : h.image_std)
        if (!(s > 0.0f)) return bad("clip.vision.image_std must be positive");
    if (f.has("clip.vision.feature_layer")) {
        TS_ASSIGN_OR_RETURN(h.feature_layers, f.get_int_array("clip.vision.feature_layer"));
    }
    auto range = [&](const char* key, int64_t v, int64_t lo, int64_t hi) -> Status {
        if (v < lo || v > hi)
            return bad(std::string(key) + " = " + std::to_string(v) + " is out of range (" + std::to_string(lo) + ".." +
                       std::to_string(hi) + ")");
        return Status::ok();
    };
    TS_RETURN_IF_ERROR(range("clip.vision.image_size", h.image_size, 1, 16384));
    TS_RETURN_IF_ERROR(range("clip.vision.patch_size", h.patch_size, 1, 1024));
    TS_RETURN_IF_ERROR(range("clip.vision.embedding_length", h.n_embd, 1, 1 << 16));
    TS_RETURN_IF_ERROR(range("clip.vision.feed_forward_length", h.n_ff, 1, 1 << 18));
    TS_RETURN_IF_ERROR(range("clip.vision.block_count", h.n_layer, 1, 1024));
    TS_RETURN_IF_ERROR(range("clip.vision.attention.head_count", h.n_head, 1, 1024));
    if (h.n_embd % h.n_head != 0)
        return bad("clip.vision.embedding_length " + std::to_string(h.n_embd) + " is not a multiple of head_count " +
                   std::to_string(h.n_head));
    return h;
}

void patchify_f16(const float* chw, int width, int height, int patch, float* out) {
    const int npx = width / patch, npy = height / patch;
    const size_t plane = static_cast<size_t>(width) * height;
    const int64_t k = 3LL * patch * patch;
    for (int py = 0; py < npy; ++py)
        for (int px = 0; px < npx; ++px) {
            float* row = out + (static_cast<int64_t>(py) * npx + px) * k;  // (3, p, p)
            for (int c = 0; c < 3; ++c)
                for (int ky = 0; ky < patch; ++ky) {
                    const float* src = chw + c * plane + static_cast<size_t>(py * patch + ky) * width + px * patch;
                    float* dst = row + (c * patch + ky) * patch;
                    for (int kx = 0; kx < patch; ++kx) dst[kx] = fp16_to_fp32(fp32_to_fp16(src[kx]));
                }
        }
}

Tensor conv_kernel_as_matrix(const Tensor& kernel) {
    Tensor t = kernel;
    t.n_dims = 2;
    t.ne[0] = kernel.ne[0] * kernel.ne[1] * kernel.ne[2];
    t.ne[1] = kernel.ne[3];
    t.ne[2] = t.ne[3] = 1;
    return t;
}

VitLayer load_vit_layer(WeightLoader& wl, int il, const ClipHParams& h, bool layer_norm, bool gated) {
    const std::string p = "v.blk." + std::to_string(il) + ".";
    const int64_t d = h.n_embd, ff = h.n_ff;
    VitLayer L;
    L.ln1_w = wl.require_f32(p + "ln1.weight", d);
    L.ln1_b = layer_norm ? wl.require_f32(p + "ln1.bias", d) : wl.optional_f32(p + "ln1.bias", d);
    L.wq = wl.require(p + "attn_q.weight", {d, d});
    L.wk = wl.require(p + "attn_k.weight", {d, d});
    L.wv = wl.require(p + "attn_v.weight", {d, d});
    L.wo = wl.require(p + "attn_out.weight", {d, d});
    L.bq = wl.optional_f32(p + "attn_q.bias", d);
    L.bk = wl.optional_f32(p + "attn_k.bias", d);
    L.bv = wl.optional_f32(p + "attn_v.bias", d);
    L.bo = wl.optional_f32(p + "attn_out.bias", d);
    L.ln2_w = wl.require_f32(p + "ln2.weight", d);
    L.ln2_b = layer_norm ? wl.require_f32(p + "ln2.bias", d) : wl.optional_f32(p + "ln2.bias", d);
    L.up = wl.require(p + "ffn_up.weight", {d, ff});
    L.b_up = wl.optional_f32(p + "ffn_up.bias", ff);
    if (gated) {
        L.gate = wl.require(p + "ffn_gate.weight", {d, ff});
        L.b_gate = wl.optional_f32(p + "ffn_gate.bias", ff);
    }
    L.down = wl.require(p + "ffn_down.weight", {ff, d});
    L.b_down = wl.optional_f32(p + "ffn_down.bias", d);
    return L;
}

void vit_norm(VitNorm norm, const float* x, const float* w, const float* b, int64_t n, int64_t n_embd, float eps,
              float* y) {
    if (norm == VitNorm::layer_norm) {
        ops::layer_norm(x, w, b, n, n_embd, eps, y);
    } else {
        ops::rms_norm(x, w, n, n_embd, eps, y);
        if (b) ops::add_row(y, b, n, n_embd, y);
    }
}

void linear(const Tensor& w, const float* b, const float* x, int64_t n, float* y, ThreadPool& pool) {
    ops::matmul(w, x, n, y, pool);
    if (b) ops::add_row(y, b, n, w.ne[1], y);
}

// ref: clip.cpp build_attn without flash attention: kq = k·q, soft_max_ext(kq, mask, 1/sqrt(d_head)),
// kqv = v·kq; masked (window) keys have weight exactly 0, so each window is an independent attention.
// (Two matmuls per head, as the peer writes it, measured 20% slower here than the attention op.)
void vit_attention(const VitLayer& L, int64_t n_head, const float* q, const float* k, const float* v, int64_t n,
                   int64_t n_embd, const std::vector<std::pair<int64_t, int64_t>>* windows, VisionContext& ctx,
                   float* attn, float* out) {
    const int64_t d_head = n_embd / n_head;
    ops::AttentionParams p;
    p.n_head = n_head;
    p.n_head_kv = n_head;
    p.head_dim_k = d_head;
    p.head_dim_v = d_head;
    p.scale = 1.0f / std::sqrt(static_cast<float>(d_head));
    p.causal = false;
    std::vector<int32_t> pos(static_cast<size_t>(n), 0);  // unused without a causal mask
    if (!windows) {
        ops::attention(q, n_embd, k, v, pos.data(), n, n, p, attn, ctx.pool);
    } else {
        for (const auto& [s, e] : *windows)
            ops::attention(q + s * n_embd, n_embd, k + s * n_embd, v + s * n_embd, pos.data(), e - s, e - s, p,
                           attn + s * n_embd, ctx.pool);
    }
    linear(L.wo, L.bo, attn, n, out, ctx.pool);
}

void vit_ffn(const VitLayer& L, VitAct act, const float* x, int64_t n, int64_t n_embd, VisionContext& ctx, float* up,
             float* gate, float* out) {
    const int64_t n_ff = L.up.ne[1];
    linear(L.up, L.b_up, x, n, up, ctx.pool);
    if (L.gate.valid()) {
        linear(L.gate, L.b_gate, x, n, gate, ctx.pool);
        // ref: clip.cpp build_ffn with a gate: act(gate) * up (ggml_swiglu_split / ggml_geglu_split)
        if (act == VitAct::silu) {
            ops::swiglu(gate, up, n * n_ff, up);
        } else if (act == VitAct::gelu) {
            ops::geglu(gate, up, n * n_ff, up);
        } else {
            ops::gelu_quick(gate, n * n_ff, gate);
            ops::mul(gate, up, n * n_ff, up);
        }
    } else if (act == VitAct::gelu) {
        ops::gelu_tanh(up, n * n_ff, up);
    } else if (act == VitAct::gelu_quick) {
        ops::gelu_quick(up, n * n_ff, up);
    } else {
        ops::silu(up, n * n_ff, up);
    }
    linear(L.down, L.b_down, up, n, out, ctx.pool);
}

}  // namespace tessera::vision
