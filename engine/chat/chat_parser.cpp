#include "engine/chat/chat_parser.h"

#include <algorithm>
#include <initializer_list>

#include "engine/chat/chat_builtins.h"

namespace tessera::chat {

namespace {

std::string describe_token(const Token& t) {
    switch (t.type) {
        case TokenType::name: return t.text;
        case TokenType::op: return t.text;
        case TokenType::string: return "string";
        case TokenType::integer: return "integer";
        case TokenType::floating: return "float";
        case TokenType::data: return "template data / text";
        case TokenType::variable_begin: return "begin of print statement";
        case TokenType::variable_end: return "end of print statement";
        case TokenType::block_begin: return "begin of statement block";
        case TokenType::block_end: return "end of statement block";
        case TokenType::eof: return "end of template";
    }
    return "?";
}

// Does the subtree load any of these names? (jinja2 find_undeclared for caller/varargs/kwargs)
bool expr_loads(const Expr* e, const std::string& name);
bool body_loads(const Body& body, const std::string& name);

bool args_load(const CallArgsExpr& a, const std::string& name) {
    for (const auto& p : a.positional)
        if (expr_loads(p.get(), name)) return true;
    for (const auto& kw : a.keyword)
        if (expr_loads(kw.second.get(), name)) return true;
    return expr_loads(a.dyn_args.get(), name) || expr_loads(a.dyn_kwargs.get(), name);
}

bool expr_loads(const Expr* e, const std::string& name) {
    if (!e) return false;
    if (e->kind == ExprKind::name && e->name == name) return true;
    if (expr_loads(e->a.get(), name) || expr_loads(e->b.get(), name) || expr_loads(e->c.get(), name)) return true;
    for (const auto& c : e->children)
        if (expr_loads(c.get(), name)) return true;
    return args_load(e->args, name);
}

bool body_loads(const Body& body, const std::string& name) {
    for (const auto& s : body) {
        if (expr_loads(s->expr.get(), name) || expr_loads(s->filter.get(), name)) return true;
        for (const auto& br : s->branches)
            if (expr_loads(br.test.get(), name) || body_loads(br.body, name)) return true;
        if (body_loads(s->body, name) || body_loads(s->else_body, name)) return true;
        for (const auto& d : s->defaults)
            if (expr_loads(d.get(), name)) return true;
        for (const auto& v : s->values)
            if (expr_loads(v.get(), name)) return true;
    }
    return false;
}

class Parser {
public:
    Parser(std::vector<Token> tokens, const ParserOptions& options) : t_(std::move(tokens)), opt_(options) {}

    Body parse() {
        Body body = subparse({});
        if (cur().type != TokenType::eof) fail("unexpected '" + describe_token(cur()) + "'");
        return body;
    }

private:
    std::vector<Token> t_;
    ParserOptions opt_;
    size_t i_ = 0;
    int nesting_ = 0;
    bool soft_ = false;  // inside if / conditional expression: unknown filters fail only when reached
    int loop_depth_ = 0;
    std::vector<std::string> tag_stack_;
    std::vector<std::vector<std::string>> end_token_stack_;

    // ---- token stream ----
    const Token& cur() const { return t_[i_]; }
    const Token& look() const { return t_[std::min(i_ + 1, t_.size() - 1)]; }
    void next() {
        if (i_ + 1 < t_.size()) ++i_;
    }
    bool is_op(const char* op) const { return cur().type == TokenType::op && cur().text == op; }
    bool is_name(const char* n) const { return cur().type == TokenType::name && cur().text == n; }
    bool skip_op(const char* op) {
        if (!is_op(op)) return false;
        next();
        return true;
    }
    bool skip_name(const char* n) {
        if (!is_name(n)) return false;
        next();
        return true;
    }

    [[noreturn]] void fail(const std::string& message) const { fail_at(message, cur().line, cur().column); }
    [[noreturn]] static void fail_at(const std::string& message, int line, int column) {
        TemplateError e(ErrorCode::format_error,
                        "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message);
        e.line = line;
        throw e;
    }
    [[noreturn]] void fail_expected(const std::string& what) const {
        fail("expected token '" + what + "', got '" + describe_token(cur()) + "'");
    }

    void expect_op(const char* op) {
        if (!is_op(op)) fail_expected(op);
        next();
    }
    void expect(TokenType type) {
        if (cur().type != type) {
            Token t;
            t.type = type;
            fail_expected(describe_token(t));
        }
        next();
    }
    std::string expect_name() {
        if (cur().type != TokenType::name) fail_expected("name");
        std::string n = cur().text;
        next();
        return n;
    }

    struct DepthGuard {
        Parser& p;
        explicit DepthGuard(Parser& parser) : p(parser) {
            if (++p.nesting_ > p.opt_.max_nesting)
                p.fail("template nesting exceeds the limit of " + std::to_string(p.opt_.max_nesting));
        }
        ~DepthGuard() { --p.nesting_; }
    };

    ExprPtr node(ExprKind kind, const Token& at) const {
        auto e = std::make_unique<Expr>();
        e->kind = kind;
        e->line = at.line;
        e->column = at.column;
        return e;
    }
    // Records the subtree height; evaluation recursion follows it, so it is bounded here.
    ExprPtr finish(ExprPtr e) const {
        int d = 0;
        for (const Expr* c : {e->a.get(), e->b.get(), e->c.get()})
            if (c) d = std::max(d, c->depth);
        for (const auto& c : e->children) d = std::max(d, c->depth);
        for (const auto& c : e->args.positional) d = std::max(d, c->depth);
        for (const auto& kw : e->args.keyword) d = std::max(d, kw.second->depth);
        if (e->args.dyn_args) d = std::max(d, e->args.dyn_args->depth);
        if (e->args.dyn_kwargs) d = std::max(d, e->args.dyn_kwargs->depth);
        e->depth = d + 1;
        if (e->depth > opt_.max_nesting * 2)
            fail_at("expression nesting exceeds the limit of " + std::to_string(opt_.max_nesting * 2), e->line,
                    e->column);
        return e;
    }

    // jinja2 rejects unknown filters/tests when compiling, except inside `if` and conditional expressions.
    void check_unknown(const Expr* e, bool soft) const {
        if (!e) return;
        if (e->kind == ExprKind::cond) soft = true;
        if (!soft && e->kind == ExprKind::filter && !e->filter_fn)
            fail_at("No filter named '" + e->name + "'.", e->line, e->column);
        if (!soft && e->kind == ExprKind::test && !e->test_fn)
            fail_at("No test named '" + e->name + "'.", e->line, e->column);
        check_unknown(e->a.get(), soft);
        check_unknown(e->b.get(), soft);
        check_unknown(e->c.get(), soft);
        for (const auto& c : e->children) check_unknown(c.get(), soft);
        for (const auto& c : e->args.positional) check_unknown(c.get(), soft);
        for (const auto& kw : e->args.keyword) check_unknown(kw.second.get(), soft);
        check_unknown(e->args.dyn_args.get(), soft);
        check_unknown(e->args.dyn_kwargs.get(), soft);
    }
    ExprPtr top(ExprPtr e) const {
        check_unknown(e.get(), soft_);
        return e;
    }

    // ---- statements ----

    Body subparse(const std::vector<std::string>& end_tokens) {
        Body body;
        if (!end_tokens.empty()) end_token_stack_.push_back(end_tokens);
        while (cur().type != TokenType::eof) {
            const Token& tok = cur();
            if (tok.type == TokenType::data) {
                auto s = std::make_unique<Stmt>();
                s->kind = StmtKind::text;
                s->line = tok.line;
                s->text = tok.text;
                body.push_back(std::move(s));
                next();
            } else if (tok.type == TokenType::variable_begin) {
                next();
                auto s = std::make_unique<Stmt>();
                s->kind = StmtKind::output;
                s->line = cur().line;
                s->expr = top(parse_tuple(false, true, {}, false, false));
                expect(TokenType::variable_end);
                body.push_back(std::move(s));
            } else if (tok.type == TokenType::block_begin) {
                next();
                if (cur().type == TokenType::name &&
                    std::find(end_tokens.begin(), end_tokens.end(), cur().text) != end_tokens.end()) {
                    end_token_stack_.pop_back();
                    return body;
                }
                body.push_back(parse_statement());
                expect(TokenType::block_end);
            } else {
                fail("internal parsing error");
            }
        }
        if (!end_tokens.empty()) end_token_stack_.pop_back();
        return body;
    }

    [[noreturn]] void fail_eof(const std::vector<std::string>& end_tokens) const {
        std::string msg = "Unexpected end of template. Jinja was looking for the following tags: ";
        for (size_t k = 0; k < end_tokens.size(); ++k) {
            if (k) msg += " or ";
            msg += "'" + end_tokens[k] + "'";
        }
        msg += ".";
        if (!tag_stack_.empty()) msg += " The innermost block that needs to be closed is '" + tag_stack_.back() + "'.";
        fail(msg);
    }

    Body parse_statements(const std::vector<std::string>& end_tokens, bool drop_needle) {
        skip_op(":");
        expect(TokenType::block_end);
        Body body = subparse(end_tokens);
        if (cur().type == TokenType::eof) fail_eof(end_tokens);
        if (drop_needle) next();
        return body;
    }

    StmtPtr make_stmt(StmtKind kind, int line) {
        auto s = std::make_unique<Stmt>();
        s->kind = kind;
        s->line = line;
        return s;
    }

    StmtPtr parse_statement() {
        DepthGuard guard(*this);
        if (cur().type != TokenType::name) fail("tag name expected");
        const std::string tag = cur().text;
        const int line = cur().line;
        tag_stack_.push_back(tag);
        StmtPtr s;
        if (tag == "if") s = parse_if();
        else if (tag == "for") s = parse_for();
        else if (tag == "set") s = parse_set();
        else if (tag == "macro") s = parse_macro();
        else if (tag == "call") s = parse_call_block();
        else if (tag == "filter") s = parse_filter_block();
        else if (tag == "with") s = parse_with();
        else if (tag == "print") s = parse_print();
        else if (tag == "autoescape" || tag == "generation") {
            next();
            if (tag == "autoescape") top(parse_expression(true));
            s = make_stmt(StmtKind::scope, line);
            ScopeReset reset(*this, false);
            s->body = parse_statements({"end" + tag}, true);
        } else if (tag == "break" || tag == "continue") {
            if (loop_depth_ == 0) fail("'" + tag + "' outside loop");
            next();
            s = make_stmt(tag == "break" ? StmtKind::break_ : StmtKind::continue_, line);
        } else if (tag == "include" || tag == "import" || tag == "from" || tag == "extends" || tag == "block") {
            TemplateError e(ErrorCode::unsupported, "line " + std::to_string(line) + ", column " +
                                                        std::to_string(cur().column) + ": the '" + tag +
                                                        "' tag is not supported (chat templates are standalone)");
            e.line = line;
            throw e;
        } else {
            tag_stack_.pop_back();
            std::string msg = "Encountered unknown tag '" + tag + "'.";
            if (!end_token_stack_.empty()) {
                msg += " Jinja was looking for the following tags: ";
                const auto& want = end_token_stack_.back();
                for (size_t k = 0; k < want.size(); ++k) {
                    if (k) msg += " or ";
                    msg += "'" + want[k] + "'";
                }
                msg += ".";
                if (!tag_stack_.empty())
                    msg += " The innermost block that needs to be closed is '" + tag_stack_.back() + "'.";
            }
            fail(msg);
        }
        tag_stack_.pop_back();
        return s;
    }

    // Save/restore of the frame flags around bodies that get their own frame in jinja2.
    struct ScopeReset {
        Parser& p;
        bool soft;
        int loops;
        ScopeReset(Parser& parser, bool keep_loops) : p(parser), soft(parser.soft_), loops(parser.loop_depth_) {
            p.soft_ = false;
            if (!keep_loops) p.loop_depth_ = 0;
        }
        ~ScopeReset() {
            p.soft_ = soft;
            p.loop_depth_ = loops;
        }
    };

    StmtPtr parse_if() {
        auto s = make_stmt(StmtKind::if_, cur().line);
        next();
        const bool saved = soft_;
        soft_ = true;
        for (;;) {
            IfBranch br;
            br.test = top(parse_tuple(false, false, {}, false, false));
            br.body = parse_statements({"elif", "else", "endif"}, false);
            s->branches.push_back(std::move(br));
            const std::string t = cur().text;
            next();
            if (t == "elif") continue;
            if (t == "else") s->else_body = parse_statements({"endif"}, true);
            break;
        }
        soft_ = saved;
        return s;
    }

    StmtPtr parse_for() {
        auto s = make_stmt(StmtKind::for_, cur().line);
        next();
        s->target = parse_assign_target(true, false, {"in"}, false);
        if (!skip_name("in")) fail_expected("in");
        s->expr = top(parse_tuple(false, false, {"recursive"}, false, false));
        {
            ScopeReset reset(*this, true);
            if (skip_name("if")) s->filter = top(parse_expression(true));
        }
        s->recursive = skip_name("recursive");
        {
            ScopeReset reset(*this, true);
            ++loop_depth_;
            s->body = parse_statements({"endfor", "else"}, false);
        }
        const std::string t = cur().text;
        next();
        if (t == "else") {
            ScopeReset reset(*this, true);
            s->else_body = parse_statements({"endfor"}, true);
        }
        return s;
    }

    StmtPtr parse_set() {
        const int line = cur().line;
        next();
        ExprPtr target = parse_assign_target(true, false, {}, true);
        if (skip_op("=")) {
            auto s = make_stmt(StmtKind::set, line);
            s->target = std::move(target);
            s->expr = top(parse_tuple(false, true, {}, false, false));
            return s;
        }
        auto s = make_stmt(StmtKind::set_block, line);
        s->target = std::move(target);
        s->filter = parse_filter(nullptr, false);
        if (s->filter) top_chain(s->filter.get());
        ScopeReset reset(*this, true);
        s->body = parse_statements({"endset"}, true);
        return s;
    }

    void top_chain(const Expr* f) const { check_unknown(f, soft_); }

    void parse_signature(Stmt& s) {
        expect_op("(");
        while (!is_op(")")) {
            if (!s.params.empty()) expect_op(",");
            std::string name = expect_name();
            if (skip_op("=")) {
                s.defaults.push_back(top(parse_expression(true)));
            } else if (!s.defaults.empty()) {
                fail("non-default argument follows default argument");
            }
            s.params.push_back(std::move(name));
        }
        expect_op(")");
    }

    void set_macro_flags(Stmt& s) {
        s.uses_caller = body_loads(s.body, "caller");
        s.uses_varargs = body_loads(s.body, "varargs");
        s.uses_kwargs = body_loads(s.body, "kwargs");
        for (const auto& d : s.defaults) {
            s.uses_caller = s.uses_caller || expr_loads(d.get(), "caller");
            s.uses_varargs = s.uses_varargs || expr_loads(d.get(), "varargs");
            s.uses_kwargs = s.uses_kwargs || expr_loads(d.get(), "kwargs");
        }
    }

    StmtPtr parse_macro() {
        auto s = make_stmt(StmtKind::macro, cur().line);
        next();
        s->name = expect_name();
        ScopeReset reset(*this, false);
        parse_signature(*s);
        s->body = parse_statements({"endmacro"}, true);
        set_macro_flags(*s);
        return s;
    }

    StmtPtr parse_call_block() {
        auto s = make_stmt(StmtKind::call_block, cur().line);
        next();
        {
            ScopeReset reset(*this, false);
            if (is_op("(")) parse_signature(*s);
        }
        s->expr = top(parse_expression(true));
        if (s->expr->kind != ExprKind::call) fail_at("expected call", s->line, s->expr->column);
        ScopeReset reset(*this, false);
        s->body = parse_statements({"endcall"}, true);
        s->name = "caller";
        set_macro_flags(*s);
        return s;
    }

    StmtPtr parse_filter_block() {
        auto s = make_stmt(StmtKind::filter_block, cur().line);
        next();
        s->filter = parse_filter(nullptr, true);
        top_chain(s->filter.get());
        ScopeReset reset(*this, true);
        s->body = parse_statements({"endfilter"}, true);
        return s;
    }

    StmtPtr parse_with() {
        auto s = make_stmt(StmtKind::with, cur().line);
        next();
        while (cur().type != TokenType::block_end) {
            if (!s->targets.empty()) expect_op(",");
            s->targets.push_back(parse_assign_target(true, false, {}, false));
            expect_op("=");
            s->values.push_back(top(parse_expression(true)));
        }
        ScopeReset reset(*this, true);
        s->body = parse_statements({"endwith"}, true);
        return s;
    }

    StmtPtr parse_print() {
        // {% print a, b %} is one output per expression
        auto s = make_stmt(StmtKind::scope, cur().line);
        next();
        bool first = true;
        while (cur().type != TokenType::block_end) {
            if (!first) expect_op(",");
            first = false;
            auto out = make_stmt(StmtKind::output, cur().line);
            out->expr = top(parse_expression(true));
            s->body.push_back(std::move(out));
        }
        return s;
    }

    // ---- expressions ----

    ExprPtr parse_assign_target(bool with_tuple, bool name_only, const std::vector<std::string>& extra_end,
                                bool with_namespace) {
        ExprPtr target;
        if (name_only) {
            target = node(ExprKind::name, cur());
            target->name = expect_name();
        } else if (with_tuple) {
            target = parse_tuple(true, true, extra_end, false, with_namespace);
        } else {
            target = parse_primary(with_namespace);
        }
        check_assignable(*target);
        return target;
    }

    void check_assignable(const Expr& e) const {
        if (e.kind == ExprKind::name || e.kind == ExprKind::nsref) {
            if (e.kind == ExprKind::name &&
                (e.name == "true" || e.name == "false" || e.name == "none" || e.name == "True" ||
                 e.name == "False" || e.name == "None"))
                fail_at("can't assign to 'const'", e.line, e.column);
            return;
        }
        if (e.kind == ExprKind::tuple) {
            for (const auto& c : e.children) check_assignable(*c);
            return;
        }
        const char* what = e.kind == ExprKind::literal ? "const" : e.kind == ExprKind::list ? "list" : "expression";
        fail_at(std::string("can't assign to '") + what + "'", e.line, e.column);
    }

    bool is_tuple_end(const std::vector<std::string>& extra_end) const {
        const Token& t = cur();
        if (t.type == TokenType::variable_end || t.type == TokenType::block_end || t.type == TokenType::eof)
            return true;
        if (t.type == TokenType::op && t.text == ")") return true;
        if (t.type == TokenType::name)
            for (const auto& n : extra_end)
                if (t.text == n) return true;
        return false;
    }

    ExprPtr parse_tuple(bool simplified, bool with_condexpr, const std::vector<std::string>& extra_end,
                        bool explicit_parentheses, bool with_namespace) {
        const Token start = cur();
        std::vector<ExprPtr> args;
        bool is_tuple = false;
        for (;;) {
            if (!args.empty()) expect_op(",");
            if (is_tuple_end(extra_end)) break;
            args.push_back(simplified ? parse_primary(with_namespace) : parse_expression(with_condexpr));
            if (is_op(",")) {
                is_tuple = true;
            } else {
                break;
            }
        }
        if (!is_tuple) {
            if (!args.empty()) return std::move(args[0]);
            if (!explicit_parentheses) fail("Expected an expression, got '" + describe_token(cur()) + "'");
        }
        auto e = node(ExprKind::tuple, start);
        e->children = std::move(args);
        return finish(std::move(e));
    }

    ExprPtr parse_expression(bool with_condexpr) {
        DepthGuard guard(*this);
        return with_condexpr ? parse_condexpr() : parse_or();
    }

    ExprPtr parse_condexpr() {
        ExprPtr expr1 = parse_or();
        while (is_name("if")) {
            const Token at = cur();
            next();
            ExprPtr expr2 = parse_or();
            ExprPtr expr3;
            if (skip_name("else")) expr3 = parse_condexpr();
            auto e = node(ExprKind::cond, at);
            e->line = expr1->line;
            e->a = std::move(expr1);
            e->b = std::move(expr2);
            e->c = std::move(expr3);
            expr1 = finish(std::move(e));
        }
        return expr1;
    }

    ExprPtr binary(ExprKind kind, ExprPtr left, ExprPtr right, const Token& at, std::string op = {}) {
        auto e = node(kind, at);
        e->line = left->line;
        e->op = std::move(op);
        e->a = std::move(left);
        e->b = std::move(right);
        return finish(std::move(e));
    }

    ExprPtr parse_or() {
        ExprPtr left = parse_and();
        while (is_name("or")) {
            const Token at = cur();
            next();
            left = binary(ExprKind::or_, std::move(left), parse_and(), at);
        }
        return left;
    }

    ExprPtr parse_and() {
        ExprPtr left = parse_not();
        while (is_name("and")) {
            const Token at = cur();
            next();
            left = binary(ExprKind::and_, std::move(left), parse_not(), at);
        }
        return left;
    }

    ExprPtr parse_not() {
        if (is_name("not")) {
            DepthGuard guard(*this);
            auto e = node(ExprKind::not_, cur());
            next();
            e->a = parse_not();
            return finish(std::move(e));
        }
        return parse_compare();
    }

    ExprPtr parse_compare() {
        ExprPtr expr = parse_math1();
        ExprPtr cmp;
        for (;;) {
            std::string op;
            if (cur().type == TokenType::op &&
                (cur().text == "==" || cur().text == "!=" || cur().text == "<" || cur().text == "<=" ||
                 cur().text == ">" || cur().text == ">=")) {
                op = cur().text;
                next();
            } else if (is_name("in")) {
                op = "in";
                next();
            } else if (is_name("not") && look().type == TokenType::name && look().text == "in") {
                op = "notin";
                next();
                next();
            } else {
                break;
            }
            if (!cmp) {
                cmp = node(ExprKind::compare, cur());
                cmp->line = expr->line;
                cmp->column = expr->column;
                cmp->a = std::move(expr);
            }
            cmp->ops.push_back(op);
            cmp->children.push_back(parse_math1());
        }
        return cmp ? finish(std::move(cmp)) : std::move(expr);
    }

    ExprPtr parse_math1() {
        ExprPtr left = parse_concat();
        while (is_op("+") || is_op("-")) {
            const Token at = cur();
            next();
            left = binary(ExprKind::binary, std::move(left), parse_concat(), at, at.text);
        }
        return left;
    }

    ExprPtr parse_concat() {
        ExprPtr first = parse_math2();
        if (!is_op("~")) return first;
        auto e = node(ExprKind::concat, cur());
        e->line = first->line;
        e->children.push_back(std::move(first));
        while (skip_op("~")) e->children.push_back(parse_math2());
        return finish(std::move(e));
    }

    ExprPtr parse_math2() {
        ExprPtr left = parse_pow();
        while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
            const Token at = cur();
            next();
            left = binary(ExprKind::binary, std::move(left), parse_pow(), at, at.text);
        }
        return left;
    }

    ExprPtr parse_pow() {
        ExprPtr left = parse_unary(true);
        while (is_op("**")) {
            const Token at = cur();
            next();
            left = binary(ExprKind::binary, std::move(left), parse_unary(true), at, "**");
        }
        return left;
    }

    ExprPtr parse_unary(bool with_filter) {
        DepthGuard guard(*this);
        ExprPtr n;
        if (is_op("-") || is_op("+")) {
            n = node(is_op("-") ? ExprKind::neg : ExprKind::pos, cur());
            next();
            n->a = parse_unary(false);
            n = finish(std::move(n));
        } else {
            n = parse_primary(false);
        }
        n = parse_postfix(std::move(n));
        if (with_filter) n = parse_filter_expr(std::move(n));
        return n;
    }

    ExprPtr parse_primary(bool with_namespace) {
        DepthGuard guard(*this);
        const Token tok = cur();
        if (tok.type == TokenType::name) {
            next();
            if (tok.text == "true" || tok.text == "True" || tok.text == "false" || tok.text == "False") {
                auto e = node(ExprKind::literal, tok);
                e->value = Value(tok.text == "true" || tok.text == "True");
                return e;
            }
            if (tok.text == "none" || tok.text == "None") {
                auto e = node(ExprKind::literal, tok);
                e->value = Value();
                return e;
            }
            if (with_namespace && is_op(".")) {
                next();
                auto e = node(ExprKind::nsref, tok);
                e->name = tok.text;
                e->op = expect_name();
                return e;
            }
            auto e = node(ExprKind::name, tok);
            e->name = tok.text;
            return e;
        }
        if (tok.type == TokenType::string) {
            std::string s;
            while (cur().type == TokenType::string) {
                s += cur().text;
                next();
            }
            auto e = node(ExprKind::literal, tok);
            e->value = Value(std::move(s));
            return e;
        }
        if (tok.type == TokenType::integer || tok.type == TokenType::floating) {
            next();
            auto e = node(ExprKind::literal, tok);
            e->value = tok.type == TokenType::integer ? Value(tok.int_value) : Value(tok.float_value);
            return e;
        }
        if (tok.type == TokenType::op && tok.text == "(") {
            next();
            ExprPtr e = parse_tuple(false, true, {}, true, false);
            expect_op(")");
            return e;
        }
        if (tok.type == TokenType::op && tok.text == "[") {
            next();
            auto e = node(ExprKind::list, tok);
            while (!is_op("]")) {
                if (!e->children.empty()) expect_op(",");
                if (is_op("]")) break;
                e->children.push_back(parse_expression(true));
            }
            expect_op("]");
            return finish(std::move(e));
        }
        if (tok.type == TokenType::op && tok.text == "{") {
            next();
            auto e = node(ExprKind::dict, tok);
            while (!is_op("}")) {
                if (!e->children.empty()) expect_op(",");
                if (is_op("}")) break;
                e->children.push_back(parse_expression(true));
                expect_op(":");
                e->children.push_back(parse_expression(true));
            }
            expect_op("}");
            return finish(std::move(e));
        }
        fail("unexpected '" + describe_token(tok) + "'");
    }

    ExprPtr parse_postfix(ExprPtr n) {
        for (;;) {
            if (is_op(".") || is_op("[")) {
                n = parse_subscript(std::move(n));
            } else if (is_op("(")) {
                n = parse_call(std::move(n));
            } else {
                return n;
            }
        }
    }

    ExprPtr parse_filter_expr(ExprPtr n) {
        for (;;) {
            if (is_op("|")) {
                n = parse_filter(std::move(n), false);
            } else if (is_name("is")) {
                n = parse_test(std::move(n));
            } else if (is_op("(")) {
                n = parse_call(std::move(n));
            } else {
                return n;
            }
        }
    }

    ExprPtr parse_subscript(ExprPtr obj) {
        const Token tok = cur();
        next();
        if (tok.text == ".") {
            const Token attr = cur();
            next();
            if (attr.type == TokenType::name) {
                auto e = node(ExprKind::getattr, tok);
                e->a = std::move(obj);
                e->name = attr.text;
                return finish(std::move(e));
            }
            if (attr.type != TokenType::integer) fail_at("expected name or number", attr.line, attr.column);
            auto e = node(ExprKind::getitem, tok);
            e->a = std::move(obj);
            e->b = node(ExprKind::literal, attr);
            e->b->value = Value(attr.int_value);
            return finish(std::move(e));
        }
        std::vector<ExprPtr> args;
        while (!is_op("]")) {
            if (!args.empty()) expect_op(",");
            args.push_back(parse_subscribed());
        }
        expect_op("]");
        auto e = node(ExprKind::getitem, tok);
        e->a = std::move(obj);
        if (args.size() == 1) {
            e->b = std::move(args[0]);
        } else {
            e->b = node(ExprKind::tuple, tok);
            e->b->children = std::move(args);
            e->b = finish(std::move(e->b));
        }
        return finish(std::move(e));
    }

    ExprPtr parse_subscribed() {
        const Token tok = cur();
        ExprPtr start, stop, step;
        if (is_op(":")) {
            next();
        } else {
            ExprPtr n = parse_expression(true);
            if (!is_op(":")) return n;
            next();
            start = std::move(n);
        }
        if (!is_op(":") && !is_op("]") && !is_op(",")) stop = parse_expression(true);
        if (is_op(":")) {
            next();
            if (!is_op("]") && !is_op(",")) step = parse_expression(true);
        }
        auto e = node(ExprKind::slice, tok);
        e->a = std::move(start);
        e->b = std::move(stop);
        e->c = std::move(step);
        return finish(std::move(e));
    }

    void parse_call_args(CallArgsExpr& out) {
        const Token open = cur();
        expect_op("(");
        bool require_comma = false;
        auto ensure = [&](bool ok) {
            if (!ok) fail_at("invalid syntax for function call expression", open.line, open.column);
        };
        while (!is_op(")")) {
            if (require_comma) {
                expect_op(",");
                if (is_op(")")) break;
            }
            if (is_op("*")) {
                ensure(!out.dyn_args && !out.dyn_kwargs);
                next();
                out.dyn_args = parse_expression(true);
            } else if (is_op("**")) {
                ensure(!out.dyn_kwargs);
                next();
                out.dyn_kwargs = parse_expression(true);
            } else if (cur().type == TokenType::name && look().type == TokenType::op && look().text == "=") {
                ensure(!out.dyn_kwargs);
                std::string key = cur().text;
                next();
                next();
                out.keyword.emplace_back(std::move(key), parse_expression(true));
            } else {
                ensure(!out.dyn_args && !out.dyn_kwargs && out.keyword.empty());
                out.positional.push_back(parse_expression(true));
            }
            require_comma = true;
        }
        expect_op(")");
    }

    ExprPtr parse_call(ExprPtr callee) {
        auto e = node(ExprKind::call, cur());
        e->a = std::move(callee);
        parse_call_args(e->args);
        return finish(std::move(e));
    }

    ExprPtr parse_filter(ExprPtr operand, bool start_inline) {
        while (is_op("|") || start_inline) {
            if (!start_inline) next();
            const Token name_tok = cur();
            std::string name = expect_name();
            while (skip_op(".")) name.append(".").append(expect_name());
            auto e = node(ExprKind::filter, name_tok);
            e->a = std::move(operand);
            e->name = name;
            e->filter_fn = find_filter(name);
            if (is_op("(")) parse_call_args(e->args);
            operand = finish(std::move(e));
            start_inline = false;
        }
        return operand;
    }

    ExprPtr parse_test(ExprPtr operand) {
        const Token is_tok = cur();
        next();
        const bool negated = skip_name("not");
        const Token name_tok = cur();
        std::string name = expect_name();
        while (skip_op(".")) name.append(".").append(expect_name());
        auto e = node(ExprKind::test, name_tok);
        e->a = std::move(operand);
        e->name = name;
        e->test_fn = find_test(name);
        const Token& t = cur();
        if (is_op("(")) {
            parse_call_args(e->args);
        } else if ((t.type == TokenType::name || t.type == TokenType::string || t.type == TokenType::integer ||
                    t.type == TokenType::floating || is_op("[") || is_op("{")) &&
                   !is_name("else") && !is_name("or") && !is_name("and")) {
            if (is_name("is")) fail("You cannot chain multiple tests with is");
            ExprPtr arg = parse_primary(false);
            e->args.positional.push_back(parse_postfix(std::move(arg)));
        }
        ExprPtr result = finish(std::move(e));
        if (negated) {
            auto n = node(ExprKind::not_, is_tok);
            n->a = std::move(result);
            result = finish(std::move(n));
        }
        return result;
    }
};

}  // namespace

Body parse_template(std::string_view source, const ParserOptions& options) {
    Parser parser(tokenize(source), options);
    return parser.parse();
}

}  // namespace tessera::chat
