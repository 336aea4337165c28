#pragma once
// ChatRunner: one loaded model, one conversation Session kept between turns, and the generation
// loop (prompt formatting, KV-cache reuse, context-overflow policy, streaming with stop strings,
// cancellation). Synchronous and free of QObject: InferenceWorker runs it on its QThread; benchmarks
// and tests can drive it directly.
//
// KV reuse: every request re-renders the whole conversation and tokenizes it; the cached tokens
// shared with the new prompt (Session::common_prefix) are kept and only the rest is evaluated, so
// turn 10 does not re-process turns 1-9.
#include <QSet>
#include <QString>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/services/inference_types.h"
#include "engine/core/status.h"

namespace tessera {

class Session;
class TextModel;
struct PromptMessage;

struct GenerationOutcome {
    enum class Kind {
        finished,  // stats + text are valid (stats.stopReason tells why it ended)
        failed,    // nothing was generated; `error` says why
        overflow,  // prompt + maxTokens does not fit and the policy did not resolve it
    };
    Kind kind = Kind::finished;
    GenerationStats stats;
    QString text;
    QString error;
    int needed = 0;     // overflow: prompt tokens + maxTokens (or + 1 when maxTokens <= 0)
    int available = 0;  // overflow: the context window
};

class ChatRunner {
public:
    using TextCallback = std::function<void(const QString& delta)>;
    using UsageCallback = std::function<void(int used, int total)>;

    ChatRunner();
    ~ChatRunner();
    ChatRunner(const ChatRunner&) = delete;
    ChatRunner& operator=(const ChatRunner&) = delete;

    // Loads a GGUF text model and creates its Session. The previous model is released first (peak
    // memory stays at one model), so after a failure no model is loaded.
    Result<ModelInfo> load(const QString& path, const ModelSettings& settings);
    void unload();
    bool isLoaded() const { return m_session != nullptr; }
    // Forgets the cached conversation (the next request evaluates its whole prompt).
    void resetContext();

    // Runs one request to its end. `onText` receives each visible text delta (never part of a
    // UTF-8 character, never part of a stop string); `onUsage` the context fill after the prompt
    // and at the end.
    GenerationOutcome run(const GenerationRequest& request, const TextCallback& onText = {},
                          const UsageCallback& onUsage = {});

    // Thread-safe. requestId 0: the request running now (no effect when none runs); otherwise that
    // request, whether running now or queued for later.
    void requestStop(quint64 requestId = 0);
    bool isRunning() const { return m_running.load(); }

    // The prompt `request` formats to (after the system prompt is prepended), with the fallback
    // rules of run(). For tests and tools.
    Result<std::string> formatPrompt(const GenerationRequest& request, bool* usedFallback = nullptr) const;
    std::vector<int32_t> tokenizePrompt(const std::string& prompt) const;

    const Session* session() const { return m_session.get(); }
    const TextModel* model() const { return m_model.get(); }

    // Tokens a history summary may take (OverflowPolicy::summarizeOldTurns), at most 1/8 of the context.
    static constexpr int kSummaryTokens = 160;

private:
    // Has the model summarise `turns` (greedy, at most maxTokens). Uses the conversation's Session
    // (its cache is rebuilt by the next request anyway, since the history changed).
    Result<std::string> summarize(const std::vector<PromptMessage>& turns, const GenerationRequest& request,
                                  int maxTokens);
    Result<std::string> formatMessages(const std::vector<PromptMessage>& messages, PromptFallback fallback,
                                       bool* usedFallback) const;
    bool beginRequest(quint64 requestId);  // false: already cancelled
    void endRequest();

    std::shared_ptr<const TextModel> m_model;
    std::unique_ptr<Session> m_session;
    std::string m_chatTemplate;
    std::optional<std::string> m_bosText;  // nullopt: the vocabulary has no such token
    std::optional<std::string> m_eosText;

    std::atomic<bool> m_cancel{false};  // shared with the Session (checked between layers)
    std::atomic<bool> m_running{false};
    std::mutex m_stopMutex;
    quint64 m_currentRequest = 0;
    QSet<quint64> m_cancelledRequests;  // stopped before they started
};

}  // namespace tessera
