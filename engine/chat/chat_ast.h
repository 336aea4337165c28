#pragma once
// Syntax tree of a parsed chat template (the subset of jinja2's nodes.py that templates use).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/chat/chat_value.h"

namespace tessera::chat {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

// A filter or test implementation (chat_builtins.cpp). Filters return the new value; tests a bool.
using FilterFn = Value (*)(Interpreter& interp, const Value& value, CallArgs& args);
using TestFn = bool (*)(Interpreter& interp, const Value& value, CallArgs& args);

enum class ExprKind {
    literal,   // value
    name,      // name
    nsref,     // name.op (assignment target `ns.attr` only)
    list,      // children
    tuple,     // children
    dict,      // children: key0, value0, key1, value1, ...
    getattr,   // a.name
    getitem,   // a[b]
    slice,     // a:b:c inside [], each may be null
    call,      // a(args)
    filter,    // a|name(args); a is null inside a filter block / block set (the body text)
    test,      // a is name(args)
    not_,      // not a
    neg,       // -a
    pos,       // +a
    binary,    // a op b, op in + - * / // % **
    concat,    // children joined with ~
    compare,   // a ops[0] children[0] ops[1] children[1] ...; ops in == != < <= > >= in notin
    and_,      // a and b
    or_,       // a or b
    cond,      // a if b else c (c may be null)
};

struct CallArgsExpr {
    std::vector<ExprPtr> positional;
    std::vector<std::pair<std::string, ExprPtr>> keyword;
    ExprPtr dyn_args;    // *args
    ExprPtr dyn_kwargs;  // **kwargs
};

struct Expr {
    ExprKind kind = ExprKind::literal;
    int line = 0;
    int column = 0;
    int depth = 1;     // height of this subtree (bounded by the parser against stack exhaustion)
    Value value;       // literal
    std::string name;  // name, getattr attribute, filter/test name, nsref namespace
    std::string op;    // binary operator, nsref attribute
    ExprPtr a, b, c;
    std::vector<ExprPtr> children;
    std::vector<std::string> ops;
    CallArgsExpr args;
    FilterFn filter_fn = nullptr;  // resolved at parse time; null: unknown (fails when reached)
    TestFn test_fn = nullptr;
};

enum class StmtKind {
    text,          // text
    output,        // {{ expr }}
    if_,           // branches (test, body) + else_body
    for_,          // target in expr [if filter] body else_body
    set,           // target = expr
    set_block,     // {% set target | filter %}body{% endset %}
    macro,         // name(params=defaults) body
    call_block,    // {% call(params) expr %}body{% endcall %}
    filter_block,  // {% filter filter %}body{% endfilter %}
    with,          // {% with targets = values %}body{% endwith %}
    scope,         // body in its own scope ({% generation %}, {% autoescape %})
    break_,
    continue_,
};

struct IfBranch {
    ExprPtr test;
    Body body;
};

struct Stmt {
    StmtKind kind = StmtKind::text;
    int line = 0;
    std::string text;
    ExprPtr expr;    // output value, set value, for iterable, call-block call
    ExprPtr target;  // set / for target (name, tuple of names, nsref)
    ExprPtr filter;  // for: `if` condition; set_block / filter_block: filter chain
    std::vector<IfBranch> branches;
    Body body;
    Body else_body;
    bool recursive = false;
    // macro and call block
    std::string name;
    std::vector<std::string> params;
    std::vector<ExprPtr> defaults;  // aligned to the last defaults.size() params
    bool uses_caller = false;
    bool uses_varargs = false;
    bool uses_kwargs = false;
    // with
    std::vector<ExprPtr> targets;
    std::vector<ExprPtr> values;
};

}  // namespace tessera::chat
