#pragma once
// A read-only view of a weight tensor (usually memory-mapped from a GGUF file).
// Shapes are in ggml order: ne[0] is the contiguous dimension. A linear layer y = W·x is stored
// ne = [n_in, n_out]; an expert stack ne = [n_in, n_out, n_expert]; token_embd ne = [n_embd, n_vocab].
#include <cstdint>
#include <string>

#include "engine/core/dtype.h"

namespace tessera {

struct Tensor {
    std::string name;
    DType type = DType::F32;
    int n_dims = 0;
    int64_t ne[4] = {1, 1, 1, 1};
    const void* data = nullptr;  // first byte of the tensor
    size_t nbytes = 0;

    int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
    int64_t n_rows() const { return ne[1] * ne[2] * ne[3]; }
    size_t row_size() const { return dtype_row_size(type, ne[0]); }
    const uint8_t* row(int64_t r) const { return static_cast<const uint8_t*>(data) + r * row_size(); }
    bool valid() const { return data != nullptr; }

    // The 2-D matrix of expert `e` in an [n_in, n_out, n_expert] stack.
    Tensor expert(int64_t e) const {
        Tensor t = *this;
        t.n_dims = 2;
        t.ne[2] = 1;
        t.ne[3] = 1;
        t.nbytes = row_size() * ne[1];
        t.data = static_cast<const uint8_t*>(data) + e * t.nbytes;
        return t;
    }
};

}  // namespace tessera
