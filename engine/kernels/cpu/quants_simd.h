#pragma once
// Internal to kernels/cpu/quants*.cpp and matmul.cpp: SIMD helpers and the per-type dot kernels.
// Compiled once per ISA (TESSERA_CPU_ISA = avx2 | avx512); everything here has internal linkage or
// lives in namespace tessera::cpu::TESSERA_CPU_ISA, so the two builds never share a symbol.
#ifndef TESSERA_CPU_ISA
#error "kernels/cpu/quants_simd.h is only for files compiled per ISA (kernels/cpu/*.cpp)"
#endif

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "engine/core/dtype.h"
#include "engine/core/fp16.h"

namespace tessera::cpu::TESSERA_CPU_ISA {

// ---- dot kernels: out[t * out_stride] = w · x_t for t in [0, nt), 1 <= nt <= simd::kTokenTile ----
// w: one row of n elements of the weight type; x_t = x + t * x_stride bytes, a row of the partner type.
// aux: for Q8_0 / Q8_1 partners, per token t at aux + t * aux_stride, act_aux() of x_t; else unused.
using DotKernel = void (*)(int64_t n, const void* w, const uint8_t* x, size_t x_stride, const float* aux,
                           size_t aux_stride, int nt, float* out, int64_t out_stride);

#define TESSERA_DOT_KERNEL(name)                                                                             \
    void name(int64_t n, const void* w, const uint8_t* x, size_t x_stride, const float* aux, size_t aux_stride, \
              int nt, float* out, int64_t out_stride)
// quants.cpp
TESSERA_DOT_KERNEL(dot_f32);
TESSERA_DOT_KERNEL(dot_f16);
TESSERA_DOT_KERNEL(dot_bf16);
// quants_32.cpp
TESSERA_DOT_KERNEL(dot_q4_0);
TESSERA_DOT_KERNEL(dot_q4_1);
TESSERA_DOT_KERNEL(dot_q5_0);
TESSERA_DOT_KERNEL(dot_q5_1);
TESSERA_DOT_KERNEL(dot_q8_0);
TESSERA_DOT_KERNEL(dot_q8_1);
// quants_k.cpp
TESSERA_DOT_KERNEL(dot_q2_K);
TESSERA_DOT_KERNEL(dot_q3_K);
TESSERA_DOT_KERNEL(dot_q4_K);
TESSERA_DOT_KERNEL(dot_q5_K);
TESSERA_DOT_KERNEL(dot_q6_K);
TESSERA_DOT_KERNEL(dot_q8_K);
#undef TESSERA_DOT_KERNEL

// Per-token data of a Q8_0 / Q8_1 activation row that every weight row uses (quants_32.cpp):
// aux (2, n / 32) = [d_b as float | s_b], s_b = d_b · Σ q (Q8_0, exact in float) or the block's
// stored fp16 s (Q8_1, as ggml uses it).
bool needs_act_aux(DType partner);
void act_aux(DType partner, const uint8_t* x, int64_t n, float* aux);

// activation quantizers (quants.cpp); bit-identical to the ref ones
void quantize_q8_0_act(const float* x, block_q8_0* y, int64_t n);
void quantize_q8_1_act(const float* x, block_q8_1* y, int64_t n);
void quantize_q8_K_act(const float* x, block_q8_K* y, int64_t n);
void convert_f16_act(const float* x, fp16_t* y, int64_t n);
void convert_bf16_act(const float* x, uint16_t* y, int64_t n);

namespace simd {

// Tokens per kernel call: AVX2 has 16 vector registers and spills with wider tiles.
#if TESSERA_CPU_ISA_avx512
constexpr int kTokenTile = 4;
#else
constexpr int kTokenTile = 2;
#endif

// Runs `call` (an expression using the constant NT) with NT = nt, 1 <= nt <= kTokenTile.
#if TESSERA_CPU_ISA_avx512
#define TESSERA_DISPATCH_NT(nt, call)                   \
    switch (nt) {                                       \
        case 1: { constexpr int NT = 1; call; } break;  \
        case 2: { constexpr int NT = 2; call; } break;  \
        case 3: { constexpr int NT = 3; call; } break;  \
        default: { constexpr int NT = 4; call; } break; \
    }
#else
#define TESSERA_DISPATCH_NT(nt, call)                   \
    switch (nt) {                                       \
        case 1: { constexpr int NT = 1; call; } break;  \
        default: { constexpr int NT = 2; call; } break; \
    }
#endif

static inline float h2f(fp16_t h) { return _cvtsh_ss(h); }

static inline float hsum(__m256 v) {
    __m128 r = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    r = _mm_add_ps(r, _mm_movehl_ps(r, r));
    r = _mm_add_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}

static inline int hsum_i32(__m256i v) {
    __m128i r = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    r = _mm_add_epi32(r, _mm_unpackhi_epi64(r, r));
    r = _mm_add_epi32(r, _mm_shuffle_epi32(r, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(r);
}

// acc + sum over each group of 4 bytes of u (unsigned) * s (signed), in int32 lanes.
// AVX2 goes through 16-bit pair sums: exact as long as u*s pair sums stay below 2^15, which holds
// for every caller (|u| <= 127 with |s| <= 127, or u <= 63).
static inline __m256i dot_u8s8(__m256i acc, __m256i u, __m256i s) {
#if TESSERA_CPU_ISA_avx512
    return _mm256_dpbusd_epi32(acc, u, s);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
#endif
}

// acc + pairwise int16 products summed into int32 lanes.
static inline __m256i dot_i16(__m256i acc, __m256i a, __m256i b) {
#if TESSERA_CPU_ISA_avx512
    return _mm256_dpwssd_epi32(acc, a, b);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
#endif
}

// 16 packed nibbles -> 32 bytes: low nibbles in bytes 0..15, high nibbles in bytes 16..31.
static inline __m256i nibbles_32(const uint8_t* p) {
    const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m256i b = _mm256_inserti128_si256(_mm256_zextsi128_si256(t), _mm_srli_epi16(t, 4), 1);
    return _mm256_and_si256(b, _mm256_set1_epi8(0x0F));
}

// 32 bits -> 32 bytes, 0xFF where the bit is set (bit j -> byte j).
static inline __m256i bytes_from_bits_32(const uint8_t* p) {
    uint32_t bits;
    std::memcpy(&bits, p, 4);
#if TESSERA_CPU_ISA_avx512
    return _mm256_movm_epi8(static_cast<__mmask32>(bits));
#else
    const __m256i shuf = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
    __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), shuf);
    bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
    return _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
#endif
}

static inline __m256i loadu(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

}  // namespace simd
}  // namespace tessera::cpu::TESSERA_CPU_ISA
