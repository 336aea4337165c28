// RMSNorm and LayerNorm: vector passes for the statistics, one for the output.
// ref: ggml-cpu ops.cpp ggml_compute_forward_rms_norm_f32 / ggml_compute_forward_norm_f32 (see
// kernels/ref/norm.h); here the sums run in kW float lanes instead of double.
#include "engine/kernels/cpu/cpu_norm.h"
#include "engine/kernels/cpu/ops_simd.h"

namespace tessera::cpu::TESSERA_CPU_ISA {
using namespace simd;

namespace {

inline int tail(int64_t n, int64_t i) { return n - i < kW ? static_cast<int>(n - i) : kW; }

// Σ (x - c)² over n values.
inline float sum_squares(const float* x, int64_t n, float c) {
    const vf vc = v_set1(c);
    vf acc0 = v_zero(), acc1 = v_zero();
    int64_t i = 0;
    for (; i + 2 * kW <= n; i += 2 * kW) {
        const vf a = v_sub(v_load(x + i), vc), b = v_sub(v_load(x + i + kW), vc);
        acc0 = v_fma(a, a, acc0);
        acc1 = v_fma(b, b, acc1);
    }
    for (; i < n; i += kW) {
        const int m = tail(n, i);
        const vf a = v_keep_n(v_sub(v_load_n(x + i, m), vc), m);
        acc0 = v_fma(a, a, acc0);
    }
    return v_hsum(v_add(acc0, acc1));
}

inline float sum(const float* x, int64_t n) {
    vf acc0 = v_zero(), acc1 = v_zero();
    int64_t i = 0;
    for (; i + 2 * kW <= n; i += 2 * kW) {
        acc0 = v_add(acc0, v_load(x + i));
        acc1 = v_add(acc1, v_load(x + i + kW));
    }
    for (; i < n; i += kW) acc0 = v_add(acc0, v_load_n(x + i, tail(n, i)));
    return v_hsum(v_add(acc0, acc1));
}

// y = ((x - c) * s) [* w] [+ b]
inline void normalize(const float* x, float c, float s, const float* w, const float* b, int64_t n, float* y) {
    const vf vc = v_set1(c), vs = v_set1(s);
    for (int64_t i = 0; i < n; i += kW) {
        const int m = tail(n, i);
        vf v = v_mul(v_sub(m == kW ? v_load(x + i) : v_load_n(x + i, m), vc), vs);
        if (w) v = v_mul(v, m == kW ? v_load(w + i) : v_load_n(w + i, m));
        if (b) v = v_add(v, m == kW ? v_load(b + i) : v_load_n(b + i, m));
        if (m == kW) v_store(y + i, v);
        else v_store_n(y + i, v, m);
    }
}

}  // namespace

void rms_norm(const float* x, const float* weight, int64_t n_rows, int64_t n, float eps, float* y) {
    for (int64_t r = 0; r < n_rows; ++r) {
        const float* xr = x + r * n;  // (n)
        const float mean = sum_squares(xr, n, 0.0f) / static_cast<float>(n);
        const float scale = 1.0f / __builtin_sqrtf(mean + eps);
        normalize(xr, 0.0f, scale, weight, nullptr, n, y + r * n);
    }
}

void layer_norm(const float* x, const float* weight, const float* bias, int64_t n_rows, int64_t n, float eps,
                float* y) {
    for (int64_t r = 0; r < n_rows; ++r) {
        const float* xr = x + r * n;  // (n)
        const float mean = sum(xr, n) / static_cast<float>(n);
        const float variance = sum_squares(xr, n, mean) / static_cast<float>(n);
        const float scale = 1.0f / __builtin_sqrtf(variance + eps);
        normalize(xr, mean, scale, weight, bias, n, y + r * n);
    }
}

}  // namespace tessera::cpu::TESSERA_CPU_ISA
