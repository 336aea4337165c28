#pragma once
// ChatController: mediates between the widgets, the SessionStore and the InferenceWorker.
//
// - The SessionStore is used on the GUI thread for now (it is a plain class; each call is one short
//   SQLite transaction). Moving it to a worker thread of its own is a later step (STYLE.md habit 8).
// - The InferenceWorker lives on its own QThread. The controller talks to it only through queued
//   signals carrying values (generateRequested, loadModelRequested), except stop(), which the
//   worker documents as thread-safe and is called directly.
// - The list models change only here, on the GUI thread, from the values the worker sent.
//
// A reply: send() adds the user message and an empty `streaming` assistant message, then asks for a
// generation. Each streamed delta is appended to the MessageListModel at once and to the store every
// `flushIntervalMs` or `flushTokens` deltas (and on a timer when tokens stall); the end of the
// generation flushes the rest and marks the message complete or interrupted.
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <functional>
#include <optional>

#include "app/services/inference_types.h"
#include "app/services/session_store.h"
#include "ui/chat/chat_settings.h"

class QThread;
class QTimer;

namespace tessera {

class InferenceWorker;
class MessageListModel;
class SearchResultModel;
class SessionListModel;

class ChatController : public QObject {
    Q_OBJECT
public:
    // `store` must be open and outlive the controller.
    explicit ChatController(SessionStore* store, QObject* parent = nullptr);
    ~ChatController() override;

    SessionStore* store() const { return m_store; }
    SessionListModel* sessionModel() const { return m_sessions; }
    MessageListModel* messageModel() const { return m_messages; }
    SearchResultModel* searchModel() const { return m_search; }

    qint64 activeSessionId() const { return m_activeId; }
    SessionInfo activeSession() const { return m_activeInfo; }
    ChatSettings activeChatSettings() const;
    QString activeSystemPrompt() const { return m_activeInfo.settings.systemPrompt; }

    bool isGenerating() const { return m_gen.has_value(); }
    qint64 streamingMessageId() const { return m_gen ? m_gen->messageId : 0; }
    bool hasPendingOverflow() const { return m_overflow.has_value(); }
    bool isModelLoaded() const { return m_modelLoaded; }
    bool isModelLoading() const { return m_modelLoading; }
    ModelInfo modelInfo() const { return m_modelInfo; }
    double tokensPerSecond() const { return m_tokensPerSecond; }
    int contextUsed() const { return m_contextUsed; }
    int contextTotal() const { return m_contextTotal; }
    bool canUndoDelete() const { return !m_deleted.isEmpty(); }
    QString lastError() const { return m_lastError; }

    // Called on every request just before it is sent (tests, tools: e.g. logit bias).
    using RequestAdjuster = std::function<void(GenerationRequest&)>;
    void setRequestAdjuster(RequestAdjuster adjuster) { m_adjuster = std::move(adjuster); }
    void setModelSettings(const ModelSettings& settings) { m_modelSettings = settings; }
    // How often streamed text reaches the store: whichever comes first.
    void setStoreFlushPolicy(int intervalMs, int deltas);

    // The active session as Markdown (SessionStore::exportSessionMarkdown).
    Result<QString> exportActiveSessionMarkdown() const;

    static QString defaultSessionTitle();

public slots:
    void reloadSessions();
    // A new session with the active one's settings, opened; an active session that has no messages
    // yet is reused. Returns its id (0 on a store error).
    qint64 newSession();
    bool openSession(qint64 sessionId);
    bool renameSession(qint64 sessionId, const QString& title);
    // Soft delete (undoDelete brings it back). A generation running in it is stopped.
    bool deleteSession(qint64 sessionId);
    bool undoDelete();
    void search(const QString& query);

    // Adds `text` as a user message at the end of the active path and starts the reply. False when
    // a reply is running, the text is blank, or no model is loaded (errorOccurred says which).
    bool send(const QString& text);
    void stop();
    // A new reply (a sibling) for assistant message `messageId`; 0: the last message of the path
    // (an assistant message, or a user message left without a reply).
    bool regenerate(qint64 messageId = 0);
    // SessionStore::editMessage: a new sibling with `text`, selected. A user message then gets a
    // new reply.
    bool editMessage(qint64 messageId, const QString& text);
    // ‹ (delta -1) and › (delta +1) among a message's siblings.
    bool showSibling(qint64 messageId, int delta);
    bool setSessionSettings(const QString& systemPrompt, const tessera::ChatSettings& settings);

    void loadModel(const QString& path);
    // After contextOverflowed: run the same request again with this policy, or give it up.
    bool retryWithOverflowPolicy(tessera::OverflowPolicy policy);
    void dismissOverflow();

signals:
    void activeSessionChanged(qint64 sessionId);
    void activeSessionInfoChanged(const tessera::SessionInfo& info);  // title or settings
    void generatingChanged(bool generating);
    void generationEnded(qint64 messageId, tessera::StopReason reason);
    void modelLoadingChanged(bool loading);
    void modelLoaded(const tessera::ModelInfo& info);
    void modelLoadFailed(const QString& message);
    void tokensPerSecondChanged(double tokensPerSecond);
    void contextUsageChanged(int used, int total);
    void errorOccurred(const QString& message);
    void contextOverflowed(int needed, int available);
    void sessionDeleted(qint64 sessionId, const QString& title);
    void undoAvailableChanged(bool available);

    // To the worker (queued).
    void loadModelRequested(const QString& path, const tessera::ModelSettings& settings);
    void generateRequested(const tessera::GenerationRequest& request);

private:
    struct Generation {
        quint64 requestId = 0;
        qint64 sessionId = 0;
        qint64 messageId = 0;  // the streaming assistant message
        GenerationRequest request;
        QString pending;       // streamed, not yet in the store
        int pendingDeltas = 0;
        int nDeltas = 0;
        QElapsedTimer sinceFlush;
        QElapsedTimer sinceFirstToken;
        QElapsedTimer sinceRateUpdate;
    };

    void onModelLoaded(const tessera::ModelInfo& info);
    void onModelLoadFailed(const QString& message);
    void onTokenStreamed(quint64 requestId, const QString& delta);
    void onGenerationFinished(quint64 requestId, const tessera::GenerationStats& stats, const QString& text);
    void onGenerationFailed(quint64 requestId, const QString& message);
    void onContextOverflow(quint64 requestId, int needed, int available);
    void onContextUsage(int used, int total);

    bool startReply(qint64 userMessageId);
    void dispatch(Generation generation);
    void flushPending();
    void endGeneration(MessageState state, const QJsonObject& timings, int nPromptTokens, int nGenTokens,
                       StopReason reason);
    void reloadActivePath();
    // Shows a message just added: appended when it continues the path shown, else a reload.
    void showAddedMessage(qint64 messageId);
    bool refreshActiveInfo();
    void maybeAutoTitle(const QString& firstUserText);
    bool report(const Status& status, const QString& what);  // false + errorOccurred on failure
    void setError(const QString& message);

    SessionStore* m_store;
    SessionListModel* m_sessions;
    MessageListModel* m_messages;
    SearchResultModel* m_search;

    QThread* m_thread = nullptr;
    InferenceWorker* m_worker = nullptr;
    QTimer* m_flushTimer = nullptr;

    qint64 m_activeId = 0;
    SessionInfo m_activeInfo;
    std::optional<Generation> m_gen;
    std::optional<Generation> m_overflow;
    quint64 m_nextRequestId = 0;
    QList<QPair<qint64, QString>> m_deleted;  // undo stack: (id, title)

    bool m_modelLoaded = false;
    bool m_modelLoading = false;
    ModelInfo m_modelInfo;
    ModelSettings m_modelSettings;
    double m_tokensPerSecond = 0;
    int m_contextUsed = 0;
    int m_contextTotal = 0;
    QString m_lastError;
    RequestAdjuster m_adjuster;
    int m_flushIntervalMs = 250;
    int m_flushDeltas = 32;
};

}  // namespace tessera
