#pragma once
// Builtin filters, tests, global functions and methods of str / dict / list.
// ref: jinja2 3.1 filters.py, tests.py, defaults.py (DEFAULT_NAMESPACE), sandbox.py; transformers
// chat_template_utils (tojson, raise_exception, strftime_now); CPython str/dict/list methods.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/chat/chat_ast.h"
#include "engine/chat/chat_value.h"

namespace tessera::chat {

FilterFn find_filter(std::string_view name);
TestFn find_test(std::string_view name);

// Global names visible to every template (range, namespace, dict, raise_exception, strftime_now,
// cycler, joiner); nullopt if `name` is not one of them.
std::optional<Value> find_global(std::string_view name);

// `obj.name` for builtin types: bound methods of str/dict/list, tuple/list methods; nullopt if none.
// Mutating list/dict methods yield the sandbox's "unsafe" Undefined.
std::optional<Value> builtin_method(const Value& obj, std::string_view name);

// Python str % args (printf-style formatting) and str.format(*args, **kwargs).
std::string python_percent_format(const std::string& format, const Value& args);
std::string python_str_format(Interpreter& interp, const std::string& format, const CallArgs& args);

// Binds call arguments to parameter names, Python style. Throws TypeError naming `function`.
struct ParamSpec {
    const char* name;
    bool has_default = true;
};
std::vector<std::optional<Value>> bind_args(const std::string& function, CallArgs& args,
                                            std::initializer_list<ParamSpec> params);

}  // namespace tessera::chat
