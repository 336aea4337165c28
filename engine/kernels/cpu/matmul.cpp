// Per-ISA matmul driver: picks the dot kernel of a weight type and walks (rows x token tiles) so that
// each weight row is reused across a tile of tokens (simd::kTokenTile) while it is in L1, and a block of rows
// stays in L2 while every token tile passes over it.
#include <cstdlib>
#include <cstring>

#include "engine/kernels/cpu/quants.h"
#include "engine/kernels/cpu/quants_simd.h"

namespace tessera::cpu::TESSERA_CPU_ISA {
namespace {

// Bytes of weight rows kept hot in L2 while the token tiles pass over them (prefill only).
constexpr size_t kRowBlockBytes = 256 * 1024;

DotKernel kernel_for(DType t) {
    switch (t) {
        case DType::F32: return dot_f32;
        case DType::F16: return dot_f16;
        case DType::BF16: return dot_bf16;
        case DType::Q4_0: return dot_q4_0;
        case DType::Q4_1: return dot_q4_1;
        case DType::Q5_0: return dot_q5_0;
        case DType::Q5_1: return dot_q5_1;
        case DType::Q8_0: return dot_q8_0;
        case DType::Q8_1: return dot_q8_1;
        case DType::Q2_K: return dot_q2_K;
        case DType::Q3_K: return dot_q3_K;
        case DType::Q4_K: return dot_q4_K;
        case DType::Q5_K: return dot_q5_K;
        case DType::Q6_K: return dot_q6_K;
        case DType::Q8_K: return dot_q8_K;
        default: return nullptr;
    }
}

// ref::vec_dot_type, repeated here to keep this file free of generic-code dependencies.
DType partner_of(DType t) {
    switch (t) {
        case DType::F32: case DType::F16: case DType::BF16: case DType::Q8_K: return t;
        case DType::Q4_0: case DType::Q5_0: case DType::Q8_0: return DType::Q8_0;
        case DType::Q4_1: case DType::Q5_1: case DType::Q8_1: return DType::Q8_1;
        default: return DType::Q8_K;
    }
}

// act_aux() of n_tokens activation rows, (n_tokens, aux_stride) floats; empty for partners without
// aux. Heap-allocated once per call (a decode row of 4096 needs 1 KiB per token).
struct ActAux {
    float* data = nullptr;  // (n_tokens, 2, n / 32): per token [d_b | s_b]
    size_t stride = 0;      // floats per token
    ActAux(DType partner, const uint8_t* x, size_t x_row_size, int64_t n, int64_t n_tokens) {
        if (!needs_act_aux(partner)) return;
        stride = static_cast<size_t>(2 * (n / 32));
        data = static_cast<float*>(std::malloc(stride * static_cast<size_t>(n_tokens) * sizeof(float)));
        if (!data) std::abort();
        for (int64_t t = 0; t < n_tokens; ++t) act_aux(partner, x + t * x_row_size, n, data + t * stride);
    }
    ~ActAux() { std::free(data); }
    ActAux(const ActAux&) = delete;
    ActAux& operator=(const ActAux&) = delete;
};

}  // namespace

bool matmul_supports(DType t) { return kernel_for(t) != nullptr; }

void quantize_activations(DType partner, const float* x, void* y, int64_t n) {
    switch (partner) {
        case DType::Q8_0: quantize_q8_0_act(x, static_cast<block_q8_0*>(y), n); return;
        case DType::Q8_1: quantize_q8_1_act(x, static_cast<block_q8_1*>(y), n); return;
        case DType::Q8_K: quantize_q8_K_act(x, static_cast<block_q8_K*>(y), n); return;
        case DType::F16: convert_f16_act(x, static_cast<fp16_t*>(y), n); return;
        case DType::BF16: convert_bf16_act(x, static_cast<uint16_t*>(y), n); return;
        case DType::F32: std::memcpy(y, x, static_cast<size_t>(n) * sizeof(float)); return;
        default: return;
    }
}

float vec_dot(DType t, int64_t n, const void* w, const void* x) {
    float r = 0.0f;
    const DotKernel k = kernel_for(t);
    if (!k) return r;
    const ActAux aux(partner_of(t), static_cast<const uint8_t*>(x), 0, n, 1);
    k(n, w, static_cast<const uint8_t*>(x), 0, aux.data, aux.stride, 1, &r, 0);
    return r;
}

void matmul_rows(DType t, int64_t n, const uint8_t* w, size_t w_row_size, int64_t r0, int64_t r1, const uint8_t* x,
                 size_t x_row_size, int64_t n_tokens, float* y, int64_t ldy) {
    const DotKernel k = kernel_for(t);
    if (!k || r0 >= r1) return;
    const ActAux aux(partner_of(t), x, x_row_size, n, n_tokens);
    if (n_tokens == 1) {  // decode: one streaming pass over the rows
        for (int64_t r = r0; r < r1; ++r) k(n, w + r * w_row_size, x, 0, aux.data, 0, 1, y + r, 0);
        return;
    }
    int64_t rows_per_block = static_cast<int64_t>(kRowBlockBytes / (w_row_size ? w_row_size : 1));
    if (rows_per_block < 1) rows_per_block = 1;
    for (int64_t rb = r0; rb < r1; rb += rows_per_block) {
        const int64_t re = rb + rows_per_block < r1 ? rb + rows_per_block : r1;
        for (int64_t t0 = 0; t0 < n_tokens; t0 += simd::kTokenTile) {
            const int nt = static_cast<int>(n_tokens - t0 < simd::kTokenTile ? n_tokens - t0 : simd::kTokenTile);
            const uint8_t* xt = x + t0 * x_row_size;
            const float* at = aux.data ? aux.data + t0 * aux.stride : nullptr;
            float* yt = y + t0 * ldy;
            for (int64_t r = rb; r < re; ++r) k(n, w + r * w_row_size, xt, x_row_size, at, aux.stride, nt, yt + r, ldy);
        }
    }
}

}  // namespace tessera::cpu::TESSERA_CPU_ISA
