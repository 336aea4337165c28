#pragma once
// DocumentStore: the document index in one SQLite file (Qt Sql, QSQLITE), beside sessions.db.
//
//   collection  a named set of documents embedded with one model (file name + n_embd recorded; a
//               different model is refused, since its vectors would not be comparable)
//   document    one file: path, content hash (sha256), size, mtime, status indexed | failed (+ error)
//   chunk       text with page and line range, token count, embedding as a float32 BLOB (n_embd
//               little-endian floats); FTS5 (external content, unicode61) over the text for BM25
//   pending     the indexing queue: paths waiting to be (re)indexed. It lives in the database, so an
//               indexing run interrupted in any way (pause, quit, crash, SIGKILL) resumes after restart.
//
// putDocument() replaces a document and all its chunks *and* removes its pending entry in one
// transaction: after a crash a document is either fully there or not at all, and never twice.
// Schema version in PRAGMA user_version with one migration function per step (session_store.cpp's
// pattern); WAL, foreign keys on, synchronous NORMAL; every write in a transaction.
// A plain class: use one instance from one thread at a time (several instances may share a file).
#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>
#include <optional>
#include <vector>

#include "app/services/documents/chunker.h"
#include "app/services/documents/document_extractor.h"
#include "engine/core/status.h"

namespace tessera::docs {

struct CollectionInfo {
    qint64 id = 0;
    QString name;
    QString embedModel;  // identifies the embedding model (its file name)
    int nEmbd = 0;
    qint64 createdAt = 0;
    int nDocuments = 0;  // indexed (not failed)
    int nFailed = 0;
    qint64 nChunks = 0;
    int nPending = 0;
};

enum class DocumentStatus { indexed, failed };

struct DocumentRecord {
    qint64 id = 0;
    qint64 collectionId = 0;
    QString path;
    DocumentKind kind = DocumentKind::text;
    QString contentHash;  // lowercase hex sha256 of the file's bytes
    qint64 size = 0;
    qint64 mtime = 0;     // ms since the epoch
    DocumentStatus status = DocumentStatus::indexed;
    QString error;        // why it failed
    int nPages = 0;
    int nOcrPages = 0;
    int nChunks = 0;
    qint64 indexedAt = 0;
};

struct NewDocument {
    QString path;
    DocumentKind kind = DocumentKind::text;
    QString contentHash;
    qint64 size = 0;
    qint64 mtime = 0;
    DocumentStatus status = DocumentStatus::indexed;
    QString error;
    int nPages = 0;
    int nOcrPages = 0;
    QList<TextChunk> chunks;
    std::vector<float> vectors;  // (chunks.size(), n_embd)
};

struct ChunkRecord {
    qint64 id = 0;
    qint64 documentId = 0;
    QString path;
    int ordinal = 0;  // position in its document
    int page = 0;
    int lineStart = 0;
    int lineEnd = 0;
    int nTokens = 0;
    QString text;
};

struct Bm25Hit {
    qint64 chunkId = 0;
    double score = 0;  // FTS5 bm25(): lower (more negative) is better
};

// Every vector of a collection, row i belonging to chunkIds[i].
struct VectorSet {
    std::vector<qint64> chunkIds;
    std::vector<float> data;  // (chunkIds.size(), nEmbd)
    int nEmbd = 0;
};

class DocumentStore {
public:
    static constexpr int kSchemaVersion = 1;

    DocumentStore();
    ~DocumentStore();
    DocumentStore(const DocumentStore&) = delete;
    DocumentStore& operator=(const DocumentStore&) = delete;

    // <AppDataLocation>/documents.db (beside sessions.db); its folder is created.
    static QString defaultDatabasePath();

    Status open(const QString& path);  // ":memory:" for a private in-memory database
    void close();
    bool isOpen() const;
    int schemaVersion() const;
    QString path() const { return m_path; }

    // Creates the collection, or checks that an existing one uses this model.
    Result<CollectionInfo> ensureCollection(const QString& name, const QString& embedModel, int nEmbd);
    // invalid_argument when absent.
    Result<CollectionInfo> collection(const QString& name);
    Result<QList<CollectionInfo>> listCollections();
    Status deleteCollection(const QString& name);

    Result<std::optional<DocumentRecord>> findDocument(qint64 collectionId, const QString& path);
    Result<QList<DocumentRecord>> listDocuments(qint64 collectionId);
    // Replaces the document at doc.path (chunks, vectors, FTS rows) and dequeues it; one transaction.
    Result<qint64> putDocument(qint64 collectionId, const NewDocument& doc);
    // Same content, new mtime (a file touched but not changed); dequeues it. One transaction.
    Status markUnchanged(qint64 documentId, qint64 mtime);
    Status removeDocument(qint64 documentId);

    // The queue. enqueue() ignores paths already queued.
    Status enqueue(qint64 collectionId, const QStringList& paths);
    Result<QStringList> pending(qint64 collectionId, int limit = -1);
    Status dequeue(qint64 collectionId, const QString& path);

    // Search primitives (document_search.h fuses them).
    Result<QList<Bm25Hit>> searchBm25(qint64 collectionId, const QString& text, int limit);
    Result<VectorSet> loadVectors(qint64 collectionId);
    Result<QList<ChunkRecord>> chunks(const QList<qint64>& ids);  // in the order of ids; unknown ids skipped
    Result<QList<ChunkRecord>> documentChunks(qint64 documentId);
    Result<std::vector<float>> chunkVector(qint64 chunkId);

    // Changes whenever the collection data may have changed (this connection's writes, or another
    // connection's commits: PRAGMA data_version). Caches compare it.
    qint64 changeStamp();

    // User text -> FTS5 query: every word quoted, OR'ed (bm25 ranks documents matching more terms
    // higher), English function words dropped unless there is nothing else. Empty when the text has
    // no word characters.
    static QString ftsQuery(const QString& text);

private:
    Status exec(const QString& sql);
    qint64 now() const;

    QSqlDatabase m_db;
    QString m_connectionName;
    QString m_path;
    qint64 m_writes = 0;
};

QString documentStatusName(DocumentStatus s);

}  // namespace tessera::docs
