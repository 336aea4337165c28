#include "app/services/documents/document_indexer.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSet>
#include <algorithm>

#include "engine/models/embedding/embedder.h"

namespace tessera::docs {
namespace {

QString cleanPath(const QString& p) { return QDir::cleanPath(QFileInfo(p).absoluteFilePath()); }

bool isHiddenName(const QString& name) { return name.startsWith(QLatin1Char('.')) && name != QLatin1String("."); }

}  // namespace

DocumentIndexer::DocumentIndexer(DocumentStore& store, Embedder& embedder, IndexOptions options)
    : m_store(store), m_embedder(embedder), m_options(std::move(options)), m_extractor([&] {
          ExtractOptions e = m_options.extract;
          e.cancel = &m_pause;
          return e;
      }()) {
    m_options.extract.cancel = &m_pause;
}

DocumentIndexer::~DocumentIndexer() = default;

QString DocumentIndexer::modelId(const QString& modelPath) { return QFileInfo(modelPath).fileName(); }

Result<QString> DocumentIndexer::sha256File(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return make_error(ErrorCode::io_error, ("cannot read '" + path + "': " + f.errorString()).toStdString());
    }
    QCryptographicHash h(QCryptographicHash::Sha256);
    if (!h.addData(&f)) return make_error(ErrorCode::io_error, ("read error in '" + path + "'").toStdString());
    return QString::fromLatin1(h.result().toHex());
}

Result<int> DocumentIndexer::scan(const CollectionInfo& collection, const QStringList& paths, int* removed) {
    QStringList files;
    QStringList roots;
    for (const QString& p : paths) {
        const QFileInfo fi(p);
        const QString root = cleanPath(p);
        roots << root;
        if (fi.isDir()) {
            QDir::Filters filters = QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::Readable;
            if (m_options.followHidden) filters |= QDir::Hidden;
            QDirIterator it(root, filters, QDirIterator::Subdirectories);  // symlinked folders not followed
            while (it.hasNext()) {
                it.next();
                const QFileInfo f = it.fileInfo();
                if (!f.isFile()) continue;
                if (!m_options.followHidden && isHiddenName(f.fileName())) continue;
                DocumentKind kind;
                if (documentKindForPath(f.filePath(), &kind)) files << cleanPath(f.filePath());
            }
        } else if (fi.isFile()) {
            DocumentKind kind;
            if (documentKindForPath(root, &kind)) files << root;
        }
    }
    files.removeDuplicates();
    std::sort(files.begin(), files.end());
    const QSet<QString> present(files.begin(), files.end());

    TS_ASSIGN_OR_RETURN(QList<DocumentRecord> known, m_store.listDocuments(collection.id));
    QHash<QString, DocumentRecord> byPath;
    for (const DocumentRecord& d : known) byPath.insert(d.path, d);

    int nRemoved = 0;
    for (const DocumentRecord& d : known) {
        if (present.contains(d.path)) continue;
        const bool underRoot = std::any_of(roots.begin(), roots.end(), [&](const QString& r) {
            return d.path == r || d.path.startsWith(r.endsWith(QLatin1Char('/')) ? r : r + QLatin1Char('/'));
        });
        if (underRoot && !QFileInfo::exists(d.path)) {
            TS_RETURN_IF_ERROR(m_store.removeDocument(d.id));
            ++nRemoved;
        }
    }
    if (removed) *removed = nRemoved;

    QStringList queue;
    for (const QString& f : files) {
        auto it = byPath.find(f);
        if (it != byPath.end()) {
            const QFileInfo fi(f);
            if (fi.size() == it->size && fi.lastModified().toMSecsSinceEpoch() == it->mtime) continue;  // unchanged
        }
        queue << f;
    }
    TS_RETURN_IF_ERROR(m_store.enqueue(collection.id, queue));
    return static_cast<int>(queue.size());
}

Status DocumentIndexer::buildDocument(const QString& path, NewDocument* doc) {
    auto extracted = m_extractor.extract(path);
    if (!extracted.is_ok()) {
        if (extracted.status().code() == ErrorCode::cancelled) return extracted.status();
        doc->status = DocumentStatus::failed;
        doc->error = QString::fromStdString(extracted.status().to_string());
        return Status::ok();
    }
    const ExtractedDocument& ex = extracted.value();
    doc->kind = ex.kind;
    doc->nPages = ex.nPages;
    doc->nOcrPages = ex.nOcrPages;
    if (!ex.warnings.isEmpty()) doc->error = ex.warnings.join(QStringLiteral("; "));

    ChunkerOptions co = m_options.chunking;
    co.maxTokens = static_cast<int>(std::min<int64_t>(co.maxTokens, m_embedder.n_ctx() - 2));
    co.lineUnits = co.lineUnits || ex.kind == DocumentKind::code;
    const TokenCounter count = [this](const QString& s) {
        return static_cast<int>(m_embedder.count_tokens(s.toStdString()));
    };
    doc->chunks = chunkPages(ex.pages, co, count);
    if (doc->chunks.isEmpty()) return Status::ok();
    std::vector<std::string> texts;
    texts.reserve(static_cast<size_t>(doc->chunks.size()));
    for (const TextChunk& c : doc->chunks) texts.push_back(c.text.toStdString());
    TS_ASSIGN_OR_RETURN(doc->vectors, m_embedder.embed(texts, /*normalize=*/true));
    return Status::ok();
}

Result<IndexSummary> DocumentIndexer::run(const CollectionInfo& collection, const IndexProgressFn& progress) {
    if (m_embedder.n_embd() != collection.nEmbd) {
        return make_error(ErrorCode::invalid_argument,
                          QStringLiteral("index: the embedding model has %1 dimensions, collection '%2' uses %3")
                              .arg(m_embedder.n_embd()).arg(collection.name).arg(collection.nEmbd).toStdString());
    }
    m_embedder.set_cancel_flag(&m_pause);
    struct ResetCancel {
        Embedder& e;
        ~ResetCancel() { e.set_cancel_flag(nullptr); }
    } resetCancel{m_embedder};

    QElapsedTimer timer;
    timer.start();
    TS_ASSIGN_OR_RETURN(QStringList queue, m_store.pending(collection.id));
    IndexProgress p;
    p.filesTotal = static_cast<int>(queue.size());
    for (const QString& path : queue) p.bytesTotal += std::max<qint64>(QFileInfo(path).size(), 0);
    IndexSummary s;

    for (const QString& path : queue) {
        if (m_pause.load()) {
            s.paused = true;
            break;
        }
        const QFileInfo fi(path);
        const qint64 size = std::max<qint64>(fi.size(), 0);
        TS_ASSIGN_OR_RETURN(std::optional<DocumentRecord> existing, m_store.findDocument(collection.id, path));
        if (!fi.isFile()) {
            // Gone since it was queued.
            if (existing) {
                TS_RETURN_IF_ERROR(m_store.removeDocument(existing->id));
                ++s.removed;
            }
            TS_RETURN_IF_ERROR(m_store.dequeue(collection.id, path));
        } else {
            NewDocument doc;
            doc.path = path;
            doc.size = size;
            doc.mtime = fi.lastModified().toMSecsSinceEpoch();
            documentKindForPath(path, &doc.kind);
            auto hash = sha256File(path);
            if (hash.is_ok() && existing && existing->contentHash == hash.value()) {
                TS_RETURN_IF_ERROR(m_store.markUnchanged(existing->id, doc.mtime));
                ++s.unchanged;
                ++p.filesUnchanged;
            } else {
                if (hash.is_ok()) {
                    doc.contentHash = hash.value();
                    Status st = buildDocument(path, &doc);
                    if (st.code() == ErrorCode::cancelled) {
                        s.paused = true;
                        break;
                    }
                    if (!st) {
                        doc.status = DocumentStatus::failed;
                        doc.error = QString::fromStdString(st.to_string());
                        doc.chunks.clear();
                        doc.vectors.clear();
                    }
                } else {
                    doc.status = DocumentStatus::failed;
                    doc.error = QString::fromStdString(hash.status().to_string());
                }
                TS_RETURN_IF_ERROR(m_store.putDocument(collection.id, doc).status());
                if (doc.status == DocumentStatus::failed) {
                    ++s.failed;
                    ++p.filesFailed;
                } else {
                    ++s.indexed;
                    ++p.filesIndexed;
                    s.chunks += doc.chunks.size();
                    s.pages += doc.nPages;
                    s.ocrPages += doc.nOcrPages;
                    p.chunks += doc.chunks.size();
                }
            }
        }
        ++p.filesDone;
        p.bytesDone += size;
        p.currentPath = path;
        p.elapsedSeconds = timer.elapsed() / 1000.0;
        p.etaSeconds = p.bytesDone > 0 ? p.elapsedSeconds * double(p.bytesTotal - p.bytesDone) / double(p.bytesDone) : -1;
        if (progress) progress(p);
    }
    s.seconds = timer.elapsed() / 1000.0;
    TS_ASSIGN_OR_RETURN(QStringList left, m_store.pending(collection.id));
    s.remaining = static_cast<int>(left.size());
    return s;
}

}  // namespace tessera::docs
