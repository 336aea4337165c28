// Benchmarks of the document index (figures, not checks): set TESSERA_DOCS_BENCH=1 to run them,
// e.g.  TESSERA_DOCS_BENCH=1 ./test_app_documents --gtest_filter='DocumentsBench.*'
//   PdfIngestion       pages/s: Poppler text extraction alone, and extraction + chunking + embedding
//   EmbeddingThroughput chunks/s with a bge-small-shaped random BERT (n_embd 384, 12 layers, 12 heads,
//                      ff 1536, vocab 30522 copied from the fixture), written here with GgufWriter
//   QueryLatency       dense (matmul + top-k), BM25 (FTS5) and fused query time at 10k and 100k chunks
#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <ctime>
#include <random>

#include "app/services/documents/document_indexer.h"
#include "app/services/documents/document_search.h"
#include "engine/core/fp16.h"
#include "engine/gguf/gguf.h"
#include "engine/gguf/gguf_writer.h"
#include "engine/models/embedding/embedder.h"
#include "tests/app/documents/documents_test_util.h"

namespace tessera::docs {
namespace {

#define REQUIRE_BENCH()                                                                          \
    do {                                                                                         \
        if (qEnvironmentVariableIsEmpty("TESSERA_DOCS_BENCH"))                                   \
            GTEST_SKIP() << "benchmark: set TESSERA_DOCS_BENCH=1 to run it";                     \
    } while (0)

const char* const kVocab[] = {"harbor", "ferry", "granite", "orchard", "copper", "meadow", "falcon", "lantern",
                              "glacier", "willow", "quartz", "saffron", "tundra", "report", "budget", "engine",
                              "protein", "cell", "theory", "market", "river", "planet", "signal", "network",
                              "policy", "energy", "climate", "history", "music", "garden", "invoice", "contract"};

// Word i of a 20,000-word pseudo vocabulary: a common word for small i, else a made-up one.
QString word(int i) {
    if (i < 32) return QLatin1String(kVocab[i]);
    static const char* const syll[] = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "bra", "cli", "dro"};
    QString w;
    for (int x = i; x > 0; x /= 12) w += QLatin1String(syll[x % 12]);
    return w;
}

// Zipf-distributed words (s = 1), sentences of 12: closer to real text than a tiny vocabulary, so
// BM25 queries match a realistic fraction of the chunks.
QString prose(std::mt19937& rng, int nWords) {
    static const std::vector<double> cdf = [] {
        std::vector<double> c(20000);
        double sum = 0;
        for (int i = 0; i < 20000; ++i) c[i] = (sum += 1.0 / (i + 1));
        for (double& x : c) x /= sum;
        return c;
    }();
    std::uniform_real_distribution<double> u(0.0, 1.0);
    QString s;
    for (int i = 0; i < nWords; ++i) {
        s += word(int(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin()));
        s += (i % 12 == 11) ? QStringLiteral(". ") : QStringLiteral(" ");
    }
    return s;
}

// A BERT GGUF with random weights and the fixture's tokenizer (all tokenizer.* keys copied).
Status writeRandomBert(const std::string& path, int64_t n_embd, int64_t n_layer, int64_t n_head, int64_t n_ff) {
    TS_ASSIGN_OR_RETURN(auto tok, GgufFile::open(test::bertFixturePath().toStdString()));
    GgufWriter w;
    w.set_string("general.architecture", "bert");
    w.set_string("general.name", "bench-bge-small-shape");
    w.set_u32("bert.context_length", 512);
    w.set_u32("bert.embedding_length", static_cast<uint32_t>(n_embd));
    w.set_u32("bert.block_count", static_cast<uint32_t>(n_layer));
    w.set_u32("bert.feed_forward_length", static_cast<uint32_t>(n_ff));
    w.set_u32("bert.attention.head_count", static_cast<uint32_t>(n_head));
    w.set_f32("bert.attention.layer_norm_epsilon", 1e-12f);
    w.set_bool("bert.attention.causal", false);
    w.set_u32("bert.pooling_type", 2);
    for (const auto& [key, value] : tok->metadata())
        if (key.rfind("tokenizer.", 0) == 0) w.set(key, value);
    const int64_t n_vocab = 30522;
    std::mt19937 rng(42);
    std::normal_distribution<float> nd(0.0f, 0.02f);
    auto randv = [&](int64_t n, float mean = 0.0f) {
        std::vector<float> v(static_cast<size_t>(n));
        for (float& x : v) x = mean + nd(rng);
        return v;
    };
    {
        std::vector<uint8_t> f16(static_cast<size_t>(n_embd * n_vocab) * 2);
        for (size_t i = 0; i < f16.size() / 2; ++i) {
            const uint16_t h = fp32_to_fp16(nd(rng) * 2.5f);
            std::memcpy(f16.data() + 2 * i, &h, 2);
        }
        TS_RETURN_IF_ERROR(w.add_tensor("token_embd.weight", DType::F16, {n_embd, n_vocab}, std::move(f16)));
    }
    TS_RETURN_IF_ERROR(w.add_tensor_f32("token_types.weight", {n_embd, 2}, randv(2 * n_embd)));
    TS_RETURN_IF_ERROR(w.add_tensor_f32("position_embd.weight", {n_embd, 512}, randv(512 * n_embd)));
    TS_RETURN_IF_ERROR(w.add_tensor_f32("token_embd_norm.weight", {n_embd}, randv(n_embd, 1.0f)));
    TS_RETURN_IF_ERROR(w.add_tensor_f32("token_embd_norm.bias", {n_embd}, randv(n_embd)));
    for (int il = 0; il < n_layer; ++il) {
        auto n = [&](const char* s) { return "blk." + std::to_string(il) + "." + s; };
        for (const char* m : {"attn_q", "attn_k", "attn_v", "attn_output"}) {
            TS_RETURN_IF_ERROR(w.add_tensor_f32(n(m) + std::string(".weight"), {n_embd, n_embd}, randv(n_embd * n_embd)));
            TS_RETURN_IF_ERROR(w.add_tensor_f32(n(m) + std::string(".bias"), {n_embd}, randv(n_embd)));
        }
        for (const char* m : {"attn_output_norm", "layer_output_norm"}) {
            TS_RETURN_IF_ERROR(w.add_tensor_f32(n(m) + std::string(".weight"), {n_embd}, randv(n_embd, 1.0f)));
            TS_RETURN_IF_ERROR(w.add_tensor_f32(n(m) + std::string(".bias"), {n_embd}, randv(n_embd)));
        }
        TS_RETURN_IF_ERROR(w.add_tensor_f32(n("ffn_up.weight"), {n_embd, n_ff}, randv(n_embd * n_ff)));
        TS_RETURN_IF_ERROR(w.add_tensor_f32(n("ffn_up.bias"), {n_ff}, randv(n_ff)));
        TS_RETURN_IF_ERROR(w.add_tensor_f32(n("ffn_down.weight"), {n_ff, n_embd}, randv(n_embd * n_ff)));
        TS_RETURN_IF_ERROR(w.add_tensor_f32(n("ffn_down.bias"), {n_embd}, randv(n_embd)));
    }
    return w.write(path);
}

class DocumentsBench : public ::testing::Test {
protected:
    void SetUp() override {
        REQUIRE_BENCH();
        REQUIRE_BERT_FIXTURE();
        test::ensureGuiApp();
        ASSERT_TRUE(dir.isValid());
    }
    QString bgeSmall() {
        const QString path = dir.filePath(QStringLiteral("bge-small-shape.gguf"));
        if (!QFileInfo::exists(path)) {
            const Status st = writeRandomBert(path.toStdString(), 384, 12, 12, 1536);
            EXPECT_TRUE(st.is_ok()) << st.to_string();
        }
        return path;
    }
    int threads() const { return qEnvironmentVariableIntValue("TESSERA_DOCS_BENCH_THREADS") > 0
                                     ? qEnvironmentVariableIntValue("TESSERA_DOCS_BENCH_THREADS") : default_thread_count(); }
    QTemporaryDir dir;
};

TEST_F(DocumentsBench, PdfIngestion) {
    REQUIRE_POPPLER();
    std::mt19937 rng(1);
    const QString corpus = dir.filePath(QStringLiteral("pdfs"));
    QDir().mkpath(corpus);
    const int nPdfs = 10, nPages = 10;
    for (int f = 0; f < nPdfs; ++f) {
        QStringList pages;
        for (int p = 0; p < nPages; ++p) {
            QStringList lines;
            for (int l = 0; l < 40; ++l) lines << prose(rng, 12);  // ~480 words a page
            pages << lines.join(QLatin1Char('\n'));
        }
        ASSERT_TRUE(test::writeTextPdf(QDir(corpus).filePath(QStringLiteral("f%1.pdf").arg(f)), pages));
    }
    ExtractOptions eo;
    eo.ocr = false;
    DocumentExtractor ex(eo);
    QElapsedTimer t;
    t.start();
    int pages = 0;
    for (int f = 0; f < nPdfs; ++f) {
        ASSERT_OK_AND_ASSIGN(ExtractedDocument d, ex.extract(QDir(corpus).filePath(QStringLiteral("f%1.pdf").arg(f))));
        pages += d.pages.size();
    }
    const double extractS = t.elapsed() / 1000.0;
    ASSERT_EQ(pages, nPdfs * nPages);
    std::printf("BENCH pdf text extraction: %d pages in %.2fs = %.1f pages/s\n", pages, extractS, pages / extractS);

    for (const QString& model : {test::bertFixturePath(), bgeSmall()}) {
        EmbedderOptions o;
        o.n_threads = threads();
        ASSERT_OK_AND_ASSIGN(auto emb, Embedder::load(model.toStdString(), o));
        DocumentStore store;
        ASSERT_STATUS_OK(store.open(dir.filePath(QStringLiteral("ingest-%1.db").arg(emb->n_embd()))));
        ASSERT_OK_AND_ASSIGN(CollectionInfo c, store.ensureCollection(QStringLiteral("b"), QStringLiteral("m"),
                                                                     static_cast<int>(emb->n_embd())));
        IndexOptions io;
        io.extract.ocr = false;
        DocumentIndexer ix(store, *emb, io);
        ASSERT_STATUS_OK(ix.scan(c, {corpus}).status());
        const std::clock_t cpu0 = std::clock();
        ASSERT_OK_AND_ASSIGN(IndexSummary s, ix.run(c));
        const double cpu = double(std::clock() - cpu0) / CLOCKS_PER_SEC;
        std::printf("BENCH   (%.2f CPU-s: %.1f pages per CPU-second)\n", cpu, s.pages / cpu);
        std::printf("BENCH pdf ingestion end to end (%s, %lld dims, %d threads): %d pages, %lld chunks in %.2fs = "
                    "%.1f pages/s, %.1f chunks/s\n",
                    QFileInfo(model).fileName().toUtf8().constData(), static_cast<long long>(emb->n_embd()), o.n_threads,
                    s.pages, static_cast<long long>(s.chunks), s.seconds, s.pages / s.seconds, s.chunks / s.seconds);
        EXPECT_EQ(s.pages, nPdfs * nPages);
    }
}

TEST_F(DocumentsBench, EmbeddingThroughput) {
    EmbedderOptions o;
    o.n_threads = threads();
    ASSERT_OK_AND_ASSIGN(auto emb, Embedder::load(bgeSmall().toStdString(), o));
    std::mt19937 rng(2);
    for (int words : {55, 110}) {  // ~128 and ~256 tokens with this vocabulary
        std::vector<std::string> texts;
        for (int i = 0; i < 64; ++i) texts.push_back(prose(rng, words).toStdString());
        const int64_t tokens = emb->count_tokens(texts[0]) + 2;
        (void)emb->embed({texts[0]});  // warm up
        QElapsedTimer t;
        t.start();
        const std::clock_t cpu0 = std::clock();  // process CPU time, all threads: robust on a shared machine
        ASSERT_OK_AND_ASSIGN(std::vector<float> v, emb->embed(texts));
        const double s = t.elapsed() / 1000.0;
        const double cpu = double(std::clock() - cpu0) / CLOCKS_PER_SEC;
        ASSERT_EQ(v.size(), texts.size() * 384);
        std::printf("BENCH embedding bge-small shape (384x12, %d threads): %zu chunks of ~%lld tokens in %.2fs = "
                    "%.1f chunks/s (%.0f tokens/s); %.2f CPU-s = %.1f chunks per CPU-second\n",
                    o.n_threads, texts.size(), static_cast<long long>(tokens), s, texts.size() / s,
                    texts.size() * double(tokens) / s, cpu, texts.size() / cpu);
    }
}

TEST_F(DocumentsBench, QueryLatency) {
    const int nEmbd = 384;
    std::mt19937 rng(3);
    std::normal_distribution<float> nd;
    DocumentStore store;
    ASSERT_STATUS_OK(store.open(dir.filePath(QStringLiteral("latency.db"))));
    ASSERT_OK_AND_ASSIGN(CollectionInfo c, store.ensureCollection(QStringLiteral("big"), QStringLiteral("m"), nEmbd));
    EmbedderOptions o;
    o.n_threads = threads();
    ASSERT_OK_AND_ASSIGN(auto emb, Embedder::load(bgeSmall().toStdString(), o));
    DocumentSearcher searcher(store, emb.get(), threads());
    int total = 0, doc = 0;
    for (int target : {10000, 100000}) {
        QElapsedTimer build;
        build.start();
        while (total < target) {
            NewDocument d;
            d.path = QStringLiteral("/bench/doc%1.txt").arg(doc++);
            d.contentHash = d.path;
            for (int i = 0; i < 200; ++i) {
                d.chunks.push_back({0, i + 1, i + 1, prose(rng, 60), 60});
                float norm = 0;
                std::vector<float> v(nEmbd);
                for (float& x : v) {
                    x = nd(rng);
                    norm += x * x;
                }
                for (float& x : v) x /= std::sqrt(norm);
                d.vectors.insert(d.vectors.end(), v.begin(), v.end());
            }
            ASSERT_STATUS_OK(store.putDocument(c.id, d).status());
            total += 200;
        }
        std::printf("BENCH built %d chunks (%.1fs)\n", total, build.elapsed() / 1000.0);
        QElapsedTimer t;
        t.start();
        ASSERT_STATUS_OK(searcher.warm(c.id));
        const double loadMs = t.nsecsElapsed() / 1e6;
        std::vector<float> q(nEmbd);
        for (float& x : q) x = nd(rng) / std::sqrt(float(nEmbd));
        const int reps = 20;
        SearchOptions dense, lex, both;
        dense.bm25 = false;
        lex.dense = false;
        double ms[3] = {0, 0, 0};
        for (int r = 0; r < reps; ++r) {
            // Content words (Zipf ranks >= 100), as a typed query leaves after function words are dropped.
            QString text;
            for (int w = 0; w < 5; ++w) text += word(100 + int(rng() % 3000)) + QLatin1Char(' ');
            int k = 0;
            for (const SearchOptions* so : {&dense, &lex, &both}) {
                t.restart();
                ASSERT_OK_AND_ASSIGN(QList<SearchResult> res, searcher.searchVector(c.id, text, q, *so));
                ms[k++] += t.nsecsElapsed() / 1e6 / reps;
                EXPECT_FALSE(res.isEmpty());
            }
        }
        t.restart();
        for (int r = 0; r < reps; ++r) ASSERT_TRUE(emb->embed({prose(rng, 8).toStdString()}).is_ok());
        const double embedMs = t.nsecsElapsed() / 1e6 / reps;
        // Worst case for BM25: a query of the most frequent words, matching nearly every chunk.
        double commonMs = 0;
        for (int r = 0; r < reps; ++r) {
            t.restart();
            ASSERT_OK_AND_ASSIGN(QList<SearchResult> res, searcher.searchVector(c.id, word(r % 5) + QLatin1Char(' ') + word(r % 7 + 5), q, lex));
            commonMs += t.nsecsElapsed() / 1e6 / reps;
        }
        std::printf("BENCH query latency at %d chunks (384 dims, %d threads): dense %.2f ms, bm25 %.2f ms, fused %.2f ms; "
                    "bm25 with the most frequent words %.2f ms; query embedding %.2f ms; vector cache load %.0f ms\n",
                    total, threads(), ms[0], ms[1], ms[2], commonMs, embedMs, loadMs);
    }
}

}  // namespace
}  // namespace tessera::docs
