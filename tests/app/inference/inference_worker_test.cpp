// InferenceWorker on its own thread, on a tiny synthetic llama model. Expected values come from the
// engine run separately (Session + argmax), from hand-written prompts and from hand counts.
#include <gtest/gtest.h>

#include <QTemporaryDir>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>

#include "app/services/inference_worker.h"
#include "engine/sampling/sampler.h"
#include "tests/app/inference/worker_harness.h"

namespace tessera {
namespace {

using test::greedyReference;
using test::ReferenceRun;
using test::WorkerHarness;

constexpr float kBan = -std::numeric_limits<float>::infinity();

class InferenceWorkerTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        test::ensureApp();
        s_dir = new QTemporaryDir;
        ASSERT_TRUE(s_dir->isValid());
        s_modelPath = s_dir->filePath("tiny.gguf").toStdString();
        ASSERT_TRUE(write_synthetic_text_model(test::tinySpec(), s_modelPath).is_ok());
        auto model = load_text_model(s_modelPath);
        ASSERT_TRUE(model.is_ok()) << model.status().to_string();
        s_model = new std::shared_ptr<const TextModel>(std::move(model).value());
    }
    static void TearDownTestSuite() {
        delete s_model;
        delete s_dir;
    }

    static QString modelPath() { return QString::fromStdString(s_modelPath); }
    static const std::shared_ptr<const TextModel>& model() { return *s_model; }

    // Byte tokens banned: greedy output is then plain ASCII pieces (" a", " ab", ...).
    static std::set<int> asciiOnly(bool banEos = false) {
        std::set<int> banned;
        for (int b = 0; b < 256; ++b) banned.insert(test::byteToken(b));
        if (banEos) banned.insert(2);
        return banned;
    }

    static GenerationRequest request(quint64 id, QList<ChatMessage> messages, int maxTokens,
                                     const std::set<int>& banned) {
        GenerationRequest r;
        r.requestId = id;
        r.messages = std::move(messages);
        r.maxTokens = maxTokens;
        r.sampling.temperature = 0.0f;
        for (int t : banned) r.sampling.logitBias.append({t, kBan});
        r.promptFallback = PromptFallback::chatMl;
        return r;
    }

    static inline QTemporaryDir* s_dir = nullptr;
    static inline std::string s_modelPath;
    static inline std::shared_ptr<const TextModel>* s_model = nullptr;
};

TEST_F(InferenceWorkerTest, LoadReportsModelInfo) {
    WorkerHarness h;
    ModelSettings settings;
    settings.nCtx = 256;
    ASSERT_TRUE(h.load(modelPath(), settings)) << h.loadError().toStdString();
    const ModelInfo& info = *h.info();
    const SyntheticModelSpec spec = test::tinySpec();
    EXPECT_EQ(info.architecture, "llama");
    EXPECT_EQ(info.nVocab, spec.n_vocab);
    EXPECT_EQ(info.nCtxTrain, spec.n_ctx_train);
    EXPECT_EQ(info.nCtx, 256);
    EXPECT_EQ(info.parameterCount, test::syntheticParameterCount(spec));
    EXPECT_EQ(info.fileSize, static_cast<qint64>(std::filesystem::file_size(s_modelPath)));
    // f32 cache: 2 layers x 256 positions x (k + v) x n_head_kv * head_dim floats.
    EXPECT_EQ(info.kvCacheBytes, 2LL * 256 * 2 * (spec.n_head_kv * spec.head_dim) * 4);
    EXPECT_FALSE(info.hasChatTemplate);
}

TEST_F(InferenceWorkerTest, LoadMissingFileReportsError) {
    WorkerHarness h;
    EXPECT_FALSE(h.load(QStringLiteral("/nonexistent/dir/model.gguf")));
    EXPECT_TRUE(h.loadError().contains(QStringLiteral("/nonexistent/dir/model.gguf"))) << h.loadError().toStdString();
}

TEST_F(InferenceWorkerTest, GenerateWithoutModelFails) {
    WorkerHarness h;
    const auto& r = h.run(request(1, {{"user", "hi"}}, 4, {}));
    EXPECT_TRUE(r.failed);
    EXPECT_TRUE(r.error.contains(QStringLiteral("no model"))) << r.error.toStdString();

    // Loaded, then unloaded: the same.
    ASSERT_TRUE(h.load(modelPath()));
    const auto& ok = h.run(request(2, {{"user", "hi"}}, 2, asciiOnly(true)));
    EXPECT_TRUE(ok.finished);
    QMetaObject::invokeMethod(h.worker(), [w = h.worker()] { w->unloadModel(); }, Qt::QueuedConnection);
    const auto& after = h.run(request(3, {{"user", "hi"}}, 2, asciiOnly(true)));
    EXPECT_TRUE(after.failed);
    EXPECT_TRUE(after.error.contains(QStringLiteral("no model"))) << after.error.toStdString();
}

TEST_F(InferenceWorkerTest, NoChatTemplateIsAnErrorUnlessFallbackChosen) {
    WorkerHarness h;
    ASSERT_TRUE(h.load(modelPath()));
    GenerationRequest req = request(1, {{"user", "hi"}}, 3, asciiOnly());
    req.promptFallback = PromptFallback::none;
    const auto& failed = h.run(req);
    ASSERT_TRUE(failed.failed);
    EXPECT_TRUE(failed.error.contains(QStringLiteral("no chat template"))) << failed.error.toStdString();
    EXPECT_TRUE(failed.deltas.isEmpty());

    req.requestId = 2;
    req.promptFallback = PromptFallback::chatMl;
    const auto& ok = h.run(req);
    ASSERT_TRUE(ok.finished) << ok.error.toStdString();
    EXPECT_TRUE(ok.stats.usedPromptFallback);
    EXPECT_EQ(ok.stats.nGenerated, 3);
}

TEST_F(InferenceWorkerTest, GreedyReplyMatchesEngineRun) {
    WorkerHarness h;
    ASSERT_TRUE(h.load(modelPath()));
    const auto& r = h.run(request(7, {{"user", "hello there"}}, 12, asciiOnly()));
    ASSERT_TRUE(r.finished) << r.error.toStdString();

    const ReferenceRun ref =
        greedyReference(model(), "<|im_start|>user\nhello there<|im_end|>\n<|im_start|>assistant\n", 12, asciiOnly());
    EXPECT_EQ(r.text.toStdString(), ref.text);
    EXPECT_EQ(r.streamed(), r.text);
    EXPECT_EQ(r.stats.nPromptTokens, static_cast<int>(ref.prompt.size()));
    EXPECT_EQ(r.stats.nPromptEvaluated, r.stats.nPromptTokens);  // nothing cached yet
    EXPECT_EQ(r.stats.nGenerated, static_cast<int>(ref.generated.size()));
    EXPECT_EQ(r.stats.stopReason, ref.endedWithEos ? StopReason::eos : StopReason::maxTokens);
    EXPECT_GT(r.stats.timeToFirstTokenMs, 0.0);
    EXPECT_GE(r.stats.timeToFirstTokenMs, r.stats.promptMs);
    EXPECT_TRUE(r.stats.usedPromptFallback);  // the model has no template; the request allowed ChatML
    ASSERT_FALSE(h.usage().empty());
    // After a max_tokens stop the cache holds the prompt and every generated token but the last.
    if (!ref.endedWithEos)
        EXPECT_EQ(h.usage().back(), std::make_pair(r.stats.nPromptTokens + r.stats.nGenerated - 1, 2048));
}

TEST_F(InferenceWorkerTest, SecondTurnEvaluatesOnlyTheNewTokens) {
    WorkerHarness h;
    ASSERT_TRUE(h.load(modelPath()));
    const int maxTokens = 8;
    const auto banned = asciiOnly(/*banEos=*/true);
    const auto& t1 = h.run(request(1, {{"user", "hello there"}}, maxTokens, banned));
    ASSERT_TRUE(t1.finished) << t1.error.toStdString();
    const QString reply1 = t1.text;

    const QList<ChatMessage> history = {{"user", "hello there"}, {"assistant", reply1}, {"user", "tell me more"}};
    const auto& t2 = h.run(request(2, history, maxTokens, banned));
    ASSERT_TRUE(t2.finished) << t2.error.toStdString();

    // Independent accounting: turn 1 left prompt1 + its generated tokens but the last in the cache.
    const std::string p1 = "<|im_start|>user\nhello there<|im_end|>\n<|im_start|>assistant\n";
    const std::string p2 = p1 + reply1.toStdString() + "<|im_end|>\n<|im_start|>user\ntell me more<|im_end|>\n" +
                           "<|im_start|>assistant\n";
    const ReferenceRun ref1 = greedyReference(model(), p1, maxTokens, banned);
    ASSERT_EQ(ref1.text, reply1.toStdString());
    std::vector<int32_t> cached = ref1.prompt;
    cached.insert(cached.end(), ref1.generated.begin(), ref1.generated.end() - 1);
    const std::vector<int32_t> tokens2 = model()->tokenizer().encode(p2, true, true);
    const int expectedEvaluated = static_cast<int>(tokens2.size() - test::commonPrefix(cached, tokens2));

    EXPECT_EQ(t2.stats.nPromptTokens, static_cast<int>(tokens2.size()));
    EXPECT_EQ(t2.stats.nPromptEvaluated, expectedEvaluated);
    // The new tokens are at most the reply re-rendered plus the new user turn: far fewer than the prompt.
    EXPECT_LT(t2.stats.nPromptEvaluated, t2.stats.nPromptTokens - static_cast<int>(ref1.prompt.size()) + 1);

    // The reply with the reused cache is the reply of a cold run of the same prompt.
    const ReferenceRun ref2 = greedyReference(model(), p2, maxTokens, banned);
    EXPECT_EQ(t2.text.toStdString(), ref2.text);

    // And a cold worker (context reset) evaluates everything and says the same.
    QMetaObject::invokeMethod(h.worker(), [w = h.worker()] { w->resetContext(); }, Qt::QueuedConnection);
    const auto& cold = h.run(request(3, history, maxTokens, banned));
    ASSERT_TRUE(cold.finished);
    EXPECT_EQ(cold.stats.nPromptEvaluated, cold.stats.nPromptTokens);
    EXPECT_EQ(cold.text, t2.text);
}

TEST_F(InferenceWorkerTest, RepeatingTheSamePromptReusesAllButTheLastToken) {
    WorkerHarness h;
    ASSERT_TRUE(h.load(modelPath()));
    const auto banned = asciiOnly(true);
    const auto& a = h.run(request(1, {{"user", "abc"}}, 1, banned));
    ASSERT_TRUE(a.finished);
    // maxTokens 1: the sampled token is never evaluated, so the cache holds exactly the prompt.
    const auto& b = h.run(request(2, {{"user", "abc"}}, 1, banned));
    ASSERT_TRUE(b.finished);
    EXPECT_EQ(b.stats.nPromptEvaluated, 1);
    EXPECT_EQ(b.text, a.text);
}

TEST_F(InferenceWorkerTest, StopStringAcrossTokensIsNeverStreamed) {
    WorkerHarness h;
    ASSERT_TRUE(h.load(modelPath()));
    const auto banned = asciiOnly(true);
    const std::string prompt = "<|im_start|>user\nhello there<|im_end|>\n<|im_start|>assistant\n";
    const ReferenceRun ref = greedyReference(model(), prompt, 16, banned);
    ASSERT_GE(ref.generated.size(), 6u);
    // A stop string made of the end of piece 3 and the start of piece 4 (pieces are " x", " xy", ...).
    const Tokenizer& tok = model()->tokenizer();
    const std::string a = tok.token_to_piece(ref.generated[3]);
    const std::string b = tok.token_to_piece(ref.generated[4]);
    const std::string stop = a.substr(a.size() - 1) + b.substr(0, 2);
    const size_t at = ref.text.find(stop);
    ASSERT_NE(at, std::string::npos);

    GenerationRequest req = request(5, {{"user", "hello there"}}, 16, banned);
    req.stopStrings = {QString::fromStdString(stop)};
    const auto& r = h.run(req);
    ASSERT_TRUE(r.finished);
    EXPECT_EQ(r.stats.stopReason, StopReason::stopString);
    EXPECT_EQ(r.text.toStdString(), ref.text.substr(0, at));
    EXPECT_EQ(r.streamed(), r.text);  // nothing of the stop string was ever streamed
    EXPECT_FALSE(r.streamed().contains(QString::fromStdString(stop)));
}

TEST_F(InferenceWorkerTest, StopTakesEffectWithinOneToken) {
    WorkerHarness h;
    ModelSettings settings;
    settings.nCtx = 4096;
    ASSERT_TRUE(h.load(modelPath(), settings));
    // Unlimited and EOS banned: it would run to the full context.
    const auto& r0 = h.record(9);
    h.post(request(9, {{"user", "go"}}, 0, asciiOnly(true)));
    ASSERT_TRUE(test::waitFor([&] { return h.tokensEmitted() >= 5 || r0.done(); }));
    ASSERT_FALSE(h.record(9).done()) << "generation ended before it could be stopped";
    h.worker()->stop();  // direct call from this (GUI) thread while the worker thread is busy
    const int emittedAtStop = h.tokensEmitted();
    ASSERT_TRUE(test::waitFor([&] { return h.record(9).done(); }));
    const auto& r = h.record(9);
    ASSERT_TRUE(r.finished);
    EXPECT_EQ(r.stats.stopReason, StopReason::cancelled);
    // Every token of this run streams text (ASCII pieces), so nGenerated counts the emits; at most
    // the token in flight when stop() was called follows.
    EXPECT_LE(r.stats.nGenerated, emittedAtStop + 1);
    EXPECT_LT(r.stats.nGenerated, 4096 - r.stats.nPromptTokens);
    EXPECT_EQ(r.streamed(), r.text);

    // The next request runs normally (the flag does not stick).
    const auto& next = h.run(request(10, {{"user", "go"}}, 3, asciiOnly(true)));
    ASSERT_TRUE(next.finished);
    EXPECT_EQ(next.stats.stopReason, StopReason::maxTokens);
    EXPECT_EQ(next.stats.nGenerated, 3);
}

TEST_F(InferenceWorkerTest, StopByIdCancelsARequestBeforeItStarts) {
    WorkerHarness h;
    ASSERT_TRUE(h.load(modelPath()));
    h.worker()->stop(42);  // not started yet
    const auto& r = h.run(request(42, {{"user", "go"}}, 5, asciiOnly(true)));
    ASSERT_TRUE(r.finished);
    EXPECT_EQ(r.stats.stopReason, StopReason::cancelled);
    EXPECT_EQ(r.stats.nGenerated, 0);
    EXPECT_EQ(r.stats.nPromptEvaluated, 0);
    // stop() with no generation running is a no-op for the next request.
    h.worker()->stop();
    const auto& next = h.run(request(43, {{"user", "go"}}, 2, asciiOnly(true)));
    EXPECT_EQ(next.stats.stopReason, StopReason::maxTokens);
}

TEST_F(InferenceWorkerTest, ContextOverflowAsksBeforeDoingAnything) {
    WorkerHarness h;
    ModelSettings settings;
    settings.nCtx = 64;
    ASSERT_TRUE(h.load(modelPath(), settings));
    const QList<ChatMessage> msgs = {{"user", "first question here"}, {"assistant", "first answer"},
                                     {"user", "second"}};
    const std::string prompt =
        "<|im_start|>user\nfirst question here<|im_end|>\n<|im_start|>assistant\nfirst answer<|im_end|>\n"
        "<|im_start|>user\nsecond<|im_end|>\n<|im_start|>assistant\n";
    const int nPrompt = static_cast<int>(model()->tokenizer().encode(prompt, true, true).size());
    ASSERT_GT(nPrompt + 10, 64);
    const auto& r = h.run(request(1, msgs, 10, asciiOnly()));
    ASSERT_TRUE(r.overflow);
    EXPECT_EQ(r.needed, nPrompt + 10);
    EXPECT_EQ(r.available, 64);
    // Nothing else for that request: a later request's result arrives and request 1 stays as it was.
    const auto& later = h.run(request(2, {{"user", "x"}}, 1, asciiOnly()));
    ASSERT_TRUE(later.finished);
    EXPECT_FALSE(h.record(1).finished);
    EXPECT_FALSE(h.record(1).failed);
    EXPECT_TRUE(h.record(1).deltas.isEmpty());
}

TEST_F(InferenceWorkerTest, DropOldestTurnsKeepsTheSystemPromptAndFits) {
    const std::string sys = "<|im_start|>system\nbe nice<|im_end|>\n";
    const std::string turn1 = "<|im_start|>user\nfirst question here<|im_end|>\n<|im_start|>assistant\nfirst answer<|im_end|>\n";
    const std::string tail = "<|im_start|>user\nsecond<|im_end|>\n<|im_start|>assistant\n";
    const Tokenizer& tok = model()->tokenizer();
    const int nFull = static_cast<int>(tok.encode(sys + turn1 + tail, true, true).size());
    const int nDropped = static_cast<int>(tok.encode(sys + tail, true, true).size());
    const int maxTokens = 4;

    WorkerHarness h;
    ModelSettings settings;
    settings.nCtx = nDropped + maxTokens;  // fits exactly once the first turn is gone
    ASSERT_TRUE(h.load(modelPath(), settings));
    ASSERT_GT(nFull + maxTokens, settings.nCtx);
    GenerationRequest req = request(1, {{"user", "first question here"}, {"assistant", "first answer"}, {"user", "second"}},
                                    maxTokens, asciiOnly(true));
    req.systemPrompt = "be nice";
    req.overflowPolicy = OverflowPolicy::dropOldestTurns;
    const auto& r = h.run(req);
    ASSERT_TRUE(r.finished) << r.error.toStdString();
    EXPECT_EQ(r.stats.nDroppedMessages, 2);
    EXPECT_EQ(r.stats.nPromptTokens, nDropped);
    const ReferenceRun ref = greedyReference(model(), sys + tail, maxTokens, asciiOnly(true), settings.nCtx);
    EXPECT_EQ(r.text.toStdString(), ref.text);

    // With one token less of context even the last turn alone does not fit: overflow again.
    WorkerHarness small;
    settings.nCtx = nDropped + maxTokens - 1;
    ASSERT_TRUE(small.load(modelPath(), settings));
    req.requestId = 2;
    const auto& o = small.run(req);
    ASSERT_TRUE(o.overflow);
    EXPECT_EQ(o.needed, nDropped + maxTokens);
    EXPECT_EQ(o.available, settings.nCtx);
}

TEST_F(InferenceWorkerTest, StopAtLimitGeneratesUntilTheContextIsFull) {
    const std::string prompt = "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n";
    const int nPrompt = static_cast<int>(model()->tokenizer().encode(prompt, true, true).size());
    WorkerHarness h;
    ModelSettings settings;
    settings.nCtx = nPrompt + 5;
    ASSERT_TRUE(h.load(modelPath(), settings));
    GenerationRequest req = request(1, {{"user", "hi"}}, 50, asciiOnly(true));
    req.overflowPolicy = OverflowPolicy::stopAtLimit;
    const auto& r = h.run(req);
    ASSERT_TRUE(r.finished) << r.error.toStdString();
    EXPECT_EQ(r.stats.stopReason, StopReason::contextFull);
    EXPECT_EQ(r.stats.nGenerated, 5);
    const ReferenceRun ref = greedyReference(model(), prompt, 5, asciiOnly(true), settings.nCtx);
    EXPECT_EQ(r.text.toStdString(), ref.text);
}

TEST_F(InferenceWorkerTest, StreamNeverSplitsUtf8Characters) {
    WorkerHarness h;
    ASSERT_TRUE(h.load(modelPath()));
    // Only the byte tokens <0xC3> and <0xA9> may be sampled: "C3 A9" is "é", anything else is ill-formed.
    const int c3 = test::byteToken(0xC3), a9 = test::byteToken(0xA9);
    std::set<int> banned;
    for (int id = 0; id < 320; ++id)
        if (id != c3 && id != a9) banned.insert(id);
    GenerationRequest req = request(3, {{"user", "bytes"}}, 40, banned);
    req.sampling.temperature = 1.0f;
    req.sampling.topK = 0;
    req.sampling.topP = 1.0f;
    req.sampling.minP = 0.0f;
    req.sampling.seed = 1234;
    const auto& r = h.run(req);
    ASSERT_TRUE(r.finished);
    ASSERT_EQ(r.stats.nGenerated, 40);

    // The same draw on the engine alone.
    const std::string prompt = "<|im_start|>user\nbytes<|im_end|>\n<|im_start|>assistant\n";
    std::vector<int32_t> ids = model()->tokenizer().encode(prompt, true, true);
    SamplerParams sp;
    sp.temperature = 1.0f;
    sp.top_k = 0;
    sp.top_p = 1.0f;
    sp.min_p = 0.0f;
    sp.seed = 1234;
    for (int t : banned) sp.logit_bias.emplace_back(t, kBan);
    Sampler sampler(sp, 320);
    for (int32_t t : ids) sampler.accept(t);
    Session session(model());
    ASSERT_TRUE(session.eval(ids).is_ok());
    std::vector<int> bytes;
    for (int i = 0; i < 40; ++i) {
        const int32_t id = sampler.sample(session.logits());
        sampler.accept(id);
        bytes.push_back(id - 3);
        const int32_t one[1] = {id};
        if (i + 1 < 40) ASSERT_TRUE(session.eval(std::span<const int32_t>(one, 1)).is_ok());
    }
    // Decode by hand: C3 A9 -> U+00E9; any other byte -> U+FFFD (one per maximal ill-formed subpart).
    QString expected;
    int accents = 0;
    for (size_t i = 0; i < bytes.size(); ++i) {
        if (bytes[i] == 0xC3 && i + 1 < bytes.size() && bytes[i + 1] == 0xA9) {
            expected += QChar(0x00E9);
            ++accents;
            ++i;
        } else {
            expected += QChar(0xFFFD);
        }
    }
    ASSERT_GT(accents, 0) << "the draw produced no complete character; pick another seed";
    EXPECT_EQ(r.text, expected);
    EXPECT_EQ(r.streamed(), expected);  // a split "é" would show as two U+FFFD in the deltas
}

TEST_F(InferenceWorkerTest, UsesTheModelsChatTemplate) {
    const std::string tmpl =
        "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}\n{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>{% endif %}";
    const std::string path = s_dir->filePath("templated.gguf").toStdString();
    ASSERT_TRUE(test::copyWithChatTemplate(s_modelPath, path, tmpl).is_ok());

    WorkerHarness h;
    ASSERT_TRUE(h.load(QString::fromStdString(path)));
    EXPECT_TRUE(h.info()->hasChatTemplate);
    GenerationRequest req = request(1, {{"user", "hi"}}, 6, asciiOnly(true));
    req.systemPrompt = "sys";
    req.promptFallback = PromptFallback::none;
    const auto& r = h.run(req);
    ASSERT_TRUE(r.finished) << r.error.toStdString();
    EXPECT_FALSE(r.stats.usedPromptFallback);
    const ReferenceRun ref = greedyReference(model(), "<|system|>sys\n<|user|>hi\n<|assistant|>", 6, asciiOnly(true));
    EXPECT_EQ(r.stats.nPromptTokens, static_cast<int>(ref.prompt.size()));
    EXPECT_EQ(r.text.toStdString(), ref.text);
}

TEST_F(InferenceWorkerTest, BrokenTemplateIsReportedAndFallsBackOnlyWhenAsked) {
    const std::string path = s_dir->filePath("broken.gguf").toStdString();
    ASSERT_TRUE(test::copyWithChatTemplate(s_modelPath, path, "{% if messages %}never closed").is_ok());
    WorkerHarness h;
    ASSERT_TRUE(h.load(QString::fromStdString(path)));
    GenerationRequest req = request(1, {{"user", "hi"}}, 2, asciiOnly(true));
    req.promptFallback = PromptFallback::none;
    const auto& failed = h.run(req);
    ASSERT_TRUE(failed.failed);
    EXPECT_TRUE(failed.error.contains(QStringLiteral("chat template failed to render"))) << failed.error.toStdString();

    req.requestId = 2;
    req.promptFallback = PromptFallback::chatMl;
    const auto& ok = h.run(req);
    ASSERT_TRUE(ok.finished) << ok.error.toStdString();
    EXPECT_TRUE(ok.stats.usedPromptFallback);
    const ReferenceRun ref =
        greedyReference(model(), "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", 2, asciiOnly(true));
    EXPECT_EQ(ok.text.toStdString(), ref.text);
}

}  // namespace
}  // namespace tessera
