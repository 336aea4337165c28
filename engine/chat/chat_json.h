#pragma once
// JSON in and out of the interpreter: nlohmann::ordered_json -> Value (key order kept), and Python's
// json.dumps as transformers' `tojson` filter calls it (ensure_ascii=False, separators ", " / ": ",
// "," with indent, sort_keys=False).
// ref: CPython Lib/json/encoder.py (py_encode_basestring, _make_iterencode, float repr, key coercion).
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/chat/chat_value.h"

namespace tessera::chat {

struct JsonDumpOptions {
    bool ensure_ascii = false;
    std::optional<std::string> indent;  // nullopt: single line; "" (indent=0): newlines only
    std::optional<std::string> item_separator;  // default ", " (or "," with indent)
    std::string key_separator = ": ";
    bool sort_keys = false;
};

// Throws TemplateError (TypeError) for values JSON cannot hold (Undefined, namespaces, macros, ...).
std::string python_json_dumps(const Value& value, const JsonDumpOptions& options = {});

// null -> None, numbers keep int/float, objects keep their key order. Integers above INT64_MAX
// become floats. Throws TemplateError (out_of_range) for input nested deeper than kMaxValueNesting.
Value value_from_json(const nlohmann::ordered_json& json);

}  // namespace tessera::chat
