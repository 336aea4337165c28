// The UI's list models under QAbstractItemModelTester (every change checked for consistency), their
// roles against hand-written values, and the chat settings JSON the UI stores per session.
#include <QAbstractItemModelTester>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>
#include <limits>

#include "ui/chat/chat_settings.h"
#include "ui/models/message_list_model.h"
#include "ui/models/search_result_model.h"
#include "ui/models/session_list_model.h"

using namespace tessera;

namespace {

SessionInfo session(qint64 id, const QString& title, qint64 updatedAt = 1000) {
    SessionInfo s;
    s.id = id;
    s.title = title;
    s.updatedAt = updatedAt;
    return s;
}

MessageEntry message(qint64 id, qint64 parentId, MessageRole role, const QString& content, int index = 0,
                     int count = 1, MessageState state = MessageState::complete) {
    MessageEntry e;
    e.record.id = id;
    e.record.parentId = parentId;
    e.record.role = role;
    e.record.content = content;
    e.record.state = state;
    e.siblingIndex = index;
    e.siblingCount = count;
    return e;
}

}  // namespace

class UiModelsTest : public QObject {
    Q_OBJECT
private slots:
    void sessionListModel();
    void sessionListRenameThroughSetData();
    void searchResultModel();
    void snippetToHtml();
    void messageListModel();
    void messageListModelStreaming();
    void chatSettingsJsonRoundTrip();
    void chatSettingsDefaultsAndPresets();
};

void UiModelsTest::sessionListModel() {
    SessionListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);

    model.setSessions({session(3, "Gamma", 30), session(2, "Beta", 20), session(1, "Alpha", 10)});
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.data(model.index(0, 0)).toString(), QStringLiteral("Gamma"));
    QCOMPARE(model.data(model.index(2, 0), SessionListModel::IdRole).toLongLong(), 1);
    QCOMPARE(model.data(model.index(1, 0), SessionListModel::UpdatedAtRole).toLongLong(), 20);
    QCOMPARE(model.rowOfId(2), 1);
    QCOMPARE(model.rowOfId(99), -1);
    QCOMPARE(model.idAt(5), 0);

    // Same ids in the same order: rows change in place, no reset.
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    model.setSessions({session(3, "Gamma 2", 31), session(2, "Beta", 20), session(1, "Alpha", 10)});
    QCOMPARE(resets.count(), 0);
    QCOMPARE(changes.count(), 1);
    QCOMPARE(model.data(model.index(0, 0)).toString(), QStringLiteral("Gamma 2"));

    // Another order: a reset.
    model.setSessions({session(1, "Alpha", 40), session(3, "Gamma 2", 31), session(2, "Beta", 20)});
    QCOMPARE(resets.count(), 1);
    QCOMPARE(model.idAt(0), 1);

    model.setActiveSessionId(3);
    QVERIFY(model.data(model.index(1, 0), SessionListModel::ActiveRole).toBool());
    QVERIFY(!model.data(model.index(0, 0), SessionListModel::ActiveRole).toBool());

    model.updateSession(session(2, "Beta renamed", 50));
    QCOMPARE(model.data(model.index(2, 0)).toString(), QStringLiteral("Beta renamed"));

    model.removeSession(3);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.rowOfId(3), -1);
    model.removeSession(3);  // absent: nothing happens
    QCOMPARE(model.rowCount(), 2);

    model.setSessions({});
    QCOMPARE(model.rowCount(), 0);
}

void UiModelsTest::sessionListRenameThroughSetData() {
    SessionListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSessions({session(7, "Old title")});
    QVERIFY(model.flags(model.index(0, 0)) & Qt::ItemIsEditable);
    QSignalSpy renames(&model, &SessionListModel::renameRequested);
    QVERIFY(model.setData(model.index(0, 0), QStringLiteral("  New   title ")));
    QCOMPARE(renames.count(), 1);
    QCOMPARE(renames.at(0).at(0).toLongLong(), 7);
    QCOMPARE(renames.at(0).at(1).toString(), QStringLiteral("New title"));
    QCOMPARE(model.data(model.index(0, 0)).toString(), QStringLiteral("New title"));
    QVERIFY(!model.setData(model.index(0, 0), QStringLiteral("   ")));  // a blank title is refused
    QCOMPARE(renames.count(), 1);
}

void UiModelsTest::searchResultModel() {
    SearchResultModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    SearchHit a;
    a.sessionId = 4;
    a.sessionTitle = QStringLiteral("Cats");
    a.messageId = 40;
    a.role = MessageRole::assistant;
    a.snippet = QStringLiteral("the [cat] sat");
    SearchHit b = a;
    b.messageId = 41;
    b.snippet = QStringLiteral("a [cat] and a [dog]");
    model.setResults(QStringLiteral("cat"), {a, b});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.query(), QStringLiteral("cat"));
    QCOMPARE(model.data(model.index(0, 0)).toString(), QStringLiteral("Cats"));
    QCOMPARE(model.data(model.index(1, 0), SearchResultModel::MessageIdRole).toLongLong(), 41);
    QCOMPARE(model.data(model.index(0, 0), SearchResultModel::MessageRoleRole).toInt(), int(MessageRole::assistant));
    QCOMPARE(model.data(model.index(0, 0), SearchResultModel::SnippetHtmlRole).toString(),
             QStringLiteral("the <b>cat</b> sat"));
    QCOMPARE(model.data(model.index(1, 0), Qt::ToolTipRole).toString(), QStringLiteral("a cat and a dog"));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void UiModelsTest::snippetToHtml() {
    QCOMPARE(SearchResultModel::snippetToHtml(QStringLiteral("x < [y] & z…")),
             QStringLiteral("x &lt; <b>y</b> &amp; z…"));
    QCOMPARE(SearchResultModel::snippetToHtml(QStringLiteral("[a][b]")), QStringLiteral("<b>a</b><b>b</b>"));
    QCOMPARE(SearchResultModel::snippetToHtml(QString()), QString());
}

void UiModelsTest::messageListModel() {
    MessageListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMessages(5, {message(1, 0, MessageRole::user, "Hi"), message(2, 1, MessageRole::assistant, "Hello", 1, 3)});
    QCOMPARE(model.sessionId(), 5);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.lastId(), 2);
    const QModelIndex reply = model.index(1, 0);
    QCOMPARE(model.data(reply, MessageListModel::ContentRole).toString(), QStringLiteral("Hello"));
    QCOMPARE(model.data(reply, MessageListModel::RoleNameRole).toString(), QStringLiteral("assistant"));
    QCOMPARE(model.data(reply, MessageListModel::SiblingIndexRole).toInt(), 1);
    QCOMPARE(model.data(reply, MessageListModel::SiblingCountRole).toInt(), 3);
    QCOMPARE(model.data(reply, MessageListModel::ParentIdRole).toLongLong(), 1);

    model.appendMessage(message(3, 2, MessageRole::user, "More"));
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.rowOfId(3), 2);

    MessageEntry edited = message(3, 2, MessageRole::user, "More, please", 1, 2);
    QVERIFY(model.updateMessage(edited));
    QCOMPARE(model.data(model.index(2, 0)).toString(), QStringLiteral("More, please"));
    QVERIFY(!model.updateMessage(message(99, 0, MessageRole::user, "x")));

    QJsonObject timings{{QStringLiteral("tokens_per_s"), 42.5}};
    QVERIFY(model.setMessageTimings(2, timings, 17));
    QCOMPARE(model.data(reply, MessageListModel::TokensPerSecondRole).toDouble(), 42.5);
    QCOMPARE(model.data(reply, MessageListModel::GeneratedTokensRole).toInt(), 17);

    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.lastId(), 0);
}

void UiModelsTest::messageListModelStreaming() {
    MessageListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMessages(1, {message(10, 0, MessageRole::user, "Tell me")});
    model.appendMessage(message(11, 10, MessageRole::assistant, QString(), 0, 1, MessageState::streaming));
    const QModelIndex reply = model.index(1, 0);
    QVERIFY(model.data(reply, MessageListModel::StreamingRole).toBool());

    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    for (const char* piece : {"Once", " upon", " a", " time"}) QVERIFY(model.appendText(11, QString::fromUtf8(piece)));
    QCOMPARE(changes.count(), 4);
    QCOMPARE(model.data(reply).toString(), QStringLiteral("Once upon a time"));
    QVERIFY(!model.appendText(12, QStringLiteral("lost")));  // not on the path shown

    QVERIFY(model.setMessageState(11, MessageState::interrupted));
    QCOMPARE(model.data(reply, MessageListModel::StateRole).toInt(), int(MessageState::interrupted));
    QVERIFY(!model.data(reply, MessageListModel::StreamingRole).toBool());
    QVERIFY(!model.setMessageState(12, MessageState::complete));
}

void UiModelsTest::chatSettingsJsonRoundTrip() {
    ChatSettings s = presetChatSettings(SamplingPreset::creative);
    s.maxTokens = 333;
    s.sampling.seed = 1234;
    const QJsonObject json = chatSettingsToJson(s);
    QCOMPARE(json.value("preset").toString(), QStringLiteral("creative"));
    QCOMPARE(json.value("max_tokens").toInt(), 333);
    QCOMPARE(json.value("seed").toInt(), 1234);
    QCOMPARE(json.value("top_k").toInt(), 100);
    const ChatSettings back = chatSettingsFromJson(json);
    QVERIFY(back == s);

    ChatSettings random = presetChatSettings(SamplingPreset::precise);
    QCOMPARE(chatSettingsToJson(random).value("seed").toInt(), -1);
    QCOMPARE(chatSettingsFromJson(chatSettingsToJson(random)).sampling.seed, std::numeric_limits<quint64>::max());
}

void UiModelsTest::chatSettingsDefaultsAndPresets() {
    // An empty object (a session the UI never configured) is Balanced.
    const ChatSettings empty = chatSettingsFromJson({});
    QCOMPARE(empty.preset, SamplingPreset::balanced);
    QCOMPARE(empty.sampling.temperature, 0.7f);
    QCOMPARE(empty.sampling.topK, 40);
    // A partial object keeps what it has.
    const ChatSettings partial = chatSettingsFromJson(QJsonObject{{"temperature", 0.0}, {"preset", "custom"}});
    QCOMPARE(partial.sampling.temperature, 0.0f);
    QCOMPARE(partial.preset, SamplingPreset::custom);
    QCOMPARE(partial.sampling.topP, 0.95f);

    for (SamplingPreset p : {SamplingPreset::precise, SamplingPreset::balanced, SamplingPreset::creative})
        QCOMPARE(matchingPreset(presetChatSettings(p).sampling), p);
    SamplingSettings tweaked = presetChatSettings(SamplingPreset::precise).sampling;
    tweaked.temperature = 0.33f;
    QCOMPARE(matchingPreset(tweaked), SamplingPreset::custom);
    QVERIFY(presetChatSettings(SamplingPreset::precise).sampling.temperature <
            presetChatSettings(SamplingPreset::creative).sampling.temperature);
    SamplingPreset parsed = SamplingPreset::custom;
    QVERIFY(samplingPresetFromName(QStringLiteral("precise"), &parsed));
    QCOMPARE(parsed, SamplingPreset::precise);
    QVERIFY(!samplingPresetFromName(QStringLiteral("wild"), &parsed));
}

QTEST_GUILESS_MAIN(UiModelsTest)
#include "test_ui_models.moc"
