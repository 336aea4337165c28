// Attention tiles: a few query rows that share one KV head, processed together so that every key and
// value row loaded from memory feeds several queries (GQA groups, neighbouring tokens).
//   1. scores S[i][j] = q_i · k_j for blocks of 4 keys (kKeyBlock), R rows at a time;
//   2. per row: scale, softcap, masked softmax over the row's visible keys (zero elsewhere);
//   3. out_i = Σ_j S[i][j] · v_j, kVVecs output vectors per row at a time.
// ref: llama.cpp build_attn_mha (non-flash path), see kernels/ref/attention.h.
#include "engine/kernels/cpu/cpu_attention.h"
#include "engine/kernels/cpu/ops_simd.h"

namespace tessera::cpu::TESSERA_CPU_ISA {
using namespace simd;

namespace {

#if defined(TESSERA_CPU_ISA_avx512)
constexpr int kRowsPerPass = 4;  // 16 accumulators + 4 keys + 1 query of 32 zmm registers
#else
constexpr int kRowsPerPass = 2;  // 8 accumulators + 4 keys + 1 query of 16 ymm registers
#endif
constexpr int kKeyBlock = 4;
constexpr int kVVecs = 4;

inline int lanes(int64_t n, int64_t i) { return n - i < kW ? static_cast<int>(n - i) : kW; }

// S[i][j..j+3] = q_i · k_{j..j+3} for j = j0, j0+4, ... < j1 (j0 a multiple of 4). Keys past n_kv are
// clamped to the last one; their scores land in the padding of S and are never read.
template <int R>
void qk_scores(const float* const* q, const float* kbase, int64_t kstride, int64_t dk, int64_t j0, int64_t j1,
               int64_t n_kv, float* const* S) {
    const int64_t dfull = dk / kW * kW;
    const int mt = static_cast<int>(dk - dfull);
    for (int64_t j = j0; j < j1; j += kKeyBlock) {
        const float* kp[kKeyBlock];
#pragma GCC unroll 4
        for (int c = 0; c < kKeyBlock; ++c) kp[c] = kbase + (j + c < n_kv ? j + c : n_kv - 1) * kstride;
        vf acc[R][kKeyBlock];
#pragma GCC unroll 4
        for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
            for (int c = 0; c < kKeyBlock; ++c) acc[i][c] = v_zero();
        for (int64_t d = 0; d < dfull; d += kW) {
            const vf k0 = v_load(kp[0] + d), k1 = v_load(kp[1] + d), k2 = v_load(kp[2] + d), k3 = v_load(kp[3] + d);
#pragma GCC unroll 4
            for (int i = 0; i < R; ++i) {
                const vf qv = v_load(q[i] + d);
                acc[i][0] = v_fma(qv, k0, acc[i][0]);
                acc[i][1] = v_fma(qv, k1, acc[i][1]);
                acc[i][2] = v_fma(qv, k2, acc[i][2]);
                acc[i][3] = v_fma(qv, k3, acc[i][3]);
            }
        }
        if (mt) {
            const vf k0 = v_load_n(kp[0] + dfull, mt), k1 = v_load_n(kp[1] + dfull, mt),
                     k2 = v_load_n(kp[2] + dfull, mt), k3 = v_load_n(kp[3] + dfull, mt);
#pragma GCC unroll 4
            for (int i = 0; i < R; ++i) {
                const vf qv = v_load_n(q[i] + dfull, mt);
                acc[i][0] = v_fma(qv, k0, acc[i][0]);
                acc[i][1] = v_fma(qv, k1, acc[i][1]);
                acc[i][2] = v_fma(qv, k2, acc[i][2]);
                acc[i][3] = v_fma(qv, k3, acc[i][3]);
            }
        }
#pragma GCC unroll 4
        for (int i = 0; i < R; ++i) _mm_storeu_ps(S[i] + j, v_hsum4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]));
    }
}

// O[i][0..dv) = Σ_{j in [j0, j1)} P[i][j] · v_j
template <int R>
void pv_accumulate(const float* const* P, const float* vbase, int64_t vstride, int64_t dv, int64_t j0, int64_t j1,
                   float* const* O) {
    constexpr int64_t kChunk = kVVecs * kW;
    for (int64_t d = 0; d < dv; d += kChunk) {
        vf acc[R][kVVecs];
#pragma GCC unroll 4
        for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
            for (int c = 0; c < kVVecs; ++c) acc[i][c] = v_zero();
        if (dv - d >= kChunk) {
            for (int64_t j = j0; j < j1; ++j) {
                const float* vj = vbase + j * vstride + d;
                const vf v0 = v_load(vj), v1 = v_load(vj + kW), v2 = v_load(vj + 2 * kW), v3 = v_load(vj + 3 * kW);
#pragma GCC unroll 4
                for (int i = 0; i < R; ++i) {
                    const vf p = v_set1(P[i][j]);
                    acc[i][0] = v_fma(p, v0, acc[i][0]);
                    acc[i][1] = v_fma(p, v1, acc[i][1]);
                    acc[i][2] = v_fma(p, v2, acc[i][2]);
                    acc[i][3] = v_fma(p, v3, acc[i][3]);
                }
            }
#pragma GCC unroll 4
            for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
                for (int c = 0; c < kVVecs; ++c) v_store(O[i] + d + c * kW, acc[i][c]);
        } else {
            int m[kVVecs];
            for (int c = 0; c < kVVecs; ++c) {
                const int64_t left = dv - d - c * kW;
                m[c] = left <= 0 ? 0 : (left < kW ? static_cast<int>(left) : kW);
            }
            for (int64_t j = j0; j < j1; ++j) {
                const float* vj = vbase + j * vstride + d;
                const vf v0 = v_load_n(vj, m[0]), v1 = v_load_n(vj + kW, m[1]), v2 = v_load_n(vj + 2 * kW, m[2]),
                         v3 = v_load_n(vj + 3 * kW, m[3]);
#pragma GCC unroll 4
                for (int i = 0; i < R; ++i) {
                    const vf p = v_set1(P[i][j]);
                    acc[i][0] = v_fma(p, v0, acc[i][0]);
                    acc[i][1] = v_fma(p, v1, acc[i][1]);
                    acc[i][2] = v_fma(p, v2, acc[i][2]);
                    acc[i][3] = v_fma(p, v3, acc[i][3]);
                }
            }
            for (int i = 0; i < R; ++i)
                for (int c = 0; c < kVVecs; ++c)
                    if (m[c]) v_store_n(O[i] + d + c * kW, acc[i][c], m[c]);
        }
    }
}

// Logits → probabilities in place over [lo, hi): scale, softcap, exp(x - max) / Σ.
void softmax_row(float* s, int64_t lo, int64_t hi, float scale, float softcap) {
    const int64_t n = hi - lo;
    float* x = s + lo;
    const vf vscale = v_set1(scale);
    const bool cap = softcap > 0.0f;
    const vf vcap = v_set1(softcap), vinv_cap = v_set1(cap ? 1.0f / softcap : 0.0f);
    vf vmax = v_set1(-INFINITY);
    for (int64_t i = 0; i < n; i += kW) {
        const int m = lanes(n, i);
        vf l = v_mul(m == kW ? v_load(x + i) : v_load_n(x + i, m), vscale);
        if (cap) l = v_mul(vcap, v_tanh(v_mul(l, vinv_cap)));
        if (m == kW) {
            v_store(x + i, l);
            vmax = v_max(l, vmax);
        } else {
            v_store_n(x + i, l, m);
            vmax = v_max(v_load_n_fill(x + i, m, -INFINITY), vmax);
        }
    }
    const vf mx = v_set1(v_hmax(vmax));
    vf vsum = v_zero();
    for (int64_t i = 0; i < n; i += kW) {
        const int m = lanes(n, i);
        if (m == kW) {
            const vf e = v_exp(v_sub(v_load(x + i), mx));
            v_store(x + i, e);
            vsum = v_add(vsum, e);
        } else {
            const vf e = v_keep_n(v_exp(v_sub(v_load_n(x + i, m), mx)), m);
            v_store_n(x + i, e, m);
            vsum = v_add(vsum, e);
        }
    }
    const vf inv = v_set1(1.0f / v_hsum(vsum));
    for (int64_t i = 0; i < n; i += kW) {
        const int m = lanes(n, i);
        if (m == kW) v_store(x + i, v_mul(v_load(x + i), inv));
        else v_store_n(x + i, v_mul(v_load_n(x + i, m), inv), m);
    }
}

inline void fill_zero(float* s, int64_t lo, int64_t hi) {
    for (int64_t j = lo; j < hi; ++j) s[j] = 0.0f;
}

template <int R>
void attention_pass(const AttentionArgs& a, int64_t g, int64_t row0, float* scratch) {
    const int64_t n_rep = a.n_head / a.n_head_kv;
    const int64_t dk = a.head_dim_k, dv = a.head_dim_v;
    const int64_t s_stride = attention_scratch_floats(a.n_kv) / kAttentionMaxRows;
    const float* q[R];
    float* o[R];
    float* S[R];
    int64_t lo[R], hi[R];
    int64_t ulo = a.n_kv, uhi = 0;  // union of the visible ranges
    for (int i = 0; i < R; ++i) {
        const int64_t r = row0 + i;
        const int64_t t = r / n_rep;
        const int64_t h = g * n_rep + r % n_rep;
        q[i] = a.q + t * a.q_token_stride + h * dk;
        o[i] = a.out + t * a.n_head * dv + h * dv;
        S[i] = scratch + i * s_stride;
        attention_key_range(a, a.q_pos[t], &lo[i], &hi[i]);
        if (hi[i] > lo[i]) {
            ulo = lo[i] < ulo ? lo[i] : ulo;
            uhi = hi[i] > uhi ? hi[i] : uhi;
        }
    }
    if (uhi <= ulo) ulo = uhi = 0;
    const float* kbase = a.k + g * dk;
    const float* vbase = a.v + g * dv;
    if (uhi > ulo) qk_scores<R>(q, kbase, a.n_head_kv * dk, dk, ulo / kKeyBlock * kKeyBlock, uhi, a.n_kv, S);
    for (int i = 0; i < R; ++i) {
        if (hi[i] <= lo[i]) {
            fill_zero(S[i], ulo, uhi);
            continue;
        }
        softmax_row(S[i], lo[i], hi[i], a.scale, a.softcap);
        fill_zero(S[i], ulo, lo[i]);
        fill_zero(S[i], hi[i], uhi);
    }
    pv_accumulate<R>(S, vbase, a.n_head_kv * dv, dv, ulo, uhi, o);
}

}  // namespace

void attention_tile(const AttentionArgs& a, int64_t kv_head, int64_t row0, int64_t n_rows, float* scratch) {
    int64_t r = row0;
    const int64_t end = row0 + n_rows;
    while (r < end) {
        const int64_t n = end - r < kRowsPerPass ? end - r : kRowsPerPass;
        switch (n) {
            case 1: attention_pass<1>(a, kv_head, r, scratch); break;
            case 2: attention_pass<2>(a, kv_head, r, scratch); break;
#if defined(TESSERA_CPU_ISA_avx512)
            case 3: attention_pass<3>(a, kv_head, r, scratch); break;
            case 4: attention_pass<4>(a, kv_head, r, scratch); break;
#endif
            default: break;
        }
        r += n;
    }
}

}  // namespace tessera::cpu::TESSERA_CPU_ISA
