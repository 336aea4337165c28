// Lexer and parser: whitespace control as transformers configures jinja2 (trim_blocks, lstrip_blocks,
// keep_trailing_newline=False), comments, raw blocks, literals, and syntax errors with positions.
// Expected strings were written by hand and checked against Python jinja2 3.1.
#include <gtest/gtest.h>

#include "engine/chat/chat_lexer.h"
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

void check_all(const std::vector<Case>& cases) {
    for (const Case& c : cases) EXPECT_EQ(render(c.tmpl), c.expected) << "template: " << c.tmpl;
}

TEST(ChatSyntax, TrimBlocksRemovesOneNewlineAfterBlockTags) {
    check_all({
        {"{% if true %}\nyes\n{% endif %}\nafter", "yes\nafter"},
        {"{% if true %}\n\ntwo newlines{% endif %}", "\ntwo newlines"},
        {"{% set x = 1 %}\n{{ x }}\n", "1"},  // the template's own final newline is dropped too
        {"{{ 'var' }}\nkept", "var\nkept"},     // not after {{ }}
        {"{# comment #}\nafter", "after"},      // comments are trimmed like blocks
        {"{% if true +%}\nkept{% endif %}", "\nkept"},
    });
}

TEST(ChatSyntax, LstripBlocksRemovesIndentBeforeBlockTagsOnly) {
    check_all({
        {"a\n    {% if true %}\n    x\n    {% endif %}\nb", "a\n    x\nb"},
        {"a\n  {{ 'v' }}", "a\n  v"},  // variables keep their indent
        {"a\n  {# c #}\nb", "a\nb"},
        {"a  {% if true %}x{% endif %}", "a  x"},  // text before the tag on the same line: kept
        {"\t {% if true %}x{% endif %}", "x"},
        {"a\n    {%+ if true %}x{% endif %}", "a\n    x"},
        {"{% if true %}x{% endif %}  {% if true %}y{% endif %}", "x  y"},
    });
}

TEST(ChatSyntax, DashStripsAllWhitespaceOnItsSide) {
    check_all({
        {"a  \n\n  {%- if true -%}  \n\n  x  \n  {%- endif -%}  \n  b", "axb"},
        {"{{ 'a' -}}\n\n  {{- 'b' }}", "ab"},
        {"x {#- c -#} y", "xy"},
        {"a\n\n{%- set x = 1 %}\nb{{- ' c ' -}}\n\nd", "ab c d"},
        {"{% for i in [1, 2] -%}\n  {{ i }}\n{%- endfor %}", "12"},
        {"{% for i in [1, 2] %}\n  {{ i }}\n{% endfor %}", "  1\n  2\n"},
    });
}

TEST(ChatSyntax, NewlinesAreNormalisedAndOneTrailingNewlineDropped) {
    check_all({
        {"a\r\nb\r\n", "a\nb"},
        {"a\rb", "a\nb"},
        {"text\n\n", "text\n"},
        {"{{ 'a' }}\r\n{% if true %}\r\nb{% endif %}", "a\nb"},
    });
}

TEST(ChatSyntax, RawBlocksAndComments) {
    check_all({
        {"{% raw %}{{ not rendered }} {% if %}{% endraw %}!", "{{ not rendered }} {% if %}!"},
        {"  {% raw -%}  \n {{ x }} {%- endraw %}  z", "{{ x }}  z"},
        {"a{%raw%}b{%endraw%}c", "abc"},
        {"{% raw %}\nx\n{% endraw %}\ny", "\nx\ny"},  // no trim after {% raw %}, trim after endraw
        {"x{# {{ ignored }} {% if %} #}y", "xy"},
        {"x{# multi\nline #}y", "xy"},
    });
}

TEST(ChatSyntax, Literals) {
    check_all({
        {"{{ 'a' 'b' \"c\" }}", "abc"},
        {"{{ 'it\\'s' }}|{{ \"q\\\"\" }}|{{ 'tab\\there' }}", "it's|q\"|tab\there"},
        {"{{ '\\x41\\u00e9\\U0001F600' }}|{{ 'back\\\\slash' }}|{{ '\\d' }}", "A\xC3\xA9\xF0\x9F\x98\x80|back\\slash|\\d"},
        {"{{ 1_000 }} {{ 0x1f }} {{ 0b101 }} {{ 0o17 }} {{ 1.5e3 }} {{ 1e3 }} {{ 10.0 }} {{ 2.50 }}",
         "1000 31 5 15 1500.0 1000.0 10.0 2.5"},
        {"{{ true }} {{ True }} {{ false }} {{ none }} {{ None }}", "True True False None None"},
        {"{{ [1, 'two', 3.0, none, true] }}", "[1, 'two', 3.0, None, True]"},
        {"{{ {'a': 1, 'b': [1, 2], 'c': none} }}", "{'a': 1, 'b': [1, 2], 'c': None}"},
        {"{{ (1,) }} {{ () }} {{ (1, 2) }} {{ 1, 2 }}", "(1,) () (1, 2) (1, 2)"},
        {"{{ '}}' }}{{ {'a': '}}'} }}{{ {'a': {'b': 1}} }}", "}}{'a': '}}'}{'a': {'b': 1}}"},
        {"{{ [1, 2,] }}{{ {'a': 1,} }}", "[1, 2]{'a': 1}"},
    });
}

TEST(ChatSyntax, OperatorPrecedence) {
    check_all({
        {"{{ 1 + 2 * 3 - 4 }} {{ (1 + 2) * 3 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }}", "3 9 64 4"},
        {"{{ 'a' ~ 2 * 3 }} {{ (1 + 2) ~ 'a' }} {{ 1 ~ 2 * 3 }}", "a6 3a 16"},  // ~ binds tighter than +
        {"{{ not 1 == 2 }} {{ not true and false }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}", "True False True False"},
        {"{{ 'yes' if 1 in [1] and 'a' not in 'bcd' else 'no' }}", "yes"},
        {"{{ -3|abs }} {{ 'ab'|upper ~ 'c' }} {{ 'x' + 'y'|upper }}", "3 ABc xY"},
        {"{{ x is defined and x }} {{ not x is defined }}", "False True"},
        {"{{ 1 if 0 else 2 if 0 else 3 }}", "3"},
    });
}

TEST(ChatSyntax, TestsTakeOneUnparenthesisedArgument) {
    check_all({
        {"{{ 6 is divisibleby 3 }} {{ 6 is divisibleby(4) }} {{ 'a' is in 'abc' }}", "True False True"},
        {"{{ x is none or 1 }} {{ 2 is odd and 1 }} {{ 'u' if x is undefined else 'd' }}", "1 False u"},
        {"{{ 1 is not eq 2 }} {{ [1] is not mapping }}", "True True"},
    });
}

TEST(ChatSyntax, ErrorsNameLineAndColumn) {
    Status s = render_status("line one\n{{ 1 + }}");
    EXPECT_EQ(s.code(), ErrorCode::format_error);
    EXPECT_NE(s.message().find("line 2, column 8"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("unexpected 'end of print statement'"), std::string::npos) << s.message();

    s = render_status("a\n\n{% for x in y %}\nno end");
    EXPECT_EQ(s.code(), ErrorCode::format_error);
    EXPECT_NE(s.message().find("Unexpected end of template. Jinja was looking for the following tags: 'endfor' or "
                               "'else'. The innermost block that needs to be closed is 'for'."),
              std::string::npos)
        << s.message();

    s = render_status("{% if x %}\n  {% endfor %}\n{% endif %}");
    EXPECT_NE(s.message().find("line 2, column 6: Encountered unknown tag 'endfor'."), std::string::npos)
        << s.message();

    s = render_status("{# never closed");
    EXPECT_NE(s.message().find("line 1, column 1: Missing end of comment tag"), std::string::npos) << s.message();

    s = render_status("ok\n{{ 'unterminated }}");
    EXPECT_NE(s.message().find("line 2, column 4: unexpected char \"'\""), std::string::npos) << s.message();

    s = render_status("{{ (1 }}");
    EXPECT_NE(s.message().find("unexpected '}', expected ')'"), std::string::npos) << s.message();

    s = render_status("{% macro m(a=1, b) %}{% endmacro %}");
    EXPECT_NE(s.message().find("non-default argument follows default argument"), std::string::npos);

    s = render_status("{% set 1 = 2 %}");
    EXPECT_NE(s.message().find("can't assign to 'const'"), std::string::npos);

    s = render_status("{% break %}");
    EXPECT_NE(s.message().find("'break' outside loop"), std::string::npos);

    s = render_status("{% include 'other.jinja' %}");
    EXPECT_EQ(s.code(), ErrorCode::unsupported);
}

TEST(ChatSyntax, UnknownFiltersAndTestsAreNamed) {
    // outside `if`, jinja2 rejects them when compiling
    Status s = render_status("{{ x|nofilter }}");
    EXPECT_EQ(s.code(), ErrorCode::format_error);
    EXPECT_NE(s.message().find("No filter named 'nofilter'."), std::string::npos) << s.message();
    s = render_status("{{ x is notest }}");
    EXPECT_NE(s.message().find("No test named 'notest'."), std::string::npos) << s.message();
    // inside `if` / conditional expressions only when reached
    EXPECT_EQ(render("{% if false %}{{ x|nofilter }}{% endif %}ok"), "ok");
    EXPECT_EQ(render("{{ x|nofilter if false else 'ok' }}"), "ok");
    s = render_status("{% if true %}\n{{ x|nofilter }}{% endif %}");
    EXPECT_NE(s.message().find("No filter named 'nofilter' found. (template line 2)"), std::string::npos)
        << s.message();
}

TEST(ChatSyntax, NormalizeTemplateSource) {
    EXPECT_EQ(normalize_template_source("a\r\nb\rc\n", false), "a\nb\nc");
    EXPECT_EQ(normalize_template_source("a\n\n", false), "a\n");
    EXPECT_EQ(normalize_template_source("a\n", true), "a\n");
    EXPECT_EQ(normalize_template_source("", false), "");
}

TEST(ChatSyntax, TokensCarryLineAndColumn) {
    const auto toks = tokenize("ab\n  {{ name|upper }}");
    ASSERT_GE(toks.size(), 6u);
    EXPECT_EQ(toks[0].type, TokenType::data);
    EXPECT_EQ(toks[0].text, "ab\n  ");
    EXPECT_EQ(toks[1].type, TokenType::variable_begin);
    EXPECT_EQ(toks[1].line, 2);
    EXPECT_EQ(toks[1].column, 3);
    EXPECT_EQ(toks[2].type, TokenType::name);
    EXPECT_EQ(toks[2].text, "name");
    EXPECT_EQ(toks[2].column, 6);
    EXPECT_EQ(toks[3].type, TokenType::op);
    EXPECT_EQ(toks[3].text, "|");
    EXPECT_EQ(toks.back().type, TokenType::eof);
}

}  // namespace
}  // namespace tessera::chat
