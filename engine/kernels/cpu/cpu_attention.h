#pragma once
// Per-ISA attention tiles (kernels/cpu/attention.cpp, compiled once per ISA). Same contract as
// ref::attention_tile (kernels/ref/attention.h), which also defines AttentionArgs and the tiling.
#include <cstdint>

#include "engine/kernels/ref/attention.h"

#define TESSERA_CPU_ATTENTION_DECLS                                                                  \
    void attention_tile(const AttentionArgs& a, int64_t kv_head, int64_t row0, int64_t n_rows,        \
                        float* scratch);

namespace tessera::cpu::avx2 { TESSERA_CPU_ATTENTION_DECLS }
namespace tessera::cpu::avx512 { TESSERA_CPU_ATTENTION_DECLS }

#undef TESSERA_CPU_ATTENTION_DECLS
