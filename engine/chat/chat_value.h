#pragma once
// Values of the chat-template interpreter: the part of Python's object model that Jinja2 templates see.
// ref: Python 3 data model (truthiness, ==, <, str/repr of builtins); jinja2 3.1 runtime.Undefined.
//
// Lists and dicts are shared, immutable once built (the sandbox transformers uses forbids mutating
// methods), so copying a Value is cheap. Namespaces and loop contexts are Objects (reference types).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "engine/core/status.h"

namespace tessera::chat {

class Value;
class Interpreter;

// Internal exception of the interpreter; converted to a Status at the public API.
// line 0 means "not yet attributed": the innermost node that sees it fills in its line.
struct TemplateError : std::runtime_error {
    TemplateError(ErrorCode c, std::string m) : std::runtime_error(m), code(c), message(std::move(m)) {}
    ErrorCode code;
    std::string message;
    int line = 0;
};

// Python-style exceptions raised by operations on values.
[[noreturn]] void throw_type_error(const std::string& message);       // TypeError
[[noreturn]] void throw_value_error(const std::string& message);      // ValueError
[[noreturn]] void throw_undefined_error(const std::string& message);  // jinja2 UndefinedError
[[noreturn]] void throw_limit_error(const std::string& message);      // resource limits

// Budget against hostile templates: every evaluation step and deep traversal ticks it.
struct Budget {
    uint64_t steps_left = 0;
    size_t max_string_bytes = 0;
    size_t max_items = 0;
};
// The budget of the render running on this thread (none outside a render).
Budget* current_budget();
void set_current_budget(Budget* budget);
void budget_tick(uint64_t n = 1);
void budget_check_size(size_t bytes);
void budget_check_items(size_t items);

// Lists, dicts and bound methods may nest at most this deep (bounds recursion in repr, ==, tojson and
// destruction). Deeper input or construction is an out_of_range error.
constexpr int kMaxValueNesting = 500;

struct ListData {
    std::vector<Value> items;
    int depth = 1;  // 1 + deepest element
    bool is_tuple = false;
    // A Python iterator/generator (what map/select/reverse return): always truthy, no len(), not
    // subscriptable, prints as "<generator object ...>". `generator_name` names it in messages.
    bool is_generator = false;
    std::string generator_name;
};

class DictData;

struct UndefinedData {
    std::string name;     // the missing name or attribute ("" if none)
    std::string message;  // what UndefinedError says when the value is used
};

struct CallArgs {
    std::vector<Value> positional;
    std::vector<std::pair<std::string, Value>> keyword;
};

// Reference-type objects: Namespace, LoopContext, macros, builtin functions, bound methods.
class Object {
public:
    virtual ~Object() = default;
    // Python type name as object_type_repr shows it ("jinja2.utils.Namespace object" -> "jinja2.utils.Namespace").
    virtual std::string type_name() const = 0;
    virtual std::string repr() const = 0;
    // Attribute lookup; nullopt when absent (the caller turns that into Undefined).
    virtual std::optional<Value> get_attr(std::string_view name) const;
    virtual bool is_namespace() const { return false; }
    virtual void set_attr(const std::string& name, Value value);
    virtual bool is_callable() const { return false; }
    virtual Value call(Interpreter& interp, CallArgs& args);
    // Drops references held by the object (breaks cycles such as `ns.self = ns` when a render ends).
    virtual void release() {}
    // Nesting depth of the values the object holds alive after the render (1 if released or none).
    virtual int nesting_depth() const { return 1; }
};

class Value {
public:
    enum class Kind { undefined, none, boolean, integer, floating, string, list, dict, object };

    Value() : v_(std::monostate{}) {}  // None
    Value(std::nullptr_t) : v_(std::monostate{}) {}
    Value(bool b) : v_(b) {}
    Value(int i) : v_(static_cast<int64_t>(i)) {}
    Value(int64_t i) : v_(i) {}
    Value(double d) : v_(d) {}
    Value(std::string s) : v_(std::move(s)) {}
    Value(std::string_view s) : v_(std::string(s)) {}
    Value(const char* s) : v_(std::string(s)) {}
    Value(std::shared_ptr<ListData> l) : v_(std::move(l)) {}
    Value(std::shared_ptr<DictData> d) : v_(std::move(d)) {}
    Value(std::shared_ptr<Object> o) : v_(std::move(o)) {}

    static Value undefined(std::string name = {}, std::string message = {});
    static Value list(std::vector<Value> items = {});
    static Value tuple(std::vector<Value> items);
    static Value dict();  // empty, ready to fill via dict_data()->set
    // The result of a jinja2 filter that yields (map, select, ...): see ListData::is_generator.
    static Value generator(std::vector<Value> items, std::string name = "generator");

    Kind kind() const { return static_cast<Kind>(v_.index()); }
    bool is_undefined() const { return kind() == Kind::undefined; }
    bool is_none() const { return kind() == Kind::none; }
    bool is_bool() const { return kind() == Kind::boolean; }
    bool is_int() const { return kind() == Kind::integer; }
    bool is_float() const { return kind() == Kind::floating; }
    bool is_number() const { return is_bool() || is_int() || is_float(); }  // Python: bool is an int
    bool is_string() const { return kind() == Kind::string; }
    bool is_list() const { return kind() == Kind::list; }
    bool is_tuple() const { return is_list() && list_data()->is_tuple; }
    bool is_generator() const { return is_list() && list_data()->is_generator; }
    // A real list or tuple (has len(), subscriptable).
    bool is_sequence_list() const { return is_list() && !list_data()->is_generator; }
    bool is_dict() const { return kind() == Kind::dict; }
    bool is_object() const { return kind() == Kind::object; }
    bool is_callable() const { return is_object() && object()->is_callable(); }
    bool is_namespace() const { return is_object() && object()->is_namespace(); }

    bool as_bool() const { return std::get<bool>(v_); }
    int64_t as_int() const { return std::get<int64_t>(v_); }
    double as_float() const { return std::get<double>(v_); }
    const std::string& as_string() const { return std::get<std::string>(v_); }
    const std::shared_ptr<ListData>& list_data() const { return std::get<std::shared_ptr<ListData>>(v_); }
    const std::vector<Value>& items() const { return list_data()->items; }
    const std::shared_ptr<DictData>& dict_data() const { return std::get<std::shared_ptr<DictData>>(v_); }
    const std::shared_ptr<Object>& object() const { return std::get<std::shared_ptr<Object>>(v_); }
    const UndefinedData& undefined_data() const { return *std::get<std::shared_ptr<UndefinedData>>(v_); }

    // Numeric view for arithmetic: bool and int as int64, float as double.
    bool is_integral() const { return is_bool() || is_int(); }
    int64_t to_int() const { return is_bool() ? (as_bool() ? 1 : 0) : as_int(); }
    double to_double() const { return is_float() ? as_float() : static_cast<double>(to_int()); }

    // Python bool(x). Undefined is false.
    bool truthy() const;
    // Python str(x); Undefined is "" (jinja2 default Undefined).
    std::string str() const;
    // Python repr(x).
    std::string repr() const;
    // Python type(x).__name__ for messages ("str", "int", "NoneType", "dict", ...).
    std::string type_name() const;
    // jinja2 object_type_repr: "None", "dict object", "jinja2.utils.Namespace object".
    std::string object_type_repr() const;
    // Raises the UndefinedError of an Undefined value.
    [[noreturn]] void fail_undefined() const;

private:
    std::variant<std::shared_ptr<UndefinedData>, std::monostate, bool, int64_t, double, std::string,
                 std::shared_ptr<ListData>, std::shared_ptr<DictData>, std::shared_ptr<Object>>
        v_;
};

// A builtin function or bound method (range, str.upper bound to its string, loop.cycle, ...).
class NativeFunction final : public Object {
public:
    using Fn = std::function<Value(Interpreter&, CallArgs&)>;
    // `depth`: nesting depth of the values `fn` captures (a bound method's receiver).
    NativeFunction(std::string name, Fn fn, int depth = 0, std::string type = "builtin_function_or_method")
        : name_(std::move(name)), type_(std::move(type)), fn_(std::move(fn)), depth_(depth + 1) {}
    int nesting_depth() const override { return depth_; }
    std::string type_name() const override { return type_; }
    std::string repr() const override { return "<built-in function " + name_ + ">"; }
    bool is_callable() const override { return true; }
    Value call(Interpreter& interp, CallArgs& args) override;
    void release() override {
        fn_ = nullptr;
        depth_ = 1;
    }
    const std::string& name() const { return name_; }

private:
    std::string name_;
    std::string type_;
    Fn fn_;
    int depth_;
};

// Insertion-ordered dict with Python key equality (1 == 1.0 == True).
class DictData {
public:
    const Value* find(const Value& key) const;
    void set(const Value& key, Value value);
    size_t size() const { return items_.size(); }
    const std::vector<std::pair<Value, Value>>& items() const { return items_; }
    int depth() const { return depth_; }

private:
    std::vector<std::pair<Value, Value>> items_;
    int depth_ = 1;
    std::unordered_map<std::string, size_t> index_;
};

// 0 for scalars, else the container's nesting depth.
int value_depth(const Value& v);

// Canonical key for hashing; throws TypeError for unhashable values (list, dict).
std::string hash_key(const Value& v);

// Python ==. Undefined equals only Undefined.
bool values_equal(const Value& a, const Value& b);
// Python a < b; TypeError for unorderable types.
bool values_less(const Value& a, const Value& b);
// Python `a in b`.
bool value_contains(const Value& container, const Value& item);

// Python float repr: shortest round-trip digits, "1.0", "1e+20", "inf", "nan".
std::string format_float_repr(double d);
// 'text' in single quotes, for messages (not an escaping repr).
std::string single_quoted(std::string_view text);
// Python repr of a str: quotes and escapes.
std::string string_repr(std::string_view s);

// ---- UTF-8 / code point helpers (Python str semantics are per code point) ----
// Invalid bytes decode to U+DC80+byte and encode back to the same byte (Python surrogateescape).
std::u32string utf8_decode(std::string_view s);
std::string utf8_encode(std::u32string_view s);
void utf8_append(std::string& out, char32_t cp);
bool is_ascii(std::string_view s);
size_t utf8_length(std::string_view s);
// Python str.isspace for one code point.
bool is_py_space(char32_t c);

}  // namespace tessera::chat
