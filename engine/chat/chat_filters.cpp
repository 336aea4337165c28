// Builtin filters and tests.
// ref: jinja2 3.1 filters.py / tests.py (signatures, defaults, quirks such as int("42.5") -> 42);
// transformers' tojson override (json.dumps with ensure_ascii=False).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "engine/chat/chat_builtins.h"
#include "engine/chat/chat_interp.h"
#include "engine/chat/chat_json.h"
#include "engine/chat/chat_strings.h"

namespace tessera::chat {

namespace {

using Args = std::vector<std::optional<Value>>;

bool arg_true(const std::optional<Value>& v) { return v && v->truthy(); }

Value ignore_case(const Value& v) { return v.is_string() ? Value(py_lower(v.as_string())) : v; }

// jinja2 make_attrgetter: "a.b.0" -> getitem(getitem(getitem(x, "a"), "b"), 0)
std::vector<Value> attribute_parts(const Value& attribute) {
    std::vector<Value> parts;
    if (!attribute.is_string()) {
        parts.push_back(attribute);
        return parts;
    }
    for (const std::string& p : py_split(attribute.as_string(), std::string("."), -1)) {
        const bool digits = !p.empty() && p.find_first_not_of("0123456789") == std::string::npos;
        parts.push_back(digits ? Value(static_cast<int64_t>(std::stoll(p))) : Value(p));
    }
    return parts;
}

Value get_attribute(Interpreter& in, Value item, const std::vector<Value>& parts, const std::optional<Value>& dflt) {
    for (const Value& part : parts) {
        item = in.getitem(item, part);
        if (dflt && item.is_undefined()) return *dflt;
    }
    return item;
}

int64_t py_len(const Value& v) {
    switch (v.kind()) {
        case Value::Kind::undefined: return 0;
        case Value::Kind::string: return static_cast<int64_t>(utf8_length(v.as_string()));
        case Value::Kind::list:
            if (v.is_generator()) break;
            return static_cast<int64_t>(v.items().size());
        case Value::Kind::dict: return static_cast<int64_t>(v.dict_data()->size());
        default: break;
    }
    throw_type_error("object of type '" + v.type_name() + "' has no len()");
}

std::string html_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&#34;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

int64_t to_int_arg(const std::string& fn, const Value& v) {
    if (!v.is_integral()) throw_type_error(fn + "(): expected an integer, got " + v.type_name());
    return v.to_int();
}

// Python int(str, base) for the `int` filter; nullopt if not parseable.
std::optional<int64_t> parse_py_int(std::string s, int base) {
    s = py_strip(s, std::nullopt, true, true);
    std::string digits;
    for (size_t k = 0; k < s.size(); ++k) {
        if (s[k] == '_' && k > 0 && k + 1 < s.size() && std::isalnum(static_cast<unsigned char>(s[k - 1])) &&
            std::isalnum(static_cast<unsigned char>(s[k + 1])))
            continue;
        digits += s[k];
    }
    if (digits.empty()) return std::nullopt;
    size_t p = 0;
    bool neg = false;
    if (digits[0] == '+' || digits[0] == '-') {
        neg = digits[0] == '-';
        p = 1;
    }
    if (digits.size() > p + 1 && digits[p] == '0') {
        const char x = static_cast<char>(digits[p + 1] | 0x20);
        if ((x == 'x' && (base == 16 || base == 0)) || (x == 'o' && (base == 8 || base == 0)) ||
            (x == 'b' && (base == 2 || base == 0))) {
            base = x == 'x' ? 16 : x == 'o' ? 8 : 2;
            p += 2;
        }
    }
    if (base == 0) base = 10;
    if (p >= digits.size()) return std::nullopt;
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(digits.c_str() + p, &end, base);
    if (errno == ERANGE) throw_limit_error("integer overflow (this interpreter uses 64-bit integers)");
    if (*end != '\0' || digits[p] == '+' || digits[p] == '-' || std::isspace(static_cast<unsigned char>(digits[p])))
        return std::nullopt;
    return neg ? -v : v;
}

std::optional<double> parse_py_float(const std::string& raw) {
    std::string s = py_strip(raw, std::nullopt, true, true);
    std::string t;
    for (size_t k = 0; k < s.size(); ++k) {
        if (s[k] == '_' && k > 0 && k + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[k - 1])) &&
            std::isdigit(static_cast<unsigned char>(s[k + 1])))
            continue;
        t += s[k];
    }
    if (t.empty()) return std::nullopt;
    std::string lower = py_lower(t);
    const std::string unsigned_part = (lower[0] == '+' || lower[0] == '-') ? lower.substr(1) : lower;
    if (unsigned_part == "inf" || unsigned_part == "infinity" || unsigned_part == "nan") {
        const double v = unsigned_part == "nan" ? NAN : INFINITY;
        return lower[0] == '-' ? -v : v;
    }
    if (lower.find_first_of("xp") != std::string::npos) return std::nullopt;  // no hex floats in Python float()
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(t.c_str(), &end);
    if (*end != '\0') return std::nullopt;
    return v;
}

// ---- filters ----

Value f_abs(Interpreter&, const Value& v, CallArgs& a) {
    bind_args("do_abs", a, {});
    if (v.is_undefined()) v.fail_undefined();
    if (v.is_float()) return Value(std::fabs(v.as_float()));
    if (v.is_integral()) {
        const int64_t n = v.to_int();
        if (n == INT64_MIN) throw_limit_error("integer overflow");
        return Value(n < 0 ? -n : n);
    }
    throw_type_error("bad operand type for abs(): '" + v.type_name() + "'");
}

Value f_attr(Interpreter&, const Value& v, CallArgs& a) {
    Args b = bind_args("do_attr", a, {{"name", false}});
    if (v.is_undefined()) v.fail_undefined();
    const std::string name = b[0]->str();
    if (auto m = builtin_method(v, name)) return *m;
    if (v.is_object())
        if (auto x = v.object()->get_attr(name)) return *x;
    return Value::undefined(name, string_repr(v.object_type_repr()) + " has no attribute " + string_repr(name));
}

Value f_batch(Interpreter& in, const Value& v, CallArgs& a) {
    Args b = bind_args("do_batch", a, {{"linecount", false}, {"fill_with"}});
    const int64_t n = to_int_arg("batch", *b[0]);
    if (n <= 0) throw_value_error("batch size must be positive");
    std::vector<Value> out, tmp;
    for (const Value& item : in.iterate(v)) {
        if (static_cast<int64_t>(tmp.size()) == n) {
            out.push_back(Value::list(std::move(tmp)));
            tmp.clear();
        }
        tmp.push_back(item);
    }
    if (!tmp.empty()) {
        if (b[1] && !b[1]->is_none())
            while (static_cast<int64_t>(tmp.size()) < n) tmp.push_back(*b[1]);
        out.push_back(Value::list(std::move(tmp)));
    }
    return Value::generator(std::move(out));
}

Value f_capitalize(Interpreter&, const Value& v, CallArgs& a) {
    bind_args("do_capitalize", a, {});
    return Value(py_capitalize(v.str()));
}

Value f_center(Interpreter&, const Value& v, CallArgs& a) {
    Args b = bind_args("center", a, {{"width"}});
    return Value(py_pad(v.str(), b[0] ? to_int_arg("center", *b[0]) : 80, ' ', 0));
}

Value f_default(Interpreter&, const Value& v, CallArgs& a) {
    Args b = bind_args("do_default", a, {{"default_value"}, {"boolean"}});
    if (v.is_undefined() || (arg_true(b[1]) && !v.truthy())) return b[0] ? *b[0] : Value("");
    return v;
}

Value f_dictsort(Interpreter&, const Value& v, CallArgs& a) {
    Args b = bind_args("do_dictsort", a, {{"case_sensitive"}, {"by"}, {"reverse"}});
    if (v.is_undefined()) v.fail_undefined();
    if (!v.is_dict()) throw_type_error("'" + v.type_name() + "' object has no attribute 'items'");
    const std::string by = b[1] ? b[1]->str() : "key";
    if (by != "key" && by != "value") throw_value_error("You can only sort by either \"key\" or \"value\"");
    const size_t pos = by == "key" ? 0 : 1;
    const bool case_sensitive = arg_true(b[0]);
    const bool reverse = arg_true(b[2]);
    std::vector<std::pair<Value, Value>> items = v.dict_data()->items();
    std::vector<Value> keys;
    for (const auto& kv : items) keys.push_back(case_sensitive ? (pos ? kv.second : kv.first)
                                                              : ignore_case(pos ? kv.second : kv.first));
    std::vector<size_t> order(items.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
        return reverse ? values_less(keys[y], keys[x]) : values_less(keys[x], keys[y]);
    });
    std::vector<Value> out;
    for (size_t k : order) out.push_back(Value::tuple({items[k].first, items[k].second}));
    return Value::list(std::move(out));
}

Value f_escape(Interpreter&, const Value& v, CallArgs& a) {
    bind_args("escape", a, {});
    return Value(html_escape(v.str()));
}

Value f_first(Interpreter& in, const Value& v, CallArgs& a) {
    bind_args("do_first", a, {});
    std::vector<Value> items = in.iterate(v);
    if (items.empty()) return Value::undefined("", "No first item, sequence was empty.");
    return items.front();
}

Value f_last(Interpreter& in, const Value& v, CallArgs& a) {
    bind_args("do_last", a, {});
    if (v.is_generator()) throw_type_error("'" + v.type_name() + "' object is not reversible");
    std::vector<Value> items = in.iterate(v);
    if (items.empty()) return Value::undefined("", "No last item, sequence was empty.");
    return items.back();
}

Value f_float(Interpreter&, const Value& v, CallArgs& a) {
    Args b = bind_args("do_float", a, {{"default"}});
    const Value dflt = b[0] ? *b[0] : Value(0.0);
    if (v.is_undefined()) v.fail_undefined();
    if (v.is_number()) return Value(v.to_double());
    if (v.is_string()) {
        if (auto d = parse_py_float(v.as_string())) return Value(*d);
    }
    return dflt;
}

Value f_format(Interpreter&, const Value& v, CallArgs& a) {
    if (!a.positional.empty() && !a.keyword.empty())
        throw_value_error("can't handle positional and keyword arguments at the same time");
    if (!a.keyword.empty()) {
        Value d = Value::dict();
        for (const auto& [k, x] : a.keyword) d.dict_data()->set(Value(k), x);
        return Value(python_percent_format(v.str(), d));
    }
    return Value(python_percent_format(v.str(), Value::tuple(a.positional)));
}

Value f_indent(Interpreter&, const Value& v, CallArgs& a) {
    Args b = bind_args("do_indent", a, {{"width"}, {"first"}, {"blank"}});
    std::string indention;
    if (b[0] && b[0]->is_string()) {
        indention = b[0]->as_string();
    } else {
        const int64_t w = b[0] ? to_int_arg("indent", *b[0]) : 4;
        budget_check_size(static_cast<size_t>(std::max<int64_t>(w, 0)));
        indention = std::string(static_cast<size_t>(std::max<int64_t>(w, 0)), ' ');
    }
    // jinja2 does `s += "\n"` on the value itself (a quirk so that splitlines keeps a trailing empty
    // line), so anything but a string fails the way Python's += does.
    if (v.is_undefined()) v.fail_undefined();
    if (v.is_sequence_list())
        throw_type_error("can only concatenate " + v.type_name() + " (not \"str\") to " + v.type_name());
    if (!v.is_string()) throw_type_error("unsupported operand type(s) for +=: '" + v.type_name() + "' and 'str'");
    const std::string s = v.as_string() + "\n";
    std::vector<std::string> lines = py_splitlines(s, false);
    std::string rv;
    if (arg_true(b[2])) {
        for (size_t k = 0; k < lines.size(); ++k) {
            if (k) rv += "\n" + indention;
            rv += lines[k];
            budget_check_size(rv.size());
        }
    } else {
        rv = lines.empty() ? std::string() : lines[0];
        for (size_t k = 1; k < lines.size(); ++k) {
            rv += "\n";
            if (!lines[k].empty()) rv += indention;
            rv += lines[k];
            budget_check_size(rv.size());
        }
    }
    if (arg_true(b[1])) rv = indention + rv;
    return Value(std::move(rv));
}

Value f_int(Interpreter&, const Value& v, CallArgs& a) {
    Args b = bind_args("do_int", a, {{"default"}, {"base"}});
    const Value dflt = b[0] ? *b[0] : Value(int64_t{0});
    const int base = b[1] ? static_cast<int>(to_int_arg("int", *b[1])) : 10;
    if (v.is_undefined()) v.fail_undefined();
    if (v.is_integral()) return Value(v.to_int());
    if (v.is_float()) {
        if (!std::isfinite(v.as_float())) throw_limit_error("cannot convert float infinity or NaN to integer");
        return Value(static_cast<int64_t>(std::trunc(v.as_float())));
    }
    if (v.is_string()) {
        if (auto n = parse_py_int(v.as_string(), base)) return Value(*n);
        if (auto d = parse_py_float(v.as_string())) {
            if (!std::isfinite(*d)) throw_limit_error("cannot convert float infinity or NaN to integer");
            return Value(static_cast<int64_t>(std::trunc(*d)));
        }
    }
    return dflt;
}

Value f_items(Interpreter&, const Value& v, CallArgs& a) {
    bind_args("do_items", a, {});
    if (v.is_undefined()) return Value::generator({});
    if (!v.is_dict()) throw_type_error("Can only get item pairs from a mapping.");
    std::vector<Value> out;
    for (const auto& [k, x] : v.dict_data()->items()) out.push_back(Value::tuple({k, x}));
    return Value::generator(std::move(out));
}

Value f_join(Interpreter& in, const Value& v, CallArgs& a) {
    Args b = bind_args("do_join", a, {{"d"}, {"attribute"}});
    const std::string sep = b[0] ? b[0]->str() : "";
    std::vector<Value> parts_attr;
    if (b[1] && !b[1]->is_none()) parts_attr = attribute_parts(*b[1]);
    std::string out;
    bool first = true;
    for (const Value& item : in.iterate(v)) {
        if (!first) out += sep;
        first = false;
        out += (parts_attr.empty() ? item : get_attribute(in, item, parts_attr, std::nullopt)).str();
        budget_check_size(out.size());
    }
    return Value(std::move(out));
}

Value f_length(Interpreter&, const Value& v, CallArgs& a) {
    bind_args("length", a, {});
    return Value(py_len(v));
}

Value f_list(Interpreter& in, const Value& v, CallArgs& a) {
    bind_args("do_list", a, {});
    return Value::list(in.iterate(v));
}

Value f_lower(Interpreter&, const Value& v, CallArgs& a) {
    bind_args("do_lower", a, {});
    return Value(py_lower(v.str()));
}

Value f_upper(Interpreter&, const Value& v, CallArgs& a) {
    bind_args("do_upper", a, {});
    return Value(py_upper(v.str()));
}

Value f_map(Interpreter& in, const Value& v, CallArgs& a) {
    if (!v.truthy()) return Value::generator({});  // jinja2: `if value:` guards the loop
    std::vector<Value> items = in.iterate(v);
    std::vector<Value> out;
    out.reserve(items.size());
    if (a.positional.empty()) {  // map(attribute=..., default=...)
        std::optional<Value> attribute, dflt;
        for (const auto& [k, x] : a.keyword) {
            if (k == "attribute") attribute = x;
            else if (k == "default") dflt = x;
            else throw_type_error("Unexpected keyword argument '" + k + "'");
        }
        if (!attribute) throw_type_error("map requires a filter argument");
        const std::vector<Value> parts = attribute_parts(*attribute);
        for (const Value& item : items) out.push_back(get_attribute(in, item, parts, dflt));
        return Value::generator(std::move(out));
    }
    const std::string name = a.positional[0].str();
    for (const Value& item : items) {
        CallArgs rest;
        rest.positional.assign(a.positional.begin() + 1, a.positional.end());
        rest.keyword = a.keyword;
        out.push_back(in.apply_filter(name, item, rest));
    }
    return Value::generator(std::move(out));
}

Value min_max(Interpreter& in, const Value& v, CallArgs& a, bool want_max) {
    Args b = bind_args(want_max ? "do_max" : "do_min", a, {{"case_sensitive"}, {"attribute"}});
    std::vector<Value> parts;
    if (b[1] && !b[1]->is_none()) parts = attribute_parts(*b[1]);
    const bool cs = arg_true(b[0]);
    std::optional<Value> best, best_key;
    for (const Value& item : in.iterate(v)) {
        Value key = parts.empty() ? item : get_attribute(in, item, parts, std::nullopt);
        if (!cs) key = ignore_case(key);
        if (!best || (want_max ? values_less(*best_key, key) : values_less(key, *best_key))) {
            best = item;
            best_key = key;
        }
    }
    if (!best)
        return Value::undefined("", std::string("No ") + (want_max ? "largest" : "smallest") +
                                        " item, sequence was empty.");
    return *best;
}

Value f_max(Interpreter& in, const Value& v, CallArgs& a) { return min_max(in, v, a, true); }
Value f_min(Interpreter& in, const Value& v, CallArgs& a) { return min_max(in, v, a, false); }

Value f_replace(Interpreter&, const Value& v, CallArgs& a) {
    Args b = bind_args("do_replace", a, {{"old", false}, {"new", false}, {"count"}});
    const int64_t count = (b[2] && !b[2]->is_none()) ? to_int_arg("replace", *b[2]) : -1;
    return Value(py_replace(v.str(), b[0]->str(), b[1]->str(), count));
}

Value f_reverse(Interpreter& in, const Value& v, CallArgs& a) {
    bind_args("do_reverse", a, {});
    if (v.is_string()) {
        std::u32string cps = utf8_decode(v.as_string());
        std::reverse(cps.begin(), cps.end());
        return Value(utf8_encode(cps));
    }
    std::vector<Value> items = in.iterate(v);
    std::reverse(items.begin(), items.end());
    if (v.is_generator()) return Value::list(std::move(items));
    return Value::generator(std::move(items), v.is_dict() ? "dict_reversekeyiterator" : "list_reverseiterator");
}

Value f_round(Interpreter&, const Value& v, CallArgs& a) {
    Args b = bind_args("do_round", a, {{"precision"}, {"method"}});
    const int64_t precision = b[0] ? to_int_arg("round", *b[0]) : 0;
    const std::string method = b[1] ? b[1]->str() : "common";
    if (method != "common" && method != "ceil" && method != "floor")
        throw_type_error("method must be common, ceil or floor");
    if (v.is_undefined()) v.fail_undefined();
    if (!v.is_number()) throw_type_error("type " + v.type_name() + " doesn't define __round__ method");
    if (method == "common") {
        if (v.is_integral()) return Value(v.to_int());  // Python round(int, n) stays int
        const double x = v.as_float();
        if (!std::isfinite(x)) return Value(x);
        if (precision >= 0 && precision <= 300) {
            char buf[512];
            std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(precision), x);  // correctly rounded, ties to even
            return Value(std::strtod(buf, nullptr));
        }
        const double scale = std::pow(10.0, static_cast<double>(-precision));
        return Value(std::nearbyint(x / scale) * scale);
    }
    const double scale = std::pow(10.0, static_cast<double>(precision));
    const double x = v.to_double() * scale;
    return Value((method == "ceil" ? std::ceil(x) : std::floor(x)) / scale);
}

Value f_safe(Interpreter&, const Value& v, CallArgs& a) {
    bind_args("do_mark_safe", a, {});
    return v.is_string() ? v : Value(v.str());
}

Value select_impl(Interpreter& in, const Value& v, CallArgs& a, bool by_attr, bool select) {
    if (!v.truthy()) return Value::generator({});  // jinja2: `if value:` guards the loop
    std::vector<Value> args = a.positional;
    std::vector<Value> parts;
    size_t off = 0;
    if (by_attr) {
        if (args.empty()) throw_type_error("Missing parameter for attribute name");
        parts = attribute_parts(args[0]);
        off = 1;
    }
    std::optional<std::string> test;
    CallArgs test_args;
    if (args.size() > off) {
        test = args[off].str();
        test_args.positional.assign(args.begin() + static_cast<std::ptrdiff_t>(off) + 1, args.end());
        test_args.keyword = a.keyword;
    }
    std::vector<Value> out;
    for (const Value& item : in.iterate(v)) {
        const Value x = by_attr ? get_attribute(in, item, parts, std::nullopt) : item;
        bool r;
        if (test) {
            CallArgs ta = test_args;
            r = in.apply_test(*test, x, ta);
        } else {
            r = x.truthy();
        }
        if (r == select) out.push_back(item);
    }
    return Value::generator(std::move(out));
}

Value f_select(Interpreter& in, const Value& v, CallArgs& a) { return select_impl(in, v, a, false, true); }
Value f_reject(Interpreter& in, const Value& v, CallArgs& a) { return select_impl(in, v, a, false, false); }
Value f_selectattr(Interpreter& in, const Value& v, CallArgs& a) { return select_impl(in, v, a, true, true); }
Value f_rejectattr(Interpreter& in, const Value& v, CallArgs& a) { return select_impl(in, v, a, true, false); }

Value f_slice(Interpreter& in, const Value& v, CallArgs& a) {
    Args b = bind_args("do_slice", a, {{"slices", false}, {"fill_with"}});
    const int64_t slices = to_int_arg("slice", *b[0]);
    if (slices <= 0) throw_value_error("slices must be positive");
    std::vector<Value> seq = in.iterate(v);
    const int64_t length = static_cast<int64_t>(seq.size());
    const int64_t per_slice = length / slices;
    const int64_t with_extra = length % slices;
    int64_t offset = 0;
    std::vector<Value> out;
    for (int64_t k = 0; k < slices; ++k) {
        const int64_t start = offset + k * per_slice;
        if (k < with_extra) ++offset;
        const int64_t end = offset + (k + 1) * per_slice;
        std::vector<Value> tmp(seq.begin() + start, seq.begin() + end);
        if (b[1] && !b[1]->is_none() && k >= with_extra) tmp.push_back(*b[1]);
        out.push_back(Value::list(std::move(tmp)));
    }
    return Value::generator(std::move(out));
}

Value f_sort(Interpreter& in, const Value& v, CallArgs& a) {
    Args b = bind_args("do_sort", a, {{"reverse"}, {"case_sensitive"}, {"attribute"}});
    const bool reverse = arg_true(b[0]);
    const bool cs = arg_true(b[1]);
    std::vector<std::vector<Value>> attrs;
    if (b[2] && !b[2]->is_none()) {
        if (b[2]->is_string()) {
            for (const std::string& one : py_split(b[2]->as_string(), std::string(","), -1))
                attrs.push_back(attribute_parts(Value(py_strip(one, std::nullopt, true, true))));
        } else {
            attrs.push_back(attribute_parts(*b[2]));
        }
    }
    std::vector<Value> items = in.iterate(v);
    std::vector<Value> keys;
    for (const Value& item : items) {
        if (attrs.empty()) {
            keys.push_back(cs ? item : ignore_case(item));
        } else {
            std::vector<Value> parts;
            for (const auto& p : attrs) {
                Value k = get_attribute(in, item, p, std::nullopt);
                parts.push_back(cs ? k : ignore_case(k));
            }
            keys.push_back(parts.size() == 1 ? parts[0] : Value::list(std::move(parts)));
        }
    }
    std::vector<size_t> order(items.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
        return reverse ? values_less(keys[y], keys[x]) : values_less(keys[x], keys[y]);
    });
    std::vector<Value> out;
    for (size_t k : order) out.push_back(items[k]);
    return Value::list(std::move(out));
}

Value f_string(Interpreter&, const Value& v, CallArgs& a) {
    bind_args("soft_str", a, {});
    return Value(v.str());
}

Value f_sum(Interpreter& in, const Value& v, CallArgs& a) {
    Args b = bind_args("do_sum", a, {{"attribute"}, {"start"}});
    std::vector<Value> parts;
    if (b[0] && !b[0]->is_none()) parts = attribute_parts(*b[0]);
    Value total = b[1] ? *b[1] : Value(int64_t{0});
    for (const Value& item : in.iterate(v))
        total = binary_op("+", total, parts.empty() ? item : get_attribute(in, item, parts, std::nullopt));
    return total;
}

Value f_title(Interpreter&, const Value& v, CallArgs& a) {
    bind_args("do_title", a, {});
    // "".join(item[0].upper() + item[1:].lower() for item in re.split(r"([-\s({\[<]+)", s) if item)
    const std::u32string cps = utf8_decode(v.str());
    auto is_sep = [](char32_t c) { return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || is_py_space(c); };
    std::string out;
    bool at_start = true;
    for (char32_t c : cps) {
        if (is_sep(c)) {
            utf8_append(out, c);  // separators: upper() of the first and lower() of the rest change nothing
            at_start = true;
            continue;
        }
        if (at_start) {
            if (c == 0xDF) out += "SS";
            else utf8_append(out, py_to_upper(c));
        } else {
            utf8_append(out, py_to_lower(c));
        }
        at_start = false;
    }
    return Value(std::move(out));
}

Value f_tojson(Interpreter&, const Value& v, CallArgs& a) {
    // transformers: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
    Args b = bind_args("tojson", a, {{"ensure_ascii"}, {"indent"}, {"separators"}, {"sort_keys"}});
    JsonDumpOptions opt;
    opt.ensure_ascii = arg_true(b[0]);
    if (b[1] && !b[1]->is_none()) {
        if (b[1]->is_string()) {
            opt.indent = b[1]->as_string();
        } else {
            const int64_t n = to_int_arg("tojson", *b[1]);
            opt.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(n, 0, 1 << 16)), ' ');
        }
    }
    if (b[2] && !b[2]->is_none()) {
        std::vector<Value> seps = b[2]->is_sequence_list() ? b[2]->items() : std::vector<Value>{};
        if (seps.size() != 2) throw_value_error("separators must be an (item_separator, key_separator) tuple");
        opt.item_separator = seps[0].str();
        opt.key_separator = seps[1].str();
    }
    opt.sort_keys = arg_true(b[3]);
    return Value(python_json_dumps(v, opt));
}

Value f_trim(Interpreter&, const Value& v, CallArgs& a) {
    Args b = bind_args("do_trim", a, {{"chars"}});
    std::optional<std::string> chars;
    if (b[0] && !b[0]->is_none()) chars = b[0]->str();
    return Value(py_strip(v.str(), chars, true, true));
}

Value f_truncate(Interpreter&, const Value& v, CallArgs& a) {
    Args b = bind_args("do_truncate", a, {{"length"}, {"killwords"}, {"end"}, {"leeway"}});
    const int64_t length = b[0] ? to_int_arg("truncate", *b[0]) : 255;
    const std::string end = b[2] ? b[2]->str() : "...";
    const int64_t leeway = (b[3] && !b[3]->is_none()) ? to_int_arg("truncate", *b[3]) : 5;
    const int64_t end_len = static_cast<int64_t>(utf8_length(end));
    if (length < end_len) throw_value_error("expected length >= " + std::to_string(end_len) + ", got " + std::to_string(length));
    if (leeway < 0) throw_value_error("expected leeway >= 0, got " + std::to_string(leeway));
    const std::string s = v.str();
    if (static_cast<int64_t>(utf8_length(s)) <= length + leeway) return Value(s);
    const std::string head = py_substr(s, 0, length - end_len);
    if (arg_true(b[1])) return Value(head + end);
    return Value(py_rsplit(head, std::string(" "), 1)[0] + end);
}

Value f_unique(Interpreter& in, const Value& v, CallArgs& a) {
    Args b = bind_args("do_unique", a, {{"case_sensitive"}, {"attribute"}});
    std::vector<Value> parts;
    if (b[1] && !b[1]->is_none()) parts = attribute_parts(*b[1]);
    const bool cs = arg_true(b[0]);
    std::vector<Value> out;
    std::vector<std::string> seen;
    for (const Value& item : in.iterate(v)) {
        Value key = parts.empty() ? item : get_attribute(in, item, parts, std::nullopt);
        if (!cs) key = ignore_case(key);
        const std::string h = hash_key(key);
        if (std::find(seen.begin(), seen.end(), h) != seen.end()) continue;
        seen.push_back(h);
        out.push_back(item);
    }
    return Value::generator(std::move(out));
}

Value f_wordcount(Interpreter&, const Value& v, CallArgs& a) {
    bind_args("do_wordcount", a, {});
    auto is_word = [](char32_t c) {
        if (c == '_' || py_is_alpha(c) || py_is_digit(c)) return true;
        if (c < 0x80 || is_py_space(c)) return false;
        return !((c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFF0F) ||
                 (c >= 0xA0 && c <= 0xBF));
    };
    int64_t n = 0;
    bool in_word = false;
    for (char32_t c : utf8_decode(v.str())) {
        const bool w = is_word(c);
        if (w && !in_word) ++n;
        in_word = w;
    }
    return Value(n);
}

// ---- tests ----

// jinja2 tests are Python functions: extra arguments are a TypeError (`x is true not in y` parses `not`
// as the argument of `true`).
void test_arity(const char* name, const CallArgs& a, size_t params) {
    const size_t given = a.positional.size() + a.keyword.size();
    if (given == params) return;
    const size_t want = params + 1;
    throw_type_error(std::string(name) + "() takes " + std::to_string(want) + " positional argument" +
                     (want == 1 ? "" : "s") + " but " + std::to_string(given + 1) + " were given");
}

bool t_defined(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_defined", a, 0);
    return !v.is_undefined(); }
bool t_undefined(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_undefined", a, 0);
    return v.is_undefined(); }
bool t_none(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_none", a, 0);
    return v.is_none(); }
bool t_boolean(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_boolean", a, 0);
    return v.is_bool(); }
bool t_true(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_true", a, 0);
    return v.is_bool() && v.as_bool(); }
bool t_false(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_false", a, 0);
    return v.is_bool() && !v.as_bool(); }
bool t_string(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_string", a, 0);
    return v.is_string(); }
bool t_mapping(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_mapping", a, 0);
    return v.is_dict(); }
bool t_number(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_number", a, 0);
    return v.is_number(); }
bool t_integer(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_integer", a, 0);
    return v.is_int(); }
bool t_float(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_float", a, 0);
    return v.is_float(); }
bool t_callable(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_callable", a, 0);
    return v.is_callable() || v.is_undefined(); }
bool t_iterable(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_iterable", a, 0);
    return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict() ||
           (v.is_object() && v.type_name() == "jinja2.runtime.LoopContext");
}
bool t_sequence(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_sequence", a, 0);
    return v.is_undefined() || v.is_string() || v.is_sequence_list() || v.is_dict();
}
bool t_escaped(Interpreter&, const Value&, CallArgs& a) {
    test_arity("test_escaped", a, 0);
    return false;
}

const Value& one_arg(const char* test, CallArgs& a) {
    if (a.positional.size() + a.keyword.size() != 1)
        throw_type_error(std::string(test) + "() takes exactly one argument");
    return a.positional.empty() ? a.keyword[0].second : a.positional[0];
}

bool t_eq(Interpreter&, const Value& v, CallArgs& a) { return values_equal(v, one_arg("eq", a)); }
bool t_ne(Interpreter&, const Value& v, CallArgs& a) { return !values_equal(v, one_arg("ne", a)); }
bool t_lt(Interpreter&, const Value& v, CallArgs& a) { return values_less(v, one_arg("lt", a)); }
bool t_gt(Interpreter&, const Value& v, CallArgs& a) { return values_less(one_arg("gt", a), v); }
bool t_le(Interpreter&, const Value& v, CallArgs& a) {
    const Value& o = one_arg("le", a);
    return values_less(v, o) || values_equal(v, o);
}
bool t_ge(Interpreter&, const Value& v, CallArgs& a) {
    const Value& o = one_arg("ge", a);
    return values_less(o, v) || values_equal(v, o);
}
bool t_in(Interpreter&, const Value& v, CallArgs& a) { return value_contains(one_arg("in", a), v); }
bool t_odd(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_odd", a, 0);
    return values_equal(binary_op("%", v, Value(2)), Value(1)); }
bool t_even(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_even", a, 0);
    return values_equal(binary_op("%", v, Value(2)), Value(0)); }
bool t_divisibleby(Interpreter&, const Value& v, CallArgs& a) {
    return values_equal(binary_op("%", v, one_arg("divisibleby", a)), Value(0));
}
bool t_lower(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_lower", a, 0);
    const std::string s = v.str();
    bool cased = false;
    for (char32_t c : utf8_decode(s)) {
        if (!py_is_cased(c)) continue;
        cased = true;
        if (py_to_lower(c) != c) return false;
    }
    return cased;
}
bool t_upper(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_upper", a, 0);
    const std::string s = v.str();
    bool cased = false;
    for (char32_t c : utf8_decode(s)) {
        if (!py_is_cased(c)) continue;
        cased = true;
        if (py_to_upper(c) != c) return false;
    }
    return cased;
}
bool t_sameas(Interpreter&, const Value& v, CallArgs& a) {
    const Value& o = one_arg("sameas", a);
    if (v.kind() != o.kind()) return false;
    switch (v.kind()) {
        case Value::Kind::list: return v.list_data() == o.list_data();
        case Value::Kind::dict: return v.dict_data() == o.dict_data();
        case Value::Kind::object: return v.object() == o.object();
        default: return values_equal(v, o);
    }
}
bool t_filter(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_filter", a, 0);
    return v.is_string() && find_filter(v.as_string()); }
bool t_test(Interpreter&, const Value& v, CallArgs& a) {
    test_arity("test_test", a, 0);
    return v.is_string() && find_test(v.as_string()); }

const std::map<std::string, FilterFn, std::less<>>& filter_table() {
    static const std::map<std::string, FilterFn, std::less<>> table = {
        {"abs", f_abs},         {"attr", f_attr},           {"batch", f_batch},
        {"capitalize", f_capitalize}, {"center", f_center}, {"count", f_length},
        {"d", f_default},       {"default", f_default},     {"dictsort", f_dictsort},
        {"e", f_escape},        {"escape", f_escape},       {"first", f_first},
        {"float", f_float},     {"forceescape", f_escape},  {"format", f_format},
        {"indent", f_indent},   {"int", f_int},             {"items", f_items},
        {"join", f_join},       {"last", f_last},           {"length", f_length},
        {"list", f_list},       {"lower", f_lower},         {"map", f_map},
        {"max", f_max},         {"min", f_min},             {"reject", f_reject},
        {"rejectattr", f_rejectattr}, {"replace", f_replace}, {"reverse", f_reverse},
        {"round", f_round},     {"safe", f_safe},           {"select", f_select},
        {"selectattr", f_selectattr}, {"slice", f_slice},   {"sort", f_sort},
        {"string", f_string},   {"sum", f_sum},             {"title", f_title},
        {"tojson", f_tojson},   {"trim", f_trim},           {"truncate", f_truncate},
        {"unique", f_unique},   {"upper", f_upper},         {"wordcount", f_wordcount},
    };
    return table;
}

const std::map<std::string, TestFn, std::less<>>& test_table() {
    static const std::map<std::string, TestFn, std::less<>> table = {
        {"boolean", t_boolean}, {"callable", t_callable}, {"defined", t_defined},
        {"divisibleby", t_divisibleby}, {"eq", t_eq}, {"equalto", t_eq}, {"==", t_eq},
        {"escaped", t_escaped}, {"even", t_even}, {"false", t_false}, {"filter", t_filter},
        {"float", t_float}, {"ge", t_ge}, {">=", t_ge}, {"gt", t_gt}, {">", t_gt},
        {"greaterthan", t_gt}, {"in", t_in}, {"integer", t_integer}, {"iterable", t_iterable},
        {"le", t_le}, {"<=", t_le}, {"lower", t_lower}, {"lt", t_lt}, {"<", t_lt},
        {"lessthan", t_lt}, {"mapping", t_mapping}, {"ne", t_ne}, {"!=", t_ne},
        {"none", t_none}, {"number", t_number}, {"odd", t_odd}, {"sameas", t_sameas},
        {"sequence", t_sequence}, {"string", t_string}, {"test", t_test}, {"true", t_true},
        {"undefined", t_undefined}, {"upper", t_upper},
    };
    return table;
}

}  // namespace

FilterFn find_filter(std::string_view name) {
    const auto& t = filter_table();
    auto it = t.find(name);
    return it == t.end() ? nullptr : it->second;
}

TestFn find_test(std::string_view name) {
    const auto& t = test_table();
    auto it = t.find(name);
    return it == t.end() ? nullptr : it->second;
}

}  // namespace tessera::chat
