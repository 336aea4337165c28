#pragma once
// Thin vector layer for the per-ISA op kernels (norm, rope, attention, element-wise). Included only by
// kernels/cpu/*.cpp, which are compiled once per ISA: every function here is `static inline` inside
// tessera::cpu::TESSERA_CPU_ISA::simd, so an AVX-512 copy can never be merged into AVX2 code.
// One vector `vf` holds kW floats: 16 (avx512) or 8 (avx2). `*_n` variants touch only the first n lanes
// (0 <= n <= kW) and read/write nothing beyond them.
#include <immintrin.h>

#include <cmath>
#include <cstdint>

#if !defined(TESSERA_CPU_ISA)
#error "ops_simd.h is for kernels/cpu/*.cpp only (compiled with -DTESSERA_CPU_ISA=<isa>)"
#endif

namespace tessera::cpu::TESSERA_CPU_ISA::simd {

#if defined(TESSERA_CPU_ISA_avx512)

using vf = __m512;
constexpr int kW = 16;

static inline vf v_zero() { return _mm512_setzero_ps(); }
static inline vf v_set1(float a) { return _mm512_set1_ps(a); }
static inline vf v_load(const float* p) { return _mm512_loadu_ps(p); }
static inline void v_store(float* p, vf v) { _mm512_storeu_ps(p, v); }
static inline __mmask16 lane_mask(int n) { return (__mmask16)((1u << n) - 1u); }
static inline vf v_load_n(const float* p, int n) { return _mm512_maskz_loadu_ps(lane_mask(n), p); }
static inline void v_store_n(float* p, vf v, int n) { _mm512_mask_storeu_ps(p, lane_mask(n), v); }
static inline vf v_keep_n(vf v, int n) { return _mm512_maskz_mov_ps(lane_mask(n), v); }  // lanes >= n → 0
static inline vf v_load_n_fill(const float* p, int n, float fill) {  // lanes >= n → fill
    return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), lane_mask(n), p);
}
// Bit i set where a[i] == b[i].
static inline uint32_t v_eq_bits(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
static inline vf v_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf v_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf v_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf v_div(vf a, vf b) { return _mm512_div_ps(a, b); }
static inline vf v_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }  // a*b + c
static inline vf v_max(vf a, vf b) { return _mm512_max_ps(a, b); }
static inline vf v_min(vf a, vf b) { return _mm512_min_ps(a, b); }
static inline vf v_abs(vf a) { return _mm512_abs_ps(a); }
// Lanes where `m` holds (compare result) take b, the others a.
static inline vf v_select_lt(vf x, vf limit, vf a, vf b) {  // x < limit ? b : a
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, limit, _CMP_LT_OQ), a, b);
}
static inline vf v_select_gt(vf x, vf limit, vf a, vf b) {  // x > limit ? b : a
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, limit, _CMP_GT_OQ), a, b);
}
static inline vf v_select_le(vf x, vf limit, vf a, vf b) {  // x <= limit ? b : a
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, limit, _CMP_LE_OQ), a, b);
}
static inline vf v_select_ge(vf x, vf limit, vf a, vf b) {  // x >= limit ? b : a
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, limit, _CMP_GE_OQ), a, b);
}
static inline vf v_keep_nan(vf x, vf r) {  // NaN lanes of x pass through
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), r, x);
}
static inline vf v_copysign(vf mag, vf sign) {
    const __m512i m = _mm512_set1_epi32(0x80000000);
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_andnot_si512(m, _mm512_castps_si512(mag)),
                                               _mm512_and_si512(m, _mm512_castps_si512(sign))));
}
static inline float v_hsum(vf v) {
    __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    b = _mm_add_ps(b, _mm_movehl_ps(b, b));
    b = _mm_add_ss(b, _mm_movehdup_ps(b));
    return _mm_cvtss_f32(b);
}
static inline float v_hmax(vf v) {
    __m256 a = _mm256_max_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    __m128 b = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    b = _mm_max_ps(b, _mm_movehl_ps(b, b));
    b = _mm_max_ss(b, _mm_movehdup_ps(b));
    return _mm_cvtss_f32(b);
}
// Horizontal sums of four vectors at once: (Σa, Σb, Σc, Σd). The reduction tree of each input is
// the same whatever the other three hold.
static inline __m128 v_hsum4(vf a, vf b, vf c, vf d) {
    const __m256 a8 = _mm256_add_ps(_mm512_castps512_ps256(a), _mm512_extractf32x8_ps(a, 1));
    const __m256 b8 = _mm256_add_ps(_mm512_castps512_ps256(b), _mm512_extractf32x8_ps(b, 1));
    const __m256 c8 = _mm256_add_ps(_mm512_castps512_ps256(c), _mm512_extractf32x8_ps(c, 1));
    const __m256 d8 = _mm256_add_ps(_mm512_castps512_ps256(d), _mm512_extractf32x8_ps(d, 1));
    const __m128 a4 = _mm_add_ps(_mm256_castps256_ps128(a8), _mm256_extractf128_ps(a8, 1));
    const __m128 b4 = _mm_add_ps(_mm256_castps256_ps128(b8), _mm256_extractf128_ps(b8, 1));
    const __m128 c4 = _mm_add_ps(_mm256_castps256_ps128(c8), _mm256_extractf128_ps(c8, 1));
    const __m128 d4 = _mm_add_ps(_mm256_castps256_ps128(d8), _mm256_extractf128_ps(d8, 1));
    return _mm_hadd_ps(_mm_hadd_ps(a4, b4), _mm_hadd_ps(c4, d4));
}
// y = x · 2^n for integral-valued n (handles overflow to inf and gradual underflow).
static inline vf v_ldexp(vf x, vf n) { return _mm512_scalef_ps(x, n); }
// (c0, c0, c1, c1, ...): the first kW/2 values of p, each twice.
static inline vf v_load_dup_pairs_n(const float* p, int n_pairs) {
    const __m512 h = _mm512_castps256_ps512(_mm256_maskz_loadu_ps((__mmask8)((1u << n_pairs) - 1u), p));
    return _mm512_permutexvar_ps(_mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0), h);
}
static inline vf v_swap_pairs(vf x) { return _mm512_permute_ps(x, 0xB1); }  // (x1, x0, x3, x2, ...)
// Gathers table[fp16_bits(round_to_fp16(x))] for a 65536-entry f32 table indexed by fp16 bit pattern.
static inline vf v_fp16_table(const float* table, vf x) {
    const __m256i h = _mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512i idx = _mm512_cvtepu16_epi32(h);
    return _mm512_i32gather_ps(idx, table, 4);
}

#else  // avx2

using vf = __m256;
constexpr int kW = 8;

alignas(64) static const int32_t k_lane_masks[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

static inline vf v_zero() { return _mm256_setzero_ps(); }
static inline vf v_set1(float a) { return _mm256_set1_ps(a); }
static inline vf v_load(const float* p) { return _mm256_loadu_ps(p); }
static inline void v_store(float* p, vf v) { _mm256_storeu_ps(p, v); }
static inline __m256i lane_mask(int n) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(k_lane_masks + 8 - n));
}
static inline vf v_load_n(const float* p, int n) { return _mm256_maskload_ps(p, lane_mask(n)); }
static inline void v_store_n(float* p, vf v, int n) { _mm256_maskstore_ps(p, lane_mask(n), v); }
static inline vf v_keep_n(vf v, int n) { return _mm256_and_ps(v, _mm256_castsi256_ps(lane_mask(n))); }
static inline vf v_load_n_fill(const float* p, int n, float fill) {
    const __m256i m = lane_mask(n);
    return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
}
static inline uint32_t v_eq_bits(vf a, vf b) {
    return static_cast<uint32_t>(_mm256_movemask_ps(_mm256_cmp_ps(a, b, _CMP_EQ_OQ)));
}
static inline vf v_add(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf v_sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
static inline vf v_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf v_div(vf a, vf b) { return _mm256_div_ps(a, b); }
static inline vf v_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline vf v_max(vf a, vf b) { return _mm256_max_ps(a, b); }
static inline vf v_min(vf a, vf b) { return _mm256_min_ps(a, b); }
static inline vf v_abs(vf a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
static inline vf v_select_lt(vf x, vf limit, vf a, vf b) {
    return _mm256_blendv_ps(a, b, _mm256_cmp_ps(x, limit, _CMP_LT_OQ));
}
static inline vf v_select_gt(vf x, vf limit, vf a, vf b) {
    return _mm256_blendv_ps(a, b, _mm256_cmp_ps(x, limit, _CMP_GT_OQ));
}
static inline vf v_select_le(vf x, vf limit, vf a, vf b) {
    return _mm256_blendv_ps(a, b, _mm256_cmp_ps(x, limit, _CMP_LE_OQ));
}
static inline vf v_select_ge(vf x, vf limit, vf a, vf b) {
    return _mm256_blendv_ps(a, b, _mm256_cmp_ps(x, limit, _CMP_GE_OQ));
}
static inline vf v_keep_nan(vf x, vf r) { return _mm256_blendv_ps(r, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q)); }
static inline vf v_copysign(vf mag, vf sign) {
    const __m256 m = _mm256_set1_ps(-0.0f);
    return _mm256_or_ps(_mm256_andnot_ps(m, mag), _mm256_and_ps(m, sign));
}
static inline float v_hsum(vf v) {
    __m128 b = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    b = _mm_add_ps(b, _mm_movehl_ps(b, b));
    b = _mm_add_ss(b, _mm_movehdup_ps(b));
    return _mm_cvtss_f32(b);
}
static inline float v_hmax(vf v) {
    __m128 b = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    b = _mm_max_ps(b, _mm_movehl_ps(b, b));
    b = _mm_max_ss(b, _mm_movehdup_ps(b));
    return _mm_cvtss_f32(b);
}
static inline __m128 v_hsum4(vf a, vf b, vf c, vf d) {
    const __m128 a4 = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    const __m128 b4 = _mm_add_ps(_mm256_castps256_ps128(b), _mm256_extractf128_ps(b, 1));
    const __m128 c4 = _mm_add_ps(_mm256_castps256_ps128(c), _mm256_extractf128_ps(c, 1));
    const __m128 d4 = _mm_add_ps(_mm256_castps256_ps128(d), _mm256_extractf128_ps(d, 1));
    return _mm_hadd_ps(_mm_hadd_ps(a4, b4), _mm_hadd_ps(c4, d4));
}
// x · 2^n, n integral in [-126, 128] after the caller's clamping (n = 128 is applied as 2 · 2^127).
static inline vf v_ldexp(vf x, vf n) {
    const __m256 n127 = _mm256_min_ps(n, _mm256_set1_ps(127.0f));
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n127), _mm256_set1_epi32(127)), 23);
    __m256 r = _mm256_mul_ps(x, _mm256_castsi256_ps(e));
    return _mm256_blendv_ps(r, _mm256_add_ps(r, r), _mm256_cmp_ps(n, n127, _CMP_GT_OQ));
}
static inline vf v_load_dup_pairs_n(const float* p, int n_pairs) {
    const __m128 h = _mm_maskload_ps(p, _mm_loadu_si128(reinterpret_cast<const __m128i*>(k_lane_masks + 8 - n_pairs)));
    return _mm256_permutevar8x32_ps(_mm256_castps128_ps256(h), _mm256_set_epi32(3, 3, 2, 2, 1, 1, 0, 0));
}
static inline vf v_swap_pairs(vf x) { return _mm256_permute_ps(x, 0xB1); }
static inline vf v_fp16_table(const float* table, vf x) {
    const __m128i h = _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m256i idx = _mm256_cvtepu16_epi32(h);
    return _mm256_i32gather_ps(table, idx, 4);
}

#endif

// exp(x), max error about 2 ulp; +inf above 88.72, NaN stays NaN, 0 below -87.34 on avx2 (no
// denormal results) and below -103.9 on avx512.
// ref: Cephes expf (S. Moshier): x = n·ln2 + r with ln2 split in two, degree-5 polynomial on r.
static inline vf v_exp(vf x) {
#if defined(TESSERA_CPU_ISA_avx512)
    const vf xc = v_max(v_min(x, v_set1(88.8f)), v_set1(-104.0f));
#else
    const vf xc = v_max(v_min(x, v_set1(88.8f)), v_set1(-87.3365f));
#endif
#if defined(TESSERA_CPU_ISA_avx512)
    const vf n = _mm512_roundscale_ps(v_mul(xc, v_set1(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT);
#else
    const vf n = _mm256_round_ps(v_mul(xc, v_set1(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT);
#endif
    vf r = v_fma(n, v_set1(-0.693359375f), xc);
    r = v_fma(n, v_set1(2.12194440e-4f), r);
    vf p = v_set1(1.9875691500e-4f);
    p = v_fma(p, r, v_set1(1.3981999507e-3f));
    p = v_fma(p, r, v_set1(8.3334519073e-3f));
    p = v_fma(p, r, v_set1(4.1665795894e-2f));
    p = v_fma(p, r, v_set1(1.6666665459e-1f));
    p = v_fma(p, r, v_set1(5.0000001201e-1f));
    p = v_fma(p, v_mul(r, r), v_add(r, v_set1(1.0f)));
    vf y = v_ldexp(p, n);
    y = v_select_gt(x, v_set1(88.7228394f), y, v_set1(INFINITY));
#if defined(TESSERA_CPU_ISA_avx512)
    y = v_select_lt(x, v_set1(-103.9f), y, v_zero());  // below half the smallest denormal
#else
    y = v_select_lt(x, v_set1(-87.3365f), y, v_zero());
#endif
    return v_keep_nan(x, y);
}

// tanh(x): |x| >= 0.625: sign(x) · (1 - 2 / (exp(2|x|) + 1)); below, an odd polynomial (relative
// error ~1 ulp near 0). ref: Cephes tanhf (S. Moshier).
static inline vf v_tanh(vf x) {
    const vf ax = v_abs(x);
    const vf e = v_exp(v_add(ax, ax));
    const vf big = v_copysign(v_sub(v_set1(1.0f), v_div(v_set1(2.0f), v_add(e, v_set1(1.0f)))), x);
    const vf z = v_mul(x, x);
    vf p = v_set1(-5.70498872745e-3f);
    p = v_fma(p, z, v_set1(2.06390887954e-2f));
    p = v_fma(p, z, v_set1(-5.37397155531e-2f));
    p = v_fma(p, z, v_set1(1.33314422036e-1f));
    p = v_fma(p, z, v_set1(-3.33332819422e-1f));
    const vf small = v_fma(v_mul(p, z), x, x);
    return v_keep_nan(x, v_select_lt(ax, v_set1(0.625f), big, small));
}

// x / (1 + exp(-x))
static inline vf v_silu(vf x) { return v_div(x, v_add(v_set1(1.0f), v_exp(v_sub(v_zero(), x)))); }

}  // namespace tessera::cpu::TESSERA_CPU_ISA::simd
