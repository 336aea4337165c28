#include "app/services/inference_benchmark.h"

#include <algorithm>
#include <vector>

#include "app/services/chat_runner.h"

namespace tessera {

namespace {

QString userTurn(int i) {
    static const char* const kTopics[] = {"the sea", "a small red fox", "rain in the city", "an old clock",
                                          "the moon", "a garden in spring", "a lost key", "bread baking",
                                          "a quiet library", "mountain trains"};
    return QStringLiteral("Turn %1: tell me a short story about %2, with a happy ending.")
        .arg(i)
        .arg(QLatin1String(kTopics[(i - 1) % 10]));
}

}  // namespace

Result<TurnLatencyResult> measureTurnLatency(const QString& modelPath, const TurnLatencyOptions& options) {
    if (options.turns < 2) return make_error(ErrorCode::invalid_argument, "measureTurnLatency: turns must be >= 2");
    ChatRunner runner;
    auto info = runner.load(modelPath, options.settings);
    if (!info) return info.status();

    GenerationRequest req;
    req.sampling.temperature = 0.0f;
    req.maxTokens = options.replyTokens;
    req.promptFallback = PromptFallback::chatMl;
    TurnLatencyResult result;
    result.turns = options.turns;
    double decodeMs = 0;
    int decoded = 0;
    for (int turn = 1; turn <= options.turns; ++turn) {
        req.requestId = static_cast<quint64>(turn);
        req.messages.append({QStringLiteral("user"), userTurn(turn)});
        const GenerationOutcome out = runner.run(req);
        if (out.kind != GenerationOutcome::Kind::finished)
            return make_error(ErrorCode::internal, "turn " + std::to_string(turn) + " did not finish: " +
                                                       (out.kind == GenerationOutcome::Kind::overflow
                                                            ? std::string("context overflow")
                                                            : out.error.toStdString()));
        if (turn == options.turns) {
            result.promptTokens = out.stats.nPromptTokens;
            result.warmEvaluated = out.stats.nPromptEvaluated;
            result.warmTtftMs = out.stats.timeToFirstTokenMs;
            result.warmPromptMs = out.stats.promptMs;
        } else {
            decodeMs += out.stats.generationMs;
            decoded += out.stats.nGenerated;
            req.messages.append({QStringLiteral("assistant"), out.text});
        }
    }
    if (decodeMs > 0) result.decodeTokensPerSecond = decoded * 1000.0 / decodeMs;

    // Turn N again from an empty cache (same runner, same threads).
    std::vector<double> ttft, promptMs;
    req.maxTokens = 1;
    for (int i = 0; i < std::max(1, options.coldRepeats); ++i) {
        runner.resetContext();
        req.requestId = static_cast<quint64>(1000 + i);
        const GenerationOutcome out = runner.run(req);
        if (out.kind != GenerationOutcome::Kind::finished)
            return make_error(ErrorCode::internal, "cold run failed: " + out.error.toStdString());
        result.coldEvaluated = out.stats.nPromptEvaluated;
        ttft.push_back(out.stats.timeToFirstTokenMs);
        promptMs.push_back(out.stats.promptMs);
    }
    std::sort(ttft.begin(), ttft.end());
    std::sort(promptMs.begin(), promptMs.end());
    result.coldTtftMs = ttft[ttft.size() / 2];
    result.coldPromptMs = promptMs[promptMs.size() / 2];
    return result;
}

}  // namespace tessera
