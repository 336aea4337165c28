#include "engine/kernels/ref/elementwise.h"

#include <cmath>
#include <vector>

#include "engine/core/fp16.h"

namespace tessera::ref {
namespace {

// ref: ggml-cpu vec.h GELU_COEF_A, SQRT_2_OVER_PI, GELU_QUICK_COEF and ggml_gelu_f32 / ggml_gelu_quick_f32.
constexpr float kGeluCoefA = 0.044715f;
constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f;
constexpr float kGeluQuickCoef = -1.702f;

float gelu_tanh_f32(float x) { return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + kGeluCoefA * x * x))); }
float gelu_quick_f32(float x) { return x * (1.0f / (1.0f + std::exp(kGeluQuickCoef * x))); }

std::vector<float> build_table(float (*f)(float)) {
    std::vector<float> t(1u << 16);
    for (uint32_t h = 0; h < (1u << 16); ++h) {
        const float x = fp16_to_fp32(static_cast<uint16_t>(h));
        t[h] = fp16_to_fp32(fp32_to_fp16(f(x)));
    }
    return t;
}

inline float gelu_tanh_one(const float* table, float x) {
    if (x <= -10.0f) return 0.0f;
    if (x >= 10.0f) return x;
    return table[fp32_to_fp16(x)];
}

// a ranks before b: larger value, then lower index; NaN after every number.
inline bool ranks_before(float va, int32_t ia, float vb, int32_t ib) {
    const bool na = std::isnan(va), nb = std::isnan(vb);
    if (na != nb) return nb;
    if (!na && va != vb) return va > vb;
    return ia < ib;
}

}  // namespace

const float* gelu_tanh_table() {
    static const std::vector<float> table = build_table(gelu_tanh_f32);
    return table.data();
}

const float* gelu_quick_table() {
    static const std::vector<float> table = build_table(gelu_quick_f32);
    return table.data();
}

void softmax(float* x, int64_t n_rows, int64_t n) {
    for (int64_t r = 0; r < n_rows; ++r) {
        float* xr = x + r * n;  // (n)
        float max = -INFINITY;
        for (int64_t i = 0; i < n; ++i) max = xr[i] > max ? xr[i] : max;
        double sum = 0.0;
        for (int64_t i = 0; i < n; ++i) {
            xr[i] = std::exp(xr[i] - max);
            sum += static_cast<double>(xr[i]);
        }
        const float inv = static_cast<float>(1.0 / sum);
        for (int64_t i = 0; i < n; ++i) xr[i] *= inv;
    }
}

void silu(const float* x, int64_t n, float* y) {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] / (1.0f + std::exp(-x[i]));
}

void gelu_tanh(const float* x, int64_t n, float* y) {
    const float* table = gelu_tanh_table();
    for (int64_t i = 0; i < n; ++i) y[i] = gelu_tanh_one(table, x[i]);
}

void gelu_erf(const float* x, int64_t n, float* y) {
    constexpr float kSqrt2Inv = 0.70710678118654752440f;
    for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * kSqrt2Inv));
}

void gelu_quick(const float* x, int64_t n, float* y) {
    const float* table = gelu_quick_table();
    for (int64_t i = 0; i < n; ++i) y[i] = table[fp32_to_fp16(x[i])];
}

void swiglu(const float* gate, const float* up, int64_t n, float* out) {
    for (int64_t i = 0; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void geglu(const float* gate, const float* up, int64_t n, float* out) {
    const float* table = gelu_tanh_table();
    for (int64_t i = 0; i < n; ++i) out[i] = gelu_tanh_one(table, gate[i]) * up[i];
}

void add(const float* a, const float* b, int64_t n, float* out) {
    for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

void mul(const float* a, const float* b, int64_t n, float* out) {
    for (int64_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}

void scale(const float* x, float s, int64_t n, float* out) {
    for (int64_t i = 0; i < n; ++i) out[i] = x[i] * s;
}

void add_row(const float* x, const float* b, int64_t n_rows, int64_t n, float* out) {
    for (int64_t r = 0; r < n_rows; ++r)
        for (int64_t i = 0; i < n; ++i) out[r * n + i] = x[r * n + i] + b[i];
}

void top_k(const float* x, int64_t n, int64_t k, int32_t* idx) {
    if (k <= 0) return;
    // idx[0..m) stays sorted best first; a candidate enters by insertion when it beats the worst kept.
    int64_t m = 0;
    for (int64_t i = 0; i < n; ++i) {
        const float v = x[i];
        const int32_t ii = static_cast<int32_t>(i);
        if (m == k && !ranks_before(v, ii, x[idx[k - 1]], idx[k - 1])) continue;
        int64_t pos = m < k ? m++ : k - 1;
        while (pos > 0 && ranks_before(v, ii, x[idx[pos - 1]], idx[pos - 1])) {
            idx[pos] = idx[pos - 1];
            --pos;
        }
        idx[pos] = ii;
    }
}

int32_t argmax(const float* x, int64_t n) {
    float best = -INFINITY;
    int32_t idx = 0;
    for (int64_t i = 0; i < n; ++i) {
        if (x[i] > best) {
            best = x[i];
            idx = static_cast<int32_t>(i);
        }
    }
    return idx;
}

}  // namespace tessera::ref
