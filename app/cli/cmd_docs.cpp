// Document commands on the app's document index (app/services/documents):
//   index  --collection NAME PATH... --embed-model E.gguf   queue new/changed files and index them
//   search --collection NAME -q TEXT [--embed-model E.gguf] ranked chunks with file:page:lines
//   ask    --collection NAME -m MODEL.gguf -q TEXT [--embed-model E.gguf]  answer citing [n] sources
//   collections                                              what the database holds
// Ctrl+C during `index` pauses after the current document; running the same command again resumes.
#include <QCoreApplication>
#include <QFileInfo>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "app/cli/cli_args.h"
#include "app/cli/commands.h"
#include "app/services/chat_runner.h"
#include "app/services/documents/document_indexer.h"
#include "app/services/documents/document_search.h"
#include "app/services/documents/document_store.h"
#include "app/services/documents/grounded_prompt.h"
#include "app/services/inference_types.h"
#include "engine/models/embedding/embedder.h"

namespace tessera::cli {
namespace {

using namespace tessera::docs;

std::atomic<DocumentIndexer*> g_indexer{nullptr};

extern "C" void on_index_sigint(int) {
    if (DocumentIndexer* ix = g_indexer.load()) {
        ix->requestPause();  // an atomic store
        g_indexer.store(nullptr);
    } else {
        std::_Exit(130);
    }
}

// Splits argv[first..] into options (handed to Args) and positional arguments.
struct SplitArgs {
    std::vector<char*> options;
    std::vector<std::string> positional;
};

SplitArgs split(int argc, char** argv, int first, const std::set<std::string>& withValue) {
    SplitArgs s;
    s.options.push_back(argv[0]);
    for (int i = first; i < argc; ++i) {
        const std::string a = argv[i];
        if (!a.empty() && a[0] == '-') {
            s.options.push_back(argv[i]);
            if (withValue.count(a) && i + 1 < argc) s.options.push_back(argv[++i]);
        } else {
            s.positional.push_back(a);
        }
    }
    return s;
}

[[noreturn]] void die(const Status& st) { throw std::runtime_error(st.to_string()); }

template <class T>
T unwrap(Result<T> r) {
    if (!r.is_ok()) die(r.status());
    return std::move(r).value();
}

QString qs(const std::string& s) { return QString::fromStdString(s); }

QCoreApplication& app() {
    static int argc = 1;
    static char name[] = "tessera-cli";
    static char* argv[] = {name, nullptr};
    static QCoreApplication a(argc, argv);
    // The desktop app's names (ui/main.cpp), so both use the same documents.db.
    QCoreApplication::setApplicationName(QStringLiteral("Tessera"));
    QCoreApplication::setOrganizationName(QStringLiteral("Tessera"));
    return a;
}

void openStore(DocumentStore& store, const Args& args) {
    const QString db = args.has("--db") ? qs(args.str("--db")) : DocumentStore::defaultDatabasePath();
    Status st = store.open(db);
    if (!st) die(st);
}

std::unique_ptr<Embedder> loadEmbedder(const Args& args) {
    EmbedderOptions eo;
    eo.n_threads = static_cast<int>(args.integer("-t", 0));
    if (args.has("--pooling")) {
        PoolingType p;
        if (!pooling_type_from_name(args.str("--pooling"), &p)) throw UsageError("--pooling expects mean, cls or last");
        eo.pooling = p;
    }
    return unwrap(Embedder::load(args.required("--embed-model"), eo));
}

std::string fmtSeconds(double s) {
    if (s < 0) return "?";
    char buf[32];
    if (s < 90) std::snprintf(buf, sizeof buf, "%.0fs", s);
    else if (s < 5400) std::snprintf(buf, sizeof buf, "%.0fm%02.0fs", s / 60 - 0.5, std::fmod(s, 60.0));
    else std::snprintf(buf, sizeof buf, "%.1fh", s / 3600);
    return buf;
}

void printResults(const QList<SearchResult>& results) {
    for (qsizetype i = 0; i < results.size(); ++i) {
        const SearchResult& r = results[i];
        const ChunkRecord& c = r.chunk;
        QString where = c.path;
        if (c.page > 0) where += QStringLiteral(":%1").arg(c.page);
        where += QStringLiteral(":%1-%2").arg(c.lineStart).arg(c.lineEnd);
        std::printf("%2lld. %s  score %.4f", static_cast<long long>(i + 1), where.toUtf8().constData(), r.score);
        if (r.denseRank) std::printf("  dense #%d (%.3f)", r.denseRank, r.similarity);
        if (r.bm25Rank) std::printf("  bm25 #%d (%.2f)", r.bm25Rank, r.bm25);
        QString snippet = c.text.simplified();
        if (snippet.size() > 240) snippet = snippet.left(240) + QStringLiteral("…");
        std::printf("\n    %s\n", snippet.toUtf8().constData());
    }
}

}  // namespace

int cmd_index(int argc, char** argv) {
    const std::set<std::string> withValue = {"--collection", "--embed-model", "--db", "-t", "--chunk-tokens",
                                             "--overlap", "--pooling", "--ocr-lang"};
    SplitArgs sa = split(argc, argv, 2, withValue);
    Args args(static_cast<int>(sa.options.size()), sa.options.data(), 1, withValue, {"--no-ocr", "--quiet"});
    if (sa.positional.empty()) throw UsageError("give at least one PATH (file or folder) to index");
    app();
    DocumentStore store;
    openStore(store, args);
    auto embedder = loadEmbedder(args);
    const QString modelPath = qs(args.required("--embed-model"));
    const CollectionInfo collection = unwrap(store.ensureCollection(
        qs(args.required("--collection")), DocumentIndexer::modelId(modelPath), static_cast<int>(embedder->n_embd())));

    IndexOptions io;
    io.chunking.maxTokens = static_cast<int>(args.integer("--chunk-tokens", 256));
    io.chunking.overlapTokens = static_cast<int>(args.integer("--overlap", 32));
    io.extract.ocr = !args.has("--no-ocr");
    if (args.has("--ocr-lang")) io.extract.ocrOptions.language = qs(args.str("--ocr-lang"));
    DocumentIndexer indexer(store, *embedder, io);

    QStringList paths;
    for (const std::string& p : sa.positional) {
        if (!QFileInfo::exists(qs(p))) std::fprintf(stderr, "warning: '%s' does not exist\n", p.c_str());
        paths << qs(p);
    }
    int removed = 0;
    const int queued = unwrap(indexer.scan(collection, paths, &removed));
    const int resumed = unwrap(store.collection(collection.name)).nPending - queued;
    QString note = QStringLiteral("%1 file(s) to index").arg(queued + std::max(resumed, 0));
    if (resumed > 0) note += QStringLiteral(" (%1 resumed from an earlier run)").arg(resumed);
    if (removed > 0) note += QStringLiteral(", %1 removed (no longer on disk)").arg(removed);
    std::fprintf(stderr, "%s\n", note.toUtf8().constData());

    const bool quiet = args.has("--quiet");
    g_indexer.store(&indexer);
    std::signal(SIGINT, on_index_sigint);
    const IndexSummary s = unwrap(indexer.run(collection, [&](const IndexProgress& p) {
        if (quiet) return;
        const double pct = p.bytesTotal > 0 ? 100.0 * double(p.bytesDone) / double(p.bytesTotal) : 100.0;
        std::fprintf(stderr, "[%d/%d] %5.1f%%  %lld chunks  %s elapsed, ETA %s  %s\n", p.filesDone, p.filesTotal, pct,
                     static_cast<long long>(p.chunks), fmtSeconds(p.elapsedSeconds).c_str(),
                     fmtSeconds(p.etaSeconds).c_str(), QFileInfo(p.currentPath).fileName().toUtf8().constData());
    }));
    g_indexer.store(nullptr);
    std::signal(SIGINT, SIG_DFL);
    std::printf("indexed %d, unchanged %d, failed %d, removed %d; %lld chunks, %d pages (%d OCR) in %.1fs (%.1f chunks/s)\n",
                s.indexed, s.unchanged, s.failed, s.removed + removed, static_cast<long long>(s.chunks), s.pages,
                s.ocrPages, s.seconds, s.seconds > 0 ? double(s.chunks) / s.seconds : 0.0);
    if (s.failed > 0) {
        for (const DocumentRecord& d : unwrap(store.listDocuments(collection.id)))
            if (d.status == DocumentStatus::failed)
                std::fprintf(stderr, "  failed: %s: %s\n", d.path.toUtf8().constData(), d.error.toUtf8().constData());
    }
    if (s.paused) {
        std::printf("paused with %d file(s) still queued; run the same command again to resume\n", s.remaining);
        return 3;
    }
    return 0;
}

int cmd_search(int argc, char** argv) {
    Args args(argc, argv, 2, {"--collection", "-q", "--embed-model", "--db", "-k", "-t", "--pooling"},
              {"--bm25-only", "--dense-only"});
    app();
    DocumentStore store;
    openStore(store, args);
    std::unique_ptr<Embedder> embedder;
    if (args.has("--embed-model") && !args.has("--bm25-only")) embedder = loadEmbedder(args);
    else if (!args.has("--bm25-only")) std::fprintf(stderr, "note: no --embed-model, lexical (BM25) search only\n");
    DocumentSearcher searcher(store, embedder.get(), static_cast<int>(args.integer("-t", 0)));
    SearchOptions so;
    so.limit = static_cast<int>(args.integer("-k", 8));
    so.bm25 = !args.has("--dense-only");
    so.dense = embedder != nullptr;
    printResults(unwrap(searcher.search(qs(args.required("--collection")), qs(args.required("-q")), so)));
    return 0;
}

int cmd_ask(int argc, char** argv) {
    Args args(argc, argv, 2,
              {"--collection", "-q", "-m", "--embed-model", "--db", "-k", "-t", "-n", "-c", "--temp", "--seed", "--pooling"},
              {"--show-prompt"});
    app();
    DocumentStore store;
    openStore(store, args);
    std::unique_ptr<Embedder> embedder;
    if (args.has("--embed-model")) embedder = loadEmbedder(args);
    else std::fprintf(stderr, "note: no --embed-model, retrieving with BM25 only\n");
    DocumentSearcher searcher(store, embedder.get(), static_cast<int>(args.integer("-t", 0)));
    SearchOptions so;
    so.limit = static_cast<int>(args.integer("-k", 5));
    so.dense = embedder != nullptr;
    const QString question = qs(args.required("-q"));
    const QList<SearchResult> results = unwrap(searcher.search(qs(args.required("--collection")), question, so));
    if (results.isEmpty()) {
        std::printf("No indexed passage matches the question.\n");
        return 0;
    }
    ChatRunner runner;
    ModelSettings ms;
    ms.nThreads = static_cast<int>(args.integer("-t", 0));
    ms.nCtx = static_cast<int>(args.integer("-c", 0));
    const ModelInfo model = unwrap(runner.load(qs(args.required("-m")), ms));
    GenerationRequest req;
    req.requestId = 1;
    req.sampling.temperature = static_cast<float>(args.number("--temp", 0.0));
    if (args.has("--seed")) req.sampling.seed = static_cast<quint64>(args.integer("--seed", 0));
    req.maxTokens = static_cast<int>(args.integer("-n", 512));
    req.promptFallback = PromptFallback::chatMl;  // models without a chat template still answer
    req.overflowPolicy = OverflowPolicy::stopAtLimit;

    // Drop the lowest-ranked sources until the prompt and a minimal answer fit the context.
    QList<SearchResult> used = results;
    GroundedPrompt prompt;
    for (;;) {
        prompt = buildGroundedPrompt(question, used);
        req.systemPrompt = prompt.system;
        req.messages = {{QStringLiteral("user"), prompt.user}};
        const auto formatted = runner.formatPrompt(req);
        const int nPrompt = formatted.is_ok() ? static_cast<int>(runner.tokenizePrompt(formatted.value()).size()) : 0;
        if (used.size() <= 1 || nPrompt + std::min(req.maxTokens, 64) <= model.nCtx) break;
        used.removeLast();
    }
    if (used.size() < results.size()) {
        std::fprintf(stderr, "note: kept %lld of %lld sources to fit the %d-token context\n",
                     static_cast<long long>(used.size()), static_cast<long long>(results.size()), model.nCtx);
    }
    if (args.has("--show-prompt")) std::fprintf(stderr, "%s\n\n%s\n\n", prompt.system.toUtf8().constData(), prompt.user.toUtf8().constData());
    const GenerationOutcome out = runner.run(req, [](const QString& delta) {
        const QByteArray b = delta.toUtf8();
        std::fwrite(b.constData(), 1, static_cast<size_t>(b.size()), stdout);
        std::fflush(stdout);
    });
    std::printf("\n");
    if (out.kind != GenerationOutcome::Kind::finished) {
        throw std::runtime_error(out.kind == GenerationOutcome::Kind::overflow
                                     ? "the sources and question do not fit the context (" +
                                           std::to_string(out.needed) + " > " + std::to_string(out.available) +
                                           " tokens); use -k with fewer sources or a larger -c"
                                     : out.error.toStdString());
    }
    const QList<int> cited = citedSources(out.text, static_cast<int>(used.size()));
    std::printf("\nSources%s:\n", cited.isEmpty() ? " (none cited)" : "");
    for (qsizetype i = 0; i < used.size(); ++i) {
        const bool isCited = cited.contains(static_cast<int>(i + 1));
        std::printf("%s[%lld] %s\n", isCited ? "* " : "  ", static_cast<long long>(i + 1),
                    sourceLabel(used[i].chunk).toUtf8().constData());
    }
    return 0;
}

int cmd_collections(int argc, char** argv) {
    Args args(argc, argv, 2, {"--db"}, {});
    app();
    DocumentStore store;
    openStore(store, args);
    for (const CollectionInfo& c : unwrap(store.listCollections())) {
        std::printf("%s  model %s (%d dims)  %d documents, %d failed, %lld chunks, %d queued\n",
                    c.name.toUtf8().constData(), c.embedModel.toUtf8().constData(), c.nEmbd, c.nDocuments, c.nFailed,
                    static_cast<long long>(c.nChunks), c.nPending);
    }
    return 0;
}

}  // namespace tessera::cli
