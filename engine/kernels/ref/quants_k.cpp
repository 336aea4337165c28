// Scalar reference for the 256-element super-block ("K") types: Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K.
// ref: ggml/src/ggml-quants.c (make_qx_quants, make_q3_quants, make_qkx2_quants, quantize_row_q*_K_ref,
//      dequantize_row_q*_K), ggml/src/ggml-cpu/quants.c (ggml_vec_dot_q*_K_q8_K_generic)
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/core/fp16.h"
#include "engine/kernels/ref/quants.h"

namespace tessera::ref {
namespace {

constexpr float kGroupMaxEps = 1e-15f;  // ref: ggml-quants.c GROUP_MAX_EPS

inline float h2f(fp16_t h) { return fp16_to_fp32(h); }
inline fp16_t f2h(float f) { return fp32_to_fp16(f); }

// Round to nearest, ties to even, for |fval| <= 4194303 (ref: ggml-quants.c nearest_int).
inline int nearest_int(float fval) {
    const float val = fval + 12582912.f;
    int i;
    std::memcpy(&i, &val, sizeof(int));
    return (i & 0x007fffff) - 0x00400000;
}

// ref: ggml-quants.c make_qx_quants (symmetric quants in [-nmax, nmax-1], stored + nmax)
float make_qx_quants(int n, int nmax, const float* x, int8_t* L, int rmse_type, const float* qw) {
    float max = 0, amax = 0;
    for (int i = 0; i < n; ++i) {
        const float ax = std::fabs(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    if (amax < kGroupMaxEps) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        return 0.f;
    }
    float iscale = -nmax / max;
    if (rmse_type == 0) {
        for (int i = 0; i < n; ++i) {
            const int l = nearest_int(iscale * x[i]);
            L[i] = static_cast<int8_t>(nmax + std::max(-nmax, std::min(nmax - 1, l)));
        }
        return 1 / iscale;
    }
    bool return_early = false;
    if (rmse_type < 0) {
        rmse_type = -rmse_type;
        return_early = true;
    }
    auto weight = [&](int i) -> float {
        return qw ? qw[i]
                  : rmse_type == 1 ? x[i] * x[i]
                  : rmse_type == 2 ? 1
                  : rmse_type == 3 ? std::fabs(x[i])
                                   : std::sqrt(std::fabs(x[i]));
    };
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        int l = nearest_int(iscale * x[i]);
        l = std::max(-nmax, std::min(nmax - 1, l));
        L[i] = static_cast<int8_t>(l + nmax);
        const float w = weight(i);
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
    float scale = suml2 ? sumlx / suml2 : 0.0f;
    if (return_early) return suml2 > 0 ? 0.5f * (scale + 1 / iscale) : 1 / iscale;
    float best = scale * sumlx;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0) continue;
        iscale = -(nmax + 0.1f * is) / max;
        sumlx = suml2 = 0;
        for (int i = 0; i < n; ++i) {
            int l = nearest_int(iscale * x[i]);
            l = std::max(-nmax, std::min(nmax - 1, l));
            const float w = weight(i);
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            for (int i = 0; i < n; ++i) {
                const int l = nearest_int(iscale * x[i]);
                L[i] = static_cast<int8_t>(nmax + std::max(-nmax, std::min(nmax - 1, l)));
            }
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

// ref: ggml-quants.c make_q3_quants
float make_q3_quants(int n, int nmax, const float* x, int8_t* L, bool do_rmse) {
    float max = 0, amax = 0;
    for (int i = 0; i < n; ++i) {
        const float ax = std::fabs(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    if (amax < kGroupMaxEps) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        return 0.f;
    }
    const float iscale = -nmax / max;
    if (do_rmse) {
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; ++i) {
            int l = nearest_int(iscale * x[i]);
            l = std::max(-nmax, std::min(nmax - 1, l));
            L[i] = static_cast<int8_t>(l);
            const float w = x[i] * x[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        for (int itry = 0; itry < 5; ++itry) {
            int n_changed = 0;
            for (int i = 0; i < n; ++i) {
                const float w = x[i] * x[i];
                float slx = sumlx - w * x[i] * L[i];
                if (slx > 0) {
                    float sl2 = suml2 - w * L[i] * L[i];
                    int new_l = nearest_int(x[i] * sl2 / slx);
                    new_l = std::max(-nmax, std::min(nmax - 1, new_l));
                    if (new_l != L[i]) {
                        slx += w * x[i] * new_l;
                        sl2 += w * new_l * new_l;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            L[i] = static_cast<int8_t>(new_l);
                            sumlx = slx;
                            suml2 = sl2;
                            ++n_changed;
                        }
                    }
                }
            }
            if (!n_changed) break;
        }
        for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(L[i] + nmax);
        return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
    }
    for (int i = 0; i < n; ++i) {
        int l = nearest_int(iscale * x[i]);
        l = std::max(-nmax, std::min(nmax - 1, l));
        L[i] = static_cast<int8_t>(l + nmax);
    }
    return 1 / iscale;
}

// ref: ggml-quants.c make_qkx2_quants (asymmetric quants in [0, nmax] with a min, weighted search)
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* the_min,
                       uint8_t* Laux, float rmin, float rdelta, int nstep, bool use_mad) {
    float min = x[0], max = x[0];
    float sum_w = weights[0];
    float sum_x = sum_w * x[0];
    for (int i = 1; i < n; ++i) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        const float w = weights[i];
        sum_w += w;
        sum_x += w * x[i];
    }
    if (min > 0) min = 0;
    if (max == min) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        *the_min = -min;
        return 0.f;
    }
    float iscale = nmax / (max - min);
    float scale = 1 / iscale;
    float best_error = 0;
    for (int i = 0; i < n; ++i) {
        const int l = nearest_int(iscale * (x[i] - min));
        L[i] = static_cast<uint8_t>(std::max(0, std::min(nmax, l)));
        float diff = scale * L[i] + min - x[i];
        diff = use_mad ? std::fabs(diff) : diff * diff;
        best_error += weights[i] * diff;
    }
    if (nstep < 1) {
        *the_min = -min;
        return scale;
    }
    for (int is = 0; is <= nstep; ++is) {
        iscale = (rmin + rdelta * is + nmax) / (max - min);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < n; ++i) {
            int l = nearest_int(iscale * (x[i] - min));
            l = std::max(0, std::min(nmax, l));
            Laux[i] = static_cast<uint8_t>(l);
            const float w = weights[i];
            sum_l += w * l;
            sum_l2 += w * l * l;
            sum_xl += w * l * x[i];
        }
        const float D = sum_w * sum_l2 - sum_l * sum_l;
        if (D > 0) {
            float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
            float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
            if (this_min > 0) {
                this_min = 0;
                this_scale = sum_xl / sum_l2;
            }
            float cur_error = 0;
            for (int i = 0; i < n; ++i) {
                float diff = this_scale * Laux[i] + this_min - x[i];
                diff = use_mad ? std::fabs(diff) : diff * diff;
                cur_error += weights[i] * diff;
            }
            if (cur_error < best_error) {
                for (int i = 0; i < n; ++i) L[i] = Laux[i];
                best_error = cur_error;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    *the_min = -min;
    return scale;
}

// ---- unpacking: the integer quant of every element of one super-block, in element order ----

// q2 in 0..3. Element 128*h + 32*j + l uses bits 2j of qs[32*h + l].
void unpack_q2_K(const block_q2_K& b, uint8_t* L /* (256) */) {
    for (int h = 0; h < 2; ++h)
        for (int j = 0; j < 4; ++j)
            for (int l = 0; l < 32; ++l) L[128 * h + 32 * j + l] = (b.qs[32 * h + l] >> (2 * j)) & 3;
}

// q3 in -4..3: 2 low bits as Q2_K, high bit from hmask[l] bit (4h + j); a clear bit subtracts 4.
void unpack_q3_K(const block_q3_K& b, int8_t* L /* (256) */) {
    for (int h = 0; h < 2; ++h)
        for (int j = 0; j < 4; ++j)
            for (int l = 0; l < 32; ++l) {
                const int lo = (b.qs[32 * h + l] >> (2 * j)) & 3;
                const int hi = (b.hmask[l] >> (4 * h + j)) & 1;
                L[128 * h + 32 * j + l] = static_cast<int8_t>(lo - (hi ? 0 : 4));
            }
}

// q4 in 0..15. Element 64*c + l (l < 32) is the low nibble of qs[32c + l], 64*c + 32 + l the high one.
void unpack_q4_K(const block_q4_K& b, uint8_t* L /* (256) */) {
    for (int c = 0; c < 4; ++c)
        for (int l = 0; l < 32; ++l) {
            L[64 * c + l] = b.qs[32 * c + l] & 0xF;
            L[64 * c + 32 + l] = b.qs[32 * c + l] >> 4;
        }
}

// q5 in 0..31: Q4_K nibbles plus bit (2c) / (2c + 1) of qh[l] as the fifth bit.
void unpack_q5_K(const block_q5_K& b, uint8_t* L /* (256) */) {
    for (int c = 0; c < 4; ++c)
        for (int l = 0; l < 32; ++l) {
            L[64 * c + l] = static_cast<uint8_t>((b.qs[32 * c + l] & 0xF) | (((b.qh[l] >> (2 * c)) & 1) << 4));
            L[64 * c + 32 + l] = static_cast<uint8_t>((b.qs[32 * c + l] >> 4) | (((b.qh[l] >> (2 * c + 1)) & 1) << 4));
        }
}

// q6 in -32..31. In half h: element 128h + l + 32k (k = 0..3) takes 4 low bits from ql (k even: low
// nibble, k odd: ... see below) and 2 high bits from qh[32h + l] bits 2k.
void unpack_q6_K(const block_q6_K& b, int8_t* L /* (256) */) {
    for (int h = 0; h < 2; ++h) {
        const uint8_t* ql = b.ql + 64 * h;
        const uint8_t* qh = b.qh + 32 * h;
        for (int l = 0; l < 32; ++l) {
            L[128 * h + l + 0] = static_cast<int8_t>(((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
            L[128 * h + l + 32] = static_cast<int8_t>(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
            L[128 * h + l + 64] = static_cast<int8_t>(((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
            L[128 * h + l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
        }
    }
}

// Packs 256 2-bit values as Q2_K / Q3_K low bits (inverse of the unpack above).
void pack_2bit(const uint8_t* L, uint8_t* qs /* (64) */) {
    for (int j = 0; j < QK_K; j += 128)
        for (int l = 0; l < 32; ++l)
            qs[j / 4 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
}

// Packs 8 6-bit (scale, min) pairs into Q4_K / Q5_K's 12 bytes (inverse of get_scale_min_k4).
void pack_scale_min_k4(const uint8_t* ls, const uint8_t* lm, uint8_t* scales /* (12) */) {
    for (int j = 0; j < QK_K / 32; ++j) {
        if (j < 4) {
            scales[j] = ls[j];
            scales[j + 4] = lm[j];
        } else {
            scales[j + 4] = static_cast<uint8_t>((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
            scales[j - 4] |= static_cast<uint8_t>((ls[j] >> 4) << 6);
            scales[j - 0] |= static_cast<uint8_t>((lm[j] >> 4) << 6);
        }
    }
}

// Shared by Q4_K and Q5_K: per 32-element sub-block (scale, min) search and 6-bit scale packing.
// ref: ggml-quants.c quantize_row_q4_K_ref / quantize_row_q5_K_ref (identical apart from nmax and
// the search parameters)
void quantize_qkx_superblock(const float* x, int nmax, float rmin, float rdelta, int nstep, uint8_t* L,
                             fp16_t* d_out, fp16_t* dmin_out, uint8_t* scales_out) {
    uint8_t Laux[32];
    float weights[32];
    float mins[QK_K / 32];
    float scales[QK_K / 32];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < QK_K / 32; ++j) {
        float sum_x2 = 0;
        for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
        const float av_x = std::sqrt(sum_x2 / 32);
        for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(x[32 * j + l]);
        scales[j] = make_qkx2_quants(32, nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, rmin, rdelta, nstep,
                                     false);
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    uint8_t ls[QK_K / 32], lm[QK_K / 32];
    for (int j = 0; j < QK_K / 32; ++j) {
        ls[j] = static_cast<uint8_t>(std::min(63, nearest_int(inv_scale * scales[j])));
        lm[j] = static_cast<uint8_t>(std::min(63, nearest_int(inv_min * mins[j])));
    }
    std::memset(scales_out, 0, K_SCALE_SIZE);
    pack_scale_min_k4(ls, lm, scales_out);
    *d_out = f2h(max_scale / 63.f);
    *dmin_out = f2h(max_min / 63.f);
    for (int j = 0; j < QK_K / 32; ++j) {
        uint8_t sc, m;
        get_scale_min_k4(j, scales_out, &sc, &m);
        const float d = h2f(*d_out) * sc;
        if (!d) continue;
        const float dm = h2f(*dmin_out) * m;
        for (int ii = 0; ii < 32; ++ii) {
            const int l = nearest_int((x[32 * j + ii] + dm) / d);
            L[32 * j + ii] = static_cast<uint8_t>(std::max(0, std::min(nmax, l)));
        }
    }
}

}  // namespace

void unpack_q3_K_scales(const uint8_t* packed, int8_t* scales16) {
    constexpr uint32_t kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f;
    uint32_t aux[4];
    std::memcpy(aux, packed, 12);
    const uint32_t tmp = aux[2];
    aux[2] = ((aux[0] >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4);
    aux[3] = ((aux[1] >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4);
    aux[0] = (aux[0] & kmask2) | (((tmp >> 0) & kmask1) << 4);
    aux[1] = (aux[1] & kmask2) | (((tmp >> 2) & kmask1) << 4);
    const uint8_t* u = reinterpret_cast<const uint8_t*>(aux);
    for (int j = 0; j < 16; ++j) scales16[j] = static_cast<int8_t>(u[j] - 32);
}

// ---------------------------------------------------------------------------------------------
// dequantization (ref: ggml-quants.c dequantize_row_q2_K .. dequantize_row_q8_K)

void dequantize_row_q2_K(const block_q2_K* x, float* y, int64_t n) {
    uint8_t L[QK_K];
    for (int64_t i = 0; i < n / QK_K; ++i, y += QK_K) {
        const float d = h2f(x[i].d), dmin = h2f(x[i].dmin);
        unpack_q2_K(x[i], L);
        for (int g = 0; g < QK_K / 16; ++g) {
            const float dl = d * (x[i].scales[g] & 0xF), ml = dmin * (x[i].scales[g] >> 4);
            for (int l = 0; l < 16; ++l) y[16 * g + l] = dl * L[16 * g + l] - ml;
        }
    }
}

void dequantize_row_q3_K(const block_q3_K* x, float* y, int64_t n) {
    int8_t L[QK_K], sc[16];
    for (int64_t i = 0; i < n / QK_K; ++i, y += QK_K) {
        const float d_all = h2f(x[i].d);
        unpack_q3_K(x[i], L);
        unpack_q3_K_scales(x[i].scales, sc);
        for (int g = 0; g < QK_K / 16; ++g) {
            const float dl = d_all * sc[g];
            for (int l = 0; l < 16; ++l) y[16 * g + l] = dl * L[16 * g + l];
        }
    }
}

void dequantize_row_q4_K(const block_q4_K* x, float* y, int64_t n) {
    uint8_t L[QK_K];
    for (int64_t i = 0; i < n / QK_K; ++i, y += QK_K) {
        const float d = h2f(x[i].d), dmin = h2f(x[i].dmin);
        unpack_q4_K(x[i], L);
        for (int j = 0; j < QK_K / 32; ++j) {
            uint8_t sc, m;
            get_scale_min_k4(j, x[i].scales, &sc, &m);
            const float d1 = d * sc, m1 = dmin * m;
            for (int l = 0; l < 32; ++l) y[32 * j + l] = d1 * L[32 * j + l] - m1;
        }
    }
}

void dequantize_row_q5_K(const block_q5_K* x, float* y, int64_t n) {
    uint8_t L[QK_K];
    for (int64_t i = 0; i < n / QK_K; ++i, y += QK_K) {
        const float d = h2f(x[i].d), dmin = h2f(x[i].dmin);
        unpack_q5_K(x[i], L);
        for (int j = 0; j < QK_K / 32; ++j) {
            uint8_t sc, m;
            get_scale_min_k4(j, x[i].scales, &sc, &m);
            const float d1 = d * sc, m1 = dmin * m;
            for (int l = 0; l < 32; ++l) y[32 * j + l] = d1 * L[32 * j + l] - m1;
        }
    }
}

void dequantize_row_q6_K(const block_q6_K* x, float* y, int64_t n) {
    int8_t L[QK_K];
    for (int64_t i = 0; i < n / QK_K; ++i, y += QK_K) {
        const float d = h2f(x[i].d);
        unpack_q6_K(x[i], L);
        for (int g = 0; g < QK_K / 16; ++g)
            for (int l = 0; l < 16; ++l) y[16 * g + l] = d * x[i].scales[g] * L[16 * g + l];
    }
}

void dequantize_row_q8_K(const block_q8_K* x, float* y, int64_t n) {
    for (int64_t i = 0; i < n / QK_K; ++i)
        for (int j = 0; j < QK_K; ++j) y[i * QK_K + j] = x[i].d * x[i].qs[j];
}

// ---------------------------------------------------------------------------------------------
// reference quantizers

// ref: ggml-quants.c quantize_row_q2_K_ref
void quantize_row_q2_K_ref(const float* x, block_q2_K* y, int64_t n) {
    uint8_t L[QK_K], Laux[16];
    float weights[16], mins[QK_K / 16], scales[QK_K / 16];
    const float q4scale = 15.f;
    for (int64_t i = 0; i < n / QK_K; ++i, x += QK_K) {
        float max_scale = 0, max_min = 0;
        for (int j = 0; j < QK_K / 16; ++j) {
            for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
            scales[j] = make_qkx2_quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], Laux, -0.5f, 0.1f, 15, true);
            if (scales[j] > max_scale) max_scale = scales[j];
            if (mins[j] > max_min) max_min = mins[j];
        }
        if (max_scale > 0) {
            const float iscale = q4scale / max_scale;
            for (int j = 0; j < QK_K / 16; ++j) y[i].scales[j] = static_cast<uint8_t>(nearest_int(iscale * scales[j]));
            y[i].d = f2h(max_scale / q4scale);
        } else {
            for (int j = 0; j < QK_K / 16; ++j) y[i].scales[j] = 0;
            y[i].d = f2h(0.f);
        }
        if (max_min > 0) {
            const float iscale = q4scale / max_min;
            for (int j = 0; j < QK_K / 16; ++j) {
                const int l = nearest_int(iscale * mins[j]);
                y[i].scales[j] |= static_cast<uint8_t>(l << 4);
            }
            y[i].dmin = f2h(max_min / q4scale);
        } else {
            y[i].dmin = f2h(0.f);
        }
        for (int j = 0; j < QK_K / 16; ++j) {
            const float d = h2f(y[i].d) * (y[i].scales[j] & 0xF);
            if (!d) continue;
            const float dm = h2f(y[i].dmin) * (y[i].scales[j] >> 4);
            for (int ii = 0; ii < 16; ++ii) {
                const int l = nearest_int((x[16 * j + ii] + dm) / d);
                L[16 * j + ii] = static_cast<uint8_t>(std::max(0, std::min(3, l)));
            }
        }
        pack_2bit(L, y[i].qs);
    }
}

// ref: ggml-quants.c quantize_row_q3_K_ref
void quantize_row_q3_K_ref(const float* x, block_q3_K* y, int64_t n) {
    int8_t L[QK_K];
    float scales[QK_K / 16];
    for (int64_t i = 0; i < n / QK_K; ++i, x += QK_K) {
        float max_scale = 0, amax = 0;
        for (int j = 0; j < QK_K / 16; ++j) {
            scales[j] = make_q3_quants(16, 4, x + 16 * j, L + 16 * j, true);
            const float scale = std::fabs(scales[j]);
            if (scale > amax) {
                amax = scale;
                max_scale = scales[j];
            }
        }
        std::memset(y[i].scales, 0, 12);
        if (max_scale) {
            const float iscale = -32.f / max_scale;
            for (int j = 0; j < QK_K / 16; ++j) {
                int l = nearest_int(iscale * scales[j]);
                l = std::max(-32, std::min(31, l)) + 32;
                if (j < 8) y[i].scales[j] = static_cast<uint8_t>(l & 0xF);
                else y[i].scales[j - 8] |= static_cast<uint8_t>((l & 0xF) << 4);
                l >>= 4;
                y[i].scales[j % 4 + 8] |= static_cast<uint8_t>(l << (2 * (j / 4)));
            }
            y[i].d = f2h(1 / iscale);
        } else {
            y[i].d = f2h(0.f);
        }
        int8_t sc[16];
        unpack_q3_K_scales(y[i].scales, sc);
        for (int j = 0; j < QK_K / 16; ++j) {
            const float d = h2f(y[i].d) * sc[j];
            if (!d) continue;
            for (int ii = 0; ii < 16; ++ii) {
                const int l = nearest_int(x[16 * j + ii] / d);
                L[16 * j + ii] = static_cast<int8_t>(std::max(-4, std::min(3, l)) + 4);
            }
        }
        // High bit of the first 32 quants into bit 0 of hmask[0..31], the next 32 into bit 1, ...
        std::memset(y[i].hmask, 0, QK_K / 8);
        int m = 0;
        uint8_t hm = 1;
        for (int j = 0; j < QK_K; ++j) {
            if (L[j] > 3) {
                y[i].hmask[m] |= hm;
                L[j] = static_cast<int8_t>(L[j] - 4);
            }
            if (++m == QK_K / 8) {
                m = 0;
                hm = static_cast<uint8_t>(hm << 1);
            }
        }
        pack_2bit(reinterpret_cast<const uint8_t*>(L), y[i].qs);
    }
}

// ref: ggml-quants.c quantize_row_q4_K_ref
void quantize_row_q4_K_ref(const float* x, block_q4_K* y, int64_t n) {
    uint8_t L[QK_K];
    for (int64_t i = 0; i < n / QK_K; ++i, x += QK_K) {
        quantize_qkx_superblock(x, 15, -1.f, 0.1f, 20, L, &y[i].d, &y[i].dmin, y[i].scales);
        uint8_t* q = y[i].qs;
        for (int j = 0; j < QK_K; j += 64, q += 32)
            for (int l = 0; l < 32; ++l) q[l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
    }
}

// ref: ggml-quants.c quantize_row_q5_K_ref
void quantize_row_q5_K_ref(const float* x, block_q5_K* y, int64_t n) {
    uint8_t L[QK_K];
    for (int64_t i = 0; i < n / QK_K; ++i, x += QK_K) {
        quantize_qkx_superblock(x, 31, -0.5f, 0.1f, 15, L, &y[i].d, &y[i].dmin, y[i].scales);
        uint8_t* qh = y[i].qh;
        uint8_t* ql = y[i].qs;
        std::memset(qh, 0, QK_K / 8);
        uint8_t m1 = 1, m2 = 2;
        for (int nn = 0; nn < QK_K; nn += 64, ql += 32) {
            for (int j = 0; j < 32; ++j) {
                int l1 = L[nn + j];
                if (l1 > 15) {
                    l1 -= 16;
                    qh[j] |= m1;
                }
                int l2 = L[nn + j + 32];
                if (l2 > 15) {
                    l2 -= 16;
                    qh[j] |= m2;
                }
                ql[j] = static_cast<uint8_t>(l1 | (l2 << 4));
            }
            m1 = static_cast<uint8_t>(m1 << 2);
            m2 = static_cast<uint8_t>(m2 << 2);
        }
    }
}

// ref: ggml-quants.c quantize_row_q6_K_ref
void quantize_row_q6_K_ref(const float* x, block_q6_K* y, int64_t n) {
    int8_t L[QK_K];
    float scales[QK_K / 16];
    for (int64_t i = 0; i < n / QK_K; ++i, x += QK_K) {
        float max_scale = 0, max_abs_scale = 0;
        for (int ib = 0; ib < QK_K / 16; ++ib) {
            const float scale = make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib, 1, nullptr);
            scales[ib] = scale;
            const float abs_scale = std::fabs(scale);
            if (abs_scale > max_abs_scale) {
                max_abs_scale = abs_scale;
                max_scale = scale;
            }
        }
        if (max_abs_scale < kGroupMaxEps) {
            std::memset(&y[i], 0, sizeof(block_q6_K));
            y[i].d = f2h(0.f);
            continue;
        }
        const float iscale = -128.f / max_scale;
        y[i].d = f2h(1 / iscale);
        for (int ib = 0; ib < QK_K / 16; ++ib)
            y[i].scales[ib] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
        for (int j = 0; j < QK_K / 16; ++j) {
            const float d = h2f(y[i].d) * y[i].scales[j];
            if (!d) continue;
            for (int ii = 0; ii < 16; ++ii) {
                const int l = nearest_int(x[16 * j + ii] / d);
                L[16 * j + ii] = static_cast<int8_t>(std::max(-32, std::min(31, l)) + 32);
            }
        }
        uint8_t* ql = y[i].ql;
        uint8_t* qh = y[i].qh;
        for (int j = 0; j < QK_K; j += 128, ql += 64, qh += 32) {
            for (int l = 0; l < 32; ++l) {
                const uint8_t q1 = L[j + l + 0] & 0xF;
                const uint8_t q2 = L[j + l + 32] & 0xF;
                const uint8_t q3 = L[j + l + 64] & 0xF;
                const uint8_t q4 = L[j + l + 96] & 0xF;
                ql[l + 0] = static_cast<uint8_t>(q1 | (q3 << 4));
                ql[l + 32] = static_cast<uint8_t>(q2 | (q4 << 4));
                qh[l] = static_cast<uint8_t>((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) |
                                             ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
            }
        }
    }
}

// ref: ggml-quants.c quantize_row_q8_K_ref (also how ggml-cpu quantizes activations for K-quants)
void quantize_row_q8_K_ref(const float* x, block_q8_K* y, int64_t n) {
    for (int64_t i = 0; i < n / QK_K; ++i, x += QK_K) {
        float max = 0, amax = 0;
        for (int j = 0; j < QK_K; ++j) {
            const float ax = std::fabs(x[j]);
            if (ax > amax) {
                amax = ax;
                max = x[j];
            }
        }
        if (!amax) {
            y[i].d = 0;
            std::memset(y[i].qs, 0, QK_K);
            std::memset(y[i].bsums, 0, sizeof(y[i].bsums));
            continue;
        }
        const float iscale = -127.f / max;
        for (int j = 0; j < QK_K; ++j) y[i].qs[j] = static_cast<int8_t>(std::min(127, nearest_int(iscale * x[j])));
        for (int j = 0; j < QK_K / 16; ++j) {
            int sum = 0;
            for (int ii = 0; ii < 16; ++ii) sum += y[i].qs[j * 16 + ii];
            y[i].bsums[j] = static_cast<int16_t>(sum);
        }
        y[i].d = 1 / iscale;
    }
}

// ---------------------------------------------------------------------------------------------
// dot products with Q8_K activations (ref: ggml-cpu/quants.c ggml_vec_dot_q*_K_q8_K_generic).
// Integer sums per sub-block are exact; the super-block scaling is summed in double.

float vec_dot_q2_K_q8_K(int64_t n, const block_q2_K* x, const block_q8_K* y) {
    uint8_t L[QK_K];
    double sumf = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        unpack_q2_K(x[i], L);
        int isum = 0, summs = 0;
        for (int g = 0; g < QK_K / 16; ++g) {
            int s = 0;
            for (int l = 0; l < 16; ++l) s += L[16 * g + l] * y[i].qs[16 * g + l];
            isum += (x[i].scales[g] & 0xF) * s;
            summs += (x[i].scales[g] >> 4) * y[i].bsums[g];
        }
        sumf += static_cast<double>(y[i].d) * h2f(x[i].d) * isum - static_cast<double>(y[i].d) * h2f(x[i].dmin) * summs;
    }
    return static_cast<float>(sumf);
}

float vec_dot_q3_K_q8_K(int64_t n, const block_q3_K* x, const block_q8_K* y) {
    int8_t L[QK_K], sc[16];
    double sumf = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        unpack_q3_K(x[i], L);
        unpack_q3_K_scales(x[i].scales, sc);
        int isum = 0;
        for (int g = 0; g < QK_K / 16; ++g) {
            int s = 0;
            for (int l = 0; l < 16; ++l) s += L[16 * g + l] * y[i].qs[16 * g + l];
            isum += sc[g] * s;
        }
        sumf += static_cast<double>(y[i].d) * h2f(x[i].d) * isum;
    }
    return static_cast<float>(sumf);
}

float vec_dot_q4_K_q8_K(int64_t n, const block_q4_K* x, const block_q8_K* y) {
    uint8_t L[QK_K];
    double sumf = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        unpack_q4_K(x[i], L);
        int isum = 0, summs = 0;
        for (int j = 0; j < QK_K / 32; ++j) {
            uint8_t sc, m;
            get_scale_min_k4(j, x[i].scales, &sc, &m);
            int s = 0;
            for (int l = 0; l < 32; ++l) s += L[32 * j + l] * y[i].qs[32 * j + l];
            isum += sc * s;
            summs += m * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
        }
        sumf += static_cast<double>(y[i].d) * h2f(x[i].d) * isum - static_cast<double>(y[i].d) * h2f(x[i].dmin) * summs;
    }
    return static_cast<float>(sumf);
}

float vec_dot_q5_K_q8_K(int64_t n, const block_q5_K* x, const block_q8_K* y) {
    uint8_t L[QK_K];
    double sumf = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        unpack_q5_K(x[i], L);
        int isum = 0, summs = 0;
        for (int j = 0; j < QK_K / 32; ++j) {
            uint8_t sc, m;
            get_scale_min_k4(j, x[i].scales, &sc, &m);
            int s = 0;
            for (int l = 0; l < 32; ++l) s += L[32 * j + l] * y[i].qs[32 * j + l];
            isum += sc * s;
            summs += m * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
        }
        sumf += static_cast<double>(y[i].d) * h2f(x[i].d) * isum - static_cast<double>(y[i].d) * h2f(x[i].dmin) * summs;
    }
    return static_cast<float>(sumf);
}

float vec_dot_q6_K_q8_K(int64_t n, const block_q6_K* x, const block_q8_K* y) {
    int8_t L[QK_K];
    double sumf = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        unpack_q6_K(x[i], L);
        int isum = 0;
        for (int g = 0; g < QK_K / 16; ++g) {
            int s = 0;
            for (int l = 0; l < 16; ++l) s += L[16 * g + l] * y[i].qs[16 * g + l];
            isum += x[i].scales[g] * s;
        }
        sumf += static_cast<double>(y[i].d) * h2f(x[i].d) * isum;
    }
    return static_cast<float>(sumf);
}

float vec_dot_q8_K_q8_K(int64_t n, const block_q8_K* x, const block_q8_K* y) {
    double sumf = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        int isum = 0;
        for (int j = 0; j < QK_K; ++j) isum += x[i].qs[j] * y[i].qs[j];
        sumf += static_cast<double>(x[i].d) * y[i].d * isum;
    }
    return static_cast<float>(sumf);
}

}  // namespace tessera::ref
