#include "engine/kernels/ref/matmul.h"

#include <vector>

#include "engine/kernels/ref/quants.h"

namespace tessera::ref {

void matmul_rows(DType type, const void* w, int64_t n_in, int64_t r0, int64_t r1, const void* xq, size_t x_row_size,
                 int64_t n_tokens, float* y, int64_t ldy) {
    const size_t w_row_size = dtype_row_size(type, n_in);
    const auto* wb = static_cast<const uint8_t*>(w);
    const auto* xb = static_cast<const uint8_t*>(xq);
    for (int64_t t = 0; t < n_tokens; ++t)
        for (int64_t r = r0; r < r1; ++r)
            y[t * ldy + r] = vec_dot(type, n_in, wb + r * w_row_size, xb + t * x_row_size);
}

void matmul(DType type, const void* w, int64_t n_out, int64_t n_in, const float* x, int64_t n_tokens, float* y) {
    const DType xt = vec_dot_type(type);
    const size_t x_row_size = dtype_row_size(xt, n_in);
    std::vector<uint8_t> xq(x_row_size * static_cast<size_t>(n_tokens));  // (n_tokens, n_in) in xt
    for (int64_t t = 0; t < n_tokens; ++t) quantize_activations(xt, x + t * n_in, xq.data() + t * x_row_size, n_in);
    matmul_rows(type, w, n_in, 0, n_out, xq.data(), x_row_size, n_tokens, y, n_out);
}

}  // namespace tessera::ref
