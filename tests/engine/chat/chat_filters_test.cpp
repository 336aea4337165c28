// Filters, tests, tojson (transformers' json.dumps) and str/dict/list methods. Expected strings were
// written by hand and checked against Python jinja2 3.1 with transformers' tojson override.
#include <gtest/gtest.h>

#include "engine/chat/chat_json.h"
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

TEST(ChatFilters, Strings) {
    check_all({
        {"{{ '  x  '|trim }}|{{ 'xxhixx'|trim('x') }}|{{ 'Hello World'|lower }}|{{ 'hello'|upper }}", "x|hi|hello world|HELLO"},
        {"{{ 'hello wORLD-foo(bar'|title }}|{{ 'hELLO there'|capitalize }}", "Hello World-Foo(Bar|Hello there"},
        {"{{ 'a-b-c'|replace('-', '+') }} {{ 'aaa'|replace('a', 'b', 2) }} {{ 'ab'|replace('', '.') }}", "a+b+c bba .a.b."},
        {"{{ 'abc'|reverse }} {{ 'abc'|length }} {{ 'abc'|first }}{{ 'abc'|last }} {{ 'abc'|list }}",
         "cba 3 ac ['a', 'b', 'c']"},
        {"{{ 'x'|center(7) }}|{{ 'one two  three'|wordcount }}|{{ '<a href=\"x\">&\\''|e }}",
         "   x   |3|&lt;a href=&#34;x&#34;&gt;&amp;&#39;"},
        {"{{ 'hello world foo'|truncate(9) }}|{{ 'hello world foo bar baz'|truncate(12, true) }}", "hello...|hello wor..."},
        {"{{ '%s-%s'|format(1, 'a') }} {{ 42|string ~ '!' }} {{ none|string }} {{ [1, 'a']|string }}", "1-a 42! None [1, 'a']"},
    });
}

TEST(ChatFilters, Indent) {
    check_all({
        {"{{ 'l1\nl2\n\nl4'|indent }}", "l1\n    l2\n\n    l4"},
        {"{{ 'l1\nl2'|indent(2, true) }}", "  l1\n  l2"},
        {"{{ 'l1\n\nl3'|indent(2, blank=true) }}", "l1\n  \n  l3"},
        {"{{ 'a\nb'|indent('--') }}", "a\n--b"},
    });
}

TEST(ChatFilters, Numbers) {
    check_all({
        {"{{ '42'|int + 1 }} {{ '42.7'|int }} {{ 'x'|int }} {{ 'x'|int(7) }} {{ '0x1A'|int(base=16) }} {{ 3.9|int }}",
         "43 42 0 7 26 3"},
        {"{{ '3.5'|float }} {{ 'x'|float }} {{ 2|float }} {{ '1e3'|float }}", "3.5 0.0 2.0 1000.0"},
        {"{{ -3|abs }} {{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ 1.234|round(1, 'floor') }} {{ 7|round }}",
         "3 2.0 4.0 2.67 1.2 7"},
        {"{{ [1, 2, 3]|sum }} {{ [1, 2]|sum(start=10) }} {{ [3, 1, 2]|min }} {{ [3, 1, 2]|max }}", "6 13 1 3"},
    });
}

TEST(ChatFilters, Sequences) {
    const json ctx = {{"users", json::parse(R"([{"name": "b", "age": 3}, {"name": "a", "age": 1}, {"name": "c", "age": 2}])")},
                      {"d", {{"b", 1}, {"A", 3}, {"a", 2}}}};
    check_all({
                  {"{{ [1, 2, 3]|join(', ') }} {{ [1, 2, 3]|join }} {{ users|join(', ', attribute='name') }}",
                   "1, 2, 3 123 b, a, c"},
                  {"{{ [3, 1, 2]|sort }} {{ [3, 1, 2]|sort(reverse=true) }} {{ ['b', 'A', 'a', 'B']|sort }}",
                   "[1, 2, 3] [3, 2, 1] ['A', 'a', 'b', 'B']"},
                  {"{{ users|sort(attribute='age')|map(attribute='name')|join }}", "acb"},
                  {"{{ d|dictsort }} {{ d|dictsort(reverse=true)|first }}",
                   "[('A', 3), ('a', 2), ('b', 1)] ('b', 1)"},
                  {"{{ [1, 2, 2, 3, 1]|unique|list }} {{ ['a', 'A', 'b']|unique|list }}", "[1, 2, 3] ['a', 'b']"},
                  {"{{ [1, 2, 3, 4]|select('odd')|list }} {{ [1, 2, 3, 4]|reject('odd')|list }} {{ [0, 1, '', 2]|select|list }}",
                   "[1, 3] [2, 4] [1, 2]"},
                  {"{{ users|selectattr('age', 'gt', 1)|map(attribute='name')|list }} {{ users|rejectattr('age', 'eq', 1)|list|length }}",
                   "['b', 'c'] 2"},
                  {"{{ ['a', 'b']|map('upper')|list }} {{ [' a ']|map('trim')|list }} {{ users|map(attribute='zz', default='?')|list }}",
                   "['A', 'B'] ['a'] ['?', '?', '?']"},
                  {"{{ [1, 2, 3, 4, 5]|batch(2)|list }} {{ [1, 2, 3, 4, 5]|batch(2, 'x')|list }}",
                   "[[1, 2], [3, 4], [5]] [[1, 2], [3, 4], [5, 'x']]"},
                  {"{{ [1, 2, 3, 4, 5]|slice(2)|list }} {{ [1, 2, 3]|reverse|list }} {{ {'a': 1}|items|list }}",
                   "[[1, 2, 3], [4, 5]] [3, 2, 1] [('a', 1)]"},
                  {"{{ x|default('dflt') }} {{ none|default('dflt') }} {{ ''|default('dflt', true) }} {{ 0|d('z', boolean=true) }}",
                   "dflt None dflt z"},
                  {"{{ [1, 2, 3]|first }} {{ [1, 2, 3]|last }} [{{ []|first }}] {{ {'a': 1, 'b': 2}|list }} {{ d|length }}",
                   "1 3 [] ['a', 'b'] 3"},
              },
              ctx);
}

TEST(ChatFilters, GeneratorResultsAreTruthyAndHaveNoLength) {
    // select/map/... return generators in jinja2: truthy even when empty, no len(), not subscriptable
    check_all({
        {"{% if []|select('odd') %}truthy{% endif %} {{ []|select('odd')|list|length }}", "truthy 0"},
        {"[{{ [1, 2]|map('string')|first }}] [{{ ([1, 2]|map('string'))[0] }}]", "[1] []"},
    });
    EXPECT_NE(render_status("{{ [1]|map('string')|length }}").message().find("object of type 'generator' has no len()"),
              std::string::npos);
}

TEST(ChatFilters, ToJsonIsPythonJsonDumps) {
    const json ctx = json::parse(R"({"d": {"a": 1, "b": [1, 2.5, null, true], "c": {"x": "\u00e9\"\n\t\\"},
                                            "e": "\u4e2d\ud83d\ude00", "f": "\u0001\u007f"},
                                      "n": {"a": [], "b": {}, "c": [1, {"x": [2]}], "d": "z"},
                                      "u": {"b": "\u00e9", "a": "\ud83d\ude00"}})");
    check_all({
                  {"{{ d|tojson }}",
                   "{\"a\": 1, \"b\": [1, 2.5, null, true], \"c\": {\"x\": \"\xC3\xA9\\\"\\n\\t\\\\\"}, "
                   "\"e\": \"\xE4\xB8\xAD\xF0\x9F\x98\x80\", \"f\": \"\\u0001\x7F\"}"},
                  {"{{ n|tojson(indent=2) }}",
                   "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"x\": [\n        2\n      ]\n    }\n  ],"
                   "\n  \"d\": \"z\"\n}"},
                  {"{{ u|tojson(sort_keys=true) }} {{ u|tojson(ensure_ascii=true) }}",
                   "{\"a\": \"\xF0\x9F\x98\x80\", \"b\": \"\xC3\xA9\"} {\"b\": \"\\u00e9\", \"a\": \"\\ud83d\\ude00\"}"},
                  {"{{ [1.0, 1e20, 1.5e-7, 0.1, 100.0] | tojson }} {{ 'x'|tojson }} {{ none|tojson }} {{ (1, 2)|tojson }}",
                   "[1.0, 1e+20, 1.5e-07, 0.1, 100.0] \"x\" null [1, 2]"},
                  {"{{ {'a': [1, 2]}|tojson(separators=(',', ':')) }} {{ {1: 'x', none: 'y'}|tojson }}",
                   "{\"a\":[1,2]} {\"1\": \"x\", \"null\": \"y\"}"},
              },
              ctx);
    EXPECT_NE(render_status("{{ missing|tojson }}").message().find("Object of type Undefined is not JSON serializable"),
              std::string::npos);
    EXPECT_NE(render_status("{{ namespace()|tojson }}").message().find("Object of type Namespace is not JSON serializable"),
              std::string::npos);
    // the C++ entry point
    EXPECT_EQ(python_json_dumps(value_from_json(json::parse(R"({"k": [1, "v"]})"))), "{\"k\": [1, \"v\"]}");
}

TEST(ChatFilters, Tests) {
    check_all({
        {"{{ 1 is odd }}{{ 2 is even }}{{ 6 is divisibleby 3 }}{{ x is defined }}{{ x is undefined }}{{ none is none }}",
         "TrueTrueTrueFalseTrueTrue"},
        {"{{ 'a' is string }}{{ 1 is number }}{{ true is number }}{{ 1 is integer }}{{ true is integer }}{{ 1.0 is float }}",
         "TrueTrueTrueTrueFalseTrue"},
        {"{{ {} is mapping }}{{ [] is mapping }}{{ [] is sequence }}{{ {} is sequence }}{{ 'a' is sequence }}{{ 1 is sequence }}",
         "TrueFalseTrueTrueTrueFalse"},
        {"{{ [] is iterable }}{{ 'a' is iterable }}{{ 1 is iterable }}{{ none is iterable }}{{ true is boolean }}",
         "TrueTrueFalseFalseTrue"},
        {"{{ true is true }}{{ 1 is true }}{{ false is false }}{{ 0 is false }}{{ 2 is in [1, 2] }}",
         "TrueFalseTrueFalseTrue"},
        {"{{ 1 is eq 1 }}{{ 1 is equalto 2 }}{{ 1 is ne 2 }}{{ 1 is lt 2 }}{{ 3 is gt 2 }}{{ 2 is ge 2 }}{{ 2 is le 1 }}",
         "TrueFalseTrueTrueTrueTrueFalse"},
        {"{{ 'abc' is lower }}{{ 'ABC' is upper }}{{ 'upper' is filter }}{{ 'odd' is test }}{{ 'nope' is filter }}",
         "TrueTrueTrueTrueFalse"},
        {"{% macro f() %}{% endmacro %}{{ f is callable }}{{ 'x'.upper is callable }}{{ 1 is callable }}", "TrueTrueFalse"},
    });
}

TEST(ChatFilters, StringMethods) {
    check_all({
        {"{{ ' x '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ ' x '.lstrip() }}|{{ ' x '.rstrip() }}", "x|a|x | x"},
        {"{{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a b c'.rsplit(' ', 1) }}",
         "['a', 'b', '', 'c'] ['a', 'b'] ['a', 'b c'] ['a b', 'c']"},
        {"{{ 'Hello'.startswith('He') }}{{ 'Hello'.endswith('lo') }}{{ 'Hello'.startswith(('x', 'H')) }}",
         "TrueTrueTrue"},
        {"{{ 'hello world'.title() }} {{ \"they're\".title() }} {{ 'abc'.capitalize() }} {{ 'aBc'.swapcase() }}",
         "Hello World They'Re Abc AbC"},
        {"{{ 'hello'.find('l') }} {{ 'hello'.rfind('l') }} {{ 'hello'.find('z') }} {{ 'hello'.count('l') }} {{ 'h\xC3\xA9llo'.find('l') }}",
         "2 3 -1 2 2"},
        {"{{ ', '.join(['a', 'b']) }} {{ 'a\\nb\\r\\nc'.splitlines() }} {{ 'a=b=c'.partition('=') }}",
         "a, b ['a', 'b', 'c'] ('a', '=', 'b=c')"},
        {"{{ '42'.isdigit() }}{{ 'ab'.isalpha() }}{{ '  '.isspace() }} {{ 'x'.center(5, '*') }} {{ '5'.zfill(3) }}",
         "TrueTrueTrue **x** 005"},
        {"{{ 'pre_x'.removeprefix('pre_') }} {{ 'x'.ljust(3) }}| {{ 'x'.rjust(3, '0') }}", "x x  | 00x"},
        {"{{ '{} and {}'.format('a', 'b') }}|{{ '{0}{1}{0}'.format('x', 'y') }}|{{ '{name}!'.format(name='Z') }}",
         "a and b|xyx|Z!"},
        {"{{ '{:>5}|{:<5}|{:^5}'.format('a', 'b', 'c') }}|{{ '{:.2f}'.format(3.14159) }}|{{ '{:,}'.format(1234567) }}",
         "    a|b    |  c  |3.14|1,234,567"},
        {"{{ 'Hello %s, %d' % ('Bob', 3) }}|{{ '%5.2f' % 3.14159 }}|{{ '%(a)s-%(b)s' % {'a': 1, 'b': 2} }}|{{ '%r' % 'x' }}",
         "Hello Bob, 3| 3.14|1-2|'x'"},
    });
}

TEST(ChatFilters, DictMethods) {
    const json ctx = {{"d", {{"a", 1}, {"b", 2}}}};
    check_all({
                  {"{{ d.keys()|list }} {{ d.values()|list }} {{ d.items()|list }}", "['a', 'b'] [1, 2] [('a', 1), ('b', 2)]"},
                  {"{{ d.get('a') }} {{ d.get('z', 0) }} {{ d.copy() }} {{ [1, 2, 1].count(1) }} {{ [1, 2].index(2) }}",
                   "1 0 {'a': 1, 'b': 2} 2 1"},
              },
              ctx);
}

}  // namespace
}  // namespace tessera::chat
