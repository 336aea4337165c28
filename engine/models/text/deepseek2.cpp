// DeepSeek-V2/V3 family (GGUF arch "deepseek2"): multi-head latent attention (MLA) and DeepSeek MoE.
//
// MLA as llama.cpp evaluates it (absorbed form): per position the cache holds the normalised latent
// c (kv_lora) and one shared rotary key k_pe (n_rot); the key row is [c | k_pe], the value row is c.
// A query head becomes [K_b[h]·q_nope | q_pe], so attention is plain MQA over rows of width
// kv_lora + n_rot with scale 1/sqrt(qk_nope + qk_rope); each head's output o_h (kv_lora) is then
// lifted by V_b[h] to value_length_mla before attn_output.
// MoE: s = sigmoid (or softmax) of router·h; the top-k of s + exp_probs_b are selected, weighted by s
// (normalised if expert_weights_norm, times expert_weights_scale), plus always-on shared experts.
// The first leading_dense_block_count layers use a dense SwiGLU FFN.
// ref: llama.cpp src/models/deepseek2.cpp; DeepSeek-V2 paper (arXiv:2405.04434) section 2.1
#include <cmath>
#include <cstring>

#include "engine/models/text/arch_registry.h"
#include "engine/models/text/blocks.h"

namespace tessera {
namespace {

struct Deepseek2Layer {
    const float* attn_norm = nullptr;    // (n_embd)
    Tensor q_a;                          // ne [n_embd, q_lora]          (q_lora > 0)
    const float* q_a_norm = nullptr;     // (q_lora)
    Tensor q_b;                          // ne [q_lora, n_head * qk_head]
    Tensor q;                            // ne [n_embd, n_head * qk_head] (q_lora == 0)
    Tensor kv_a_mqa;                     // ne [n_embd, kv_lora + n_rot]
    const float* kv_a_norm = nullptr;    // (kv_lora)
    Tensor k_b;                          // ne [qk_nope, kv_lora, n_head]
    Tensor v_b;                          // ne [kv_lora, v_head, n_head]
    Tensor wo;                           // ne [n_head * v_head, n_embd]
    const float* ffn_norm = nullptr;     // (n_embd)
    bool dense = true;
    blocks::FfnWeights ffn;              // dense layers
    blocks::MoeWeights moe;              // expert layers
    blocks::FfnWeights shared;           // shared experts (expert layers)
};

class Deepseek2Model final : public TextModel {
public:
    Status bind(WeightLoader& wl) {
        const TextHParams& h = hparams_;
        const GgufFile& f = *file_;
        const std::string a = "deepseek2.";
        q_lora_ = f.get_int_or(a + "attention.q_lora_rank", 0);
        TS_ASSIGN_OR_RETURN(kv_lora_, f.get_int(a + "attention.kv_lora_rank"));
        n_rot_ = h.rope.n_rot;
        if (!f.has(a + "attention.key_length_mla") || !f.find_tensor("blk.0.attn_k_b.weight"))
            return make_error(ErrorCode::unsupported,
                              f.path() + ": this deepseek2 file predates the split attn_k_b/attn_v_b layout; re-convert it with a current llama.cpp");
        qk_head_ = f.get_int_or(a + "attention.key_length_mla", 0);
        v_head_ = f.get_int_or(a + "attention.value_length_mla", 0);
        qk_nope_ = qk_head_ - n_rot_;
        if (qk_nope_ <= 0 || v_head_ <= 0 || kv_lora_ <= 0 || h.head_dim_k != kv_lora_ + n_rot_)
            return make_error(ErrorCode::format_error,
                              f.path() + ": inconsistent MLA sizes: key_length " + std::to_string(h.head_dim_k) +
                                  ", kv_lora_rank " + std::to_string(kv_lora_) + ", rope dims " + std::to_string(n_rot_) +
                                  ", key_length_mla " + std::to_string(qk_head_));
        const int64_t n_dense = f.get_int_or(a + "leading_dense_block_count", 0);
        const int64_t n_expert = f.get_int_or(a + "expert_count", 0);
        const int64_t n_used = f.get_int_or(a + "expert_used_count", 0);
        const int64_t n_shared = f.get_int_or(a + "expert_shared_count", 0);
        const int64_t n_ff_exp = f.get_int_or(a + "expert_feed_forward_length", 0);
        const int64_t gating = f.get_int_or(a + "expert_gating_func", 1);  // 1 softmax, 2 sigmoid
        const bool norm_w = f.get_bool_or(a + "expert_weights_norm", false);
        const float scale_w = static_cast<float>(f.get_float_or(a + "expert_weights_scale", 1.0));

        // YaRN-scaled models adjust the softmax scale by mscale² and the rotary amplitude (llama.cpp).
        const float freq_scale = h.rope.freq_scale;
        const float log_mul = static_cast<float>(f.get_float_or(a + "rope.scaling.yarn_log_multiplier", 0.0));
        const float mscale = h.rope.attn_factor * (1.0f + log_mul * std::log(1.0f / freq_scale));
        kq_scale_ = mscale * mscale / std::sqrt(static_cast<float>(qk_head_));
        rope_ = h.rope;
        rope_.mode = ops::RopeMode::norm;
        rope_.attn_factor = 1.0f / (1.0f + 0.1f * std::log(1.0f / freq_scale));

        token_embd_ = wl.require("token_embd.weight", {h.n_embd, h.n_vocab});
        output_norm_ = wl.require_f32("output_norm.weight", h.n_embd);
        output_ = wl.optional("output.weight", {h.n_embd, h.n_vocab});
        if (!output_.valid()) output_ = token_embd_;
        layers_.resize(static_cast<size_t>(h.n_layer));
        for (int il = 0; il < h.n_layer; ++il) {
            auto name = [&](const char* s) { return WeightLoader::layer_name(il, s); };
            Deepseek2Layer& L = layers_[il];
            L.attn_norm = wl.require_f32(name("attn_norm.weight"), h.n_embd);
            if (q_lora_ > 0) {
                L.q_a = wl.require(name("attn_q_a.weight"), {h.n_embd, q_lora_});
                L.q_a_norm = wl.require_f32(name("attn_q_a_norm.weight"), q_lora_);
                L.q_b = wl.require(name("attn_q_b.weight"), {q_lora_, h.n_head * qk_head_});
            } else {
                L.q = wl.require(name("attn_q.weight"), {h.n_embd, h.n_head * qk_head_});
            }
            L.kv_a_mqa = wl.require(name("attn_kv_a_mqa.weight"), {h.n_embd, kv_lora_ + n_rot_});
            L.kv_a_norm = wl.require_f32(name("attn_kv_a_norm.weight"), kv_lora_);
            L.k_b = wl.require(name("attn_k_b.weight"), {qk_nope_, kv_lora_, h.n_head});
            L.v_b = wl.require(name("attn_v_b.weight"), {kv_lora_, v_head_, h.n_head});
            L.wo = wl.require(name("attn_output.weight"), {h.n_head * v_head_, h.n_embd});
            L.ffn_norm = wl.require_f32(name("ffn_norm.weight"), h.n_embd);
            const std::string prefix = "blk." + std::to_string(il) + ".";
            L.dense = il < n_dense;
            if (L.dense) {
                L.ffn = blocks::load_ffn(wl, prefix, h.n_embd, h.n_ff);
            } else {
                L.moe = blocks::load_moe(wl, il, h.n_embd, n_ff_exp, n_expert, n_used);
                L.moe.gating = gating == 2 ? blocks::MoeGating::sigmoid : blocks::MoeGating::softmax;
                L.moe.normalize_weights = norm_w;
                L.moe.weights_scale = scale_w;
                if (n_shared > 0) {
                    L.shared.gate = wl.require(prefix + "ffn_gate_shexp.weight", {h.n_embd, n_ff_exp * n_shared});
                    L.shared.up = wl.require(prefix + "ffn_up_shexp.weight", {h.n_embd, n_ff_exp * n_shared});
                    L.shared.down = wl.require(prefix + "ffn_down_shexp.weight", {n_ff_exp * n_shared, h.n_embd});
                }
            }
        }
        return wl.status();
    }

    std::vector<KvLayerShape> kv_shapes() const override {
        return std::vector<KvLayerShape>(static_cast<size_t>(hparams_.n_layer), {kv_lora_ + n_rot_, kv_lora_});
    }

    using TextModel::forward;
    Status forward(ForwardContext& ctx, const DecoderBatch& batch, LogitsMode mode, float* logits) const override {
        const int64_t n = batch.n_tokens;
        const TextHParams& hp = hparams_;
        const int64_t n_embd = hp.n_embd;
        float* x = ctx.scratch.get(blocks::kArchSlots + 0, static_cast<size_t>(n * n_embd));    // (n, n_embd)
        float* h = ctx.scratch.get(blocks::kArchSlots + 1, static_cast<size_t>(n * n_embd));    // (n, n_embd)
        float* out = ctx.scratch.get(blocks::kArchSlots + 2, static_cast<size_t>(n * n_embd));  // (n, n_embd)
        float* out2 = ctx.scratch.get(blocks::kArchSlots + 3, static_cast<size_t>(n * n_embd)); // (n, n_embd)
        const blocks::BatchPositions bp = blocks::resolve_positions(batch, false);

        blocks::input_embeddings(batch, token_embd_, n_embd, x);
        for (int64_t il = 0; il < hp.n_layer; ++il) {
            if (ctx.cancelled()) return make_error(ErrorCode::cancelled, "generation cancelled");
            const Deepseek2Layer& L = layers_[il];
            ops::rms_norm(x, L.attn_norm, n, n_embd, hp.norm_eps, h);
            attention(L, h, bp, ctx.kv.k(il), ctx.kv.v(il), ctx, out);
            ops::add(x, out, n * n_embd, x);
            ops::rms_norm(x, L.ffn_norm, n, n_embd, hp.norm_eps, h);
            if (L.dense) {
                blocks::ffn_forward(L.ffn, blocks::FfnActivation::silu, h, n, ctx, out);
            } else {
                blocks::moe_forward(L.moe, h, n, n_embd, ctx, out);
                if (L.shared.gate.valid()) {
                    blocks::ffn_forward(L.shared, blocks::FfnActivation::silu, h, n, ctx, out2);
                    ops::add(out, out2, n * n_embd, out);
                }
            }
            ops::add(x, out, n * n_embd, x);
        }
        blocks::output_logits(output_, output_norm_, hp.norm_eps, x, n, n_embd, mode, ctx, logits);
        return Status::ok();
    }

private:
    void attention(const Deepseek2Layer& L, const float* h, const blocks::BatchPositions& bp, float* k_cache,
                   float* v_cache, ForwardContext& ctx, float* out) const {
        const int64_t n = bp.n;
        const int32_t* pos = bp.pos.data();  // RoPE positions
        const int64_t n_head = hparams_.n_head, k_width = kv_lora_ + n_rot_, q_width = n_head * qk_head_;
        const int64_t row0 = bp.row0;
        enum { kQ = blocks::kArchSlots + 4, kQa, kQAbs, kHeadIn, kHeadOut, kAttn, kAttnV };
        float* q = ctx.scratch.get(kQ, static_cast<size_t>(n * q_width));  // (n, n_head, qk_nope + n_rot)
        if (q_lora_ > 0) {
            float* qa = ctx.scratch.get(kQa, static_cast<size_t>(n * q_lora_));  // (n, q_lora)
            ops::matmul(L.q_a, h, n, qa, ctx.pool);
            ops::rms_norm(qa, L.q_a_norm, n, q_lora_, hparams_.norm_eps, qa);
            ops::matmul(L.q_b, qa, n, q, ctx.pool);
        } else {
            ops::matmul(L.q, h, n, q, ctx.pool);
        }
        // Key rows [c | k_pe] go straight into the cache; c is normalised in place, k_pe rotated.
        float* k = k_cache + row0 * k_width;  // (n, kv_lora + n_rot)
        ops::matmul(L.kv_a_mqa, h, n, k, ctx.pool);
        for (int64_t t = 0; t < n; ++t) {
            float* row = k + t * k_width;
            ops::rms_norm(row, L.kv_a_norm, 1, kv_lora_, hparams_.norm_eps, row);
            std::memcpy(v_cache + (row0 + t) * kv_lora_, row, static_cast<size_t>(kv_lora_) * sizeof(float));
        }
        ops::rope(k + kv_lora_, n, 1, k_width, k_width, pos, rope_);
        ops::rope(q + qk_nope_, n, n_head, q_width, qk_head_, pos, rope_);

        // Absorbed queries: (n, n_head, kv_lora + n_rot) = [K_b[h]·q_nope | q_pe]
        float* q_abs = ctx.scratch.get(kQAbs, static_cast<size_t>(n * n_head * k_width));
        float* head_in = ctx.scratch.get(kHeadIn, static_cast<size_t>(n * std::max(qk_nope_, kv_lora_)));
        float* head_out = ctx.scratch.get(kHeadOut, static_cast<size_t>(n * std::max(kv_lora_, v_head_)));
        for (int64_t hd = 0; hd < n_head; ++hd) {
            for (int64_t t = 0; t < n; ++t)
                std::memcpy(head_in + t * qk_nope_, q + t * q_width + hd * qk_head_, qk_nope_ * sizeof(float));
            ops::matmul(L.k_b.expert(hd), head_in, n, head_out, ctx.pool);
            for (int64_t t = 0; t < n; ++t) {
                float* dst = q_abs + (t * n_head + hd) * k_width;
                std::memcpy(dst, head_out + t * kv_lora_, kv_lora_ * sizeof(float));
                std::memcpy(dst + kv_lora_, q + t * q_width + hd * qk_head_ + qk_nope_, n_rot_ * sizeof(float));
            }
        }
        ops::AttentionParams p;
        p.n_head = n_head;
        p.n_head_kv = 1;
        p.head_dim_k = k_width;
        p.head_dim_v = kv_lora_;
        p.scale = kq_scale_;
        if (bp.bidirectional) {
            p.bidir_begin = row0;
            p.bidir_end = row0 + n;
        }
        float* attn = ctx.scratch.get(kAttn, static_cast<size_t>(n * n_head * kv_lora_));  // (n, n_head, kv_lora)
        ops::attention(q_abs, n_head * k_width, k_cache, v_cache, bp.rows.data(), n, row0 + n, p, attn, ctx.pool);

        // Lift each head's latent output: (n, n_head, v_head) = V_b[h]·o_h
        float* attn_v = ctx.scratch.get(kAttnV, static_cast<size_t>(n * n_head * v_head_));
        for (int64_t hd = 0; hd < n_head; ++hd) {
            for (int64_t t = 0; t < n; ++t)
                std::memcpy(head_in + t * kv_lora_, attn + (t * n_head + hd) * kv_lora_, kv_lora_ * sizeof(float));
            ops::matmul(L.v_b.expert(hd), head_in, n, head_out, ctx.pool);
            for (int64_t t = 0; t < n; ++t)
                std::memcpy(attn_v + (t * n_head + hd) * v_head_, head_out + t * v_head_, v_head_ * sizeof(float));
        }
        ops::matmul(L.wo, attn_v, n, out, ctx.pool);
    }

    int64_t q_lora_ = 0, kv_lora_ = 0, n_rot_ = 0, qk_head_ = 0, qk_nope_ = 0, v_head_ = 0;
    float kq_scale_ = 1.0f;
    ops::RopeParams rope_;
    Tensor token_embd_;  // ne [n_embd, n_vocab]
    const float* output_norm_ = nullptr;
    Tensor output_;
    std::vector<Deepseek2Layer> layers_;
};

}  // namespace

Result<std::unique_ptr<TextModel>> load_deepseek2(std::unique_ptr<GgufFile> file) {
    TS_ASSIGN_OR_RETURN(TextHParams h, blocks::read_common_hparams(*file, "deepseek2"));
    return build_text_model<Deepseek2Model>(std::move(file), std::move(h));
}

}  // namespace tessera
