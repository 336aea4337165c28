// ChatController against a real SessionStore (temp file) and a real InferenceWorker on its thread,
// with a tiny synthetic model: what reaches the list models, what reaches the store, and when.
#include <QAbstractItemModelTester>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

#include "tests/ui/support/ui_test_util.h"
#include "ui/chat_controller.h"
#include "ui/models/message_list_model.h"
#include "ui/models/search_result_model.h"
#include "ui/models/session_list_model.h"

using namespace tessera;

class ChatControllerTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();

    void sendWithoutModelIsRefused();
    void sendStreamsIntoModelAndStore();
    void storeReceivesTextWhileStreaming();
    void stopMarksReplyInterrupted();
    void editStartsBranchAndNavigates();
    void regenerateAddsSibling();
    void deleteAndUndo();
    void renameAndSearch();
    void settingsReachTheRequest();
    void contextOverflowAsksThenRetries();
    void contextOverflowSummarisesOnRequest();

private:
    bool loadModel(const QString& path, ModelSettings settings = {});
    bool waitForReply(int timeoutMs = 60000);

    QTemporaryDir m_modelDir;
    QString m_tinyModel;
    std::unique_ptr<test::TempStore> m_store;
    std::unique_ptr<ChatController> m_controller;
    std::unique_ptr<QAbstractItemModelTester> m_sessionTester, m_messageTester, m_searchTester;
};

void ChatControllerTest::initTestCase() {
    QVERIFY(m_modelDir.isValid());
    m_tinyModel = test::writeModel(m_modelDir, QStringLiteral("tiny.gguf"), test::tinySpec());
    QVERIFY(!m_tinyModel.isEmpty());
}

void ChatControllerTest::init() {
    m_store = std::make_unique<test::TempStore>();
    m_controller = std::make_unique<ChatController>(&m_store->store);
    m_controller->setRequestAdjuster([](GenerationRequest& r) { test::banBytes(r, false); });
    using Mode = QAbstractItemModelTester::FailureReportingMode;
    m_sessionTester = std::make_unique<QAbstractItemModelTester>(m_controller->sessionModel(), Mode::QtTest);
    m_messageTester = std::make_unique<QAbstractItemModelTester>(m_controller->messageModel(), Mode::QtTest);
    m_searchTester = std::make_unique<QAbstractItemModelTester>(m_controller->searchModel(), Mode::QtTest);
}

void ChatControllerTest::cleanup() {
    m_sessionTester.reset();
    m_messageTester.reset();
    m_searchTester.reset();
    m_controller.reset();
    m_store.reset();
}

bool ChatControllerTest::loadModel(const QString& path, ModelSettings settings) {
    m_controller->setModelSettings(settings);
    QSignalSpy loaded(m_controller.get(), &ChatController::modelLoaded);
    m_controller->loadModel(path);
    return loaded.wait(30000) && m_controller->isModelLoaded();
}

bool ChatControllerTest::waitForReply(int timeoutMs) {
    return QTest::qWaitFor([this] { return !m_controller->isGenerating(); }, timeoutMs);
}

void ChatControllerTest::sendWithoutModelIsRefused() {
    QSignalSpy errors(m_controller.get(), &ChatController::errorOccurred);
    QVERIFY(!m_controller->send(QStringLiteral("hello")));
    QCOMPARE(errors.count(), 1);
    QVERIFY(errors.first().first().toString().contains(QStringLiteral("No model")));
    QCOMPARE(m_controller->messageModel()->rowCount(), 0);
    QVERIFY(!m_controller->send(QStringLiteral("   ")));  // blank: silently nothing
}

void ChatControllerTest::sendStreamsIntoModelAndStore() {
    QVERIFY(loadModel(m_tinyModel));
    QSignalSpy ended(m_controller.get(), &ChatController::generationEnded);
    QSignalSpy usage(m_controller.get(), &ChatController::contextUsageChanged);
    QVERIFY(m_controller->send(QStringLiteral("hello there")));
    QVERIFY(m_controller->isGenerating());
    QVERIFY(!m_controller->send(QStringLiteral("again")));  // one reply at a time
    QVERIFY(waitForReply());
    QCOMPARE(ended.count(), 1);

    MessageListModel* model = m_controller->messageModel();
    QCOMPARE(model->rowCount(), 2);
    const QModelIndex user = model->index(0, 0), reply = model->index(1, 0);
    QCOMPARE(user.data(MessageListModel::ContentRole).toString(), QStringLiteral("hello there"));
    QCOMPARE(reply.data(MessageListModel::RoleNameRole).toString(), QStringLiteral("assistant"));
    QCOMPARE(reply.data(MessageListModel::StateRole).toInt(), int(MessageState::complete));
    const QString text = reply.data(MessageListModel::ContentRole).toString();
    QVERIFY(!text.isEmpty());

    // The store holds what the model shows, and the session took its title from the first message.
    auto stored = m_store->store.message(reply.data(MessageListModel::IdRole).toLongLong());
    QVERIFY(stored.is_ok());
    QCOMPARE(stored->content, text);
    QCOMPARE(stored->state, MessageState::complete);
    QVERIFY(stored->nGenTokens > 0);
    QVERIFY(stored->timings.contains(QStringLiteral("tokens_per_s")));
    QCOMPARE(m_controller->activeSession().title, QStringLiteral("hello there"));
    QCOMPARE(m_controller->sessionModel()->data(m_controller->sessionModel()->index(0, 0)).toString(),
             QStringLiteral("hello there"));
    QVERIFY(usage.count() > 0);
    QVERIFY(m_controller->contextUsed() > 0);
    QCOMPARE(m_controller->contextTotal(), 2048);
}

void ChatControllerTest::storeReceivesTextWhileStreaming() {
    QVERIFY(loadModel(m_tinyModel));
    m_controller->setRequestAdjuster([](GenerationRequest& r) {
        test::banBytes(r, true);
        r.maxTokens = 400;
    });
    m_controller->setStoreFlushPolicy(60000, 8);  // every 8 deltas
    QVERIFY(m_controller->send(QStringLiteral("go")));
    const qint64 replyId = m_controller->streamingMessageId();
    QVERIFY(replyId > 0);
    // While the reply still streams, the store already holds a prefix of what the model shows.
    bool sawPartial = false;
    QVERIFY(QTest::qWaitFor(
        [&] {
            if (!m_controller->isGenerating()) return true;
            auto stored = m_store->store.message(replyId);
            const QString shown = m_controller->messageModel()->entry(replyId)->record.content;
            if (stored.is_ok() && !stored->content.isEmpty() && stored->state == MessageState::streaming) {
                if (!shown.startsWith(stored->content)) return true;  // fails below
                sawPartial = true;
            }
            return false;
        },
        60000));
    QVERIFY(sawPartial);
    QVERIFY(waitForReply());
    auto stored = m_store->store.message(replyId);
    QCOMPARE(stored->content, m_controller->messageModel()->entry(replyId)->record.content);
    QCOMPARE(stored->nGenTokens, 400);
}

void ChatControllerTest::stopMarksReplyInterrupted() {
    QVERIFY(loadModel(m_tinyModel));
    m_controller->setRequestAdjuster([](GenerationRequest& r) {
        test::banBytes(r, true);
        r.maxTokens = 0;  // until the context is full: long enough to stop it
    });
    QSignalSpy ended(m_controller.get(), &ChatController::generationEnded);
    QVERIFY(m_controller->send(QStringLiteral("talk")));
    const qint64 replyId = m_controller->streamingMessageId();
    QVERIFY(QTest::qWaitFor([&] { return !m_controller->messageModel()->entry(replyId)->record.content.isEmpty(); }, 30000));
    m_controller->stop();
    QVERIFY(waitForReply(30000));
    QCOMPARE(ended.count(), 1);
    QCOMPARE(ended.first().at(1).value<StopReason>(), StopReason::cancelled);
    QCOMPARE(m_controller->messageModel()->entry(replyId)->record.state, MessageState::interrupted);
    auto stored = m_store->store.message(replyId);
    QCOMPARE(stored->state, MessageState::interrupted);
    QCOMPARE(stored->content, m_controller->messageModel()->entry(replyId)->record.content);
}

void ChatControllerTest::editStartsBranchAndNavigates() {
    QVERIFY(loadModel(m_tinyModel));
    QVERIFY(m_controller->send(QStringLiteral("first question")));
    QVERIFY(waitForReply());
    MessageListModel* model = m_controller->messageModel();
    const qint64 firstUser = model->messages().at(0).record.id;
    const QString firstReply = model->messages().at(1).record.content;

    QVERIFY(m_controller->editMessage(firstUser, QStringLiteral("second question")));
    QVERIFY(waitForReply());
    QCOMPARE(model->rowCount(), 2);
    const MessageEntry edited = model->messages().at(0);
    QCOMPARE(edited.record.content, QStringLiteral("second question"));
    QCOMPARE(edited.siblingIndex, 1);
    QCOMPARE(edited.siblingCount, 2);
    QVERIFY(edited.record.id != firstUser);
    QCOMPARE(model->messages().at(1).record.parentId, edited.record.id);

    // ‹ goes back to the first version and its own reply; › returns.
    QVERIFY(m_controller->showSibling(edited.record.id, -1));
    QCOMPARE(model->messages().at(0).record.id, firstUser);
    QCOMPARE(model->messages().at(0).siblingIndex, 0);
    QCOMPARE(model->messages().at(1).record.content, firstReply);
    QVERIFY(!m_controller->showSibling(firstUser, -1));  // already the first
    QVERIFY(m_controller->showSibling(firstUser, +1));
    QCOMPARE(model->messages().at(0).record.content, QStringLiteral("second question"));
    // The store agrees on the active path.
    auto path = m_store->store.activePath(m_controller->activeSessionId());
    QCOMPARE(path->at(0).content, QStringLiteral("second question"));
}

void ChatControllerTest::regenerateAddsSibling() {
    QVERIFY(loadModel(m_tinyModel));
    m_controller->setRequestAdjuster([](GenerationRequest& r) {
        test::banBytes(r, false);
        r.sampling.temperature = 1.0f;
        r.sampling.seed = 99;
    });
    QVERIFY(m_controller->send(QStringLiteral("tell me")));
    QVERIFY(waitForReply());
    const qint64 firstReply = m_controller->messageModel()->lastId();
    QVERIFY(m_controller->regenerate());
    QVERIFY(waitForReply());
    const MessageEntry second = m_controller->messageModel()->messages().last();
    QVERIFY(second.record.id != firstReply);
    QCOMPARE(second.siblingCount, 2);
    QCOMPARE(second.siblingIndex, 1);
    QVERIFY(m_controller->showSibling(second.record.id, -1));
    QCOMPARE(m_controller->messageModel()->lastId(), firstReply);
}

void ChatControllerTest::deleteAndUndo() {
    const qint64 a = m_store->store.createSession(QStringLiteral("Kept")).value();
    QVERIFY(m_store->store.addMessage(a, 0, NewMessage{MessageRole::user, QStringLiteral("keep me")}).is_ok());
    m_controller->reloadSessions();
    QVERIFY(m_controller->openSession(a));
    QCOMPARE(m_controller->messageModel()->rowCount(), 1);
    const qint64 b = m_controller->newSession();  // a has a message, so this is a new one
    QVERIFY(b != a);
    QCOMPARE(m_controller->sessionModel()->rowCount(), 2);

    QSignalSpy deleted(m_controller.get(), &ChatController::sessionDeleted);
    QVERIFY(m_controller->deleteSession(b));
    QCOMPARE(deleted.count(), 1);
    QCOMPARE(m_controller->sessionModel()->rowCount(), 1);
    QCOMPARE(m_controller->activeSessionId(), a);  // moved to the remaining one
    QVERIFY(m_controller->canUndoDelete());
    QCOMPARE(m_store->store.session(b)->deletedAt > 0, true);

    QVERIFY(m_controller->undoDelete());
    QCOMPARE(m_controller->sessionModel()->rowCount(), 2);
    QCOMPARE(m_controller->activeSessionId(), b);
    QCOMPARE(m_store->store.session(b)->deletedAt, 0);
    QVERIFY(!m_controller->canUndoDelete());
    QVERIFY(!m_controller->undoDelete());
}

void ChatControllerTest::renameAndSearch() {
    const qint64 id = m_controller->newSession();
    QVERIFY(m_store->store.addMessage(id, 0, NewMessage{MessageRole::user, QStringLiteral("the quick brown fox")}).is_ok());
    QVERIFY(m_controller->renameSession(id, QStringLiteral("Foxes")));
    QCOMPARE(m_store->store.session(id)->title, QStringLiteral("Foxes"));
    QCOMPARE(m_controller->activeSession().title, QStringLiteral("Foxes"));

    // Renaming through the list model (what inline editing in the sidebar does) reaches the store.
    SessionListModel* sessions = m_controller->sessionModel();
    QVERIFY(sessions->setData(sessions->index(sessions->rowOfId(id), 0), QStringLiteral("Quick foxes")));
    QTRY_COMPARE(m_store->store.session(id)->title, QStringLiteral("Quick foxes"));

    m_controller->search(QStringLiteral("brown"));
    SearchResultModel* results = m_controller->searchModel();
    QCOMPARE(results->rowCount(), 1);
    QCOMPARE(results->data(results->index(0, 0), SearchResultModel::SessionIdRole).toLongLong(), id);
    QVERIFY(results->data(results->index(0, 0), SearchResultModel::SnippetRole).toString().contains("[brown]"));
    m_controller->search(QStringLiteral("zebra"));
    QCOMPARE(results->rowCount(), 0);
    m_controller->search(QString());
    QCOMPARE(results->rowCount(), 0);
}

void ChatControllerTest::settingsReachTheRequest() {
    QVERIFY(loadModel(m_tinyModel));
    GenerationRequest seen;
    m_controller->setRequestAdjuster([&seen](GenerationRequest& r) {
        test::banBytes(r, false);
        seen = r;
    });
    ChatSettings precise = presetChatSettings(SamplingPreset::precise);
    precise.maxTokens = 7;
    QVERIFY(m_controller->setSessionSettings(QStringLiteral("You are terse."), precise));
    auto stored = m_store->store.session(m_controller->activeSessionId());
    QCOMPARE(stored->settings.systemPrompt, QStringLiteral("You are terse."));
    QCOMPARE(stored->settings.sampling.value("preset").toString(), QStringLiteral("precise"));

    QVERIFY(m_controller->send(QStringLiteral("hi")));
    QVERIFY(waitForReply());
    QCOMPARE(seen.systemPrompt, QStringLiteral("You are terse."));
    QCOMPARE(seen.sampling.temperature, precise.sampling.temperature);
    QCOMPARE(seen.sampling.topK, precise.sampling.topK);
    QCOMPARE(seen.maxTokens, 7);
    QCOMPARE(seen.messages.size(), 1);
    QCOMPARE(seen.messages.first().role, QStringLiteral("user"));
    QVERIFY(m_store->store.message(m_controller->messageModel()->lastId())->nGenTokens <= 7);
    // The model is remembered with the session.
    QCOMPARE(m_store->store.session(m_controller->activeSessionId())->settings.modelPath, m_tinyModel);
}

void ChatControllerTest::contextOverflowAsksThenRetries() {
    ModelSettings small;
    small.nCtx = 64;
    QVERIFY(loadModel(m_tinyModel, small));
    m_controller->setRequestAdjuster([](GenerationRequest& r) {
        test::banBytes(r, true);
        r.maxTokens = 512;  // more than the context holds
    });
    QSignalSpy overflow(m_controller.get(), &ChatController::contextOverflowed);
    QVERIFY(m_controller->send(QStringLiteral("a long wish")));
    QVERIFY(overflow.wait(30000));
    QCOMPARE(overflow.first().at(1).toInt(), 64);
    QVERIFY(overflow.first().at(0).toInt() > 64);
    QVERIFY(!m_controller->isGenerating());
    QVERIFY(m_controller->hasPendingOverflow());
    const qint64 replyId = m_controller->messageModel()->lastId();

    QVERIFY(m_controller->retryWithOverflowPolicy(OverflowPolicy::stopAtLimit));
    QVERIFY(waitForReply());
    auto stored = m_store->store.message(replyId);
    QCOMPARE(stored->state, MessageState::complete);
    QVERIFY(!stored->content.isEmpty());
    QCOMPARE(stored->timings.value("stop_reason").toString(), QStringLiteral("context_full"));
    QVERIFY(m_controller->contextUsed() >= 63 && m_controller->contextUsed() <= 64);  // the last token is not evaluated
}

void ChatControllerTest::contextOverflowSummarisesOnRequest() {
    ModelSettings small;
    small.nCtx = 256;
    QVERIFY(loadModel(m_tinyModel, small));
    m_controller->setRequestAdjuster([](GenerationRequest& r) {
        test::banBytes(r, true);
        r.maxTokens = 8;
    });
    // The synthetic vocabulary spells this byte by byte: ~90 tokens a message, so the second or third
    // turn overflows a 256-token context while the newest turn plus a summary still fits.
    const QString longText = QStringLiteral("the quick brown fox jumps over the lazy dog ").repeated(2);
    QSignalSpy overflow(m_controller.get(), &ChatController::contextOverflowed);
    QSignalSpy ended(m_controller.get(), &ChatController::generationEnded);
    for (int turn = 0; turn < 4 && overflow.isEmpty(); ++turn) {
        const int endedBefore = ended.count();
        QVERIFY(m_controller->send(longText));
        QTRY_VERIFY_WITH_TIMEOUT(ended.count() > endedBefore || !overflow.isEmpty(), 60000);
    }
    QVERIFY(!overflow.isEmpty());
    const qint64 replyId = m_controller->messageModel()->lastId();
    const int endedBefore = ended.count();
    QSignalSpy errors(m_controller.get(), &ChatController::errorOccurred);
    const int overflowsBefore = overflow.count();
    QVERIFY(m_controller->retryWithOverflowPolicy(OverflowPolicy::summarizeOldTurns));
    QTRY_VERIFY_WITH_TIMEOUT(ended.count() > endedBefore, 60000);
    auto stored = m_store->store.message(replyId);
    QVERIFY2(errors.isEmpty(), qPrintable(errors.isEmpty() ? QString() : errors.first().first().toString()));
    QCOMPARE(overflow.count(), overflowsBefore);
    QVERIFY2(stored->state == MessageState::complete,
             qPrintable(QStringLiteral("reply state %1, timings %2").arg(int(stored->state)).arg(QString::fromUtf8(QJsonDocument(stored->timings).toJson(QJsonDocument::Compact)))));
    QVERIFY(m_controller->contextUsed() <= 256);
}

QTEST_GUILESS_MAIN(ChatControllerTest)
#include "test_chat_controller.moc"
