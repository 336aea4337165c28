#pragma once
// Building blocks shared by the decoder architectures: grouped-query self-attention with an f32 KV
// cache, gated feed-forward networks and routed mixtures of experts. Each architecture file owns its
// weight structs and forward loop and composes these.
#include <cstdint>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/ops/ops.h"
#include "engine/runtime/text_model.h"
#include "engine/runtime/weight_loader.h"

namespace tessera::blocks {

// Scratch slots used by the blocks (architectures use slots from kArchSlots on).
enum Slot : int {
    kSlotQ = 0, kSlotAttnOut, kSlotGate, kSlotUp, kSlotRouter, kSlotMoeX, kSlotMoeGate, kSlotMoeUp, kSlotMoeOut,
    kSlotTmp, kArchSlots = 16
};

struct AttentionWeights {
    Tensor wq;  // ne [n_embd, n_head * head_dim_k]
    Tensor wk;  // ne [n_embd, n_head_kv * head_dim_k]
    Tensor wv;  // ne [n_embd, n_head_kv * head_dim_v]
    Tensor wo;  // ne [n_head * head_dim_v, n_embd]
    const float* bq = nullptr;  // (n_head * head_dim_k) or null
    const float* bk = nullptr;
    const float* bv = nullptr;
    const float* bo = nullptr;  // (n_embd) or null
    const float* q_norm = nullptr;  // (head_dim_k) per-head RMSNorm weight, or null
    const float* k_norm = nullptr;
};

struct AttentionConfig {
    int64_t n_embd = 0;
    int64_t n_head = 0;
    int64_t n_head_kv = 0;
    int64_t head_dim_k = 0;
    int64_t head_dim_v = 0;
    ops::RopeParams rope;
    float scale = 1.0f;
    int64_t sliding_window = 0;
    float norm_eps = 1e-6f;  // for q/k norms
    bool mrope = false;      // rotate with ops::rope_multi (mode mrope) over the batch's M-RoPE positions
    int mrope_sections[4] = {0, 0, 0, 0};
};

// The positions of one forward batch, resolved once per forward: RoPE positions, the cache rows
// (which the causal mask compares) and, for M-RoPE models, the (4, n) section positions.
struct BatchPositions {
    int64_t n = 0;
    int64_t row0 = 0;
    bool bidirectional = false;
    std::vector<int32_t> pos;    // (n) RoPE positions
    std::vector<int32_t> rows;   // (n) cache rows row0 + i
    std::vector<int32_t> mrope;  // (4, n) t, y, x, z; empty unless requested
};

// With `mrope`, missing M-RoPE positions are derived from pos (t = y = x = pos, z = 0).
BatchPositions resolve_positions(const DecoderBatch& batch, bool mrope);

// x (n_tokens, n_embd) = token_embd rows of the batch's ids, or a copy of its embeddings.
void input_embeddings(const DecoderBatch& batch, const Tensor& token_embd, int64_t n_embd, float* x);

// Binds attn_q/k/v/output (+ optional biases and q/k norms) of layer `il`.
AttentionWeights load_attention(WeightLoader& wl, int il, const AttentionConfig& cfg);

// out (n_tokens, n_embd) = self-attention over x (n_tokens, n_embd) of the batch described by `bp`.
// Keys/values of the new tokens are written into cache rows bp.row0.. ; the mask compares rows.
void attention_forward(const AttentionWeights& w, const AttentionConfig& cfg, const float* x,
                       const BatchPositions& bp, float* k_cache, float* v_cache, ForwardContext& ctx, float* out);

struct FfnWeights {
    Tensor gate;  // ne [n_embd, n_ff]
    Tensor up;    // ne [n_embd, n_ff]
    Tensor down;  // ne [n_ff, n_embd]
};

enum class FfnActivation { silu, gelu_tanh };

FfnWeights load_ffn(WeightLoader& wl, const std::string& prefix, int64_t n_embd, int64_t n_ff);

// out (n_tokens, n_embd) = down(act(gate·x) * up·x)
void ffn_forward(const FfnWeights& w, FfnActivation act, const float* x, int64_t n_tokens, ForwardContext& ctx,
                 float* out);

enum class MoeGating { softmax, sigmoid };

struct MoeWeights {
    Tensor router;     // ne [n_embd, n_expert] (ffn_gate_inp)
    Tensor gate_exps;  // ne [n_embd, n_ff_exp, n_expert]
    Tensor up_exps;    // ne [n_embd, n_ff_exp, n_expert]
    Tensor down_exps;  // ne [n_ff_exp, n_embd, n_expert]
    const float* selection_bias = nullptr;  // (n_expert) exp_probs_b: added for selection only
    int64_t n_expert = 0;
    int64_t n_used = 0;
    MoeGating gating = MoeGating::softmax;
    bool normalize_weights = true;
    float weights_scale = 1.0f;
};

MoeWeights load_moe(WeightLoader& wl, int il, int64_t n_embd, int64_t n_ff_exp, int64_t n_expert, int64_t n_used);

// out (n_tokens, n_embd) = Σ_selected w_e · down_e(silu(gate_e·x) * up_e·x)
void moe_forward(const MoeWeights& w, const float* x, int64_t n_tokens, int64_t n_embd, ForwardContext& ctx,
                 float* out);

// Final norm + output projection for the rows the caller wants.
void output_logits(const Tensor& output, const float* norm_w, float eps, const float* x, int64_t n_tokens,
                   int64_t n_embd, LogitsMode mode, ForwardContext& ctx, float* logits);

// Reads the hyperparameters every decoder shares from `<arch>.*` keys.
Result<TextHParams> read_common_hparams(const GgufFile& file, const std::string& arch);

}  // namespace tessera::blocks
