// Chunking (token budget, sentence/paragraph boundaries, overlap, line ranges) and the SQLite store
// (schema, atomic document replacement, FTS in sync, vectors, queue, model checks).
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QVariant>

#include "app/services/documents/chunker.h"
#include "app/services/documents/document_store.h"
#include "tests/app/documents/documents_test_util.h"

namespace tessera::docs {
namespace {

// One token per word (whitespace-separated), like a toy WordPiece.
int words(const QString& s) { return static_cast<int>(s.split(QLatin1Char(' '), Qt::SkipEmptyParts).size()); }

QString sentence(int i, int nWords) {
    QStringList w;
    for (int k = 0; k < nWords - 1; ++k) w << QStringLiteral("w%1x%2").arg(i).arg(k);
    return w.join(QLatin1Char(' ')) + QStringLiteral(" end%1.").arg(i);
}

TEST(Chunker, RespectsBudgetAndSentenceBoundaries) {
    // One paragraph of 10 sentences of 10 words, budget 32: 3 sentences per chunk, never cut inside one.
    QStringList sentences;
    for (int i = 0; i < 10; ++i) sentences << sentence(i, 10);
    ChunkerOptions o;
    o.maxTokens = 32;
    o.overlapTokens = 0;
    const QList<TextChunk> chunks = chunkPages({{0, sentences.join(QLatin1Char(' ')), false}}, o, words);
    ASSERT_EQ(chunks.size(), 4);
    for (const TextChunk& c : chunks) {
        EXPECT_LE(c.nTokens, 32);
        EXPECT_TRUE(c.text.endsWith(QLatin1Char('.'))) << c.text.toStdString();
        EXPECT_EQ(c.nTokens, words(c.text));
    }
    EXPECT_TRUE(chunks[0].text.startsWith(QStringLiteral("w0x0")));
    EXPECT_TRUE(chunks[1].text.startsWith(QStringLiteral("w3x0")));
}

TEST(Chunker, OverlapRepeatsTrailingSentencesInsideAParagraph) {
    QStringList sentences;
    for (int i = 0; i < 6; ++i) sentences << sentence(i, 5);
    ChunkerOptions o;
    o.maxTokens = 16;
    o.overlapTokens = 5;
    const QList<TextChunk> chunks = chunkPages({{0, sentences.join(QLatin1Char(' ')), false}}, o, words);
    ASSERT_GE(chunks.size(), 2);
    // Chunk 0: s0 s1 s2; chunk 1 starts with s2 again (5 tokens of overlap).
    EXPECT_TRUE(chunks[0].text.endsWith(QStringLiteral("end2.")));
    EXPECT_TRUE(chunks[1].text.startsWith(QStringLiteral("w2x0"))) << chunks[1].text.toStdString();
    for (const TextChunk& c : chunks) EXPECT_LE(c.nTokens, 16);
}

TEST(Chunker, ParagraphsPagesAndLineRanges) {
    // Page 1: two paragraphs on lines 1-2 and 4-5; page 2: one line. Budget fits one paragraph.
    const QString p1 = QStringLiteral("alpha beta gamma delta.\nepsilon zeta eta theta.\n\niota kappa lambda mu.\nnu xi omicron pi.");
    const QList<TextChunk> chunks = chunkPages({{1, p1, false}, {2, QStringLiteral("rho sigma tau.")}},
                                               ChunkerOptions{10, 2, false}, words);
    ASSERT_EQ(chunks.size(), 3);
    EXPECT_EQ(chunks[0].page, 1);
    EXPECT_EQ(chunks[0].lineStart, 1);
    EXPECT_EQ(chunks[0].lineEnd, 2);
    EXPECT_EQ(chunks[1].page, 1);
    EXPECT_EQ(chunks[1].lineStart, 4);
    EXPECT_EQ(chunks[1].lineEnd, 5);
    EXPECT_TRUE(chunks[1].text.startsWith(QStringLiteral("iota"))) << "no overlap across a paragraph break";
    EXPECT_EQ(chunks[2].page, 2);
    EXPECT_EQ(chunks[2].text, QStringLiteral("rho sigma tau."));
    // Small paragraphs share a chunk when they fit.
    const QList<TextChunk> one = chunkPages({{0, p1, false}}, ChunkerOptions{100, 10, false}, words);
    ASSERT_EQ(one.size(), 1);
    EXPECT_EQ(one[0].lineStart, 1);
    EXPECT_EQ(one[0].lineEnd, 5);
    EXPECT_TRUE(one[0].text.contains(QStringLiteral("theta.\n\niota")));
}

TEST(Chunker, OverLongSentencesAndWordsAreCut) {
    QStringList many;
    for (int i = 0; i < 50; ++i) many << QStringLiteral("word%1").arg(i);
    // A character counter makes a 300-character "word" too long on its own.
    const TokenCounter chars = [](const QString& s) { return static_cast<int>(s.size()); };
    const QString giant(300, QLatin1Char('x'));
    const QList<TextChunk> a = chunkPages({{0, many.join(QLatin1Char(' ')), false}}, ChunkerOptions{12, 0, false}, words);
    ASSERT_EQ(a.size(), 5);  // 50 words / 12
    for (const TextChunk& c : a) EXPECT_LE(c.nTokens, 12);
    const QList<TextChunk> b = chunkPages({{0, giant, false}}, ChunkerOptions{64, 0, false}, chars);
    ASSERT_GE(b.size(), 5);
    QString joined;
    for (const TextChunk& c : b) {
        EXPECT_LE(c.text.size(), 64);
        joined += c.text;
    }
    EXPECT_EQ(joined, giant);
}

TEST(Chunker, CodeIsCutAtLines) {
    QStringList lines;
    for (int i = 1; i <= 30; ++i) lines << QStringLiteral("int v%1 = %1; // a b").arg(i);
    ChunkerOptions o{20, 0, true};
    const QList<TextChunk> chunks = chunkPages({{0, lines.join(QLatin1Char('\n')), false}}, o, words);
    ASSERT_GT(chunks.size(), 1);
    int expectStart = 1;
    for (const TextChunk& c : chunks) {
        EXPECT_EQ(c.lineStart, expectStart);
        EXPECT_EQ(c.text.count(QLatin1Char('\n')), c.lineEnd - c.lineStart);
        expectStart = c.lineEnd + 1;
    }
    EXPECT_EQ(chunks.last().lineEnd, 30);
}

TEST(Chunker, OneHugeParagraphChunksInLinearTime) {
    // 100k lines without a blank line (a log file): line numbers by binary search, not by counting.
    QString text;
    for (int i = 1; i <= 100000; ++i) text += QStringLiteral("event %1 happened here.\n").arg(i);
    const QList<TextChunk> chunks = chunkPages({{0, text, false}}, ChunkerOptions{64, 0, false}, words);
    ASSERT_EQ(chunks.size(), 100000 / 16);  // 4 words a line, 16 lines a chunk
    EXPECT_EQ(chunks[1].lineStart, 17);
    EXPECT_EQ(chunks.last().lineEnd, 100000);
}

TEST(Chunker, EmptyAndBlankPagesGiveNoChunks) {
    EXPECT_TRUE(chunkPages({}, ChunkerOptions{}, words).isEmpty());
    EXPECT_TRUE(chunkPages({{1, QStringLiteral("  \n\n \t\n"), false}}, ChunkerOptions{}, words).isEmpty());
}

// ---- store ----

NewDocument makeDoc(const QString& path, const QStringList& texts, int nEmbd, float base) {
    NewDocument d;
    d.path = path;
    d.kind = DocumentKind::text;
    d.contentHash = QStringLiteral("hash-%1").arg(base);
    d.size = 10;
    d.mtime = 1000;
    d.nPages = 1;
    for (int i = 0; i < texts.size(); ++i) {
        d.chunks.push_back({0, i + 1, i + 1, texts[i], 3});
        for (int k = 0; k < nEmbd; ++k) d.vectors.push_back(base + float(i) + 0.25f * float(k));
    }
    return d;
}

class StoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(dir.isValid());
        path = dir.filePath(QStringLiteral("documents.db"));
        ASSERT_STATUS_OK(store.open(path));
    }
    QTemporaryDir dir;
    QString path;
    DocumentStore store;
};

TEST_F(StoreTest, SchemaAndCollections) {
    EXPECT_EQ(store.schemaVersion(), DocumentStore::kSchemaVersion);
    ASSERT_OK_AND_ASSIGN(CollectionInfo c, store.ensureCollection(QStringLiteral("work"), QStringLiteral("bge.gguf"), 4));
    EXPECT_GT(c.id, 0);
    EXPECT_EQ(c.nEmbd, 4);
    ASSERT_OK_AND_ASSIGN(CollectionInfo again, store.ensureCollection(QStringLiteral("work"), QStringLiteral("bge.gguf"), 4));
    EXPECT_EQ(again.id, c.id);
    EXPECT_EQ(store.ensureCollection(QStringLiteral("work"), QStringLiteral("other.gguf"), 4).status().code(),
              ErrorCode::invalid_argument);
    EXPECT_EQ(store.ensureCollection(QStringLiteral("work"), QStringLiteral("bge.gguf"), 8).status().code(),
              ErrorCode::invalid_argument);
    EXPECT_EQ(store.collection(QStringLiteral("nope")).status().code(), ErrorCode::invalid_argument);
    // Reopening keeps everything.
    store.close();
    ASSERT_STATUS_OK(store.open(path));
    ASSERT_OK_AND_ASSIGN(QList<CollectionInfo> all, store.listCollections());
    ASSERT_EQ(all.size(), 1);
    EXPECT_EQ(all[0].embedModel, QStringLiteral("bge.gguf"));
}

TEST_F(StoreTest, NotADatabaseAndNewerSchemaAreRefused) {
    const QString junk = dir.filePath(QStringLiteral("junk.db"));
    ASSERT_TRUE(test::writeFile(junk, QByteArray(4096, 'j')));
    DocumentStore other;
    EXPECT_FALSE(other.open(junk).is_ok());
    {
        DocumentStore s2;
        ASSERT_STATUS_OK(s2.open(dir.filePath(QStringLiteral("new.db"))));
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw.future"));
        db.setDatabaseName(dir.filePath(QStringLiteral("new.db")));
        ASSERT_TRUE(db.open());
        QSqlQuery(db).exec(QStringLiteral("PRAGMA user_version = 99"));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("raw.future"));
    EXPECT_EQ(other.open(dir.filePath(QStringLiteral("new.db"))).code(), ErrorCode::unsupported);
}

TEST_F(StoreTest, PutDocumentReplacesAtomicallyAndKeepsFtsInSync) {
    ASSERT_OK_AND_ASSIGN(CollectionInfo c, store.ensureCollection(QStringLiteral("c"), QStringLiteral("m"), 4));
    ASSERT_STATUS_OK(store.enqueue(c.id, {QStringLiteral("/d/a.txt")}));
    ASSERT_OK_AND_ASSIGN(qint64 id1, store.putDocument(c.id, makeDoc(QStringLiteral("/d/a.txt"),
                                                                  {QStringLiteral("zebra crossing"), QStringLiteral("yellow submarine")}, 4, 1)));
    ASSERT_OK_AND_ASSIGN(QStringList pend, store.pending(c.id));
    EXPECT_TRUE(pend.isEmpty()) << "putDocument dequeues";
    ASSERT_OK_AND_ASSIGN(QList<Bm25Hit> hits, store.searchBm25(c.id, QStringLiteral("zebra"), 10));
    ASSERT_EQ(hits.size(), 1);

    // Replace: old chunks and their FTS rows are gone, no duplicates.
    ASSERT_OK_AND_ASSIGN(qint64 id2, store.putDocument(c.id, makeDoc(QStringLiteral("/d/a.txt"), {QStringLiteral("purple rain")}, 4, 5)));
    EXPECT_NE(id1, id2);
    ASSERT_OK_AND_ASSIGN(QList<DocumentRecord> docs, store.listDocuments(c.id));
    ASSERT_EQ(docs.size(), 1);
    EXPECT_EQ(docs[0].nChunks, 1);
    ASSERT_OK_AND_ASSIGN(hits, store.searchBm25(c.id, QStringLiteral("zebra"), 10));
    EXPECT_TRUE(hits.isEmpty());
    ASSERT_OK_AND_ASSIGN(hits, store.searchBm25(c.id, QStringLiteral("purple"), 10));
    ASSERT_EQ(hits.size(), 1);
    ASSERT_OK_AND_ASSIGN(QList<ChunkRecord> ch, store.chunks({hits[0].chunkId}));
    ASSERT_EQ(ch.size(), 1);
    EXPECT_EQ(ch[0].path, QStringLiteral("/d/a.txt"));
    ASSERT_OK_AND_ASSIGN(std::vector<float> v, store.chunkVector(hits[0].chunkId));
    EXPECT_EQ(v, (std::vector<float>{5.0f, 5.25f, 5.5f, 5.75f}));

    // A wrong vector count is refused before anything is written.
    NewDocument bad = makeDoc(QStringLiteral("/d/a.txt"), {QStringLiteral("x")}, 4, 9);
    bad.vectors.pop_back();
    EXPECT_EQ(store.putDocument(c.id, bad).status().code(), ErrorCode::invalid_argument);
    ASSERT_OK_AND_ASSIGN(hits, store.searchBm25(c.id, QStringLiteral("purple"), 10));
    EXPECT_EQ(hits.size(), 1);

    ASSERT_STATUS_OK(store.removeDocument(id2));
    ASSERT_OK_AND_ASSIGN(hits, store.searchBm25(c.id, QStringLiteral("purple"), 10));
    EXPECT_TRUE(hits.isEmpty());
    ASSERT_OK_AND_ASSIGN(VectorSet vs, store.loadVectors(c.id));
    EXPECT_TRUE(vs.chunkIds.empty());
}

TEST_F(StoreTest, VectorsLoadPerCollectionInChunkOrder) {
    ASSERT_OK_AND_ASSIGN(CollectionInfo a, store.ensureCollection(QStringLiteral("a"), QStringLiteral("m"), 2));
    ASSERT_OK_AND_ASSIGN(CollectionInfo b, store.ensureCollection(QStringLiteral("b"), QStringLiteral("m"), 2));
    ASSERT_STATUS_OK(store.putDocument(a.id, makeDoc(QStringLiteral("/x"), {QStringLiteral("one"), QStringLiteral("two")}, 2, 0)).status());
    ASSERT_STATUS_OK(store.putDocument(b.id, makeDoc(QStringLiteral("/x"), {QStringLiteral("three")}, 2, 7)).status());
    ASSERT_OK_AND_ASSIGN(VectorSet va, store.loadVectors(a.id));
    ASSERT_EQ(va.chunkIds.size(), 2u);
    EXPECT_EQ(va.data, (std::vector<float>{0, 0.25f, 1, 1.25f}));
    ASSERT_OK_AND_ASSIGN(VectorSet vb, store.loadVectors(b.id));
    EXPECT_EQ(vb.data, (std::vector<float>{7, 7.25f}));
    // BM25 is per collection too.
    ASSERT_OK_AND_ASSIGN(QList<Bm25Hit> hits, store.searchBm25(a.id, QStringLiteral("three"), 5));
    EXPECT_TRUE(hits.isEmpty());
    ASSERT_STATUS_OK(store.deleteCollection(QStringLiteral("a")));
    ASSERT_OK_AND_ASSIGN(QList<CollectionInfo> left, store.listCollections());
    ASSERT_EQ(left.size(), 1);
    EXPECT_EQ(left[0].nChunks, 1);
}

TEST_F(StoreTest, Bm25FindsRowsOfACollectionBuriedUnderAnother) {
    // Collection a: 60 chunks that rank higher for "apple" than b's only one; b must still find it.
    ASSERT_OK_AND_ASSIGN(CollectionInfo a, store.ensureCollection(QStringLiteral("a"), QStringLiteral("m"), 1));
    ASSERT_OK_AND_ASSIGN(CollectionInfo b, store.ensureCollection(QStringLiteral("b"), QStringLiteral("m"), 1));
    QStringList many;
    for (int i = 0; i < 60; ++i) many << QStringLiteral("apple apple apple %1").arg(i);
    ASSERT_STATUS_OK(store.putDocument(a.id, makeDoc(QStringLiteral("/a"), many, 1, 0)).status());
    ASSERT_STATUS_OK(store.putDocument(b.id, makeDoc(QStringLiteral("/b"), {QStringLiteral("apple pie with a long tail of other words")}, 1, 0)).status());
    ASSERT_OK_AND_ASSIGN(QList<Bm25Hit> hits, store.searchBm25(b.id, QStringLiteral("apple"), 5));
    ASSERT_EQ(hits.size(), 1);
    ASSERT_OK_AND_ASSIGN(QList<ChunkRecord> c, store.chunks({hits[0].chunkId}));
    EXPECT_EQ(c[0].path, QStringLiteral("/b"));
    ASSERT_OK_AND_ASSIGN(hits, store.searchBm25(a.id, QStringLiteral("apple"), 5));
    EXPECT_EQ(hits.size(), 5);
    for (int i = 1; i < hits.size(); ++i) EXPECT_LE(hits[i - 1].score, hits[i].score);
}

TEST_F(StoreTest, QueueAndChangeStamp) {
    ASSERT_OK_AND_ASSIGN(CollectionInfo c, store.ensureCollection(QStringLiteral("c"), QStringLiteral("m"), 2));
    const qint64 s0 = store.changeStamp();
    ASSERT_STATUS_OK(store.enqueue(c.id, {QStringLiteral("/b"), QStringLiteral("/a"), QStringLiteral("/b")}));
    EXPECT_NE(store.changeStamp(), s0);
    ASSERT_OK_AND_ASSIGN(QStringList p, store.pending(c.id));
    EXPECT_EQ(p, (QStringList{QStringLiteral("/a"), QStringLiteral("/b")}));
    ASSERT_STATUS_OK(store.dequeue(c.id, QStringLiteral("/a")));
    ASSERT_OK_AND_ASSIGN(p, store.pending(c.id));
    EXPECT_EQ(p, QStringList{QStringLiteral("/b")});
    ASSERT_OK_AND_ASSIGN(CollectionInfo info, store.collection(QStringLiteral("c")));
    EXPECT_EQ(info.nPending, 1);
}

TEST(FtsQuery, QuotesWordsOrsThemAndDropsFunctionWords) {
    EXPECT_EQ(DocumentStore::ftsQuery(QStringLiteral("What is \"NEAR\" the capital?")),
              QStringLiteral("\"NEAR\" OR \"capital\""));
    EXPECT_EQ(DocumentStore::ftsQuery(QStringLiteral("to be or not to be")),
              QStringLiteral("\"to\" OR \"be\" OR \"or\" OR \"not\""));
    EXPECT_EQ(DocumentStore::ftsQuery(QStringLiteral("  ?!  ")), QString());
    EXPECT_EQ(DocumentStore::ftsQuery(QStringLiteral("a a a")), QStringLiteral("\"a\""));
}

}  // namespace
}  // namespace tessera::docs
