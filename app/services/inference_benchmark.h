#pragma once
// Time to first token on turn N of a conversation with the KV cache kept between turns ("warm",
// what the chat does) versus the same history evaluated from an empty cache ("cold"). A measuring
// helper for people, not a test; the disabled gtest InferenceBenchmark.DISABLED_TurnTenVersusCold
// drives it (run with --gtest_also_run_disabled_tests).
#include <QString>

#include "app/services/inference_types.h"
#include "engine/core/status.h"

namespace tessera {

struct TurnLatencyOptions {
    int turns = 10;        // the measured turn
    int replyTokens = 16;  // greedy tokens per assistant reply in turns 1..N-1
    int coldRepeats = 3;   // cold runs of turn N (the median is reported)
    ModelSettings settings;
};

struct TurnLatencyResult {
    int turns = 0;
    int promptTokens = 0;    // prompt of turn N
    int warmEvaluated = 0;   // prompt tokens turn N evaluated with the cache kept
    double warmTtftMs = 0;
    double warmPromptMs = 0;
    int coldEvaluated = 0;   // = promptTokens
    double coldTtftMs = 0;   // median of coldRepeats
    double coldPromptMs = 0;
    double decodeTokensPerSecond = 0;  // over the replies of turns 1..N-1
};

// Loads `modelPath`, plays `turns` user turns (ChatML fallback when the model has no template,
// greedy replies) and measures turn N warm and cold.
Result<TurnLatencyResult> measureTurnLatency(const QString& modelPath, const TurnLatencyOptions& options = {});

}  // namespace tessera
