#include "engine/gguf/gguf_writer.h"

#include <cstdio>
#include <cstring>
#include <fstream>

namespace tessera {
namespace {

constexpr uint64_t kAlignment = 32;

void put_bytes(std::vector<uint8_t>& out, const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
}
template <class T>
void put(std::vector<uint8_t>& out, T v) { put_bytes(out, &v, sizeof(T)); }
void put_string(std::vector<uint8_t>& out, const std::string& s) {
    put<uint64_t>(out, s.size());
    put_bytes(out, s.data(), s.size());
}

void put_value(std::vector<uint8_t>& out, const GgufValue& v) {
    switch (v.type) {
        case GgufType::UINT8: put<uint8_t>(out, static_cast<uint8_t>(v.u64)); break;
        case GgufType::INT8: put<int8_t>(out, static_cast<int8_t>(v.i64)); break;
        case GgufType::UINT16: put<uint16_t>(out, static_cast<uint16_t>(v.u64)); break;
        case GgufType::INT16: put<int16_t>(out, static_cast<int16_t>(v.i64)); break;
        case GgufType::UINT32: put<uint32_t>(out, static_cast<uint32_t>(v.u64)); break;
        case GgufType::INT32: put<int32_t>(out, static_cast<int32_t>(v.i64)); break;
        case GgufType::UINT64: put<uint64_t>(out, v.u64); break;
        case GgufType::INT64: put<int64_t>(out, v.i64); break;
        case GgufType::FLOAT32: put<float>(out, static_cast<float>(v.f64)); break;
        case GgufType::FLOAT64: put<double>(out, v.f64); break;
        case GgufType::BOOL: put<uint8_t>(out, v.u64 ? 1 : 0); break;
        case GgufType::STRING: put_string(out, v.str); break;
        case GgufType::ARRAY:
            put<uint32_t>(out, static_cast<uint32_t>(v.array_type));
            put<uint64_t>(out, v.array_size());
            if (v.array_type == GgufType::STRING) {
                for (const auto& str : v.strings) put_string(out, str);
            } else if (v.array_type == GgufType::ARRAY) {
                for (const auto& e : v.array) put_value(out, e);
            } else {
                put_bytes(out, v.raw.data(), v.raw.size());
            }
            break;
    }
}

uint64_t align_up(uint64_t x) { return (x + kAlignment - 1) / kAlignment * kAlignment; }

}  // namespace

void GgufWriter::set(const std::string& key, GgufValue value) {
    for (auto& kv : kv_)
        if (kv.first == key) {
            kv.second = std::move(value);
            return;
        }
    kv_.emplace_back(key, std::move(value));
}

Status GgufWriter::add_tensor(const std::string& name, DType type, const std::vector<int64_t>& ne,
                              std::vector<uint8_t> data) {
    if (ne.empty() || ne.size() > 4)
        return make_error(ErrorCode::invalid_argument, "tensor '" + name + "': 1 to 4 dimensions allowed");
    const DTypeInfo* info = dtype_info(static_cast<uint32_t>(type));
    if (!info) return make_error(ErrorCode::invalid_argument, "tensor '" + name + "': unknown type");
    if (ne[0] % info->block_size != 0)
        return make_error(ErrorCode::invalid_argument, "tensor '" + name + "': row length " + std::to_string(ne[0]) +
                                                           " is not a multiple of " + info->name + "'s block size");
    int64_t rows = 1;
    for (size_t i = 1; i < ne.size(); ++i) rows *= ne[i];
    const size_t expected = dtype_row_size(type, ne[0]) * static_cast<size_t>(rows);
    if (data.size() != expected)
        return make_error(ErrorCode::invalid_argument, "tensor '" + name + "': expected " + std::to_string(expected) +
                                                           " bytes, got " + std::to_string(data.size()));
    for (const auto& t : tensors_)
        if (t.name == name) return make_error(ErrorCode::invalid_argument, "duplicate tensor '" + name + "'");
    tensors_.push_back({name, type, ne, std::move(data)});
    return Status::ok();
}

Status GgufWriter::add_tensor_f32(const std::string& name, const std::vector<int64_t>& ne,
                                  const std::vector<float>& values) {
    std::vector<uint8_t> bytes(values.size() * sizeof(float));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return add_tensor(name, DType::F32, ne, std::move(bytes));
}

std::vector<uint8_t> GgufWriter::header_bytes() const {
    std::vector<uint8_t> out;
    put<uint32_t>(out, 0x46554747);
    put<uint32_t>(out, 3);
    put<uint64_t>(out, tensors_.size());
    put<uint64_t>(out, kv_.size());
    for (const auto& [key, value] : kv_) {
        put_string(out, key);
        put<uint32_t>(out, static_cast<uint32_t>(value.type));
        put_value(out, value);
    }
    uint64_t offset = 0;
    for (const auto& t : tensors_) {
        put_string(out, t.name);
        put<uint32_t>(out, static_cast<uint32_t>(t.ne.size()));
        for (int64_t d : t.ne) put<uint64_t>(out, static_cast<uint64_t>(d));
        put<uint32_t>(out, static_cast<uint32_t>(t.type));
        put<uint64_t>(out, offset);
        offset = align_up(offset + t.data.size());
    }
    out.resize(align_up(out.size()), 0);
    return out;
}

std::vector<uint8_t> GgufWriter::to_bytes() const {
    std::vector<uint8_t> out = header_bytes();
    for (const auto& t : tensors_) {
        put_bytes(out, t.data.data(), t.data.size());
        out.resize(align_up(out.size()), 0);
    }
    return out;
}

Status GgufWriter::write(const std::string& path) const {
    // Streamed: header, then each tensor's bytes, so a multi-GB model is not copied once more.
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) return make_error(ErrorCode::io_error, "cannot create '" + tmp + "'");
        const std::vector<uint8_t> header = header_bytes();
        f.write(reinterpret_cast<const char*>(header.data()), static_cast<std::streamsize>(header.size()));
        static const char zeros[kAlignment] = {};
        for (const auto& t : tensors_) {
            f.write(reinterpret_cast<const char*>(t.data.data()), static_cast<std::streamsize>(t.data.size()));
            const size_t pad = align_up(t.data.size()) - t.data.size();
            f.write(zeros, static_cast<std::streamsize>(pad));
        }
        if (!f) return make_error(ErrorCode::io_error, "cannot write '" + tmp + "' (disk full?)");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        return make_error(ErrorCode::io_error, "cannot rename '" + tmp + "' to '" + path + "'");
    return Status::ok();
}

}  // namespace tessera
