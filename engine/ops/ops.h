#pragma once
// The operations models are built from. Each op validates once and dispatches to
// kernels/ref (scalar ground truth) or kernels/cpu/<isa> by active_isa(); CUDA comes with its own
// backend. All activations are f32, row-major; shapes are given as (rows, cols) with cols contiguous.
#include <cstdint>

#include "engine/core/tensor.h"
#include "engine/core/thread_pool.h"

namespace tessera::ops {

// ---- matrices (ops/matmul.cpp) ----

// y (n_tokens, n_out) = x (n_tokens, n_in) · Wᵀ, W = w with ne = [n_in, n_out] of any supported type.
// Activations are quantized on the fly to the weight type's dot-product partner (Q8_0, Q8_1, Q8_K)
// exactly as ggml does, so quantized models match llama.cpp closely.
void matmul(const Tensor& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool);

// out (n_ids, ne0) = rows `ids` of w (ne = [ne0, n_rows]), dequantized to f32.
void get_rows(const Tensor& w, const int32_t* ids, int64_t n_ids, float* out);

// Dequantize a whole tensor (n_elements) to f32.
void dequantize(const Tensor& w, float* out);

// ---- normalisation (ops/norm.cpp) ----

// y = x / sqrt(mean(x²) + eps) * weight, per row of n; weight may be null (no scale). In place ok.
void rms_norm(const float* x, const float* weight, int64_t n_rows, int64_t n, float eps, float* y);
// y = (x - mean) / sqrt(var + eps) * weight + bias, per row; weight/bias may be null. In place ok.
void layer_norm(const float* x, const float* weight, const float* bias, int64_t n_rows, int64_t n, float eps,
                float* y);

// ---- positions (ops/rope.cpp) ----

enum class RopeMode { norm, neox };  // norm: rotate pairs (2i, 2i+1); neox: rotate (i, i + n_rot/2)

struct RopeParams {
    int n_rot = 0;             // rotated dims at the start of each head
    RopeMode mode = RopeMode::norm;
    float freq_base = 10000.0f;
    float freq_scale = 1.0f;   // 1 / linear scaling factor
    // YaRN (ref: ggml rope_yarn): ext_factor 0 disables it.
    float ext_factor = 0.0f;
    float attn_factor = 1.0f;
    float beta_fast = 32.0f;
    float beta_slow = 1.0f;
    int n_ctx_orig = 0;
    const float* freq_factors = nullptr;  // (n_rot/2) per-frequency divisors (llama3 rope_freqs), or null
};

// Rotates, in place, the first n_rot values of each head. Head h of token t starts at
// x + t*token_stride + h*head_stride (strides in floats), so q/k may be views inside wider rows.
void rope(float* x, int64_t n_tokens, int64_t n_heads, int64_t token_stride, int64_t head_stride,
          const int32_t* positions, const RopeParams& p);

// Multi-section RoPE (ggml_rope_multi). positions: (4, n_tokens) section-major (t, y, x, z).
// Rotary pair i takes the position of its section: with S = s0+s1+s2+s3 and k = i % S, t for k < s0,
// y for k < s0+s1, x for k < s0+s1+s2, else z. Angles as rope(), theta_i = pos · freq_base^(-2i/n_rot).
//   mrope  (GGML_ROPE_TYPE_MROPE, Qwen2-VL decoders): the first n_rot values rotate in NEOX pairs
//          (i, i + n_rot/2).
//   vision (GGML_ROPE_TYPE_VISION, Qwen2-VL ViT): 2·n_rot values rotate in pairs (i, i + n_rot), and
//          each section restarts the frequency ladder (theta_i uses i minus the section's first pair).
// ref: ggml-cpu ops.cpp ggml_mrope_cache_init, ggml_compute_forward_rope_flt, rotate_pairs.
enum class RopeMultiMode { mrope, vision };
void rope_multi(float* x, int64_t n_tokens, int64_t n_heads, int64_t token_stride, int64_t head_stride,
                const int32_t* positions, const int sections[4], RopeMultiMode mode, const RopeParams& p);

// ---- attention (ops/attention.cpp) ----

struct AttentionParams {
    int64_t n_head = 0;
    int64_t n_head_kv = 0;     // GQA: query head h uses kv head h / (n_head / n_head_kv)
    int64_t head_dim_k = 0;
    int64_t head_dim_v = 0;
    float scale = 1.0f;        // applied to q·k
    bool causal = true;        // key position <= query position
    // Causal only: queries whose position lies in [bidir_begin, bidir_end) also see the keys up to
    // bidir_end (exclusive), i.e. that block attends to itself both ways (gemma3 image tokens).
    int64_t bidir_begin = 0;
    int64_t bidir_end = 0;
    int64_t sliding_window = 0;  // > 0: also require q_pos - k_pos < sliding_window
    float softcap = 0.0f;      // > 0: logits = softcap * tanh(logits / softcap)
};

// out (n_tokens, n_head*head_dim_v) = softmax(scale · q kᵀ + mask) v.
// q: query t head h at q + t*q_token_stride + h*head_dim_k.
// k: (n_kv, n_head_kv, head_dim_k) contiguous; v: (n_kv, n_head_kv, head_dim_v) contiguous.
// Key/value row j has position j; query t has position q_pos[t].
void attention(const float* q, int64_t q_token_stride, const float* k, const float* v,
               const int32_t* q_pos, int64_t n_tokens, int64_t n_kv, const AttentionParams& p, float* out,
               ThreadPool& pool);

// ---- element-wise (ops/elementwise.cpp) ----

void softmax(float* x, int64_t n_rows, int64_t n);  // in place, per row
void silu(const float* x, int64_t n, float* y);
void gelu_tanh(const float* x, int64_t n, float* y);  // ggml's gelu (tanh approximation)
void gelu_erf(const float* x, int64_t n, float* y);
void gelu_quick(const float* x, int64_t n, float* y);  // x * sigmoid(1.702 x)
// out = silu(gate) * up
void swiglu(const float* gate, const float* up, int64_t n, float* out);
// out = gelu_tanh(gate) * up
void geglu(const float* gate, const float* up, int64_t n, float* out);
void add(const float* a, const float* b, int64_t n, float* out);
void mul(const float* a, const float* b, int64_t n, float* out);
void scale(const float* x, float s, int64_t n, float* out);
// Broadcast a row: out[r][i] = x[r][i] + b[i] for n_rows rows of n.
void add_row(const float* x, const float* b, int64_t n_rows, int64_t n, float* out);

// Indices of the k largest values of x (n), largest first, lowest index first on ties.
void top_k(const float* x, int64_t n, int64_t k, int32_t* idx);
int32_t argmax(const float* x, int64_t n);

}  // namespace tessera::ops
