#include "engine/gguf/gguf.h"

#include <cstring>
#include <limits>

namespace tessera {

const char* gguf_type_name(GgufType t) {
    switch (t) {
        case GgufType::UINT8: return "uint8";
        case GgufType::INT8: return "int8";
        case GgufType::UINT16: return "uint16";
        case GgufType::INT16: return "int16";
        case GgufType::UINT32: return "uint32";
        case GgufType::INT32: return "int32";
        case GgufType::FLOAT32: return "float32";
        case GgufType::BOOL: return "bool";
        case GgufType::STRING: return "string";
        case GgufType::ARRAY: return "array";
        case GgufType::UINT64: return "uint64";
        case GgufType::INT64: return "int64";
        case GgufType::FLOAT64: return "float64";
    }
    return "unknown";
}

bool GgufValue::is_integer() const {
    switch (type) {
        case GgufType::UINT8: case GgufType::INT8: case GgufType::UINT16: case GgufType::INT16:
        case GgufType::UINT32: case GgufType::INT32: case GgufType::UINT64: case GgufType::INT64:
            return true;
        default:
            return false;
    }
}

int64_t GgufValue::as_int() const {
    switch (type) {
        case GgufType::INT8: case GgufType::INT16: case GgufType::INT32: case GgufType::INT64:
            return i64;
        case GgufType::FLOAT32: case GgufType::FLOAT64:
            return static_cast<int64_t>(f64);
        default:
            return static_cast<int64_t>(u64);
    }
}

double GgufValue::as_double() const {
    if (is_float()) return f64;
    switch (type) {
        case GgufType::INT8: case GgufType::INT16: case GgufType::INT32: case GgufType::INT64:
            return static_cast<double>(i64);
        default:
            return static_cast<double>(u64);
    }
}

namespace {

size_t scalar_bytes(GgufType t) {
    switch (t) {
        case GgufType::UINT8: case GgufType::INT8: case GgufType::BOOL: return 1;
        case GgufType::UINT16: case GgufType::INT16: return 2;
        case GgufType::UINT32: case GgufType::INT32: case GgufType::FLOAT32: return 4;
        case GgufType::UINT64: case GgufType::INT64: case GgufType::FLOAT64: return 8;
        default: return 0;
    }
}

// Decodes one stored scalar of type t.
GgufValue scalar_from_bytes(GgufType t, const uint8_t* p) {
    GgufValue v;
    v.type = t;
    switch (t) {
        case GgufType::UINT8: v.u64 = p[0]; break;
        case GgufType::BOOL: v.u64 = p[0] != 0; break;
        case GgufType::INT8: v.i64 = static_cast<int8_t>(p[0]); break;
        case GgufType::UINT16: { uint16_t x; std::memcpy(&x, p, 2); v.u64 = x; break; }
        case GgufType::INT16: { int16_t x; std::memcpy(&x, p, 2); v.i64 = x; break; }
        case GgufType::UINT32: { uint32_t x; std::memcpy(&x, p, 4); v.u64 = x; break; }
        case GgufType::INT32: { int32_t x; std::memcpy(&x, p, 4); v.i64 = x; break; }
        case GgufType::FLOAT32: { float x; std::memcpy(&x, p, 4); v.f64 = x; break; }
        case GgufType::UINT64: { uint64_t x; std::memcpy(&x, p, 8); v.u64 = x; break; }
        case GgufType::INT64: { int64_t x; std::memcpy(&x, p, 8); v.i64 = x; break; }
        case GgufType::FLOAT64: { double x; std::memcpy(&x, p, 8); v.f64 = x; break; }
        default: break;
    }
    return v;
}

// Encodes a scalar value as type t's stored bytes.
void append_scalar(std::vector<uint8_t>& out, GgufType t, const GgufValue& v) {
    uint8_t buf[8] = {};
    switch (t) {
        case GgufType::UINT8: case GgufType::BOOL: buf[0] = static_cast<uint8_t>(v.as_int()); break;
        case GgufType::INT8: buf[0] = static_cast<uint8_t>(static_cast<int8_t>(v.as_int())); break;
        case GgufType::UINT16: { uint16_t x = static_cast<uint16_t>(v.as_int()); std::memcpy(buf, &x, 2); break; }
        case GgufType::INT16: { int16_t x = static_cast<int16_t>(v.as_int()); std::memcpy(buf, &x, 2); break; }
        case GgufType::UINT32: { uint32_t x = static_cast<uint32_t>(v.as_int()); std::memcpy(buf, &x, 4); break; }
        case GgufType::INT32: { int32_t x = static_cast<int32_t>(v.as_int()); std::memcpy(buf, &x, 4); break; }
        case GgufType::FLOAT32: { float x = static_cast<float>(v.as_double()); std::memcpy(buf, &x, 4); break; }
        case GgufType::UINT64: { uint64_t x = v.type == GgufType::UINT64 ? v.u64 : static_cast<uint64_t>(v.as_int()); std::memcpy(buf, &x, 8); break; }
        case GgufType::INT64: { int64_t x = v.as_int(); std::memcpy(buf, &x, 8); break; }
        case GgufType::FLOAT64: { double x = v.as_double(); std::memcpy(buf, &x, 8); break; }
        default: break;
    }
    out.insert(out.end(), buf, buf + scalar_bytes(t));
}

}  // namespace

size_t GgufValue::array_size() const {
    if (type != GgufType::ARRAY) return 0;
    if (array_type == GgufType::STRING) return strings.size();
    if (array_type == GgufType::ARRAY) return array.size();
    const size_t b = scalar_bytes(array_type);
    return b ? raw.size() / b : 0;
}

GgufValue GgufValue::element(size_t i) const {
    if (array_type == GgufType::STRING) return make_string(strings.at(i));
    if (array_type == GgufType::ARRAY) return array.at(i);
    const size_t b = scalar_bytes(array_type);
    if ((i + 1) * b > raw.size()) return {};
    return scalar_from_bytes(array_type, raw.data() + i * b);
}

GgufValue GgufValue::make_array(GgufType elem, std::vector<GgufValue> v) {
    GgufValue x;
    x.type = GgufType::ARRAY;
    x.array_type = elem;
    if (elem == GgufType::ARRAY) {
        x.array = std::move(v);
    } else if (elem == GgufType::STRING) {
        x.strings.reserve(v.size());
        for (auto& e : v) x.strings.push_back(std::move(e.str));
    } else {
        x.raw.reserve(v.size() * scalar_bytes(elem));
        for (const auto& e : v) append_scalar(x.raw, elem, e);
    }
    return x;
}

GgufValue GgufValue::make_string_array(const std::vector<std::string>& v) {
    GgufValue x;
    x.type = GgufType::ARRAY;
    x.array_type = GgufType::STRING;
    x.strings = v;
    return x;
}

GgufValue GgufValue::make_f32_array(const std::vector<float>& v) {
    GgufValue x;
    x.type = GgufType::ARRAY;
    x.array_type = GgufType::FLOAT32;
    x.raw.resize(v.size() * 4);
    std::memcpy(x.raw.data(), v.data(), x.raw.size());
    return x;
}

GgufValue GgufValue::make_i32_array(const std::vector<int32_t>& v) {
    GgufValue x;
    x.type = GgufType::ARRAY;
    x.array_type = GgufType::INT32;
    x.raw.resize(v.size() * 4);
    std::memcpy(x.raw.data(), v.data(), x.raw.size());
    return x;
}

namespace {

constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" little-endian
constexpr int kMaxDims = 4;
constexpr int kMaxArrayNesting = 8;

// Bounds-checked little-endian cursor over the mapped bytes.
class Cursor {
public:
    Cursor(const uint8_t* data, size_t size, const std::string& label) : data_(data), size_(size), label_(label) {}

    size_t pos() const { return pos_; }
    size_t remaining() const { return size_ - pos_; }
    void seek(size_t p) { pos_ = p; }

    Status need(size_t n, const std::string& what) const {
        if (n > size_ - pos_)
            return make_error(ErrorCode::format_error,
                              label_ + ": truncated file: " + what + " needs " + std::to_string(n) +
                                  " bytes at offset " + std::to_string(pos_) + " but only " +
                                  std::to_string(size_ - pos_) + " remain");
        return Status::ok();
    }

    template <class T>
    Status read(T& out, const std::string& what) {
        TS_RETURN_IF_ERROR(need(sizeof(T), what));
        std::memcpy(&out, data_ + pos_, sizeof(T));
        pos_ += sizeof(T);
        return Status::ok();
    }

    Status read_bytes(std::vector<uint8_t>& out, size_t n, const std::string& what) {
        TS_RETURN_IF_ERROR(need(n, what));
        out.assign(data_ + pos_, data_ + pos_ + n);
        pos_ += n;
        return Status::ok();
    }

    Status read_string(std::string& out, const std::string& what) {
        uint64_t len = 0;
        const size_t at = pos_;
        TS_RETURN_IF_ERROR(read(len, what + " (string length)"));
        if (len > remaining())
            return make_error(ErrorCode::format_error, label_ + ": " + what + ": string length " +
                                                           std::to_string(len) + " at offset " + std::to_string(at) +
                                                           " runs past the end of the file");
        out.assign(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(len));
        pos_ += static_cast<size_t>(len);
        return Status::ok();
    }

private:
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
    const std::string& label_;
};

size_t scalar_size(GgufType t) {
    switch (t) {
        case GgufType::UINT8: case GgufType::INT8: case GgufType::BOOL: return 1;
        case GgufType::UINT16: case GgufType::INT16: return 2;
        case GgufType::UINT32: case GgufType::INT32: case GgufType::FLOAT32: return 4;
        case GgufType::UINT64: case GgufType::INT64: case GgufType::FLOAT64: return 8;
        case GgufType::STRING: return 8;  // at least the length prefix
        case GgufType::ARRAY: return 12;  // at least type + count
    }
    return 0;
}

bool valid_type(uint32_t t) { return t <= static_cast<uint32_t>(GgufType::FLOAT64); }

Status read_value(Cursor& cur, GgufType type, GgufValue& out, const std::string& key, int depth,
                  const std::string& label) {
    out.type = type;
    const std::string what = "value of '" + key + "'";
    switch (type) {
        case GgufType::UINT8: { uint8_t v; TS_RETURN_IF_ERROR(cur.read(v, what)); out.u64 = v; break; }
        case GgufType::INT8: { int8_t v; TS_RETURN_IF_ERROR(cur.read(v, what)); out.i64 = v; break; }
        case GgufType::UINT16: { uint16_t v; TS_RETURN_IF_ERROR(cur.read(v, what)); out.u64 = v; break; }
        case GgufType::INT16: { int16_t v; TS_RETURN_IF_ERROR(cur.read(v, what)); out.i64 = v; break; }
        case GgufType::UINT32: { uint32_t v; TS_RETURN_IF_ERROR(cur.read(v, what)); out.u64 = v; break; }
        case GgufType::INT32: { int32_t v; TS_RETURN_IF_ERROR(cur.read(v, what)); out.i64 = v; break; }
        case GgufType::UINT64: { uint64_t v; TS_RETURN_IF_ERROR(cur.read(v, what)); out.u64 = v; break; }
        case GgufType::INT64: { int64_t v; TS_RETURN_IF_ERROR(cur.read(v, what)); out.i64 = v; break; }
        case GgufType::FLOAT32: { float v; TS_RETURN_IF_ERROR(cur.read(v, what)); out.f64 = v; break; }
        case GgufType::FLOAT64: { double v; TS_RETURN_IF_ERROR(cur.read(v, what)); out.f64 = v; break; }
        case GgufType::BOOL: {
            uint8_t v;
            TS_RETURN_IF_ERROR(cur.read(v, what));
            out.u64 = v != 0;
            break;
        }
        case GgufType::STRING: TS_RETURN_IF_ERROR(cur.read_string(out.str, what)); break;
        case GgufType::ARRAY: {
            if (depth >= kMaxArrayNesting)
                return make_error(ErrorCode::format_error, label + ": '" + key + "': arrays nested deeper than " +
                                                               std::to_string(kMaxArrayNesting) + " levels");
            const size_t at = cur.pos();
            uint32_t elem = 0;
            uint64_t count = 0;
            TS_RETURN_IF_ERROR(cur.read(elem, what + " (array type)"));
            TS_RETURN_IF_ERROR(cur.read(count, what + " (array length)"));
            if (!valid_type(elem))
                return make_error(ErrorCode::format_error, label + ": '" + key + "': unknown array element type " +
                                                               std::to_string(elem) + " at offset " + std::to_string(at));
            // Each element takes at least scalar_size bytes: reject absurd counts before allocating.
            if (count > cur.remaining() / scalar_size(static_cast<GgufType>(elem)))
                return make_error(ErrorCode::format_error,
                                  label + ": '" + key + "': array of " + std::to_string(count) + " " +
                                      gguf_type_name(static_cast<GgufType>(elem)) + " at offset " +
                                      std::to_string(at) + " does not fit in the file");
            out.array_type = static_cast<GgufType>(elem);
            if (out.array_type == GgufType::ARRAY) {
                out.array.resize(static_cast<size_t>(count));
                for (auto& v : out.array)
                    TS_RETURN_IF_ERROR(read_value(cur, out.array_type, v, key, depth + 1, label));
            } else if (out.array_type == GgufType::STRING) {
                out.strings.resize(static_cast<size_t>(count));
                for (auto& str : out.strings) TS_RETURN_IF_ERROR(cur.read_string(str, what + " (array element)"));
            } else {
                const size_t bytes = static_cast<size_t>(count) * scalar_size(out.array_type);
                TS_RETURN_IF_ERROR(cur.read_bytes(out.raw, bytes, what + " (array data)"));
            }
            break;
        }
    }
    return Status::ok();
}

}  // namespace

Result<std::unique_ptr<GgufFile>> GgufFile::open(const std::string& path) {
    TS_ASSIGN_OR_RETURN(auto mapping, MappedFile::open(path));
    std::unique_ptr<GgufFile> f(new GgufFile());
    f->data_ = mapping->data();
    f->size_ = mapping->size();
    f->label_ = path;
    f->mapping_ = std::move(mapping);
    TS_RETURN_IF_ERROR(f->parse_all());
    return f;
}

Result<std::unique_ptr<GgufFile>> GgufFile::parse(const uint8_t* data, size_t size, std::string label) {
    std::unique_ptr<GgufFile> f(new GgufFile());
    f->data_ = data;
    f->size_ = size;
    f->label_ = std::move(label);
    TS_RETURN_IF_ERROR(f->parse_all());
    return f;
}

Status GgufFile::parse_all() {
    Cursor cur(data_, size_, label_);
    uint32_t magic = 0;
    if (size_ < 4) return make_error(ErrorCode::format_error, label_ + ": not a GGUF file (only " + std::to_string(size_) + " bytes)");
    TS_RETURN_IF_ERROR(cur.read(magic, "magic"));
    if (magic != kGgufMagic) {
        char got[5] = {0};
        std::memcpy(got, &magic, 4);
        for (char& c : got)
            if (c && (c < 32 || c > 126)) c = '?';
        return make_error(ErrorCode::format_error, label_ + ": not a GGUF file: magic at offset 0 is '" +
                                                       std::string(got) + "', expected 'GGUF'");
    }
    TS_RETURN_IF_ERROR(cur.read(version_, "version"));
    if (version_ == 1)
        return make_error(ErrorCode::unsupported, label_ + ": GGUF version 1 is obsolete; re-convert the model (v2 or v3 supported)");
    if (version_ != 2 && version_ != 3)
        return make_error(ErrorCode::format_error, label_ + ": unknown GGUF version " + std::to_string(version_) +
                                                       " at offset 4 (v2 and v3 supported)");
    uint64_t n_tensors = 0, n_kv = 0;
    TS_RETURN_IF_ERROR(cur.read(n_tensors, "tensor count"));
    TS_RETURN_IF_ERROR(cur.read(n_kv, "metadata count"));
    // Minimum sizes: a kv is >= 8 (key len) + 4 (type) + 1; a tensor info >= 8 + 4 + 4 + 8.
    if (n_kv > cur.remaining() / 13)
        return make_error(ErrorCode::format_error, label_ + ": metadata count " + std::to_string(n_kv) +
                                                       " at offset 16 is larger than the file could hold");
    if (n_tensors > cur.remaining() / 24)
        return make_error(ErrorCode::format_error, label_ + ": tensor count " + std::to_string(n_tensors) +
                                                       " at offset 8 is larger than the file could hold");

    kv_.reserve(static_cast<size_t>(n_kv));
    for (uint64_t i = 0; i < n_kv; ++i) {
        const size_t at = cur.pos();
        std::string key;
        TS_RETURN_IF_ERROR(cur.read_string(key, "metadata key #" + std::to_string(i)));
        uint32_t type = 0;
        TS_RETURN_IF_ERROR(cur.read(type, "type of '" + key + "'"));
        if (!valid_type(type))
            return make_error(ErrorCode::format_error, label_ + ": metadata '" + key + "' at offset " +
                                                           std::to_string(at) + " has unknown value type " +
                                                           std::to_string(type));
        GgufValue value;
        TS_RETURN_IF_ERROR(read_value(cur, static_cast<GgufType>(type), value, key, 0, label_));
        if (kv_index_.count(key))
            return make_error(ErrorCode::format_error, label_ + ": duplicate metadata key '" + key + "' at offset " + std::to_string(at));
        kv_index_.emplace(key, kv_.size());
        kv_.emplace_back(std::move(key), std::move(value));
    }

    if (const GgufValue* a = find("general.alignment")) {
        if (!a->is_integer() || a->as_int() <= 0 || (a->as_int() & (a->as_int() - 1)) != 0)
            return make_error(ErrorCode::format_error, label_ + ": general.alignment must be a power of two, found " +
                                                           std::to_string(a->as_int()));
        alignment_ = static_cast<uint64_t>(a->as_int());
    }

    tensors_.reserve(static_cast<size_t>(n_tensors));
    for (uint64_t i = 0; i < n_tensors; ++i) {
        GgufTensorInfo info;
        info.info_offset = cur.pos();
        Tensor& t = info.tensor;
        TS_RETURN_IF_ERROR(cur.read_string(t.name, "name of tensor #" + std::to_string(i)));
        uint32_t n_dims = 0;
        TS_RETURN_IF_ERROR(cur.read(n_dims, "dimension count of tensor '" + t.name + "'"));
        if (n_dims == 0 || n_dims > kMaxDims)
            return make_error(ErrorCode::format_error, label_ + ": tensor '" + t.name + "' at offset " +
                                                           std::to_string(info.info_offset) + " has " +
                                                           std::to_string(n_dims) + " dimensions (1 to 4 allowed)");
        t.n_dims = static_cast<int>(n_dims);
        int64_t n_elements = 1;
        for (uint32_t d = 0; d < n_dims; ++d) {
            uint64_t ne = 0;
            TS_RETURN_IF_ERROR(cur.read(ne, "shape of tensor '" + t.name + "'"));
            if (ne == 0 || ne > (1ull << 40) ||
                static_cast<uint64_t>(n_elements) > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / ne)
                return make_error(ErrorCode::format_error, label_ + ": tensor '" + t.name + "' has an absurd dimension " +
                                                               std::to_string(ne) + " (dim " + std::to_string(d) +
                                                               ") at offset " + std::to_string(info.info_offset));
            t.ne[d] = static_cast<int64_t>(ne);
            n_elements *= static_cast<int64_t>(ne);
        }
        uint32_t type = 0;
        TS_RETURN_IF_ERROR(cur.read(type, "type of tensor '" + t.name + "'"));
        const DTypeInfo* ti = dtype_info(type);
        if (!ti)
            return make_error(ErrorCode::format_error, label_ + ": tensor '" + t.name + "' has unknown type id " +
                                                           std::to_string(type) + " at offset " +
                                                           std::to_string(info.info_offset));
        t.type = static_cast<DType>(type);
        if (t.ne[0] % ti->block_size != 0)
            return make_error(ErrorCode::format_error, label_ + ": tensor '" + t.name + "' of type " + ti->name +
                                                           " has row length " + std::to_string(t.ne[0]) +
                                                           ", not a multiple of the block size " +
                                                           std::to_string(ti->block_size));
        t.nbytes = static_cast<size_t>(n_elements / ti->block_size) * ti->type_size;
        TS_RETURN_IF_ERROR(cur.read(info.offset, "data offset of tensor '" + t.name + "'"));
        if (info.offset % alignment_ != 0)
            return make_error(ErrorCode::format_error, label_ + ": tensor '" + t.name + "' data offset " +
                                                           std::to_string(info.offset) + " is not aligned to " +
                                                           std::to_string(alignment_));
        if (tensor_index_.count(t.name))
            return make_error(ErrorCode::format_error, label_ + ": duplicate tensor name '" + t.name + "'");
        tensor_index_.emplace(t.name, tensors_.size());
        tensors_.push_back(std::move(info));
    }

    data_offset_ = (cur.pos() + alignment_ - 1) / alignment_ * alignment_;
    if (n_tensors > 0 && data_offset_ > size_)
        return make_error(ErrorCode::format_error, label_ + ": truncated file: tensor data should start at offset " +
                                                       std::to_string(data_offset_) + " but the file has " +
                                                       std::to_string(size_) + " bytes");
    for (auto& info : tensors_) {
        const uint64_t begin = data_offset_ + info.offset;
        if (info.offset > size_ || begin > size_ || info.tensor.nbytes > size_ - begin)
            return make_error(ErrorCode::format_error,
                              label_ + ": tensor '" + info.tensor.name + "' (" + std::to_string(info.tensor.nbytes) +
                                  " bytes at offset " + std::to_string(begin) + ") lies outside the file (" +
                                  std::to_string(size_) + " bytes): the file is truncated or corrupt");
        info.tensor.data = data_ + begin;
    }
    return Status::ok();
}

const GgufValue* GgufFile::find(std::string_view key) const {
    auto it = kv_index_.find(key);
    return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

const Tensor* GgufFile::find_tensor(std::string_view name) const {
    auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second].tensor;
}

Status GgufFile::check_types() const {
    for (const auto& info : tensors_) {
        const DTypeInfo& ti = dtype_info(info.tensor.type);
        if (!ti.supported)
            return make_error(ErrorCode::unsupported, label_ + ": tensor '" + info.tensor.name + "' has type " + ti.name +
                                                          ", which Tessera does not support yet");
    }
    return Status::ok();
}

namespace {
Status missing(const std::string& label, std::string_view key) {
    return make_error(ErrorCode::format_error, label + ": required metadata key '" + std::string(key) + "' is missing");
}
Status wrong_type(const std::string& label, std::string_view key, const char* expected, const GgufValue& v) {
    std::string found = gguf_type_name(v.type);
    if (v.type == GgufType::ARRAY) found = std::string("array of ") + gguf_type_name(v.array_type);
    return make_error(ErrorCode::format_error, label + ": metadata '" + std::string(key) + "' should be " + expected +
                                                   ", found " + found);
}
}  // namespace

Result<int64_t> GgufFile::get_int(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v) return missing(label_, key);
    if (!v->is_integer() && v->type != GgufType::BOOL) return wrong_type(label_, key, "an integer", *v);
    return v->as_int();
}

Result<double> GgufFile::get_float(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v) return missing(label_, key);
    if (!v->is_integer() && !v->is_float()) return wrong_type(label_, key, "a number", *v);
    return v->as_double();
}

Result<std::string> GgufFile::get_string(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v) return missing(label_, key);
    if (v->type != GgufType::STRING) return wrong_type(label_, key, "a string", *v);
    return v->str;
}

int64_t GgufFile::get_int_or(std::string_view key, int64_t fallback) const {
    const GgufValue* v = find(key);
    return v && (v->is_integer() || v->type == GgufType::BOOL) ? v->as_int() : fallback;
}

double GgufFile::get_float_or(std::string_view key, double fallback) const {
    const GgufValue* v = find(key);
    return v && (v->is_integer() || v->is_float()) ? v->as_double() : fallback;
}

bool GgufFile::get_bool_or(std::string_view key, bool fallback) const {
    const GgufValue* v = find(key);
    return v && (v->type == GgufType::BOOL || v->is_integer()) ? v->as_int() != 0 : fallback;
}

std::string GgufFile::get_string_or(std::string_view key, std::string fallback) const {
    const GgufValue* v = find(key);
    return v && v->type == GgufType::STRING ? v->str : fallback;
}

Result<std::vector<std::string>> GgufFile::get_string_array(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v) return missing(label_, key);
    if (v->type != GgufType::ARRAY || v->array_type != GgufType::STRING)
        return wrong_type(label_, key, "an array of strings", *v);
    return v->strings;
}

Result<std::vector<float>> GgufFile::get_float_array(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v) return missing(label_, key);
    if (v->type != GgufType::ARRAY || v->array_type == GgufType::STRING || v->array_type == GgufType::ARRAY)
        return wrong_type(label_, key, "an array of numbers", *v);
    std::vector<float> out(v->array_size());
    if (v->array_type == GgufType::FLOAT32) {
        std::memcpy(out.data(), v->raw.data(), out.size() * sizeof(float));
    } else {
        for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(v->element(i).as_double());
    }
    return out;
}

Result<std::vector<int64_t>> GgufFile::get_int_array(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v) return missing(label_, key);
    if (v->type != GgufType::ARRAY || v->array_type == GgufType::STRING || v->array_type == GgufType::ARRAY ||
        v->array_type == GgufType::FLOAT32 || v->array_type == GgufType::FLOAT64)
        return wrong_type(label_, key, "an array of integers", *v);
    std::vector<int64_t> out(v->array_size());
    for (size_t i = 0; i < out.size(); ++i) out[i] = v->element(i).as_int();
    return out;
}

}  // namespace tessera
