// Prompt formatting: the ChatML fallback and turn dropping against hand-written strings, and the
// template path against what Python jinja2 rendered for real models' templates (fixtures/templates).
#include <gtest/gtest.h>

#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <string>
#include <vector>

#include "app/services/chat_prompt.h"
#include "tests/support/test_support.h"

namespace tessera {
namespace {

std::vector<std::string> roles(const std::vector<PromptMessage>& m) {
    std::vector<std::string> out;
    for (const auto& x : m) out.push_back(x.role + ":" + x.content);
    return out;
}

TEST(ChatPrompt, ChatMlFallbackMatchesTheFormat) {
    ChatPromptInput in;
    in.messages = {{"system", "Be brief."}, {"user", "Hi"}, {"assistant", "Hello!"}, {"user", "Bye"}};
    EXPECT_EQ(renderChatMlPrompt(in),
              "<|im_start|>system\nBe brief.<|im_end|>\n"
              "<|im_start|>user\nHi<|im_end|>\n"
              "<|im_start|>assistant\nHello!<|im_end|>\n"
              "<|im_start|>user\nBye<|im_end|>\n"
              "<|im_start|>assistant\n");
    in.addGenerationPrompt = false;
    in.messages = {{"user", "x"}};
    EXPECT_EQ(renderChatMlPrompt(in), "<|im_start|>user\nx<|im_end|>\n");
}

TEST(ChatPrompt, DropOldestTurnKeepsSystemAndLastUserTurn) {
    std::vector<PromptMessage> m = {{"system", "S"}, {"user", "u1"}, {"assistant", "a1"},
                                    {"user", "u2"}, {"assistant", "a2"}, {"user", "u3"}};
    EXPECT_EQ(dropOldestTurn(m), 2);
    EXPECT_EQ(roles(m), (std::vector<std::string>{"system:S", "user:u2", "assistant:a2", "user:u3"}));
    EXPECT_EQ(dropOldestTurn(m), 2);
    EXPECT_EQ(roles(m), (std::vector<std::string>{"system:S", "user:u3"}));
    EXPECT_EQ(dropOldestTurn(m), 0);  // only the system prompt and the question being answered are left
    EXPECT_EQ(roles(m), (std::vector<std::string>{"system:S", "user:u3"}));
}

TEST(ChatPrompt, DropOldestTurnTakesEveryReplyOfTheTurn) {
    // A turn may hold several assistant/tool messages; a leading assistant greeting is a turn too.
    std::vector<PromptMessage> m = {{"assistant", "greeting"}, {"user", "u1"}, {"assistant", "a1"},
                                    {"tool", "t1"},           {"assistant", "a1b"}, {"user", "u2"}};
    EXPECT_EQ(dropOldestTurn(m), 1);
    EXPECT_EQ(roles(m), (std::vector<std::string>{"user:u1", "assistant:a1", "tool:t1", "assistant:a1b", "user:u2"}));
    EXPECT_EQ(dropOldestTurn(m), 4);
    EXPECT_EQ(roles(m), (std::vector<std::string>{"user:u2"}));
}

TEST(ChatPrompt, TemplateErrorNamesTheProblem) {
    ChatPromptInput in;
    in.messages = {{"user", "hi"}};
    auto r = renderTemplatePrompt("{% for m in messages %}{{ m.content }}", in);  // unclosed for
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("chat template"), std::string::npos) << r.status().message();

    auto raised = renderTemplatePrompt("{{ raise_exception('System role not supported') }}", in);
    ASSERT_FALSE(raised.is_ok());
    EXPECT_NE(raised.status().message().find("System role not supported"), std::string::npos)
        << raised.status().message();
    EXPECT_FALSE(renderTemplatePrompt("", in).is_ok());
}

TEST(ChatPrompt, SimpleTemplateSeesMessagesAndSpecialTokens) {
    ChatPromptInput in;
    in.messages = {{"user", "Hi"}, {"assistant", "Yo"}};
    in.bosToken = "<s>";
    in.eosToken = "</s>";
    const std::string tmpl =
        "{{ bos_token }}{% for m in messages %}[{{ m['role'] }}]{{ m.content }}{% if m.role == 'assistant' %}"
        "{{ eos_token }}{% endif %}\n{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}";
    auto r = renderTemplatePrompt(tmpl, in);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    // trim_blocks (as transformers renders): the newline right after "{% endif %}" is dropped.
    EXPECT_EQ(*r, "<s>[user]Hi[assistant]Yo</s>[assistant]");
}

// Every text-only case of a fixture template, against the jinja2 rendering stored beside it.
void checkFixtureTemplate(const std::string& name) {
    const auto jinja = test::fixture("templates/" + name + ".jinja");
    const auto cases = test::fixture("templates/" + name + ".cases.json");
    if (!std::filesystem::exists(jinja) || !std::filesystem::exists(cases))
        GTEST_SKIP() << "fixture not found: " << jinja.string();
    const std::string source = test::read_text_file(jinja);
    const QJsonObject root = QJsonDocument::fromJson(QByteArray::fromStdString(test::read_text_file(cases))).object();
    ASSERT_TRUE(root.contains("cases")) << cases.string();
    int checked = 0;
    for (const auto& c : root["cases"].toArray()) {
        const QJsonObject cs = c.toObject();
        if (!cs["tools"].isNull()) continue;  // tool use goes through a later API
        ChatPromptInput in;
        if (root["bos_token"].isString()) in.bosToken = root["bos_token"].toString().toStdString();
        if (root["eos_token"].isString()) in.eosToken = root["eos_token"].toString().toStdString();
        in.addGenerationPrompt = cs["add_generation_prompt"].toBool();
        bool textOnly = true;
        for (const auto& m : cs["messages"].toArray()) {
            const QJsonObject mo = m.toObject();
            if (!mo["content"].isString() || mo.size() != 2) textOnly = false;
            in.messages.push_back({mo["role"].toString().toStdString(), mo["content"].toString().toStdString()});
        }
        if (!textOnly) continue;
        const std::string id = cs["id"].toString().toStdString();
        auto r = renderTemplatePrompt(source, in);
        if (cs.contains("expected_error")) {
            ASSERT_FALSE(r.is_ok()) << name << "/" << id;
            EXPECT_NE(r.status().message().find(cs["expected_error"].toString().toStdString()), std::string::npos)
                << name << "/" << id << ": " << r.status().message();
        } else {
            ASSERT_TRUE(r.is_ok()) << name << "/" << id << ": " << r.status().to_string();
            EXPECT_EQ(*r, cs["expected"].toString().toStdString()) << name << "/" << id;
        }
        ++checked;
    }
    EXPECT_GT(checked, 0) << name;
}

TEST(ChatPromptFixtures, Qwen25) { checkFixtureTemplate("Qwen-Qwen2.5-7B-Instruct"); }
TEST(ChatPromptFixtures, Gemma2) { checkFixtureTemplate("google-gemma-2-2b-it"); }
TEST(ChatPromptFixtures, Phi35) { checkFixtureTemplate("microsoft-Phi-3.5-mini-instruct"); }
TEST(ChatPromptFixtures, SmolLM3) { checkFixtureTemplate("HuggingFaceTB-SmolLM3-3B"); }

TEST(ChatPrompt, HistorySummaryJoinsTheSystemPromptOrPrefixesTheFirstUserMessage) {
    std::vector<PromptMessage> withSystem = {{"system", "be nice"}, {"user", "q"}};
    insertHistorySummary(withSystem, "S");
    ASSERT_EQ(withSystem.size(), 2u);
    EXPECT_EQ(withSystem[0].content, "be nice\n\nSummary of the earlier conversation: S");

    std::vector<PromptMessage> noSystem = {{"user", "q"}, {"assistant", "a"}, {"user", "r"}};
    insertHistorySummary(noSystem, "S");
    ASSERT_EQ(noSystem.size(), 3u);
    EXPECT_EQ(noSystem[0].role, "user");
    EXPECT_EQ(noSystem[0].content, "[Summary of the earlier conversation: S]\n\nq");
    EXPECT_EQ(noSystem[2].content, "r");
}

TEST(ChatPrompt, SummaryRequestKeepsTheEndOfALongTranscript) {
    const std::vector<PromptMessage> turns = {{"user", std::string(100, 'x')}, {"assistant", "the end"}};
    const auto req = summaryRequestMessages(turns, 20);
    ASSERT_EQ(req.size(), 1u);
    EXPECT_EQ(req[0].role, "user");
    // The last 20 characters of "user: xxx...\nassistant: the end\n" ("\nassistant: the end\n"), marked as cut.
    EXPECT_NE(req[0].content.find("[...]\nassistant: the end\n"), std::string::npos) << req[0].content;
    EXPECT_EQ(req[0].content.find("user: x"), std::string::npos);
}

}  // namespace
}  // namespace tessera
