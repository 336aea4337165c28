// Crash safety of indexing: a real child process (this test binary re-run on the helper test below)
// indexes a corpus and reports every committed document; the parent SIGKILLs it mid-run, reopens the
// database and checks that every file is either fully indexed or still queued (never half, never
// twice, never lost), then resumes and compares the result with an uninterrupted run.
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <cstdio>
#include <filesystem>

#include "app/services/documents/document_indexer.h"
#include "engine/models/embedding/embedder.h"
#include "tests/app/documents/documents_test_util.h"

namespace tessera::docs {
namespace {

constexpr char kChildDirEnv[] = "TESSERA_DOCS_CRASH_CHILD_DIR";
constexpr int kFiles = 48;
constexpr int kKillAfter = 12;  // documents committed before the parent kills the child

const char* const kWords[] = {"river", "granite", "lantern", "orchard", "copper", "meadow", "falcon", "harbor",
                              "thistle", "canyon", "ember", "glacier", "willow", "quartz", "saffron", "tundra"};

void writeCorpus(const QString& dir) {
    QDir().mkpath(dir);
    for (int f = 0; f < kFiles; ++f) {
        QByteArray text;
        for (int s = 0; s < 60; ++s) {
            text += "Document " + QByteArray::number(f) + " sentence " + QByteArray::number(s) + " mentions";
            for (int w = 0; w < 8; ++w) text += ' ' + QByteArray(kWords[(f * 7 + s * 3 + w) % 16]);
            text += s % 10 == 9 ? ".\n\n" : ". ";
        }
        test::writeFile(QDir(dir).filePath(QStringLiteral("doc%1.txt").arg(f, 3, 10, QLatin1Char('0'))), text);
    }
}

IndexOptions crashOptions() {
    IndexOptions o;
    o.chunking.maxTokens = 40;
    o.chunking.overlapTokens = 8;
    return o;
}

std::unique_ptr<Embedder> loadBert() {
    EmbedderOptions o;
    o.n_threads = 1;
    auto e = Embedder::load(test::bertFixturePath().toStdString(), o);
    return e.is_ok() ? std::move(e).value() : nullptr;
}

// Runs only as the child of KilledIndexerResumesWithoutDuplicates; skipped in a normal run.
TEST(DocumentsCrashChild, IndexLoop) {
    const QString dir = qEnvironmentVariable(kChildDirEnv);
    if (dir.isEmpty()) GTEST_SKIP() << "helper process for DocumentsCrash.KilledIndexerResumesWithoutDuplicates";
    auto embedder = loadBert();
    ASSERT_TRUE(embedder);
    DocumentStore store;
    ASSERT_STATUS_OK(store.open(QDir(dir).filePath(QStringLiteral("documents.db"))));
    ASSERT_OK_AND_ASSIGN(CollectionInfo c, store.ensureCollection(QStringLiteral("crash"), QStringLiteral("bert"),
                                                                 static_cast<int>(embedder->n_embd())));
    DocumentIndexer ix(store, *embedder, crashOptions());
    ASSERT_OK_AND_ASSIGN(int queued, ix.scan(c, {QDir(dir).filePath(QStringLiteral("corpus"))}));
    std::printf("ready %d\n", queued);
    std::fflush(stdout);
    for (int round = 0; round < 1000; ++round) {  // until killed: re-queue everything and go again
        ASSERT_OK_AND_ASSIGN(IndexSummary s, ix.run(c, [](const IndexProgress& p) {
            std::printf("committed %d\n", p.filesDone);  // the document's transaction has committed
            std::fflush(stdout);
        }));
        ASSERT_FALSE(s.paused);
        ASSERT_OK_AND_ASSIGN(QList<DocumentRecord> docs, store.listDocuments(c.id));
        QStringList all;
        for (const auto& d : docs) all << d.path;
        ASSERT_STATUS_OK(store.enqueue(c.id, all));
    }
}

struct Snapshot {
    QHash<QString, QStringList> chunkTexts;  // path -> texts in order
    QHash<QString, std::vector<float>> vectors;
};

Snapshot snapshot(DocumentStore& store, qint64 collectionId) {
    Snapshot s;
    auto docs = store.listDocuments(collectionId);
    EXPECT_TRUE(docs.is_ok());
    if (!docs.is_ok()) return s;
    for (const DocumentRecord& d : docs.value()) {
        auto chunks = store.documentChunks(d.id);
        EXPECT_TRUE(chunks.is_ok());
        if (!chunks.is_ok()) continue;
        EXPECT_EQ(chunks->size(), d.nChunks) << d.path.toStdString();
        QStringList texts;
        std::vector<float> vecs;
        for (const ChunkRecord& c : chunks.value()) {
            texts << c.text;
            auto v = store.chunkVector(c.id);
            if (v.is_ok()) vecs.insert(vecs.end(), v->begin(), v->end());
        }
        s.chunkTexts.insert(d.path, texts);
        s.vectors.insert(d.path, vecs);
    }
    return s;
}

TEST(DocumentsCrash, KilledIndexerResumesWithoutDuplicates) {
    REQUIRE_BERT_FIXTURE();
    const std::filesystem::path self = "/proc/self/exe";
    if (!std::filesystem::exists(self)) GTEST_SKIP() << "needs /proc/self/exe (Linux) to re-run this test binary";
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString corpus = dir.filePath(QStringLiteral("corpus"));
    writeCorpus(corpus);

    QProcess child;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QString::fromLatin1(kChildDirEnv), dir.path());
    child.setProcessEnvironment(env);
    child.start(QString::fromStdString(std::filesystem::read_symlink(self).string()),
                {QStringLiteral("--gtest_filter=DocumentsCrashChild.IndexLoop")});
    ASSERT_TRUE(child.waitForStarted(10'000)) << child.errorString().toStdString();
    int committed = 0, queued = -1;
    QByteArray buffer;
    QElapsedTimer timer;
    timer.start();
    while (committed < kKillAfter && timer.elapsed() < 120'000) {
        if (!child.waitForReadyRead(20'000)) break;
        buffer += child.readAllStandardOutput();
        qsizetype nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
            const QByteArray line = buffer.left(nl).trimmed();
            buffer.remove(0, nl + 1);
            if (line.startsWith("ready ")) queued = line.mid(6).toInt();
            if (line.startsWith("committed ")) committed = line.mid(10).toInt();
        }
    }
    ASSERT_EQ(queued, kFiles) << "child never got going; stderr: " << child.readAllStandardError().toStdString();
    ASSERT_GE(committed, kKillAfter) << "child stalled; stderr: " << child.readAllStandardError().toStdString();
    child.kill();  // SIGKILL, possibly inside a transaction
    ASSERT_TRUE(child.waitForFinished(10'000));
    EXPECT_EQ(child.exitStatus(), QProcess::CrashExit);

    // Every file is either stored (whole) or still queued: never both, never neither.
    auto embedder = loadBert();
    ASSERT_TRUE(embedder);
    DocumentStore store;
    ASSERT_STATUS_OK(store.open(dir.filePath(QStringLiteral("documents.db"))));
    ASSERT_OK_AND_ASSIGN(CollectionInfo c, store.collection(QStringLiteral("crash")));
    ASSERT_OK_AND_ASSIGN(QList<DocumentRecord> docs, store.listDocuments(c.id));
    ASSERT_OK_AND_ASSIGN(QStringList pending, store.pending(c.id));
    QSet<QString> stored;
    for (const auto& d : docs) {
        EXPECT_FALSE(stored.contains(d.path)) << "duplicate " << d.path.toStdString();
        stored.insert(d.path);
    }
    EXPECT_GE(stored.size(), committed);
    const QSet<QString> queuedSet(pending.begin(), pending.end());
    EXPECT_TRUE(QSet<QString>(stored).intersect(queuedSet).isEmpty());
    EXPECT_EQ(QSet<QString>(stored).unite(queuedSet).size(), kFiles);
    std::printf("killed after %d commits: %lld stored, %lld still queued\n", committed, static_cast<long long>(stored.size()),
                static_cast<long long>(pending.size()));
    const Snapshot before = snapshot(store, c.id);  // each stored document has all its chunks

    // Resume without rescanning: the queue in the database is the work list.
    DocumentIndexer ix(store, *embedder, crashOptions());
    ASSERT_OK_AND_ASSIGN(IndexSummary s, ix.run(c));
    EXPECT_EQ(s.remaining, 0);
    ASSERT_OK_AND_ASSIGN(docs, store.listDocuments(c.id));
    EXPECT_EQ(docs.size(), kFiles);
    ASSERT_OK_AND_ASSIGN(int again, ix.scan(c, {corpus}));
    EXPECT_EQ(again, 0);
    const Snapshot after = snapshot(store, c.id);

    // The same as an uninterrupted run into a fresh database.
    DocumentStore fresh;
    ASSERT_STATUS_OK(fresh.open(dir.filePath(QStringLiteral("fresh.db"))));
    ASSERT_OK_AND_ASSIGN(CollectionInfo fc, fresh.ensureCollection(QStringLiteral("crash"), QStringLiteral("bert"),
                                                                  static_cast<int>(embedder->n_embd())));
    DocumentIndexer fx(fresh, *embedder, crashOptions());
    ASSERT_STATUS_OK(fx.scan(fc, {corpus}).status());
    ASSERT_STATUS_OK(fx.run(fc).status());
    const Snapshot reference = snapshot(fresh, fc.id);
    ASSERT_EQ(after.chunkTexts.size(), reference.chunkTexts.size());
    for (auto it = reference.chunkTexts.begin(); it != reference.chunkTexts.end(); ++it) {
        EXPECT_EQ(after.chunkTexts.value(it.key()), it.value()) << it.key().toStdString();
        const std::vector<float>& a = after.vectors[it.key()];
        const std::vector<float>& b = reference.vectors[it.key()];
        ASSERT_EQ(a.size(), b.size());
        EXPECT_LE(test::max_abs_diff(a.data(), b.data(), a.size()), 1e-5) << it.key().toStdString();
        if (before.chunkTexts.contains(it.key())) EXPECT_EQ(before.chunkTexts.value(it.key()), it.value());
    }

    // The file is sound: SQLite and FTS5 integrity, chunk rows match the documents' counts.
    store.close();
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("crash.raw"));
        db.setDatabaseName(dir.filePath(QStringLiteral("documents.db")));
        ASSERT_TRUE(db.open());
        QSqlQuery q(db);
        ASSERT_TRUE(q.exec(QStringLiteral("PRAGMA integrity_check")) && q.next());
        EXPECT_EQ(q.value(0).toString(), QStringLiteral("ok"));
        EXPECT_TRUE(q.exec(QStringLiteral("INSERT INTO chunks_fts(chunks_fts) VALUES ('integrity-check')")))
            << q.lastError().text().toStdString();
        ASSERT_TRUE(q.exec(QStringLiteral("SELECT (SELECT COUNT(*) FROM chunks), (SELECT SUM(n_chunks) FROM documents)")) && q.next());
        EXPECT_EQ(q.value(0).toLongLong(), q.value(1).toLongLong());
        q = QSqlQuery();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("crash.raw"));
}

}  // namespace
}  // namespace tessera::docs
