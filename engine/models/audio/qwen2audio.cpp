// Qwen2AudioEncoder: qwen2a mmproj loading and the pooled, projected Whisper encoder (see qwen2audio.h).
#include "engine/models/audio/qwen2audio.h"

#include <cstring>

#include "engine/core/fp16.h"
#include "engine/ops/ops.h"
#include "engine/runtime/weight_loader.h"

namespace tessera {

Qwen2AudioEncoder::~Qwen2AudioEncoder() = default;

Result<std::shared_ptr<const Qwen2AudioEncoder>> Qwen2AudioEncoder::load(const std::string& path) {
    auto file = GgufFile::open(path);
    if (!file.is_ok()) return file.status();
    std::shared_ptr<Qwen2AudioEncoder> m(new Qwen2AudioEncoder());
    m->file_ = std::move(file).value();
    const GgufFile& f = *m->file_;
    auto fail = [&](const std::string& what) { return make_error(ErrorCode::format_error, "audio projector '" + path + "': " + what); };

    const std::string type = f.get_string_or("clip.projector_type", f.get_string_or("clip.audio.projector_type", ""));
    if (!f.get_bool_or("clip.has_audio_encoder", false)) return fail("no audio encoder (clip.has_audio_encoder is not set)");
    if (type != "qwen2a")
        return make_error(ErrorCode::unsupported, "audio projector '" + path + "': projector type '" + type + "' is not supported (qwen2a is)");
    TS_RETURN_IF_ERROR(f.check_types());

    WhisperEncoderWeights& e = m->enc_;
    TS_ASSIGN_OR_RETURN(e.n_state, f.get_int("clip.audio.embedding_length"));
    TS_ASSIGN_OR_RETURN(e.n_head, f.get_int("clip.audio.attention.head_count"));
    TS_ASSIGN_OR_RETURN(int64_t n_layer, f.get_int("clip.audio.block_count"));
    TS_ASSIGN_OR_RETURN(int64_t n_ff, f.get_int("clip.audio.feed_forward_length"));
    e.n_mels = f.get_int_or("clip.audio.num_mel_bins", 80);
    e.eps = static_cast<float>(f.get_float_or("clip.audio.attention.layer_norm_epsilon", 1e-5));
    e.gelu = WhisperGelu::erf;
    if (e.n_state <= 0 || e.n_head <= 0 || e.n_state % e.n_head || n_layer <= 0 || n_ff <= 0 || e.n_mels <= 0)
        return fail("inconsistent clip.audio.* hyperparameters");
    const int64_t ns = e.n_state;

    WeightLoader w(f);
    auto bias = [&](const std::string& name) -> const float* {  // stored [1, n]
        const Tensor t = w.require(name, {1, ns});
        return t.valid() && t.type == DType::F32 ? static_cast<const float*>(t.data) : nullptr;
    };
    auto conv = [&](const std::string& name, int64_t in) -> Tensor {
        const Tensor t = w.require(name, {3, in, ns});
        Tensor k;
        if (!t.valid()) return k;
        const int64_t n = 3 * in * ns;
        std::vector<uint16_t> h(static_cast<size_t>(n));
        if (t.type == DType::F16) std::memcpy(h.data(), t.data, static_cast<size_t>(n) * 2);
        else if (t.type == DType::F32)
            for (int64_t i = 0; i < n; ++i) h[static_cast<size_t>(i)] = fp32_to_fp16(static_cast<const float*>(t.data)[i]);
        else return k;
        m->conv_f16_.push_back(std::move(h));
        k.name = name;
        k.type = DType::F16;
        k.n_dims = 2;
        k.ne[0] = 3 * in;
        k.ne[1] = ns;
        k.data = m->conv_f16_.back().data();
        k.nbytes = static_cast<size_t>(n) * 2;
        return k;
    };
    e.conv1_w = conv("a.conv1d.1.weight", e.n_mels);
    e.conv1_b = bias("a.conv1d.1.bias");
    e.conv2_w = conv("a.conv1d.2.weight", ns);
    e.conv2_b = bias("a.conv1d.2.bias");
    const Tensor* pos = f.find_tensor("a.position_embd.weight");
    if (!pos) return fail("tensor 'a.position_embd.weight' is missing");
    if (pos->ne[0] != ns || pos->type != DType::F32) return fail("tensor 'a.position_embd.weight' must be F32 [" + std::to_string(ns) + ", n_pos]");
    e.n_ctx = std::min<int64_t>(pos->ne[1], 1500);  // llama.cpp uses the first n_frames / 2 rows
    e.pos = static_cast<const float*>(pos->data);
    e.layers.resize(static_cast<size_t>(n_layer));
    for (int64_t i = 0; i < n_layer; ++i) {
        const std::string p = "a.blk." + std::to_string(i) + ".";
        WhisperEncoderLayer& L = e.layers[static_cast<size_t>(i)];
        L.attn_ln = {w.require_f32(p + "ln1.weight", ns), w.require_f32(p + "ln1.bias", ns)};
        L.attn.q_w = w.require(p + "attn_q.weight", {ns, ns});
        L.attn.q_b = w.require_f32(p + "attn_q.bias", ns);
        L.attn.k_w = w.require(p + "attn_k.weight", {ns, ns});
        L.attn.v_w = w.require(p + "attn_v.weight", {ns, ns});
        L.attn.v_b = w.require_f32(p + "attn_v.bias", ns);
        L.attn.out_w = w.require(p + "attn_out.weight", {ns, ns});
        L.attn.out_b = w.require_f32(p + "attn_out.bias", ns);
        L.mlp_ln = {w.require_f32(p + "ln2.weight", ns), w.require_f32(p + "ln2.bias", ns)};
        L.mlp.fc_w = w.require(p + "ffn_up.weight", {ns, n_ff});
        L.mlp.fc_b = w.require_f32(p + "ffn_up.bias", n_ff);
        L.mlp.proj_w = w.require(p + "ffn_down.weight", {n_ff, ns});
        L.mlp.proj_b = w.require_f32(p + "ffn_down.bias", ns);
    }
    m->post_ln_ = {w.require_f32("a.post_ln.weight", ns), w.require_f32("a.post_ln.bias", ns)};
    const Tensor* fc = f.find_tensor("mm.a.fc.weight");
    if (!fc) return fail("tensor 'mm.a.fc.weight' is missing");
    m->fc_w_ = w.require("mm.a.fc.weight", {ns, fc->ne[1]});
    m->fc_b_ = w.require_f32("mm.a.fc.bias", fc->ne[1]);
    TS_RETURN_IF_ERROR(w.status());
    if (!e.conv1_w.valid() || !e.conv2_w.valid()) return fail("conv kernels must be F32 or F16");
    if (!e.conv1_b || !e.conv2_b) return fail("conv biases must be F32 [1, " + std::to_string(ns) + "]");
    return std::shared_ptr<const Qwen2AudioEncoder>(std::move(m));
}

Status Qwen2AudioEncoder::encode(const float* mel, std::vector<float>* out, ThreadPool& pool, const std::atomic<bool>* cancel) const {
    const int64_t ns = enc_.n_state, n_ctx = enc_.n_ctx, n_tok = n_tokens(), n_out = n_embd_out();
    std::vector<float> x(static_cast<size_t>(n_ctx * ns));  // (n_ctx, ns)
    WhisperEncoderScratch scratch;
    // clip runs the attention in f32 (no fp16 cast of K/V, flash attention off in the reference).
    TS_RETURN_IF_ERROR(whisper_encoder_forward(enc_, mel, x.data(), /*f16_attention=*/false, pool, scratch, cancel));
    // AvgPool1d(kernel 2, stride 2) over time: (n_ctx, ns) -> (n_ctx / 2, ns)
    std::vector<float> pooled(static_cast<size_t>(n_tok * ns));
    for (int64_t t = 0; t < n_tok; ++t)
        for (int64_t c = 0; c < ns; ++c)
            pooled[static_cast<size_t>(t * ns + c)] = (x[static_cast<size_t>(2 * t * ns + c)] + x[static_cast<size_t>((2 * t + 1) * ns + c)]) * 0.5f;
    ops::layer_norm(pooled.data(), post_ln_.w, post_ln_.b, n_tok, ns, enc_.eps, pooled.data());
    out->resize(static_cast<size_t>(n_tok * n_out));
    ops::matmul(fc_w_, pooled.data(), n_tok, out->data(), pool);
    ops::add_row(out->data(), fc_b_, n_tok, n_out, out->data());
    return Status::ok();
}

}  // namespace tessera
