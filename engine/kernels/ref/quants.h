#pragma once
// Scalar ground truth for every tensor type the engine computes with: block (de)quantization, the
// reference quantizers used to write model files, activation quantization into each weight type's
// dot-product partner, and the dot products themselves.
//
// Layouts and maths follow ggml bit for bit (ref: ggml/src/ggml-quants.c, ggml-cpu/quants.c,
// ggml-cpu/arch/x86/quants.c); each function names the ggml function it ports.
//
// Pairing of weight type and activation ("dot partner") type, as ggml's type_traits_cpu:
//   F32 -> F32, F16 -> F16, BF16 -> BF16,
//   Q4_0, Q5_0, Q8_0 -> Q8_0;  Q4_1, Q5_1, Q8_1 -> Q8_1;  Q2_K .. Q6_K, Q8_K -> Q8_K.
#include <cstdint>
#include <vector>

#include "engine/core/dtype.h"
#include "engine/core/status.h"

namespace tessera::ref {

// ---- type-generic entry points (n = elements of one row, a multiple of the block size) ----

// True for the types listed above (dtype_info(t).supported).
bool is_supported(DType t);
// The activation type that rows of `t` are dotted with.
DType vec_dot_type(DType t);

// dst (n) = the f32 values of src (n elements of type t).
void dequantize_row(DType t, const void* src, float* dst, int64_t n);
// Reference quantizer (what llama-quantize writes without an importance matrix): ggml's
// quantize_row_*_ref. For F16 / BF16 / F32 a round-to-nearest-even conversion / copy.
void quantize_row(DType t, const float* src, void* dst, int64_t n);
// Activation quantization exactly as ggml-cpu prepares matmul inputs on x86:
//   Q8_0 / Q8_1: ggml-cpu/arch/x86/quants.c quantize_row_q8_0 / quantize_row_q8_1
//                (d = amax/127, q = round-half-even(x * (127/amax)));
//   Q8_K:        ggml-quants.c quantize_row_q8_K_ref (d = max/-127 of the signed max);
//   F16 / BF16:  round-to-nearest-even conversion; F32: copy.
// `partner` must be a value returned by vec_dot_type().
void quantize_activations(DType partner, const float* src, void* dst, int64_t n);
// w (n elements of type t) · x (n elements of vec_dot_type(t)); sums in double, rounded at the end.
float vec_dot(DType t, int64_t n, const void* w, const void* x);

// A whole row-major f32 matrix (n_rows, n_per_row) quantized with quantize_row, rows back to back
// (row r at r * dtype_row_size(type, n_per_row)). Fails with invalid_argument when n_per_row is
// not a multiple of the block size, unsupported for types without a quantizer.
Result<std::vector<uint8_t>> quantize_tensor(DType type, const float* src, int64_t n_rows, int64_t n_per_row);

// ---- per-type functions (n = elements) ----

// plain types
void dequantize_row_f16(const fp16_t* x, float* y, int64_t n);
void dequantize_row_bf16(const uint16_t* x, float* y, int64_t n);
void quantize_row_f16(const float* x, fp16_t* y, int64_t n);
void quantize_row_bf16(const float* x, uint16_t* y, int64_t n);
float vec_dot_f32(int64_t n, const float* w, const float* x);
float vec_dot_f16(int64_t n, const fp16_t* w, const fp16_t* x);
float vec_dot_bf16(int64_t n, const uint16_t* w, const uint16_t* x);

// 32-element blocks (quants.cpp)
void dequantize_row_q4_0(const block_q4_0* x, float* y, int64_t n);
void dequantize_row_q4_1(const block_q4_1* x, float* y, int64_t n);
void dequantize_row_q5_0(const block_q5_0* x, float* y, int64_t n);
void dequantize_row_q5_1(const block_q5_1* x, float* y, int64_t n);
void dequantize_row_q8_0(const block_q8_0* x, float* y, int64_t n);
void dequantize_row_q8_1(const block_q8_1* x, float* y, int64_t n);
void quantize_row_q4_0_ref(const float* x, block_q4_0* y, int64_t n);
void quantize_row_q4_1_ref(const float* x, block_q4_1* y, int64_t n);
void quantize_row_q5_0_ref(const float* x, block_q5_0* y, int64_t n);
void quantize_row_q5_1_ref(const float* x, block_q5_1* y, int64_t n);
void quantize_row_q8_0_ref(const float* x, block_q8_0* y, int64_t n);
void quantize_row_q8_1_ref(const float* x, block_q8_1* y, int64_t n);
// activation quantizers (see quantize_activations)
void quantize_row_q8_0_act(const float* x, block_q8_0* y, int64_t n);
void quantize_row_q8_1_act(const float* x, block_q8_1* y, int64_t n);
float vec_dot_q4_0_q8_0(int64_t n, const block_q4_0* x, const block_q8_0* y);
float vec_dot_q4_1_q8_1(int64_t n, const block_q4_1* x, const block_q8_1* y);
float vec_dot_q5_0_q8_0(int64_t n, const block_q5_0* x, const block_q8_0* y);
float vec_dot_q5_1_q8_1(int64_t n, const block_q5_1* x, const block_q8_1* y);
float vec_dot_q8_0_q8_0(int64_t n, const block_q8_0* x, const block_q8_0* y);
float vec_dot_q8_1_q8_1(int64_t n, const block_q8_1* x, const block_q8_1* y);

// 256-element super-blocks (quants_k.cpp)
void dequantize_row_q2_K(const block_q2_K* x, float* y, int64_t n);
void dequantize_row_q3_K(const block_q3_K* x, float* y, int64_t n);
void dequantize_row_q4_K(const block_q4_K* x, float* y, int64_t n);
void dequantize_row_q5_K(const block_q5_K* x, float* y, int64_t n);
void dequantize_row_q6_K(const block_q6_K* x, float* y, int64_t n);
void dequantize_row_q8_K(const block_q8_K* x, float* y, int64_t n);
void quantize_row_q2_K_ref(const float* x, block_q2_K* y, int64_t n);
void quantize_row_q3_K_ref(const float* x, block_q3_K* y, int64_t n);
void quantize_row_q4_K_ref(const float* x, block_q4_K* y, int64_t n);
void quantize_row_q5_K_ref(const float* x, block_q5_K* y, int64_t n);
void quantize_row_q6_K_ref(const float* x, block_q6_K* y, int64_t n);
void quantize_row_q8_K_ref(const float* x, block_q8_K* y, int64_t n);  // also the activation quantizer
float vec_dot_q2_K_q8_K(int64_t n, const block_q2_K* x, const block_q8_K* y);
float vec_dot_q3_K_q8_K(int64_t n, const block_q3_K* x, const block_q8_K* y);
float vec_dot_q4_K_q8_K(int64_t n, const block_q4_K* x, const block_q8_K* y);
float vec_dot_q5_K_q8_K(int64_t n, const block_q5_K* x, const block_q8_K* y);
float vec_dot_q6_K_q8_K(int64_t n, const block_q6_K* x, const block_q8_K* y);
float vec_dot_q8_K_q8_K(int64_t n, const block_q8_K* x, const block_q8_K* y);

// The (scale, min) pair of sub-block j (0..7) of a Q4_K / Q5_K block's 12 packed scale bytes.
// ref: ggml-quants.c get_scale_min_k4
inline void get_scale_min_k4(int j, const uint8_t* q, uint8_t* d, uint8_t* m) {
    if (j < 4) {
        *d = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4);
    }
}

// The 16 signed 6-bit scales (-32..31) of a Q3_K block's 12 packed scale bytes.
// ref: ggml-quants.c dequantize_row_q3_K (kmask1/kmask2 unpacking)
void unpack_q3_K_scales(const uint8_t* packed, int8_t* scales16);

}  // namespace tessera::ref
