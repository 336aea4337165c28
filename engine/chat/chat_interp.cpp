#include "engine/chat/chat_interp.h"

#include <cmath>
#include <limits>

#include "engine/chat/chat_builtins.h"

namespace tessera::chat {

namespace {

// jinja2.runtime.Macro: a template macro or the `caller` of a call block.
class Macro final : public Object {
public:
    Macro(const Stmt* def, std::weak_ptr<Scope> closure) : def_(def), closure_(std::move(closure)) {}
    std::string type_name() const override { return "jinja2.runtime.Macro"; }
    std::string repr() const override { return "<Macro " + string_repr(def_->name) + ">"; }
    bool is_callable() const override { return true; }
    std::optional<Value> get_attr(std::string_view name) const override {
        if (name == "name") return Value(def_->name);
        if (name == "arguments") {
            std::vector<Value> params;
            for (const auto& p : def_->params) params.emplace_back(p);
            return Value::tuple(std::move(params));
        }
        if (name == "catch_kwargs") return Value(def_->uses_kwargs);
        if (name == "catch_varargs") return Value(def_->uses_varargs);
        if (name == "caller") return Value(def_->uses_caller);
        return std::nullopt;
    }
    Value call(Interpreter& interp, CallArgs& args) override {
        auto closure = closure_.lock();
        if (!closure)
            throw TemplateError(ErrorCode::unsupported, "macro " + string_repr(def_->name) +
                                                            " was called after the block that defined it ended");
        return interp.invoke_macro(*def_, std::move(closure), args);
    }

private:
    const Stmt* def_;
    // Weak, so that a scope holding its own macros is no reference cycle. Macros are defined at the top
    // level in practice; one called after its defining block (loop body, macro) ended is unsupported.
    std::weak_ptr<Scope> closure_;
};

// jinja2.runtime.LoopContext
class LoopContext final : public Object, public std::enable_shared_from_this<LoopContext> {
public:
    std::vector<Value> items;
    size_t index0 = 0;
    int depth = 1;
    const Stmt* stmt = nullptr;
    std::weak_ptr<Scope> closure;  // scope around the for statement (recursive loop() calls)
    bool has_changed_value = false;
    Value last_changed;

    std::string type_name() const override { return "jinja2.runtime.LoopContext"; }
    std::string repr() const override {
        return "<LoopContext " + std::to_string(index0 + 1) + "/" + std::to_string(items.size()) + ">";
    }
    bool is_callable() const override { return true; }
    void release() override { items.clear(); }

    std::optional<Value> get_attr(std::string_view name) const override {
        const auto n = static_cast<int64_t>(items.size());
        const auto i = static_cast<int64_t>(index0);
        if (name == "index") return Value(i + 1);
        if (name == "index0") return Value(i);
        if (name == "revindex") return Value(n - i);
        if (name == "revindex0") return Value(n - i - 1);
        if (name == "first") return Value(i == 0);
        if (name == "last") return Value(i + 1 == n);
        if (name == "length") return Value(n);
        if (name == "depth") return Value(static_cast<int64_t>(depth));
        if (name == "depth0") return Value(static_cast<int64_t>(depth - 1));
        if (name == "previtem") {
            if (i == 0) return Value::undefined("previtem", "there is no previous item");
            return items[index0 - 1];
        }
        if (name == "nextitem") {
            if (i + 1 >= n) return Value::undefined("nextitem", "there is no next item");
            return items[index0 + 1];
        }
        if (name == "cycle") {
            auto self = std::const_pointer_cast<LoopContext>(shared_from_this());
            return Value(std::shared_ptr<Object>(std::make_shared<NativeFunction>(
                "cycle", [self](Interpreter&, CallArgs& args) -> Value {
                    if (!args.keyword.empty()) throw_type_error("cycle() got an unexpected keyword argument");
                    if (args.positional.empty()) throw_type_error("no items for cycling given");
                    return args.positional[self->index0 % args.positional.size()];
                })));
        }
        if (name == "changed") {
            auto self = std::const_pointer_cast<LoopContext>(shared_from_this());
            return Value(std::shared_ptr<Object>(
                std::make_shared<NativeFunction>("changed", [self](Interpreter&, CallArgs& args) -> Value {
                    Value now = Value::tuple(args.positional);
                    if (!self->has_changed_value || !values_equal(self->last_changed, now)) {
                        self->has_changed_value = true;
                        self->last_changed = now;
                        return Value(true);
                    }
                    return Value(false);
                })));
        }
        return std::nullopt;
    }

    Value call(Interpreter& interp, CallArgs& args) override {
        if (!stmt->recursive)
            throw_type_error("Tried to call non recursive loop.  Maybe you forgot the 'recursive' modifier.");
        if (args.positional.size() != 1 || !args.keyword.empty())
            throw_type_error("loop() takes exactly one argument (the iterable)");
        auto scope = closure.lock();
        if (!scope) throw TemplateError(ErrorCode::unsupported, "loop() was called after its loop ended");
        return Value(interp.run_loop(*stmt, args.positional[0], depth + 1, std::move(scope)));
    }
};

[[noreturn]] void raise_limit(const std::string& what) { throw_limit_error(what); }

[[noreturn]] void overflow() { raise_limit("integer overflow (this interpreter uses 64-bit integers)"); }
int64_t add_checked(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) overflow();
    return r;
}
int64_t sub_checked(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r)) overflow();
    return r;
}
int64_t mul_checked(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r)) overflow();
    return r;
}

[[noreturn]] void unsupported_operands(const std::string& op, const Value& a, const Value& b) {
    throw_type_error("unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" + b.type_name() +
                     "'");
}

Value repeat_sequence(const Value& seq, int64_t n) {
    if (n <= 0) return seq.is_string() ? Value(std::string()) : (seq.is_tuple() ? Value::tuple({}) : Value::list());
    if (seq.is_string()) {
        const std::string& s = seq.as_string();
        if (!s.empty() && static_cast<uint64_t>(n) > (std::numeric_limits<size_t>::max() / 2) / s.size())
            raise_limit("string repetition too large");
        budget_check_size(s.size() * static_cast<size_t>(n));
        std::string out;
        out.reserve(s.size() * static_cast<size_t>(n));
        for (int64_t k = 0; k < n; ++k) out += s;
        return Value(std::move(out));
    }
    const auto& items = seq.items();
    if (!items.empty() && static_cast<uint64_t>(n) > (std::numeric_limits<size_t>::max() / 2) / items.size())
        raise_limit("list repetition too large");
    budget_check_items(items.size() * static_cast<size_t>(n));
    std::vector<Value> out;
    out.reserve(items.size() * static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) out.insert(out.end(), items.begin(), items.end());
    return seq.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

int64_t floor_div(int64_t a, int64_t b) {
    if (a == std::numeric_limits<int64_t>::min() && b == -1) raise_limit("integer overflow");
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

int64_t py_mod(int64_t a, int64_t b) {
    if (b == -1) return 0;
    int64_t r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}

double py_fmod(double a, double b) {
    double r = std::fmod(a, b);
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    if (r == 0) r = std::copysign(0.0, b);
    return r;
}

}  // namespace

// ---- arithmetic ----

Value binary_op(const std::string& op, const Value& a, const Value& b) {
    if (a.is_undefined()) a.fail_undefined();
    if (op == "%" && a.is_string()) return Value(python_percent_format(a.as_string(), b));  // str % Undefined is fine
    if (b.is_undefined()) b.fail_undefined();
    const bool nums = a.is_number() && b.is_number();
    const bool ints = a.is_integral() && b.is_integral();
    if (op == "+") {
        if (ints) return Value(add_checked(a.to_int(), b.to_int()));
        if (nums) return Value(a.to_double() + b.to_double());
        if (a.is_string() && b.is_string()) {
            budget_check_size(a.as_string().size() + b.as_string().size());
            return Value(a.as_string() + b.as_string());
        }
        if (a.is_sequence_list() && b.is_sequence_list() && a.is_tuple() == b.is_tuple()) {
            budget_check_items(a.items().size() + b.items().size());
            std::vector<Value> out = a.items();
            out.insert(out.end(), b.items().begin(), b.items().end());
            return a.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
        }
        if (a.is_string()) throw_type_error("can only concatenate str (not \"" + b.type_name() + "\") to str");
        if (a.is_sequence_list())
            throw_type_error("can only concatenate " + a.type_name() + " (not \"" + b.type_name() + "\") to " +
                             a.type_name());
        unsupported_operands("+", a, b);
    }
    if (op == "-") {
        if (ints) return Value(sub_checked(a.to_int(), b.to_int()));
        if (nums) return Value(a.to_double() - b.to_double());
        unsupported_operands("-", a, b);
    }
    if (op == "*") {
        if (ints) return Value(mul_checked(a.to_int(), b.to_int()));
        if (nums) return Value(a.to_double() * b.to_double());
        const bool seq_a = a.is_string() || a.is_sequence_list();
        const bool seq_b = b.is_string() || b.is_sequence_list();
        if (seq_a && b.is_integral()) return repeat_sequence(a, b.to_int());
        if (seq_b && a.is_integral()) return repeat_sequence(b, a.to_int());
        if (seq_a || seq_b)
            throw_type_error("can't multiply sequence by non-int of type '" + (seq_a ? b : a).type_name() + "'");
        unsupported_operands("*", a, b);
    }
    if (op == "/") {
        if (!nums) unsupported_operands("/", a, b);
        if (b.to_double() == 0) throw_value_error(ints ? "division by zero" : "float division by zero");
        return Value(a.to_double() / b.to_double());
    }
    if (op == "//") {
        if (!nums) unsupported_operands("//", a, b);
        if (ints) {
            if (b.to_int() == 0) throw_value_error("integer division or modulo by zero");
            return Value(floor_div(a.to_int(), b.to_int()));
        }
        if (b.to_double() == 0) throw_value_error("float floor division by zero");
        return Value(std::floor(a.to_double() / b.to_double()));
    }
    if (op == "%") {
        if (a.is_string()) return Value(python_percent_format(a.as_string(), b));
        if (!nums) unsupported_operands("%", a, b);
        if (ints) {
            if (b.to_int() == 0) throw_value_error("integer modulo by zero");
            return Value(py_mod(a.to_int(), b.to_int()));
        }
        if (b.to_double() == 0) throw_value_error("float modulo");
        return Value(py_fmod(a.to_double(), b.to_double()));
    }
    if (op == "**") {
        if (!nums) unsupported_operands("** or pow()", a, b);
        if (ints && b.to_int() >= 0) {
            int64_t base = a.to_int(), e = b.to_int(), r = 1;
            while (e > 0) {
                if (e & 1) r = mul_checked(r, base);
                e >>= 1;
                if (e > 0) base = mul_checked(base, base);
            }
            return Value(r);
        }
        if (a.to_double() == 0 && b.to_double() < 0)
            throw_value_error("0.0 cannot be raised to a negative power");
        return Value(std::pow(a.to_double(), b.to_double()));
    }
    throw TemplateError(ErrorCode::internal, "unknown operator " + op);
}

namespace {

// Python slice.indices()
void slice_indices(int64_t len, const Value& start_v, const Value& stop_v, const Value& step_v, int64_t& start,
                   int64_t& stop, int64_t& step) {
    auto as_index = [](const Value& v) -> int64_t {
        if (!v.is_integral()) throw_type_error("slice indices must be integers or None or have an __index__ method");
        return v.to_int();
    };
    step = step_v.is_none() ? 1 : as_index(step_v);
    if (step == 0) throw_value_error("slice step cannot be zero");
    const int64_t lower = step < 0 ? -1 : 0;
    const int64_t upper = step < 0 ? len - 1 : len;
    auto clamp = [&](const Value& v, int64_t dflt) -> int64_t {
        if (v.is_none()) return dflt;
        int64_t x = as_index(v);
        if (x < 0) {
            x += len;
            if (x < lower) x = lower;
        } else if (x > upper) {
            x = upper;
        }
        return x;
    };
    start = clamp(start_v, step < 0 ? upper : lower);
    stop = clamp(stop_v, step < 0 ? lower : upper);
}

}  // namespace

Value slice_value(const Value& obj, const Value& start_v, const Value& stop_v, const Value& step_v) {
    if (obj.is_undefined()) obj.fail_undefined();
    int64_t start, stop, step;
    if (obj.is_string()) {
        const std::string& s = obj.as_string();
        const bool ascii = is_ascii(s);
        std::u32string cps;
        if (!ascii) cps = utf8_decode(s);
        const int64_t len = static_cast<int64_t>(ascii ? s.size() : cps.size());
        slice_indices(len, start_v, stop_v, step_v, start, stop, step);
        std::string out;
        for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (ascii) out += s[static_cast<size_t>(i)];
            else utf8_append(out, cps[static_cast<size_t>(i)]);
        }
        return Value(std::move(out));
    }
    if (obj.is_sequence_list()) {
        const auto& items = obj.items();
        slice_indices(static_cast<int64_t>(items.size()), start_v, stop_v, step_v, start, stop, step);
        std::vector<Value> out;
        for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(items[static_cast<size_t>(i)]);
        return obj.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
    }
    return Value::undefined("", obj.object_type_repr() + " has no element slice(" + start_v.repr() + ", " +
                                    stop_v.repr() + ", " + step_v.repr() + ")");
}

// ---- interpreter ----

struct Interpreter::DepthGuard {
    Interpreter& in;
    explicit DepthGuard(Interpreter& i) : in(i) {
        if (++in.depth_ > in.limits_.max_depth) {
            --in.depth_;
            raise_limit("maximum template recursion depth (" + std::to_string(in.limits_.max_depth) + ") exceeded");
        }
    }
    ~DepthGuard() { --in.depth_; }
};

Interpreter::Interpreter(const Value& context, const RenderLimits& limits, ChatClock clock)
    : context_(context), limits_(limits), clock_(std::move(clock)) {
    budget_.steps_left = limits_.max_steps;
    budget_.max_string_bytes = limits_.max_output_bytes;
    budget_.max_items = limits_.max_items;
    scope_ = std::make_shared<Scope>();
}

Interpreter::~Interpreter() {
    for (auto& obj : tracked_) obj->release();
}

void Interpreter::track(std::shared_ptr<Object> obj) {
    // Namespaces can form reference cycles (ns.self = ns); they are all released when the render ends.
    // Those nothing else refers to any more are released on the way, so memory stays bounded.
    if (tracked_.size() >= next_sweep_) {
        size_t kept = 0;
        for (auto& o : tracked_) {
            if (o.use_count() == 1) {
                o->release();
                continue;
            }
            tracked_[kept++] = std::move(o);
        }
        tracked_.resize(kept);
        if (kept > kMaxLiveObjects)
            raise_limit("template keeps more than " + std::to_string(kMaxLiveObjects) + " namespaces alive");
        next_sweep_ = std::max<size_t>(1024, kept * 2);
    }
    tracked_.push_back(std::move(obj));
}

std::tm Interpreter::now() const {
    if (clock_) return clock_();
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    localtime_r(&t, &tm);
    return tm;
}

std::string Interpreter::render(const Body& body) {
    Budget* previous = current_budget();
    set_current_budget(&budget_);
    struct Restore {
        Budget* prev;
        ~Restore() { set_current_budget(prev); }
    } restore{previous};
    std::string out;
    exec(body, out);
    return out;
}

void Interpreter::emit(std::string& out, const std::string& s) const {
    if (out.size() + s.size() > limits_.max_output_bytes)
        raise_limit("template output exceeds the limit of " + std::to_string(limits_.max_output_bytes) + " bytes");
    out += s;
}

Value Interpreter::lookup(const std::string& name) const {
    for (const Scope* s = scope_.get(); s; s = s->parent.get()) {
        auto it = s->vars.find(name);
        if (it != s->vars.end()) return it->second;
    }
    if (context_.is_dict()) {
        if (const Value* v = context_.dict_data()->find(Value(name))) return *v;
    }
    if (auto g = find_global(name)) return *g;
    return Value::undefined(name);
}

std::vector<Value> Interpreter::iterate(const Value& v) {
    switch (v.kind()) {
        case Value::Kind::undefined: return {};
        case Value::Kind::list: return v.items();
        case Value::Kind::dict: {
            std::vector<Value> keys;
            keys.reserve(v.dict_data()->size());
            for (const auto& kv : v.dict_data()->items()) keys.push_back(kv.first);
            return keys;
        }
        case Value::Kind::string: {
            std::vector<Value> chars;
            const std::string& s = v.as_string();
            if (is_ascii(s)) {
                for (char c : s) chars.emplace_back(std::string(1, c));
            } else {
                for (char32_t c : utf8_decode(s)) {
                    std::string one;
                    utf8_append(one, c);
                    chars.emplace_back(std::move(one));
                }
            }
            return chars;
        }
        default: throw_type_error("'" + v.type_name() + "' object is not iterable");
    }
}

Value Interpreter::getattr(const Value& obj, const std::string& name) {
    if (obj.is_undefined()) obj.fail_undefined();
    const bool dunder = name.size() > 4 && name.compare(0, 2, "__") == 0 && name.compare(name.size() - 2, 2, "__") == 0;
    if (dunder && !obj.is_object())
        return Value::undefined(name, "access to attribute " + string_repr(name) + " of " +
                                          string_repr(obj.type_name()) + " object is unsafe.");
    if (auto m = builtin_method(obj, name)) return *m;
    if (obj.is_dict()) {
        if (const Value* v = obj.dict_data()->find(Value(name))) return *v;
    } else if (obj.is_object()) {
        if (auto v = obj.object()->get_attr(name)) return *v;
    }
    return Value::undefined(name, string_repr(obj.object_type_repr()) + " has no attribute " + string_repr(name));
}

Value Interpreter::getitem(const Value& obj, const Value& key) {
    if (obj.is_undefined()) obj.fail_undefined();
    if (obj.is_dict()) {
        const bool hashable = !(key.is_dict() || (key.is_list() && !key.is_tuple()));
        if (hashable) {
            if (const Value* v = obj.dict_data()->find(key)) return *v;
        }
    } else if ((obj.is_sequence_list() || obj.is_string()) && key.is_integral()) {
        const int64_t len = obj.is_list() ? static_cast<int64_t>(obj.items().size())
                                          : static_cast<int64_t>(utf8_length(obj.as_string()));
        int64_t i = key.to_int();
        if (i < 0) i += len;
        if (i >= 0 && i < len) {
            if (obj.is_list()) return obj.items()[static_cast<size_t>(i)];
            const std::string& s = obj.as_string();
            if (is_ascii(s)) return Value(std::string(1, s[static_cast<size_t>(i)]));
            std::string one;
            utf8_append(one, utf8_decode(s)[static_cast<size_t>(i)]);
            return Value(std::move(one));
        }
    }
    // jinja2 sandbox: a failed subscript with a string falls back to attribute lookup
    if (key.is_string()) {
        const std::string& name = key.as_string();
        if (auto m = builtin_method(obj, name)) return *m;
        if (obj.is_object()) {
            if (auto v = obj.object()->get_attr(name)) return *v;
        }
        return Value::undefined(name, string_repr(obj.object_type_repr()) + " has no attribute " + string_repr(name));
    }
    return Value::undefined("", obj.object_type_repr() + " has no element " + key.repr());
}

Value Interpreter::call_value(const Value& callee, CallArgs& args) {
    if (callee.is_undefined()) callee.fail_undefined();
    if (!callee.is_callable()) throw_type_error(single_quoted(callee.type_name()) + " object is not callable");
    return callee.object()->call(*this, args);
}

Value Interpreter::apply_filter(const std::string& name, const Value& value, CallArgs& args) {
    FilterFn fn = find_filter(name);
    if (!fn) throw TemplateError(ErrorCode::format_error, "No filter named '" + name + "' found.");
    return fn(*this, value, args);
}

bool Interpreter::apply_test(const std::string& name, const Value& value, CallArgs& args) {
    TestFn fn = find_test(name);
    if (!fn) throw TemplateError(ErrorCode::format_error, "No test named '" + name + "' found.");
    return fn(*this, value, args);
}

void Interpreter::eval_args(const CallArgsExpr& in, CallArgs& out) {
    for (const auto& p : in.positional) out.positional.push_back(eval(*p));
    if (in.dyn_args) {
        for (Value& v : iterate(eval(*in.dyn_args))) out.positional.push_back(std::move(v));
    }
    for (const auto& kw : in.keyword) out.keyword.emplace_back(kw.first, eval(*kw.second));
    if (in.dyn_kwargs) {
        const Value d = eval(*in.dyn_kwargs);
        if (!d.is_dict()) throw_type_error("argument after ** must be a mapping, not " + d.type_name());
        for (const auto& [k, v] : d.dict_data()->items()) {
            if (!k.is_string()) throw_type_error("keywords must be strings");
            out.keyword.emplace_back(k.as_string(), v);
        }
    }
}

Value Interpreter::eval(const Expr& e) {
    DepthGuard guard(*this);
    budget_tick();
    try {
        return eval_impl(e);
    } catch (TemplateError& err) {
        if (err.line == 0) err.line = e.line;
        throw;
    }
}

Value Interpreter::eval_filter_chain(const Expr& f, const Value& block_input) {
    Value input = f.a ? eval_filter_chain(*f.a, block_input) : block_input;
    CallArgs args;
    eval_args(f.args, args);
    if (!f.filter_fn) throw TemplateError(ErrorCode::format_error, "No filter named '" + f.name + "' found.");
    return f.filter_fn(*this, input, args);
}

namespace {

bool compare_op(const std::string& op, const Value& l, const Value& r) {
    if (op == "==") return values_equal(l, r);
    if (op == "!=") return !values_equal(l, r);
    if (op == "in") return value_contains(r, l);
    if (op == "notin") return !value_contains(r, l);
    if (l.is_undefined()) l.fail_undefined();
    if (r.is_undefined()) r.fail_undefined();
    try {
        if (op == "<") return values_less(l, r);
        if (op == ">") return values_less(r, l);
        if (op == "<=") return values_less(l, r) || values_equal(l, r);
        if (op == ">=") return values_less(r, l) || values_equal(l, r);
    } catch (TemplateError& err) {
        // values_less names '<'; Python names the operator actually used
        const std::string prefix = "'<' not supported";
        if (err.message.compare(0, prefix.size(), prefix) == 0) {
            if (op == "<" || op == "<=") {
                err.message = "'" + op + "'" + err.message.substr(3);
            } else {
                err.message = "'" + op + "' not supported between instances of '" + l.type_name() + "' and '" +
                              r.type_name() + "'";
            }
        }
        throw;
    }
    throw TemplateError(ErrorCode::internal, "unknown comparison " + op);
}

}  // namespace

Value Interpreter::eval_impl(const Expr& e) {
    switch (e.kind) {
        case ExprKind::literal: return e.value;
        case ExprKind::name: return lookup(e.name);
        case ExprKind::nsref: throw TemplateError(ErrorCode::internal, "namespace reference used as a value");
        case ExprKind::list:
        case ExprKind::tuple: {
            std::vector<Value> items;
            items.reserve(e.children.size());
            for (const auto& c : e.children) items.push_back(eval(*c));
            return e.kind == ExprKind::tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
        }
        case ExprKind::dict: {
            Value d = Value::dict();
            for (size_t k = 0; k + 1 < e.children.size(); k += 2) {
                Value key = eval(*e.children[k]);
                Value val = eval(*e.children[k + 1]);
                d.dict_data()->set(key, std::move(val));
            }
            return d;
        }
        case ExprKind::getattr: return getattr(eval(*e.a), e.name);
        case ExprKind::getitem: {
            Value obj = eval(*e.a);
            if (e.b->kind == ExprKind::slice) {
                const Expr& s = *e.b;
                Value start = s.a ? eval(*s.a) : Value();
                Value stop = s.b ? eval(*s.b) : Value();
                Value step = s.c ? eval(*s.c) : Value();
                return slice_value(obj, start, stop, step);
            }
            return getitem(obj, eval(*e.b));
        }
        case ExprKind::slice: throw TemplateError(ErrorCode::internal, "slice outside subscript");
        case ExprKind::call: {
            Value callee = eval(*e.a);
            CallArgs args;
            eval_args(e.args, args);
            return call_value(callee, args);
        }
        case ExprKind::filter: {
            Value input = e.a ? eval(*e.a) : Value();
            CallArgs args;
            eval_args(e.args, args);
            if (!e.filter_fn)
                throw TemplateError(ErrorCode::format_error, "No filter named '" + e.name + "' found.");
            return e.filter_fn(*this, input, args);
        }
        case ExprKind::test: {
            Value input = eval(*e.a);
            CallArgs args;
            eval_args(e.args, args);
            if (!e.test_fn) throw TemplateError(ErrorCode::format_error, "No test named '" + e.name + "' found.");
            return Value(e.test_fn(*this, input, args));
        }
        case ExprKind::not_: return Value(!eval(*e.a).truthy());
        case ExprKind::neg:
        case ExprKind::pos: {
            Value v = eval(*e.a);
            if (v.is_undefined()) v.fail_undefined();
            const char* op = e.kind == ExprKind::neg ? "-" : "+";
            if (!v.is_number()) throw_type_error(std::string("bad operand type for unary ") + op + ": '" + v.type_name() + "'");
            if (e.kind == ExprKind::pos) return v.is_bool() ? Value(v.to_int()) : v;
            if (v.is_float()) return Value(-v.as_float());
            return Value(sub_checked(0, v.to_int()));
        }
        case ExprKind::binary: {
            Value a = eval(*e.a);
            Value b = eval(*e.b);
            return binary_op(e.op, a, b);
        }
        case ExprKind::concat: {
            std::string out;
            for (const auto& c : e.children) {
                out += eval(*c).str();
                budget_check_size(out.size());
            }
            return Value(std::move(out));
        }
        case ExprKind::compare: {
            Value left = eval(*e.a);
            for (size_t k = 0; k < e.ops.size(); ++k) {
                Value right = eval(*e.children[k]);
                if (!compare_op(e.ops[k], left, right)) return Value(false);
                left = std::move(right);
            }
            return Value(true);
        }
        case ExprKind::and_: {
            Value l = eval(*e.a);
            if (!l.truthy()) return l;
            return eval(*e.b);
        }
        case ExprKind::or_: {
            Value l = eval(*e.a);
            if (l.truthy()) return l;
            return eval(*e.b);
        }
        case ExprKind::cond: {
            if (eval(*e.b).truthy()) return eval(*e.a);
            if (e.c) return eval(*e.c);
            return Value::undefined("", "the inline if-expression on line " + std::to_string(e.line) +
                                            " evaluated to false and no else section was defined.");
        }
    }
    throw TemplateError(ErrorCode::internal, "unknown expression kind");
}

void Interpreter::assign(const Expr& target, const Value& value) {
    if (target.kind == ExprKind::name) {
        scope_->vars[target.name] = value;
        return;
    }
    if (target.kind == ExprKind::nsref) {
        Value ns = lookup(target.name);
        if (!ns.is_namespace())
            throw TemplateError(ErrorCode::format_error, "cannot assign attribute on non-namespace object");
        ns.object()->set_attr(target.op, value);
        return;
    }
    if (target.kind == ExprKind::tuple) {
        std::vector<Value> items = iterate(value);
        const size_t n = target.children.size();
        if (items.size() > n) throw_value_error("too many values to unpack (expected " + std::to_string(n) + ")");
        if (items.size() < n)
            throw_value_error("not enough values to unpack (expected " + std::to_string(n) + ", got " +
                              std::to_string(items.size()) + ")");
        for (size_t k = 0; k < n; ++k) assign(*target.children[k], items[k]);
        return;
    }
    throw TemplateError(ErrorCode::internal, "invalid assignment target");
}

std::string Interpreter::render_scoped(const Body& body) {
    auto saved = scope_;
    scope_ = std::make_shared<Scope>();
    scope_->parent = saved;
    struct Restore {
        Interpreter& in;
        std::shared_ptr<Scope> s;
        ~Restore() { in.scope_ = s; }
    } restore{*this, saved};
    std::string out;
    exec(body, out);
    return out;
}

Interpreter::Flow Interpreter::exec(const Body& body, std::string& out) {
    for (const auto& s : body) {
        const Flow f = exec_stmt(*s, out);
        if (f != Flow::normal) return f;
    }
    return Flow::normal;
}

Value Interpreter::invoke_macro(const Stmt& def, std::shared_ptr<Scope> closure, CallArgs& args) {
    if (macro_depth_ >= limits_.max_macro_depth)
        raise_limit("macro calls nested deeper than " + std::to_string(limits_.max_macro_depth));
    const std::string& mname = def.name;
    const size_t n = def.params.size();
    auto scope = std::make_shared<Scope>();
    scope->parent = closure;

    std::vector<std::optional<Value>> bound(n);
    for (size_t k = 0; k < n && k < args.positional.size(); ++k) bound[k] = args.positional[k];
    auto take_kw = [&](const std::string& key) -> std::optional<Value> {
        for (auto it = args.keyword.begin(); it != args.keyword.end(); ++it) {
            if (it->first == key) {
                Value v = it->second;
                args.keyword.erase(it);
                return v;
            }
        }
        return std::nullopt;
    };
    bool found_caller = false;
    for (size_t k = args.positional.size(); k < n; ++k) {
        bound[k] = take_kw(def.params[k]);
        if (def.params[k] == "caller") found_caller = true;
    }
    if (def.uses_caller && !found_caller) {
        auto c = take_kw("caller");
        scope->vars["caller"] = c ? *c : Value::undefined("caller", "No caller defined");
    }
    if (def.uses_kwargs) {
        Value kw = Value::dict();
        for (auto& [k, v] : args.keyword) kw.dict_data()->set(Value(k), v);
        scope->vars["kwargs"] = kw;
    } else if (!args.keyword.empty()) {
        for (const auto& kv : args.keyword)
            if (kv.first == "caller")
                throw_type_error("macro " + string_repr(mname) +
                                 " was invoked with two values for the special caller argument. This is most "
                                 "likely a bug.");
        throw_type_error("macro " + string_repr(mname) + " takes no keyword argument " +
                         string_repr(args.keyword.front().first));
    }
    if (def.uses_varargs) {
        std::vector<Value> extra;
        for (size_t k = n; k < args.positional.size(); ++k) extra.push_back(args.positional[k]);
        scope->vars["varargs"] = Value::tuple(std::move(extra));
    } else if (args.positional.size() > n) {
        throw_type_error("macro " + string_repr(mname) + " takes not more than " + std::to_string(n) +
                         " argument(s)");
    }

    auto saved = scope_;
    scope_ = scope;
    ++macro_depth_;
    struct Restore {
        Interpreter& in;
        std::shared_ptr<Scope> s;
        ~Restore() {
            in.scope_ = s;
            --in.macro_depth_;
        }
    } restore{*this, saved};

    const size_t first_default = n - def.defaults.size();
    for (size_t k = 0; k < n; ++k) {
        if (bound[k]) {
            scope->vars[def.params[k]] = *bound[k];
        } else if (k >= first_default) {
            scope->vars[def.params[k]] = eval(*def.defaults[k - first_default]);
        } else {
            scope->vars[def.params[k]] =
                Value::undefined(def.params[k], "parameter " + string_repr(def.params[k]) + " was not provided");
        }
    }
    std::string out;
    exec(def.body, out);
    return Value(std::move(out));
}

std::string Interpreter::run_loop(const Stmt& stmt, const Value& iterable, int depth,
                                  std::shared_ptr<Scope> closure) {  // by value: scope_ is reassigned below
    auto saved = scope_;
    scope_ = closure;
    struct Restore {
        Interpreter& in;
        std::shared_ptr<Scope> s;
        ~Restore() { in.scope_ = s; }
    } restore{*this, saved};

    std::vector<Value> items = iterate(iterable);
    if (stmt.filter) {
        std::vector<Value> kept;
        for (Value& item : items) {
            budget_tick();
            auto probe = std::make_shared<Scope>();
            probe->parent = closure;
            scope_ = probe;
            assign(*stmt.target, item);
            if (eval(*stmt.filter).truthy()) kept.push_back(std::move(item));
        }
        scope_ = closure;
        items = std::move(kept);
    }
    auto loop = std::make_shared<LoopContext>();
    loop->items = std::move(items);
    loop->depth = depth;
    loop->stmt = &stmt;
    loop->closure = closure;
    const Value loop_value{std::shared_ptr<Object>(loop)};

    std::string out;
    // jinja2 runs the else block unless some iteration reached the end of the body (so a break or
    // continue in every iteration still runs it).
    bool body_completed = false;
    for (size_t k = 0; k < loop->items.size(); ++k) {
        budget_tick();
        loop->index0 = k;
        auto iter_scope = std::make_shared<Scope>();
        iter_scope->parent = closure;
        scope_ = iter_scope;
        assign(*stmt.target, loop->items[k]);
        iter_scope->vars["loop"] = loop_value;
        const Flow f = exec(stmt.body, out);
        if (f == Flow::normal) body_completed = true;
        if (f == Flow::break_) break;
    }
    loop->last_changed = Value();  // may reference the loop itself (loop.changed(loop))
    if (!body_completed && !stmt.else_body.empty()) {
        auto else_scope = std::make_shared<Scope>();
        else_scope->parent = closure;
        scope_ = else_scope;
        exec(stmt.else_body, out);
    }
    return out;
}

Interpreter::Flow Interpreter::exec_stmt(const Stmt& s, std::string& out) {
    DepthGuard guard(*this);
    budget_tick();
    try {
        switch (s.kind) {
            case StmtKind::text: emit(out, s.text); return Flow::normal;
            case StmtKind::output: emit(out, eval(*s.expr).str()); return Flow::normal;
            case StmtKind::if_: {
                for (const auto& br : s.branches) {
                    if (eval(*br.test).truthy()) return exec(br.body, out);
                }
                return exec(s.else_body, out);
            }
            case StmtKind::for_: {
                const Value iterable = eval(*s.expr);
                emit(out, run_loop(s, iterable, 1, scope_));
                return Flow::normal;
            }
            case StmtKind::set: assign(*s.target, eval(*s.expr)); return Flow::normal;
            case StmtKind::set_block: {
                Value v(render_scoped(s.body));
                if (s.filter) v = eval_filter_chain(*s.filter, v);
                assign(*s.target, v);
                return Flow::normal;
            }
            case StmtKind::macro: {
                auto m = std::make_shared<Macro>(&s, scope_);
                scope_->vars[s.name] = Value(std::shared_ptr<Object>(m));
                return Flow::normal;
            }
            case StmtKind::call_block: {
                auto caller = std::make_shared<Macro>(&s, scope_);
                const Expr& call = *s.expr;
                Value callee = eval(*call.a);
                CallArgs args;
                eval_args(call.args, args);
                args.keyword.emplace_back("caller", Value(std::shared_ptr<Object>(caller)));
                emit(out, call_value(callee, args).str());
                return Flow::normal;
            }
            case StmtKind::filter_block: {
                Value v(render_scoped(s.body));
                emit(out, eval_filter_chain(*s.filter, v).str());
                return Flow::normal;
            }
            case StmtKind::with: {
                std::vector<Value> values;
                for (const auto& v : s.values) values.push_back(eval(*v));
                auto saved = scope_;
                scope_ = std::make_shared<Scope>();
                scope_->parent = saved;
                struct Restore {
                    Interpreter& in;
                    std::shared_ptr<Scope> sc;
                    ~Restore() { in.scope_ = sc; }
                } restore{*this, saved};
                for (size_t k = 0; k < s.targets.size(); ++k) assign(*s.targets[k], values[k]);
                return exec(s.body, out);
            }
            case StmtKind::scope: emit(out, render_scoped(s.body)); return Flow::normal;
            case StmtKind::break_: return Flow::break_;
            case StmtKind::continue_: return Flow::continue_;
        }
    } catch (TemplateError& err) {
        if (err.line == 0) err.line = s.line;
        throw;
    }
    return Flow::normal;
}

}  // namespace tessera::chat
