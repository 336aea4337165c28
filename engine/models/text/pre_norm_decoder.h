#pragma once
// The block structure Llama, Qwen2, Qwen3 and Qwen3-MoE share:
//   x += attn(rmsnorm(x));  x += ffn(rmsnorm(x))
// with grouped-query attention (optional q/k/v biases, optional per-head q/k RMSNorm) and either a
// SwiGLU FFN or a routed mixture of SwiGLU experts. The architecture files (llama.cpp, qwen2.cpp,
// qwen3.cpp, qwen3moe.cpp, qwen2vl.cpp) choose the RoPE layout and which optional tensors are required.
#include <vector>

#include "engine/models/text/arch_registry.h"
#include "engine/models/text/blocks.h"

namespace tessera {

struct PreNormDecoderOptions {
    ops::RopeMode rope_mode = ops::RopeMode::norm;
    bool require_qkv_bias = false;   // qwen2
    bool require_qk_norm = false;    // qwen3, qwen3moe
    bool moe = false;                // qwen3moe: every layer is a mixture of experts
    bool use_rope_freq_factors = false;  // llama3: rope_freqs.weight
    bool mrope = false;              // qwen2vl: multi-section RoPE over (t, y, x, z) positions
};

class PreNormDecoder : public TextModel {
public:
    explicit PreNormDecoder(PreNormDecoderOptions options) : options_(options) {}

    Status bind(WeightLoader& wl);
    std::vector<KvLayerShape> kv_shapes() const override;
    using TextModel::forward;
    Status forward(ForwardContext& ctx, const DecoderBatch& batch, LogitsMode mode, float* logits) const override;

private:
    struct Layer {
        const float* attn_norm = nullptr;  // (n_embd)
        blocks::AttentionWeights attn;
        const float* ffn_norm = nullptr;   // (n_embd)
        blocks::FfnWeights ffn;            // dense layers
        blocks::MoeWeights moe;            // expert layers
    };

    PreNormDecoderOptions options_;
    blocks::AttentionConfig attn_cfg_;
    Tensor token_embd_;  // ne [n_embd, n_vocab]
    const float* output_norm_ = nullptr;
    Tensor output_;      // ne [n_embd, n_vocab] (token_embd when tied)
    std::vector<Layer> layers_;
};

template <PreNormDecoderOptions kOptions>
class PreNormDecoderOf final : public PreNormDecoder {
public:
    PreNormDecoderOf() : PreNormDecoder(kOptions) {}
};

}  // namespace tessera
