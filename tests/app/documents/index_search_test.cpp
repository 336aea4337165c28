// End to end on a corpus generated at run time: a text PDF, a scanned PDF (OCR), DOCX, Markdown and
// HTML are indexed with the tiny random-weight BERT fixture; BM25 finds known answers, dense search
// finds a chunk from its own text, re-indexing touches only what changed, pausing keeps the queue,
// and fuzzed PDFs never crash the indexer.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <random>

#include "app/services/documents/document_indexer.h"
#include "app/services/documents/document_search.h"
#include "engine/core/thread_pool.h"
#include "engine/models/embedding/embedder.h"
#include "tests/app/documents/documents_test_util.h"

namespace tessera::docs {
namespace {

const QString kFerry = QStringLiteral("The Zanzibar ferry departs from pier nine every Tuesday.");
const QString kGlass = QStringLiteral("Quarterly revenue of the glassworks rose by eleven percent.");
const QString kScan = QStringLiteral("The lighthouse keeper counted seven ships at dawn");

std::unique_ptr<Embedder> loadBert() {
    EmbedderOptions o;
    o.n_threads = 2;
    auto e = Embedder::load(test::bertFixturePath().toStdString(), o);
    return e.is_ok() ? std::move(e).value() : nullptr;
}

class IndexTest : public ::testing::Test {
protected:
    void SetUp() override {
        REQUIRE_BERT_FIXTURE();
        REQUIRE_POPPLER();
        REQUIRE_ZLIB();
        test::ensureGuiApp();
        ASSERT_TRUE(dir.isValid());
        embedder = loadBert();
        ASSERT_TRUE(embedder);
        corpus = dir.filePath(QStringLiteral("corpus"));
        ASSERT_TRUE(QDir().mkpath(corpus));
        ASSERT_TRUE(test::writeTextPdf(file("report.pdf"),
                                       {QStringLiteral("Annual report of the harbour authority.\nShipping volumes were stable."),
                                        QStringLiteral("Timetables.\n") + kFerry,
                                        QStringLiteral("Appendix: tide tables and contacts.")}));
        ASSERT_TRUE(test::writeFile(file("notes.docx"),
                                    test::makeDocx({QStringLiteral("Board meeting notes."), kGlass,
                                                    QStringLiteral("Next meeting in March.")})));
        ASSERT_TRUE(test::writeFile(file("readme.md"), "# Gardening\n\nTomatoes need six hours of sun daily.\n\n"
                                                       "## Watering\n\nWater the basil every morning before work.\n"));
        ASSERT_TRUE(test::writeFile(file("page.html"),
                                    "<html><body><h2>Astronomy</h2><p>Jupiter has ninety-five known moons.</p>"
                                    "<script>var hidden = 'nebula';</script></body></html>"));
        ocrReason = OcrEngine::unavailableReason();
        if (ocrReason.isEmpty()) ASSERT_TRUE(test::writeScannedPdf(file("scanned.pdf"), {kScan}));
        ASSERT_STATUS_OK(store.open(dir.filePath(QStringLiteral("documents.db"))));
        auto c = store.ensureCollection(QStringLiteral("test"), DocumentIndexer::modelId(test::bertFixturePath()),
                                        static_cast<int>(embedder->n_embd()));
        ASSERT_TRUE(c.is_ok()) << c.status().to_string();
        collection = c.value();
    }

    QString file(const char* name) const { return QDir(corpus).filePath(QLatin1String(name)); }

    IndexOptions options() const {
        IndexOptions o;
        o.chunking.maxTokens = 48;
        o.chunking.overlapTokens = 8;
        return o;
    }

    IndexSummary indexAll(DocumentIndexer& ix, int* queued = nullptr) {
        auto q = ix.scan(collection, {corpus});
        EXPECT_TRUE(q.is_ok()) << q.status().to_string();
        if (queued) *queued = q.is_ok() ? q.value() : -1;
        auto s = ix.run(collection);
        EXPECT_TRUE(s.is_ok()) << s.status().to_string();
        return s.is_ok() ? s.value() : IndexSummary{};
    }

    QTemporaryDir dir;
    QString corpus;
    QString ocrReason;
    std::unique_ptr<Embedder> embedder;
    DocumentStore store;
    CollectionInfo collection;
};

TEST_F(IndexTest, IndexesEveryFormat) {
    DocumentIndexer ix(store, *embedder, options());
    int queued = 0;
    const IndexSummary s = indexAll(ix, &queued);
    const int nFiles = ocrReason.isEmpty() ? 5 : 4;
    EXPECT_EQ(queued, nFiles);
    EXPECT_EQ(s.indexed, nFiles);
    EXPECT_EQ(s.failed, 0);
    EXPECT_EQ(s.remaining, 0);
    EXPECT_GT(s.chunks, 0);
    ASSERT_OK_AND_ASSIGN(QList<DocumentRecord> docs, store.listDocuments(collection.id));
    ASSERT_EQ(docs.size(), nFiles);
    for (const DocumentRecord& d : docs) {
        EXPECT_EQ(d.status, DocumentStatus::indexed) << d.path.toStdString() << ": " << d.error.toStdString();
        EXPECT_EQ(d.contentHash.size(), 64);
        EXPECT_GT(d.nChunks, 0) << d.path.toStdString();
        if (d.path.endsWith(QLatin1String("report.pdf"))) EXPECT_EQ(d.nPages, 3);
    }
    if (!ocrReason.isEmpty()) std::printf("note: OCR part skipped: %s\n", ocrReason.toUtf8().constData());
}

TEST_F(IndexTest, Bm25FindsKnownAnswers) {
    DocumentIndexer ix(store, *embedder, options());
    indexAll(ix);
    DocumentSearcher searcher(store, nullptr, 1);  // no embedder: BM25 only
    SearchOptions so;
    so.dense = false;
    ASSERT_OK_AND_ASSIGN(QList<SearchResult> r, searcher.search(QStringLiteral("test"), QStringLiteral("When does the Zanzibar ferry leave?"), so));
    ASSERT_FALSE(r.isEmpty());
    EXPECT_TRUE(r[0].chunk.path.endsWith(QLatin1String("report.pdf")));
    EXPECT_EQ(r[0].chunk.page, 2);
    EXPECT_TRUE(r[0].chunk.text.contains(QStringLiteral("pier nine")));
    EXPECT_EQ(r[0].bm25Rank, 1);
    EXPECT_EQ(r[0].denseRank, 0);

    ASSERT_OK_AND_ASSIGN(r, searcher.search(QStringLiteral("test"), QStringLiteral("glassworks revenue"), so));
    ASSERT_FALSE(r.isEmpty());
    EXPECT_TRUE(r[0].chunk.path.endsWith(QLatin1String("notes.docx")));
    EXPECT_TRUE(r[0].chunk.text.contains(kGlass));

    ASSERT_OK_AND_ASSIGN(r, searcher.search(QStringLiteral("test"), QStringLiteral("moons of Jupiter"), so));
    ASSERT_FALSE(r.isEmpty());
    EXPECT_TRUE(r[0].chunk.path.endsWith(QLatin1String("page.html")));
    ASSERT_OK_AND_ASSIGN(r, searcher.search(QStringLiteral("test"), QStringLiteral("nebula"), so));
    EXPECT_TRUE(r.isEmpty()) << "script bodies are not indexed";

    if (ocrReason.isEmpty()) {
        ASSERT_OK_AND_ASSIGN(r, searcher.search(QStringLiteral("test"), QStringLiteral("lighthouse keeper ships"), so));
        ASSERT_FALSE(r.isEmpty());
        EXPECT_TRUE(r[0].chunk.path.endsWith(QLatin1String("scanned.pdf")));
        EXPECT_EQ(r[0].chunk.page, 1);
        EXPECT_TRUE(test::normalized(r[0].chunk.text).contains(test::normalized(kScan))) << r[0].chunk.text.toStdString();
    }
}

TEST_F(IndexTest, DenseFindsEachChunkFromItsOwnText) {
    DocumentIndexer ix(store, *embedder, options());
    indexAll(ix);
    DocumentSearcher searcher(store, embedder.get(), 1);
    SearchOptions so;
    so.bm25 = false;
    so.limit = 3;
    ASSERT_OK_AND_ASSIGN(QList<DocumentRecord> docs, store.listDocuments(collection.id));
    int checked = 0;
    for (const DocumentRecord& d : docs) {
        ASSERT_OK_AND_ASSIGN(QList<ChunkRecord> chunks, store.documentChunks(d.id));
        for (const ChunkRecord& c : chunks) {
            ASSERT_OK_AND_ASSIGN(QList<SearchResult> r, searcher.search(QStringLiteral("test"), c.text, so));
            ASSERT_FALSE(r.isEmpty());
            EXPECT_EQ(r[0].chunk.id, c.id) << c.text.toStdString();
            EXPECT_EQ(r[0].denseRank, 1);
            EXPECT_NEAR(r[0].similarity, 1.0f, 1e-4);
            ++checked;
        }
    }
    EXPECT_GE(checked, 5);
    EXPECT_GT(searcher.cachedVectors(), 0);
}

TEST_F(IndexTest, HybridSearchFusesBothLists) {
    DocumentIndexer ix(store, *embedder, options());
    indexAll(ix);
    DocumentSearcher searcher(store, embedder.get(), 1);
    ASSERT_OK_AND_ASSIGN(QList<SearchResult> r, searcher.search(QStringLiteral("test"), kFerry));
    ASSERT_FALSE(r.isEmpty());
    EXPECT_TRUE(r[0].chunk.text.contains(kFerry));
    EXPECT_EQ(r[0].bm25Rank, 1);
    EXPECT_EQ(r[0].denseRank, 1);
    EXPECT_NEAR(r[0].score, 2.0 / 61.0, 1e-12);
    for (int i = 1; i < r.size(); ++i) EXPECT_LE(r[i].score, r[i - 1].score);
    // A model of another width is refused.
    EXPECT_FALSE(searcher.search(QStringLiteral("nope"), kFerry).is_ok());
}

TEST_F(IndexTest, OnlyChangedFilesAreReindexed) {
    DocumentIndexer ix(store, *embedder, options());
    indexAll(ix);
    int queued = -1;
    IndexSummary s = indexAll(ix, &queued);
    EXPECT_EQ(queued, 0);
    EXPECT_EQ(s.indexed, 0);

    // Changed content: re-indexed, old text gone. Deleted file: removed from the index.
    ASSERT_TRUE(test::writeFile(file("readme.md"), "# Gardening\n\nPeppers like warm soil and little wind.\n"));
    QFile::remove(file("page.html"));
    int removed = 0;
    auto q = ix.scan(collection, {corpus}, &removed);
    ASSERT_TRUE(q.is_ok());
    EXPECT_EQ(q.value(), 1);
    EXPECT_EQ(removed, 1);
    ASSERT_OK_AND_ASSIGN(s, ix.run(collection));
    EXPECT_EQ(s.indexed, 1);
    ASSERT_OK_AND_ASSIGN(QList<Bm25Hit> hits, store.searchBm25(collection.id, QStringLiteral("basil"), 5));
    EXPECT_TRUE(hits.isEmpty());
    ASSERT_OK_AND_ASSIGN(hits, store.searchBm25(collection.id, QStringLiteral("peppers"), 5));
    EXPECT_EQ(hits.size(), 1);
    ASSERT_OK_AND_ASSIGN(hits, store.searchBm25(collection.id, QStringLiteral("Jupiter"), 5));
    EXPECT_TRUE(hits.isEmpty());

    // Same bytes, new mtime: queued by the scan, recognised by the hash, not re-embedded.
    QFile f(file("notes.docx"));
    ASSERT_TRUE(f.open(QIODevice::ReadWrite));
    ASSERT_TRUE(f.setFileTime(QDateTime::currentDateTime().addSecs(60), QFileDevice::FileModificationTime));
    f.close();
    s = indexAll(ix, &queued);
    EXPECT_EQ(queued, 1);
    EXPECT_EQ(s.unchanged, 1);
    EXPECT_EQ(s.indexed, 0);
    s = indexAll(ix, &queued);
    EXPECT_EQ(queued, 0) << "the new mtime was recorded";
}

TEST_F(IndexTest, PauseKeepsTheQueueAndResumeFinishes) {
    DocumentIndexer ix(store, *embedder, options());
    ASSERT_OK_AND_ASSIGN(int queued, ix.scan(collection, {corpus}));
    ASSERT_GE(queued, 4);
    std::vector<IndexProgress> seen;
    ASSERT_OK_AND_ASSIGN(IndexSummary s, ix.run(collection, [&](const IndexProgress& p) {
        seen.push_back(p);
        if (p.filesDone == 2) ix.requestPause();
    }));
    EXPECT_TRUE(s.paused);
    EXPECT_EQ(s.indexed, 2);
    EXPECT_EQ(s.remaining, queued - 2);
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].filesTotal, queued);
    EXPECT_GT(seen[1].bytesDone, seen[0].bytesDone);
    EXPECT_GE(seen[1].etaSeconds, 0);

    // A paused indexer stays paused; cleared, it resumes with what is left (no rescan needed).
    ASSERT_OK_AND_ASSIGN(s, ix.run(collection));
    EXPECT_TRUE(s.paused);
    EXPECT_EQ(s.indexed, 0);
    ix.clearPause();
    ASSERT_OK_AND_ASSIGN(s, ix.run(collection));
    EXPECT_FALSE(s.paused);
    EXPECT_EQ(s.indexed, queued - 2);
    EXPECT_EQ(s.remaining, 0);
    ASSERT_OK_AND_ASSIGN(QList<DocumentRecord> docs, store.listDocuments(collection.id));
    EXPECT_EQ(docs.size(), queued);
}

TEST_F(IndexTest, UnreadableFilesAreRecordedAsFailed) {
    ASSERT_TRUE(test::writeFile(file("broken.pdf"), "%PDF-1.7 this is not really a pdf"));
    ASSERT_TRUE(test::writeFile(file("broken.docx"), "PK not a zip"));
    DocumentIndexer ix(store, *embedder, options());
    const IndexSummary s = indexAll(ix);
    EXPECT_EQ(s.failed, 2);
    ASSERT_OK_AND_ASSIGN(std::optional<DocumentRecord> d, store.findDocument(collection.id, QFileInfo(file("broken.pdf")).absoluteFilePath()));
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->status, DocumentStatus::failed);
    EXPECT_FALSE(d->error.isEmpty());
    int queued = -1;
    indexAll(ix, &queued);
    EXPECT_EQ(queued, 0) << "a failed file is retried only once it changes";
}

TEST_F(IndexTest, FuzzedPdfsNeverCrashTheIndexer) {
    QFile src(file("report.pdf"));
    ASSERT_TRUE(src.open(QIODevice::ReadOnly));
    const QByteArray pdf = src.readAll();
    IndexOptions o = options();
    o.extract.ocrDpi = 40;  // pages that lose their text are OCR'd cheaply
    DocumentIndexer ix(store, *embedder, o);
    const QString target = dir.filePath(QStringLiteral("fuzz/fuzzed.pdf"));
    ASSERT_TRUE(QDir().mkpath(QFileInfo(target).path()));
    std::mt19937 rng(20240611);
    int indexed = 0, failed = 0;
    // 60 by default; TESSERA_DOCS_FUZZ_ITERATIONS=N for a longer run (e.g. under ASan).
    const int kIterations = qEnvironmentVariableIntValue("TESSERA_DOCS_FUZZ_ITERATIONS") > 0
                                ? qEnvironmentVariableIntValue("TESSERA_DOCS_FUZZ_ITERATIONS") : 60;
    for (int it = 0; it < kIterations; ++it) {
        QByteArray bad = pdf;
        const int flips = 1 + int(rng() % 24);
        for (int k = 0; k < flips; ++k) bad[int(rng() % bad.size())] = char(rng() & 0xFF);
        if (it % 10 == 9) bad.truncate(int(rng() % bad.size()));  // truncations too
        ASSERT_TRUE(test::writeFile(target, bad));
        auto q = ix.scan(collection, {target});
        ASSERT_TRUE(q.is_ok()) << q.status().to_string();
        ASSERT_STATUS_OK(store.enqueue(collection.id, {QFileInfo(target).absoluteFilePath()}));  // even if size/mtime match
        ASSERT_OK_AND_ASSIGN(IndexSummary s, ix.run(collection));
        indexed += s.indexed;
        failed += s.failed;
        EXPECT_EQ(s.indexed + s.failed + s.unchanged, 1) << "iteration " << it;
    }
    std::printf("fuzzed PDFs: %d indexed, %d failed (cleanly)\n", indexed, failed);
    ASSERT_OK_AND_ASSIGN(QList<DocumentRecord> docs, store.listDocuments(collection.id));
    EXPECT_EQ(docs.size(), 1);
}

TEST(RankFusion, HandComputedScores) {
    // Lists [1, 2, 3] and [3, 1]: 1 -> 1/61 + 1/62, 3 -> 1/63 + 1/61, 2 -> 1/62.
    const auto fused = reciprocalRankFusion({{1, 2, 3}, {3, 1}}, 60);
    ASSERT_EQ(fused.size(), 3u);
    EXPECT_EQ(fused[0].first, 1);
    EXPECT_DOUBLE_EQ(fused[0].second, 1.0 / 61 + 1.0 / 62);
    EXPECT_EQ(fused[1].first, 3);
    EXPECT_DOUBLE_EQ(fused[1].second, 1.0 / 63 + 1.0 / 61);
    EXPECT_EQ(fused[2].first, 2);
    EXPECT_DOUBLE_EQ(fused[2].second, 1.0 / 62);
    EXPECT_TRUE(reciprocalRankFusion({}, 60).empty());
}

TEST(DenseTopK, MatchesBruteForce) {
    const int n = 1000, dim = 64;
    const std::vector<float> m = test::random_floats(size_t(n) * dim, 7);
    const std::vector<float> q = test::random_floats(dim, 8);
    ThreadPool pool(2);
    const auto top = denseTopK(m.data(), n, dim, q.data(), 10, pool);
    std::vector<std::pair<double, int>> ref;
    for (int i = 0; i < n; ++i) {
        double s = 0;
        for (int k = 0; k < dim; ++k) s += double(m[size_t(i) * dim + k]) * q[k];
        ref.push_back({-s, i});
    }
    std::sort(ref.begin(), ref.end());
    ASSERT_EQ(top.size(), 10u);
    for (int r = 0; r < 10; ++r) {
        EXPECT_EQ(top[r].first, ref[r].second) << "rank " << r;
        EXPECT_NEAR(top[r].second, -ref[r].first, 1e-4);
    }
    EXPECT_EQ(denseTopK(m.data(), 3, dim, q.data(), 10, pool).size(), 3u);
    EXPECT_TRUE(denseTopK(m.data(), 0, dim, q.data(), 10, pool).empty());
}

}  // namespace
}  // namespace tessera::docs
