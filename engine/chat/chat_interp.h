#pragma once
// Tree-walking evaluator for parsed chat templates, with jinja2's runtime semantics as transformers
// configures it (ImmutableSandboxedEnvironment, default Undefined, loopcontrols, {% generation %}).
// ref: jinja2 3.1 compiler.py (scoping of for/macro/call/filter/set blocks), runtime.py (LoopContext,
// Macro), sandbox.py (getattr/getitem, unsafe mutating methods, MAX_RANGE).
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/chat/chat_ast.h"
#include "engine/chat/chat_value.h"

namespace tessera::chat {

// The defaults keep a render within ~512 KiB of stack (release build) and ~2 s of CPU.
struct RenderLimits {
    size_t max_output_bytes = 64u << 20;  // also bounds every string value built while rendering
    uint64_t max_steps = 20'000'000;      // evaluation steps (~0.1 us each; a 500-message chat takes ~50k)
    int max_depth = 1000;                 // nested evaluation (expressions, blocks, macro calls together)
    int max_macro_depth = 120;            // nested macro calls
    size_t max_items = 1u << 22;          // elements of one list built by the template
};

// Local time for strftime_now(): tm_year, tm_mon, tm_mday, tm_hour, tm_min, tm_sec are read (weekday
// and day of year are derived from them).
using ChatClock = std::function<std::tm()>;

struct Scope {
    std::unordered_map<std::string, Value> vars;
    std::shared_ptr<Scope> parent;
};

class Interpreter {
public:
    // `context` is the dict of variables passed to render (messages, tools, bos_token, ...).
    Interpreter(const Value& context, const RenderLimits& limits, ChatClock clock);
    ~Interpreter();
    Interpreter(const Interpreter&) = delete;
    Interpreter& operator=(const Interpreter&) = delete;

    // Renders a whole template; throws TemplateError.
    std::string render(const Body& body);

    // ---- used by builtins ----
    Value getattr(const Value& obj, const std::string& name);
    Value getitem(const Value& obj, const Value& key);
    // Python iter(): list items, dict keys, characters; Undefined iterates empty; TypeError otherwise.
    std::vector<Value> iterate(const Value& v);
    Value call_value(const Value& callee, CallArgs& args);
    Value apply_filter(const std::string& name, const Value& value, CallArgs& args);
    bool apply_test(const std::string& name, const Value& value, CallArgs& args);
    std::tm now() const;
    // Objects whose references are dropped when the render ends (namespaces, cyclers).
    void track(std::shared_ptr<Object> obj);
    const RenderLimits& limits() const { return limits_; }

    // ---- used by Macro / LoopContext objects ----
    Value invoke_macro(const Stmt& def, std::shared_ptr<Scope> closure, CallArgs& args);
    std::string run_loop(const Stmt& stmt, const Value& iterable, int depth, std::shared_ptr<Scope> closure);

private:
    enum class Flow { normal, break_, continue_ };

    Value eval(const Expr& e);
    Value eval_impl(const Expr& e);
    void eval_args(const CallArgsExpr& in, CallArgs& out);
    Value eval_filter_chain(const Expr& f, const Value& block_input);
    Value lookup(const std::string& name) const;
    void assign(const Expr& target, const Value& value);
    Flow exec(const Body& body, std::string& out);
    Flow exec_stmt(const Stmt& s, std::string& out);
    std::string render_scoped(const Body& body);
    void emit(std::string& out, const std::string& s) const;

    struct DepthGuard;

    const Value& context_;
    RenderLimits limits_;
    ChatClock clock_;
    Budget budget_;
    std::shared_ptr<Scope> scope_;
    int depth_ = 0;
    int macro_depth_ = 0;
    static constexpr size_t kMaxLiveObjects = 1u << 20;
    std::vector<std::shared_ptr<Object>> tracked_;
    size_t next_sweep_ = 1024;
};

// Python arithmetic on values (+ - * / // % **), unary minus, and `~` (str concat).
Value binary_op(const std::string& op, const Value& a, const Value& b);
// Python slice semantics on list, tuple or str (per code point); start/stop/step may be None.
Value slice_value(const Value& obj, const Value& start, const Value& stop, const Value& step);

}  // namespace tessera::chat
