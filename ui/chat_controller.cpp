#include "ui/chat_controller.h"

#include <QFileInfo>
#include <QThread>
#include <QTimer>

#include "app/services/inference_worker.h"
#include "ui/model_info_dialog.h"
#include "ui/models/message_list_model.h"
#include "ui/models/search_result_model.h"
#include "ui/models/session_list_model.h"

namespace tessera {
namespace {

QString statusText(const Status& status) { return QString::fromStdString(status.to_string()); }

}  // namespace

ChatController::ChatController(SessionStore* store, QObject* parent)
    : QObject(parent),
      m_store(store),
      m_sessions(new SessionListModel(this)),
      m_messages(new MessageListModel(this)),
      m_search(new SearchResultModel(this)) {
    Q_ASSERT(store && store->isOpen());
    registerInferenceMetaTypes();
    qRegisterMetaType<tessera::StopReason>("tessera::StopReason");
    qRegisterMetaType<tessera::OverflowPolicy>("tessera::OverflowPolicy");

    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("inference"));
    m_worker = new InferenceWorker;  // no parent: it moves to m_thread
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);

    // GUI -> worker: queued, values only.
    connect(this, &ChatController::loadModelRequested, m_worker, &InferenceWorker::loadModel, Qt::QueuedConnection);
    connect(this, &ChatController::generateRequested, m_worker, &InferenceWorker::generate, Qt::QueuedConnection);
    // Worker -> GUI: queued; the slots run here and are the only writers of the models.
    connect(m_worker, &InferenceWorker::modelLoaded, this, &ChatController::onModelLoaded, Qt::QueuedConnection);
    connect(m_worker, &InferenceWorker::modelLoadFailed, this, &ChatController::onModelLoadFailed, Qt::QueuedConnection);
    connect(m_worker, &InferenceWorker::tokenStreamed, this, &ChatController::onTokenStreamed, Qt::QueuedConnection);
    connect(m_worker, &InferenceWorker::generationFinished, this, &ChatController::onGenerationFinished,
            Qt::QueuedConnection);
    connect(m_worker, &InferenceWorker::generationFailed, this, &ChatController::onGenerationFailed,
            Qt::QueuedConnection);
    connect(m_worker, &InferenceWorker::contextOverflow, this, &ChatController::onContextOverflow,
            Qt::QueuedConnection);
    connect(m_worker, &InferenceWorker::contextUsage, this, &ChatController::onContextUsage, Qt::QueuedConnection);
    m_thread->start();

    m_flushTimer = new QTimer(this);
    m_flushTimer->setInterval(m_flushIntervalMs);
    connect(m_flushTimer, &QTimer::timeout, this, &ChatController::flushPending);

    // Queued: the view is still committing its editor when the model emits this.
    connect(
        m_sessions, &SessionListModel::renameRequested, this,
        [this](qint64 id, const QString& title) { renameSession(id, title); }, Qt::QueuedConnection);

    reloadSessions();
}

ChatController::~ChatController() {
    if (m_gen) {
        m_worker->stop(m_gen->requestId);
        // The reply will never be finished by a signal now: keep what streamed.
        flushPending();
        (void)m_store->finishMessage(m_gen->messageId, MessageState::interrupted);
    }
    if (m_overflow) (void)m_store->finishMessage(m_overflow->messageId, MessageState::interrupted);
    m_thread->quit();
    m_thread->wait();
}

ChatSettings ChatController::activeChatSettings() const {
    return chatSettingsFromJson(m_activeInfo.settings.sampling);
}

void ChatController::setStoreFlushPolicy(int intervalMs, int deltas) {
    m_flushIntervalMs = qMax(1, intervalMs);
    m_flushDeltas = qMax(1, deltas);
    m_flushTimer->setInterval(m_flushIntervalMs);
}

Result<QString> ChatController::exportActiveSessionMarkdown() const {
    return m_store->exportSessionMarkdown(m_activeId);
}

QString ChatController::defaultSessionTitle() { return tr("New chat"); }

bool ChatController::report(const Status& status, const QString& what) {
    if (status.is_ok()) return true;
    setError(tr("%1: %2").arg(what, statusText(status)));
    return false;
}

void ChatController::setError(const QString& message) {
    m_lastError = message;
    emit errorOccurred(message);
}

// --- sessions ---

void ChatController::reloadSessions() {
    auto sessions = m_store->listSessions();
    if (!sessions) {
        report(sessions.status(), tr("Cannot list the chats"));
        return;
    }
    m_sessions->setSessions(*sessions);
    m_sessions->setActiveSessionId(m_activeId);
}

qint64 ChatController::newSession() {
    if (m_activeId && m_messages->rowCount() == 0 && !m_gen) return m_activeId;
    SessionSettings settings = m_activeInfo.settings;
    if (m_modelLoaded) settings.modelPath = m_modelInfo.path;
    auto id = m_store->createSession(defaultSessionTitle(), settings);
    if (!id) {
        report(id.status(), tr("Cannot create a chat"));
        return 0;
    }
    reloadSessions();
    openSession(*id);
    return *id;
}

bool ChatController::refreshActiveInfo() {
    auto info = m_store->session(m_activeId);
    if (!info) return report(info.status(), tr("Cannot read the chat"));
    m_activeInfo = *info;
    emit activeSessionInfoChanged(m_activeInfo);
    return true;
}

bool ChatController::openSession(qint64 sessionId) {
    if (sessionId == m_activeId && sessionId != 0) return true;
    if (m_overflow) dismissOverflow();
    if (m_gen) stop();  // it finishes in the background; its text still reaches the store
    auto info = m_store->session(sessionId);
    if (!info) return report(info.status(), tr("Cannot open the chat"));
    m_activeId = sessionId;
    m_activeInfo = *info;
    m_sessions->setActiveSessionId(sessionId);
    reloadActivePath();
    emit activeSessionChanged(sessionId);
    emit activeSessionInfoChanged(m_activeInfo);
    return true;
}

bool ChatController::renameSession(qint64 sessionId, const QString& title) {
    const QString t = title.simplified();
    if (t.isEmpty()) return false;
    const bool ok = report(m_store->renameSession(sessionId, t), tr("Cannot rename the chat"));
    reloadSessions();
    if (ok && sessionId == m_activeId) refreshActiveInfo();
    return ok;
}

bool ChatController::deleteSession(qint64 sessionId) {
    auto info = m_store->session(sessionId);
    if (!info) return report(info.status(), tr("Cannot delete the chat"));
    if (m_gen && m_gen->sessionId == sessionId) stop();
    if (m_overflow && m_overflow->sessionId == sessionId) dismissOverflow();
    if (!report(m_store->deleteSession(sessionId), tr("Cannot delete the chat"))) return false;
    m_deleted.append({sessionId, info->title});
    const int row = m_sessions->rowOfId(sessionId);
    m_sessions->removeSession(sessionId);
    if (sessionId == m_activeId) {
        m_activeId = 0;
        m_activeInfo = SessionInfo{};
        const int next = qMin(row, m_sessions->rowCount() - 1);
        if (next >= 0) {
            openSession(m_sessions->idAt(next));
        } else {
            m_messages->clear();
            m_sessions->setActiveSessionId(0);
            emit activeSessionChanged(0);
            emit activeSessionInfoChanged(m_activeInfo);
        }
    }
    emit sessionDeleted(sessionId, info->title);
    emit undoAvailableChanged(true);
    return true;
}

bool ChatController::undoDelete() {
    if (m_deleted.isEmpty()) return false;
    const auto [id, title] = m_deleted.takeLast();
    emit undoAvailableChanged(!m_deleted.isEmpty());
    if (!report(m_store->undeleteSession(id), tr("Cannot restore “%1”").arg(title))) return false;
    reloadSessions();
    return openSession(id);
}

void ChatController::search(const QString& query) {
    const QString q = query.trimmed();
    if (q.isEmpty()) {
        m_search->clear();
        return;
    }
    auto hits = m_store->search(q, 50);
    if (!hits) {
        report(hits.status(), tr("Search failed"));
        m_search->setResults(q, {});
        return;
    }
    m_search->setResults(q, *hits);
}

// --- messages ---

void ChatController::reloadActivePath() {
    flushPending();  // the store must hold everything the model shows
    if (!m_activeId) {
        m_messages->clear();
        return;
    }
    auto path = m_store->activePath(m_activeId);
    if (!path) {
        report(path.status(), tr("Cannot read the messages"));
        return;
    }
    QList<MessageEntry> entries;
    entries.reserve(path->size());
    for (const MessageRecord& record : *path) {
        MessageEntry e{record, 0, 1};
        if (auto sib = m_store->siblings(record.id)) {
            e.siblingIndex = sib->index;
            e.siblingCount = static_cast<int>(sib->ids.size());
        }
        entries.append(e);
    }
    m_messages->setMessages(m_activeId, entries);
}

void ChatController::showAddedMessage(qint64 messageId) {
    auto record = m_store->message(messageId);
    if (!record || record->sessionId != m_activeId || record->parentId != m_messages->lastId()) {
        reloadActivePath();
        return;
    }
    MessageEntry e{*record, 0, 1};
    if (auto sib = m_store->siblings(messageId)) {
        e.siblingIndex = sib->index;
        e.siblingCount = static_cast<int>(sib->ids.size());
    }
    m_messages->appendMessage(e);
}

void ChatController::maybeAutoTitle(const QString& firstUserText) {
    if (m_activeInfo.title != defaultSessionTitle()) return;
    QString title = firstUserText.section(QLatin1Char('\n'), 0, 0, QString::SectionSkipEmpty).simplified();
    if (title.size() > 48) title = title.left(47).trimmed() + QStringLiteral("…");
    if (title.isEmpty()) return;
    renameSession(m_activeId, title);
}

bool ChatController::send(const QString& text) {
    if (text.trimmed().isEmpty()) return false;
    if (m_gen) {
        setError(tr("A reply is still being written: stop it first (Esc)."));
        return false;
    }
    if (!m_modelLoaded) {
        setError(m_modelLoading ? tr("The model is still loading.")
                                : tr("No model is loaded: open a GGUF model first (Ctrl+O)."));
        return false;
    }
    if (m_overflow) dismissOverflow();
    if (!m_activeId && !newSession()) return false;
    NewMessage user;
    user.role = MessageRole::user;
    user.content = text;
    auto userId = m_store->addMessage(m_activeId, m_messages->lastId(), user);
    if (!userId) return report(userId.status(), tr("Cannot save the message"));
    showAddedMessage(*userId);
    maybeAutoTitle(text);
    return startReply(*userId);
}

bool ChatController::startReply(qint64 userMessageId) {
    auto path = m_store->branchPath(userMessageId);
    if (!path) return report(path.status(), tr("Cannot read the conversation"));
    const ChatSettings settings = activeChatSettings();

    NewMessage reply;
    reply.role = MessageRole::assistant;
    reply.state = MessageState::streaming;
    reply.model = modelDisplayName(m_modelInfo);
    reply.sampling = chatSettingsToJson(settings);
    auto replyId = m_store->addMessage(m_activeId, userMessageId, reply);
    if (!replyId) return report(replyId.status(), tr("Cannot save the reply"));
    showAddedMessage(*replyId);

    Generation g;
    g.requestId = ++m_nextRequestId;
    g.sessionId = m_activeId;
    g.messageId = *replyId;
    GenerationRequest& r = g.request;
    r.requestId = g.requestId;
    for (const MessageRecord& m : *path) {
        // A reply that failed before its first token has nothing to say.
        if (m.role == MessageRole::assistant && m.content.isEmpty()) continue;
        r.messages.append(ChatMessage{messageRoleName(m.role), m.content});
    }
    r.systemPrompt = m_activeInfo.settings.systemPrompt;
    r.sampling = settings.sampling;
    r.maxTokens = settings.maxTokens;
    // Models without a chat template (base models like stories260K) still chat, in ChatML.
    r.promptFallback = PromptFallback::chatMl;
    if (m_adjuster) m_adjuster(r);
    dispatch(std::move(g));
    reloadSessions();  // the session moved to the top
    return true;
}

void ChatController::dispatch(Generation generation) {
    m_gen = std::move(generation);
    m_gen->sinceFlush.start();
    m_gen->sinceRateUpdate.start();
    m_tokensPerSecond = 0;
    emit tokensPerSecondChanged(0);
    m_flushTimer->start();
    emit generatingChanged(true);
    emit generateRequested(m_gen->request);
}

void ChatController::stop() {
    if (m_gen) m_worker->stop(m_gen->requestId);
}

bool ChatController::regenerate(qint64 messageId) {
    if (m_gen || !m_modelLoaded) {
        setError(m_gen ? tr("A reply is still being written.") : tr("No model is loaded: open a GGUF model first."));
        return false;
    }
    if (m_overflow) dismissOverflow();
    if (messageId == 0) messageId = m_messages->lastId();
    auto record = m_store->message(messageId);
    if (!record) return report(record.status(), tr("Cannot regenerate"));
    if (record->role == MessageRole::user) return startReply(record->id);
    if (record->role != MessageRole::assistant || record->parentId == 0) return false;
    return startReply(record->parentId);
}

bool ChatController::editMessage(qint64 messageId, const QString& text) {
    if (text.trimmed().isEmpty()) return false;
    if (m_gen) {
        setError(tr("A reply is still being written: stop it first (Esc)."));
        return false;
    }
    auto record = m_store->message(messageId);
    if (!record) return report(record.status(), tr("Cannot edit the message"));
    if (m_overflow) dismissOverflow();
    auto newId = m_store->editMessage(messageId, text);
    if (!newId) return report(newId.status(), tr("Cannot edit the message"));
    reloadActivePath();
    if (record->role == MessageRole::user && m_modelLoaded) return startReply(*newId);
    reloadSessions();
    return true;
}

bool ChatController::showSibling(qint64 messageId, int delta) {
    if (m_gen) return false;
    auto sib = m_store->siblings(messageId);
    if (!sib) return report(sib.status(), tr("Cannot switch the branch"));
    const int target = sib->index + delta;
    if (target < 0 || target >= sib->ids.size()) return false;
    if (!report(m_store->selectMessage(sib->ids[target]), tr("Cannot switch the branch"))) return false;
    reloadActivePath();
    return true;
}

bool ChatController::setSessionSettings(const QString& systemPrompt, const ChatSettings& settings) {
    if (!m_activeId && !newSession()) return false;
    SessionSettings s = m_activeInfo.settings;
    s.systemPrompt = systemPrompt;
    s.sampling = chatSettingsToJson(settings);
    if (s.systemPrompt == m_activeInfo.settings.systemPrompt && s.sampling == m_activeInfo.settings.sampling)
        return true;
    if (!report(m_store->setSessionSettings(m_activeId, s), tr("Cannot save the chat settings"))) return false;
    return refreshActiveInfo();
}

// --- model ---

void ChatController::loadModel(const QString& path) {
    if (m_gen) stop();
    m_modelLoading = true;
    emit modelLoadingChanged(true);
    emit loadModelRequested(path, m_modelSettings);
}

void ChatController::onModelLoaded(const ModelInfo& info) {
    m_modelInfo = info;
    m_modelLoaded = true;
    m_modelLoading = false;
    if (m_activeId && m_activeInfo.settings.modelPath != info.path) {
        SessionSettings s = m_activeInfo.settings;
        s.modelPath = info.path;
        if (m_store->setSessionSettings(m_activeId, s).is_ok()) refreshActiveInfo();
    }
    emit modelLoadingChanged(false);
    emit modelLoaded(info);
}

void ChatController::onModelLoadFailed(const QString& message) {
    m_modelLoading = false;
    emit modelLoadingChanged(false);
    emit modelLoadFailed(message);
    setError(message);
}

void ChatController::onContextUsage(int used, int total) {
    m_contextUsed = used;
    m_contextTotal = total;
    emit contextUsageChanged(used, total);
}

// --- streaming ---

void ChatController::onTokenStreamed(quint64 requestId, const QString& delta) {
    if (!m_gen || requestId != m_gen->requestId) return;
    Generation& g = *m_gen;
    if (g.nDeltas == 0) g.sinceFirstToken.start();
    ++g.nDeltas;
    ++g.pendingDeltas;
    g.pending += delta;
    m_messages->appendText(g.messageId, delta);  // no-op when another session is shown
    if (g.pendingDeltas >= m_flushDeltas || g.sinceFlush.elapsed() >= m_flushIntervalMs) flushPending();
    if (g.sinceRateUpdate.elapsed() >= 250 && g.sinceFirstToken.elapsed() > 0) {
        g.sinceRateUpdate.restart();
        m_tokensPerSecond = g.nDeltas * 1000.0 / double(g.sinceFirstToken.elapsed());
        emit tokensPerSecondChanged(m_tokensPerSecond);
    }
}

void ChatController::flushPending() {
    if (!m_gen || m_gen->pending.isEmpty()) return;
    Generation& g = *m_gen;
    const Status st = m_store->appendToMessage(g.messageId, g.pending, g.nDeltas);
    g.pending.clear();
    g.pendingDeltas = 0;
    g.sinceFlush.restart();
    report(st, tr("Cannot save the reply"));
}

void ChatController::endGeneration(MessageState state, const QJsonObject& timings, int nPromptTokens,
                                   int nGenTokens, StopReason reason) {
    flushPending();
    m_flushTimer->stop();
    const qint64 messageId = m_gen->messageId;
    report(m_store->finishMessage(messageId, state, timings, nPromptTokens, nGenTokens), tr("Cannot save the reply"));
    m_messages->setMessageState(messageId, state);
    if (!timings.isEmpty()) m_messages->setMessageTimings(messageId, timings, nGenTokens);
    m_gen.reset();
    emit generatingChanged(false);
    emit generationEnded(messageId, reason);
    reloadSessions();
}

void ChatController::onGenerationFinished(quint64 requestId, const GenerationStats& stats, const QString& text) {
    Q_UNUSED(text);  // the same text arrived delta by delta
    if (!m_gen || requestId != m_gen->requestId) return;
    QJsonObject timings{
        {QStringLiteral("prompt_ms"), stats.promptMs},
        {QStringLiteral("gen_ms"), stats.generationMs},
        {QStringLiteral("ttft_ms"), stats.timeToFirstTokenMs},
        {QStringLiteral("tokens_per_s"), stats.tokensPerSecond},
        {QStringLiteral("stop_reason"), stopReasonName(stats.stopReason)},
    };
    if (stats.nDroppedMessages > 0) timings[QStringLiteral("dropped_messages")] = stats.nDroppedMessages;
    const bool stopped = stats.stopReason == StopReason::cancelled || stats.stopReason == StopReason::error;
    m_tokensPerSecond = stats.tokensPerSecond;
    emit tokensPerSecondChanged(m_tokensPerSecond);
    if (stats.stopReason == StopReason::error) setError(tr("The reply stopped: %1").arg(stats.errorMessage));
    endGeneration(stopped ? MessageState::interrupted : MessageState::complete, timings, stats.nPromptTokens,
                  stats.nGenerated, stats.stopReason);
}

void ChatController::onGenerationFailed(quint64 requestId, const QString& message) {
    if (!m_gen || requestId != m_gen->requestId) return;
    setError(tr("The model could not reply: %1").arg(message));
    endGeneration(MessageState::interrupted, {}, -1, -1, StopReason::error);
}

void ChatController::onContextOverflow(quint64 requestId, int needed, int available) {
    if (!m_gen || requestId != m_gen->requestId) return;
    // The reply stays `streaming` (empty) until the user picks a policy or gives up.
    m_flushTimer->stop();
    m_overflow = std::move(m_gen);
    m_gen.reset();
    emit generatingChanged(false);
    emit contextOverflowed(needed, available);
}

bool ChatController::retryWithOverflowPolicy(OverflowPolicy policy) {
    if (!m_overflow || m_gen) return false;
    Generation g = std::move(*m_overflow);
    m_overflow.reset();
    g.requestId = ++m_nextRequestId;
    g.request.requestId = g.requestId;
    g.request.overflowPolicy = policy;
    g.pending.clear();
    g.pendingDeltas = g.nDeltas = 0;
    dispatch(std::move(g));
    return true;
}

void ChatController::dismissOverflow() {
    if (!m_overflow) return;
    const qint64 messageId = m_overflow->messageId;
    m_overflow.reset();
    report(m_store->finishMessage(messageId, MessageState::interrupted), tr("Cannot save the reply"));
    m_messages->setMessageState(messageId, MessageState::interrupted);
    emit generationEnded(messageId, StopReason::contextFull);
}

}  // namespace tessera
