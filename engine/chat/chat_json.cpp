#include "engine/chat/chat_json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tessera::chat {

namespace {

std::string short_type_name(const Value& v) {
    std::string t = v.type_name();
    const size_t dot = t.rfind('.');
    return dot == std::string::npos ? t : t.substr(dot + 1);
}

void encode_string(std::string& out, const std::string& s, bool ensure_ascii) {
    out += '"';
    auto hex4 = [&](unsigned v) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "\\u%04x", v & 0xFFFFu);
        out += buf;
    };
    if (!ensure_ascii || is_ascii(s)) {
        for (char ch : s) {
            const unsigned char c = static_cast<unsigned char>(ch);
            switch (c) {
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                case '\b': out += "\\b"; break;
                case '\f': out += "\\f"; break;
                default:
                    if (c < 0x20) hex4(c);
                    else out += ch;
            }
        }
    } else {
        for (char32_t c : utf8_decode(s)) {
            if (c < 0x80) {
                std::string one(1, static_cast<char>(c));
                const size_t before = out.size();
                encode_string(out, one, false);
                // strip the quotes the recursive call added around this one character
                out.erase(before, 1);
                out.pop_back();
            } else if (c < 0x10000) {
                hex4(static_cast<unsigned>(c));
            } else {
                const char32_t v = c - 0x10000;
                hex4(static_cast<unsigned>(0xD800 + (v >> 10)));
                hex4(static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
            }
        }
    }
    out += '"';
}

std::string float_json(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    return format_float_repr(d);
}

class Encoder {
public:
    explicit Encoder(const JsonDumpOptions& o) : opt_(o) {
        item_sep_ = o.item_separator ? *o.item_separator : (o.indent ? "," : ", ");
    }
    void encode(const Value& v, int level, std::string& out) {
        if (level > kMaxValueNesting + 8) throw_limit_error("maximum recursion depth exceeded while encoding a JSON object");
        budget_tick();
        budget_check_size(out.size());
        switch (v.kind()) {
            case Value::Kind::none: out += "null"; return;
            case Value::Kind::boolean: out += v.as_bool() ? "true" : "false"; return;
            case Value::Kind::integer: out += std::to_string(v.as_int()); return;
            case Value::Kind::floating: out += float_json(v.as_float()); return;
            case Value::Kind::string: encode_string(out, v.as_string(), opt_.ensure_ascii); return;
            case Value::Kind::list: {
                if (v.is_generator()) break;
                const auto& items = v.items();
                if (items.empty()) {
                    out += "[]";
                    return;
                }
                out += '[';
                const std::string nl = newline(level + 1);
                out += nl;
                for (size_t k = 0; k < items.size(); ++k) {
                    if (k) out += item_sep_ + nl;
                    encode(items[k], level + 1, out);
                }
                out += newline(level);
                out += ']';
                return;
            }
            case Value::Kind::dict: {
                std::vector<std::pair<Value, Value>> items = v.dict_data()->items();
                if (items.empty()) {
                    out += "{}";
                    return;
                }
                if (opt_.sort_keys) {
                    std::stable_sort(items.begin(), items.end(),
                                     [](const auto& a, const auto& b) { return values_less(a.first, b.first); });
                }
                out += '{';
                const std::string nl = newline(level + 1);
                out += nl;
                bool first = true;
                for (const auto& [k, val] : items) {
                    if (!first) out += item_sep_ + nl;
                    first = false;
                    std::string key;
                    switch (k.kind()) {
                        case Value::Kind::string: key = k.as_string(); break;
                        case Value::Kind::floating: key = float_json(k.as_float()); break;
                        case Value::Kind::boolean: key = k.as_bool() ? "true" : "false"; break;
                        case Value::Kind::none: key = "null"; break;
                        case Value::Kind::integer: key = std::to_string(k.as_int()); break;
                        default:
                            throw_type_error("keys must be str, int, float, bool or None, not " + short_type_name(k));
                    }
                    encode_string(out, key, opt_.ensure_ascii);
                    out += opt_.key_separator;
                    encode(val, level + 1, out);
                }
                out += newline(level);
                out += '}';
                return;
            }
            default: break;
        }
        throw_type_error("Object of type " + short_type_name(v) + " is not JSON serializable");
    }

private:
    std::string newline(int level) const {
        if (!opt_.indent) return {};
        std::string s = "\n";
        for (int k = 0; k < level; ++k) s += *opt_.indent;
        return s;
    }
    const JsonDumpOptions& opt_;
    std::string item_sep_;
};

}  // namespace

std::string python_json_dumps(const Value& value, const JsonDumpOptions& options) {
    Encoder enc(options);
    std::string out;
    enc.encode(value, 0, out);
    return out;
}

namespace {

Value from_json_rec(const nlohmann::ordered_json& j, int depth) {
    if (depth > kMaxValueNesting)
        throw_limit_error("JSON input nested deeper than " + std::to_string(kMaxValueNesting) + " levels");
    switch (j.type()) {
        case nlohmann::ordered_json::value_t::null: return Value();
        case nlohmann::ordered_json::value_t::boolean: return Value(j.get<bool>());
        case nlohmann::ordered_json::value_t::number_integer: return Value(j.get<int64_t>());
        case nlohmann::ordered_json::value_t::number_unsigned: {
            const uint64_t u = j.get<uint64_t>();
            if (u > static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
            return Value(static_cast<int64_t>(u));
        }
        case nlohmann::ordered_json::value_t::number_float: return Value(j.get<double>());
        case nlohmann::ordered_json::value_t::string: return Value(j.get<std::string>());
        case nlohmann::ordered_json::value_t::array: {
            std::vector<Value> items;
            items.reserve(j.size());
            for (const auto& e : j) items.push_back(from_json_rec(e, depth + 1));
            return Value::list(std::move(items));
        }
        case nlohmann::ordered_json::value_t::object: {
            Value d = Value::dict();
            for (auto it = j.begin(); it != j.end(); ++it) d.dict_data()->set(Value(it.key()), from_json_rec(it.value(), depth + 1));
            return d;
        }
        case nlohmann::ordered_json::value_t::binary: {
            std::vector<Value> items;
            for (uint8_t b : j.get_binary()) items.emplace_back(static_cast<int64_t>(b));
            return Value::list(std::move(items));
        }
        case nlohmann::ordered_json::value_t::discarded: return Value();
    }
    return Value();
}

}  // namespace

Value value_from_json(const nlohmann::ordered_json& j) { return from_json_rec(j, 1); }

}  // namespace tessera::chat
