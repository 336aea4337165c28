// Gemma 3 text decoder (GGUF arch "gemma3").
//   x = embd · sqrt(n_embd)
//   x += post_attention_norm(attn(attn_norm(x)))      q/k per-head RMSNorm, RoPE NEOX
//   x += post_ffw_norm(down(gelu_tanh(gate·h) * up·h)), h = ffn_norm(x)
// Local layers (il % pattern < pattern - 1) see a sliding window and use rope.freq_base_swa; global
// layers see everything with rope.freq_base. Norm weights are stored as the multipliers applied
// (the converter folds Gemma's 1 + w). Output tied to token_embd.
// ref: llama.cpp src/models/gemma3.cpp, fixtures/README.md "gemma3"
#include <cmath>

#include "engine/models/text/arch_registry.h"
#include "engine/models/text/blocks.h"

namespace tessera {
namespace {

struct Gemma3Layer {
    const float* attn_norm = nullptr;       // (n_embd)
    blocks::AttentionWeights attn;
    const float* post_attn_norm = nullptr;  // (n_embd)
    const float* ffn_norm = nullptr;        // (n_embd)
    blocks::FfnWeights ffn;
    const float* post_ffw_norm = nullptr;   // (n_embd)
    bool sliding = false;
};

class Gemma3Model final : public TextModel {
public:
    Status bind(WeightLoader& wl) {
        const TextHParams& h = hparams_;
        const GgufFile& f = *file_;
        const int64_t window = f.get_int_or("gemma3.attention.sliding_window", 4096);
        const int64_t pattern = f.get_int_or("gemma3.attention.sliding_window_pattern", 6);
        const float base_swa = static_cast<float>(f.get_float_or("gemma3.rope.freq_base_swa", 10000.0));
        if (pattern <= 0 || window <= 0)
            return make_error(ErrorCode::format_error, f.path() + ": gemma3 sliding window " + std::to_string(window) +
                                                           " / pattern " + std::to_string(pattern) + " must be positive");
        // llama.cpp: 27B scales queries by n_embd / n_head, the others by the head size.
        const float scale = h.n_layer == 62 ? 1.0f / std::sqrt(static_cast<float>(h.n_embd / h.n_head))
                                            : 1.0f / std::sqrt(static_cast<float>(h.head_dim_k));
        global_cfg_ = {h.n_embd, h.n_head, h.n_head_kv, h.head_dim_k, h.head_dim_v, h.rope, scale, 0, h.norm_eps};
        global_cfg_.rope.mode = ops::RopeMode::neox;
        local_cfg_ = global_cfg_;
        local_cfg_.sliding_window = window;
        local_cfg_.rope.freq_base = base_swa;
        local_cfg_.rope.freq_scale = 1.0f;  // linear scaling applies to global layers only

        token_embd_ = wl.require("token_embd.weight", {h.n_embd, h.n_vocab});
        output_norm_ = wl.require_f32("output_norm.weight", h.n_embd);
        output_ = wl.optional("output.weight", {h.n_embd, h.n_vocab});
        if (!output_.valid()) output_ = token_embd_;
        layers_.resize(static_cast<size_t>(h.n_layer));
        for (int il = 0; il < h.n_layer; ++il) {
            auto name = [&](const char* s) { return WeightLoader::layer_name(il, s); };
            Gemma3Layer& L = layers_[il];
            L.sliding = il % pattern < pattern - 1;
            L.attn_norm = wl.require_f32(name("attn_norm.weight"), h.n_embd);
            L.attn = blocks::load_attention(wl, il, global_cfg_);
            wl.require_f32(name("attn_q_norm.weight"), h.head_dim_k);
            wl.require_f32(name("attn_k_norm.weight"), h.head_dim_k);
            L.post_attn_norm = wl.require_f32(name("post_attention_norm.weight"), h.n_embd);
            L.ffn_norm = wl.require_f32(name("ffn_norm.weight"), h.n_embd);
            L.ffn = blocks::load_ffn(wl, "blk." + std::to_string(il) + ".", h.n_embd, h.n_ff);
            L.post_ffw_norm = wl.require_f32(name("post_ffw_norm.weight"), h.n_embd);
        }
        return wl.status();
    }

    std::vector<KvLayerShape> kv_shapes() const override {
        const TextHParams& h = hparams_;
        return std::vector<KvLayerShape>(static_cast<size_t>(h.n_layer),
                                         {h.n_head_kv * h.head_dim_k, h.n_head_kv * h.head_dim_v});
    }

    using TextModel::forward;
    Status forward(ForwardContext& ctx, const DecoderBatch& batch, LogitsMode mode, float* logits) const override {
        const int64_t n = batch.n_tokens;
        const int64_t n_embd = hparams_.n_embd;
        const float eps = hparams_.norm_eps;
        float* x = ctx.scratch.get(blocks::kArchSlots + 0, static_cast<size_t>(n * n_embd));    // (n, n_embd)
        float* h = ctx.scratch.get(blocks::kArchSlots + 1, static_cast<size_t>(n * n_embd));    // (n, n_embd)
        float* out = ctx.scratch.get(blocks::kArchSlots + 2, static_cast<size_t>(n * n_embd));  // (n, n_embd)
        const blocks::BatchPositions bp = blocks::resolve_positions(batch, false);

        blocks::input_embeddings(batch, token_embd_, n_embd, x);
        // Only token embeddings are scaled; projected image embeddings go in as they are (llama.cpp).
        if (batch.tokens) ops::scale(x, std::sqrt(static_cast<float>(n_embd)), n * n_embd, x);
        for (int64_t il = 0; il < hparams_.n_layer; ++il) {
            if (ctx.cancelled()) return make_error(ErrorCode::cancelled, "generation cancelled");
            const Gemma3Layer& L = layers_[il];
            ops::rms_norm(x, L.attn_norm, n, n_embd, eps, h);
            blocks::attention_forward(L.attn, L.sliding ? local_cfg_ : global_cfg_, h, bp, ctx.kv.k(il),
                                      ctx.kv.v(il), ctx, out);
            ops::rms_norm(out, L.post_attn_norm, n, n_embd, eps, out);
            ops::add(x, out, n * n_embd, x);
            ops::rms_norm(x, L.ffn_norm, n, n_embd, eps, h);
            blocks::ffn_forward(L.ffn, blocks::FfnActivation::gelu_tanh, h, n, ctx, out);
            ops::rms_norm(out, L.post_ffw_norm, n, n_embd, eps, out);
            ops::add(x, out, n * n_embd, x);
        }
        blocks::output_logits(output_, output_norm_, eps, x, n, n_embd, mode, ctx, logits);
        return Status::ok();
    }

private:
    blocks::AttentionConfig global_cfg_, local_cfg_;
    Tensor token_embd_;  // ne [n_embd, n_vocab]
    const float* output_norm_ = nullptr;
    Tensor output_;
    std::vector<Gemma3Layer> layers_;
};

}  // namespace

Result<std::unique_ptr<TextModel>> load_gemma3(std::unique_ptr<GgufFile> file) {
    TS_ASSIGN_OR_RETURN(TextHParams h, blocks::read_common_hparams(*file, "gemma3"));
    return build_text_model<Gemma3Model>(std::move(file), std::move(h));
}

}  // namespace tessera
