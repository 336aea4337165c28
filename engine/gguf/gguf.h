#pragma once
// GGUF v2/v3 reader (memory-mapped, bounds-checked) and the metadata value model shared with the writer.
// ref: ggml/docs/gguf.md (file layout), ggml/src/gguf.cpp (alignment rules).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/gguf/mapped_file.h"

namespace tessera {

enum class GgufType : uint32_t {
    UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
    STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};
const char* gguf_type_name(GgufType t);

// One metadata value. Scalars live in the matching field. Arrays are stored compactly by element
// type (a 150k-token vocabulary must not cost a GgufValue per entry): strings in `strings`, numbers
// and bools as their little-endian bytes in `raw`, nested arrays in `array`.
struct GgufValue {
    GgufType type = GgufType::UINT32;
    uint64_t u64 = 0;  // UINT8/16/32/64, BOOL
    int64_t i64 = 0;   // INT8/16/32/64
    double f64 = 0;    // FLOAT32/64
    std::string str;   // STRING
    GgufType array_type = GgufType::UINT8;  // ARRAY element type
    std::vector<std::string> strings;       // ARRAY of STRING
    std::vector<uint8_t> raw;               // ARRAY of numbers/bools: elements as stored
    std::vector<GgufValue> array;           // ARRAY of ARRAY

    size_t array_size() const;
    GgufValue element(size_t i) const;  // any array element as a standalone value

    bool is_integer() const;
    bool is_float() const { return type == GgufType::FLOAT32 || type == GgufType::FLOAT64; }
    int64_t as_int() const;     // integers and bool
    double as_double() const;   // numbers

    static GgufValue make_u32(uint32_t v) { GgufValue x; x.type = GgufType::UINT32; x.u64 = v; return x; }
    static GgufValue make_i32(int32_t v) { GgufValue x; x.type = GgufType::INT32; x.i64 = v; return x; }
    static GgufValue make_u64(uint64_t v) { GgufValue x; x.type = GgufType::UINT64; x.u64 = v; return x; }
    static GgufValue make_f32(float v) { GgufValue x; x.type = GgufType::FLOAT32; x.f64 = v; return x; }
    static GgufValue make_bool(bool v) { GgufValue x; x.type = GgufType::BOOL; x.u64 = v; return x; }
    static GgufValue make_string(std::string v) { GgufValue x; x.type = GgufType::STRING; x.str = std::move(v); return x; }
    // Any element type; scalars and strings are converted to the compact storage.
    static GgufValue make_array(GgufType elem, std::vector<GgufValue> v);
    static GgufValue make_string_array(const std::vector<std::string>& v);
    static GgufValue make_f32_array(const std::vector<float>& v);
    static GgufValue make_i32_array(const std::vector<int32_t>& v);
};

struct GgufTensorInfo {
    Tensor tensor;          // view into the mapping
    uint64_t offset = 0;    // relative to the data section, as stored
    uint64_t info_offset = 0;  // file offset of this tensor's info record (for error messages)
};

class GgufFile {
public:
    // Opens and validates a GGUF file. Every structural problem is a format_error naming the key or
    // tensor and the byte offset; unsupported tensor types are reported by name (see check_types).
    static Result<std::unique_ptr<GgufFile>> open(const std::string& path);
    // Same, over bytes owned by the caller (tests, fuzzing). The bytes must outlive the GgufFile.
    static Result<std::unique_ptr<GgufFile>> parse(const uint8_t* data, size_t size, std::string label);

    uint32_t version() const { return version_; }
    uint64_t alignment() const { return alignment_; }
    uint64_t data_offset() const { return data_offset_; }
    size_t file_size() const { return size_; }
    const std::string& path() const { return label_; }

    // Metadata in file order.
    const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return kv_; }
    const GgufValue* find(std::string_view key) const;
    bool has(std::string_view key) const { return find(key) != nullptr; }

    Result<int64_t> get_int(std::string_view key) const;
    Result<double> get_float(std::string_view key) const;
    Result<std::string> get_string(std::string_view key) const;
    int64_t get_int_or(std::string_view key, int64_t fallback) const;
    double get_float_or(std::string_view key, double fallback) const;
    bool get_bool_or(std::string_view key, bool fallback) const;
    std::string get_string_or(std::string_view key, std::string fallback) const;
    Result<std::vector<std::string>> get_string_array(std::string_view key) const;
    Result<std::vector<float>> get_float_array(std::string_view key) const;
    Result<std::vector<int64_t>> get_int_array(std::string_view key) const;

    const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
    const Tensor* find_tensor(std::string_view name) const;

    // Fails with `unsupported` naming the first tensor whose type this engine cannot compute with.
    Status check_types() const;

private:
    GgufFile() = default;
    Status parse_all();

    std::unique_ptr<MappedFile> mapping_;
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
    std::string label_;
    uint32_t version_ = 0;
    uint64_t alignment_ = 32;
    uint64_t data_offset_ = 0;
    std::vector<std::pair<std::string, GgufValue>> kv_;
    std::map<std::string, size_t, std::less<>> kv_index_;
    std::vector<GgufTensorInfo> tensors_;
    std::map<std::string, size_t, std::less<>> tensor_index_;
};

}  // namespace tessera
