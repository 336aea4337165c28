// Hostile templates and inputs end with a Status, never a crash or a hang.
#include <string>

#include <gtest/gtest.h>

#include "engine/chat/chat_json.h"
#include "tests/engine/chat/chat_test_util.h"

namespace tessera::chat {
namespace {

using test::json;
using test::render;
using test::render_status;

std::string repeat(const std::string& s, int n) {
    std::string out;
    for (int k = 0; k < n; ++k) out += s;
    return out;
}

TEST(ChatLimits, RunawayRecursionIsStopped) {
    Status s = render_status("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}");
    EXPECT_EQ(s.code(), ErrorCode::out_of_range);
    EXPECT_NE(s.message().find("macro calls nested deeper than"), std::string::npos) << s.message();
    // legitimate recursion within the limit works
    EXPECT_EQ(render("{% macro m(n) %}{% if n > 0 %}{{ m(n - 1) }}{% endif %}x{% endmacro %}{{ m(50)|length }}"), "51");
}

TEST(ChatLimits, DeepSyntaxIsRejectedByTheParser) {
    for (const std::string& t : {"{{ " + repeat("(", 5000) + "1" + repeat(")", 5000) + " }}",
                                 "{{ " + repeat("-", 5000) + "1 }}", "{{ " + repeat("not ", 5000) + "1 }}",
                                 "{{ 1" + repeat(" + 1", 5000) + " }}", "{{ x" + repeat("|string", 5000) + " }}",
                                 "{{ x" + repeat(".a", 5000) + " }}",
                                 repeat("{% if true %}", 5000) + repeat("{% endif %}", 5000)}) {
        Status s = render_status(t);
        EXPECT_EQ(s.code(), ErrorCode::format_error) << t.substr(0, 40);
        EXPECT_NE(s.message().find("nesting exceeds the limit"), std::string::npos) << s.message();
    }
    // ordinary long expressions are fine
    EXPECT_EQ(render("{{ 1" + repeat(" + 1", 150) + " }}"), "151");
}

TEST(ChatLimits, EvaluationStepsAreBounded) {
    RenderOptions opt;
    opt.limits.max_steps = 200'000;
    Status s = render_status("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
                             json::object(), opt);
    EXPECT_EQ(s.code(), ErrorCode::out_of_range);
    EXPECT_NE(s.message().find("step limit"), std::string::npos) << s.message();
}

TEST(ChatLimits, OutputAndStringSizesAreBounded) {
    RenderOptions opt;
    opt.limits.max_output_bytes = 1 << 20;
    for (const char* t : {"{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                          "{{ 'a' * 1000000000000 }}", "{{ [1] * 1000000000000 }}", "{{ 'x'|indent(1000000000) }}",
                          "{{ 'x'.center(10000000000) }}", "{{ 'ab'|replace('', 'x' * 100000)|replace('x', 'y' * 1000) }}",
                          "{% for i in range(100000) %}{{ 'line of output ' * 10 }}{% endfor %}"}) {
        Status s = render_status(t, json::object(), opt);
        EXPECT_EQ(s.code(), ErrorCode::out_of_range) << t << " -> " << s.to_string();
    }
}

TEST(ChatLimits, DeeplyNestedValuesAreRejected) {
    Status s = render_status(
        "{% set ns = namespace(x=[]) %}{% for i in range(2000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}");
    EXPECT_EQ(s.code(), ErrorCode::out_of_range);
    EXPECT_NE(s.message().find("nested deeper than"), std::string::npos) << s.message();
    // bound methods keep their receiver: chains through them count too
    s = render_status("{% set ns = namespace(d={}) %}{% for i in range(2000) %}{% set ns.d = {'f': ns.d.get} %}{% endfor %}");
    EXPECT_EQ(s.code(), ErrorCode::out_of_range);

    // deep JSON input (a model's tool-call arguments) is rejected before rendering
    json deep = json::array();
    for (int k = 0; k < 1000; ++k) {
        json outer = json::array();
        outer.push_back(std::move(deep));
        deep = std::move(outer);
    }
    ChatTemplateInputs in;
    in.messages = json::array({json{{"role", "user"}, {"content", deep}}});
    auto ctx = make_chat_context(in);
    ASSERT_FALSE(ctx.is_ok());
    EXPECT_EQ(ctx.status().code(), ErrorCode::out_of_range);
}

TEST(ChatLimits, ReferenceCyclesPrintAndFree) {
    // Python prints the inner repetition as {...}; the cycle is broken when the render ends
    EXPECT_EQ(render("{% set ns = namespace() %}{% set ns.self = ns %}{{ ns }}"),
              "<Namespace {'self': <Namespace {...}>}>");
    EXPECT_EQ(render("{% set ns = namespace(p=none) %}{% for i in range(20000) %}{% set ns.p = namespace(p=ns.p) %}"
                     "{% endfor %}ok"),
              "ok");
    EXPECT_EQ(render("{% for x in [1] %}{{ loop.changed(loop) }}{% endfor %}"), "True");
}

TEST(ChatLimits, IntegersAreSixtyFourBit) {
    // Python integers are unbounded; this interpreter reports overflow instead of wrapping
    Status s = render_status("{{ 9223372036854775807 + 1 }}");
    EXPECT_EQ(s.code(), ErrorCode::out_of_range);
    EXPECT_EQ(render("{{ 9223372036854775807 }} {{ 2 ** 62 }}"), "9223372036854775807 4611686018427387904");
}

}  // namespace
}  // namespace tessera::chat
