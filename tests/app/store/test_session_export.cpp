// SessionStore export to Markdown / JSON and JSON import (round trip, rejection of bad input).
#include <gtest/gtest.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>

#include "tests/app/store/store_test_util.h"

namespace tessera {
namespace {

NewMessage msg(MessageRole role, const QString& content, const QString& model = {}) {
    NewMessage m;
    m.role = role;
    m.content = content;
    m.model = model;
    return m;
}

QJsonObject withoutExportTime(QJsonObject doc) {
    doc.remove(QStringLiteral("exported_at"));
    return doc;
}

// A session with a branch, metadata, an interrupted answer and two attachments (one inline, one
// file-backed). Returns its id.
qint64 buildRichSession(SessionStore& store, const QString& attachmentFile) {
    SessionSettings settings;
    settings.systemPrompt = QStringLiteral("You are terse.\nAnswer in English.");
    settings.modelPath = QStringLiteral("/models/qwen3-1.7b-q4_k_m.gguf");
    settings.sampling = QJsonObject{{QStringLiteral("temperature"), 0.7}, {QStringLiteral("seed"), 7}};
    auto s = store.createSession(QStringLiteral("Rich"), settings);
    EXPECT_TRUE(s.is_ok());
    const qint64 sid = s.value();
    const qint64 u = store.addMessage(sid, 0, msg(MessageRole::user, QStringLiteral("Describe this picture"))).value();
    NewMessage a = msg(MessageRole::assistant, QStringLiteral("A cat on a mat."), QStringLiteral("qwen3-1.7b"));
    a.sampling = QJsonObject{{QStringLiteral("top_p"), 0.9}};
    a.timings = QJsonObject{{QStringLiteral("gen_ms"), 321}};
    a.nPromptTokens = 300;
    a.nGenTokens = 6;
    const qint64 a1 = store.addMessage(sid, u, a).value();
    NewMessage cut = msg(MessageRole::assistant, QStringLiteral("A dog"), QStringLiteral("qwen3-1.7b"));
    cut.state = MessageState::streaming;
    const qint64 a2 = store.addMessage(sid, u, cut).value();
    EXPECT_STATUS_OK(store.finishMessage(a2, MessageState::interrupted));
    EXPECT_STATUS_OK(store.selectMessage(a1));
    const qint64 inl = store.storeAttachment(QByteArray("\x89PNG fake", 9), QStringLiteral("image/png")).value();
    const qint64 file = store.storeAttachmentFile(attachmentFile, QStringLiteral("text/plain")).value();
    EXPECT_STATUS_OK(store.attachToMessage(u, inl, QStringLiteral("cat.png")));
    EXPECT_STATUS_OK(store.attachToMessage(u, file, QStringLiteral("notes.txt")));
    EXPECT_STATUS_OK(store.setSessionPinned(sid, true));
    return sid;
}

class SessionExportTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_file = m_dir.filePath(QStringLiteral("notes.txt"));
        QFile f(m_file);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write("remember the milk\n");
        f.close();
        m_store.setClock(test::steppingClock());
        ASSERT_STATUS_OK(m_store.open(QStringLiteral(":memory:")));
    }
    QTemporaryDir m_dir;
    QString m_file;
    SessionStore m_store;
};

TEST_F(SessionExportTest, MarkdownShowsTheActivePath) {
    // Clock readings, 1 s apart from 1700000000000 = 2023-11-14 22:13:20 UTC:
    // createSession (t0), addMessage user (t0+1 s, touch t0+2 s), addMessage assistant (t0+3 s,
    // touch t0+4 s), editMessage (t0+5 s, touch t0+6 s), storeAttachment (t0+7 s).
    SessionSettings settings;
    settings.systemPrompt = QStringLiteral("Be brief.");
    settings.modelPath = QStringLiteral("/m/q.gguf");
    ASSERT_OK_AND_ASSIGN(const qint64 s, m_store.createSession(QStringLiteral("Otters"), settings));
    ASSERT_OK_AND_ASSIGN(const qint64 u, m_store.addMessage(s, 0, msg(MessageRole::user, QStringLiteral("Do otters sleep?"))));
    ASSERT_OK_AND_ASSIGN(const qint64 a, m_store.addMessage(s, u, msg(MessageRole::assistant, QStringLiteral("Yes."), QStringLiteral("qwen3"))));
    ASSERT_OK_AND_ASSIGN(const qint64 a2, m_store.editMessage(a, QStringLiteral("Yes, holding hands.")));
    (void)a2;
    ASSERT_OK_AND_ASSIGN(const qint64 att, m_store.storeAttachment(QByteArray("abc"), QStringLiteral("text/plain")));
    ASSERT_STATUS_OK(m_store.attachToMessage(u, att, QStringLiteral("notes.txt")));

    ASSERT_OK_AND_ASSIGN(const QString md, m_store.exportSessionMarkdown(s));
    const QString expected = QStringLiteral(
        "# Otters\n"
        "\n"
        "- Created: 2023-11-14 22:13 UTC\n"
        "- Updated: 2023-11-14 22:13 UTC\n"
        "- Model: `/m/q.gguf`\n"
        "\n"
        "**System prompt**\n"
        "\n"
        "> Be brief.\n"
        "\n"
        "## User\n"
        "\n"
        "Do otters sleep?\n"
        "\n"
        "Attachments:\n"
        "- notes.txt (text/plain, 3 bytes, sha256 ba7816bf8f01)\n"
        "\n"
        "## Assistant · qwen3\n"
        "\n"
        "*(branch 2 of 2)*\n"
        "\n"
        "Yes, holding hands.\n");
    EXPECT_EQ(md, expected) << md.toStdString();

    ASSERT_OK_AND_ASSIGN(const qint64 s2, m_store.createSession(QStringLiteral("Second")));
    (void)s2;
    ASSERT_OK_AND_ASSIGN(const QString all, m_store.exportAllMarkdown());
    EXPECT_TRUE(all.startsWith(QStringLiteral("# Second\n"))) << all.toStdString();  // newest first
    EXPECT_TRUE(all.contains(QStringLiteral("\n---\n\n# Otters\n")));
}

TEST_F(SessionExportTest, JsonRoundTripIsExact) {
    const qint64 sid = buildRichSession(m_store, m_file);
    ASSERT_OK_AND_ASSIGN(const QJsonObject doc, m_store.exportSessionJson(sid));

    // Shape checks against the documented format.
    EXPECT_EQ(doc.value(QStringLiteral("format")).toString(), QStringLiteral("tessera.sessions"));
    EXPECT_EQ(doc.value(QStringLiteral("version")).toInt(), 1);
    const QJsonArray sessions = doc.value(QStringLiteral("sessions")).toArray();
    ASSERT_EQ(sessions.size(), 1);
    const QJsonObject s = sessions[0].toObject();
    EXPECT_EQ(s.value(QStringLiteral("title")).toString(), QStringLiteral("Rich"));
    EXPECT_TRUE(s.value(QStringLiteral("pinned")).toBool());
    const QJsonArray messages = s.value(QStringLiteral("messages")).toArray();
    ASSERT_EQ(messages.size(), 3);
    EXPECT_TRUE(messages[0].toObject().value(QStringLiteral("parent")).isNull());
    EXPECT_EQ(messages[1].toObject().value(QStringLiteral("parent")).toInt(), 0);
    EXPECT_EQ(messages[2].toObject().value(QStringLiteral("parent")).toInt(), 0);
    EXPECT_EQ(messages[2].toObject().value(QStringLiteral("state")).toString(), QStringLiteral("interrupted"));
    EXPECT_TRUE(messages[1].toObject().value(QStringLiteral("selected")).toBool());
    EXPECT_FALSE(messages[2].toObject().value(QStringLiteral("selected")).toBool());
    EXPECT_EQ(messages[0].toObject().value(QStringLiteral("attachments")).toArray().size(), 2);
    const QJsonArray atts = doc.value(QStringLiteral("attachments")).toArray();
    ASSERT_EQ(atts.size(), 2);
    int inlineCount = 0;
    for (const QJsonValue& v : atts) inlineCount += v.toObject().contains(QStringLiteral("data"));
    EXPECT_EQ(inlineCount, 1);

    // Through text, into a fresh store, and out again: identical apart from the export time.
    const QJsonObject reparsed = QJsonDocument::fromJson(QJsonDocument(doc).toJson()).object();
    SessionStore other;
    ASSERT_STATUS_OK(other.open(QStringLiteral(":memory:")));
    ASSERT_OK_AND_ASSIGN(const QList<qint64> ids, other.importJson(reparsed));
    ASSERT_EQ(ids.size(), 1);
    ASSERT_OK_AND_ASSIGN(const QJsonObject again, other.exportSessionJson(ids[0]));
    EXPECT_EQ(withoutExportTime(again), withoutExportTime(doc))
        << QJsonDocument(again).toJson().toStdString() << "\nvs\n" << QJsonDocument(doc).toJson().toStdString();

    // The imported tree works like the original.
    ASSERT_OK_AND_ASSIGN(const QList<MessageRecord> path, other.activePath(ids[0]));
    ASSERT_EQ(path.size(), 2);
    EXPECT_EQ(path[1].content, QStringLiteral("A cat on a mat."));
    ASSERT_OK_AND_ASSIGN(const QList<AttachmentInfo> a, other.messageAttachments(path[0].id));
    ASSERT_EQ(a.size(), 2);
    ASSERT_OK_AND_ASSIGN(const QByteArray png, other.attachmentData(a[0].id));
    EXPECT_EQ(png, QByteArray("\x89PNG fake", 9));
    ASSERT_OK_AND_ASSIGN(const QByteArray notes, other.attachmentData(a[1].id));
    EXPECT_EQ(notes, QByteArray("remember the milk\n"));
    ASSERT_OK_AND_ASSIGN(const QList<SearchHit> hits, other.search(QStringLiteral("mat")));
    EXPECT_EQ(hits.size(), 1);
}

TEST_F(SessionExportTest, ExportAllAndImportIntoTheSameStoreDedupesAttachments) {
    buildRichSession(m_store, m_file);
    ASSERT_OK_AND_ASSIGN(const qint64 plain, m_store.createSession(QStringLiteral("Plain")));
    ASSERT_STATUS_OK(m_store.addMessage(plain, 0, msg(MessageRole::user, QStringLiteral("hello"))).status());
    ASSERT_OK_AND_ASSIGN(const qint64 trashed, m_store.createSession(QStringLiteral("Trashed")));
    ASSERT_STATUS_OK(m_store.deleteSession(trashed));

    ASSERT_OK_AND_ASSIGN(const QJsonObject all, m_store.exportAllJson());
    const QJsonArray sessions = all.value(QStringLiteral("sessions")).toArray();
    ASSERT_EQ(sessions.size(), 2);  // the deleted one is left out by default
    EXPECT_EQ(sessions[0].toObject().value(QStringLiteral("title")).toString(), QStringLiteral("Rich"));  // oldest first
    EXPECT_EQ(sessions[1].toObject().value(QStringLiteral("title")).toString(), QStringLiteral("Plain"));

    ASSERT_OK_AND_ASSIGN(const QJsonObject withTrash, m_store.exportAllJson(SessionFilter{.includeDeleted = true}));
    EXPECT_EQ(withTrash.value(QStringLiteral("sessions")).toArray().size(), 3);

    ASSERT_OK_AND_ASSIGN(const QList<qint64> ids, m_store.importJson(all));
    EXPECT_EQ(ids.size(), 2);
    ASSERT_OK_AND_ASSIGN(const QList<SessionInfo> list, m_store.listSessions());
    EXPECT_EQ(list.size(), 4);
    // Attachments were already there: the import reused them.
    ASSERT_OK_AND_ASSIGN(const int orphans, m_store.purgeOrphanAttachments());
    EXPECT_EQ(orphans, 0);
    ASSERT_OK_AND_ASSIGN(const QJsonObject after, m_store.exportAllJson());
    EXPECT_EQ(after.value(QStringLiteral("attachments")).toArray().size(), 2);
}

TEST_F(SessionExportTest, ImportRejectsBadDocumentsWithoutPartialWrites) {
    const qint64 sid = buildRichSession(m_store, m_file);
    ASSERT_OK_AND_ASSIGN(const QJsonObject good, m_store.exportSessionJson(sid));
    auto countSessions = [&]() {
        auto list = m_store.listSessions(SessionFilter{.includeArchived = true, .includeDeleted = true});
        return list.is_ok() ? list.value().size() : -1;
    };
    const qsizetype before = countSessions();

    QJsonObject wrongFormat = good;
    wrongFormat[QStringLiteral("format")] = QStringLiteral("something.else");
    EXPECT_EQ(m_store.importJson(wrongFormat).status().code(), ErrorCode::format_error);

    QJsonObject newer = good;
    newer[QStringLiteral("version")] = 2;
    EXPECT_EQ(m_store.importJson(newer).status().code(), ErrorCode::unsupported);

    // Two sessions, the second broken (a parent that comes after its child): neither is kept.
    QJsonObject broken = good;
    QJsonArray sessions = good.value(QStringLiteral("sessions")).toArray();
    QJsonObject bad = sessions[0].toObject();
    QJsonArray messages = bad.value(QStringLiteral("messages")).toArray();
    QJsonObject first = messages[0].toObject();
    first[QStringLiteral("parent")] = 2;
    messages[0] = first;
    bad[QStringLiteral("messages")] = messages;
    sessions.append(bad);
    broken[QStringLiteral("sessions")] = sessions;
    const Status st = m_store.importJson(broken).status();
    EXPECT_EQ(st.code(), ErrorCode::format_error);
    EXPECT_NE(st.message().find("parent"), std::string::npos) << st.to_string();
    EXPECT_EQ(countSessions(), before);

    // Attachment data that does not match its hash.
    QJsonObject tampered = good;
    QJsonArray atts = good.value(QStringLiteral("attachments")).toArray();
    for (int i = 0; i < atts.size(); ++i) {
        QJsonObject a = atts[i].toObject();
        if (a.contains(QStringLiteral("data"))) {
            a[QStringLiteral("data")] = QString::fromLatin1(QByteArray("other bytes").toBase64());
            atts[i] = a;
        }
    }
    tampered[QStringLiteral("attachments")] = atts;
    SessionStore fresh;  // no existing copy to dedupe against
    ASSERT_STATUS_OK(fresh.open(QStringLiteral(":memory:")));
    EXPECT_EQ(fresh.importJson(tampered).status().code(), ErrorCode::format_error);
    ASSERT_OK_AND_ASSIGN(const QList<SessionInfo> none, fresh.listSessions());
    EXPECT_TRUE(none.isEmpty());

    // Unknown role.
    QJsonObject badRole = good;
    sessions = good.value(QStringLiteral("sessions")).toArray();
    QJsonObject s0 = sessions[0].toObject();
    messages = s0.value(QStringLiteral("messages")).toArray();
    QJsonObject m0 = messages[0].toObject();
    m0[QStringLiteral("role")] = QStringLiteral("narrator");
    messages[0] = m0;
    s0[QStringLiteral("messages")] = messages;
    sessions[0] = s0;
    badRole[QStringLiteral("sessions")] = sessions;
    EXPECT_EQ(m_store.importJson(badRole).status().code(), ErrorCode::format_error);
    EXPECT_EQ(countSessions(), before);
}

TEST_F(SessionExportTest, ImportedStreamingMessagesBecomeInterrupted) {
    QJsonObject doc{
        {QStringLiteral("format"), QStringLiteral("tessera.sessions")},
        {QStringLiteral("version"), 1},
        {QStringLiteral("sessions"),
         QJsonArray{QJsonObject{
             {QStringLiteral("title"), QStringLiteral("Hand-made")},
             {QStringLiteral("messages"),
              QJsonArray{QJsonObject{{QStringLiteral("id"), 0},
                                     {QStringLiteral("parent"), QJsonValue::Null},
                                     {QStringLiteral("role"), QStringLiteral("user")},
                                     {QStringLiteral("content"), QStringLiteral("hi")}},
                         QJsonObject{{QStringLiteral("id"), 1},
                                     {QStringLiteral("parent"), 0},
                                     {QStringLiteral("role"), QStringLiteral("assistant")},
                                     {QStringLiteral("content"), QStringLiteral("hel")},
                                     {QStringLiteral("state"), QStringLiteral("streaming")}}}}}}}};
    ASSERT_OK_AND_ASSIGN(const QList<qint64> ids, m_store.importJson(doc));
    ASSERT_EQ(ids.size(), 1);
    ASSERT_OK_AND_ASSIGN(const QList<MessageRecord> path, m_store.activePath(ids[0]));
    ASSERT_EQ(path.size(), 2);
    EXPECT_EQ(path[1].state, MessageState::interrupted);
    EXPECT_EQ(path[1].content, QStringLiteral("hel"));
}

}  // namespace
}  // namespace tessera
