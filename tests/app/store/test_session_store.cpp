// SessionStore: sessions, the message tree and branch navigation, streaming, search,
// attachments, and the full-text index staying in sync with the messages.
#include <gtest/gtest.h>

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

#include "tests/app/store/store_test_util.h"

namespace tessera {
namespace {

using test::RawDb;

NewMessage msg(MessageRole role, const QString& content) {
    NewMessage m;
    m.role = role;
    m.content = content;
    return m;
}

class SessionStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_path = m_dir.filePath(QStringLiteral("sessions.db"));
        m_store.setClock(test::steppingClock());
        ASSERT_STATUS_OK(m_store.open(m_path));
    }

    QTemporaryDir m_dir;
    QString m_path;
    SessionStore m_store;
};

TEST_F(SessionStoreTest, OpenCreatesTheCurrentSchemaInWalMode) {
    EXPECT_EQ(m_store.schemaVersion(), SessionStore::kSchemaVersion);
    EXPECT_EQ(m_store.recoveredStreamCount(), 0);
    RawDb raw(m_path);
    ASSERT_TRUE(raw.ok());
    EXPECT_EQ(raw.value(QStringLiteral("PRAGMA journal_mode")), QStringLiteral("wal"));
    EXPECT_EQ(raw.value(QStringLiteral("PRAGMA user_version")), QStringLiteral("2"));
    const QStringList tables = raw.rows(QStringLiteral(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN"
        " ('sessions', 'messages', 'attachments', 'message_attachments', 'messages_fts') ORDER BY name"));
    EXPECT_EQ(tables, (QStringList{QStringLiteral("attachments"), QStringLiteral("message_attachments"),
                                   QStringLiteral("messages"), QStringLiteral("messages_fts"),
                                   QStringLiteral("sessions")}));
}

TEST_F(SessionStoreTest, InMemoryDatabaseWorks) {
    SessionStore mem;
    ASSERT_STATUS_OK(mem.open(QStringLiteral(":memory:")));
    ASSERT_OK_AND_ASSIGN(const qint64 id, mem.createSession(QStringLiteral("scratch")));
    ASSERT_OK_AND_ASSIGN(const SessionInfo info, mem.session(id));
    EXPECT_EQ(info.title, QStringLiteral("scratch"));
}

TEST_F(SessionStoreTest, SessionsCreateRenameSettingsAndOrder) {
    SessionSettings settings;
    settings.systemPrompt = QStringLiteral("Be brief.");
    settings.modelPath = QStringLiteral("/models/a.gguf");
    settings.sampling = QJsonObject{{QStringLiteral("temperature"), 0.7}, {QStringLiteral("top_k"), 40}};
    ASSERT_OK_AND_ASSIGN(const qint64 a, m_store.createSession(QStringLiteral("first"), settings));  // t0
    ASSERT_OK_AND_ASSIGN(const qint64 b, m_store.createSession(QStringLiteral("second")));           // t0 + 1 s
    ASSERT_OK_AND_ASSIGN(const qint64 c, m_store.createSession(QStringLiteral("third")));            // t0 + 2 s

    ASSERT_OK_AND_ASSIGN(SessionInfo info, m_store.session(a));
    EXPECT_EQ(info.title, QStringLiteral("first"));
    EXPECT_EQ(info.createdAt, 1'700'000'000'000);
    EXPECT_EQ(info.updatedAt, info.createdAt);
    EXPECT_EQ(info.settings.systemPrompt, QStringLiteral("Be brief."));
    EXPECT_EQ(info.settings.modelPath, QStringLiteral("/models/a.gguf"));
    EXPECT_EQ(info.settings.sampling.value(QStringLiteral("top_k")).toInt(), 40);
    EXPECT_EQ(info.messageCount, 0);

    // Most recently updated first.
    ASSERT_OK_AND_ASSIGN(QList<SessionInfo> list, m_store.listSessions());
    ASSERT_EQ(list.size(), 3);
    EXPECT_EQ(list[0].id, c);
    EXPECT_EQ(list[1].id, b);
    EXPECT_EQ(list[2].id, a);

    // Renaming updates; pinning moves to the top regardless of time.
    ASSERT_STATUS_OK(m_store.renameSession(b, QStringLiteral("second, renamed")));
    ASSERT_STATUS_OK(m_store.setSessionPinned(a, true));
    ASSERT_OK_AND_ASSIGN(list, m_store.listSessions());
    ASSERT_EQ(list.size(), 3);
    EXPECT_EQ(list[0].id, a);
    EXPECT_TRUE(list[0].pinned);
    EXPECT_EQ(list[1].id, b);
    EXPECT_EQ(list[1].title, QStringLiteral("second, renamed"));
    EXPECT_EQ(list[2].id, c);

    // Archived sessions are hidden unless asked for.
    ASSERT_STATUS_OK(m_store.setSessionArchived(c, true));
    ASSERT_OK_AND_ASSIGN(list, m_store.listSessions());
    EXPECT_EQ(list.size(), 2);
    ASSERT_OK_AND_ASSIGN(list, m_store.listSessions(SessionFilter{.includeArchived = true}));
    EXPECT_EQ(list.size(), 3);

    SessionSettings other;
    other.systemPrompt = QStringLiteral("Be thorough.");
    ASSERT_STATUS_OK(m_store.setSessionSettings(b, other));
    ASSERT_OK_AND_ASSIGN(info, m_store.session(b));
    EXPECT_EQ(info.settings.systemPrompt, QStringLiteral("Be thorough."));
    EXPECT_TRUE(info.settings.sampling.isEmpty());

    // Unknown ids are reported, not ignored.
    EXPECT_EQ(m_store.renameSession(999, QStringLiteral("x")).code(), ErrorCode::invalid_argument);
    EXPECT_EQ(m_store.session(999).status().code(), ErrorCode::invalid_argument);
    EXPECT_EQ(m_store.setSessionPinned(999, true).code(), ErrorCode::invalid_argument);
}

TEST_F(SessionStoreTest, DeleteIsUndoableUntilPurged) {
    ASSERT_OK_AND_ASSIGN(const qint64 keep, m_store.createSession(QStringLiteral("keep")));
    ASSERT_OK_AND_ASSIGN(const qint64 gone, m_store.createSession(QStringLiteral("gone")));
    ASSERT_OK_AND_ASSIGN(const qint64 u, m_store.addMessage(gone, 0, msg(MessageRole::user, QStringLiteral("zebra crossing"))));
    ASSERT_OK_AND_ASSIGN(const qint64 att, m_store.storeAttachment(QByteArray("only in gone"), QStringLiteral("text/plain")));
    ASSERT_STATUS_OK(m_store.attachToMessage(u, att));
    ASSERT_OK_AND_ASSIGN(const qint64 k, m_store.addMessage(keep, 0, msg(MessageRole::user, QStringLiteral("zebra stripes"))));
    (void)k;

    ASSERT_STATUS_OK(m_store.deleteSession(gone));
    ASSERT_OK_AND_ASSIGN(QList<SessionInfo> list, m_store.listSessions());
    ASSERT_EQ(list.size(), 1);
    EXPECT_EQ(list[0].id, keep);
    ASSERT_OK_AND_ASSIGN(QList<SearchHit> hits, m_store.search(QStringLiteral("zebra")));
    ASSERT_EQ(hits.size(), 1);  // the deleted session's message is not found
    EXPECT_EQ(hits[0].sessionId, keep);
    ASSERT_OK_AND_ASSIGN(list, m_store.listSessions(SessionFilter{.includeDeleted = true}));
    EXPECT_EQ(list.size(), 2);
    ASSERT_OK_AND_ASSIGN(SessionInfo info, m_store.session(gone));
    EXPECT_GT(info.deletedAt, 0);

    // Undo.
    ASSERT_STATUS_OK(m_store.undeleteSession(gone));
    ASSERT_OK_AND_ASSIGN(hits, m_store.search(QStringLiteral("zebra")));
    EXPECT_EQ(hits.size(), 2);
    ASSERT_OK_AND_ASSIGN(info, m_store.session(gone));
    EXPECT_EQ(info.deletedAt, 0);
    EXPECT_EQ(info.messageCount, 1);

    // Delete again and purge: messages, links and the orphaned attachment go.
    ASSERT_STATUS_OK(m_store.deleteSession(gone));
    ASSERT_OK_AND_ASSIGN(const int purged, m_store.purgeDeletedSessions());
    EXPECT_EQ(purged, 1);
    EXPECT_EQ(m_store.session(gone).status().code(), ErrorCode::invalid_argument);
    EXPECT_EQ(m_store.message(u).status().code(), ErrorCode::invalid_argument);
    EXPECT_EQ(m_store.attachment(att).status().code(), ErrorCode::invalid_argument);
    EXPECT_EQ(m_store.undeleteSession(gone).code(), ErrorCode::invalid_argument);
    RawDb raw(m_path);
    EXPECT_EQ(raw.value(QStringLiteral("SELECT COUNT(*) FROM messages WHERE session_id = %1").arg(gone)), QStringLiteral("0"));
    EXPECT_EQ(raw.value(QStringLiteral("SELECT COUNT(*) FROM message_attachments")), QStringLiteral("0"));
}

TEST_F(SessionStoreTest, PurgeHonoursTheCutoff) {
    ASSERT_OK_AND_ASSIGN(const qint64 a, m_store.createSession(QStringLiteral("a")));  // clock t0
    ASSERT_OK_AND_ASSIGN(const qint64 b, m_store.createSession(QStringLiteral("b")));  // t0 + 1 s
    ASSERT_STATUS_OK(m_store.deleteSession(a));                                        // deleted at t0 + 2 s
    ASSERT_STATUS_OK(m_store.deleteSession(b));                                        // deleted at t0 + 3 s
    ASSERT_OK_AND_ASSIGN(const int n, m_store.purgeDeletedSessions(1'700'000'002'000));
    EXPECT_EQ(n, 1);
    EXPECT_FALSE(m_store.session(a).is_ok());
    EXPECT_TRUE(m_store.session(b).is_ok());
}

TEST_F(SessionStoreTest, EditAddsASiblingAndBranchesNavigate) {
    ASSERT_OK_AND_ASSIGN(const qint64 s, m_store.createSession(QStringLiteral("tree")));
    ASSERT_OK_AND_ASSIGN(const qint64 u1, m_store.addMessage(s, 0, msg(MessageRole::user, QStringLiteral("What is 2+2?"))));
    ASSERT_OK_AND_ASSIGN(const qint64 a1, m_store.addMessage(s, u1, msg(MessageRole::assistant, QStringLiteral("4"))));
    ASSERT_OK_AND_ASSIGN(const qint64 u2, m_store.addMessage(s, a1, msg(MessageRole::user, QStringLiteral("And 3+3?"))));
    ASSERT_OK_AND_ASSIGN(const qint64 a2, m_store.addMessage(s, u2, msg(MessageRole::assistant, QStringLiteral("6"))));

    ASSERT_OK_AND_ASSIGN(QList<MessageRecord> path, m_store.activePath(s));
    ASSERT_EQ(path.size(), 4);
    EXPECT_EQ(path[0].id, u1);
    EXPECT_EQ(path[0].parentId, 0);
    EXPECT_EQ(path[3].id, a2);
    EXPECT_EQ(path[3].parentId, u2);

    // Edit the first question: a new root sibling, selected; the old branch stays intact.
    ASSERT_OK_AND_ASSIGN(const qint64 u1b, m_store.editMessage(u1, QStringLiteral("What is 2+3?")));
    ASSERT_OK_AND_ASSIGN(const qint64 a1b, m_store.addMessage(s, u1b, msg(MessageRole::assistant, QStringLiteral("5"))));
    ASSERT_OK_AND_ASSIGN(path, m_store.activePath(s));
    ASSERT_EQ(path.size(), 2);
    EXPECT_EQ(path[0].id, u1b);
    EXPECT_EQ(path[0].content, QStringLiteral("What is 2+3?"));
    EXPECT_EQ(path[0].role, MessageRole::user);
    EXPECT_EQ(path[1].id, a1b);

    ASSERT_OK_AND_ASSIGN(MessageRecord original, m_store.message(u1));
    EXPECT_EQ(original.content, QStringLiteral("What is 2+2?"));  // never erased
    EXPECT_FALSE(original.selected);

    // ‹ 2/2 › on the edited question.
    ASSERT_OK_AND_ASSIGN(SiblingInfo sib, m_store.siblings(u1b));
    EXPECT_EQ(sib.ids, (QList<qint64>{u1, u1b}));
    EXPECT_EQ(sib.index, 1);
    ASSERT_OK_AND_ASSIGN(sib, m_store.siblings(a2));
    EXPECT_EQ(sib.ids, (QList<qint64>{a2}));
    EXPECT_EQ(sib.index, 0);

    // Navigate back to the first branch: the whole old path is active again, down to its leaf.
    ASSERT_STATUS_OK(m_store.selectMessage(u1));
    ASSERT_OK_AND_ASSIGN(path, m_store.activePath(s));
    ASSERT_EQ(path.size(), 4);
    EXPECT_EQ(path[0].id, u1);
    EXPECT_EQ(path[3].id, a2);

    // Regenerate the last answer (a sibling under u2), then select a deep message of the other
    // branch: its ancestors become selected too.
    ASSERT_OK_AND_ASSIGN(const qint64 a2b, m_store.addMessage(s, u2, msg(MessageRole::assistant, QStringLiteral("six"))));
    ASSERT_OK_AND_ASSIGN(path, m_store.activePath(s));
    EXPECT_EQ(path.last().id, a2b);
    ASSERT_STATUS_OK(m_store.selectMessage(a1b));
    ASSERT_OK_AND_ASSIGN(path, m_store.activePath(s));
    ASSERT_EQ(path.size(), 2);
    EXPECT_EQ(path[1].id, a1b);
    ASSERT_STATUS_OK(m_store.selectMessage(a2));
    ASSERT_OK_AND_ASSIGN(path, m_store.activePath(s));
    ASSERT_EQ(path.size(), 4);
    EXPECT_EQ(path[3].id, a2);

    // branchPath follows parents regardless of selection.
    ASSERT_OK_AND_ASSIGN(QList<MessageRecord> branch, m_store.branchPath(a2b));
    ASSERT_EQ(branch.size(), 4);
    EXPECT_EQ(branch[0].id, u1);
    EXPECT_EQ(branch[2].id, u2);
    EXPECT_EQ(branch[3].id, a2b);

    ASSERT_OK_AND_ASSIGN(QList<MessageRecord> kids, m_store.children(u2));
    ASSERT_EQ(kids.size(), 2);
    EXPECT_EQ(kids[0].id, a2);
    EXPECT_EQ(kids[1].id, a2b);

    ASSERT_OK_AND_ASSIGN(const SessionInfo info, m_store.session(s));
    EXPECT_EQ(info.messageCount, 7);
}

TEST_F(SessionStoreTest, EmptySessionHasAnEmptyActivePath) {
    ASSERT_OK_AND_ASSIGN(const qint64 s, m_store.createSession(QStringLiteral("empty")));
    ASSERT_OK_AND_ASSIGN(const QList<MessageRecord> path, m_store.activePath(s));
    EXPECT_TRUE(path.isEmpty());
    EXPECT_EQ(m_store.activePath(12345).status().code(), ErrorCode::invalid_argument);
}

TEST_F(SessionStoreTest, AddMessageValidatesSessionAndParent) {
    ASSERT_OK_AND_ASSIGN(const qint64 s1, m_store.createSession(QStringLiteral("one")));
    ASSERT_OK_AND_ASSIGN(const qint64 s2, m_store.createSession(QStringLiteral("two")));
    ASSERT_OK_AND_ASSIGN(const qint64 m1, m_store.addMessage(s1, 0, msg(MessageRole::user, QStringLiteral("hi"))));
    EXPECT_EQ(m_store.addMessage(s2, m1, msg(MessageRole::user, QStringLiteral("x"))).status().code(),
              ErrorCode::invalid_argument);  // parent in another session
    EXPECT_EQ(m_store.addMessage(999, 0, msg(MessageRole::user, QStringLiteral("x"))).status().code(),
              ErrorCode::invalid_argument);
    EXPECT_EQ(m_store.addMessage(s1, 999, msg(MessageRole::user, QStringLiteral("x"))).status().code(),
              ErrorCode::invalid_argument);
    // Nothing half-written by the failed calls.
    ASSERT_OK_AND_ASSIGN(const SessionInfo info2, m_store.session(s2));
    EXPECT_EQ(info2.messageCount, 0);
    ASSERT_OK_AND_ASSIGN(const MessageRecord first, m_store.message(m1));
    EXPECT_TRUE(first.selected);
}

TEST_F(SessionStoreTest, MessageMetadataRoundTrips) {
    ASSERT_OK_AND_ASSIGN(const qint64 s, m_store.createSession(QStringLiteral("meta")));
    NewMessage m = msg(MessageRole::assistant, QStringLiteral("Bonjour"));
    m.model = QStringLiteral("qwen3-0.6b-q8_0");
    m.sampling = QJsonObject{{QStringLiteral("temperature"), 0.8}, {QStringLiteral("seed"), 42}};
    m.timings = QJsonObject{{QStringLiteral("prompt_ms"), 12.5}, {QStringLiteral("gen_ms"), 250}};
    m.nPromptTokens = 17;
    m.nGenTokens = 3;
    ASSERT_OK_AND_ASSIGN(const qint64 id, m_store.addMessage(s, 0, m));
    ASSERT_OK_AND_ASSIGN(const MessageRecord r, m_store.message(id));
    EXPECT_EQ(r.sessionId, s);
    EXPECT_EQ(r.role, MessageRole::assistant);
    EXPECT_EQ(r.content, QStringLiteral("Bonjour"));
    EXPECT_EQ(r.model, QStringLiteral("qwen3-0.6b-q8_0"));
    EXPECT_EQ(r.sampling.value(QStringLiteral("seed")).toInt(), 42);
    EXPECT_DOUBLE_EQ(r.timings.value(QStringLiteral("prompt_ms")).toDouble(), 12.5);
    EXPECT_EQ(r.nPromptTokens, 17);
    EXPECT_EQ(r.nGenTokens, 3);
    EXPECT_EQ(r.state, MessageState::complete);
    EXPECT_EQ(r.createdAt, 1'700'000'001'000);  // the clock's second reading
    ASSERT_OK_AND_ASSIGN(const SessionInfo info, m_store.session(s));
    EXPECT_GT(info.updatedAt, info.createdAt);  // adding a message touches the session
}

TEST_F(SessionStoreTest, StreamingAppendsThenFinishes) {
    ASSERT_OK_AND_ASSIGN(const qint64 s, m_store.createSession(QStringLiteral("stream")));
    ASSERT_OK_AND_ASSIGN(const qint64 u, m_store.addMessage(s, 0, msg(MessageRole::user, QStringLiteral("Tell me about otters"))));
    NewMessage a = msg(MessageRole::assistant, QString());
    a.state = MessageState::streaming;
    ASSERT_OK_AND_ASSIGN(const qint64 id, m_store.addMessage(s, u, a));

    ASSERT_STATUS_OK(m_store.appendToMessage(id, QStringLiteral("Sea otters "), 3));
    ASSERT_STATUS_OK(m_store.appendToMessage(id, QStringLiteral("hold hands "), 5));
    ASSERT_STATUS_OK(m_store.appendToMessage(id, QStringLiteral("while sleeping.")));  // count unchanged
    ASSERT_OK_AND_ASSIGN(MessageRecord r, m_store.message(id));
    EXPECT_EQ(r.content, QStringLiteral("Sea otters hold hands while sleeping."));
    EXPECT_EQ(r.nGenTokens, 5);
    EXPECT_EQ(r.state, MessageState::streaming);

    // Not searchable while streaming (the index is not touched by appends) ...
    ASSERT_OK_AND_ASSIGN(QList<SearchHit> hits, m_store.search(QStringLiteral("sleeping")));
    EXPECT_TRUE(hits.isEmpty());

    // ... and searchable once finished.
    ASSERT_STATUS_OK(m_store.finishMessage(id, MessageState::complete,
                                           QJsonObject{{QStringLiteral("tokens_per_s"), 41.5}}, 9, 8));
    ASSERT_OK_AND_ASSIGN(r, m_store.message(id));
    EXPECT_EQ(r.state, MessageState::complete);
    EXPECT_EQ(r.nPromptTokens, 9);
    EXPECT_EQ(r.nGenTokens, 8);
    EXPECT_DOUBLE_EQ(r.timings.value(QStringLiteral("tokens_per_s")).toDouble(), 41.5);
    ASSERT_OK_AND_ASSIGN(hits, m_store.search(QStringLiteral("sleeping")));
    ASSERT_EQ(hits.size(), 1);
    EXPECT_EQ(hits[0].messageId, id);

    EXPECT_EQ(m_store.finishMessage(id, MessageState::streaming).code(), ErrorCode::invalid_argument);
    EXPECT_EQ(m_store.appendToMessage(9999, QStringLiteral("x")).code(), ErrorCode::invalid_argument);

    // Cancelled generation: interrupted, content kept.
    ASSERT_OK_AND_ASSIGN(const qint64 id2, m_store.addMessage(s, u, a));
    ASSERT_STATUS_OK(m_store.appendToMessage(id2, QStringLiteral("Otters are"), 2));
    ASSERT_STATUS_OK(m_store.finishMessage(id2, MessageState::interrupted));
    ASSERT_OK_AND_ASSIGN(r, m_store.message(id2));
    EXPECT_TRUE(r.interrupted());
    EXPECT_EQ(r.content, QStringLiteral("Otters are"));
    EXPECT_EQ(r.nGenTokens, 2);
}

TEST_F(SessionStoreTest, ReopenMarksLeftoverStreamsInterrupted) {
    qint64 id = 0;
    {
        SessionStore other;
        ASSERT_STATUS_OK(other.open(m_path));
        ASSERT_OK_AND_ASSIGN(const qint64 s, other.createSession(QStringLiteral("crashed")));
        NewMessage a = msg(MessageRole::assistant, QStringLiteral("partial "));
        a.state = MessageState::streaming;
        ASSERT_OK_AND_ASSIGN(id, other.addMessage(s, 0, a));
        ASSERT_STATUS_OK(other.appendToMessage(id, QStringLiteral("answer")));
        // closed without finishMessage, as if the app had died
    }
    m_store.close();
    ASSERT_STATUS_OK(m_store.open(m_path));
    EXPECT_EQ(m_store.recoveredStreamCount(), 1);
    ASSERT_OK_AND_ASSIGN(const MessageRecord r, m_store.message(id));
    EXPECT_EQ(r.state, MessageState::interrupted);
    EXPECT_EQ(r.content, QStringLiteral("partial answer"));
    ASSERT_OK_AND_ASSIGN(const QList<SearchHit> hits, m_store.search(QStringLiteral("partial")));
    EXPECT_EQ(hits.size(), 1);  // indexed when recovered

    // Opting out leaves them alone (a second process must not kill a live stream).
    SessionStore third;
    SessionStore::OpenOptions keep;
    keep.recoverStreams = false;
    ASSERT_STATUS_OK(third.open(m_path, keep));
    EXPECT_EQ(third.recoveredStreamCount(), 0);
}

TEST_F(SessionStoreTest, SearchFindsWordsAcrossSessionsWithSnippets) {
    ASSERT_OK_AND_ASSIGN(const qint64 s1, m_store.createSession(QStringLiteral("Cooking")));
    ASSERT_OK_AND_ASSIGN(const qint64 s2, m_store.createSession(QStringLiteral("Travel")));
    ASSERT_OK_AND_ASSIGN(const qint64 m1, m_store.addMessage(s1, 0, msg(MessageRole::user, QStringLiteral("How long do I boil an egg for a soft yolk?"))));
    ASSERT_OK_AND_ASSIGN(const qint64 m2, m_store.addMessage(s1, m1, msg(MessageRole::assistant, QStringLiteral("About six minutes for a soft-boiled egg."))));
    ASSERT_OK_AND_ASSIGN(const qint64 m3, m_store.addMessage(s2, 0, msg(MessageRole::user, QStringLiteral("Best café in Lisbon for pastel de nata?"))));

    ASSERT_OK_AND_ASSIGN(QList<SearchHit> hits, m_store.search(QStringLiteral("egg")));
    ASSERT_EQ(hits.size(), 2);
    QList<qint64> ids{hits[0].messageId, hits[1].messageId};
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, (QList<qint64>{m1, m2}));
    for (const SearchHit& h : hits) {
        EXPECT_EQ(h.sessionId, s1);
        EXPECT_EQ(h.sessionTitle, QStringLiteral("Cooking"));
        EXPECT_TRUE(h.snippet.contains(QStringLiteral("[egg]"))) << h.snippet.toStdString();
    }

    // All words must match; the last is a prefix ("min" -> "minutes").
    ASSERT_OK_AND_ASSIGN(hits, m_store.search(QStringLiteral("soft min")));
    ASSERT_EQ(hits.size(), 1);
    EXPECT_EQ(hits[0].messageId, m2);
    EXPECT_EQ(hits[0].role, MessageRole::assistant);

    // Diacritics folded: "cafe" finds "café"; the other session is searched too.
    ASSERT_OK_AND_ASSIGN(hits, m_store.search(QStringLiteral("cafe lisbon")));
    ASSERT_EQ(hits.size(), 1);
    EXPECT_EQ(hits[0].messageId, m3);
    EXPECT_EQ(hits[0].sessionId, s2);

    // User text is never FTS syntax: quotes, operators and punctuation are safe.
    ASSERT_OK_AND_ASSIGN(hits, m_store.search(QStringLiteral("\"egg OR NEAR(")));
    EXPECT_TRUE(hits.isEmpty());  // the words "egg", "or", "near" are not all in one message
    ASSERT_OK_AND_ASSIGN(hits, m_store.search(QStringLiteral("  ?! ")));
    EXPECT_TRUE(hits.isEmpty());
    ASSERT_OK_AND_ASSIGN(hits, m_store.search(QStringLiteral("egg"), 1));
    EXPECT_EQ(hits.size(), 1);
}

// The FTS index must equal what a full rebuild from the messages would produce (no stale or
// missing entries) after inserts, edits, appends, recoveries and deletes.
TEST_F(SessionStoreTest, FullTextIndexStaysInSyncWithMessages) {
    ASSERT_OK_AND_ASSIGN(const qint64 s, m_store.createSession(QStringLiteral("sync")));
    ASSERT_OK_AND_ASSIGN(const qint64 u, m_store.addMessage(s, 0, msg(MessageRole::user, QStringLiteral("alpha beta"))));
    ASSERT_OK_AND_ASSIGN(const qint64 e, m_store.editMessage(u, QStringLiteral("alpha gamma")));
    NewMessage a = msg(MessageRole::assistant, QStringLiteral("delta "));
    a.state = MessageState::streaming;
    ASSERT_OK_AND_ASSIGN(const qint64 st, m_store.addMessage(s, e, a));
    ASSERT_STATUS_OK(m_store.appendToMessage(st, QStringLiteral("epsilon")));
    ASSERT_STATUS_OK(m_store.finishMessage(st, MessageState::complete));
    ASSERT_STATUS_OK(m_store.appendToMessage(st, QStringLiteral(" zeta")));  // append after finishing
    ASSERT_OK_AND_ASSIGN(const qint64 st2, m_store.addMessage(s, e, a));
    ASSERT_STATUS_OK(m_store.appendToMessage(st2, QStringLiteral("eta")));
    ASSERT_OK_AND_ASSIGN(const int recovered, m_store.recoverInterruptedStreams());
    EXPECT_EQ(recovered, 1);
    ASSERT_OK_AND_ASSIGN(const qint64 s2, m_store.createSession(QStringLiteral("doomed")));
    ASSERT_OK_AND_ASSIGN(const qint64 d, m_store.addMessage(s2, 0, msg(MessageRole::user, QStringLiteral("theta iota"))));
    (void)d;
    ASSERT_STATUS_OK(m_store.deleteSession(s2));
    ASSERT_OK_AND_ASSIGN(const int purged, m_store.purgeDeletedSessions());  // cascaded deletes
    EXPECT_EQ(purged, 1);

    RawDb raw(m_path);
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(raw.exec(QStringLiteral("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, messages_fts, instance)")));
    const QString dump = QStringLiteral("SELECT term, doc, col, offset FROM temp.vocab ORDER BY term, doc, offset");
    const QStringList live = raw.rows(dump);
    ASSERT_TRUE(raw.exec(QStringLiteral("BEGIN")));
    ASSERT_TRUE(raw.exec(QStringLiteral("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")));
    const QStringList rebuilt = raw.rows(dump);
    ASSERT_TRUE(raw.exec(QStringLiteral("ROLLBACK")));
    EXPECT_EQ(live, rebuilt);
    EXPECT_TRUE(live.contains(QStringLiteral("zeta|%1|content|2").arg(st))) << live.join(QLatin1Char('\n')).toStdString();
    EXPECT_FALSE(live.join(QLatin1Char(' ')).contains(QStringLiteral("theta")));
    EXPECT_EQ(raw.value(QStringLiteral("PRAGMA integrity_check")), QStringLiteral("ok"));
    EXPECT_TRUE(raw.rows(QStringLiteral("PRAGMA foreign_key_check")).isEmpty());
}

TEST_F(SessionStoreTest, AttachmentsAreStoredOncePerContent) {
    ASSERT_OK_AND_ASSIGN(const qint64 s, m_store.createSession(QStringLiteral("files")));
    ASSERT_OK_AND_ASSIGN(const qint64 m1, m_store.addMessage(s, 0, msg(MessageRole::user, QStringLiteral("see these"))));
    ASSERT_OK_AND_ASSIGN(const qint64 m2, m_store.addMessage(s, m1, msg(MessageRole::user, QStringLiteral("and this"))));

    ASSERT_OK_AND_ASSIGN(const qint64 abc, m_store.storeAttachment(QByteArray("abc"), QStringLiteral("text/plain")));
    ASSERT_OK_AND_ASSIGN(const qint64 abcAgain, m_store.storeAttachment(QByteArray("abc"), QStringLiteral("text/plain")));
    ASSERT_OK_AND_ASSIGN(const qint64 other, m_store.storeAttachment(QByteArray("abd"), QStringLiteral("text/plain")));
    EXPECT_EQ(abc, abcAgain);
    EXPECT_NE(abc, other);

    ASSERT_OK_AND_ASSIGN(const AttachmentInfo info, m_store.attachment(abc));
    // SHA-256("abc"), FIPS 180-2 appendix B.1.
    EXPECT_EQ(info.sha256, QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    EXPECT_EQ(info.size, 3);
    EXPECT_EQ(info.mime, QStringLiteral("text/plain"));
    EXPECT_TRUE(info.filePath.isEmpty());

    ASSERT_STATUS_OK(m_store.attachToMessage(m1, abc, QStringLiteral("a.txt")));
    ASSERT_STATUS_OK(m_store.attachToMessage(m1, other, QStringLiteral("b.txt")));
    ASSERT_STATUS_OK(m_store.attachToMessage(m2, abc, QStringLiteral("again.txt")));
    ASSERT_OK_AND_ASSIGN(QList<AttachmentInfo> list, m_store.messageAttachments(m1));
    ASSERT_EQ(list.size(), 2);
    EXPECT_EQ(list[0].id, abc);
    EXPECT_EQ(list[0].name, QStringLiteral("a.txt"));
    EXPECT_EQ(list[0].position, 0);
    EXPECT_EQ(list[1].id, other);
    EXPECT_EQ(list[1].position, 1);
    ASSERT_OK_AND_ASSIGN(const QByteArray bytes, m_store.attachmentData(abc));
    EXPECT_EQ(bytes, QByteArray("abc"));

    RawDb raw(m_path);
    EXPECT_EQ(raw.value(QStringLiteral("SELECT COUNT(*) FROM attachments")), QStringLiteral("2"));

    EXPECT_EQ(m_store.attachToMessage(m1, 9999).code(), ErrorCode::invalid_argument);
    EXPECT_EQ(m_store.attachToMessage(9999, abc).code(), ErrorCode::invalid_argument);

    // Nothing unreferenced yet; after unlinking by purging a session, the orphan goes.
    ASSERT_OK_AND_ASSIGN(int orphans, m_store.purgeOrphanAttachments());
    EXPECT_EQ(orphans, 0);
    ASSERT_OK_AND_ASSIGN(const qint64 lonely, m_store.storeAttachment(QByteArray("lonely"), QStringLiteral("text/plain")));
    ASSERT_OK_AND_ASSIGN(orphans, m_store.purgeOrphanAttachments());
    EXPECT_EQ(orphans, 1);
    EXPECT_FALSE(m_store.attachment(lonely).is_ok());
}

TEST_F(SessionStoreTest, FileAttachmentsAreHashedAndVerified) {
    const QString file = m_dir.filePath(QStringLiteral("photo.bin"));
    const QByteArray content(4096, 'x');
    {
        QFile f(file);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(content);
    }
    ASSERT_OK_AND_ASSIGN(const qint64 id, m_store.storeAttachmentFile(file, QStringLiteral("image/png")));
    ASSERT_OK_AND_ASSIGN(const AttachmentInfo info, m_store.attachment(id));
    EXPECT_EQ(info.filePath, file);
    EXPECT_EQ(info.size, 4096);
    EXPECT_EQ(info.sha256,
              QString::fromLatin1(QCryptographicHash::hash(content, QCryptographicHash::Sha256).toHex()));
    // Same bytes given inline: deduplicated to the file-backed row.
    ASSERT_OK_AND_ASSIGN(const qint64 inlineId, m_store.storeAttachment(content, QStringLiteral("image/png")));
    EXPECT_EQ(inlineId, id);
    ASSERT_OK_AND_ASSIGN(const QByteArray back, m_store.attachmentData(id));
    EXPECT_EQ(back, content);

    // The file changes behind our back: reported, not silently returned.
    {
        QFile f(file);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("changed");
    }
    EXPECT_EQ(m_store.attachmentData(id).status().code(), ErrorCode::format_error);
    QFile::remove(file);
    EXPECT_EQ(m_store.attachmentData(id).status().code(), ErrorCode::io_error);
    EXPECT_EQ(m_store.storeAttachmentFile(file, QStringLiteral("image/png")).status().code(), ErrorCode::io_error);
}

TEST_F(SessionStoreTest, TwoStoresShareOneFile) {
    SessionStore second;
    ASSERT_STATUS_OK(second.open(m_path));
    ASSERT_OK_AND_ASSIGN(const qint64 s, m_store.createSession(QStringLiteral("shared")));
    ASSERT_OK_AND_ASSIGN(const qint64 m, second.addMessage(s, 0, msg(MessageRole::user, QStringLiteral("from the second"))));
    ASSERT_OK_AND_ASSIGN(const MessageRecord r, m_store.message(m));
    EXPECT_EQ(r.content, QStringLiteral("from the second"));
    second.close();
    EXPECT_FALSE(second.isOpen());
    EXPECT_EQ(second.schemaVersion(), -1);
    EXPECT_TRUE(m_store.isOpen());
}

TEST(SessionStoreOpen, RejectsForeignAndNewerDatabases) {
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());

    // Not SQLite at all.
    const QString junk = dir.filePath(QStringLiteral("junk.db"));
    {
        QFile f(junk);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(4096, 'j'));
    }
    SessionStore store;
    EXPECT_EQ(store.open(junk).code(), ErrorCode::format_error);
    EXPECT_FALSE(store.isOpen());

    // SQLite, but somebody else's.
    const QString foreign = dir.filePath(QStringLiteral("foreign.db"));
    {
        test::RawDb raw(foreign);
        ASSERT_TRUE(raw.exec(QStringLiteral("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")));
    }
    EXPECT_EQ(store.open(foreign).code(), ErrorCode::format_error);
    {
        test::RawDb raw(foreign);
        EXPECT_EQ(raw.value(QStringLiteral("PRAGMA journal_mode")), QStringLiteral("delete"));  // untouched
    }

    // Written by a newer Tessera.
    const QString newer = dir.filePath(QStringLiteral("newer.db"));
    {
        test::RawDb raw(newer);
        ASSERT_TRUE(raw.exec(QStringLiteral("CREATE TABLE sessions (id INTEGER PRIMARY KEY)")));
        ASSERT_TRUE(raw.exec(QStringLiteral("PRAGMA user_version = 99")));
    }
    const Status st = store.open(newer);
    EXPECT_EQ(st.code(), ErrorCode::unsupported);
    EXPECT_NE(st.message().find("99"), std::string::npos) << st.to_string();
    {
        test::RawDb raw(newer);
        EXPECT_EQ(raw.value(QStringLiteral("PRAGMA user_version")), QStringLiteral("99"));
    }

    // A folder that does not exist.
    EXPECT_FALSE(store.open(dir.filePath(QStringLiteral("no/such/dir/x.db"))).is_ok());

    // Bad options.
    SessionStore::OpenOptions bad;
    bad.targetVersion = 7;
    EXPECT_EQ(store.open(QStringLiteral(":memory:"), bad).code(), ErrorCode::invalid_argument);

    // Calls on a closed store fail cleanly.
    EXPECT_FALSE(store.createSession(QStringLiteral("x")).is_ok());
    EXPECT_FALSE(store.addMessage(1, 0, NewMessage{}).is_ok());
}

TEST(SessionStoreOpen, DefaultPathIsInTheDataFolder) {
    QTemporaryDir home;
    ASSERT_TRUE(home.isValid());
    const QByteArray saved = qgetenv("XDG_DATA_HOME");
    qputenv("XDG_DATA_HOME", home.path().toUtf8());  // keep the real one untouched
    const QString path = SessionStore::defaultDatabasePath();
    if (saved.isEmpty()) {
        qunsetenv("XDG_DATA_HOME");
    } else {
        qputenv("XDG_DATA_HOME", saved);
    }
    // No QCoreApplication here, so no application name: <data>/tessera/sessions.db.
    EXPECT_EQ(path, home.path() + QStringLiteral("/tessera/sessions.db"));
    EXPECT_TRUE(QFileInfo(QFileInfo(path).path()).isDir());  // the folder is created
}

TEST(SessionStoreNames, RolesAndStatesRoundTrip) {
    for (MessageRole r : {MessageRole::system, MessageRole::user, MessageRole::assistant, MessageRole::tool}) {
        MessageRole back = MessageRole::user;
        ASSERT_TRUE(messageRoleFromName(messageRoleName(r), &back));
        EXPECT_EQ(back, r);
    }
    for (MessageState s : {MessageState::complete, MessageState::streaming, MessageState::interrupted}) {
        MessageState back = MessageState::complete;
        ASSERT_TRUE(messageStateFromName(messageStateName(s), &back));
        EXPECT_EQ(back, s);
    }
    MessageRole r;
    EXPECT_FALSE(messageRoleFromName(QStringLiteral("robot"), &r));
}

}  // namespace
}  // namespace tessera
