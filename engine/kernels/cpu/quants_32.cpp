// SIMD dot kernels (compiled per ISA) for the 32-element block types with Q8_0 / Q8_1 activations.
// ref: ggml-cpu/arch/x86/quants.c ggml_vec_dot_q4_0_q8_0 .. ggml_vec_dot_q8_0_q8_0 (same integer
// sums; the arrangement below is ours). Scalar ground truth: kernels/ref/quants.cpp.
//
// Per block b: P_b = Σ q_w q_x over 32 int8 products (exact int32), result Σ_b d_w d_x P_b.
// Offsets are folded out of the inner loop: with u = q_w + off >= 0 (Q4_0: off 8, Q5_0: 16),
// Σ_b d_w d_x Σ (u - off) q_x = Σ_b d_w d_x Σ u q_x - off · Σ_b d_w s_b with s_b = d_x Σ q_x.
// s_b and d_x (as floats) come from the activation row once per matmul (act_aux), shared by all
// weight rows. Q4_1 / Q5_1 add Σ_b m_w s_b with ggml's stored fp16 s of the Q8_1 block.
// AVX2 does one block per 256-bit vector; AVX-512 two blocks per 512-bit vector, with the fp16 weight
// scales of 8 blocks converted at once; the last (n_blocks % 8) blocks take the 256-bit path.
#include "engine/kernels/cpu/quants_simd.h"

namespace tessera::cpu::TESSERA_CPU_ISA {
namespace {

using namespace simd;

// ---- weight block traits: uq() = the 32 quants of a block as unsigned bytes (q + kOffset); for
// kSigned types q() = the int8 quants (dotted through |q_w| · sign(q_x, q_w)); *2() = two blocks ----

#if TESSERA_CPU_ISA_avx512
// Two blocks' nibbles in the element order of two Q8 blocks side by side: 128-bit lanes qs0, qs0,
// qs1, qs1 shifted right by 0, 4, 0, 4 bits.
inline __m512i nibbles_2x32(const uint8_t* qs0, const uint8_t* qs1) {
    const __m256i a = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs0)));
    const __m256i b = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs1)));
    const __m512i z = _mm512_inserti64x4(_mm512_zextsi256_si512(a), b, 1);
    constexpr long long k4 = 0x0004000400040004;
    return _mm512_and_si512(_mm512_srlv_epi16(z, _mm512_set_epi64(k4, k4, 0, 0, k4, k4, 0, 0)), _mm512_set1_epi8(0x0F));
}

inline __mmask64 bits_2x32(const uint8_t* qh0, const uint8_t* qh1) {
    uint32_t h0, h1;
    std::memcpy(&h0, qh0, 4);
    std::memcpy(&h1, qh1, 4);
    return static_cast<uint64_t>(h0) | (static_cast<uint64_t>(h1) << 32);
}
#endif

struct Q4_0W {
    using B = block_q4_0;
    static constexpr int kOffset = 8;
    static constexpr bool kSigned = false, kMin = false;
    static __m256i uq(const B& b) { return nibbles_32(b.qs); }
#if TESSERA_CPU_ISA_avx512
    static __m512i uq2(const B& b0, const B& b1) { return nibbles_2x32(b0.qs, b1.qs); }
#endif
};

// 32 five-bit quants: nibble | fifth bit << 4.
inline __m256i quants5_32(const uint8_t* qs, const uint8_t* qh) {
    const __m256i lo = nibbles_32(qs);
#if TESSERA_CPU_ISA_avx512
    uint32_t bits;
    std::memcpy(&bits, qh, 4);
    return _mm256_mask_add_epi8(lo, bits, lo, _mm256_set1_epi8(16));
#else
    return _mm256_or_si256(lo, _mm256_and_si256(bytes_from_bits_32(qh), _mm256_set1_epi8(0x10)));
#endif
}

struct Q5_0W {
    using B = block_q5_0;
    static constexpr int kOffset = 16;
    static constexpr bool kSigned = false, kMin = false;
    static __m256i uq(const B& b) { return quants5_32(b.qs, b.qh); }
#if TESSERA_CPU_ISA_avx512
    static __m512i uq2(const B& b0, const B& b1) {
        const __m512i lo = nibbles_2x32(b0.qs, b1.qs);
        return _mm512_mask_add_epi8(lo, bits_2x32(b0.qh, b1.qh), lo, _mm512_set1_epi8(16));
    }
#endif
};

struct Q4_1W {
    using B = block_q4_1;
    static constexpr int kOffset = 0;
    static constexpr bool kSigned = false, kMin = true;
    static __m256i uq(const B& b) { return nibbles_32(b.qs); }
#if TESSERA_CPU_ISA_avx512
    static __m512i uq2(const B& b0, const B& b1) { return nibbles_2x32(b0.qs, b1.qs); }
#endif
};

struct Q5_1W {
    using B = block_q5_1;
    static constexpr int kOffset = 0;
    static constexpr bool kSigned = false, kMin = true;
    static __m256i uq(const B& b) { return quants5_32(b.qs, b.qh); }
#if TESSERA_CPU_ISA_avx512
    static __m512i uq2(const B& b0, const B& b1) {
        const __m512i lo = nibbles_2x32(b0.qs, b1.qs);
        return _mm512_mask_add_epi8(lo, bits_2x32(b0.qh, b1.qh), lo, _mm512_set1_epi8(16));
    }
#endif
};

template <class BQ>
struct Q8W {
    using B = BQ;
    static constexpr int kOffset = 0;
    static constexpr bool kSigned = true, kMin = false;
    static __m256i q(const B& b) { return loadu(b.qs); }
#if TESSERA_CPU_ISA_avx512
    static __m512i q2(const B& b0, const B& b1) { return _mm512_inserti64x4(_mm512_zextsi256_si512(loadu(b0.qs)), loadu(b1.qs), 1); }
#endif
};

#if TESSERA_CPU_ISA_avx512
// Word indices (into up to four 64-byte chunks) of the fp16 at byte kOff + k * kStride, k = 0..7.
template <int kStride, int kOff>
struct StridedFp16 {
    static constexpr int word(int k) { return (kOff + k * kStride) / 2; }
    static constexpr int kChunks = word(7) / 32 + 1;  // 64-byte chunks touched
    static_assert(kStride % 2 == 0 && kOff % 2 == 0 && kChunks <= 4, "unsupported block layout");
    struct Idx {
        alignas(64) uint16_t v[32];
        constexpr explicit Idx(int base) : v{} {
            for (int k = 0; k < 8; ++k) v[k] = static_cast<uint16_t>((word(k) - base) & 63);
        }
    };
    static constexpr Idx kIdxLo{0}, kIdxHi{64};
    static constexpr __mmask8 high_lanes() {  // lanes whose word lives in chunks 2..3
        unsigned m = 0;
        for (int k = 0; k < 8; ++k) m |= (word(k) >= 64 ? 1u : 0u) << k;
        return static_cast<__mmask8>(m);
    }
    // Chunk c, never reading past the 8 blocks (8 * kStride bytes): a tail chunk is a masked load.
    static __m512i chunk(const uint8_t* p, int c) {
        const int valid = kStride * 8 - 64 * c;
        if (valid >= 64) return _mm512_loadu_si512(p + 64 * c);
        return _mm512_maskz_loadu_epi8((__mmask64{1} << valid) - 1, p + 64 * c);
    }
    // The 8 values as floats; p = the first of 8 consecutive blocks.
    static __m256 load(const void* pv) {
        const uint8_t* p = static_cast<const uint8_t*>(pv);
        __m512i r = _mm512_permutex2var_epi16(chunk(p, 0), _mm512_load_si512(kIdxLo.v),
                                              kChunks > 1 ? chunk(p, 1) : _mm512_setzero_si512());
        if constexpr (kChunks > 2) {
            const __m512i hi = _mm512_permutex2var_epi16(chunk(p, 2), _mm512_load_si512(kIdxHi.v),
                                                         kChunks > 3 ? chunk(p, 3) : _mm512_setzero_si512());
            r = _mm512_mask_blend_epi16(high_lanes(), r, hi);
        }
        return _mm256_cvtph_ps(_mm512_castsi512_si128(r));
    }
};

// [v[2k] x 8, v[2k+1] x 8]: the scales of block pair k of 8, laid out like the pair's int32 lanes.
inline __m512 pair_scales(__m256 v, int k) {
    const __m512i idx = _mm512_inserti64x4(_mm512_zextsi256_si512(_mm256_set1_epi32(2 * k)), _mm256_set1_epi32(2 * k + 1), 1);
    return _mm512_permutexvar_ps(idx, _mm512_zextps256_ps512(v));
}
#endif

template <class W, class BX, int NT>
void dot_q32_t(int64_t n, const void* wv, const uint8_t* x, size_t xs, const float* aux, size_t as, float* out,
               int64_t os) {
    using BW = typename W::B;
    constexpr bool kCorr = W::kOffset != 0 || W::kMin;  // needs Σ_b (d_w or m_w) · s_b
    const BW* w = static_cast<const BW*>(wv);
    const int64_t nb = n / 32;
    const BX* xb[NT];
    const float* xd[NT];  // (nb) activation scales
    const float* xsum[NT];  // (nb) s_b
    __m256 acc[NT][2];
    __m128 corr[NT];  // lane 0: Σ_b (d_w or m_w) · s_b of the 256-bit path
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) {
        xb[t] = reinterpret_cast<const BX*>(x + t * xs);
        xd[t] = aux + t * as;
        xsum[t] = xd[t] + nb;
        acc[t][0] = acc[t][1] = _mm256_setzero_ps();
        corr[t] = _mm_setzero_ps();
    }
    int64_t ib = 0;
#if TESSERA_CPU_ISA_avx512
    {
        __m512 acc2[NT][2];  // pairs 0, 2 and pairs 1, 3: two FMA chains per token
        __m256 corr8[NT];
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) {
            acc2[t][0] = acc2[t][1] = _mm512_setzero_ps();
            corr8[t] = _mm256_setzero_ps();
        }
        for (; ib + 8 <= nb; ib += 8) {
            const __m256 dw = StridedFp16<sizeof(BW), 0>::load(&w[ib]);
            __m256 d8[NT];
#pragma GCC unroll 4
            for (int t = 0; t < NT; ++t) {
                d8[t] = _mm256_mul_ps(dw, _mm256_loadu_ps(xd[t] + ib));
                if constexpr (W::kMin)
                    corr8[t] = _mm256_fmadd_ps(StridedFp16<sizeof(BW), 2>::load(&w[ib]), _mm256_loadu_ps(xsum[t] + ib), corr8[t]);
                else if constexpr (W::kOffset != 0)
                    corr8[t] = _mm256_fmadd_ps(dw, _mm256_loadu_ps(xsum[t] + ib), corr8[t]);
            }
#pragma GCC unroll 4
            for (int k = 0; k < 4; ++k) {
                const BW& w0 = w[ib + 2 * k];
                const BW& w1 = w[ib + 2 * k + 1];
                if constexpr (W::kSigned) {
                    const __m512i qw = W::q2(w0, w1);
                    const __mmask64 neg = _mm512_movepi8_mask(qw);
                    const __m512i aw = _mm512_abs_epi8(qw);
#pragma GCC unroll 4
                    for (int t = 0; t < NT; ++t) {
                        const __m512i y = _mm512_inserti64x4(_mm512_zextsi256_si512(loadu(xb[t][ib + 2 * k].qs)),
                                                             loadu(xb[t][ib + 2 * k + 1].qs), 1);
                        const __m512i sy = _mm512_mask_sub_epi8(y, neg, _mm512_setzero_si512(), y);
                        const __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), aw, sy);
                        acc2[t][k & 1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p), pair_scales(d8[t], k), acc2[t][k & 1]);
                    }
                } else {
                    const __m512i uw = W::uq2(w0, w1);
#pragma GCC unroll 4
                    for (int t = 0; t < NT; ++t) {
                        const __m512i y = _mm512_inserti64x4(_mm512_zextsi256_si512(loadu(xb[t][ib + 2 * k].qs)),
                                                             loadu(xb[t][ib + 2 * k + 1].qs), 1);
                        const __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), uw, y);
                        acc2[t][k & 1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p), pair_scales(d8[t], k), acc2[t][k & 1]);
                    }
                }
            }
        }
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) {
            const __m512 a = _mm512_add_ps(acc2[t][0], acc2[t][1]);
            acc[t][0] = _mm256_add_ps(_mm512_castps512_ps256(a), _mm512_extractf32x8_ps(a, 1));
            if constexpr (kCorr) corr[t] = _mm_set_ss(hsum(corr8[t]));
        }
    }
#endif
    auto block = [&](int64_t i, int u) __attribute__((always_inline)) {
        const __m256 dw = _mm256_cvtph_ps(_mm_set1_epi16(static_cast<short>(w[i].d)));
        __m256i qw = _mm256_setzero_si256(), aw;
        if constexpr (W::kSigned) {
            qw = W::q(w[i]);
            aw = _mm256_sign_epi8(qw, qw);
        } else {
            aw = W::uq(w[i]);
        }
        __m128 cw = _mm256_castps256_ps128(dw);
        if constexpr (W::kMin) cw = _mm_cvtph_ps(_mm_cvtsi32_si128(w[i].m));
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) {
            __m256i y = loadu(xb[t][i].qs);
            if constexpr (W::kSigned) y = _mm256_sign_epi8(y, qw);
            const __m256i p = dot_u8s8(_mm256_setzero_si256(), aw, y);
            const __m256 d = _mm256_mul_ps(dw, _mm256_broadcast_ss(xd[t] + i));
            acc[t][u] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), acc[t][u]);
            if constexpr (kCorr) corr[t] = _mm_fmadd_ss(cw, _mm_load_ss(xsum[t] + i), corr[t]);
        }
    };
    for (; ib + 1 < nb; ib += 2) {
        block(ib, 0);
        block(ib + 1, 1);
    }
    if (ib < nb) block(ib, 0);
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) {
        float r = hsum(_mm256_add_ps(acc[t][0], acc[t][1]));
        if constexpr (W::kMin) r += _mm_cvtss_f32(corr[t]);
        else if constexpr (W::kOffset != 0) r -= static_cast<float>(W::kOffset) * _mm_cvtss_f32(corr[t]);
        out[t * os] = r;
    }
}

}  // namespace

bool needs_act_aux(DType partner) { return partner == DType::Q8_0 || partner == DType::Q8_1; }

void act_aux(DType partner, const uint8_t* x, int64_t n, float* aux) {
    const int64_t nb = n / 32;
    float* d = aux;
    float* s = aux + nb;
    if (partner == DType::Q8_0) {
        const block_q8_0* b = reinterpret_cast<const block_q8_0*>(x);
        for (int64_t i = 0; i < nb; ++i) {
            // Σ q via the unsigned byte sum of q + 128.
            const __m256i u = _mm256_xor_si256(loadu(b[i].qs), _mm256_set1_epi8(static_cast<char>(0x80)));
            const __m256i sad = _mm256_sad_epu8(u, _mm256_setzero_si256());
            const int sum = hsum_i32(sad) - 32 * 128;  // the 4 64-bit sums fit in their low 32 bits
            d[i] = h2f(b[i].d);
            s[i] = d[i] * static_cast<float>(sum);  // exact: 11-bit d times a 12-bit sum
        }
    } else if (partner == DType::Q8_1) {
        const block_q8_1* b = reinterpret_cast<const block_q8_1*>(x);
        for (int64_t i = 0; i < nb; ++i) {
            d[i] = h2f(b[i].d);
            s[i] = h2f(b[i].s);  // ggml uses the block's stored fp16 s
        }
    }
}

#define TESSERA_Q32_KERNEL(name, W, BX)                                                                             \
    void name(int64_t n, const void* w, const uint8_t* x, size_t xs, const float* aux, size_t as, int nt, float* out, \
              int64_t os) {                                                                                         \
        TESSERA_DISPATCH_NT(nt, (dot_q32_t<W, BX, NT>(n, w, x, xs, aux, as, out, os)))                              \
    }

TESSERA_Q32_KERNEL(dot_q4_0, Q4_0W, block_q8_0)
TESSERA_Q32_KERNEL(dot_q5_0, Q5_0W, block_q8_0)
TESSERA_Q32_KERNEL(dot_q8_0, Q8W<block_q8_0>, block_q8_0)
TESSERA_Q32_KERNEL(dot_q4_1, Q4_1W, block_q8_1)
TESSERA_Q32_KERNEL(dot_q5_1, Q5_1W, block_q8_1)
TESSERA_Q32_KERNEL(dot_q8_1, Q8W<block_q8_1>, block_q8_1)

#undef TESSERA_Q32_KERNEL

}  // namespace tessera::cpu::TESSERA_CPU_ISA
