// Crash safety: a real child process (this test binary, re-run with --gtest_filter on the
// helper test below) writes a conversation and streams an answer, committing every few tokens;
// the parent SIGKILLs it mid-stream, reopens the database and checks that every committed
// message is intact and the partial answer is kept and marked interrupted.
#include <gtest/gtest.h>

#include <QElapsedTimer>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <cstdio>
#include <filesystem>

#include "tests/app/store/store_test_util.h"

namespace tessera {
namespace {

constexpr char kChildDbEnv[] = "TESSERA_STORE_CRASH_CHILD_DB";
constexpr int kHistoryMessages = 6;
constexpr int kTokensPerCommit = 3;
constexpr int kKillAfterTokens = 300;  // the parent kills once the child reports this many committed

QString historyText(int i) { return QStringLiteral("history message %1: the quick brown fox").arg(i); }
QString tokenText(int i) { return QStringLiteral("tok%1 ").arg(i); }

// The expected stream, first n tokens.
QString expectedStream(int n) {
    QString s;
    for (int i = 0; i < n; ++i) s += tokenText(i);
    return s;
}

// Runs only as the child of KilledWriterKeepsCommittedWork (the environment variable names the
// database); skipped in a normal test run.
TEST(SessionStoreCrashChild, WriterLoop) {
    const QString path = qEnvironmentVariable(kChildDbEnv);
    if (path.isEmpty()) {
        GTEST_SKIP() << "helper process for SessionStoreCrash.KilledWriterKeepsCommittedWork";
    }
    SessionStore store;
    ASSERT_STATUS_OK(store.open(path));
    ASSERT_OK_AND_ASSIGN(const qint64 s, store.createSession(QStringLiteral("crash test")));
    qint64 parent = 0;
    for (int i = 0; i < kHistoryMessages; ++i) {
        NewMessage m;
        m.role = i % 2 == 0 ? MessageRole::user : MessageRole::assistant;
        m.content = historyText(i);
        ASSERT_OK_AND_ASSIGN(parent, store.addMessage(s, parent, m));
    }
    NewMessage answer;
    answer.role = MessageRole::assistant;
    answer.state = MessageState::streaming;
    ASSERT_OK_AND_ASSIGN(const qint64 id, store.addMessage(s, parent, answer));
    std::printf("ready %lld\n", static_cast<long long>(id));
    std::fflush(stdout);

    QString pending;
    for (int i = 0; i < 10'000'000; ++i) {  // until killed
        pending += tokenText(i);
        if ((i + 1) % kTokensPerCommit == 0) {
            ASSERT_STATUS_OK(store.appendToMessage(id, pending, i + 1));
            pending.clear();
            std::printf("committed %d\n", i + 1);  // after the commit returned
            std::fflush(stdout);
        }
    }
}

TEST(SessionStoreCrash, KilledWriterKeepsCommittedWork) {
    const std::filesystem::path self = "/proc/self/exe";
    if (!std::filesystem::exists(self)) GTEST_SKIP() << "needs /proc/self/exe (Linux) to re-run this test binary";
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString dbPath = dir.filePath(QStringLiteral("crash.db"));

    QProcess child;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QString::fromLatin1(kChildDbEnv), dbPath);
    child.setProcessEnvironment(env);
    child.setProcessChannelMode(QProcess::SeparateChannels);
    child.start(QString::fromStdString(std::filesystem::read_symlink(self).string()),
                {QStringLiteral("--gtest_filter=SessionStoreCrashChild.WriterLoop")});
    ASSERT_TRUE(child.waitForStarted(10'000)) << child.errorString().toStdString();

    // Follow the child's progress until it has committed enough tokens, then kill it.
    int committed = 0;
    bool ready = false;
    QByteArray buffer;
    QElapsedTimer timer;
    timer.start();
    while (committed < kKillAfterTokens && timer.elapsed() < 60'000) {
        if (!child.waitForReadyRead(10'000)) break;
        buffer += child.readAllStandardOutput();
        qsizetype nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
            const QByteArray line = buffer.left(nl).trimmed();
            buffer.remove(0, nl + 1);
            if (line.startsWith("ready ")) ready = true;
            if (line.startsWith("committed ")) committed = line.mid(10).toInt();
        }
    }
    ASSERT_TRUE(ready) << "child never got going; stderr: " << child.readAllStandardError().toStdString();
    ASSERT_GE(committed, kKillAfterTokens) << "child stalled; stderr: " << child.readAllStandardError().toStdString();
    child.kill();  // SIGKILL: no destructors, no close, possibly mid-transaction
    ASSERT_TRUE(child.waitForFinished(10'000));
    EXPECT_EQ(child.exitStatus(), QProcess::CrashExit);

    // Reopen: recovery marks the stream interrupted.
    SessionStore store;
    ASSERT_STATUS_OK(store.open(dbPath));
    EXPECT_EQ(store.recoveredStreamCount(), 1);
    ASSERT_OK_AND_ASSIGN(const QList<SessionInfo> sessions, store.listSessions());
    ASSERT_EQ(sessions.size(), 1);
    ASSERT_OK_AND_ASSIGN(const QList<MessageRecord> path, store.activePath(sessions[0].id));
    ASSERT_EQ(path.size(), kHistoryMessages + 1);
    for (int i = 0; i < kHistoryMessages; ++i) {
        EXPECT_EQ(path[i].content, historyText(i)) << "message " << i;
        EXPECT_EQ(path[i].state, MessageState::complete);
    }
    const MessageRecord& partial = path.last();
    EXPECT_EQ(partial.state, MessageState::interrupted);
    EXPECT_FALSE(partial.content.isEmpty());
    // Everything the child reported as committed is there; anything more is whole commits.
    EXPECT_TRUE(partial.content.startsWith(expectedStream(committed))) << partial.content.left(200).toStdString();
    EXPECT_EQ(partial.nGenTokens % kTokensPerCommit, 0);
    EXPECT_GE(partial.nGenTokens, committed);
    EXPECT_EQ(partial.content, expectedStream(partial.nGenTokens));  // text and count from the same commit

    // The file is sound and the recovered text is searchable.
    store.close();
    {
        test::RawDb raw(dbPath);
        EXPECT_EQ(raw.value(QStringLiteral("PRAGMA integrity_check")), QStringLiteral("ok"));
        EXPECT_TRUE(raw.rows(QStringLiteral("PRAGMA foreign_key_check")).isEmpty());
    }
    ASSERT_STATUS_OK(store.open(dbPath));
    EXPECT_EQ(store.recoveredStreamCount(), 0);
    ASSERT_OK_AND_ASSIGN(const QList<SearchHit> hits, store.search(QStringLiteral("tok0")));
    EXPECT_EQ(hits.size(), 1);
}

}  // namespace
}  // namespace tessera
