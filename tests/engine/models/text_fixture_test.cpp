// Text models against llama.cpp's reference logits (fixtures/text, see its README for semantics):
// one batched prefill over the 48 prompt tokens, then 32 single-token steps teacher-forced on the
// reference greedy tokens, then a free-running greedy decode for the F32 models.
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/ops/ops.h"
#include "engine/runtime/session.h"
#include "engine/runtime/text_model.h"
#include "tests/support/test_support.h"

using namespace tessera;
using json = nlohmann::json;

namespace {

struct Case {
    std::string manifest;  // e.g. "llama-f32.ref.json"
    std::string quant;     // F32, Q8_0, ...
    std::string arch;
};

std::vector<Case> load_cases() {
    std::vector<Case> cases;
    const auto index = test::fixture("text/index.json");
    if (std::filesystem::exists(index)) {
        const json j = json::parse(test::read_text_file(index));
        for (const auto& m : j["models"]) cases.push_back({m["ref"], m["quant"], m["arch"]});
    }
    if (cases.empty()) cases.push_back({"", "", "missing"});
    return cases;
}

struct Tolerance {
    double max_abs;
    double row_rms;  // 0: not checked
};

Tolerance tolerance_for(const Case& c) {
    if (c.quant == "F32") return {c.arch == "gemma3" ? 1e-3 : 1e-4, 0.0};
    return {0.25, 0.06};
}

// Compares one logits row; reports the argmax check only where the reference margin allows it.
void expect_row_close(const float* got, const float* ref, int64_t n_vocab, const Tolerance& tol, const std::string& what,
                      double* worst) {
    const double max_abs = test::max_abs_diff(got, ref, static_cast<size_t>(n_vocab));
    *worst = std::max(*worst, max_abs);
    EXPECT_LE(max_abs, tol.max_abs) << what;
    if (tol.row_rms > 0) EXPECT_LE(test::rms_diff(got, ref, static_cast<size_t>(n_vocab)), tol.row_rms) << what;
    // top-1 vs top-2 margin of the reference row
    int32_t best = ops::argmax(ref, n_vocab);
    float second = -INFINITY;
    for (int64_t i = 0; i < n_vocab; ++i)
        if (i != best) second = std::max(second, ref[i]);
    if (ref[best] - second > 2 * tol.max_abs) EXPECT_EQ(ops::argmax(got, n_vocab), best) << what << " (argmax)";
}

class TextFixture : public ::testing::TestWithParam<Case> {};

TEST_P(TextFixture, PrefillStepsAndGreedyMatchLlamaCpp) {
    const Case& c = GetParam();
    if (c.manifest.empty()) GTEST_SKIP() << "fixtures/text not found at " << test::fixture("text").string();
    const json m = json::parse(test::read_text_file(test::fixture("text/" + c.manifest)));
    const auto model_path = test::fixture("text/" + m["model_file"].get<std::string>());
    TESSERA_REQUIRE_FIXTURE(model_path);
    auto loaded = load_text_model(model_path.string());
    ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
    const auto model = loaded.value();
    const int64_t n_vocab = model->hparams().n_vocab;
    const auto prompt = m["prompt_tokens"].get<std::vector<int32_t>>();
    const auto greedy = m["greedy_tokens"].get<std::vector<int32_t>>();
    const auto prompt_ref = test::read_f32_file(test::fixture("text/" + m["prompt_logits_file"].get<std::string>()));
    const auto step_ref = test::read_f32_file(test::fixture("text/" + m["step_logits_file"].get<std::string>()));
    ASSERT_EQ(prompt_ref.size(), prompt.size() * n_vocab);
    ASSERT_EQ(step_ref.size(), greedy.size() * n_vocab);
    const Tolerance tol = tolerance_for(c);

    SessionOptions so;
    so.n_threads = 2;
    so.n_ctx = 256;
    Session session(model, so);
    ASSERT_TRUE(session.eval(prompt, LogitsMode::all).is_ok());
    double worst_prompt = 0, worst_step = 0;
    for (size_t r = 0; r < prompt.size(); ++r)
        expect_row_close(session.all_logits().data() + r * n_vocab, prompt_ref.data() + r * n_vocab, n_vocab, tol,
                         c.manifest + " prompt row " + std::to_string(r), &worst_prompt);

    for (size_t k = 0; k < greedy.size(); ++k) {  // teacher forced on the reference tokens
        ASSERT_TRUE(session.eval(std::span<const int32_t>(&greedy[k], 1)).is_ok());
        expect_row_close(session.logits(), step_ref.data() + k * n_vocab, n_vocab, tol,
                         c.manifest + " step " + std::to_string(k), &worst_step);
    }
    RecordProperty("max_abs_prompt", std::to_string(worst_prompt));
    RecordProperty("max_abs_steps", std::to_string(worst_step));
    std::printf("[ %s ] max |dlogit| prompt %.3g, steps %.3g\n", c.manifest.c_str(), worst_prompt, worst_step);

    if (c.quant == "F32") {  // free-running greedy reproduces the reference tokens
        Session fresh(model, so);
        ASSERT_TRUE(fresh.eval(prompt).is_ok());
        std::vector<int32_t> got;
        for (size_t k = 0; k < greedy.size(); ++k) {
            const int32_t next = ops::argmax(fresh.logits(), n_vocab);
            got.push_back(next);
            ASSERT_TRUE(fresh.eval(std::span<const int32_t>(&next, 1)).is_ok());
        }
        EXPECT_EQ(got, greedy) << c.manifest;
    }
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
    std::string s = info.param.manifest.empty() ? "missing" : info.param.manifest.substr(0, info.param.manifest.find(".ref"));
    for (char& ch : s)
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return s;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, TextFixture, ::testing::ValuesIn(load_cases()), case_name);

// stories260K: the real trained model. 64 greedy tokens and the decoded text identical.
TEST(Stories260K, GreedyTokensAndTextMatchLlamaCpp) {
    const auto path = test::fixture("text/stories260K.gguf");
    TESSERA_REQUIRE_FIXTURE(path);
    const json m = json::parse(test::read_text_file(test::fixture("text/stories260K.ref.json")));
    auto loaded = load_text_model(path.string());
    ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
    const auto model = loaded.value();
    const int64_t n_vocab = model->hparams().n_vocab;
    const auto prompt = m["prompt_tokens"].get<std::vector<int32_t>>();
    const auto greedy = m["greedy_tokens"].get<std::vector<int32_t>>();
    const auto prompt_ref = test::read_f32_file(test::fixture("text/stories260K.prompt_logits.f32"));
    Session session(model, {.n_ctx = 256, .n_threads = 2});
    ASSERT_TRUE(session.eval(prompt, LogitsMode::all).is_ok());
    EXPECT_LE(test::max_abs_diff(session.all_logits().data(), prompt_ref.data(), prompt_ref.size()), 1e-4);
    std::vector<int32_t> got;
    for (size_t k = 0; k < greedy.size(); ++k) {
        const int32_t next = ops::argmax(session.logits(), n_vocab);
        got.push_back(next);
        ASSERT_TRUE(session.eval(std::span<const int32_t>(&next, 1)).is_ok());
    }
    EXPECT_EQ(got, greedy);
    if (m.contains("greedy_text")) EXPECT_EQ(model->tokenizer().decode(got), m["greedy_text"].get<std::string>());
}

}  // namespace
