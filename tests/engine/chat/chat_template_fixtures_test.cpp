// Renders the 14 real chat templates of ../shared/fixtures/templates with the inputs Python jinja2 3.1.2
// was given (the transformers convention: tools=None when absent, documents=None, bos/eos undefined
// when null, strftime_now at 2024-07-26T10:30:00) and compares byte for byte with its output, or with
// the message of the exception the template raised.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/chat/chat_template.h"
#include "tests/engine/chat/chat_test_util.h"
#include "tests/support/test_support.h"

namespace tessera::chat {
namespace {

using json = nlohmann::ordered_json;

json read_json(const std::filesystem::path& p) { return json::parse(tessera::test::read_text_file(p)); }

// The templates index.json lists, by file stem.
const std::vector<std::string> kTemplates = {
    "meta-llama-Llama-3.1-8B-Instruct",
    "meta-llama-Llama-3.2-3B-Instruct",
    "Qwen-Qwen2.5-7B-Instruct",
    "Qwen-Qwen3-0.6B",
    "google-gemma-2-2b-it",
    "google-gemma-4-31B-it",
    "HuggingFaceTB-SmolLM3-3B",
    "mistralai-Mistral-Nemo-Instruct-2407",
    "Mistral-Small-3.2-24B-Instruct-2506",
    "microsoft-Phi-3.5-mini-instruct",
    "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B",
    "deepseek-ai-DeepSeek-V3.1",
    "NousResearch-Hermes-3-Llama-3.1-8B-tool_use",
    "openai-gpt-oss-120b",
};

class TemplateFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(TemplateFixture, MatchesJinja2) {
    const std::string stem = GetParam();
    const auto index_path = tessera::test::fixture("templates/index.json");
    TESSERA_REQUIRE_FIXTURE(index_path);
    const json index = read_json(index_path);
    json entry;
    for (const auto& t : index["templates"])
        if (t["template_file"] == stem + ".jinja") entry = t;
    ASSERT_FALSE(entry.is_null()) << stem << " is not in index.json";
    std::vector<std::string> case_ids;
    for (const auto& id : entry["case_ids"]) case_ids.push_back(id.get<std::string>());

    const auto tmpl_path = tessera::test::fixture("templates/" + entry["template_file"].get<std::string>());
    const json cases = read_json(tessera::test::fixture("templates/" + entry["cases_file"].get<std::string>()));
    auto tmpl = ChatTemplate::parse(tessera::test::read_text_file(tmpl_path));
    ASSERT_TRUE(tmpl.is_ok()) << tmpl.status().to_string();

    int passed = 0, errors = 0;
    for (const auto& c : cases["cases"]) {
        const std::string id = c["id"].get<std::string>();
        if (std::find(case_ids.begin(), case_ids.end(), id) == case_ids.end()) continue;  // skipped: a reason
        SCOPED_TRACE(id);
        ChatTemplateInputs in;
        in.messages = c["messages"];
        in.tools = c.value("tools", json());
        in.add_generation_prompt = c["add_generation_prompt"].get<bool>();
        if (!cases["bos_token"].is_null()) in.bos_token = cases["bos_token"].get<std::string>();
        if (!cases["eos_token"].is_null()) in.eos_token = cases["eos_token"].get<std::string>();
        if (cases.contains("extra_kwargs")) in.extra_context = cases["extra_kwargs"];
        auto ctx = make_chat_context(in);
        ASSERT_TRUE(ctx.is_ok()) << ctx.status().to_string();
        RenderOptions opt;
        opt.clock = test::fixed_time;
        auto out = tmpl->render(ctx.value(), opt);
        if (c.contains("expected_error")) {
            ASSERT_FALSE(out.is_ok()) << "rendered instead of raising: " << out.value();
            EXPECT_EQ(out.status().code(), ErrorCode::invalid_argument);  // raise_exception
            const std::string want = c["expected_error"].get<std::string>();
            EXPECT_EQ(out.status().message().substr(0, want.size()), want) << out.status().message();
            if (out.status().message().compare(0, want.size(), want) == 0) ++errors;
        } else {
            ASSERT_TRUE(out.is_ok()) << out.status().to_string();
            EXPECT_EQ(out.value(), c["expected"].get<std::string>());
            if (out.value() == c["expected"].get<std::string>()) ++passed;
        }
    }
    EXPECT_EQ(passed + errors, static_cast<int>(case_ids.size()));
    std::cout << "[ fixtures ] " << stem << ": " << passed << " rendered identically, " << errors
              << " raised the expected error, of " << case_ids.size() << " cases\n";
}

INSTANTIATE_TEST_SUITE_P(Templates, TemplateFixture, ::testing::ValuesIn(kTemplates),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                             std::string name = info.param;
                             for (char& ch : name)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return name;
                         });

TEST(TemplateFixtureIndex, ListsExactlyTheTestedTemplates) {
    const auto index_path = tessera::test::fixture("templates/index.json");
    TESSERA_REQUIRE_FIXTURE(index_path);
    const json index = read_json(index_path);
    std::vector<std::string> listed;
    for (const auto& t : index["templates"]) {
        std::string f = t["template_file"].get<std::string>();
        listed.push_back(f.substr(0, f.size() - std::string(".jinja").size()));
    }
    std::vector<std::string> ours = kTemplates;
    std::sort(listed.begin(), listed.end());
    std::sort(ours.begin(), ours.end());
    EXPECT_EQ(listed, ours) << "index.json changed: update kTemplates";
}

}  // namespace
}  // namespace tessera::chat
