// Element-wise ops, vectorised. Contracts and ggml references: kernels/ref/elementwise.h.
#include "engine/kernels/cpu/cpu_elementwise.h"
#include "engine/kernels/cpu/ops_simd.h"

namespace tessera::cpu::TESSERA_CPU_ISA {
using namespace simd;

namespace {

inline int tail(int64_t n, int64_t i) { return n - i < kW ? static_cast<int>(n - i) : kW; }

// y[i] = f(x[i])
template <class F>
inline void map1(const float* x, int64_t n, float* y, F f) {
    int64_t i = 0;
    for (; i + kW <= n; i += kW) v_store(y + i, f(v_load(x + i)));
    if (i < n) v_store_n(y + i, f(v_load_n(x + i, tail(n, i))), tail(n, i));
}

// y[i] = f(a[i], b[i])
template <class F>
inline void map2(const float* a, const float* b, int64_t n, float* y, F f) {
    int64_t i = 0;
    for (; i + kW <= n; i += kW) v_store(y + i, f(v_load(a + i), v_load(b + i)));
    if (i < n) {
        const int m = tail(n, i);
        v_store_n(y + i, f(v_load_n(a + i, m), v_load_n(b + i, m)), m);
    }
}

// ref: vec.h ggml_vec_gelu_f32 (GGML_GELU_FP16): x <= -10 → 0, x >= 10 → x, else table[fp16(x)].
inline vf gelu_tanh_v(const float* table, vf x) {
    vf r = v_fp16_table(table, x);
    r = v_select_le(x, v_set1(-10.0f), r, v_zero());
    return v_select_ge(x, v_set1(10.0f), r, x);
}

}  // namespace

void softmax(float* x, int64_t n_rows, int64_t n) {
    for (int64_t r = 0; r < n_rows; ++r) {
        float* xr = x + r * n;  // (n)
        vf vmax = v_set1(-INFINITY);
        int64_t i = 0;
        for (; i + kW <= n; i += kW) vmax = v_max(v_load(xr + i), vmax);
        if (i < n) vmax = v_max(v_load_n_fill(xr + i, tail(n, i), -INFINITY), vmax);
        const vf mx = v_set1(v_hmax(vmax));
        vf vsum = v_zero();
        for (i = 0; i + kW <= n; i += kW) {
            const vf e = v_exp(v_sub(v_load(xr + i), mx));
            v_store(xr + i, e);
            vsum = v_add(vsum, e);
        }
        if (i < n) {
            const int m = tail(n, i);
            const vf e = v_keep_n(v_exp(v_sub(v_load_n(xr + i, m), mx)), m);
            v_store_n(xr + i, e, m);
            vsum = v_add(vsum, e);
        }
        const vf inv = v_set1(1.0f / v_hsum(vsum));
        map1(xr, n, xr, [&](vf v) { return v_mul(v, inv); });
    }
}

void silu(const float* x, int64_t n, float* y) { map1(x, n, y, [](vf v) { return v_silu(v); }); }

void gelu_tanh(const float* x, int64_t n, float* y, const float* table) {
    map1(x, n, y, [table](vf v) { return gelu_tanh_v(table, v); });
}

void gelu_erf(const float* x, int64_t n, float* y) {
    // erff has no cheap exact vector form; ggml evaluates it per element as well (ggml_vec_gelu_erf_f32).
    constexpr float kSqrt2Inv = 0.70710678118654752440f;
    for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.0f + __builtin_erff(x[i] * kSqrt2Inv));
}

void gelu_quick(const float* x, int64_t n, float* y, const float* table) {
    map1(x, n, y, [table](vf v) { return v_fp16_table(table, v); });
}

void swiglu(const float* gate, const float* up, int64_t n, float* out) {
    map2(gate, up, n, out, [](vf g, vf u) { return v_mul(v_silu(g), u); });
}

void geglu(const float* gate, const float* up, int64_t n, float* out, const float* table) {
    map2(gate, up, n, out, [table](vf g, vf u) { return v_mul(gelu_tanh_v(table, g), u); });
}

void add(const float* a, const float* b, int64_t n, float* out) {
    map2(a, b, n, out, [](vf x, vf y) { return v_add(x, y); });
}

void mul(const float* a, const float* b, int64_t n, float* out) {
    map2(a, b, n, out, [](vf x, vf y) { return v_mul(x, y); });
}

void scale(const float* x, float s, int64_t n, float* out) {
    const vf vs = v_set1(s);
    map1(x, n, out, [vs](vf v) { return v_mul(v, vs); });
}

void add_row(const float* x, const float* b, int64_t n_rows, int64_t n, float* out) {
    for (int64_t r = 0; r < n_rows; ++r) add(x + r * n, b, n, out + r * n);
}

int32_t argmax(const float* x, int64_t n) {
    // Pass 1: the maximum, NaN lanes ignored (v_max(x, acc) keeps acc when x is NaN).
    vf acc = v_set1(-INFINITY);
    int64_t i = 0;
    for (; i + kW <= n; i += kW) acc = v_max(v_load(x + i), acc);
    if (i < n) acc = v_max(v_load_n_fill(x + i, tail(n, i), -INFINITY), acc);
    const float best = v_hmax(acc);
    if (!(best > -INFINITY)) return 0;
    // Pass 2: its first occurrence.
    const vf vb = v_set1(best);
    for (i = 0; i + kW <= n; i += kW) {
        const uint32_t bits = v_eq_bits(v_load(x + i), vb);
        if (bits) return static_cast<int32_t>(i + __builtin_ctz(bits));
    }
    if (i < n) {
        const uint32_t bits = v_eq_bits(v_load_n_fill(x + i, tail(n, i), -INFINITY), vb);
        if (bits) return static_cast<int32_t>(i + __builtin_ctz(bits));
    }
    return 0;
}

}  // namespace tessera::cpu::TESSERA_CPU_ISA
