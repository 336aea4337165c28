#pragma once
// Values exchanged with the InferenceWorker through queued signals. Plain Qt types only (no engine
// header), so the GUI can include this file.
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QtGlobal>
#include <limits>

namespace tessera {

struct ChatMessage {
    QString role;  // "system", "user", "assistant" (passed to the chat template as is)
    QString content;
};

// Sampler settings (mirror of the engine's SamplerParams; see engine/sampling/sampler.h for the
// meaning and the ranges of each field).
struct SamplingSettings {
    float temperature = 0.8f;  // <= 0: greedy
    int topK = 40;
    float topP = 0.95f;
    float minP = 0.05f;
    float typicalP = 1.0f;
    float repeatPenalty = 1.0f;
    float presencePenalty = 0.0f;
    float frequencyPenalty = 0.0f;
    int penaltyLastN = 64;
    QList<QPair<int, float>> logitBias;  // (token id, added to its logit); -inf bans the token
    quint64 seed = std::numeric_limits<quint64>::max();  // max: a fresh random seed per request
};

// What to do when prompt + maxTokens does not fit in the context window. The default asks the user
// (contextOverflow is emitted and nothing is generated); the others are explicit user choices.
enum class OverflowPolicy {
    none,             // emit contextOverflow and stop there
    dropOldestTurns,  // drop whole user/assistant turns from the oldest on; the system prompt stays
    stopAtLimit,      // generate until the context is full (stop reason contextFull)
    summarizeOldTurns,  // the model summarises the oldest turns; the summary joins the system prompt
};

// Used only when the model's own chat template is missing or fails to render.
enum class PromptFallback {
    none,    // report the error (generationFailed), the user decides
    chatMl,  // <|im_start|>role\ncontent<|im_end|>\n ... <|im_start|>assistant\n
};

struct GenerationRequest {
    quint64 requestId = 0;
    QList<ChatMessage> messages;  // the conversation so far, oldest first, ending with the user turn
    QString systemPrompt;         // prepended as a "system" message when non-empty
    SamplingSettings sampling;
    int maxTokens = 512;          // <= 0: until end of generation or a full context
    QStringList stopStrings;      // generation stops before any of these; they are never streamed
    OverflowPolicy overflowPolicy = OverflowPolicy::none;
    PromptFallback promptFallback = PromptFallback::none;
};

enum class StopReason { eos, stopString, maxTokens, cancelled, contextFull, error };
QString stopReasonName(StopReason reason);  // "eos", "stop_string", "max_tokens", ...

struct GenerationStats {
    int nPromptTokens = 0;     // tokens of the formatted prompt
    int nPromptEvaluated = 0;  // of which evaluated by this request (the rest came from the KV cache)
    int nGenerated = 0;        // sampled tokens that became text (an end-of-generation token is not counted)
    int nDroppedMessages = 0;  // messages removed by dropOldestTurns / summarizeOldTurns
    QString historySummary;    // summarizeOldTurns: the summary that replaced them
    double promptMs = 0;       // evaluating the prompt
    double timeToFirstTokenMs = 0;  // request start (formatting included) to the first sampled token
    double generationMs = 0;   // first sampled token to the end
    double tokensPerSecond = 0;  // nGenerated / generationMs
    StopReason stopReason = StopReason::eos;
    bool usedPromptFallback = false;  // formatted with the request's fallback, not the model's template
    QString errorMessage;      // stopReason == error: what failed mid-generation
};

struct ModelSettings {
    int nCtx = 0;      // 0: the model's training context, capped at 4096
    int nThreads = 0;  // 0: the engine's default
    int nBatch = 512;
};

struct ModelInfo {
    QString path;
    QString name;           // general.name
    QString architecture;   // general.architecture
    qint64 parameterCount = 0;
    int nVocab = 0;
    int nCtxTrain = 0;
    int nCtx = 0;           // the context window of the session
    qint64 kvCacheBytes = 0;
    qint64 fileSize = 0;
    bool hasChatTemplate = false;
};

// Registers the types above with Qt's meta-type system (needed for queued connections). Idempotent.
void registerInferenceMetaTypes();

}  // namespace tessera

Q_DECLARE_METATYPE(tessera::ChatMessage)
Q_DECLARE_METATYPE(tessera::GenerationRequest)
Q_DECLARE_METATYPE(tessera::GenerationStats)
Q_DECLARE_METATYPE(tessera::ModelSettings)
Q_DECLARE_METATYPE(tessera::ModelInfo)
Q_DECLARE_METATYPE(tessera::StopReason)
Q_DECLARE_METATYPE(tessera::OverflowPolicy)
