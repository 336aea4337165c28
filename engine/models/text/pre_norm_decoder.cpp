#include "engine/models/text/pre_norm_decoder.h"

#include <cmath>

namespace tessera {

Status PreNormDecoder::bind(WeightLoader& wl) {
    const TextHParams& h = hparams_;
    const std::string& arch = h.arch;
    attn_cfg_ = {h.n_embd, h.n_head, h.n_head_kv, h.head_dim_k, h.head_dim_v, h.rope,
                 1.0f / std::sqrt(static_cast<float>(h.head_dim_k)), 0, h.norm_eps};
    attn_cfg_.rope.mode = options_.rope_mode;
    if (options_.mrope) {
        if (!h.uses_mrope())
            return make_error(ErrorCode::format_error, file_->path() + ": '" + arch + "' needs " + arch +
                                                           ".rope.dimension_sections (M-RoPE)");
        attn_cfg_.mrope = true;
        for (int i = 0; i < 4; ++i) attn_cfg_.mrope_sections[i] = h.rope_sections[i];
    }
    if (options_.use_rope_freq_factors)
        attn_cfg_.rope.freq_factors = wl.optional_f32("rope_freqs.weight", h.rope.n_rot / 2);
    token_embd_ = wl.require("token_embd.weight", {h.n_embd, h.n_vocab});
    output_norm_ = wl.require_f32("output_norm.weight", h.n_embd);
    output_ = wl.optional("output.weight", {h.n_embd, h.n_vocab});
    if (!output_.valid()) output_ = token_embd_;  // tied embeddings

    int64_t n_expert = 0, n_used = 0, n_ff_exp = 0;
    if (options_.moe) {
        TS_ASSIGN_OR_RETURN(n_expert, file_->get_int(arch + ".expert_count"));
        TS_ASSIGN_OR_RETURN(n_used, file_->get_int(arch + ".expert_used_count"));
        TS_ASSIGN_OR_RETURN(n_ff_exp, file_->get_int(arch + ".expert_feed_forward_length"));
        if (n_expert <= 0 || n_used <= 0 || n_used > n_expert)
            return make_error(ErrorCode::format_error, file_->path() + ": expert_used_count " + std::to_string(n_used) +
                                                           " must be in 1.." + std::to_string(n_expert));
    } else if (file_->find_tensor("blk.0.ffn_gate_inp.weight")) {
        return make_error(ErrorCode::unsupported,
                          file_->path() + ": '" + arch + "' mixture-of-experts layers (Mixtral-style) are not supported yet");
    }

    layers_.resize(static_cast<size_t>(h.n_layer));
    for (int il = 0; il < h.n_layer; ++il) {
        Layer& L = layers_[il];
        L.attn_norm = wl.require_f32(WeightLoader::layer_name(il, "attn_norm.weight"), h.n_embd);
        L.attn = blocks::load_attention(wl, il, attn_cfg_);
        if (options_.require_qkv_bias) {
            wl.require_f32(WeightLoader::layer_name(il, "attn_q.bias"), h.n_head * h.head_dim_k);
            wl.require_f32(WeightLoader::layer_name(il, "attn_k.bias"), h.n_head_kv * h.head_dim_k);
            wl.require_f32(WeightLoader::layer_name(il, "attn_v.bias"), h.n_head_kv * h.head_dim_v);
        }
        if (options_.require_qk_norm) {
            wl.require_f32(WeightLoader::layer_name(il, "attn_q_norm.weight"), h.head_dim_k);
            wl.require_f32(WeightLoader::layer_name(il, "attn_k_norm.weight"), h.head_dim_k);
        }
        L.ffn_norm = wl.require_f32(WeightLoader::layer_name(il, "ffn_norm.weight"), h.n_embd);
        if (options_.moe) {
            L.moe = blocks::load_moe(wl, il, h.n_embd, n_ff_exp, n_expert, n_used);
            L.moe.gating = blocks::MoeGating::softmax;
            L.moe.normalize_weights = true;
        } else {
            L.ffn = blocks::load_ffn(wl, "blk." + std::to_string(il) + ".", h.n_embd, h.n_ff);
        }
    }
    return wl.status();
}

std::vector<KvLayerShape> PreNormDecoder::kv_shapes() const {
    const TextHParams& h = hparams_;
    return std::vector<KvLayerShape>(static_cast<size_t>(h.n_layer),
                                     {h.n_head_kv * h.head_dim_k, h.n_head_kv * h.head_dim_v});
}

Status PreNormDecoder::forward(ForwardContext& ctx, const DecoderBatch& batch, LogitsMode mode, float* logits) const {
    const int64_t n = batch.n_tokens;
    const int64_t n_embd = hparams_.n_embd;
    float* x = ctx.scratch.get(blocks::kArchSlots + 0, static_cast<size_t>(n * n_embd));    // (n, n_embd)
    float* h = ctx.scratch.get(blocks::kArchSlots + 1, static_cast<size_t>(n * n_embd));    // (n, n_embd)
    float* out = ctx.scratch.get(blocks::kArchSlots + 2, static_cast<size_t>(n * n_embd));  // (n, n_embd)
    const blocks::BatchPositions bp = blocks::resolve_positions(batch, options_.mrope);

    blocks::input_embeddings(batch, token_embd_, n_embd, x);
    for (int64_t il = 0; il < hparams_.n_layer; ++il) {
        if (ctx.cancelled()) return make_error(ErrorCode::cancelled, "generation cancelled");
        const Layer& L = layers_[il];
        ops::rms_norm(x, L.attn_norm, n, n_embd, hparams_.norm_eps, h);
        blocks::attention_forward(L.attn, attn_cfg_, h, bp, ctx.kv.k(il), ctx.kv.v(il), ctx, out);
        ops::add(x, out, n * n_embd, x);
        ops::rms_norm(x, L.ffn_norm, n, n_embd, hparams_.norm_eps, h);
        if (options_.moe) blocks::moe_forward(L.moe, h, n, n_embd, ctx, out);
        else blocks::ffn_forward(L.ffn, blocks::FfnActivation::silu, h, n, ctx, out);
        ops::add(x, out, n * n_embd, x);
    }
    blocks::output_logits(output_, output_norm_, hparams_.norm_eps, x, n, n_embd, mode, ctx, logits);
    return Status::ok();
}

}  // namespace tessera
