// SIMD kernels (compiled per ISA): activation quantization and the F32 / F16 / BF16 dots.
// ref: ggml-cpu/arch/x86/quants.c (quantize_row_q8_0 / q8_1), ggml-quants.c (quantize_row_q8_K_ref),
//      ggml-cpu/vec.cpp (ggml_vec_dot_f32 / f16 / bf16); scalar ground truth in kernels/ref/quants.cpp.
#include "engine/kernels/cpu/quants_simd.h"

namespace tessera::cpu::TESSERA_CPU_ISA {
namespace {

using namespace simd;

// ---- float vectors: 16 lanes on AVX-512, 8 on AVX2 ----
#if TESSERA_CPU_ISA_avx512
using vfloat = __m512;
constexpr int kLanes = 16;
inline vfloat vzero() { return _mm512_setzero_ps(); }
inline vfloat vadd(vfloat a, vfloat b) { return _mm512_add_ps(a, b); }
inline vfloat vfma(vfloat a, vfloat b, vfloat c) { return _mm512_fmadd_ps(a, b, c); }
inline float vhsum(vfloat v) { return hsum(_mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1))); }
struct F32E {
    using T = float;
    static vfloat load(const float* p) { return _mm512_loadu_ps(p); }
    static float scalar(float v) { return v; }
};
struct F16E {
    using T = fp16_t;
    static vfloat load(const fp16_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
    static float scalar(fp16_t v) { return h2f(v); }
};
struct BF16E {
    using T = uint16_t;
    static vfloat load(const uint16_t* p) {
        const __m512i u = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
        return _mm512_castsi512_ps(_mm512_slli_epi32(u, 16));
    }
    static float scalar(uint16_t v) { return bf16_to_fp32(v); }
};
#else
using vfloat = __m256;
constexpr int kLanes = 8;
inline vfloat vzero() { return _mm256_setzero_ps(); }
inline vfloat vadd(vfloat a, vfloat b) { return _mm256_add_ps(a, b); }
inline vfloat vfma(vfloat a, vfloat b, vfloat c) { return _mm256_fmadd_ps(a, b, c); }
inline float vhsum(vfloat v) { return hsum(v); }
struct F32E {
    using T = float;
    static vfloat load(const float* p) { return _mm256_loadu_ps(p); }
    static float scalar(float v) { return v; }
};
struct F16E {
    using T = fp16_t;
    static vfloat load(const fp16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
    static float scalar(fp16_t v) { return h2f(v); }
};
struct BF16E {
    using T = uint16_t;
    static vfloat load(const uint16_t* p) {
        const __m256i u = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
        return _mm256_castsi256_ps(_mm256_slli_epi32(u, 16));
    }
    static float scalar(uint16_t v) { return bf16_to_fp32(v); }
};
#endif

// F32 / F16 / BF16 weights with activations of the same type. U independent accumulators per token
// hide the FMA latency; decode (NT = 1) needs more of them than a token tile.
template <class E, int NT>
void dot_plain_t(int64_t n, const void* wv, const uint8_t* x, size_t xs, float* out, int64_t os) {
    using T = typename E::T;
    constexpr int U = NT == 1 ? 4 : 2;
    const T* w = static_cast<const T*>(wv);
    const T* xt[NT];
    vfloat acc[NT][U];
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) {
        xt[t] = reinterpret_cast<const T*>(x + t * xs);
#pragma GCC unroll 4
        for (int u = 0; u < U; ++u) acc[t][u] = vzero();
    }
    int64_t i = 0;
    for (; i + U * kLanes <= n; i += U * kLanes) {
        vfloat wv_u[U];
#pragma GCC unroll 4
        for (int u = 0; u < U; ++u) wv_u[u] = E::load(w + i + u * kLanes);
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t)
#pragma GCC unroll 4
            for (int u = 0; u < U; ++u) acc[t][u] = vfma(wv_u[u], E::load(xt[t] + i + u * kLanes), acc[t][u]);
    }
    for (; i + kLanes <= n; i += kLanes) {
        const vfloat wv0 = E::load(w + i);
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) acc[t][0] = vfma(wv0, E::load(xt[t] + i), acc[t][0]);
    }
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) {
        vfloat s = acc[t][0];
#pragma GCC unroll 4
        for (int u = 1; u < U; ++u) s = vadd(s, acc[t][u]);
        float r = vhsum(s);
        for (int64_t j = i; j < n; ++j) r += E::scalar(w[j]) * E::scalar(xt[t][j]);
        out[t * os] = r;
    }
}

// ---- activation quantization (bit-identical to ref::quantize_activations) ----

inline __m256 abs_ps(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

inline float hmax(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

// 32 int32 (in 4 vectors, element order) -> 32 int8 with saturation, element order kept.
inline __m256i pack_i32x32(__m256i i0, __m256i i1, __m256i i2, __m256i i3) {
    const __m256i a = _mm256_packs_epi32(i0, i1);  // 0-3 8-11 | 4-7 12-15
    const __m256i b = _mm256_packs_epi32(i2, i3);  // 16-19 24-27 | 20-23 28-31
    const __m256i c = _mm256_packs_epi16(a, b);    // 0-3 8-11 16-19 24-27 | 4-7 12-15 20-23 28-31
    return _mm256_permutevar8x32_epi32(c, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// ref: ggml-cpu/arch/x86/quants.c quantize_row_q8_0 / quantize_row_q8_1 (AVX2 branch)
template <bool kWithSum, class B>
void quantize_q8_32(const float* x, B* y, int64_t n) {
    for (int64_t i = 0; i < n / 32; ++i, x += 32) {
        __m256 v[4];
        __m256 amax = _mm256_setzero_ps();
        for (int k = 0; k < 4; ++k) {
            v[k] = _mm256_loadu_ps(x + 8 * k);
            amax = _mm256_max_ps(amax, abs_ps(v[k]));
        }
        const float max_scalar = hmax(amax);
        const float d = max_scalar / 127.f;
        y[i].d = fp32_to_fp16(d);
        const float id = max_scalar != 0.0f ? 127.f / max_scalar : 0.0f;
        const __m256 mul = _mm256_set1_ps(id);
        __m256i q[4];
        for (int k = 0; k < 4; ++k) q[k] = _mm256_cvtps_epi32(_mm256_mul_ps(v[k], mul));  // round half to even
        if constexpr (kWithSum) {
            const int sum = hsum_i32(_mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3])));
            y[i].s = fp32_to_fp16(d * static_cast<float>(sum));
        }
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[i].qs), pack_i32x32(q[0], q[1], q[2], q[3]));
    }
}

}  // namespace

void quantize_q8_0_act(const float* x, block_q8_0* y, int64_t n) { quantize_q8_32<false>(x, y, n); }
void quantize_q8_1_act(const float* x, block_q8_1* y, int64_t n) { quantize_q8_32<true>(x, y, n); }

// ref: ggml-quants.c quantize_row_q8_K_ref (the scale comes from the first element of largest |x|)
void quantize_q8_K_act(const float* x, block_q8_K* y, int64_t n) {
    for (int64_t i = 0; i < n / QK_K; ++i, x += QK_K) {
        __m256 vmax = _mm256_setzero_ps();
        for (int j = 0; j < QK_K; j += 8) vmax = _mm256_max_ps(vmax, abs_ps(_mm256_loadu_ps(x + j)));
        const float amax = hmax(vmax);
        if (!amax) {
            std::memset(&y[i], 0, sizeof(block_q8_K));
            continue;
        }
        float max = 0;
        for (int j = 0; j < QK_K; ++j) {
            if (__builtin_fabsf(x[j]) == amax) {
                max = x[j];
                break;
            }
        }
        const float iscale = -127.f / max;
        const __m256 mul = _mm256_set1_ps(iscale);
        for (int g = 0; g < QK_K / 32; ++g) {
            __m256i q[4];
            for (int k = 0; k < 4; ++k) q[k] = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 32 * g + 8 * k), mul));
            y[i].bsums[2 * g] = static_cast<int16_t>(hsum_i32(_mm256_add_epi32(q[0], q[1])));
            y[i].bsums[2 * g + 1] = static_cast<int16_t>(hsum_i32(_mm256_add_epi32(q[2], q[3])));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[i].qs + 32 * g), pack_i32x32(q[0], q[1], q[2], q[3]));
        }
        y[i].d = 1 / iscale;
    }
}

void convert_f16_act(const float* x, fp16_t* y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    for (; i < n; ++i) y[i] = fp32_to_fp16(x[i]);
}

void convert_bf16_act(const float* x, uint16_t* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_bf16(x[i]);
}

// ---- kernel entry points (runtime nt -> template) ----

void dot_f32(int64_t n, const void* w, const uint8_t* x, size_t xs, const float*, size_t, int nt, float* out, int64_t os) {
    TESSERA_DISPATCH_NT(nt, (dot_plain_t<F32E, NT>(n, w, x, xs, out, os)))
}
void dot_f16(int64_t n, const void* w, const uint8_t* x, size_t xs, const float*, size_t, int nt, float* out, int64_t os) {
    TESSERA_DISPATCH_NT(nt, (dot_plain_t<F16E, NT>(n, w, x, xs, out, os)))
}
void dot_bf16(int64_t n, const void* w, const uint8_t* x, size_t xs, const float*, size_t, int nt, float* out, int64_t os) {
    TESSERA_DISPATCH_NT(nt, (dot_plain_t<BF16E, NT>(n, w, x, xs, out, os)))
}
}  // namespace tessera::cpu::TESSERA_CPU_ISA
