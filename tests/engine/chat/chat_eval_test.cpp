// Evaluation semantics: loops and loop variables, jinja2 scoping, namespaces, macros and call blocks,
// Python operators, slicing, undefined values, errors. Expected strings were written by hand and
// checked against Python jinja2 3.1 (ImmutableSandboxedEnvironment, as transformers uses it).
#include <gtest/gtest.h>

#include "tests/engine/chat/chat_test_util.h"

namespace tessera::chat {
namespace {

using test::json;
using test::render;
using test::render_status;

struct Case {
    const char* tmpl;
    const char* expected;
};

void check_all(const std::vector<Case>& cases, const json& ctx = json::object()) {
    for (const Case& c : cases) EXPECT_EQ(render(c.tmpl, ctx), c.expected) << "template: " << c.tmpl;
}

const json kMessages = json::parse(R"([
  {"role": "system", "content": "Be brief."},
  {"role": "user", "content": "Hi there"},
  {"role": "assistant", "content": "Hello!"},
  {"role": "user", "content": "Bye"}])");

TEST(ChatEval, LoopVariables) {
    check_all({
        {"{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}|{% endfor %}",
         "1032|2121|3210|"},
        {"{% for x in 'abc' %}{{ loop.first }} {{ loop.last }} {{ loop.length }};{% endfor %}",
         "True False 3;False False 3;False True 3;"},
        {"{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }}-{{ loop.cycle('a', 'b') }},{% endfor %}",
         "-2-a,1-3-b,2--a,"},
        {"{% for x in [1, 1, 2, 3, 3] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}", "123"},
        {"{% for x in [1, 2] %}{{ loop.depth }}{{ loop.depth0 }}{% endfor %}", "1010"},
        {"{% for x in [1, 2, 3, 4, 5] if x is odd %}{{ x }}{{ loop.index }}{{ loop.last }} {% endfor %}",
         "11False 32False 53True "},
        {"{% for x in [] %}a{% else %}empty{% endfor %}", "empty"},
        {"{% for x in [1] if x > 5 %}a{% else %}filtered away{% endfor %}", "filtered away"},
        {"{% for a in [1, 2] %}{% for b in 'xy' %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{{ loop.index }}|{% endfor %}",
         "11x 21y 1|12x 22y 2|"},
        {"{{ loop }}{% for x in [1] %}{{ loop }}{% endfor %}", "<LoopContext 1/1>"},
    });
}

TEST(ChatEval, LoopsOverMappingsStringsAndTuples) {
    const json ctx = {{"d", {{"b", 1}, {"a", 2}}}};
    check_all({
                  {"{% for k in d %}{{ k }}{% endfor %}", "ba"},  // insertion order, keys
                  {"{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", "b=1;a=2;"},
                  {"{% for k, v in d|items %}{{ k }}={{ v }};{% endfor %}", "b=1;a=2;"},
                  {"{% for k, v in d|dictsort %}{{ k }}={{ v }};{% endfor %}", "a=2;b=1;"},
                  {"{% for a, b in [(1, 2), (3, 4)] %}{{ a * b }} {% endfor %}", "2 12 "},
                  {"{% for c in 'h\xC3\xA9' %}[{{ c }}]{% endfor %}", "[h][\xC3\xA9]"},
              },
              ctx);
}

TEST(ChatEval, BreakAndContinue) {
    check_all({
        {"{% for i in range(10) %}{% if i == 3 %}{% continue %}{% endif %}{% if i == 6 %}{% break %}{% endif %}{{ i }}"
         "{% endfor %}",
         "01245"},
        {"{% for x in 'ab' %}{% for y in 'cd' %}{% if y == 'd' %}{% break %}{% endif %}{{ x }}{{ y }}{% endfor %}"
         "{% endfor %}",
         "acbc"},
        // quirk: the else block runs unless one iteration finished its body
        {"{% for i in [1, 2] %}{% break %}{% else %}else{% endfor %}", "else"},
        {"{% for i in [1, 2] %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% else %}else{% endfor %}", "1"},
        {"{% for i in [1, 2] %}{% continue %}{% else %}else{% endfor %}", "else"},
    });
}

TEST(ChatEval, RecursiveLoop) {
    EXPECT_EQ(render("{% for x in [[1, [2, [3]]], [4]] recursive %}({{ x[0] }}{% if x|length > 1 %}{{ loop(x[1:]) }}"
                     "{% endif %}{{ loop.depth }}){% endfor %}"),
              "(1(2(33)2)1)(41)");
}

TEST(ChatEval, ScopingFollowsJinja) {
    check_all({
        // a set inside a loop body is local to that iteration, reads see the outer value first
        {"{% set x = 1 %}{% for i in [1, 2] %}{% set x = x + i %}{{ x }}{% endfor %}{{ x }}", "231"},
        {"{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = 5 %}{% endfor %}{{ x }}", "111"},
        {"{% for i in [1] %}{% set y = 1 %}{% endfor %}[{{ y }}][{{ i }}]", "[][]"},
        // if blocks do not open a scope
        {"{% if true %}{% set y = 5 %}{% endif %}{{ y }}", "5"},
        // namespaces carry state out of loops
        {"{% set ns = namespace(c=0) %}{% for i in [1, 2, 3] %}{% set ns.c = ns.c + i %}{% endfor %}{{ ns.c }}", "6"},
        {"{% set ns = namespace() %}{% set ns.a = 'x' %}{{ ns.a }} {{ ns }}", "x <Namespace {'a': 'x'}>"},
        {"{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}{{ ns['a'] }}[{{ ns.zz }}]", "121[]"},
        {"{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c, d = [3, 4] %}{{ c }}{{ d }}", "1234"},
        {"{% set x %}block {{ 1 + 1 }}{% endset %}[{{ x }}]", "[block 2]"},
        {"{% set x | upper %}block{% endset %}[{{ x }}]", "[BLOCK]"},
        {"{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]", "3[]"},
        {"{% filter upper %}hello {{ 'w' }}{% set z = 1 %}{% endfilter %}[{{ z }}]", "HELLO W[]"},
        {"{% generation %}gen {{ 1 }}{% endgeneration %}", "gen 1"},
    });
    Status s = render_status("{% set x = 1 %}{% set x.y = 2 %}");
    EXPECT_NE(s.message().find("cannot assign attribute on non-namespace object"), std::string::npos);
}

TEST(ChatEval, Macros) {
    check_all({
        {"{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}"
         "{{ greet('Bob') }} {{ greet('Al', punct='?') }} {{ greet(name='Z') }}",
         "Hi Bob! Hi Al? Hi Z!"},
        {"{% macro m(a, b=a * 2, c=3) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(1) }} {{ m(1, c=9) }}", "123 129"},
        {"{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, a=3) }}", "(1, 2){'a': 3}"},
        {"{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(5) }}", "54321"},
        {"{% macro m() -%}\n  body\n{%- endmacro %}[{{ m() }}]", "[body]"},
        {"{% macro m() %}\n  body\n{% endmacro %}[{{ m() }}]", "[  body\n]"},
        {"{% macro m() %}{{ later }}{% endmacro %}{% set later = 'late' %}{{ m() }}", "late"},  // late binding
        {"{% macro m() %}{% set inner = 1 %}{% endmacro %}{{ m() }}[{{ inner }}]", "[]"},
        {"{% macro m(a) %}[{{ a }}]{% endmacro %}{{ m() }}", "[]"},  // missing argument: undefined
        {"{% macro m() %}x{% endmacro %}{{ m }} {{ m.name }}", "<Macro 'm'> m"},
        {"{% macro outer() %}[{{ caller() }}]{% endmacro %}{% call outer() %}inside{% endcall %}", "[inside]"},
        {"{% macro outer(x) %}[{{ caller(x * 2) }}]{% endmacro %}{% call(v) outer(4) %}got {{ v }}{% endcall %}",
         "[got 8]"},
    });
    Status s = render_status("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}");
    EXPECT_NE(s.message().find("macro 'm' takes not more than 1 argument(s)"), std::string::npos) << s.message();
    s = render_status("{% macro m(a) %}{% endmacro %}{{ m(b=1) }}");
    EXPECT_NE(s.message().find("macro 'm' takes no keyword argument 'b'"), std::string::npos) << s.message();
}

TEST(ChatEval, Arithmetic) {
    check_all({
        {"{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 6 / 3 }}", "3 -4 1 2 3.5 2.0"},
        {"{{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2.0 ** 2 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }}", "1024 0.5 4.0 3.0 0.5"},
        {"{{ 0.1 + 0.2 }} {{ 1e20 }} {{ 1.5e-5 }} {{ 1e16 }} {{ 1e15 }} {{ -0.0 }}",
         "0.30000000000000004 1e+20 1.5e-05 1e+16 1000000000000000.0 -0.0"},
        {"{{ true + 1 }} {{ 'ab' * 3 }} {{ 3 * 'x' }} {{ [1] * 3 }} {{ [1] + [2] }} {{ 'a' * -1 }}",
         "2 ababab xxx [1, 1, 1] [1, 2] "},
        {"{{ 'a' ~ 1 ~ none ~ undefined_name }}", "a1None"},
        {"{{ 1 == 1.0 }} {{ true == 1 }} {{ [1, 2] == [1, 2] }} {{ {'a': 1} == {'a': 1} }} {{ x == x }}",
         "True True True True True"},
        {"{{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 2 >= 2 }} {{ (1, 2) == [1, 2] }}", "True True True False"},
        {"{{ 'a' in 'abc' }} {{ 'z' not in 'abc' }} {{ 1 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'k' in undefined_name }}",
         "True True True True False"},
        {"{{ 1 and 2 }} {{ 0 and 2 }} {{ 0 or 'x' }} {{ '' or [] }} {{ not [] }} {{ none or 'y' }}", "2 0 x [] True y"},
        {"[{{ 'yes' if false }}]", "[]"},
    });
    for (const char* bad : {"{{ 1 + 'a' }}", "{{ 'a' < 1 }}", "{{ 1 / 0 }}", "{{ 1 // 0 }}", "{{ 'a' * 'b' }}",
                            "{{ undefined_name + 1 }}"}) {
        EXPECT_EQ(render_status(bad).code(), ErrorCode::format_error) << bad;
    }
    EXPECT_NE(render_status("{{ 1 + 'a' }}").message().find("unsupported operand type(s) for +: 'int' and 'str'"),
              std::string::npos);
    EXPECT_NE(render_status("{{ 'a' + 1 }}").message().find("can only concatenate str (not \"int\") to str"),
              std::string::npos);
}

TEST(ChatEval, SlicingAndIndexing) {
    const json ctx = {{"messages", kMessages}, {"d", {{"a", 1}}}};
    check_all({
                  {"{{ 'hello'[1:3] }} {{ 'hello'[::-1] }} {{ 'hello'[-2:] }} {{ 'hello'[::2] }} [{{ 'hello'[10:] }}]",
                   "el olleh lo hlo []"},
                  {"{{ [1, 2, 3, 4][1:-1] }} {{ [1, 2, 3, 4][::-2] }} {{ [1, 2, 3][5:1:-1] }} {{ (1, 2, 3)[1:] }}",
                   "[2, 3] [4, 2] [3] (2, 3)"},
                  // strings index per code point
                  {"{{ 'h\xC3\xA9llo'[1] }} {{ 'h\xC3\xA9llo'|length }} {{ 'h\xC3\xA9llo'[::-1] }}",
                   "\xC3\xA9 5 oll\xC3\xA9h"},
                  {"{{ messages[::-1][0].content }} {{ messages[1:]|length }} {{ messages[-1]['content'] }}",
                   "Bye 3 Bye"},
                  {"{{ [1, 2, 3][0] }}{{ [1, 2, 3][-1] }}[{{ [1, 2, 3][5] }}] {{ [1, 2, 3].1 }}", "13[] 2"},
                  {"{{ d['a'] }}{{ d.a }}[{{ d['zz'] }}][{{ d.zz }}]", "11[][]"},
                  {"{{ d.get('a') }} {{ d.get('z', 'dflt') }} {{ d.get('z') }}", "1 dflt None"},
              },
              ctx);
    EXPECT_NE(render_status("{{ 'abc'[::0] }}").message().find("slice step cannot be zero"), std::string::npos);
}

TEST(ChatEval, UndefinedBehavesLikeJinja) {
    const json ctx = {{"d", {{"a", 1}}}, {"n", nullptr}};
    check_all({
                  {"[{{ missing }}] {{ missing is defined }} {{ missing|length }} {{ missing|default('dflt') }}",
                   "[] False 0 dflt"},
                  {"{% for x in missing %}never{% endfor %}{{ missing is iterable }}{{ missing == missing }}",
                   "TrueTrue"},
                  {"[{{ d.zz }}] {{ d.zz is undefined }} [{{ n.attr }}] {{ n is none }}", "[] True [] True"},
                  {"{% if not d.tool_calls %}no calls{% endif %}", "no calls"},
              },
              ctx);
    // using an undefined value for anything else raises, naming what was missing
    EXPECT_NE(render_status("{{ missing.attr }}").message().find("'missing' is undefined"), std::string::npos);
    EXPECT_NE(render_status("{{ d.zz.y }}", ctx).message().find("'dict object' has no attribute 'zz'"),
              std::string::npos);
    EXPECT_NE(render_status("{{ n.a.b }}", ctx).message().find("'None' has no attribute 'a'"), std::string::npos);
    EXPECT_NE(render_status("{{ [1][5].a }}").message().find("list object has no element 5"), std::string::npos);
    EXPECT_NE(render_status("{% for x in n %}{% endfor %}", ctx).message().find("'NoneType' object is not iterable"),
              std::string::npos);
}

TEST(ChatEval, SandboxBlocksMutation) {
    Status s = render_status("{% set l = [1] %}{{ l.append(2) }}");
    EXPECT_EQ(s.code(), ErrorCode::format_error);
    EXPECT_NE(s.message().find("access to attribute 'append' of 'list' object is unsafe."), std::string::npos);
    s = render_status("{{ {}.update({}) }}");
    EXPECT_NE(s.message().find("access to attribute 'update' of 'dict' object is unsafe."), std::string::npos);
    s = render_status("{{ range(1000000)|list }}");
    EXPECT_NE(s.message().find("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000)."),
              std::string::npos);
}

TEST(ChatEval, RenderErrorsNameTheTemplateLine) {
    Status s = render_status("line 1\n{% if true %}\n  {{ 1 + 'x' }}\n{% endif %}");
    EXPECT_EQ(s.code(), ErrorCode::format_error);
    EXPECT_NE(s.message().find("(template line 3)"), std::string::npos) << s.message();
    // an error inside a macro names the macro's line
    s = render_status("{% macro m() %}\n{{ nope.x }}\n{% endmacro %}\n\n{{ m() }}");
    EXPECT_NE(s.message().find("(template line 2)"), std::string::npos) << s.message();
}

TEST(ChatEval, RaiseExceptionKeepsTheMessage) {
    Status s = render_status("a\n{{ raise_exception('System role not supported') }}");
    EXPECT_EQ(s.code(), ErrorCode::invalid_argument);
    EXPECT_EQ(s.message(), "System role not supported (template line 2)");
}

TEST(ChatEval, Globals) {
    check_all({
        {"{{ range(5)|list }} {{ range(2, 10, 3)|list }} {{ range(5, 0, -2)|list }}", "[0, 1, 2, 3, 4] [2, 5, 8] [5, 3, 1]"},
        {"{{ dict(a=1, b=2) }} {{ dict([('x', 1)]) }}", "{'a': 1, 'b': 2} {'x': 1}"},
        {"{{ strftime_now('%Y-%m-%d') }} {{ strftime_now('%d %b %Y') }} {{ strftime_now('%A %B %-d, %H:%M %p') }}",
         "2024-07-26 26 Jul 2024 Friday July 26, 10:30 AM"},
        {"{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}{{ c.current }}", "abab"},
        {"{% set j = joiner('|') %}{% for x in 'abc' %}{{ j() }}{{ x }}{% endfor %}", "a|b|c"},
    });
}

}  // namespace
}  // namespace tessera::chat
