// SIMD dot kernels (compiled per ISA) for the 256-element super-block types with Q8_K activations.
// ref: ggml-cpu/arch/x86/quants.c ggml_vec_dot_q2_K_q8_K .. ggml_vec_dot_q6_K_q8_K (AVX2 branches);
//      scalar ground truth in kernels/ref/quants_k.cpp.
//
// Common scheme: per 32 weights, maddubs(unsigned quants, int8 activations) gives 16-bit pair sums
// (never saturating: quants <= 63), which dot_i16 multiplies by the sub-block scale into int32 lanes;
// a super-block's integer sum is scaled once by d_w * d_x. Offsets (Q3_K's -4, Q6_K's -32) and
// mins (Q2_K, Q4_K, Q5_K) are applied through the activation block sums (bsums).
#include "engine/kernels/cpu/quants_simd.h"

namespace tessera::cpu::TESSERA_CPU_ISA {
namespace {

using namespace simd;

inline __m128i loadu128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }

// Selects bytes (2i, 2i) ... (2i+1) of a 16-byte vector: 8 copies of byte 2i, then 8 of byte 2i+1.
inline __m128i scale_pair_shuffle(int i) {
    return _mm_set_epi64x(static_cast<int64_t>(0x0101010101010101ull * static_cast<uint64_t>(2 * i + 1)),
                          static_cast<int64_t>(0x0101010101010101ull * static_cast<uint64_t>(2 * i)));
}

// Broadcasts int16 element i of each 128-bit lane.
inline __m256i i16_broadcast_shuffle(int i) { return _mm256_set1_epi16(static_cast<short>(((2 * i + 1) << 8) | (2 * i))); }

// Q4_K / Q5_K: 8 6-bit scales (bytes 0..7) and mins (bytes 8..15) from the 12 packed bytes.
// ref: ggml-cpu/arch/x86/quants.c ggml_vec_dot_q4_K_q8_K (kmask1..3 unpacking)
// Reads 12 packed scale bytes into three 32-bit words (kept in registers: going through a stack
// array and a vector load stalls on store forwarding).
struct Packed12 {
    uint32_t a0, a1, a2;
    explicit Packed12(const uint8_t* p) {
        std::memcpy(&a0, p, 4);
        std::memcpy(&a1, p + 4, 4);
        std::memcpy(&a2, p + 8, 4);
    }
};

// Q4_K / Q5_K: [scale 0..7, min 0..7] as 16 int16 from the 12 packed bytes (layout: see
// ref::get_scale_min_k4): scale j < 4 = b[j] & 63, min j < 4 = b[j + 4] & 63; for j >= 4 the low 4
// bits come from b[j + 4] (scale: low nibble, min: high nibble) and the top 2 bits from b[j - 4] >> 6
// (scale) or b[j] >> 6 (min). All in SIMD: the scalar version costs twice the instructions.
// Reads 16 bytes: the 4 after the scales are the block's next field (never past the block).
inline __m256i unpack_scales_mins_k4(const uint8_t* packed) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(packed));
    // a: [b0-3, b8-11, b4-7, b8-11] (low-bit sources); h: [-, b0-3, -, b4-7] (top-2-bit sources)
    const __m128i a = _mm_shuffle_epi8(v, _mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11));
    const __m128i h = _mm_shuffle_epi8(v, _mm_setr_epi8(-1, -1, -1, -1, 0, 1, 2, 3, -1, -1, -1, -1, 4, 5, 6, 7));
    const __m128i lo = _mm_and_si128(a, _mm_setr_epi8(63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 0, 0, 0, 0));
    const __m128i hi_nib = _mm_and_si128(_mm_srli_epi16(a, 4), _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 15, 15, 15));
    const __m128i top = _mm_and_si128(_mm_srli_epi16(h, 2), _mm_set1_epi8(0x30));  // (x >> 6) << 4
    return _mm256_cvtepu8_epi16(_mm_or_si128(_mm_or_si128(lo, hi_nib), top));       // 16 x int16
}

// Q3_K: the 16 signed scales (-32..31) from the 12 packed bytes (ref: ggml-quants.c dequantize_row_q3_K).
inline __m128i unpack_scales_q3_K(const uint8_t* packed) {
    constexpr uint32_t kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f;
    const Packed12 u(packed);
    const uint32_t s0 = (u.a0 & kmask2) | (((u.a2 >> 0) & kmask1) << 4);
    const uint32_t s1 = (u.a1 & kmask2) | (((u.a2 >> 2) & kmask1) << 4);
    const uint32_t s2 = ((u.a0 >> 4) & kmask2) | (((u.a2 >> 4) & kmask1) << 4);
    const uint32_t s3 = ((u.a1 >> 4) & kmask2) | (((u.a2 >> 6) & kmask1) << 4);
    return _mm_sub_epi8(_mm_set_epi32(static_cast<int>(s3), static_cast<int>(s2), static_cast<int>(s1), static_cast<int>(s0)),
                        _mm_set1_epi8(32));
}

template <int NT>
struct Tokens {
    const block_q8_K* x[NT];
    Tokens(const uint8_t* base, size_t stride) {
        for (int t = 0; t < NT; ++t) x[t] = reinterpret_cast<const block_q8_K*>(base + t * stride);
    }
};

// ---- Q4_K / Q5_K: 8 sub-blocks of 32 with a 6-bit scale and min each ----

template <bool kQ5, int NT>
void dot_q45_K_t(int64_t n, const void* wv, const uint8_t* xv, size_t xs, float* out, int64_t os) {
    const int64_t nb = n / QK_K;
    const Tokens<NT> tk(xv, xs);
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256 acc[NT];
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();

    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* scales_packed;
        const uint8_t* qs;
        fp16_t dh, dminh;
        __m256i hbits = _mm256_setzero_si256();
        if constexpr (kQ5) {
            const block_q5_K& b = static_cast<const block_q5_K*>(wv)[i];
            scales_packed = b.scales, qs = b.qs, dh = b.d, dminh = b.dmin;
            hbits = loadu(b.qh);
        } else {
            const block_q4_K& b = static_cast<const block_q4_K*>(wv)[i];
            scales_packed = b.scales, qs = b.qs, dh = b.d, dminh = b.dmin;
        }
        const float d = h2f(dh), dmin = h2f(dminh);
        const __m256i mins_and_scales = unpack_scales_mins_k4(scales_packed);
        const __m128i mins = _mm256_extracti128_si256(mins_and_scales, 1);
        const __m128i sc128 = _mm256_castsi256_si128(mins_and_scales);
        const __m256i scales = _mm256_inserti128_si256(_mm256_zextsi128_si256(sc128), sc128, 1);

        __m256i sumi[NT];
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) {
            // Mins: Σ_j m_j · (sum of the 32 activations of sub-block j), subtracted at dmin scale.
            const __m256i bs = loadu(tk.x[t][i].bsums);
            const __m128i q8s = _mm_hadd_epi16(_mm256_castsi256_si128(bs), _mm256_extracti128_si256(bs, 1));
            const __m128 prod = _mm_cvtepi32_ps(_mm_madd_epi16(mins, q8s));
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(-dmin * tk.x[t][i].d), _mm256_zextps128_ps256(prod), acc[t]);
            sumi[t] = _mm256_setzero_si256();
        }
#pragma GCC unroll 4
        for (int j = 0; j < QK_K / 64; ++j) {
            const __m256i scale_l = _mm256_shuffle_epi8(scales, i16_broadcast_shuffle(2 * j));
            const __m256i scale_h = _mm256_shuffle_epi8(scales, i16_broadcast_shuffle(2 * j + 1));
            const __m256i q4bits = loadu(qs + 32 * j);
            __m256i ql = _mm256_and_si256(q4bits, m4);
            __m256i qh = _mm256_and_si256(_mm256_srli_epi16(q4bits, 4), m4);
            if constexpr (kQ5) {
                const __m256i one = _mm256_set1_epi8(1);
                ql = _mm256_or_si256(ql, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hbits, 2 * j), one), 4));
                qh = _mm256_or_si256(qh, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hbits, 2 * j + 1), one), 4));
            }
#pragma GCC unroll 4
            for (int t = 0; t < NT; ++t) {
                const int8_t* q8 = tk.x[t][i].qs + 64 * j;
                sumi[t] = dot_i16(sumi[t], _mm256_maddubs_epi16(ql, loadu(q8)), scale_l);
                sumi[t] = dot_i16(sumi[t], _mm256_maddubs_epi16(qh, loadu(q8 + 32)), scale_h);
            }
        }
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t)
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * tk.x[t][i].d), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
    }
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) out[t * os] = hsum(acc[t]);
}

#if TESSERA_CPU_ISA_avx512
// AVX-512 variants of Q4_K / Q5_K / Q6_K: 64 weights per 512-bit vector, the int16 sub-block scales
// spread over their lanes with one permute; the rest is the scheme above.

// 32 int16 lanes: lanes 0..15 = v[a], lanes 16..31 = v[b], from the 16 int16 of a 256-bit vector.
inline __m512i i16_pair_spread(__m256i v, int a, int b) {
    const __m512i idx = _mm512_inserti64x4(_mm512_zextsi256_si512(_mm256_set1_epi16(static_cast<short>(a))),
                                           _mm256_set1_epi16(static_cast<short>(b)), 1);
    return _mm512_permutexvar_epi16(idx, _mm512_zextsi256_si512(v));
}

// 32 int16 lanes in 4 groups of 8: group k = v[g0 + k] (Q6_K: 16 elements = 8 pair lanes per scale).
inline __m512i i16_quad_spread(__m256i v, int g0) {
    const __m512i idx = _mm512_set_epi64(0x0001000100010001ll * (g0 + 3), 0x0001000100010001ll * (g0 + 3),
                                         0x0001000100010001ll * (g0 + 2), 0x0001000100010001ll * (g0 + 2),
                                         0x0001000100010001ll * (g0 + 1), 0x0001000100010001ll * (g0 + 1),
                                         0x0001000100010001ll * (g0 + 0), 0x0001000100010001ll * (g0 + 0));
    return _mm512_permutexvar_epi16(idx, _mm512_zextsi256_si512(v));
}

inline __m256 fold512(__m512i v) {
    return _mm256_cvtepi32_ps(_mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1)));
}

template <bool kQ5, int NT>
void dot_q45_K_512(int64_t n, const void* wv, const uint8_t* xv, size_t xs, float* out, int64_t os) {
    const int64_t nb = n / QK_K;
    const Tokens<NT> tk(xv, xs);
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i one = _mm512_set1_epi8(0x01);
    __m256 acc[NT];
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();

    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* scales_packed;
        const uint8_t* qs;
        fp16_t dh, dminh;
        __m512i hbits = _mm512_setzero_si512();
        if constexpr (kQ5) {
            const block_q5_K& b = static_cast<const block_q5_K*>(wv)[i];
            scales_packed = b.scales, qs = b.qs, dh = b.d, dminh = b.dmin;
            hbits = _mm512_broadcast_i64x4(loadu(b.qh));
        } else {
            const block_q4_K& b = static_cast<const block_q4_K*>(wv)[i];
            scales_packed = b.scales, qs = b.qs, dh = b.d, dminh = b.dmin;
        }
        const float d = h2f(dh), dmin = h2f(dminh);
        const __m256i mins_and_scales = unpack_scales_mins_k4(scales_packed);
        const __m128i mins = _mm256_extracti128_si256(mins_and_scales, 1);

        __m512i sumi[NT];
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) {
            const __m256i bs = loadu(tk.x[t][i].bsums);
            const __m128i q8s = _mm_hadd_epi16(_mm256_castsi256_si128(bs), _mm256_extracti128_si256(bs, 1));
            const __m128 prod = _mm_cvtepi32_ps(_mm_madd_epi16(mins, q8s));
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(-dmin * tk.x[t][i].d), _mm256_zextps128_ps256(prod), acc[t]);
            sumi[t] = _mm512_setzero_si512();
        }
#pragma GCC unroll 2
        for (int half = 0; half < 2; ++half) {
            // 64 bytes = chunks 2h, 2h + 1: low nibbles are elements 0-31 / 64-95 of the 128, high 32-63 / 96-127.
            const __m512i bits = _mm512_loadu_si512(qs + 64 * half);
            __m512i lo = _mm512_and_si512(bits, m4);
            __m512i hi = _mm512_and_si512(_mm512_srli_epi16(bits, 4), m4);
            if constexpr (kQ5) {
                // Fifth bits: chunk c low half from bit 2c, high half from bit 2c + 1 of qh.
                const int c0 = 2 * half;
                const __m512i sh_lo = _mm512_inserti64x4(_mm512_set1_epi16(static_cast<short>(2 * c0)),
                                                         _mm256_set1_epi16(static_cast<short>(2 * c0 + 2)), 1);
                const __m512i sh_hi = _mm512_add_epi16(sh_lo, _mm512_set1_epi16(1));
                lo = _mm512_or_si512(lo, _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(hbits, sh_lo), one), 4));
                hi = _mm512_or_si512(hi, _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(hbits, sh_hi), one), 4));
            }
            const __m512i w0 = _mm512_shuffle_i64x2(lo, hi, _MM_SHUFFLE(1, 0, 1, 0));  // elements 0..63
            const __m512i w1 = _mm512_shuffle_i64x2(lo, hi, _MM_SHUFFLE(3, 2, 3, 2));  // elements 64..127
            const __m512i sc0 = i16_pair_spread(mins_and_scales, 4 * half + 0, 4 * half + 1);
            const __m512i sc1 = i16_pair_spread(mins_and_scales, 4 * half + 2, 4 * half + 3);
#pragma GCC unroll 4
            for (int t = 0; t < NT; ++t) {
                const int8_t* q8 = tk.x[t][i].qs + 128 * half;
                sumi[t] = _mm512_dpwssd_epi32(sumi[t], _mm512_maddubs_epi16(w0, _mm512_loadu_si512(q8)), sc0);
                sumi[t] = _mm512_dpwssd_epi32(sumi[t], _mm512_maddubs_epi16(w1, _mm512_loadu_si512(q8 + 64)), sc1);
            }
        }
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * tk.x[t][i].d), fold512(sumi[t]), acc[t]);
    }
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) out[t * os] = hsum(acc[t]);
}

template <int NT>
void dot_q6_K_512(int64_t n, const void* wv, const uint8_t* xv, size_t xs, float* out, int64_t os) {
    const block_q6_K* w = static_cast<const block_q6_K*>(wv);
    const int64_t nb = n / QK_K;
    const Tokens<NT> tk(xv, xs);
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i m2 = _mm512_set1_epi8(0x03);
    const __m512i sh01 = _mm512_inserti64x4(_mm512_set1_epi16(0), _mm256_set1_epi16(2), 1);
    const __m512i sh23 = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(6), 1);
    __m256 acc[NT];
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();

    for (int64_t i = 0; i < nb; ++i) {
        const float d = h2f(w[i].d);
        const __m256i sc16 = _mm256_cvtepi8_epi16(loadu128(w[i].scales));
        __m512i sumi[NT];
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) {
            const __m256i prod = _mm256_madd_epi16(sc16, loadu(tk.x[t][i].bsums));  // -32 · Σ scale · bsum
            sumi[t] = _mm512_zextsi256_si512(_mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(prod, 5)));
        }
#pragma GCC unroll 2
        for (int h = 0; h < 2; ++h) {
            const __m512i bits = _mm512_loadu_si512(w[i].ql + 64 * h);  // [ql 0..31 | ql 32..63] of this half
            const __m512i hb = _mm512_broadcast_i64x4(loadu(w[i].qh + 32 * h));
            const __m512i h01 = _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(hb, sh01), m2), 4);
            const __m512i h23 = _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(hb, sh23), m2), 4);
            const __m512i w01 = _mm512_or_si512(_mm512_and_si512(bits, m4), h01);                          // elements 0..63
            const __m512i w23 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(bits, 4), m4), h23);  // 64..127
            const __m512i sc01 = i16_quad_spread(sc16, 8 * h);
            const __m512i sc23 = i16_quad_spread(sc16, 8 * h + 4);
#pragma GCC unroll 4
            for (int t = 0; t < NT; ++t) {
                const int8_t* q8 = tk.x[t][i].qs + 128 * h;
                sumi[t] = _mm512_dpwssd_epi32(sumi[t], _mm512_maddubs_epi16(w01, _mm512_loadu_si512(q8)), sc01);
                sumi[t] = _mm512_dpwssd_epi32(sumi[t], _mm512_maddubs_epi16(w23, _mm512_loadu_si512(q8 + 64)), sc23);
            }
        }
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * tk.x[t][i].d), fold512(sumi[t]), acc[t]);
    }
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) out[t * os] = hsum(acc[t]);
}
#endif

// ---- Q6_K: 16 sub-blocks of 16 with int8 scales; quants 0..63 offset by -32 ----

template <int NT>
void dot_q6_K_t(int64_t n, const void* wv, const uint8_t* xv, size_t xs, float* out, int64_t os) {
    const block_q6_K* w = static_cast<const block_q6_K*>(wv);
    const int64_t nb = n / QK_K;
    const Tokens<NT> tk(xv, xs);
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256i m2 = _mm256_set1_epi8(0x03);
    __m256 acc[NT];
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();

    for (int64_t i = 0; i < nb; ++i) {
        const float d = h2f(w[i].d);
        const __m128i scales = loadu128(w[i].scales);
        __m256i sumi[NT];
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) {
            // -32 · Σ_g scale_g · bsum_g
            const __m256i prod = _mm256_madd_epi16(_mm256_cvtepi8_epi16(scales), loadu(tk.x[t][i].bsums));
            sumi[t] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(prod, 5));
        }
#pragma GCC unroll 2
        for (int h = 0; h < 2; ++h) {
            const __m256i bits1 = loadu(w[i].ql + 64 * h);
            const __m256i bits2 = loadu(w[i].ql + 64 * h + 32);
            const __m256i bitsh = loadu(w[i].qh + 32 * h);
            __m256i q[4];
            q[0] = _mm256_or_si256(_mm256_and_si256(bits1, m4), _mm256_slli_epi16(_mm256_and_si256(bitsh, m2), 4));
            q[1] = _mm256_or_si256(_mm256_and_si256(bits2, m4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(bitsh, 2), m2), 4));
            q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(bits1, 4), m4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(bitsh, 4), m2), 4));
            q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(bits2, 4), m4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(bitsh, 6), m2), 4));
#pragma GCC unroll 4
            for (int k = 0; k < 4; ++k) {
                const __m256i sc = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales, scale_pair_shuffle(4 * h + k)));
#pragma GCC unroll 4
                for (int t = 0; t < NT; ++t) {
                    const __m256i y = loadu(tk.x[t][i].qs + 128 * h + 32 * k);
                    sumi[t] = dot_i16(sumi[t], _mm256_maddubs_epi16(q[k], y), sc);
                }
            }
        }
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t)
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * tk.x[t][i].d), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
    }
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) out[t * os] = hsum(acc[t]);
}

// ---- Q2_K / Q3_K: 16 sub-blocks of 16, 2-bit quants (+ a high bit for Q3_K) ----

template <int NT>
void dot_q2_K_t(int64_t n, const void* wv, const uint8_t* xv, size_t xs, float* out, int64_t os) {
    const block_q2_K* w = static_cast<const block_q2_K*>(wv);
    const int64_t nb = n / QK_K;
    const Tokens<NT> tk(xv, xs);
    const __m128i m4 = _mm_set1_epi8(0x0F);
    const __m256i m3 = _mm256_set1_epi8(0x03);
    __m256 acc[NT];
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();

    for (int64_t i = 0; i < nb; ++i) {
        const float d = h2f(w[i].d), dmin = h2f(w[i].dmin);
        const __m128i mins_and_scales = loadu128(w[i].scales);
        const __m128i scales8 = _mm_and_si128(mins_and_scales, m4);
        const __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(mins_and_scales, 4), m4));
        __m256i sumi[NT];
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) {
            const __m256i prod = _mm256_madd_epi16(mins, loadu(tk.x[t][i].bsums));
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(-dmin * tk.x[t][i].d), _mm256_cvtepi32_ps(prod), acc[t]);
            sumi[t] = _mm256_setzero_si256();
        }
#pragma GCC unroll 2
        for (int h = 0; h < 2; ++h) {
            const __m256i q2bits = loadu(w[i].qs + 32 * h);
#pragma GCC unroll 4
            for (int k = 0; k < 4; ++k) {
                const __m256i q = _mm256_and_si256(_mm256_srli_epi16(q2bits, 2 * k), m3);
                const __m256i sc = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(scales8, scale_pair_shuffle(4 * h + k)));
#pragma GCC unroll 4
                for (int t = 0; t < NT; ++t) {
                    const __m256i y = loadu(tk.x[t][i].qs + 128 * h + 32 * k);
                    sumi[t] = dot_i16(sumi[t], _mm256_maddubs_epi16(q, y), sc);
                }
            }
        }
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t)
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * tk.x[t][i].d), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
    }
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) out[t * os] = hsum(acc[t]);
}

template <int NT>
void dot_q3_K_t(int64_t n, const void* wv, const uint8_t* xv, size_t xs, float* out, int64_t os) {
    const block_q3_K* w = static_cast<const block_q3_K*>(wv);
    const int64_t nb = n / QK_K;
    const Tokens<NT> tk(xv, xs);
    const __m256i m3 = _mm256_set1_epi8(0x03);
    const __m256i one = _mm256_set1_epi8(0x01);
    __m256 acc[NT];
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();

    for (int64_t i = 0; i < nb; ++i) {
        const float d = h2f(w[i].d);
        const __m128i scales = unpack_scales_q3_K(w[i].scales);
        __m256i sumi[NT];
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) {
            // q = (low 2 bits | high bit << 2) - 4: the -4 goes through -4 · Σ_g scale_g · bsum_g.
            const __m256i prod = _mm256_madd_epi16(_mm256_cvtepi8_epi16(scales), loadu(tk.x[t][i].bsums));
            sumi[t] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(prod, 2));
        }
        const __m256i hbits = loadu(w[i].hmask);
#pragma GCC unroll 2
        for (int h = 0; h < 2; ++h) {
            const __m256i q2bits = loadu(w[i].qs + 32 * h);
#pragma GCC unroll 4
            for (int k = 0; k < 4; ++k) {
                const __m256i lo = _mm256_and_si256(_mm256_srli_epi16(q2bits, 2 * k), m3);
                const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(hbits, 4 * h + k), one);
                const __m256i q = _mm256_or_si256(lo, _mm256_slli_epi16(hi, 2));
                const __m256i sc = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales, scale_pair_shuffle(4 * h + k)));
#pragma GCC unroll 4
                for (int t = 0; t < NT; ++t) {
                    const __m256i y = loadu(tk.x[t][i].qs + 128 * h + 32 * k);
                    sumi[t] = dot_i16(sumi[t], _mm256_maddubs_epi16(q, y), sc);
                }
            }
        }
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t)
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * tk.x[t][i].d), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
    }
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) out[t * os] = hsum(acc[t]);
}

// ---- Q8_K weights (not a file type, but supported): plain int8 dot per super-block ----

template <int NT>
void dot_q8_K_t(int64_t n, const void* wv, const uint8_t* xv, size_t xs, float* out, int64_t os) {
    const block_q8_K* w = static_cast<const block_q8_K*>(wv);
    const int64_t nb = n / QK_K;
    const Tokens<NT> tk(xv, xs);
    __m256 acc[NT];
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < nb; ++i) {
        __m256i sumi[NT];
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) sumi[t] = _mm256_setzero_si256();
        for (int c = 0; c < QK_K / 32; ++c) {
            const __m256i qw = loadu(w[i].qs + 32 * c);
            const __m256i aw = _mm256_sign_epi8(qw, qw);
#pragma GCC unroll 4
            for (int t = 0; t < NT; ++t)
                sumi[t] = dot_u8s8(sumi[t], aw, _mm256_sign_epi8(loadu(tk.x[t][i].qs + 32 * c), qw));
        }
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t)
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(w[i].d * tk.x[t][i].d), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
    }
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) out[t * os] = hsum(acc[t]);
}

}  // namespace

void dot_q2_K(int64_t n, const void* w, const uint8_t* x, size_t xs, const float*, size_t, int nt, float* out, int64_t os) {
    TESSERA_DISPATCH_NT(nt, (dot_q2_K_t<NT>(n, w, x, xs, out, os)))
}
void dot_q3_K(int64_t n, const void* w, const uint8_t* x, size_t xs, const float*, size_t, int nt, float* out, int64_t os) {
    TESSERA_DISPATCH_NT(nt, (dot_q3_K_t<NT>(n, w, x, xs, out, os)))
}
void dot_q4_K(int64_t n, const void* w, const uint8_t* x, size_t xs, const float*, size_t, int nt, float* out, int64_t os) {
#if TESSERA_CPU_ISA_avx512
    TESSERA_DISPATCH_NT(nt, (dot_q45_K_512<false, NT>(n, w, x, xs, out, os)))
#else
    TESSERA_DISPATCH_NT(nt, (dot_q45_K_t<false, NT>(n, w, x, xs, out, os)))
#endif
}
void dot_q5_K(int64_t n, const void* w, const uint8_t* x, size_t xs, const float*, size_t, int nt, float* out, int64_t os) {
#if TESSERA_CPU_ISA_avx512
    TESSERA_DISPATCH_NT(nt, (dot_q45_K_512<true, NT>(n, w, x, xs, out, os)))
#else
    TESSERA_DISPATCH_NT(nt, (dot_q45_K_t<true, NT>(n, w, x, xs, out, os)))
#endif
}
void dot_q6_K(int64_t n, const void* w, const uint8_t* x, size_t xs, const float*, size_t, int nt, float* out, int64_t os) {
#if TESSERA_CPU_ISA_avx512
    TESSERA_DISPATCH_NT(nt, (dot_q6_K_512<NT>(n, w, x, xs, out, os)))
#else
    TESSERA_DISPATCH_NT(nt, (dot_q6_K_t<NT>(n, w, x, xs, out, os)))
#endif
}
void dot_q8_K(int64_t n, const void* w, const uint8_t* x, size_t xs, const float*, size_t, int nt, float* out, int64_t os) {
    TESSERA_DISPATCH_NT(nt, (dot_q8_K_t<NT>(n, w, x, xs, out, os)))
}

}  // namespace tessera::cpu::TESSERA_CPU_ISA
