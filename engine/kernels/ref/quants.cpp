// Scalar reference: plain types, 32-element block types, and the type-generic dispatch.
// ref: ggml/src/ggml-quants.c, ggml/src/ggml-cpu/quants.c (generic vec_dot), ggml-cpu/arch/x86/quants.c
#include "engine/kernels/ref/quants.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <string>

#include "engine/core/fp16.h"

namespace tessera::ref {
namespace {

inline float h2f(fp16_t h) { return fp16_to_fp32(h); }
inline fp16_t f2h(float f) { return fp32_to_fp16(f); }

// Round half to even, as _mm256_round_ps(_MM_ROUND_NEAREST) / cvtps_epi32 under the default MXCSR.
inline int round_even(float v) { return static_cast<int>(std::nearbyint(v)); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// plain types

void dequantize_row_f16(const fp16_t* x, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = h2f(x[i]);
}

void dequantize_row_bf16(const uint16_t* x, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = bf16_to_fp32(x[i]);
}

void quantize_row_f16(const float* x, fp16_t* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = f2h(x[i]);
}

void quantize_row_bf16(const float* x, uint16_t* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_bf16(x[i]);
}

// ref: ggml-cpu vec.cpp ggml_vec_dot_f32 / ggml_vec_dot_f16 / ggml_vec_dot_bf16 (sum in double here)
float vec_dot_f32(int64_t n, const float* w, const float* x) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += static_cast<double>(w[i]) * x[i];
    return static_cast<float>(s);
}

float vec_dot_f16(int64_t n, const fp16_t* w, const fp16_t* x) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += static_cast<double>(h2f(w[i])) * h2f(x[i]);
    return static_cast<float>(s);
}

float vec_dot_bf16(int64_t n, const uint16_t* w, const uint16_t* x) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += static_cast<double>(bf16_to_fp32(w[i])) * bf16_to_fp32(x[i]);
    return static_cast<float>(s);
}

// ---------------------------------------------------------------------------------------------
// dequantization (ref: ggml-quants.c dequantize_row_q4_0 .. dequantize_row_q8_0)

void dequantize_row_q4_0(const block_q4_0* x, float* y, int64_t n) {
    const int64_t nb = n / QK4_0;
    for (int64_t i = 0; i < nb; ++i) {
        const float d = h2f(x[i].d);
        for (int j = 0; j < QK4_0 / 2; ++j) {
            y[i * QK4_0 + j] = ((x[i].qs[j] & 0x0F) - 8) * d;
            y[i * QK4_0 + j + QK4_0 / 2] = ((x[i].qs[j] >> 4) - 8) * d;
        }
    }
}

void dequantize_row_q4_1(const block_q4_1* x, float* y, int64_t n) {
    const int64_t nb = n / QK4_1;
    for (int64_t i = 0; i < nb; ++i) {
        const float d = h2f(x[i].d), m = h2f(x[i].m);
        for (int j = 0; j < QK4_1 / 2; ++j) {
            y[i * QK4_1 + j] = (x[i].qs[j] & 0x0F) * d + m;
            y[i * QK4_1 + j + QK4_1 / 2] = (x[i].qs[j] >> 4) * d + m;
        }
    }
}

void dequantize_row_q5_0(const block_q5_0* x, float* y, int64_t n) {
    const int64_t nb = n / QK5_0;
    for (int64_t i = 0; i < nb; ++i) {
        const float d = h2f(x[i].d);
        uint32_t qh;
        std::memcpy(&qh, x[i].qh, sizeof(qh));
        for (int j = 0; j < QK5_0 / 2; ++j) {
            const int xh0 = ((qh >> (j + 0)) << 4) & 0x10;
            const int xh1 = ((qh >> (j + 12))) & 0x10;
            y[i * QK5_0 + j] = (((x[i].qs[j] & 0x0F) | xh0) - 16) * d;
            y[i * QK5_0 + j + QK5_0 / 2] = (((x[i].qs[j] >> 4) | xh1) - 16) * d;
        }
    }
}

void dequantize_row_q5_1(const block_q5_1* x, float* y, int64_t n) {
    const int64_t nb = n / QK5_1;
    for (int64_t i = 0; i < nb; ++i) {
        const float d = h2f(x[i].d), m = h2f(x[i].m);
        uint32_t qh;
        std::memcpy(&qh, x[i].qh, sizeof(qh));
        for (int j = 0; j < QK5_1 / 2; ++j) {
            const int xh0 = ((qh >> (j + 0)) << 4) & 0x10;
            const int xh1 = ((qh >> (j + 12))) & 0x10;
            y[i * QK5_1 + j] = ((x[i].qs[j] & 0x0F) | xh0) * d + m;
            y[i * QK5_1 + j + QK5_1 / 2] = ((x[i].qs[j] >> 4) | xh1) * d + m;
        }
    }
}

void dequantize_row_q8_0(const block_q8_0* x, float* y, int64_t n) {
    const int64_t nb = n / QK8_0;
    for (int64_t i = 0; i < nb; ++i) {
        const float d = h2f(x[i].d);
        for (int j = 0; j < QK8_0; ++j) y[i * QK8_0 + j] = x[i].qs[j] * d;
    }
}

void dequantize_row_q8_1(const block_q8_1* x, float* y, int64_t n) {
    const int64_t nb = n / QK8_1;
    for (int64_t i = 0; i < nb; ++i) {
        const float d = h2f(x[i].d);
        for (int j = 0; j < QK8_1; ++j) y[i * QK8_1 + j] = x[i].qs[j] * d;
    }
}

// ---------------------------------------------------------------------------------------------
// reference quantizers (ref: ggml-quants.c quantize_row_q4_0_ref .. quantize_row_q8_1_ref)

void quantize_row_q4_0_ref(const float* x, block_q4_0* y, int64_t n) {
    const int64_t nb = n / QK4_0;
    for (int64_t i = 0; i < nb; ++i) {
        float amax = 0.0f, max = 0.0f;  // absolute max and the signed value that has it
        for (int j = 0; j < QK4_0; ++j) {
            const float v = x[i * QK4_0 + j];
            if (amax < std::fabs(v)) {
                amax = std::fabs(v);
                max = v;
            }
        }
        const float d = max / -8;
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = f2h(d);
        for (int j = 0; j < QK4_0 / 2; ++j) {
            const float x0 = x[i * QK4_0 + j] * id;
            const float x1 = x[i * QK4_0 + QK4_0 / 2 + j] * id;
            const uint8_t xi0 = static_cast<uint8_t>(std::min(15, static_cast<int>(static_cast<int8_t>(x0 + 8.5f))));
            const uint8_t xi1 = static_cast<uint8_t>(std::min(15, static_cast<int>(static_cast<int8_t>(x1 + 8.5f))));
            y[i].qs[j] = static_cast<uint8_t>(xi0 | (xi1 << 4));
        }
    }
}

void quantize_row_q4_1_ref(const float* x, block_q4_1* y, int64_t n) {
    const int64_t nb = n / QK4_1;
    for (int64_t i = 0; i < nb; ++i) {
        float min = FLT_MAX, max = -FLT_MAX;
        for (int j = 0; j < QK4_1; ++j) {
            const float v = x[i * QK4_1 + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        const float d = (max - min) / ((1 << 4) - 1);
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = f2h(d);
        y[i].m = f2h(min);
        for (int j = 0; j < QK4_1 / 2; ++j) {
            const float x0 = (x[i * QK4_1 + j] - min) * id;
            const float x1 = (x[i * QK4_1 + QK4_1 / 2 + j] - min) * id;
            const uint8_t xi0 = static_cast<uint8_t>(std::min(15, static_cast<int>(static_cast<int8_t>(x0 + 0.5f))));
            const uint8_t xi1 = static_cast<uint8_t>(std::min(15, static_cast<int>(static_cast<int8_t>(x1 + 0.5f))));
            y[i].qs[j] = static_cast<uint8_t>(xi0 | (xi1 << 4));
        }
    }
}

void quantize_row_q5_0_ref(const float* x, block_q5_0* y, int64_t n) {
    const int64_t nb = n / QK5_0;
    for (int64_t i = 0; i < nb; ++i) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < QK5_0; ++j) {
            const float v = x[i * QK5_0 + j];
            if (amax < std::fabs(v)) {
                amax = std::fabs(v);
                max = v;
            }
        }
        const float d = max / -16;
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = f2h(d);
        uint32_t qh = 0;
        for (int j = 0; j < QK5_0 / 2; ++j) {
            const float x0 = x[i * QK5_0 + j] * id;
            const float x1 = x[i * QK5_0 + QK5_0 / 2 + j] * id;
            const uint8_t xi0 = static_cast<uint8_t>(std::min(31, static_cast<int>(static_cast<int8_t>(x0 + 16.5f))));
            const uint8_t xi1 = static_cast<uint8_t>(std::min(31, static_cast<int>(static_cast<int8_t>(x1 + 16.5f))));
            y[i].qs[j] = static_cast<uint8_t>((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            qh |= ((xi0 & 0x10u) >> 4) << (j + 0);
            qh |= ((xi1 & 0x10u) >> 4) << (j + QK5_0 / 2);
        }
        std::memcpy(y[i].qh, &qh, sizeof(qh));
    }
}

void quantize_row_q5_1_ref(const float* x, block_q5_1* y, int64_t n) {
    const int64_t nb = n / QK5_1;
    for (int64_t i = 0; i < nb; ++i) {
        float min = FLT_MAX, max = -FLT_MAX;
        for (int j = 0; j < QK5_1; ++j) {
            const float v = x[i * QK5_1 + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        const float d = (max - min) / ((1 << 5) - 1);
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = f2h(d);
        y[i].m = f2h(min);
        uint32_t qh = 0;
        for (int j = 0; j < QK5_1 / 2; ++j) {
            const float x0 = (x[i * QK5_1 + j] - min) * id;
            const float x1 = (x[i * QK5_1 + QK5_1 / 2 + j] - min) * id;
            const uint8_t xi0 = static_cast<uint8_t>(x0 + 0.5f);
            const uint8_t xi1 = static_cast<uint8_t>(x1 + 0.5f);
            y[i].qs[j] = static_cast<uint8_t>((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            qh |= ((xi0 & 0x10u) >> 4) << (j + 0);
            qh |= ((xi1 & 0x10u) >> 4) << (j + QK5_1 / 2);
        }
        std::memcpy(y[i].qh, &qh, sizeof(qh));
    }
}

void quantize_row_q8_0_ref(const float* x, block_q8_0* y, int64_t n) {
    const int64_t nb = n / QK8_0;
    for (int64_t i = 0; i < nb; ++i) {
        float amax = 0.0f;
        for (int j = 0; j < QK8_0; ++j) amax = std::max(amax, std::fabs(x[i * QK8_0 + j]));
        const float d = amax / ((1 << 7) - 1);
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = f2h(d);
        for (int j = 0; j < QK8_0; ++j) y[i].qs[j] = static_cast<int8_t>(std::round(x[i * QK8_0 + j] * id));
    }
}

void quantize_row_q8_1_ref(const float* x, block_q8_1* y, int64_t n) {
    const int64_t nb = n / QK8_1;
    for (int64_t i = 0; i < nb; ++i) {
        float amax = 0.0f;
        for (int j = 0; j < QK8_1; ++j) amax = std::max(amax, std::fabs(x[i * QK8_1 + j]));
        const float d = amax / ((1 << 7) - 1);
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = f2h(d);
        int sum = 0;
        for (int j = 0; j < QK8_1; ++j) {
            y[i].qs[j] = static_cast<int8_t>(std::round(x[i * QK8_1 + j] * id));
            sum += y[i].qs[j];
        }
        y[i].s = f2h(sum * d);
    }
}

// ---------------------------------------------------------------------------------------------
// activation quantizers (ref: ggml-cpu/arch/x86/quants.c quantize_row_q8_0 / quantize_row_q8_1,
// the AVX2 branch: id = 127/amax, round half to even)

void quantize_row_q8_0_act(const float* x, block_q8_0* y, int64_t n) {
    const int64_t nb = n / QK8_0;
    for (int64_t i = 0; i < nb; ++i, x += QK8_0) {
        float amax = 0.0f;
        for (int j = 0; j < QK8_0; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.f;
        y[i].d = f2h(d);
        const float id = amax != 0.0f ? 127.f / amax : 0.0f;
        for (int j = 0; j < QK8_0; ++j) y[i].qs[j] = static_cast<int8_t>(round_even(x[j] * id));
    }
}

void quantize_row_q8_1_act(const float* x, block_q8_1* y, int64_t n) {
    const int64_t nb = n / QK8_1;
    for (int64_t i = 0; i < nb; ++i, x += QK8_1) {
        float amax = 0.0f;
        for (int j = 0; j < QK8_1; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.f;
        y[i].d = f2h(d);
        const float id = amax != 0.0f ? 127.f / amax : 0.0f;
        int sum = 0;
        for (int j = 0; j < QK8_1; ++j) {
            y[i].qs[j] = static_cast<int8_t>(round_even(x[j] * id));
            sum += y[i].qs[j];
        }
        y[i].s = f2h(d * static_cast<float>(sum));
    }
}

// ---------------------------------------------------------------------------------------------
// dot products (ref: ggml-cpu/quants.c ggml_vec_dot_*_generic); integer sums per block are exact,
// the per-block scaling is summed in double.

float vec_dot_q4_0_q8_0(int64_t n, const block_q4_0* x, const block_q8_0* y) {
    const int64_t nb = n / QK8_0;
    double sumf = 0;
    for (int64_t ib = 0; ib < nb; ++ib) {
        int sumi = 0;
        for (int j = 0; j < QK4_0 / 2; ++j) {
            sumi += ((x[ib].qs[j] & 0x0F) - 8) * y[ib].qs[j];
            sumi += ((x[ib].qs[j] >> 4) - 8) * y[ib].qs[j + QK4_0 / 2];
        }
        sumf += static_cast<double>(sumi) * h2f(x[ib].d) * h2f(y[ib].d);
    }
    return static_cast<float>(sumf);
}

float vec_dot_q4_1_q8_1(int64_t n, const block_q4_1* x, const block_q8_1* y) {
    const int64_t nb = n / QK8_1;
    double sumf = 0;
    for (int64_t ib = 0; ib < nb; ++ib) {
        int sumi = 0;
        for (int j = 0; j < QK4_1 / 2; ++j) {
            sumi += (x[ib].qs[j] & 0x0F) * y[ib].qs[j];
            sumi += (x[ib].qs[j] >> 4) * y[ib].qs[j + QK4_1 / 2];
        }
        sumf += static_cast<double>(sumi) * h2f(x[ib].d) * h2f(y[ib].d) +
                static_cast<double>(h2f(x[ib].m)) * h2f(y[ib].s);
    }
    return static_cast<float>(sumf);
}

float vec_dot_q5_0_q8_0(int64_t n, const block_q5_0* x, const block_q8_0* y) {
    const int64_t nb = n / QK8_0;
    double sumf = 0;
    for (int64_t ib = 0; ib < nb; ++ib) {
        uint32_t qh;
        std::memcpy(&qh, x[ib].qh, sizeof(qh));
        int sumi = 0;
        for (int j = 0; j < QK5_0 / 2; ++j) {
            const int xh0 = ((qh & (1u << (j + 0))) >> (j + 0)) << 4;
            const int xh1 = ((qh & (1u << (j + 16))) >> (j + 12));
            sumi += (((x[ib].qs[j] & 0x0F) | xh0) - 16) * y[ib].qs[j];
            sumi += (((x[ib].qs[j] >> 4) | xh1) - 16) * y[ib].qs[j + QK5_0 / 2];
        }
        sumf += static_cast<double>(sumi) * h2f(x[ib].d) * h2f(y[ib].d);
    }
    return static_cast<float>(sumf);
}

float vec_dot_q5_1_q8_1(int64_t n, const block_q5_1* x, const block_q8_1* y) {
    const int64_t nb = n / QK8_1;
    double sumf = 0;
    for (int64_t ib = 0; ib < nb; ++ib) {
        uint32_t qh;
        std::memcpy(&qh, x[ib].qh, sizeof(qh));
        int sumi = 0;
        for (int j = 0; j < QK5_1 / 2; ++j) {
            const int xh0 = ((qh >> (j + 0)) << 4) & 0x10;
            const int xh1 = ((qh >> (j + 12))) & 0x10;
            sumi += ((x[ib].qs[j] & 0x0F) | xh0) * y[ib].qs[j];
            sumi += ((x[ib].qs[j] >> 4) | xh1) * y[ib].qs[j + QK5_1 / 2];
        }
        sumf += static_cast<double>(sumi) * h2f(x[ib].d) * h2f(y[ib].d) +
                static_cast<double>(h2f(x[ib].m)) * h2f(y[ib].s);
    }
    return static_cast<float>(sumf);
}

float vec_dot_q8_0_q8_0(int64_t n, const block_q8_0* x, const block_q8_0* y) {
    const int64_t nb = n / QK8_0;
    double sumf = 0;
    for (int64_t ib = 0; ib < nb; ++ib) {
        int sumi = 0;
        for (int j = 0; j < QK8_0; ++j) sumi += x[ib].qs[j] * y[ib].qs[j];
        sumf += static_cast<double>(sumi) * h2f(x[ib].d) * h2f(y[ib].d);
    }
    return static_cast<float>(sumf);
}

float vec_dot_q8_1_q8_1(int64_t n, const block_q8_1* x, const block_q8_1* y) {
    const int64_t nb = n / QK8_1;
    double sumf = 0;
    for (int64_t ib = 0; ib < nb; ++ib) {
        int sumi = 0;
        for (int j = 0; j < QK8_1; ++j) sumi += x[ib].qs[j] * y[ib].qs[j];
        sumf += static_cast<double>(sumi) * h2f(x[ib].d) * h2f(y[ib].d);
    }
    return static_cast<float>(sumf);
}

// ---------------------------------------------------------------------------------------------
// type-generic dispatch

bool is_supported(DType t) {
    const DTypeInfo* info = dtype_info(static_cast<uint32_t>(t));
    return info && info->supported;
}

DType vec_dot_type(DType t) {
    switch (t) {
        case DType::F32: return DType::F32;
        case DType::F16: return DType::F16;
        case DType::BF16: return DType::BF16;
        case DType::Q4_0: case DType::Q5_0: case DType::Q8_0: return DType::Q8_0;
        case DType::Q4_1: case DType::Q5_1: case DType::Q8_1: return DType::Q8_1;
        default: return DType::Q8_K;  // Q2_K .. Q6_K, Q8_K
    }
}

void dequantize_row(DType t, const void* src, float* dst, int64_t n) {
    switch (t) {
        case DType::F32: std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float)); return;
        case DType::F16: dequantize_row_f16(static_cast<const fp16_t*>(src), dst, n); return;
        case DType::BF16: dequantize_row_bf16(static_cast<const uint16_t*>(src), dst, n); return;
        case DType::Q4_0: dequantize_row_q4_0(static_cast<const block_q4_0*>(src), dst, n); return;
        case DType::Q4_1: dequantize_row_q4_1(static_cast<const block_q4_1*>(src), dst, n); return;
        case DType::Q5_0: dequantize_row_q5_0(static_cast<const block_q5_0*>(src), dst, n); return;
        case DType::Q5_1: dequantize_row_q5_1(static_cast<const block_q5_1*>(src), dst, n); return;
        case DType::Q8_0: dequantize_row_q8_0(static_cast<const block_q8_0*>(src), dst, n); return;
        case DType::Q8_1: dequantize_row_q8_1(static_cast<const block_q8_1*>(src), dst, n); return;
        case DType::Q2_K: dequantize_row_q2_K(static_cast<const block_q2_K*>(src), dst, n); return;
        case DType::Q3_K: dequantize_row_q3_K(static_cast<const block_q3_K*>(src), dst, n); return;
        case DType::Q4_K: dequantize_row_q4_K(static_cast<const block_q4_K*>(src), dst, n); return;
        case DType::Q5_K: dequantize_row_q5_K(static_cast<const block_q5_K*>(src), dst, n); return;
        case DType::Q6_K: dequantize_row_q6_K(static_cast<const block_q6_K*>(src), dst, n); return;
        case DType::Q8_K: dequantize_row_q8_K(static_cast<const block_q8_K*>(src), dst, n); return;
        default: break;
    }
}

void quantize_row(DType t, const float* src, void* dst, int64_t n) {
    switch (t) {
        case DType::F32: std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float)); return;
        case DType::F16: quantize_row_f16(src, static_cast<fp16_t*>(dst), n); return;
        case DType::BF16: quantize_row_bf16(src, static_cast<uint16_t*>(dst), n); return;
        case DType::Q4_0: quantize_row_q4_0_ref(src, static_cast<block_q4_0*>(dst), n); return;
        case DType::Q4_1: quantize_row_q4_1_ref(src, static_cast<block_q4_1*>(dst), n); return;
        case DType::Q5_0: quantize_row_q5_0_ref(src, static_cast<block_q5_0*>(dst), n); return;
        case DType::Q5_1: quantize_row_q5_1_ref(src, static_cast<block_q5_1*>(dst), n); return;
        case DType::Q8_0: quantize_row_q8_0_ref(src, static_cast<block_q8_0*>(dst), n); return;
        case DType::Q8_1: quantize_row_q8_1_ref(src, static_cast<block_q8_1*>(dst), n); return;
        case DType::Q2_K: quantize_row_q2_K_ref(src, static_cast<block_q2_K*>(dst), n); return;
        case DType::Q3_K: quantize_row_q3_K_ref(src, static_cast<block_q3_K*>(dst), n); return;
        case DType::Q4_K: quantize_row_q4_K_ref(src, static_cast<block_q4_K*>(dst), n); return;
        case DType::Q5_K: quantize_row_q5_K_ref(src, static_cast<block_q5_K*>(dst), n); return;
        case DType::Q6_K: quantize_row_q6_K_ref(src, static_cast<block_q6_K*>(dst), n); return;
        case DType::Q8_K: quantize_row_q8_K_ref(src, static_cast<block_q8_K*>(dst), n); return;
        default: break;
    }
}

void quantize_activations(DType partner, const float* src, void* dst, int64_t n) {
    switch (partner) {
        case DType::Q8_0: quantize_row_q8_0_act(src, static_cast<block_q8_0*>(dst), n); return;
        case DType::Q8_1: quantize_row_q8_1_act(src, static_cast<block_q8_1*>(dst), n); return;
        case DType::Q8_K: quantize_row_q8_K_ref(src, static_cast<block_q8_K*>(dst), n); return;
        default: quantize_row(partner, src, dst, n); return;  // F32 / F16 / BF16
    }
}

float vec_dot(DType t, int64_t n, const void* w, const void* x) {
    switch (t) {
        case DType::F32: return vec_dot_f32(n, static_cast<const float*>(w), static_cast<const float*>(x));
        case DType::F16: return vec_dot_f16(n, static_cast<const fp16_t*>(w), static_cast<const fp16_t*>(x));
        case DType::BF16: return vec_dot_bf16(n, static_cast<const uint16_t*>(w), static_cast<const uint16_t*>(x));
        case DType::Q4_0: return vec_dot_q4_0_q8_0(n, static_cast<const block_q4_0*>(w), static_cast<const block_q8_0*>(x));
        case DType::Q4_1: return vec_dot_q4_1_q8_1(n, static_cast<const block_q4_1*>(w), static_cast<const block_q8_1*>(x));
        case DType::Q5_0: return vec_dot_q5_0_q8_0(n, static_cast<const block_q5_0*>(w), static_cast<const block_q8_0*>(x));
        case DType::Q5_1: return vec_dot_q5_1_q8_1(n, static_cast<const block_q5_1*>(w), static_cast<const block_q8_1*>(x));
        case DType::Q8_0: return vec_dot_q8_0_q8_0(n, static_cast<const block_q8_0*>(w), static_cast<const block_q8_0*>(x));
        case DType::Q8_1: return vec_dot_q8_1_q8_1(n, static_cast<const block_q8_1*>(w), static_cast<const block_q8_1*>(x));
        case DType::Q2_K: return vec_dot_q2_K_q8_K(n, static_cast<const block_q2_K*>(w), static_cast<const block_q8_K*>(x));
        case DType::Q3_K: return vec_dot_q3_K_q8_K(n, static_cast<const block_q3_K*>(w), static_cast<const block_q8_K*>(x));
        case DType::Q4_K: return vec_dot_q4_K_q8_K(n, static_cast<const block_q4_K*>(w), static_cast<const block_q8_K*>(x));
        case DType::Q5_K: return vec_dot_q5_K_q8_K(n, static_cast<const block_q5_K*>(w), static_cast<const block_q8_K*>(x));
        case DType::Q6_K: return vec_dot_q6_K_q8_K(n, static_cast<const block_q6_K*>(w), static_cast<const block_q8_K*>(x));
        case DType::Q8_K: return vec_dot_q8_K_q8_K(n, static_cast<const block_q8_K*>(w), static_cast<const block_q8_K*>(x));
        default: return 0.0f;
    }
}

Result<std::vector<uint8_t>> quantize_tensor(DType type, const float* src, int64_t n_rows, int64_t n_per_row) {
    if (!is_supported(type))
        return make_error(ErrorCode::unsupported,
                          "quantize_tensor: no quantizer for type " + std::string(dtype_name(type)));
    const int64_t bs = dtype_info(type).block_size;
    if (n_rows < 0 || n_per_row <= 0 || n_per_row % bs != 0)
        return make_error(ErrorCode::invalid_argument,
                          "quantize_tensor: row length " + std::to_string(n_per_row) + " is not a positive multiple of " +
                              std::to_string(bs) + " (block size of " + std::string(dtype_name(type)) + ")");
    const size_t row_size = dtype_row_size(type, n_per_row);
    std::vector<uint8_t> out(row_size * static_cast<size_t>(n_rows));
    for (int64_t r = 0; r < n_rows; ++r)
        quantize_row(type, src + r * n_per_row, out.data() + static_cast<size_t>(r) * row_size, n_per_row);
    return out;
}

}  // namespace tessera::ref
