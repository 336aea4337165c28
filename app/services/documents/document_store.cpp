#include "app/services/documents/document_store.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QRegularExpression>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QtEndian>
#include <atomic>
#include <cstring>
#include <iterator>

namespace tessera::docs {

static_assert(Q_BYTE_ORDER == Q_LITTLE_ENDIAN, "vectors are stored as little-endian float32 BLOBs");

namespace {

std::atomic<int> g_serial{0};

Status sqlError(const QString& what, const QSqlError& e) {
    return make_error(ErrorCode::io_error, QStringLiteral("document store: %1: %2").arg(what, e.text()).toStdString());
}
Status sqlError(const QString& what, const QSqlQuery& q) { return sqlError(what, q.lastError()); }

Status run(QSqlQuery& q, const QString& what) {
    if (!q.exec()) return sqlError(what, q);
    return Status::ok();
}

Status execSql(QSqlDatabase& db, const QString& sql) {
    QSqlQuery q(db);
    if (!q.exec(sql)) return sqlError(QStringLiteral("'%1'").arg(sql.simplified().left(80)), q);
    return Status::ok();
}

// One transaction: BEGIN IMMEDIATE, rolled back unless commit() succeeds.
class Transaction {
public:
    explicit Transaction(QSqlDatabase& db) : m_db(db) {
        QSqlQuery q(m_db);
        if (q.exec(QStringLiteral("BEGIN IMMEDIATE"))) m_active = true;
        else m_status = sqlError(QStringLiteral("begin"), q);
    }
    ~Transaction() {
        if (m_active) QSqlQuery(m_db).exec(QStringLiteral("ROLLBACK"));
    }
    const Status& status() const { return m_status; }
    Status commit() {
        if (!m_active) return m_status;
        QSqlQuery q(m_db);
        if (!q.exec(QStringLiteral("COMMIT"))) return sqlError(QStringLiteral("commit"), q);
        m_active = false;
        return Status::ok();
    }

private:
    QSqlDatabase& m_db;
    bool m_active = false;
    Status m_status;
};

// v1: collections, documents, chunks (+ FTS5), the pending queue. Document and chunk ids are
// AUTOINCREMENT: never reused, so a citation that names a chunk id cannot silently point at other text.
Status migrateToV1(QSqlDatabase& db) {
    const QStringList statements = {
        QStringLiteral("CREATE TABLE collections ("
                       " id INTEGER PRIMARY KEY,"
                       " name TEXT NOT NULL UNIQUE,"
                       " embed_model TEXT NOT NULL,"
                       " n_embd INTEGER NOT NULL CHECK (n_embd > 0),"
                       " created_at INTEGER NOT NULL)"),
        QStringLiteral("CREATE TABLE documents ("
                       " id INTEGER PRIMARY KEY AUTOINCREMENT,"
                       " collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,"
                       " path TEXT NOT NULL,"
                       " kind TEXT NOT NULL,"
                       " content_hash TEXT NOT NULL,"
                       " size INTEGER NOT NULL,"
                       " mtime INTEGER NOT NULL,"
                       " status TEXT NOT NULL CHECK (status IN ('indexed', 'failed')),"
                       " error TEXT NOT NULL DEFAULT '',"
                       " n_pages INTEGER NOT NULL DEFAULT 0,"
                       " n_ocr_pages INTEGER NOT NULL DEFAULT 0,"
                       " n_chunks INTEGER NOT NULL DEFAULT 0,"
                       " indexed_at INTEGER NOT NULL,"
                       " UNIQUE (collection_id, path))"),
        QStringLiteral("CREATE TABLE chunks ("
                       " id INTEGER PRIMARY KEY AUTOINCREMENT,"
                       " document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
                       " ordinal INTEGER NOT NULL,"
                       " page INTEGER NOT NULL,"
                       " line_start INTEGER NOT NULL,"
                       " line_end INTEGER NOT NULL,"
                       " n_tokens INTEGER NOT NULL,"
                       " text TEXT NOT NULL,"
                       " embedding BLOB NOT NULL,"
                       " UNIQUE (document_id, ordinal))"),
        QStringLiteral("CREATE TABLE pending ("
                       " collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,"
                       " path TEXT NOT NULL,"
                       " queued_at INTEGER NOT NULL,"
                       " PRIMARY KEY (collection_id, path)) WITHOUT ROWID"),
        // External-content FTS5: the text lives once, in chunks. Chunks are never updated in place
        // (a changed document is deleted and re-inserted), so insert and delete triggers suffice.
        QStringLiteral("CREATE VIRTUAL TABLE chunks_fts USING fts5("
                       " text, content = 'chunks', content_rowid = 'id',"
                       " tokenize = 'unicode61 remove_diacritics 2')"),
        QStringLiteral("CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN"
                       "  INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text);"
                       " END"),
        QStringLiteral("CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN"
                       "  INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);"
                       " END"),
    };
    for (const QString& sql : statements) TS_RETURN_IF_ERROR(execSql(db, sql));
    return Status::ok();
}

using MigrationStep = Status (*)(QSqlDatabase&);
constexpr MigrationStep kMigrations[] = {migrateToV1};  // kMigrations[v]: v -> v + 1
static_assert(std::size(kMigrations) == DocumentStore::kSchemaVersion, "one migration per schema version");

Result<int> userVersion(QSqlDatabase& db) {
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next()) return sqlError(QStringLiteral("user_version"), q);
    return q.value(0).toInt();
}

DocumentKind kindFromName(const QString& s) {
    for (DocumentKind k : {DocumentKind::text, DocumentKind::markdown, DocumentKind::html, DocumentKind::code,
                           DocumentKind::pdf, DocumentKind::docx, DocumentKind::image})
        if (documentKindName(k) == s) return k;
    return DocumentKind::text;
}

const QString kDocumentColumns = QStringLiteral(
    "d.id, d.collection_id, d.path, d.kind, d.content_hash, d.size, d.mtime, d.status, d.error, d.n_pages,"
    " d.n_ocr_pages, d.n_chunks, d.indexed_at");

DocumentRecord readDocument(const QSqlQuery& q) {
    DocumentRecord d;
    d.id = q.value(0).toLongLong();
    d.collectionId = q.value(1).toLongLong();
    d.path = q.value(2).toString();
    d.kind = kindFromName(q.value(3).toString());
    d.contentHash = q.value(4).toString();
    d.size = q.value(5).toLongLong();
    d.mtime = q.value(6).toLongLong();
    d.status = q.value(7).toString() == QLatin1String("failed") ? DocumentStatus::failed : DocumentStatus::indexed;
    d.error = q.value(8).toString();
    d.nPages = q.value(9).toInt();
    d.nOcrPages = q.value(10).toInt();
    d.nChunks = q.value(11).toInt();
    d.indexedAt = q.value(12).toLongLong();
    return d;
}

const QString kChunkColumns =
    QStringLiteral("c.id, c.document_id, d.path, c.ordinal, c.page, c.line_start, c.line_end, c.n_tokens, c.text");

ChunkRecord readChunk(const QSqlQuery& q) {
    ChunkRecord c;
    c.id = q.value(0).toLongLong();
    c.documentId = q.value(1).toLongLong();
    c.path = q.value(2).toString();
    c.ordinal = q.value(3).toInt();
    c.page = q.value(4).toInt();
    c.lineStart = q.value(5).toInt();
    c.lineEnd = q.value(6).toInt();
    c.nTokens = q.value(7).toInt();
    c.text = q.value(8).toString();
    return c;
}

const QString kCollectionColumns = QStringLiteral(
    "k.id, k.name, k.embed_model, k.n_embd, k.created_at,"
    " (SELECT COUNT(*) FROM documents d WHERE d.collection_id = k.id AND d.status = 'indexed'),"
    " (SELECT COUNT(*) FROM documents d WHERE d.collection_id = k.id AND d.status = 'failed'),"
    " (SELECT COALESCE(SUM(d.n_chunks), 0) FROM documents d WHERE d.collection_id = k.id),"
    " (SELECT COUNT(*) FROM pending p WHERE p.collection_id = k.id)");

CollectionInfo readCollection(const QSqlQuery& q) {
    CollectionInfo c;
    c.id = q.value(0).toLongLong();
    c.name = q.value(1).toString();
    c.embedModel = q.value(2).toString();
    c.nEmbd = q.value(3).toInt();
    c.createdAt = q.value(4).toLongLong();
    c.nDocuments = q.value(5).toInt();
    c.nFailed = q.value(6).toInt();
    c.nChunks = q.value(7).toLongLong();
    c.nPending = q.value(8).toInt();
    return c;
}

}  // namespace

QString documentStatusName(DocumentStatus s) {
    return s == DocumentStatus::failed ? QStringLiteral("failed") : QStringLiteral("indexed");
}

DocumentStore::DocumentStore() = default;
DocumentStore::~DocumentStore() { close(); }

QString DocumentStore::defaultDatabasePath() {
    QString dir = QCoreApplication::applicationName().isEmpty()
                      ? QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/tessera")
                      : QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (dir.isEmpty() || dir == QStringLiteral("/tessera")) dir = QDir::homePath() + QStringLiteral("/.local/share/tessera");
    QDir().mkpath(dir);
    return QDir(dir).filePath(QStringLiteral("documents.db"));
}

qint64 DocumentStore::now() const { return QDateTime::currentMSecsSinceEpoch(); }

bool DocumentStore::isOpen() const { return m_db.isValid() && m_db.isOpen(); }

int DocumentStore::schemaVersion() const {
    if (!isOpen()) return -1;
    QSqlDatabase db = m_db;
    auto v = userVersion(db);
    return v.is_ok() ? v.value() : -1;
}

void DocumentStore::close() {
    if (m_db.isValid()) m_db.close();
    m_db = QSqlDatabase();
    if (!m_connectionName.isEmpty()) QSqlDatabase::removeDatabase(m_connectionName);
    m_connectionName.clear();
}

Status DocumentStore::exec(const QString& sql) { return execSql(m_db, sql); }

Status DocumentStore::open(const QString& path) {
    close();
    m_path = path;
    m_connectionName = QStringLiteral("tessera.document_store.%1").arg(++g_serial);
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    if (!m_db.isValid()) {
        close();
        return make_error(ErrorCode::unsupported, "document store: the Qt QSQLITE driver is not available");
    }
    m_db.setDatabaseName(path);
    m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!m_db.open()) {
        Status st = make_error(ErrorCode::io_error, QStringLiteral("document store: cannot open '%1': %2")
                                                        .arg(path, m_db.lastError().text())
                                                        .toStdString());
        close();
        return st;
    }
    auto fail = [&](Status st) {
        close();
        return st;
    };
    {
        QSqlQuery probe(m_db);
        if (!probe.exec(QStringLiteral("SELECT COUNT(*) FROM sqlite_master")) || !probe.next()) {
            return fail(make_error(ErrorCode::format_error,
                                   QStringLiteral("document store: '%1' is not a readable SQLite database: %2")
                                       .arg(path, probe.lastError().text())
                                       .toStdString()));
        }
    }
    auto version = userVersion(m_db);
    if (!version) return fail(version.status());
    if (version.value() > kSchemaVersion) {
        return fail(make_error(ErrorCode::unsupported,
                               QStringLiteral("document store: '%1' has schema version %2, newer than this build's %3")
                                   .arg(path).arg(version.value()).arg(kSchemaVersion).toStdString()));
    }
    if (path != QLatin1String(":memory:")) {
        QSqlQuery q(m_db);
        if (!q.exec(QStringLiteral("PRAGMA journal_mode = WAL"))) return fail(sqlError(QStringLiteral("WAL"), q));
    }
    for (const char* pragma : {"PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON"}) {
        Status st = exec(QLatin1String(pragma));
        if (!st) return fail(st);
    }
    for (int v = version.value(); v < kSchemaVersion; ++v) {
        Transaction tx(m_db);
        if (!tx.status()) return fail(tx.status());
        Status st = kMigrations[v](m_db);
        if (st) st = exec(QStringLiteral("PRAGMA user_version = %1").arg(v + 1));
        if (st) st = tx.commit();
        if (!st) return fail(st);
    }
    return Status::ok();
}

Result<CollectionInfo> DocumentStore::collection(const QString& name) {
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT %1 FROM collections k WHERE k.name = ?").arg(kCollectionColumns));
    q.addBindValue(name);
    TS_RETURN_IF_ERROR(run(q, QStringLiteral("collection")));
    if (!q.next()) {
        return make_error(ErrorCode::invalid_argument,
                          ("document store: no collection named '" + name + "'").toStdString());
    }
    return readCollection(q);
}

Result<CollectionInfo> DocumentStore::ensureCollection(const QString& name, const QString& embedModel, int nEmbd) {
    if (name.trimmed().isEmpty()) return make_error(ErrorCode::invalid_argument, "document store: empty collection name");
    if (nEmbd <= 0) return make_error(ErrorCode::invalid_argument, "document store: n_embd must be positive");
    auto existing = collection(name);
    if (existing.is_ok()) {
        const CollectionInfo& c = existing.value();
        if (c.nEmbd != nEmbd || c.embedModel != embedModel) {
            return make_error(ErrorCode::invalid_argument,
                              QStringLiteral("document store: collection '%1' was indexed with '%2' (%3 dims), not "
                                             "'%4' (%5 dims); use that model or another collection")
                                  .arg(name, c.embedModel).arg(c.nEmbd).arg(embedModel).arg(nEmbd).toStdString());
        }
        return existing;
    }
    if (existing.status().code() != ErrorCode::invalid_argument) return existing.status();
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("INSERT INTO collections (name, embed_model, n_embd, created_at) VALUES (?, ?, ?, ?)"));
    q.addBindValue(name);
    q.addBindValue(embedModel);
    q.addBindValue(nEmbd);
    q.addBindValue(now());
    TS_RETURN_IF_ERROR(run(q, QStringLiteral("create collection")));
    TS_RETURN_IF_ERROR(tx.commit());
    ++m_writes;
    return collection(name);
}

Result<QList<CollectionInfo>> DocumentStore::listCollections() {
    QSqlQuery q(m_db);
    TS_RETURN_IF_ERROR(q.exec(QStringLiteral("SELECT %1 FROM collections k ORDER BY k.name").arg(kCollectionColumns))
                           ? Status::ok()
                           : sqlError(QStringLiteral("list collections"), q));
    QList<CollectionInfo> out;
    while (q.next()) out << readCollection(q);
    return out;
}

Status DocumentStore::deleteCollection(const QString& name) {
    TS_ASSIGN_OR_RETURN(CollectionInfo c, collection(name));
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    for (const QString& sql :
         {QStringLiteral("DELETE FROM chunks WHERE document_id IN (SELECT id FROM documents WHERE collection_id = ?)"),
          QStringLiteral("DELETE FROM documents WHERE collection_id = ?"),
          QStringLiteral("DELETE FROM pending WHERE collection_id = ?"), QStringLiteral("DELETE FROM collections WHERE id = ?")}) {
        QSqlQuery q(m_db);
        q.prepare(sql);
        q.addBindValue(c.id);
        TS_RETURN_IF_ERROR(run(q, QStringLiteral("delete collection")));
    }
    TS_RETURN_IF_ERROR(tx.commit());
    ++m_writes;
    return Status::ok();
}

Result<std::optional<DocumentRecord>> DocumentStore::findDocument(qint64 collectionId, const QString& path) {
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT %1 FROM documents d WHERE d.collection_id = ? AND d.path = ?").arg(kDocumentColumns));
    q.addBindValue(collectionId);
    q.addBindValue(path);
    TS_RETURN_IF_ERROR(run(q, QStringLiteral("find document")));
    if (!q.next()) return std::optional<DocumentRecord>();
    return std::optional<DocumentRecord>(readDocument(q));
}

Result<QList<DocumentRecord>> DocumentStore::listDocuments(qint64 collectionId) {
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT %1 FROM documents d WHERE d.collection_id = ? ORDER BY d.path").arg(kDocumentColumns));
    q.addBindValue(collectionId);
    TS_RETURN_IF_ERROR(run(q, QStringLiteral("list documents")));
    QList<DocumentRecord> out;
    while (q.next()) out << readDocument(q);
    return out;
}

Result<qint64> DocumentStore::putDocument(qint64 collectionId, const NewDocument& doc) {
    QSqlQuery info(m_db);
    info.prepare(QStringLiteral("SELECT n_embd FROM collections WHERE id = ?"));
    info.addBindValue(collectionId);
    TS_RETURN_IF_ERROR(run(info, QStringLiteral("collection")));
    if (!info.next()) return make_error(ErrorCode::invalid_argument, "document store: unknown collection id");
    const int nEmbd = info.value(0).toInt();
    info = QSqlQuery();
    if (doc.vectors.size() != static_cast<size_t>(doc.chunks.size()) * static_cast<size_t>(nEmbd)) {
        return make_error(ErrorCode::invalid_argument,
                          QStringLiteral("document store: %1 chunks need %2 floats of vectors, got %3")
                              .arg(doc.chunks.size()).arg(qint64(doc.chunks.size()) * nEmbd).arg(doc.vectors.size())
                              .toStdString());
    }

    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    {
        QSqlQuery del(m_db);
        del.prepare(QStringLiteral("DELETE FROM chunks WHERE document_id IN"
                                   " (SELECT id FROM documents WHERE collection_id = ? AND path = ?)"));
        del.addBindValue(collectionId);
        del.addBindValue(doc.path);
        TS_RETURN_IF_ERROR(run(del, QStringLiteral("delete old chunks")));
        QSqlQuery deld(m_db);
        deld.prepare(QStringLiteral("DELETE FROM documents WHERE collection_id = ? AND path = ?"));
        deld.addBindValue(collectionId);
        deld.addBindValue(doc.path);
        TS_RETURN_IF_ERROR(run(deld, QStringLiteral("delete old document")));
    }
    QSqlQuery ins(m_db);
    ins.prepare(QStringLiteral("INSERT INTO documents (collection_id, path, kind, content_hash, size, mtime, status, error,"
                               " n_pages, n_ocr_pages, n_chunks, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    ins.addBindValue(collectionId);
    ins.addBindValue(doc.path);
    ins.addBindValue(documentKindName(doc.kind));
    ins.addBindValue(doc.contentHash.isNull() ? QStringLiteral("") : doc.contentHash);
    ins.addBindValue(doc.size);
    ins.addBindValue(doc.mtime);
    ins.addBindValue(documentStatusName(doc.status));
    ins.addBindValue(doc.error.isNull() ? QStringLiteral("") : doc.error);
    ins.addBindValue(doc.nPages);
    ins.addBindValue(doc.nOcrPages);
    ins.addBindValue(static_cast<int>(doc.chunks.size()));
    ins.addBindValue(now());
    TS_RETURN_IF_ERROR(run(ins, QStringLiteral("insert document")));
    const qint64 docId = ins.lastInsertId().toLongLong();

    QSqlQuery c(m_db);
    c.prepare(QStringLiteral("INSERT INTO chunks (document_id, ordinal, page, line_start, line_end, n_tokens, text, embedding)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    const qsizetype vecBytes = static_cast<qsizetype>(nEmbd) * static_cast<qsizetype>(sizeof(float));
    for (qsizetype i = 0; i < doc.chunks.size(); ++i) {
        const TextChunk& ch = doc.chunks[i];
        c.bindValue(0, docId);
        c.bindValue(1, static_cast<int>(i));
        c.bindValue(2, ch.page);
        c.bindValue(3, ch.lineStart);
        c.bindValue(4, ch.lineEnd);
        c.bindValue(5, ch.nTokens);
        c.bindValue(6, ch.text.isNull() ? QStringLiteral("") : ch.text);
        c.bindValue(7, QByteArray(reinterpret_cast<const char*>(doc.vectors.data() + i * nEmbd), vecBytes));
        TS_RETURN_IF_ERROR(run(c, QStringLiteral("insert chunk")));
    }
    QSqlQuery deq(m_db);
    deq.prepare(QStringLiteral("DELETE FROM pending WHERE collection_id = ? AND path = ?"));
    deq.addBindValue(collectionId);
    deq.addBindValue(doc.path);
    TS_RETURN_IF_ERROR(run(deq, QStringLiteral("dequeue")));
    TS_RETURN_IF_ERROR(tx.commit());
    ++m_writes;
    return docId;
}

Status DocumentStore::markUnchanged(qint64 documentId, qint64 mtime) {
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("UPDATE documents SET mtime = ? WHERE id = ?"));
    q.addBindValue(mtime);
    q.addBindValue(documentId);
    TS_RETURN_IF_ERROR(run(q, QStringLiteral("touch document")));
    QSqlQuery deq(m_db);
    deq.prepare(QStringLiteral("DELETE FROM pending WHERE (collection_id, path) IN"
                               " (SELECT collection_id, path FROM documents WHERE id = ?)"));
    deq.addBindValue(documentId);
    TS_RETURN_IF_ERROR(run(deq, QStringLiteral("dequeue")));
    TS_RETURN_IF_ERROR(tx.commit());
    ++m_writes;
    return Status::ok();
}

Status DocumentStore::removeDocument(qint64 documentId) {
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    for (const QString& sql : {QStringLiteral("DELETE FROM chunks WHERE document_id = ?"),
                               QStringLiteral("DELETE FROM documents WHERE id = ?")}) {
        QSqlQuery q(m_db);
        q.prepare(sql);
        q.addBindValue(documentId);
        TS_RETURN_IF_ERROR(run(q, QStringLiteral("remove document")));
    }
    TS_RETURN_IF_ERROR(tx.commit());
    ++m_writes;
    return Status::ok();
}

Status DocumentStore::enqueue(qint64 collectionId, const QStringList& paths) {
    if (paths.isEmpty()) return Status::ok();
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("INSERT OR IGNORE INTO pending (collection_id, path, queued_at) VALUES (?, ?, ?)"));
    const qint64 t = now();
    for (const QString& p : paths) {
        q.bindValue(0, collectionId);
        q.bindValue(1, p);
        q.bindValue(2, t);
        TS_RETURN_IF_ERROR(run(q, QStringLiteral("enqueue")));
    }
    TS_RETURN_IF_ERROR(tx.commit());
    ++m_writes;
    return Status::ok();
}

Result<QStringList> DocumentStore::pending(qint64 collectionId, int limit) {
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT path FROM pending WHERE collection_id = ? ORDER BY queued_at, path LIMIT ?"));
    q.addBindValue(collectionId);
    q.addBindValue(limit);
    TS_RETURN_IF_ERROR(run(q, QStringLiteral("pending")));
    QStringList out;
    while (q.next()) out << q.value(0).toString();
    return out;
}

Status DocumentStore::dequeue(qint64 collectionId, const QString& path) {
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("DELETE FROM pending WHERE collection_id = ? AND path = ?"));
    q.addBindValue(collectionId);
    q.addBindValue(path);
    TS_RETURN_IF_ERROR(run(q, QStringLiteral("dequeue")));  // a single statement: atomic on its own
    ++m_writes;
    return Status::ok();
}

QString DocumentStore::ftsQuery(const QString& text) {
    static const QRegularExpression words(QStringLiteral("[\\p{L}\\p{N}_]+"));
    // English function words: they match nearly every chunk, so OR-ing them in makes FTS5 score the
    // whole collection (100k chunks: ~100 ms) while bm25's IDF gives them almost no weight anyway.
    static const QSet<QString> stop = [] {
        QSet<QString> s;
        for (const char* w : {"a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "did", "do",
                              "does", "for", "from", "had", "has", "have", "he", "her", "his", "how", "i", "if", "in",
                              "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "she", "so",
                              "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "to",
                              "was", "we", "were", "what", "when", "where", "which", "who", "why", "will", "with",
                              "would", "you", "your"})
            s.insert(QLatin1String(w));
        return s;
    }();
    QStringList terms, stopTerms;
    auto it = words.globalMatch(text);
    while (it.hasNext()) {
        const QString w = it.next().captured(0);
        const QString quoted = QLatin1Char('"') + w + QLatin1Char('"');
        QStringList& list = stop.contains(w.toLower()) ? stopTerms : terms;
        if (!list.contains(quoted)) list << quoted;
        if (terms.size() >= 64) break;
    }
    return (terms.isEmpty() ? stopTerms : terms).join(QStringLiteral(" OR "));  // only function words: keep them
}

Result<QList<Bm25Hit>> DocumentStore::searchBm25(qint64 collectionId, const QString& text, int limit) {
    QList<Bm25Hit> out;
    const QString match = ftsQuery(text);
    if (match.isEmpty() || limit <= 0) return out;
    // Fast path: rank in FTS5 alone (no join per matching row: 100k matches cost ~2x less), keep the
    // rows of this collection. Enough of them, or FTS ran out of matches: done. Otherwise (several
    // collections sharing many terms) rank with the join.
    const int overfetch = limit * 4;
    {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("SELECT f.id, f.score FROM (SELECT rowid AS id, bm25(chunks_fts) AS score FROM chunks_fts"
                                 "  WHERE chunks_fts MATCH ? ORDER BY score, rowid LIMIT ?) f"
                                 " JOIN chunks c ON c.id = f.id JOIN documents d ON d.id = c.document_id"
                                 " WHERE d.collection_id = ? ORDER BY f.score, f.id"));
        q.addBindValue(match);
        q.addBindValue(overfetch);
        q.addBindValue(collectionId);
        TS_RETURN_IF_ERROR(run(q, QStringLiteral("bm25 search")));
        while (q.next() && out.size() < limit) out.push_back({q.value(0).toLongLong(), q.value(1).toDouble()});
        if (out.size() >= limit) return out;
        QSqlQuery n(m_db);
        n.prepare(QStringLiteral("SELECT COUNT(*) FROM (SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)"));
        n.addBindValue(match);
        n.addBindValue(overfetch + 1);
        TS_RETURN_IF_ERROR(run(n, QStringLiteral("bm25 count")));
        if (n.next() && n.value(0).toInt() <= overfetch) return out;  // every match was looked at
    }
    out.clear();
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT chunks_fts.rowid, bm25(chunks_fts) AS score FROM chunks_fts"
                             " JOIN chunks c ON c.id = chunks_fts.rowid JOIN documents d ON d.id = c.document_id"
                             " WHERE chunks_fts MATCH ? AND d.collection_id = ? ORDER BY score, chunks_fts.rowid LIMIT ?"));
    q.addBindValue(match);
    q.addBindValue(collectionId);
    q.addBindValue(limit);
    TS_RETURN_IF_ERROR(run(q, QStringLiteral("bm25 search")));
    while (q.next()) out.push_back({q.value(0).toLongLong(), q.value(1).toDouble()});
    return out;
}

Result<VectorSet> DocumentStore::loadVectors(qint64 collectionId) {
    VectorSet vs;
    QSqlQuery info(m_db);
    info.prepare(QStringLiteral("SELECT n_embd, (SELECT COALESCE(SUM(n_chunks), 0) FROM documents WHERE collection_id = ?)"
                                " FROM collections WHERE id = ?"));
    info.addBindValue(collectionId);
    info.addBindValue(collectionId);
    TS_RETURN_IF_ERROR(run(info, QStringLiteral("collection")));
    if (!info.next()) return make_error(ErrorCode::invalid_argument, "document store: unknown collection id");
    vs.nEmbd = info.value(0).toInt();
    const qint64 expected = info.value(1).toLongLong();
    vs.chunkIds.reserve(static_cast<size_t>(expected));
    vs.data.reserve(static_cast<size_t>(expected) * static_cast<size_t>(vs.nEmbd));
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT c.id, c.embedding FROM chunks c JOIN documents d ON d.id = c.document_id"
                             " WHERE d.collection_id = ? ORDER BY c.id"));
    q.addBindValue(collectionId);
    TS_RETURN_IF_ERROR(run(q, QStringLiteral("load vectors")));
    const qsizetype bytes = static_cast<qsizetype>(vs.nEmbd) * static_cast<qsizetype>(sizeof(float));
    while (q.next()) {
        const QByteArray blob = q.value(1).toByteArray();
        if (blob.size() != bytes) continue;  // damaged row: skipped rather than misread
        vs.chunkIds.push_back(q.value(0).toLongLong());
        const size_t at = vs.data.size();
        vs.data.resize(at + static_cast<size_t>(vs.nEmbd));
        std::memcpy(vs.data.data() + at, blob.constData(), static_cast<size_t>(bytes));
    }
    return vs;
}

Result<QList<ChunkRecord>> DocumentStore::chunks(const QList<qint64>& ids) {
    QList<ChunkRecord> out;
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT %1 FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ?")
                  .arg(kChunkColumns));
    for (qint64 id : ids) {
        q.bindValue(0, id);
        TS_RETURN_IF_ERROR(run(q, QStringLiteral("chunk")));
        if (q.next()) out << readChunk(q);
    }
    return out;
}

Result<QList<ChunkRecord>> DocumentStore::documentChunks(qint64 documentId) {
    QList<ChunkRecord> out;
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT %1 FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.document_id = ?"
                             " ORDER BY c.ordinal").arg(kChunkColumns));
    q.addBindValue(documentId);
    TS_RETURN_IF_ERROR(run(q, QStringLiteral("document chunks")));
    while (q.next()) out << readChunk(q);
    return out;
}

Result<std::vector<float>> DocumentStore::chunkVector(qint64 chunkId) {
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT embedding FROM chunks WHERE id = ?"));
    q.addBindValue(chunkId);
    TS_RETURN_IF_ERROR(run(q, QStringLiteral("chunk vector")));
    if (!q.next()) return make_error(ErrorCode::invalid_argument, "document store: no chunk with that id");
    const QByteArray blob = q.value(0).toByteArray();
    std::vector<float> v(static_cast<size_t>(blob.size()) / sizeof(float));
    std::memcpy(v.data(), blob.constData(), v.size() * sizeof(float));
    return v;
}

qint64 DocumentStore::changeStamp() {
    QSqlQuery q(m_db);
    qint64 dataVersion = 0;
    if (q.exec(QStringLiteral("PRAGMA data_version")) && q.next()) dataVersion = q.value(0).toLongLong();
    return (dataVersion << 32) ^ m_writes;
}

}  // namespace tessera::docs
