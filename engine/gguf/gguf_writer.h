#pragma once
// GGUF v3 writer: metadata in insertion order, tensors aligned to `general.alignment` (32).
// Used by tests (corrupt-file cases, small models) and `tessera-cli gen-model`.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/dtype.h"
#include "engine/core/status.h"
#include "engine/gguf/gguf.h"

namespace tessera {

class GgufWriter {
public:
    void set(const std::string& key, GgufValue value);
    void set_u32(const std::string& key, uint32_t v) { set(key, GgufValue::make_u32(v)); }
    void set_i32(const std::string& key, int32_t v) { set(key, GgufValue::make_i32(v)); }
    void set_f32(const std::string& key, float v) { set(key, GgufValue::make_f32(v)); }
    void set_bool(const std::string& key, bool v) { set(key, GgufValue::make_bool(v)); }
    void set_string(const std::string& key, std::string v) { set(key, GgufValue::make_string(std::move(v))); }

    // `data` must hold exactly dtype_row_size(type, ne[0]) * rows bytes; shapes in ggml order.
    Status add_tensor(const std::string& name, DType type, const std::vector<int64_t>& ne, std::vector<uint8_t> data);
    Status add_tensor_f32(const std::string& name, const std::vector<int64_t>& ne, const std::vector<float>& values);

    // The whole file as bytes (for tests) or written to `path` atomically (temp file + rename).
    std::vector<uint8_t> to_bytes() const;
    Status write(const std::string& path) const;

    size_t n_tensors() const { return tensors_.size(); }

private:
    std::vector<uint8_t> header_bytes() const;  // metadata + tensor infos, padded to the alignment

    struct PendingTensor {
        std::string name;
        DType type;
        std::vector<int64_t> ne;
        std::vector<uint8_t> data;
    };
    std::vector<std::pair<std::string, GgufValue>> kv_;
    std::vector<PendingTensor> tensors_;
};

}  // namespace tessera
