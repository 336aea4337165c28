#include "engine/chat/chat_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace tessera::chat {

// ---- errors and budget ----

void throw_type_error(const std::string& message) { throw TemplateError(ErrorCode::format_error, message); }
void throw_value_error(const std::string& message) { throw TemplateError(ErrorCode::format_error, message); }
void throw_undefined_error(const std::string& message) { throw TemplateError(ErrorCode::format_error, message); }
void throw_limit_error(const std::string& message) { throw TemplateError(ErrorCode::out_of_range, message); }

namespace {
thread_local Budget* t_budget = nullptr;
}  // namespace

Budget* current_budget() { return t_budget; }
void set_current_budget(Budget* budget) { t_budget = budget; }

void budget_tick(uint64_t n) {
    Budget* b = t_budget;
    if (!b) return;
    if (b->steps_left < n) {
        b->steps_left = 0;
        throw_limit_error("template exceeded its evaluation step limit (possible runaway loop)");
    }
    b->steps_left -= n;
}

void budget_check_size(size_t bytes) {
    Budget* b = t_budget;
    if (b && b->max_string_bytes && bytes > b->max_string_bytes)
        throw_limit_error("template produced a string of " + std::to_string(bytes) + " bytes, over the limit of " +
                          std::to_string(b->max_string_bytes));
}

void budget_check_items(size_t items) {
    Budget* b = t_budget;
    if (b && b->max_items && items > b->max_items)
        throw_limit_error("template built a sequence of " + std::to_string(items) + " items, over the limit of " +
                          std::to_string(b->max_items));
}

// ---- Object defaults ----

std::optional<Value> Object::get_attr(std::string_view) const { return std::nullopt; }

void Object::set_attr(const std::string&, Value) {
    throw TemplateError(ErrorCode::format_error, "cannot assign attribute on non-namespace object");
}

Value Object::call(Interpreter&, CallArgs&) { throw_type_error(single_quoted(type_name()) + " object is not callable"); }

Value NativeFunction::call(Interpreter& interp, CallArgs& args) {
    if (!fn_) throw_type_error("'" + name_ + "' can no longer be called (its render has ended)");
    return fn_(interp, args);
}

int value_depth(const Value& v) {
    switch (v.kind()) {
        case Value::Kind::list: return v.list_data()->depth;
        case Value::Kind::dict: return v.dict_data()->depth();
        case Value::Kind::object: return v.object()->nesting_depth();
        default: return 0;
    }
}

namespace {

int items_depth(const std::vector<Value>& items) {
    int d = 0;
    for (const Value& v : items) d = std::max(d, value_depth(v));
    if (d + 1 > kMaxValueNesting)
        throw_limit_error("values nested deeper than " + std::to_string(kMaxValueNesting) + " levels");
    return d + 1;
}

}  // namespace

// ---- Value ----

Value Value::undefined(std::string name, std::string message) {
    Value v;
    auto d = std::make_shared<UndefinedData>();
    d->name = std::move(name);
    d->message = std::move(message);
    if (d->message.empty()) d->message = d->name.empty() ? "value is undefined" : string_repr(d->name) + " is undefined";
    v.v_ = std::move(d);
    return v;
}

Value Value::list(std::vector<Value> items) {
    auto l = std::make_shared<ListData>();
    l->depth = items_depth(items);
    l->items = std::move(items);
    return Value(std::move(l));
}

Value Value::tuple(std::vector<Value> items) {
    auto l = std::make_shared<ListData>();
    l->depth = items_depth(items);
    l->items = std::move(items);
    l->is_tuple = true;
    return Value(std::move(l));
}

Value Value::dict() { return Value(std::make_shared<DictData>()); }

Value Value::generator(std::vector<Value> items, std::string name) {
    auto l = std::make_shared<ListData>();
    l->depth = items_depth(items);
    l->items = std::move(items);
    l->is_generator = true;
    l->generator_name = std::move(name);
    return Value(std::move(l));
}

void Value::fail_undefined() const { throw_undefined_error(undefined_data().message); }

bool Value::truthy() const {
    switch (kind()) {
        case Kind::undefined: return false;
        case Kind::none: return false;
        case Kind::boolean: return as_bool();
        case Kind::integer: return as_int() != 0;
        case Kind::floating: return as_float() != 0.0;
        case Kind::string: return !as_string().empty();
        case Kind::list: return is_generator() || !items().empty();
        case Kind::dict: return dict_data()->size() != 0;
        case Kind::object: return true;
    }
    return false;
}

std::string Value::type_name() const {
    switch (kind()) {
        case Kind::undefined: return "Undefined";
        case Kind::none: return "NoneType";
        case Kind::boolean: return "bool";
        case Kind::integer: return "int";
        case Kind::floating: return "float";
        case Kind::string: return "str";
        case Kind::list:
            if (is_generator()) return list_data()->generator_name;
            return is_tuple() ? "tuple" : "list";
        case Kind::dict: return "dict";
        case Kind::object: return object()->type_name();
    }
    return "object";
}

std::string Value::object_type_repr() const {
    if (is_none()) return "None";
    return type_name() + " object";
}

namespace {

// Containers whose repr is being built on this thread (Python's Py_ReprEnter): a container reached
// again through a namespace prints as [...] / {...} instead of recursing forever.
thread_local std::vector<const void*> t_repr_active;

struct ReprEnter {
    const void* p;
    bool recursive;
    explicit ReprEnter(const void* ptr) : p(ptr) {
        recursive = std::find(t_repr_active.begin(), t_repr_active.end(), p) != t_repr_active.end();
        if (!recursive) t_repr_active.push_back(p);
    }
    ~ReprEnter() {
        if (!recursive) t_repr_active.pop_back();
    }
};

void repr_into(const Value& v, std::string& out, int depth);

void str_into(const Value& v, std::string& out, int depth) {
    switch (v.kind()) {
        case Value::Kind::undefined: return;
        case Value::Kind::string: out += v.as_string(); return;
        default: repr_into(v, out, depth); return;
    }
}

void repr_into(const Value& v, std::string& out, int depth) {
    if (depth > kMaxValueNesting + 8) throw_limit_error("maximum recursion depth exceeded while getting the repr of an object");
    budget_tick();
    switch (v.kind()) {
        case Value::Kind::undefined: out += "Undefined"; return;
        case Value::Kind::none: out += "None"; return;
        case Value::Kind::boolean: out += v.as_bool() ? "True" : "False"; return;
        case Value::Kind::integer: out += std::to_string(v.as_int()); return;
        case Value::Kind::floating: out += format_float_repr(v.as_float()); return;
        case Value::Kind::string: out += string_repr(v.as_string()); return;
        case Value::Kind::list: {
            if (v.is_generator()) {
                out.append("<").append(v.type_name()).append(" object>");
                return;
            }
            const bool tuple = v.is_tuple();
            ReprEnter guard(v.list_data().get());
            if (guard.recursive) {
                out += tuple ? "(...)" : "[...]";
                return;
            }
            out += tuple ? '(' : '[';
            bool first = true;
            for (const Value& item : v.items()) {
                if (!first) out += ", ";
                first = false;
                repr_into(item, out, depth + 1);
                budget_check_size(out.size());
            }
            if (tuple && v.items().size() == 1) out += ',';
            out += tuple ? ')' : ']';
            return;
        }
        case Value::Kind::dict: {
            ReprEnter guard(v.dict_data().get());
            if (guard.recursive) {
                out += "{...}";
                return;
            }
            out += '{';
            bool first = true;
            for (const auto& [k, val] : v.dict_data()->items()) {
                if (!first) out += ", ";
                first = false;
                repr_into(k, out, depth + 1);
                out += ": ";
                repr_into(val, out, depth + 1);
                budget_check_size(out.size());
            }
            out += '}';
            return;
        }
        case Value::Kind::object:
            if (t_repr_active.size() > kMaxValueNesting + 8)
                throw_limit_error("maximum recursion depth exceeded while getting the repr of an object");
            out += v.object()->repr();
            return;
    }
}

}  // namespace

std::string Value::str() const {
    if (is_string()) return as_string();
    std::string out;
    str_into(*this, out, 0);
    return out;
}

std::string Value::repr() const {
    std::string out;
    repr_into(*this, out, 0);
    return out;
}

// ---- dict ----

std::string hash_key(const Value& v) {
    switch (v.kind()) {
        case Value::Kind::undefined: return "u";
        case Value::Kind::none: return "n";
        case Value::Kind::boolean:
        case Value::Kind::integer: return std::string("i").append(std::to_string(v.to_int()));
        case Value::Kind::floating: {
            const double d = v.as_float();
            if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18)
                return "i" + std::to_string(static_cast<int64_t>(d));
            return std::string("f").append(format_float_repr(d));
        }
        case Value::Kind::string: return "s" + v.as_string();
        case Value::Kind::list: {
            if (v.is_generator()) {
                char buf[32];
                std::snprintf(buf, sizeof buf, "g%p", static_cast<const void*>(v.list_data().get()));
                return buf;
            }
            if (!v.is_tuple()) throw_type_error("unhashable type: 'list'");
            std::string k = "t(";
            for (const Value& item : v.items()) {
                const std::string ik = hash_key(item);
                k += std::to_string(ik.size()) + ":" + ik;
            }
            return k + ")";
        }
        case Value::Kind::dict: throw_type_error("unhashable type: 'dict'");
        case Value::Kind::object: {
            char buf[32];
            std::snprintf(buf, sizeof buf, "o%p", static_cast<const void*>(v.object().get()));
            return buf;
        }
    }
    return "?";
}

const Value* DictData::find(const Value& key) const {
    auto it = index_.find(hash_key(key));
    return it == index_.end() ? nullptr : &items_[it->second].second;
}

void DictData::set(const Value& key, Value value) {
    const int d = 1 + std::max(value_depth(key), value_depth(value));
    if (d > kMaxValueNesting)
        throw_limit_error("values nested deeper than " + std::to_string(kMaxValueNesting) + " levels");
    depth_ = std::max(depth_, d);
    std::string k = hash_key(key);
    auto it = index_.find(k);
    if (it != index_.end()) {
        items_[it->second].second = std::move(value);
        return;
    }
    index_.emplace(std::move(k), items_.size());
    items_.emplace_back(key, std::move(value));
}

// ---- comparison ----

namespace {

bool equal_rec(const Value& a, const Value& b, int depth) {
    if (depth > kMaxValueNesting + 8) throw_limit_error("maximum recursion depth exceeded in comparison");
    budget_tick();
    if (a.is_number() && b.is_number()) {
        if (a.is_float() || b.is_float()) return a.to_double() == b.to_double();
        return a.to_int() == b.to_int();
    }
    if (a.kind() != b.kind()) return false;
    switch (a.kind()) {
        case Value::Kind::undefined: return true;
        case Value::Kind::none: return true;
        case Value::Kind::string: return a.as_string() == b.as_string();
        case Value::Kind::list: {
            if (a.list_data() == b.list_data()) return true;
            if (a.is_tuple() != b.is_tuple() || a.is_generator() || b.is_generator()) return false;
            const auto& x = a.items();
            const auto& y = b.items();
            if (x.size() != y.size()) return false;
            for (size_t i = 0; i < x.size(); ++i)
                if (!equal_rec(x[i], y[i], depth + 1)) return false;
            return true;
        }
        case Value::Kind::dict: {
            if (a.dict_data() == b.dict_data()) return true;
            const auto& x = *a.dict_data();
            const auto& y = *b.dict_data();
            if (x.size() != y.size()) return false;
            for (const auto& [k, v] : x.items()) {
                const Value* other = y.find(k);
                if (!other || !equal_rec(v, *other, depth + 1)) return false;
            }
            return true;
        }
        case Value::Kind::object: return a.object() == b.object();
        default: return false;
    }
}

[[noreturn]] void unorderable(const char* op, const Value& a, const Value& b) {
    throw_type_error(std::string("'") + op + "' not supported between instances of '" + a.type_name() + "' and '" +
                     b.type_name() + "'");
}

}  // namespace

bool values_equal(const Value& a, const Value& b) { return equal_rec(a, b, 0); }

bool values_less(const Value& a, const Value& b) {
    budget_tick();
    if (a.is_undefined() || b.is_undefined()) {
        (a.is_undefined() ? a : b).fail_undefined();
    }
    if (a.is_number() && b.is_number()) {
        if (a.is_float() || b.is_float()) return a.to_double() < b.to_double();
        return a.to_int() < b.to_int();
    }
    if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();  // UTF-8 order == code point order
    if (a.is_sequence_list() && b.is_sequence_list() && a.is_tuple() == b.is_tuple()) {
        const auto& x = a.items();
        const auto& y = b.items();
        const size_t n = std::min(x.size(), y.size());
        for (size_t i = 0; i < n; ++i) {
            if (!values_equal(x[i], y[i])) return values_less(x[i], y[i]);
        }
        return x.size() < y.size();
    }
    unorderable("<", a, b);
}

bool value_contains(const Value& container, const Value& item) {
    switch (container.kind()) {
        case Value::Kind::string:
            if (!item.is_string())
                throw_type_error("'in <string>' requires string as left operand, not " + item.type_name());
            return container.as_string().find(item.as_string()) != std::string::npos;
        case Value::Kind::list:
            for (const Value& v : container.items())
                if (values_equal(v, item)) return true;
            return false;
        case Value::Kind::dict: return container.dict_data()->find(item) != nullptr;
        case Value::Kind::undefined: return false;  // Undefined iterates as empty
        default: throw_type_error("argument of type '" + container.type_name() + "' is not iterable");
    }
}

std::string single_quoted(std::string_view text) {
    std::string r;
    r.reserve(text.size() + 2);
    r += '\'';
    r.append(text);
    r += '\'';
    return r;
}

// ---- float repr ----

std::string format_float_repr(double d) {
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
    if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
    // Shortest round-trip digits in scientific form, then laid out the way Python's repr does:
    // positional when -4 <= exponent < 16, else d.ddde+XX.
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    bool neg = false;
    size_t p = 0;
    if (sci[0] == '-') {
        neg = true;
        p = 1;
    }
    const size_t e_pos = sci.find('e');
    std::string digits;
    for (size_t i = p; i < e_pos; ++i)
        if (sci[i] != '.') digits += sci[i];
    const int exp = std::stoi(sci.substr(e_pos + 1));
    std::string out = neg ? "-" : "";
    if (exp >= -4 && exp < 16) {
        if (exp >= 0) {
            const size_t int_len = static_cast<size_t>(exp) + 1;
            if (digits.size() <= int_len) {
                out += digits + std::string(int_len - digits.size(), '0') + ".0";
            } else {
                out += digits.substr(0, int_len) + "." + digits.substr(int_len);
            }
        } else {
            out += "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
        }
        return out;
    }
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    return out + eb;
}

// ---- UTF-8 ----

bool is_ascii(std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) return false;
    return true;
}

std::u32string utf8_decode(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out += c;
            ++i;
            continue;
        }
        int len = 0;
        char32_t cp = 0;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        }
        bool ok = len > 0 && i + static_cast<size_t>(len) <= s.size();
        for (int k = 1; ok && k < len; ++k) {
            const unsigned char cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
            if ((cc & 0xC0) != 0x80) ok = false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (ok) {
            // reject overlong forms, surrogates and out-of-range values
            static const char32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
            if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) ok = false;
        }
        if (!ok) {
            out += static_cast<char32_t>(0xDC00 + c);  // surrogateescape
            ++i;
            continue;
        }
        out += cp;
        i += static_cast<size_t>(len);
    }
    return out;
}

void utf8_append(std::string& out, char32_t cp) {
    if (cp >= 0xDC80 && cp <= 0xDCFF) {
        out += static_cast<char>(cp - 0xDC00);
    } else if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::string utf8_encode(std::u32string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char32_t c : s) utf8_append(out, c);
    return out;
}

size_t utf8_length(std::string_view s) {
    if (is_ascii(s)) return s.size();
    return utf8_decode(s).size();
}

bool is_py_space(char32_t c) {
    switch (c) {
        case ' ': case '\t': case '\n': case '\r': case 0x0B: case 0x0C:
        case 0x1C: case 0x1D: case 0x1E: case 0x1F: case 0x85: case 0xA0:
        case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
            return true;
        default: return c >= 0x2000 && c <= 0x200A;
    }
}

namespace {

// Code points Python's repr escapes (not str.isprintable): controls, separators, format characters.
bool is_printable(char32_t c) {
    if (c < 0x20 || c == 0x7F) return false;
    if (c >= 0x80 && c <= 0xA0) return false;
    if (c == 0xAD) return false;
    if (c >= 0xD800 && c <= 0xDFFF) return false;
    if (c == 0x1680 || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
        (c >= 0x205F && c <= 0x2064) || c == 0x3000 || c == 0xFEFF)
        return false;
    if ((c >= 0xE000 && c <= 0xF8FF) || c > 0x10FFFF) return false;
    return true;
}

}  // namespace

std::string string_repr(std::string_view s) {
    const bool has_single = s.find('\'') != std::string_view::npos;
    const bool has_double = s.find('"') != std::string_view::npos;
    const char quote = (has_single && !has_double) ? '"' : '\'';
    std::string out;
    out += quote;
    for (char32_t c : utf8_decode(s)) {
        if (c == static_cast<char32_t>(quote) || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (!is_printable(c)) {
            char buf[16];
            if (c < 0x100)
                std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
            else if (c < 0x10000)
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            else
                std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(c));
            out += buf;
        } else {
            utf8_append(out, c);
        }
    }
    out += quote;
    return out;
}

}  // namespace tessera::chat
