// OverflowPolicy::summarizeOldTurns on the real trained stories260K model: the oldest turns are
// replaced by the model's own greedy summary of them, which joins the system prompt, and the answer
// is the greedy continuation of exactly that prompt.
#include <gtest/gtest.h>

#include "app/services/chat_prompt.h"
#include "app/services/chat_runner.h"
#include "engine/runtime/text_model.h"
#include "tests/app/inference/worker_harness.h"
#include "tests/support/test_support.h"

using namespace tessera;

namespace {

std::string trimRight(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.pop_back();
    return s;
}

}  // namespace

TEST(SummarizeHistory, OldTurnsBecomeTheModelsSummary) {
    const auto path = test::fixture("text/stories260K.gguf");
    TESSERA_REQUIRE_FIXTURE(path);
    auto loaded = load_text_model(path.string());
    ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
    const auto model = loaded.value();

    const std::vector<PromptMessage> turn1 = {
        {"user", "Tell me about Lily and her red ball in the park."},
        {"assistant", "Lily was a little girl who loved to play with her big red ball in the park with her friends."}};
    const std::vector<PromptMessage> turn2 = {
        {"user", "What did Tom do with the dog?"},
        {"assistant", "Tom took the dog for a walk and they found a stick by the tree near the pond."}};
    const PromptMessage last = {"user", "What happened next?"};

    GenerationRequest req;
    req.requestId = 1;
    req.systemPrompt = "be nice";
    for (const auto& m : turn1) req.messages.push_back({QString::fromStdString(m.role), QString::fromStdString(m.content)});
    for (const auto& m : turn2) req.messages.push_back({QString::fromStdString(m.role), QString::fromStdString(m.content)});
    req.messages.push_back({"user", QString::fromStdString(last.content)});
    req.sampling.temperature = 0.0f;
    req.maxTokens = 12;
    req.promptFallback = PromptFallback::chatMl;
    req.overflowPolicy = OverflowPolicy::summarizeOldTurns;

    ChatPromptInput full;
    full.messages = {{"system", "be nice"}};
    full.messages.insert(full.messages.end(), turn1.begin(), turn1.end());
    full.messages.insert(full.messages.end(), turn2.begin(), turn2.end());
    full.messages.push_back(last);
    const int nFull = static_cast<int>(model->tokenizer().encode(renderChatMlPrompt(full), true, true).size());

    ModelSettings settings;
    settings.nCtx = nFull + req.maxTokens - 8;  // a little short: something must give
    settings.nThreads = 1;
    ChatRunner runner;
    ASSERT_TRUE(runner.load(QString::fromStdString(path.string()), settings).is_ok());
    const GenerationOutcome out = runner.run(req);
    ASSERT_EQ(out.kind, GenerationOutcome::Kind::finished) << out.error.toStdString();
    ASSERT_GT(out.stats.nDroppedMessages, 0);
    ASSERT_FALSE(out.stats.historySummary.isEmpty());
    EXPECT_LE(out.stats.nPromptTokens + req.maxTokens, settings.nCtx);

    // The summary is the model's greedy answer to the summary request for the dropped turns.
    std::vector<PromptMessage> dropped(turn1.begin(), turn1.end());
    if (out.stats.nDroppedMessages == 4) dropped.insert(dropped.end(), turn2.begin(), turn2.end());
    ASSERT_EQ(static_cast<int>(dropped.size()), out.stats.nDroppedMessages);
    ChatPromptInput summaryPrompt;
    summaryPrompt.messages = summaryRequestMessages(dropped, static_cast<size_t>(settings.nCtx) * 3);
    const int budget = std::min(ChatRunner::kSummaryTokens, settings.nCtx / 8);
    const test::ReferenceRun refSummary = test::greedyReference(model, renderChatMlPrompt(summaryPrompt), budget, {}, settings.nCtx);
    EXPECT_EQ(out.stats.historySummary.toStdString(), trimRight(refSummary.text));

    // The answer continues the prompt with the summary in the system message, written out here.
    std::string expectedPrompt = "<|im_start|>system\nbe nice\n\nSummary of the earlier conversation: " +
                                 out.stats.historySummary.toStdString() + "<|im_end|>\n";
    if (out.stats.nDroppedMessages == 2)
        expectedPrompt += "<|im_start|>user\n" + turn2[0].content + "<|im_end|>\n<|im_start|>assistant\n" +
                          turn2[1].content + "<|im_end|>\n";
    expectedPrompt += "<|im_start|>user\n" + last.content + "<|im_end|>\n<|im_start|>assistant\n";
    const test::ReferenceRun refAnswer = test::greedyReference(model, expectedPrompt, req.maxTokens, {}, settings.nCtx);
    EXPECT_EQ(out.text.toStdString(), refAnswer.text);
}
