// ops::matmul, ops::get_rows, ops::dequantize: validate once, quantize the activations once into
// the weight type's dot partner, then split the output rows across the pool and dispatch to
// kernels/ref (scalar) or kernels/cpu/<isa> by active_isa().
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/kernels/cpu/quants.h"
#include "engine/kernels/isa.h"
#include "engine/kernels/ref/matmul.h"
#include "engine/kernels/ref/quants.h"
#include "engine/ops/ops.h"

namespace tessera::ops {
namespace {

// A bad call is a programmer error (the loader validates files): say exactly what and stop.
[[noreturn]] void fail(const char* op, const Tensor& w, const std::string& what) {
    std::fprintf(stderr, "tessera::ops::%s: tensor '%s' (type %s, ne = [%" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64
                         "]): %s\n",
                 op, w.name.c_str(), std::string(dtype_name(w.type)).c_str(), w.ne[0], w.ne[1], w.ne[2], w.ne[3],
                 what.c_str());
    std::abort();
}

void check_weight(const char* op, const Tensor& w) {
    if (!w.valid()) fail(op, w, "no data");
    if (!ref::is_supported(w.type)) fail(op, w, "type not supported by the CPU kernels");
    const int64_t bs = dtype_info(w.type).block_size;
    if (w.ne[0] <= 0 || w.ne[0] % bs != 0)
        fail(op, w, "ne[0] must be a positive multiple of the block size " + std::to_string(bs));
    if (w.nbytes && w.nbytes < w.row_size() * static_cast<size_t>(w.n_rows()))
        fail(op, w, "nbytes " + std::to_string(w.nbytes) + " smaller than rows x row size");
}

struct Kernels {
    void (*quantize)(DType partner, const float* x, void* y, int64_t n);
    void (*rows)(DType t, int64_t n, const uint8_t* w, size_t w_row_size, int64_t r0, int64_t r1, const uint8_t* x,
                 size_t x_row_size, int64_t n_tokens, float* y, int64_t ldy);
};

void ref_rows(DType t, int64_t n, const uint8_t* w, size_t, int64_t r0, int64_t r1, const uint8_t* x, size_t x_row_size,
              int64_t n_tokens, float* y, int64_t ldy) {
    ref::matmul_rows(t, w, n, r0, r1, x, x_row_size, n_tokens, y, ldy);
}

Kernels kernels_for(Isa isa) {
    switch (isa) {
        case Isa::avx512: return {cpu::avx512::quantize_activations, cpu::avx512::matmul_rows};
        case Isa::avx2: return {cpu::avx2::quantize_activations, cpu::avx2::matmul_rows};
        case Isa::scalar: break;
    }
    return {ref::quantize_activations, ref_rows};
}

// Quantized activations of the current call, (n_tokens, row of the partner type); grows, never per row.
thread_local std::vector<uint8_t> t_xq;

}  // namespace

void matmul(const Tensor& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool) {
    check_weight("matmul", w);
    if (n_tokens < 0) fail("matmul", w, "negative n_tokens");
    if (n_tokens == 0) return;
    if (!x || !y) fail("matmul", w, "null activations or output");

    const int64_t n_in = w.ne[0];
    const int64_t n_out = w.n_rows();
    const DType xt = ref::vec_dot_type(w.type);
    const size_t x_row_size = dtype_row_size(xt, n_in);
    const Kernels k = kernels_for(active_isa());

    const uint8_t* xq = reinterpret_cast<const uint8_t*>(x);
    if (xt != DType::F32) {
        if (t_xq.size() < x_row_size * static_cast<size_t>(n_tokens)) t_xq.resize(x_row_size * static_cast<size_t>(n_tokens));
        uint8_t* dst = t_xq.data();
        auto quantize = [&](int64_t t0, int64_t t1) {
            for (int64_t t = t0; t < t1; ++t) k.quantize(xt, x + t * n_in, dst + t * x_row_size, n_in);
        };
        if (n_tokens >= 2 * pool.size() && pool.size() > 1) pool.parallel_for(n_tokens, quantize);
        else quantize(0, n_tokens);
        xq = dst;
    }

    const auto* wd = static_cast<const uint8_t*>(w.data);
    const size_t w_row_size = w.row_size();
    pool.parallel_for(
        n_out,
        [&](int64_t r0, int64_t r1) { k.rows(w.type, n_in, wd, w_row_size, r0, r1, xq, x_row_size, n_tokens, y, n_out); },
        /*grain=*/16);
}

void get_rows(const Tensor& w, const int32_t* ids, int64_t n_ids, float* out) {
    check_weight("get_rows", w);
    if (n_ids < 0) fail("get_rows", w, "negative n_ids");
    if (n_ids == 0) return;
    if (!ids || !out) fail("get_rows", w, "null ids or output");
    const int64_t ne0 = w.ne[0], n_rows = w.n_rows();
    for (int64_t i = 0; i < n_ids; ++i) {
        if (ids[i] < 0 || ids[i] >= n_rows)
            fail("get_rows", w, "row id " + std::to_string(ids[i]) + " out of range [0, " + std::to_string(n_rows) + ")");
        ref::dequantize_row(w.type, w.row(ids[i]), out + i * ne0, ne0);
    }
}

void dequantize(const Tensor& w, float* out) {
    check_weight("dequantize", w);
    if (!out) fail("dequantize", w, "null output");
    const int64_t ne0 = w.ne[0], n_rows = w.n_rows();
    for (int64_t r = 0; r < n_rows; ++r) ref::dequantize_row(w.type, w.row(r), out + r * ne0, ne0);
}

}  // namespace tessera::ops
