#pragma once
// Per-ISA element-wise kernels (kernels/cpu/elementwise.cpp, compiled once per ISA). Same contracts as
// kernels/ref/elementwise.h; the GELU variants take the ref tables (ref::gelu_tanh_table(),
// ref::gelu_quick_table()) as an argument so that no table lives in ISA-specific code.
#include <cstdint>

#define TESSERA_CPU_ELEMENTWISE_DECLS                                                                \
    void softmax(float* x, int64_t n_rows, int64_t n);                                                \
    void silu(const float* x, int64_t n, float* y);                                                   \
    void gelu_tanh(const float* x, int64_t n, float* y, const float* table);                          \
    void gelu_erf(const float* x, int64_t n, float* y);                                               \
    void gelu_quick(const float* x, int64_t n, float* y, const float* table);                         \
    void swiglu(const float* gate, const float* up, int64_t n, float* out);                           \
    void geglu(const float* gate, const float* up, int64_t n, float* out, const float* table);        \
    void add(const float* a, const float* b, int64_t n, float* out);                                  \
    void mul(const float* a, const float* b, int64_t n, float* out);                                  \
    void scale(const float* x, float s, int64_t n, float* out);                                       \
    void add_row(const float* x, const float* b, int64_t n_rows, int64_t n, float* out);              \
    int32_t argmax(const float* x, int64_t n);

namespace tessera::cpu::avx2 { TESSERA_CPU_ELEMENTWISE_DECLS }
namespace tessera::cpu::avx512 { TESSERA_CPU_ELEMENTWISE_DECLS }

#undef TESSERA_CPU_ELEMENTWISE_DECLS
