#pragma once
// Scalar reference matmul built on ref::vec_dot: the ground truth the SIMD kernels are checked against.
#include <cstdint>

#include "engine/core/dtype.h"

namespace tessera::ref {

// y (n_tokens, n_out) = x (n_tokens, n_in) · Wᵀ.
// w: n_out rows of n_in elements of `type`, rows back to back (dtype_row_size(type, n_in) bytes each).
// x is first quantized to vec_dot_type(type) (quantize_activations), as ggml does.
void matmul(DType type, const void* w, int64_t n_out, int64_t n_in, const float* x, int64_t n_tokens, float* y);

// The rows [r0, r1) of the same product from already-quantized activations.
// xq: n_tokens rows of vec_dot_type(type), x_row_size bytes apart; y row t at y + t * ldy.
void matmul_rows(DType type, const void* w, int64_t n_in, int64_t r0, int64_t r1, const void* xq, size_t x_row_size,
                 int64_t n_tokens, float* y, int64_t ldy);

}  // namespace tessera::ref
