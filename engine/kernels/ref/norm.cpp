#include "engine/kernels/ref/norm.h"

#include <cmath>

namespace tessera::ref {

void rms_norm(const float* x, const float* weight, int64_t n_rows, int64_t n, float eps, float* y) {
    for (int64_t r = 0; r < n_rows; ++r) {
        const float* xr = x + r * n;  // (n)
        float* yr = y + r * n;        // (n)
        double sum = 0.0;
        for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(xr[i] * xr[i]);
        const float mean = static_cast<float>(sum / static_cast<double>(n));
        const float scale = 1.0f / std::sqrt(mean + eps);
        for (int64_t i = 0; i < n; ++i) {
            const float v = xr[i] * scale;
            yr[i] = weight ? v * weight[i] : v;
        }
    }
}

void layer_norm(const float* x, const float* weight, const float* bias, int64_t n_rows, int64_t n, float eps,
                float* y) {
    for (int64_t r = 0; r < n_rows; ++r) {
        const float* xr = x + r * n;  // (n)
        float* yr = y + r * n;        // (n)
        double sum = 0.0;
        for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(xr[i]);
        const float mean = static_cast<float>(sum) / static_cast<float>(n);
        double sum2 = 0.0;
        for (int64_t i = 0; i < n; ++i) {
            const float d = xr[i] - mean;
            sum2 += static_cast<double>(d * d);
        }
        const float variance = static_cast<float>(sum2 / static_cast<double>(n));
        const float scale = 1.0f / std::sqrt(variance + eps);
        for (int64_t i = 0; i < n; ++i) {
            float v = (xr[i] - mean) * scale;
            if (weight) v *= weight[i];
            if (bias) v += bias[i];
            yr[i] = v;
        }
    }
}

}  // namespace tessera::ref
