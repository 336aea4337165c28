#include "engine/runtime/weight_loader.h"

namespace tessera {
namespace {

std::string shape_string(const int64_t* ne, size_t n) {
    std::string s = "[";
    for (size_t i = 0; i < n; ++i) {
        if (i) s += ", ";
        s += std::to_string(ne[i]);
    }
    return s + "]";
}

}  // namespace

Tensor WeightLoader::check(const Tensor* t, const std::string& name, std::initializer_list<int64_t> ne) {
    const DTypeInfo& info = dtype_info(t->type);
    if (!info.supported) {
        fail(make_error(ErrorCode::unsupported, file_.path() + ": tensor '" + name + "' has type " + info.name +
                                                    ", which Tessera does not support yet"));
        return {};
    }
    bool match = static_cast<size_t>(t->n_dims) <= ne.size();
    size_t i = 0;
    for (int64_t want : ne) {
        const int64_t have = i < 4 ? t->ne[i] : 1;
        if (want != have) match = false;
        ++i;
    }
    if (!match) {
        const std::vector<int64_t> want(ne);
        fail(make_error(ErrorCode::format_error, file_.path() + ": tensor '" + name + "': expected shape " +
                                                     shape_string(want.data(), want.size()) + ", found " +
                                                     shape_string(t->ne, static_cast<size_t>(t->n_dims))));
        return {};
    }
    return *t;
}

Tensor WeightLoader::require(const std::string& name, std::initializer_list<int64_t> ne) {
    const Tensor* t = file_.find_tensor(name);
    if (!t) {
        fail(make_error(ErrorCode::format_error, file_.path() + ": required tensor '" + name + "' is missing"));
        return {};
    }
    return check(t, name, ne);
}

Tensor WeightLoader::optional(const std::string& name, std::initializer_list<int64_t> ne) {
    const Tensor* t = file_.find_tensor(name);
    if (!t) return {};
    return check(t, name, ne);
}

const float* WeightLoader::require_f32(const std::string& name, int64_t n) {
    const Tensor t = require(name, {n});
    if (!t.valid()) return nullptr;
    if (t.type != DType::F32) {
        fail(make_error(ErrorCode::unsupported, file_.path() + ": tensor '" + name + "': expected type F32, found " +
                                                    std::string(dtype_name(t.type))));
        return nullptr;
    }
    return static_cast<const float*>(t.data);
}

const float* WeightLoader::optional_f32(const std::string& name, int64_t n) {
    if (!file_.find_tensor(name)) return nullptr;
    return require_f32(name, n);
}

}  // namespace tessera
