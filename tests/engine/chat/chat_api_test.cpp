// The public entry points: ChatTemplate, ChatMessage, apply_chat_template.
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/engine/chat/chat_test_util.h"
#include "tests/support/test_support.h"

namespace tessera::chat {
namespace {

using test::json;

// ChatML, as many models ship it.
constexpr const char* kChatML =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + "
    "'\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

TEST(ChatApi, ApplyChatTemplateWithMessages) {
    std::vector<ChatMessage> msgs(2);
    msgs[0].role = "system";
    msgs[0].content = "Be brief.";
    msgs[1].role = "user";
    msgs[1].content = "Hi";
    auto out = apply_chat_template(kChatML, msgs, json(), true, std::nullopt, std::nullopt);
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    EXPECT_EQ(out.value(),
              "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    out = apply_chat_template(kChatML, msgs, json(), false, std::nullopt, std::nullopt);
    ASSERT_TRUE(out.is_ok());
    EXPECT_EQ(out.value(), "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
}

TEST(ChatApi, ChatMessageToJsonKeepsOptionalKeysOut) {
    ChatMessage m;
    m.role = "assistant";
    m.content = "";
    m.tool_calls = json::parse(R"([{"id": "abc123XYZ", "type": "function",
                                    "function": {"name": "f", "arguments": {"x": 1}}}])");
    m.extra["thinking"] = "hmm";
    EXPECT_EQ(m.to_json().dump(),
              R"({"role":"assistant","content":"","tool_calls":[{"id":"abc123XYZ","type":"function","function":{"name":"f","arguments":{"x":1}}}],"thinking":"hmm"})");
    ChatMessage tool;
    tool.role = "tool";
    tool.content = "22C";
    tool.tool_call_id = "abc123XYZ";
    tool.name = "f";
    EXPECT_EQ(tool.to_json().dump(), R"({"role":"tool","content":"22C","tool_call_id":"abc123XYZ","name":"f"})");
}

TEST(ChatApi, ContextFollowsTransformers) {
    // tools and documents are None (defined), bos/eos undefined unless given, extra keys passed through
    const char* probe =
        "{{ tools is none }} {{ documents is none }} {{ bos_token is defined }} {{ eos_token }} {{ enable_thinking }}"
        " {{ add_generation_prompt }}";
    ChatTemplateInputs in;
    in.messages = json::array({json{{"role", "user"}, {"content", "x"}}});
    in.eos_token = "</s>";
    in.extra_context["enable_thinking"] = false;
    in.add_generation_prompt = false;
    auto out = apply_chat_template(probe, in);
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    EXPECT_EQ(out.value(), "True True False </s> False False");
}

TEST(ChatApi, ClockDrivesStrftimeNow) {
    RenderOptions opt;
    opt.clock = [] {
        std::tm tm{};
        tm.tm_year = 2000 - 1900;
        tm.tm_mon = 0;
        tm.tm_mday = 2;
        return tm;
    };
    ChatTemplateInputs in;
    auto out = apply_chat_template("{{ strftime_now('%d %b %Y, %A') }}", in, opt);
    ASSERT_TRUE(out.is_ok());
    EXPECT_EQ(out.value(), "02 Jan 2000, Sunday");
    // without a clock, today's date (whatever it is) is formatted
    out = apply_chat_template("{{ strftime_now('%Y')|length }}", in);
    ASSERT_TRUE(out.is_ok());
    EXPECT_EQ(out.value(), "4");
}

TEST(ChatApi, BadInputsAreStatuses) {
    auto t = ChatTemplate::parse("{{ x }}");
    ASSERT_TRUE(t.is_ok());
    auto out = t->render(Value::list());
    ASSERT_FALSE(out.is_ok());
    EXPECT_EQ(out.status().code(), ErrorCode::invalid_argument);
    out = t->render_json(json::array());
    EXPECT_EQ(out.status().code(), ErrorCode::invalid_argument);
    ChatTemplateInputs in;
    in.messages = json::object();
    EXPECT_EQ(apply_chat_template(kChatML, in).status().code(), ErrorCode::invalid_argument);
    EXPECT_EQ(apply_chat_template("{% if %}", ChatTemplateInputs{}).status().code(), ErrorCode::format_error);
}

TEST(ChatApi, OneTemplateRendersFromManyThreads) {
    auto t = ChatTemplate::parse(kChatML);
    ASSERT_TRUE(t.is_ok());
    const ChatTemplate& tmpl = t.value();
    std::vector<std::string> results(8);
    std::vector<std::thread> threads;
    for (size_t k = 0; k < results.size(); ++k) {
        threads.emplace_back([&, k] {
            json ctx = {{"messages", json::array({json{{"role", "user"}, {"content", std::to_string(k)}}})},
                        {"add_generation_prompt", false}};
            for (int rep = 0; rep < 50; ++rep) {
                auto out = tmpl.render_json(ctx);
                results[k] = out.is_ok() ? out.value() : out.status().to_string();
            }
        });
    }
    for (auto& th : threads) th.join();
    for (size_t k = 0; k < results.size(); ++k)
        EXPECT_EQ(results[k], "<|im_start|>user\n" + std::to_string(k) + "<|im_end|>\n");
}

TEST(ChatApi, RealTemplateFromFixtures) {
    const auto path = tessera::test::fixture("templates/Qwen-Qwen2.5-7B-Instruct.jinja");
    TESSERA_REQUIRE_FIXTURE(path);
    std::vector<ChatMessage> msgs(1);
    msgs[0].role = "user";
    msgs[0].content = "Hello! Can you tell me a short story about a dragon?";
    auto out = apply_chat_template(tessera::test::read_text_file(path), msgs, json(), true, std::nullopt,
                                   "<|im_end|>");
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    EXPECT_EQ(out.value(),
              "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
              "<|im_start|>user\nHello! Can you tell me a short story about a dragon?<|im_end|>\n"
              "<|im_start|>assistant\n");
}

}  // namespace
}  // namespace tessera::chat
