#pragma once
// Looks up model tensors by name and validates them as they are bound, so a bad file fails with
// "tensor 'blk.3.attn_q.weight': expected shape [2048, 2048], found [2048, 512]" instead of garbage.
// The first error is remembered; architecture loaders bind everything, then check status() once.
#include <cstdint>
#include <initializer_list>
#include <string>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/gguf/gguf.h"

namespace tessera {

class WeightLoader {
public:
    explicit WeightLoader(const GgufFile& file) : file_(file) {}

    // A required tensor with exactly this ggml shape (ne0 first). Returns an empty Tensor on error.
    Tensor require(const std::string& name, std::initializer_list<int64_t> ne);
    // An optional tensor: empty Tensor if absent; shape-checked if present.
    Tensor optional(const std::string& name, std::initializer_list<int64_t> ne);
    // A 1-D f32 vector (norm weights, biases): must be F32 (or F16, converted by the caller's kernel? no: F32 only).
    const float* require_f32(const std::string& name, int64_t n);
    const float* optional_f32(const std::string& name, int64_t n);

    static std::string layer_name(int layer, const char* suffix) {
        return "blk." + std::to_string(layer) + "." + suffix;
    }

    const Status& status() const { return status_; }
    bool ok() const { return status_.is_ok(); }

private:
    Tensor check(const Tensor* t, const std::string& name, std::initializer_list<int64_t> ne);
    void fail(Status s) {
        if (status_.is_ok()) status_ = std::move(s);
    }

    const GgufFile& file_;
    Status status_;
};

}  // namespace tessera
