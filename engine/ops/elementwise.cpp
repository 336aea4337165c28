// Element-wise ops: validate, then dispatch by active ISA. top_k has no vector kernel (a selection
// scan, branch-bound rather than arithmetic-bound); every ISA uses ref::top_k.
#include "engine/kernels/cpu/cpu_elementwise.h"
#include "engine/kernels/isa.h"
#include "engine/kernels/ref/elementwise.h"
#include "engine/ops/op_check.h"
#include "engine/ops/ops.h"

namespace tessera::ops {

// Dispatch helper: `call(avx512_fn, avx2_fn, ref_fn)` style would need templates per signature; a
// macro keeps each op one line.
#define TS_DISPATCH(fn, ...)                                                      \
    switch (active_isa()) {                                                       \
        case Isa::avx512: return cpu::avx512::fn(__VA_ARGS__);                    \
        case Isa::avx2: return cpu::avx2::fn(__VA_ARGS__);                        \
        case Isa::scalar: break;                                                  \
    }

void softmax(float* x, int64_t n_rows, int64_t n) {
    TS_OP_CHECK("softmax", n_rows >= 0 && n > 0);
    if (n_rows == 0) return;
    TS_DISPATCH(softmax, x, n_rows, n)
    ref::softmax(x, n_rows, n);
}

void silu(const float* x, int64_t n, float* y) {
    TS_OP_CHECK("silu", n >= 0);
    TS_DISPATCH(silu, x, n, y)
    ref::silu(x, n, y);
}

void gelu_tanh(const float* x, int64_t n, float* y) {
    TS_OP_CHECK("gelu_tanh", n >= 0);
    const float* table = ref::gelu_tanh_table();
    TS_DISPATCH(gelu_tanh, x, n, y, table)
    ref::gelu_tanh(x, n, y);
}

void gelu_erf(const float* x, int64_t n, float* y) {
    TS_OP_CHECK("gelu_erf", n >= 0);
    TS_DISPATCH(gelu_erf, x, n, y)
    ref::gelu_erf(x, n, y);
}

void gelu_quick(const float* x, int64_t n, float* y) {
    TS_OP_CHECK("gelu_quick", n >= 0);
    const float* table = ref::gelu_quick_table();
    TS_DISPATCH(gelu_quick, x, n, y, table)
    ref::gelu_quick(x, n, y);
}

void swiglu(const float* gate, const float* up, int64_t n, float* out) {
    TS_OP_CHECK("swiglu", n >= 0);
    TS_DISPATCH(swiglu, gate, up, n, out)
    ref::swiglu(gate, up, n, out);
}

void geglu(const float* gate, const float* up, int64_t n, float* out) {
    TS_OP_CHECK("geglu", n >= 0);
    const float* table = ref::gelu_tanh_table();
    TS_DISPATCH(geglu, gate, up, n, out, table)
    ref::geglu(gate, up, n, out);
}

void add(const float* a, const float* b, int64_t n, float* out) {
    TS_OP_CHECK("add", n >= 0);
    TS_DISPATCH(add, a, b, n, out)
    ref::add(a, b, n, out);
}

void mul(const float* a, const float* b, int64_t n, float* out) {
    TS_OP_CHECK("mul", n >= 0);
    TS_DISPATCH(mul, a, b, n, out)
    ref::mul(a, b, n, out);
}

void scale(const float* x, float s, int64_t n, float* out) {
    TS_OP_CHECK("scale", n >= 0);
    TS_DISPATCH(scale, x, s, n, out)
    ref::scale(x, s, n, out);
}

void add_row(const float* x, const float* b, int64_t n_rows, int64_t n, float* out) {
    TS_OP_CHECK("add_row", n_rows >= 0 && n >= 0);
    TS_DISPATCH(add_row, x, b, n_rows, n, out)
    ref::add_row(x, b, n_rows, n, out);
}

void top_k(const float* x, int64_t n, int64_t k, int32_t* idx) {
    TS_OP_CHECK("top_k", n >= 0 && k >= 0 && k <= n);
    ref::top_k(x, n, k, idx);
}

int32_t argmax(const float* x, int64_t n) {
    TS_OP_CHECK("argmax", n > 0);
    TS_DISPATCH(argmax, x, n)
    return ref::argmax(x, n);
}

#undef TS_DISPATCH

}  // namespace tessera::ops
