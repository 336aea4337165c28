#pragma once
// Scalar ground truth for the normalisation ops (see engine/ops/ops.h for the contract).
#include <cstdint>

namespace tessera::ref {

// y (n_rows, n) = x / sqrt(mean(x²) + eps) [* weight (n)]. In place ok.
// ref: ggml-cpu ops.cpp ggml_compute_forward_rms_norm_f32 (x² in float, summed in double, mean and
// 1/sqrtf in float), followed by ggml_mul with the weight.
void rms_norm(const float* x, const float* weight, int64_t n_rows, int64_t n, float eps, float* y);

// y (n_rows, n) = (x - mean) / sqrt(var + eps) [* weight (n)] [+ bias (n)]. In place ok.
// ref: ggml-cpu ops.cpp ggml_compute_forward_norm_f32 (ggml_vec_sum_f32 and ggml_vec_cvar_f32: sums in
// double, mean and variance rounded to float), followed by ggml_mul / ggml_add.
void layer_norm(const float* x, const float* weight, const float* bias, int64_t n_rows, int64_t n, float eps,
                float* y);

}  // namespace tessera::ref
