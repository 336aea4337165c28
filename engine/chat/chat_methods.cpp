// Methods of str / dict / list, global functions, and Python string formatting (% and str.format).
// ref: CPython Objects/unicodeobject.c (method semantics), jinja2 3.1 defaults.py / utils.py (Namespace,
// Cycler, Joiner), sandbox.py (MAX_RANGE, unsafe mutating methods), transformers chat_template_utils
// (raise_exception, strftime_now).
#include <cmath>
#include <cstdio>
#include <ctime>
#include <locale.h>

#include "engine/chat/chat_builtins.h"
#include "engine/chat/chat_interp.h"
#include "engine/chat/chat_strings.h"

namespace tessera::chat {

// ---- argument binding ----

std::vector<std::optional<Value>> bind_args(const std::string& function, CallArgs& args,
                                            std::initializer_list<ParamSpec> params) {
    std::vector<ParamSpec> spec(params);
    std::vector<std::optional<Value>> out(spec.size());
    if (args.positional.size() > spec.size())
        throw_type_error(function + "() takes " + std::to_string(spec.size()) + " positional argument" +
                         (spec.size() == 1 ? "" : "s") + " but " + std::to_string(args.positional.size()) +
                         " were given");
    for (size_t k = 0; k < args.positional.size(); ++k) out[k] = args.positional[k];
    for (const auto& [key, value] : args.keyword) {
        size_t k = 0;
        while (k < spec.size() && key != spec[k].name) ++k;
        if (k == spec.size()) throw_type_error(function + "() got an unexpected keyword argument '" + key + "'");
        if (out[k]) throw_type_error(function + "() got multiple values for argument '" + key + "'");
        out[k] = value;
    }
    for (size_t k = 0; k < spec.size(); ++k)
        if (!out[k] && !spec[k].has_default)
            throw_type_error(function + "() missing 1 required positional argument: '" + spec[k].name + "'");
    return out;
}

namespace {

std::optional<int64_t> opt_index(const std::optional<Value>& v) {
    if (!v || v->is_none()) return std::nullopt;
    if (!v->is_integral()) throw_type_error("slice indices must be integers or None or have an __index__ method");
    return v->to_int();
}

std::optional<std::string> opt_chars(const std::string& fn, const std::optional<Value>& v) {
    if (!v || v->is_none()) return std::nullopt;
    if (!v->is_string()) throw_type_error(fn + " arg must be None or str");
    return v->as_string();
}

const std::string& need_str(const std::string& fn, const Value& v) {
    if (!v.is_string()) throw_type_error(fn + "() argument must be str, not " + v.type_name());
    return v.as_string();
}

int64_t need_int(const Value& v) {
    if (!v.is_integral()) throw_type_error(single_quoted(v.type_name()) + " object cannot be interpreted as an integer");
    return v.to_int();
}

Value str_list(std::vector<std::string> parts) {
    std::vector<Value> out;
    out.reserve(parts.size());
    for (auto& p : parts) out.emplace_back(std::move(p));
    return Value::list(std::move(out));
}

Value method(const std::string& name, NativeFunction::Fn fn, int depth = 0) {
    return Value(std::shared_ptr<Object>(std::make_shared<NativeFunction>(name, std::move(fn), depth)));
}

Value unsafe(const std::string& name, const Value& obj) {
    return Value::undefined(name, "access to attribute " + string_repr(name) + " of " + string_repr(obj.type_name()) +
                                      " object is unsafe.");
}

bool str_pred(const std::string& s, bool (*pred)(char32_t)) {
    if (s.empty()) return false;
    for (char32_t c : utf8_decode(s))
        if (!pred(c)) return false;
    return true;
}

std::optional<Value> str_method(const Value& self, const std::string& name) {
    const std::string s = self.as_string();
    if (name == "strip" || name == "lstrip" || name == "rstrip") {
        return method(name, [s, name](Interpreter&, CallArgs& a) {
            auto b = bind_args(name, a, {{"chars"}});
            return Value(py_strip(s, opt_chars(name, b[0]), name != "rstrip", name != "lstrip"));
        });
    }
    if (name == "split" || name == "rsplit") {
        return method(name, [s, name](Interpreter&, CallArgs& a) {
            auto b = bind_args(name, a, {{"sep"}, {"maxsplit"}});
            const int64_t maxsplit = b[1] ? need_int(*b[1]) : -1;
            auto sep = opt_chars(name, b[0]);
            return str_list(name == "split" ? py_split(s, sep, maxsplit) : py_rsplit(s, sep, maxsplit));
        });
    }
    if (name == "splitlines") {
        return method(name, [s](Interpreter&, CallArgs& a) {
            auto b = bind_args("splitlines", a, {{"keepends"}});
            return str_list(py_splitlines(s, b[0] && b[0]->truthy()));
        });
    }
    if (name == "startswith" || name == "endswith") {
        return method(name, [s, name](Interpreter&, CallArgs& a) {
            auto b = bind_args(name, a, {{"prefix", false}, {"start"}, {"end"}});
            const std::string sub = (b[1] || b[2]) ? py_substr(s, opt_index(b[1]), opt_index(b[2])) : s;
            if ((b[1] || b[2]) && opt_index(b[1]).value_or(0) > static_cast<int64_t>(utf8_length(s)))
                return Value(false);
            std::vector<Value> options;
            if (b[0]->is_tuple()) options = b[0]->items();
            else options.push_back(*b[0]);
            for (const Value& o : options) {
                if (!o.is_string())
                    throw_type_error(name + " first arg must be str or a tuple of str, not " + o.type_name());
                const std::string& p = o.as_string();
                if (p.size() > sub.size()) continue;
                if (name == "startswith" ? sub.compare(0, p.size(), p) == 0
                                         : sub.compare(sub.size() - p.size(), p.size(), p) == 0)
                    return Value(true);
            }
            return Value(false);
        });
    }
    if (name == "upper") return method(name, [s](Interpreter&, CallArgs& a) { bind_args("upper", a, {}); return Value(py_upper(s)); });
    if (name == "lower" || name == "casefold")
        return method(name, [s, name](Interpreter&, CallArgs& a) { bind_args(name, a, {}); return Value(py_lower(s)); });
    if (name == "title") return method(name, [s](Interpreter&, CallArgs& a) { bind_args("title", a, {}); return Value(py_title(s)); });
    if (name == "capitalize")
        return method(name, [s](Interpreter&, CallArgs& a) { bind_args("capitalize", a, {}); return Value(py_capitalize(s)); });
    if (name == "swapcase")
        return method(name, [s](Interpreter&, CallArgs& a) { bind_args("swapcase", a, {}); return Value(py_swapcase(s)); });
    if (name == "replace") {
        return method(name, [s](Interpreter&, CallArgs& a) {
            auto b = bind_args("replace", a, {{"old", false}, {"new", false}, {"count"}});
            const int64_t count = b[2] ? need_int(*b[2]) : -1;
            return Value(py_replace(s, need_str("replace", *b[0]), need_str("replace", *b[1]), count));
        });
    }
    if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
        return method(name, [s, name](Interpreter&, CallArgs& a) {
            auto b = bind_args(name, a, {{"sub", false}, {"start"}, {"end"}});
            const std::string& sub = need_str(name, *b[0]);
            if (name == "count") return Value(py_count(s, sub, opt_index(b[1]), opt_index(b[2])));
            const int64_t r = py_find(s, sub, opt_index(b[1]), opt_index(b[2]), name[0] == 'r');
            if (r < 0 && (name == "index" || name == "rindex")) throw_value_error("substring not found");
            return Value(r);
        });
    }
    if (name == "join") {
        return method(name, [s](Interpreter& in, CallArgs& a) {
            auto b = bind_args("join", a, {{"iterable", false}});
            std::string out;
            size_t k = 0;
            for (const Value& v : in.iterate(*b[0])) {
                if (!v.is_string())
                    throw_type_error("sequence item " + std::to_string(k) + ": expected str instance, " +
                                     v.type_name() + " found");
                if (k++) out += s;
                out += v.as_string();
                budget_check_size(out.size());
            }
            return Value(std::move(out));
        });
    }
    if (name == "format") {
        return method(name, [s](Interpreter& in, CallArgs& a) { return Value(python_str_format(in, s, a)); });
    }
    if (name == "isdigit" || name == "isdecimal" || name == "isnumeric" || name == "isalpha" || name == "isalnum" ||
        name == "isspace" || name == "isupper" || name == "islower") {
        return method(name, [s, name](Interpreter&, CallArgs& a) {
            bind_args(name, a, {});
            if (name == "isalpha") return Value(str_pred(s, py_is_alpha));
            if (name == "isalnum") return Value(str_pred(s, [](char32_t c) { return py_is_alpha(c) || py_is_digit(c); }));
            if (name == "isspace") return Value(str_pred(s, is_py_space));
            if (name == "isupper" || name == "islower") {
                bool cased = false;
                for (char32_t c : utf8_decode(s)) {
                    if (!py_is_cased(c)) continue;
                    cased = true;
                    if (name == "isupper" ? py_to_upper(c) != c : py_to_lower(c) != c) return Value(false);
                }
                return Value(cased);
            }
            return Value(str_pred(s, py_is_digit));
        });
    }
    if (name == "center" || name == "ljust" || name == "rjust") {
        return method(name, [s, name](Interpreter&, CallArgs& a) {
            auto b = bind_args(name, a, {{"width", false}, {"fillchar"}});
            char32_t fill = ' ';
            if (b[1]) {
                const std::u32string f = utf8_decode(need_str(name, *b[1]));
                if (f.size() != 1) throw_type_error("The fill character must be exactly one character long");
                fill = f[0];
            }
            const int align = name == "center" ? 0 : name == "ljust" ? -1 : 1;
            return Value(py_pad(s, need_int(*b[0]), fill, align));
        });
    }
    if (name == "zfill") {
        return method(name, [s](Interpreter&, CallArgs& a) {
            auto b = bind_args("zfill", a, {{"width", false}});
            const int64_t width = need_int(*b[0]);
            const int64_t len = static_cast<int64_t>(utf8_length(s));
            if (width <= len) return Value(s);
            budget_check_size(static_cast<size_t>(width));
            std::string pad(static_cast<size_t>(width - len), '0');
            if (!s.empty() && (s[0] == '+' || s[0] == '-')) return Value(s.substr(0, 1) + pad + s.substr(1));
            return Value(pad + s);
        });
    }
    if (name == "partition" || name == "rpartition") {
        return method(name, [s, name](Interpreter&, CallArgs& a) {
            auto b = bind_args(name, a, {{"sep", false}});
            const std::string& sep = need_str(name, *b[0]);
            if (sep.empty()) throw_value_error("empty separator");
            const size_t hit = name == "partition" ? s.find(sep) : s.rfind(sep);
            if (hit == std::string::npos) {
                if (name == "partition") return Value::tuple({Value(s), Value(""), Value("")});
                return Value::tuple({Value(""), Value(""), Value(s)});
            }
            return Value::tuple({Value(s.substr(0, hit)), Value(sep), Value(s.substr(hit + sep.size()))});
        });
    }
    if (name == "removeprefix" || name == "removesuffix") {
        return method(name, [s, name](Interpreter&, CallArgs& a) {
            auto b = bind_args(name, a, {{"affix", false}});
            const std::string& x = need_str(name, *b[0]);
            if (name == "removeprefix" && s.compare(0, x.size(), x) == 0) return Value(s.substr(x.size()));
            if (name == "removesuffix" && !x.empty() && s.size() >= x.size() &&
                s.compare(s.size() - x.size(), x.size(), x) == 0)
                return Value(s.substr(0, s.size() - x.size()));
            return Value(s);
        });
    }
    return std::nullopt;
}

std::optional<Value> dict_method(const Value& self, const std::string& name) {
    if (name == "pop" || name == "popitem" || name == "setdefault" || name == "update" || name == "clear")
        return unsafe(name, self);
    if (name == "items" || name == "keys" || name == "values") {
        return method(name, [self, name](Interpreter&, CallArgs& a) {
            bind_args(name, a, {});
            std::vector<Value> out;
            for (const auto& [k, v] : self.dict_data()->items()) {
                if (name == "items") out.push_back(Value::tuple({k, v}));
                else out.push_back(name == "keys" ? k : v);
            }
            return Value::list(std::move(out));
        }, value_depth(self));
    }
    if (name == "get") {
        return method(name, [self](Interpreter&, CallArgs& a) {
            auto b = bind_args("get", a, {{"key", false}, {"default"}});
            if (b[0]->is_dict() || (b[0]->is_list() && !b[0]->is_tuple()))
                throw_type_error("unhashable type: '" + b[0]->type_name() + "'");
            if (const Value* v = self.dict_data()->find(*b[0])) return *v;
            return b[1] ? *b[1] : Value();
        }, value_depth(self));
    }
    if (name == "copy") {
        return method(name, [self](Interpreter&, CallArgs& a) {
            bind_args("copy", a, {});
            Value d = Value::dict();
            for (const auto& [k, v] : self.dict_data()->items()) d.dict_data()->set(k, v);
            return d;
        }, value_depth(self));
    }
    return std::nullopt;
}

std::optional<Value> list_method(const Value& self, const std::string& name) {
    if (!self.is_tuple() && (name == "append" || name == "extend" || name == "insert" || name == "pop" ||
                             name == "remove" || name == "reverse" || name == "sort" || name == "clear"))
        return unsafe(name, self);
    if (name == "index") {
        return method(name, [self](Interpreter&, CallArgs& a) {
            auto b = bind_args("index", a, {{"value", false}});
            const auto& items = self.items();
            for (size_t k = 0; k < items.size(); ++k)
                if (values_equal(items[k], *b[0])) return Value(static_cast<int64_t>(k));
            throw_value_error(b[0]->repr() + " is not in " + self.type_name());
        }, value_depth(self));
    }
    if (name == "count") {
        return method(name, [self](Interpreter&, CallArgs& a) {
            auto b = bind_args("count", a, {{"value", false}});
            int64_t n = 0;
            for (const Value& v : self.items())
                if (values_equal(v, *b[0])) ++n;
            return Value(n);
        }, value_depth(self));
    }
    if (name == "copy" && !self.is_tuple()) {
        return method(name, [self](Interpreter&, CallArgs& a) {
            bind_args("copy", a, {});
            return Value::list(self.items());
        }, value_depth(self));
    }
    return std::nullopt;
}

// ---- objects behind globals ----

class Namespace final : public Object {
public:
    Value attrs = Value::dict();
    std::string type_name() const override { return "jinja2.utils.Namespace"; }
    std::string repr() const override { return "<Namespace " + attrs.repr() + ">"; }
    bool is_namespace() const override { return true; }
    std::optional<Value> get_attr(std::string_view name) const override {
        if (const Value* v = attrs.dict_data()->find(Value(name))) return *v;
        return std::nullopt;
    }
    void set_attr(const std::string& name, Value value) override { attrs.dict_data()->set(Value(name), std::move(value)); }
    void release() override { attrs = Value::dict(); }
};

// dict(*args, **kwargs) as Python builds it.
Value build_dict(Interpreter& in, CallArgs& a, const char* fn) {
    if (a.positional.size() > 1)
        throw_type_error(std::string(fn) + " expected at most 1 argument, got " + std::to_string(a.positional.size()));
    Value d = Value::dict();
    if (!a.positional.empty()) {
        const Value& src = a.positional[0];
        if (src.is_dict()) {
            for (const auto& [k, v] : src.dict_data()->items()) d.dict_data()->set(k, v);
        } else {
            size_t k = 0;
            for (const Value& pair : in.iterate(src)) {
                std::vector<Value> kv = in.iterate(pair);
                if (kv.size() != 2)
                    throw_value_error("dictionary update sequence element #" + std::to_string(k) + " has length " +
                                      std::to_string(kv.size()) + "; 2 is required");
                d.dict_data()->set(kv[0], kv[1]);
                ++k;
            }
        }
    }
    for (const auto& [k, v] : a.keyword) d.dict_data()->set(Value(k), v);
    return d;
}

class Cycler final : public Object, public std::enable_shared_from_this<Cycler> {
public:
    std::vector<Value> items;
    size_t pos = 0;
    std::string type_name() const override { return "jinja2.utils.Cycler"; }
    std::string repr() const override { return "<jinja2.utils.Cycler object>"; }
    void release() override { items.clear(); }
    std::optional<Value> get_attr(std::string_view name) const override {
        auto self = std::const_pointer_cast<Cycler>(shared_from_this());
        if (name == "current") return self->items.empty() ? Value() : self->items[self->pos];
        if (name == "next")
            return method("next", [self](Interpreter&, CallArgs&) {
                Value v = self->items[self->pos];
                self->pos = (self->pos + 1) % self->items.size();
                return v;
            });
        if (name == "reset")
            return method("reset", [self](Interpreter&, CallArgs&) {
                self->pos = 0;
                return Value();
            });
        return std::nullopt;
    }
};

// ---- strftime with a fixed English "C" locale ----

const char* const kDays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                               "July",    "August",   "September", "October", "November", "December"};

std::string strftime_c(const std::string& fmt, std::tm tm) {
    // normalise and fill tm_wday / tm_yday from the calendar fields
    std::tm norm = tm;
    norm.tm_isdst = 0;
    timegm(&norm);
    tm.tm_wday = norm.tm_wday;
    tm.tm_yday = norm.tm_yday;
    std::string out;
    auto num = [&](int v, int width, char pad) {
        char buf[32];
        if (pad == 0) std::snprintf(buf, sizeof buf, "%d", v);
        else if (pad == ' ') std::snprintf(buf, sizeof buf, "%*d", width, v);
        else std::snprintf(buf, sizeof buf, "%0*d", width, v);
        out += buf;
    };
    for (size_t i = 0; i < fmt.size(); ++i) {
        if (fmt[i] != '%' || i + 1 >= fmt.size()) {
            out += fmt[i];
            continue;
        }
        char flag = '0';
        size_t j = i + 1;
        if (fmt[j] == '-' || fmt[j] == '_') {
            flag = fmt[j] == '-' ? 0 : ' ';
            ++j;
            if (j >= fmt.size()) {
                out += fmt.substr(i);
                break;
            }
        }
        const char d = fmt[j];
        const int hour12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
        switch (d) {
            case '%': out += '%'; break;
            case 'a': out += std::string(kDays[tm.tm_wday]).substr(0, 3); break;
            case 'A': out += kDays[tm.tm_wday]; break;
            case 'b': case 'h': out += std::string(kMonths[tm.tm_mon]).substr(0, 3); break;
            case 'B': out += kMonths[tm.tm_mon]; break;
            case 'd': num(tm.tm_mday, 2, flag); break;
            case 'e': num(tm.tm_mday, 2, flag == '0' ? ' ' : flag); break;
            case 'H': num(tm.tm_hour, 2, flag); break;
            case 'I': num(hour12, 2, flag); break;
            case 'j': num(tm.tm_yday + 1, 3, flag); break;
            case 'm': num(tm.tm_mon + 1, 2, flag); break;
            case 'M': num(tm.tm_min, 2, flag); break;
            case 'S': num(tm.tm_sec, 2, flag); break;
            case 'p': out += tm.tm_hour < 12 ? "AM" : "PM"; break;
            case 'y': num(tm.tm_year % 100, 2, flag); break;
            case 'Y': num(tm.tm_year + 1900, 1, flag == '0' ? 0 : flag); break;
            case 'w': num(tm.tm_wday, 1, flag); break;
            case 'u': num(tm.tm_wday == 0 ? 7 : tm.tm_wday, 1, flag); break;
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'Z': case 'z': break;  // naive datetime: empty, as Python prints it
            case 'F': out += strftime_c("%Y-%m-%d", tm); break;
            case 'D': out += strftime_c("%m/%d/%y", tm); break;
            case 'T': out += strftime_c("%H:%M:%S", tm); break;
            case 'R': out += strftime_c("%H:%M", tm); break;
            case 'c': out += strftime_c("%a %b %e %H:%M:%S %Y", tm); break;
            case 'x': out += strftime_c("%m/%d/%y", tm); break;
            case 'X': out += strftime_c("%H:%M:%S", tm); break;
            default: {
                // remaining glibc directives (%U %W %V %G %g %C %s ...) in the C locale
                static locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(0));
                char buf[128];
                const std::string one = fmt.substr(i, j - i + 1);
                std::tm copy = tm;
                const size_t n = c_locale ? strftime_l(buf, sizeof buf, one.c_str(), &copy, c_locale) : 0;
                out.append(buf, n);
            }
        }
        i = j;
    }
    return out;
}

Value make_global(const std::string& name) {
    if (name == "range") {
        return method(name, [](Interpreter&, CallArgs& a) {
            if (!a.keyword.empty()) throw_type_error("range() takes no keyword arguments");
            if (a.positional.empty() || a.positional.size() > 3)
                throw_type_error("range expected at most 3 arguments, got " + std::to_string(a.positional.size()));
            std::vector<int64_t> v;
            for (const Value& x : a.positional) v.push_back(need_int(x));
            int64_t start = 0, stop, step = 1;
            if (v.size() == 1) {
                stop = v[0];
            } else {
                start = v[0];
                stop = v[1];
                if (v.size() == 3) step = v[2];
            }
            if (step == 0) throw_value_error("range() arg 3 must not be zero");
            const __int128 span = step > 0 ? static_cast<__int128>(stop) - start : static_cast<__int128>(start) - stop;
            const __int128 count = span <= 0 ? 0 : (span + (step > 0 ? step : -step) - 1) / (step > 0 ? step : -step);
            if (count > 100000)
                throw_limit_error("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
            std::vector<Value> out;
            for (int64_t k = 0; k < static_cast<int64_t>(count); ++k) out.emplace_back(start + k * step);
            return Value::list(std::move(out));
        });
    }
    if (name == "namespace") {
        return method(name, [](Interpreter& in, CallArgs& a) {
            auto ns = std::make_shared<Namespace>();
            ns->attrs = build_dict(in, a, "Namespace");
            in.track(ns);
            return Value(std::shared_ptr<Object>(ns));
        });
    }
    if (name == "dict") {
        return method(name, [](Interpreter& in, CallArgs& a) { return build_dict(in, a, "dict"); });
    }
    if (name == "raise_exception") {
        return method(name, [](Interpreter&, CallArgs& a) -> Value {
            auto b = bind_args("raise_exception", a, {{"message", false}});
            throw TemplateError(ErrorCode::invalid_argument, b[0]->str());
        });
    }
    if (name == "strftime_now") {
        return method(name, [](Interpreter& in, CallArgs& a) {
            auto b = bind_args("strftime_now", a, {{"format", false}});
            return Value(strftime_c(need_str("strftime", *b[0]), in.now()));
        });
    }
    if (name == "cycler") {
        return method(name, [](Interpreter& in, CallArgs& a) {
            if (a.positional.empty()) throw_type_error("at least one item has to be provided");
            auto c = std::make_shared<Cycler>();
            c->items = a.positional;
            in.track(c);
            return Value(std::shared_ptr<Object>(c));
        });
    }
    if (name == "joiner") {
        return method(name, [](Interpreter&, CallArgs& a) {
            auto b = bind_args("joiner", a, {{"sep"}});
            const std::string sep = b[0] ? b[0]->str() : ", ";
            auto used = std::make_shared<bool>(false);
            return method("joiner", [sep, used](Interpreter&, CallArgs&) {
                if (!*used) {
                    *used = true;
                    return Value("");
                }
                return Value(sep);
            });
        });
    }
    return Value::undefined(name);
}

}  // namespace

std::optional<Value> find_global(std::string_view name) {
    static const char* const names[] = {"range",        "namespace", "dict",   "raise_exception",
                                        "strftime_now", "cycler",    "joiner"};
    for (const char* n : names)
        if (name == n) return make_global(std::string(name));
    return std::nullopt;
}

std::optional<Value> builtin_method(const Value& obj, std::string_view name_view) {
    const std::string name(name_view);
    if (obj.is_string()) return str_method(obj, name);
    if (obj.is_dict()) return dict_method(obj, name);
    if (obj.is_sequence_list()) return list_method(obj, name);
    return std::nullopt;
}

// ---- printf-style formatting: str % args ----

namespace {

std::string format_number_spec(const Value& v, char conv, const std::string& flags, int width, int precision,
                               bool has_precision) {
    std::string spec = "%" + flags;
    if (width >= 0) spec += std::to_string(width);
    if (has_precision) spec += "." + std::to_string(precision);
    char buf[512];
    if (conv == 'd' || conv == 'i' || conv == 'u' || conv == 'x' || conv == 'X' || conv == 'o') {
        if (!v.is_number())
            throw_type_error(std::string("%") + conv + " format: a real number is required, not " + v.type_name());
        int64_t n = v.is_float() ? static_cast<int64_t>(std::trunc(v.as_float())) : v.to_int();
        if (conv == 'u' || conv == 'i') conv = 'd';
        const bool neg = n < 0 && conv != 'd';
        spec += std::string("ll") + conv;
        std::snprintf(buf, sizeof buf, spec.c_str(), static_cast<long long>(neg ? -n : n));
        std::string s = buf;
        if (neg) {
            const size_t p = s.find_first_not_of(' ');
            s.insert(p == std::string::npos ? 0 : p, "-");
        }
        return s;
    }
    if (!v.is_number())
        throw_type_error(std::string("must be real number, not ") + v.type_name());
    spec += conv;
    std::snprintf(buf, sizeof buf, spec.c_str(), v.to_double());
    return buf;
}

}  // namespace

std::string python_percent_format(const std::string& format, const Value& args) {
    std::vector<Value> positional;
    // CPython: an argument with __getitem__ that is not a tuple or str (dict, list, ...) may be used
    // as a mapping, so leftover arguments are not an error then.
    const bool mapping = args.is_dict() || args.is_undefined() || (args.is_sequence_list() && !args.is_tuple());
    if (args.is_tuple()) positional = args.items();
    else positional.push_back(args);
    size_t next_arg = 0;
    std::string out;
    for (size_t i = 0; i < format.size(); ++i) {
        if (format[i] != '%') {
            out += format[i];
            continue;
        }
        if (++i >= format.size()) throw_value_error("incomplete format");
        Value arg;
        bool have_arg = false;
        if (format[i] == '(') {
            const size_t close = format.find(')', i);
            if (close == std::string::npos) throw_value_error("incomplete format key");
            if (!args.is_dict()) throw_type_error("format requires a mapping");
            const Value* v = args.dict_data()->find(Value(format.substr(i + 1, close - i - 1)));
            if (!v) throw_value_error("KeyError: " + string_repr(format.substr(i + 1, close - i - 1)));
            arg = *v;
            have_arg = true;
            i = close + 1;
        }
        std::string flags;
        while (i < format.size() && std::string_view("-+ #0").find(format[i]) != std::string_view::npos)
            flags += format[i++];
        auto take = [&]() -> Value {
            if (next_arg >= positional.size()) throw_type_error("not enough arguments for format string");
            return positional[next_arg++];
        };
        int width = -1;
        if (i < format.size() && format[i] == '*') {
            width = static_cast<int>(need_int(take()));
            ++i;
        } else {
            while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i])))
                width = std::max(width, 0) * 10 + (format[i++] - '0');
        }
        int precision = 0;
        bool has_precision = false;
        if (i < format.size() && format[i] == '.') {
            has_precision = true;
            ++i;
            if (i < format.size() && format[i] == '*') {
                precision = static_cast<int>(need_int(take()));
                ++i;
            } else {
                while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i])))
                    precision = precision * 10 + (format[i++] - '0');
            }
        }
        while (i < format.size() && (format[i] == 'l' || format[i] == 'h' || format[i] == 'L')) ++i;
        if (i >= format.size()) throw_value_error("incomplete format");
        const char conv = format[i];
        if (conv == '%') {
            out += '%';
            continue;
        }
        if (!have_arg) arg = take();
        std::string piece;
        switch (conv) {
            case 's': case 'r': case 'a': {
                piece = conv == 's' ? arg.str() : arg.repr();
                if (has_precision) piece = py_substr(piece, 0, precision);
                if (width >= 0)
                    piece = py_pad(piece, width, ' ', flags.find('-') != std::string::npos ? -1 : 1);
                break;
            }
            case 'c': {
                if (arg.is_string()) piece = arg.as_string();
                else utf8_append(piece, static_cast<char32_t>(need_int(arg)));
                if (width >= 0) piece = py_pad(piece, width, ' ', flags.find('-') != std::string::npos ? -1 : 1);
                break;
            }
            case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': case 'e': case 'E': case 'f': case 'F':
            case 'g': case 'G':
                piece = format_number_spec(arg, conv, flags, width, precision, has_precision);
                break;
            default: {
                char buf[128];
                std::snprintf(buf, sizeof buf, "unsupported format character '%c' (0x%x) at index %zu", conv,
                              static_cast<unsigned>(static_cast<unsigned char>(conv)), i);
                throw_value_error(buf);
            }
        }
        out += piece;
        budget_check_size(out.size());
    }
    if (!mapping && next_arg < positional.size())
        throw_type_error("not all arguments converted during string formatting");
    return out;
}

// ---- str.format ----

namespace {

std::string apply_format_spec(const Value& v, const std::string& spec) {
    if (spec.empty()) return v.str();
    // [[fill]align][sign][#][0][width][,][.precision][type]
    size_t i = 0;
    char32_t fill = ' ';
    char align = 0;
    const std::u32string cps = utf8_decode(spec);
    auto is_align = [](char32_t c) { return c == '<' || c == '>' || c == '^' || c == '='; };
    size_t ci = 0;
    if (cps.size() >= 2 && is_align(cps[1])) {
        fill = cps[0];
        align = static_cast<char>(cps[1]);
        ci = 2;
    } else if (!cps.empty() && is_align(cps[0])) {
        align = static_cast<char>(cps[0]);
        ci = 1;
    }
    const std::string rest = utf8_encode(std::u32string_view(cps).substr(ci));
    i = 0;
    std::string sign;
    if (i < rest.size() && (rest[i] == '+' || rest[i] == '-' || rest[i] == ' ')) sign = rest[i++];
    bool alt = false;
    if (i < rest.size() && rest[i] == '#') {
        alt = true;
        ++i;
    }
    if (i < rest.size() && rest[i] == '0' && !align) {
        fill = '0';
        align = '=';
        ++i;
    }
    int width = -1;
    while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) width = std::max(width, 0) * 10 + (rest[i++] - '0');
    char grouping = 0;
    if (i < rest.size() && (rest[i] == ',' || rest[i] == '_')) grouping = rest[i++];
    int precision = -1;
    if (i < rest.size() && rest[i] == '.') {
        ++i;
        precision = 0;
        while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) precision = precision * 10 + (rest[i++] - '0');
    }
    char type = i < rest.size() ? rest[i++] : 0;
    if (i != rest.size()) throw_value_error("Invalid format specifier");
    std::string body;
    if (v.is_string() || (!v.is_number())) {
        if (type && type != 's') throw_value_error(std::string("Unknown format code '") + type + "' for object of type '" + v.type_name() + "'");
        body = v.str();
        if (precision >= 0) body = py_substr(body, 0, precision);
        if (!align) align = '<';
    } else {
        std::string flags = sign;
        if (alt) flags += '#';
        if (!type) type = v.is_float() ? 'r' : 'd';
        if (type == 'r') {
            body = v.is_float() ? format_float_repr(v.as_float()) : std::to_string(v.to_int());
            if (!sign.empty() && sign != "-" && body[0] != '-') body = sign + body;
        } else if (type == '%') {
            body = format_number_spec(Value(v.to_double() * 100), 'f', flags, -1, precision < 0 ? 6 : precision, true) + "%";
        } else if (type == 'n') {
            body = format_number_spec(v, v.is_float() ? 'g' : 'd', flags, -1, precision, precision >= 0);
        } else if (type == 'b') {
            int64_t n = v.to_int();
            const bool neg = n < 0;
            uint64_t u = neg ? static_cast<uint64_t>(-(n + 1)) + 1 : static_cast<uint64_t>(n);
            do {
                body.insert(body.begin(), static_cast<char>('0' + (u & 1)));
                u >>= 1;
            } while (u);
            if (alt) body = "0b" + body;
            if (neg) body = "-" + body;
        } else {
            body = format_number_spec(v, type, flags, -1, precision < 0 ? 6 : precision,
                                      precision >= 0 || std::string_view("eEfFgG").find(type) != std::string_view::npos);
        }
        if (grouping && (type == 'd' || type == 'f' || type == 'F' || type == 'r')) {
            // thousands separators on the integer part
            size_t b = (!body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) ? 1 : 0;
            size_t e = body.find_first_not_of("0123456789", b);
            if (e == std::string::npos) e = body.size();
            for (size_t k = e; k > b + 3; k -= 3) body.insert(k - 3, 1, grouping);
        }
        if (!align) align = '>';
    }
    const int64_t len = static_cast<int64_t>(utf8_length(body));
    if (width <= len) return body;
    if (align == '=') {
        size_t sign_len = (!body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) ? 1 : 0;
        return body.substr(0, sign_len) + py_pad("", width - len, fill, 1) + body.substr(sign_len);
    }
    return py_pad(body, width, fill, align == '<' ? -1 : align == '^' ? 0 : 1);
}

}  // namespace

std::string python_str_format(Interpreter& interp, const std::string& format, const CallArgs& args) {
    std::string out;
    size_t auto_index = 0;
    for (size_t i = 0; i < format.size(); ++i) {
        const char c = format[i];
        if (c == '}') {
            if (i + 1 < format.size() && format[i + 1] == '}') {
                out += '}';
                ++i;
                continue;
            }
            throw_value_error("Single '}' encountered in format string");
        }
        if (c != '{') {
            out += c;
            continue;
        }
        if (i + 1 < format.size() && format[i + 1] == '{') {
            out += '{';
            ++i;
            continue;
        }
        const size_t close = format.find('}', i);
        if (close == std::string::npos) throw_value_error("Single '{' encountered in format string");
        std::string field = format.substr(i + 1, close - i - 1);
        i = close;
        std::string spec, conversion;
        const size_t colon = field.find(':');
        if (colon != std::string::npos) {
            spec = field.substr(colon + 1);
            field = field.substr(0, colon);
        }
        const size_t bang = field.find('!');
        if (bang != std::string::npos) {
            conversion = field.substr(bang + 1);
            field = field.substr(0, bang);
        }
        // field name: [arg_name]("." attr | "[" key "]")*
        size_t p = 0;
        while (p < field.size() && field[p] != '.' && field[p] != '[') ++p;
        const std::string head = field.substr(0, p);
        Value v;
        if (head.empty() || std::isdigit(static_cast<unsigned char>(head[0]))) {
            const size_t idx = head.empty() ? auto_index++ : static_cast<size_t>(std::stoul(head));
            if (idx >= args.positional.size())
                throw_value_error("Replacement index " + std::to_string(idx) + " out of range for positional args tuple");
            v = args.positional[idx];
        } else {
            bool found = false;
            for (const auto& [k, val] : args.keyword)
                if (k == head) {
                    v = val;
                    found = true;
                }
            if (!found) throw_value_error("KeyError: " + string_repr(head));
        }
        while (p < field.size()) {
            if (field[p] == '.') {
                size_t q = p + 1;
                while (q < field.size() && field[q] != '.' && field[q] != '[') ++q;
                v = interp.getattr(v, field.substr(p + 1, q - p - 1));
                p = q;
            } else {
                const size_t q = field.find(']', p);
                if (q == std::string::npos) throw_value_error("Missing ']' in format string");
                const std::string key = field.substr(p + 1, q - p - 1);
                const bool numeric = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
                v = interp.getitem(v, numeric ? Value(static_cast<int64_t>(std::stoll(key))) : Value(key));
                p = q + 1;
            }
        }
        if (conversion == "r" || conversion == "a") v = Value(v.repr());
        else if (conversion == "s") v = Value(v.str());
        else if (!conversion.empty()) throw_value_error("Unknown conversion specifier " + conversion);
        out += apply_format_spec(v, spec);
        budget_check_size(out.size());
    }
    return out;
}

}  // namespace tessera::chat
