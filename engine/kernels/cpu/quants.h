#pragma once
// Per-ISA entry points of the quantized-matrix CPU kernels (kernels/cpu/quants*.cpp, matmul.cpp).
// The same sources are compiled once per ISA into tessera::cpu::avx2 and tessera::cpu::avx512; the
// dispatcher (ops/matmul.cpp) calls the namespace matching active_isa(). Only call the avx512
// functions when detected_isa() == Isa::avx512 (they use AVX-512 F/BW/VL/DQ/VNNI instructions).
//
// Numerics: activation quantization is bit-identical to ref::quantize_activations; dot products
// compute the same integer block sums as kernels/ref and differ from it only in float summation order.
#include <cstddef>
#include <cstdint>

#include "engine/core/dtype.h"

namespace tessera::cpu {

// Each ISA namespace has the same four entry points:
//
// bool matmul_supports(DType t);
//     True when this ISA has matmul kernels for weights of type t (every type ref::is_supported accepts).
// void quantize_activations(DType partner, const float* x, void* y, int64_t n);
//     y = x (n floats) quantized / converted into `partner`, a ref::vec_dot_type() result; n is a
//     multiple of the partner's block size.
// float vec_dot(DType t, int64_t n, const void* w, const void* x);
//     w (n elements of t) · x (n elements of ref::vec_dot_type(t)).
// void matmul_rows(DType t, int64_t n, const uint8_t* w, size_t w_row_size, int64_t r0, int64_t r1,
//                  const uint8_t* x, size_t x_row_size, int64_t n_tokens, float* y, int64_t ldy);
//     y[tok * ldy + r] = w_r · x_tok for r in [r0, r1), tok in [0, n_tokens).
//     w: rows of n elements of t (row r at w + r * w_row_size);
//     x: (n_tokens, n) in ref::vec_dot_type(t), rows x_row_size bytes apart.
//     Every output is computed the same way whatever r0 / r1: results do not depend on the row split.

namespace avx2 {
bool matmul_supports(DType t);
void quantize_activations(DType partner, const float* x, void* y, int64_t n);
float vec_dot(DType t, int64_t n, const void* w, const void* x);
void matmul_rows(DType t, int64_t n, const uint8_t* w, size_t w_row_size, int64_t r0, int64_t r1, const uint8_t* x,
                 size_t x_row_size, int64_t n_tokens, float* y, int64_t ldy);
}  // namespace avx2

namespace avx512 {
bool matmul_supports(DType t);
void quantize_activations(DType partner, const float* x, void* y, int64_t n);
float vec_dot(DType t, int64_t n, const void* w, const void* x);
void matmul_rows(DType t, int64_t n, const uint8_t* w, size_t w_row_size, int64_t r0, int64_t r1, const uint8_t* x,
                 size_t x_row_size, int64_t n_tokens, float* y, int64_t ldy);
}  // namespace avx512

}  // namespace tessera::cpu
