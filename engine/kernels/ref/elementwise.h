#pragma once
// Scalar ground truth for the element-wise ops (see engine/ops/ops.h for the contract).
#include <cstdint>

namespace tessera::ref {

// The 65536-entry tables ggml's CPU backend uses for GELU: entry h (an fp16 bit pattern) holds
// fp16_round(gelu(fp16_to_fp32(h))) widened to f32. Built once, thread-safe, never freed.
// ref: ggml-cpu.c ggml_cpu_init (ggml_table_gelu_f16, ggml_table_gelu_quick_f16), vec.h ggml_gelu_f32,
// ggml_gelu_quick_f32.
const float* gelu_tanh_table();   // (65536)
const float* gelu_quick_table();  // (65536)

// In place, per row of n: x = exp(x - max) / Σ. ref: ggml_compute_forward_soft_max_f32 (sum in double).
void softmax(float* x, int64_t n_rows, int64_t n);
// x / (1 + exp(-x)). ref: vec.h ggml_silu_f32.
void silu(const float* x, int64_t n, float* y);
// ref: vec.h ggml_vec_gelu_f32 with GGML_GELU_FP16: x <= -10 → 0, x >= 10 → x, otherwise the table
// value at fp16(x). Within fp16 rounding of 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))).
void gelu_tanh(const float* x, int64_t n, float* y);
// 0.5 x (1 + erf(x / √2)), exact. ref: vec.h ggml_vec_gelu_erf_f32.
void gelu_erf(const float* x, int64_t n, float* y);
// ref: vec.h ggml_vec_gelu_quick_f32 with GGML_GELU_QUICK_FP16: the table value at fp16(x) of
// x · sigmoid(1.702 x) (no clamping).
void gelu_quick(const float* x, int64_t n, float* y);
// silu(gate) * up. ref: vec.h ggml_vec_swiglu_f32.
void swiglu(const float* gate, const float* up, int64_t n, float* out);
// gelu_tanh(gate) * up, gelu as above. ref: vec.h ggml_vec_geglu_f32.
void geglu(const float* gate, const float* up, int64_t n, float* out);
void add(const float* a, const float* b, int64_t n, float* out);
void mul(const float* a, const float* b, int64_t n, float* out);
void scale(const float* x, float s, int64_t n, float* out);
void add_row(const float* x, const float* b, int64_t n_rows, int64_t n, float* out);
// k largest, largest first, lowest index first on ties; NaN ranks below every number.
void top_k(const float* x, int64_t n, int64_t k, int32_t* idx);
// Index of the largest value, lowest index on ties; NaN never wins; 0 when nothing beats -inf.
int32_t argmax(const float* x, int64_t n);

}  // namespace tessera::ref
