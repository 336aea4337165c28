// Time to first token on turn 10, cache kept vs cold. Disabled: a measurement, not a check of
// correctness (KV reuse is checked in inference_worker_test.cpp). Run:
//   test_app_inference --gtest_also_run_disabled_tests --gtest_filter='InferenceBenchmark.*'
// TESSERA_BENCH_MODEL=<gguf> measures that model too; TESSERA_BENCH_PRESET=smollm2-135m writes a
// random-weight model of that shape (q8_0) to a temp dir and measures it.
#include <gtest/gtest.h>

#include <QTemporaryDir>
#include <cstdio>
#include <cstdlib>

#include "app/services/inference_benchmark.h"
#include "engine/models/text/synthetic_model.h"
#include "tests/support/test_support.h"

namespace tessera {
namespace {

void measure(const QString& label, const QString& path) {
    TurnLatencyOptions opts;
    auto r = measureTurnLatency(path, opts);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    std::printf("[bench] %s: turn %d prompt %d tokens | warm: evaluated %d, TTFT %.2f ms (prompt %.2f ms) | "
                "cold: evaluated %d, TTFT %.2f ms (prompt %.2f ms) | speed-up %.1fx | decode %.1f tok/s\n",
                label.toUtf8().constData(), r->turns, r->promptTokens, r->warmEvaluated, r->warmTtftMs,
                r->warmPromptMs, r->coldEvaluated, r->coldTtftMs, r->coldPromptMs,
                r->warmTtftMs > 0 ? r->coldTtftMs / r->warmTtftMs : 0.0, r->decodeTokensPerSecond);
    EXPECT_EQ(r->coldEvaluated, r->promptTokens);
    EXPECT_LT(r->warmEvaluated, r->promptTokens / 2);
}

TEST(InferenceBenchmark, DISABLED_TurnTenVersusCold) {
    const auto stories = test::fixture("text/stories260K.gguf");
    TESSERA_REQUIRE_FIXTURE(stories);
    measure("stories260K", QString::fromStdString(stories.string()));
    if (const char* model = std::getenv("TESSERA_BENCH_MODEL")) measure(model, QString::fromUtf8(model));
    if (const char* preset = std::getenv("TESSERA_BENCH_PRESET")) {
        auto spec = synthetic_preset(preset);
        ASSERT_TRUE(spec.is_ok()) << spec.status().to_string();
        spec->weight_type = "q8_0";
        QTemporaryDir dir;
        const QString path = dir.filePath("bench.gguf");
        ASSERT_TRUE(write_synthetic_text_model(*spec, path.toStdString()).is_ok());
        measure(QStringLiteral("synthetic %1 q8_0").arg(QLatin1String(preset)), path);
    }
}

}  // namespace
}  // namespace tessera
