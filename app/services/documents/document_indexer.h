#pragma once
// DocumentIndexer: files -> extracted pages -> token chunks -> embeddings -> DocumentStore.
//
//   scan(collection, paths)  walks files and folders (recursively; hidden entries and symlinked
//                            folders skipped), queues what is new or changed since the last run (size or
//                            mtime differ, or it failed before and changed) and drops from the index
//                            documents under those roots that no longer exist.
//   run(collection)          works through the collection's queue (persisted in the store): hash the
//                            file (unchanged content: only the mtime is updated), extract, chunk,
//                            embed, and store the document in one transaction (DocumentStore::
//                            putDocument). A file that cannot be read is stored as `failed` with the
//                            reason, and retried only once it changes.
//   requestPause()           thread-safe; the run returns at the next safe point (work on the current
//                            document is dropped, it stays queued). After a pause, quit, crash or
//                            SIGKILL the next run() continues with what is still queued.
// Progress (documents, chunks, bytes, ETA from the byte rate) is reported after every document.
#include <QString>
#include <QStringList>
#include <atomic>
#include <functional>

#include "app/services/documents/chunker.h"
#include "app/services/documents/document_extractor.h"
#include "app/services/documents/document_store.h"
#include "engine/core/status.h"

namespace tessera {
class Embedder;
}

namespace tessera::docs {

struct IndexOptions {
    ChunkerOptions chunking;  // maxTokens is capped to the model's context minus its special tokens
    ExtractOptions extract;
    bool followHidden = false;  // index .dotfiles and .folders too
};

struct IndexProgress {
    int filesTotal = 0;      // in this run's queue
    int filesDone = 0;
    int filesIndexed = 0;
    int filesUnchanged = 0;
    int filesFailed = 0;
    qint64 chunks = 0;
    qint64 bytesTotal = 0;
    qint64 bytesDone = 0;
    double elapsedSeconds = 0;
    double etaSeconds = -1;  // -1: not known yet
    QString currentPath;     // the document just finished
};

struct IndexSummary {
    int indexed = 0;
    int unchanged = 0;
    int failed = 0;
    int removed = 0;
    qint64 chunks = 0;
    int pages = 0;
    int ocrPages = 0;
    bool paused = false;
    int remaining = 0;  // still queued
    double seconds = 0;
};

using IndexProgressFn = std::function<void(const IndexProgress&)>;

class DocumentIndexer {
public:
    DocumentIndexer(DocumentStore& store, Embedder& embedder, IndexOptions options = {});
    ~DocumentIndexer();

    // The identity a collection records for an embedding model file (its file name).
    static QString modelId(const QString& modelPath);
    // Lowercase hex sha256 of a file's bytes.
    static Result<QString> sha256File(const QString& path);

    // Returns how many files were queued; `removed` (optional) receives how many documents were dropped.
    Result<int> scan(const CollectionInfo& collection, const QStringList& paths, int* removed = nullptr);
    Result<IndexSummary> run(const CollectionInfo& collection, const IndexProgressFn& progress = {});

    void requestPause() { m_pause.store(true); }
    void clearPause() { m_pause.store(false); }
    bool pauseRequested() const { return m_pause.load(); }

private:
    // Extract + chunk + embed one file into `doc` (status failed with the reason when it cannot be read).
    Status buildDocument(const QString& path, NewDocument* doc);

    DocumentStore& m_store;
    Embedder& m_embedder;
    IndexOptions m_options;
    DocumentExtractor m_extractor;
    std::atomic<bool> m_pause{false};
};

}  // namespace tessera::docs
