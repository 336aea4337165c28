// SessionStore: schema, migrations, sessions, the message tree, streaming, search, attachments.
// Export / import live in session_export.cpp.
#include "app/services/session_store.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QStringList>
#include <atomic>
#include <iterator>

namespace tessera {

// ---------------------------------------------------------------------------------------------
// Names

QString messageRoleName(MessageRole role) {
    switch (role) {
        case MessageRole::system: return QStringLiteral("system");
        case MessageRole::user: return QStringLiteral("user");
        case MessageRole::assistant: return QStringLiteral("assistant");
        case MessageRole::tool: return QStringLiteral("tool");
    }
    return QStringLiteral("user");
}

bool messageRoleFromName(const QString& name, MessageRole* role) {
    for (MessageRole r : {MessageRole::system, MessageRole::user, MessageRole::assistant, MessageRole::tool}) {
        if (name == messageRoleName(r)) {
            *role = r;
            return true;
        }
    }
    return false;
}

QString messageStateName(MessageState state) {
    switch (state) {
        case MessageState::complete: return QStringLiteral("complete");
        case MessageState::streaming: return QStringLiteral("streaming");
        case MessageState::interrupted: return QStringLiteral("interrupted");
    }
    return QStringLiteral("complete");
}

bool messageStateFromName(const QString& name, MessageState* state) {
    for (MessageState s : {MessageState::complete, MessageState::streaming, MessageState::interrupted}) {
        if (name == messageStateName(s)) {
            *state = s;
            return true;
        }
    }
    return false;
}

namespace {

std::atomic<int> g_connectionSerial{0};

// SQLITE_NOTADB: the file exists but is not an SQLite database.
constexpr int kSqliteNotADb = 26;

Status sqlError(const QString& what, const QSqlError& error) {
    return make_error(ErrorCode::io_error,
                      QStringLiteral("session store: %1: %2").arg(what, error.text()).toStdString());
}

Status sqlError(const QString& what, const QSqlQuery& q) { return sqlError(what, q.lastError()); }

Status notFound(const char* kind, qint64 id) {
    return make_error(ErrorCode::invalid_argument,
                      QStringLiteral("session store: no %1 with id %2").arg(QLatin1String(kind)).arg(id).toStdString());
}

// Runs one statement (QSQLITE executes only the first statement of a string).
Status execSql(QSqlDatabase& db, const QString& sql) {
    QSqlQuery q(db);
    if (!q.exec(sql)) return sqlError(QStringLiteral("'%1'").arg(sql.simplified().left(80)), q);
    return Status::ok();
}

Status execPrepared(QSqlQuery& q, const QString& what) {
    if (!q.exec()) return sqlError(what, q);
    return Status::ok();
}

QString jsonText(const QJsonObject& o) { return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)); }

QJsonObject jsonObject(const QString& text) {
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8());
    return doc.isObject() ? doc.object() : QJsonObject{};
}

QVariant parentBind(qint64 parentId) { return parentId > 0 ? QVariant(parentId) : QVariant(); }

// ---------------------------------------------------------------------------------------------
// Schema. One function per step; each runs inside the migration transaction (foreign keys off,
// checked with foreign_key_check before commit).

// v1: the first release: a flat list of messages per session.
// tests/app/data/sessions_v1.sql must keep creating exactly this schema.
Status migrateToV1(QSqlDatabase& db) {
    const QStringList statements = {
        QStringLiteral("CREATE TABLE sessions ("
                       " id INTEGER PRIMARY KEY,"
                       " title TEXT NOT NULL DEFAULT '',"
                       " created_at INTEGER NOT NULL,"
                       " model_path TEXT NOT NULL DEFAULT '')"),
        QStringLiteral("CREATE TABLE messages ("
                       " id INTEGER PRIMARY KEY,"
                       " session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
                       " role TEXT NOT NULL,"
                       " content TEXT NOT NULL DEFAULT '',"
                       " created_at INTEGER NOT NULL)"),
        QStringLiteral("CREATE INDEX messages_by_session ON messages(session_id, id)"),
    };
    for (const QString& sql : statements) TS_RETURN_IF_ERROR(execSql(db, sql));
    return Status::ok();
}

// v2: sessions gain settings, flags and soft delete; messages become a tree (each v1 message's
// parent is the one before it in its session) with generation metadata and a streaming state;
// attachments by content hash; FTS5 search.
Status migrateToV2(QSqlDatabase& db) {
    const QStringList statements = {
        // sessions: new columns; updated_at from the newest message.
        QStringLiteral("ALTER TABLE sessions ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0"),
        QStringLiteral("ALTER TABLE sessions ADD COLUMN system_prompt TEXT NOT NULL DEFAULT ''"),
        QStringLiteral("ALTER TABLE sessions ADD COLUMN sampling TEXT NOT NULL DEFAULT '{}'"),
        QStringLiteral("ALTER TABLE sessions ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0"),
        QStringLiteral("ALTER TABLE sessions ADD COLUMN archived INTEGER NOT NULL DEFAULT 0"),
        QStringLiteral("ALTER TABLE sessions ADD COLUMN deleted_at INTEGER"),
        QStringLiteral("UPDATE sessions SET updated_at = MAX(created_at, COALESCE("
                       " (SELECT MAX(m.created_at) FROM messages m WHERE m.session_id = sessions.id), 0))"),

        // messages: rebuilt (new constraints), the flat list turned into a chain.
        QStringLiteral("CREATE TABLE messages_v2 ("
                       " id INTEGER PRIMARY KEY,"
                       " session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
                       " parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,"
                       " role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),"
                       " content TEXT NOT NULL DEFAULT '',"
                       " created_at INTEGER NOT NULL,"
                       " model TEXT NOT NULL DEFAULT '',"
                       " sampling TEXT NOT NULL DEFAULT '{}',"
                       " timings TEXT NOT NULL DEFAULT '{}',"
                       " n_prompt_tokens INTEGER NOT NULL DEFAULT 0,"
                       " n_gen_tokens INTEGER NOT NULL DEFAULT 0,"
                       " state TEXT NOT NULL DEFAULT 'complete'"
                       "   CHECK (state IN ('complete', 'streaming', 'interrupted')),"
                       " selected INTEGER NOT NULL DEFAULT 1)"),
        // v1 wrote only the four roles; anything else becomes 'user' rather than failing.
        QStringLiteral("INSERT INTO messages_v2 (id, session_id, parent_id, role, content, created_at, selected)"
                       " SELECT id, session_id,"
                       "  LAG(id) OVER (PARTITION BY session_id ORDER BY created_at, id),"
                       "  CASE WHEN lower(role) IN ('system', 'user', 'assistant', 'tool') THEN lower(role)"
                       "       ELSE 'user' END,"
                       "  content, created_at, 1"
                       " FROM messages"),
        QStringLiteral("DROP TABLE messages"),
        QStringLiteral("ALTER TABLE messages_v2 RENAME TO messages"),
        QStringLiteral("CREATE INDEX messages_by_session ON messages(session_id, parent_id, selected, id)"),
        QStringLiteral("CREATE INDEX messages_by_parent ON messages(parent_id, selected, id)"),
        QStringLiteral("CREATE INDEX messages_streaming ON messages(state) WHERE state = 'streaming'"),

        // attachments: one row per content.
        QStringLiteral("CREATE TABLE attachments ("
                       " id INTEGER PRIMARY KEY,"
                       " sha256 TEXT NOT NULL UNIQUE,"
                       " mime TEXT NOT NULL DEFAULT 'application/octet-stream',"
                       " size INTEGER NOT NULL,"
                       " data BLOB,"
                       " file_path TEXT,"
                       " created_at INTEGER NOT NULL,"
                       " CHECK (data IS NOT NULL OR file_path IS NOT NULL))"),
        QStringLiteral("CREATE TABLE message_attachments ("
                       " message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
                       " position INTEGER NOT NULL,"
                       " attachment_id INTEGER NOT NULL REFERENCES attachments(id) ON DELETE RESTRICT,"
                       " name TEXT NOT NULL DEFAULT '',"
                       " PRIMARY KEY (message_id, position)) WITHOUT ROWID"),
        QStringLiteral("CREATE INDEX message_attachments_by_attachment ON message_attachments(attachment_id)"),

        // Full-text search over message content (external content: the text lives once, in
        // messages). A streaming message is not indexed until it stops streaming, so appends
        // never touch the index. The update trigger deletes the old entry before adding the new
        // one, in that order, in one trigger.
        QStringLiteral("CREATE VIRTUAL TABLE messages_fts USING fts5("
                       " content, content = 'messages', content_rowid = 'id',"
                       " tokenize = 'unicode61 remove_diacritics 2')"),
        QStringLiteral("CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages"
                       " WHEN new.state <> 'streaming' BEGIN"
                       "  INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);"
                       " END"),
        QStringLiteral("CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages"
                       " WHEN old.state <> 'streaming' BEGIN"
                       "  INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);"
                       " END"),
        QStringLiteral("CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, state ON messages BEGIN"
                       "  INSERT INTO messages_fts(messages_fts, rowid, content)"
                       "   SELECT 'delete', old.id, old.content WHERE old.state <> 'streaming';"
                       "  INSERT INTO messages_fts(rowid, content)"
                       "   SELECT new.id, new.content WHERE new.state <> 'streaming';"
                       " END"),
        QStringLiteral("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')"),
    };
    for (const QString& sql : statements) TS_RETURN_IF_ERROR(execSql(db, sql));
    return Status::ok();
}

using MigrationStep = Status (*)(QSqlDatabase&);
// kMigrations[v] migrates from version v to v + 1.
constexpr MigrationStep kMigrations[] = {migrateToV1, migrateToV2};
static_assert(std::size(kMigrations) == SessionStore::kSchemaVersion, "one migration per schema version");

Result<int> readUserVersion(QSqlDatabase& db) {
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next()) return sqlError(QStringLiteral("user_version"), q);
    return q.value(0).toInt();
}

// Column list and reader shared by every message query (alias m).
const QString kMessageColumns = QStringLiteral(
    "m.id, m.session_id, m.parent_id, m.role, m.content, m.created_at, m.model, m.sampling, m.timings,"
    " m.n_prompt_tokens, m.n_gen_tokens, m.state, m.selected");

MessageRecord readMessage(const QSqlQuery& q) {
    MessageRecord r;
    r.id = q.value(0).toLongLong();
    r.sessionId = q.value(1).toLongLong();
    r.parentId = q.value(2).isNull() ? 0 : q.value(2).toLongLong();
    messageRoleFromName(q.value(3).toString(), &r.role);
    r.content = q.value(4).toString();
    r.createdAt = q.value(5).toLongLong();
    r.model = q.value(6).toString();
    r.sampling = jsonObject(q.value(7).toString());
    r.timings = jsonObject(q.value(8).toString());
    r.nPromptTokens = q.value(9).toInt();
    r.nGenTokens = q.value(10).toInt();
    messageStateFromName(q.value(11).toString(), &r.state);
    r.selected = q.value(12).toInt() != 0;
    return r;
}

const QString kSessionColumns = QStringLiteral(
    "s.id, s.title, s.created_at, s.updated_at, s.system_prompt, s.sampling, s.model_path, s.pinned,"
    " s.archived, s.deleted_at, (SELECT COUNT(*) FROM messages c WHERE c.session_id = s.id)");

SessionInfo readSession(const QSqlQuery& q) {
    SessionInfo s;
    s.id = q.value(0).toLongLong();
    s.title = q.value(1).toString();
    s.createdAt = q.value(2).toLongLong();
    s.updatedAt = q.value(3).toLongLong();
    s.settings.systemPrompt = q.value(4).toString();
    s.settings.sampling = jsonObject(q.value(5).toString());
    s.settings.modelPath = q.value(6).toString();
    s.pinned = q.value(7).toInt() != 0;
    s.archived = q.value(8).toInt() != 0;
    s.deletedAt = q.value(9).isNull() ? 0 : q.value(9).toLongLong();
    s.messageCount = q.value(10).toInt();
    return s;
}

const QString kAttachmentColumns = QStringLiteral("a.id, a.sha256, a.mime, a.size, a.file_path");

AttachmentInfo readAttachment(const QSqlQuery& q) {
    AttachmentInfo a;
    a.id = q.value(0).toLongLong();
    a.sha256 = q.value(1).toString();
    a.mime = q.value(2).toString();
    a.size = q.value(3).toLongLong();
    a.filePath = q.value(4).isNull() ? QString() : q.value(4).toString();
    return a;
}

// User text -> an FTS5 query: every word quoted (no operators), the last one a prefix.
QString ftsQuery(const QString& text) {
    QStringList terms;
    for (const QString& word : text.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts)) {
        bool hasWordChar = false;
        for (QChar c : word) hasWordChar = hasWordChar || c.isLetterOrNumber();
        if (!hasWordChar) continue;  // a phrase of punctuation only would match nothing
        QString quoted = word;
        quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        terms << QLatin1Char('"') + quoted + QLatin1Char('"');
    }
    if (terms.isEmpty()) return {};
    terms.last() += QLatin1Char('*');
    return terms.join(QLatin1Char(' '));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Transaction

SessionStore::Transaction::Transaction(QSqlDatabase& db) : m_db(db) {
    QSqlQuery q(m_db);
    if (q.exec(QStringLiteral("BEGIN IMMEDIATE"))) {
        m_active = true;
    } else {
        m_status = sqlError(QStringLiteral("begin transaction"), q);
    }
}

SessionStore::Transaction::~Transaction() {
    if (m_active) {
        QSqlQuery q(m_db);
        q.exec(QStringLiteral("ROLLBACK"));
    }
}

Status SessionStore::Transaction::commit() {
    if (!m_active) {
        return m_status.is_ok() ? make_error(ErrorCode::internal, "session store: commit without a transaction") : m_status;
    }
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("COMMIT"))) return sqlError(QStringLiteral("commit"), q);
    m_active = false;
    return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Open / close / migrate

SessionStore::SessionStore() = default;

SessionStore::~SessionStore() { close(); }

QString SessionStore::defaultDatabasePath() {
    // Without an application name (no QCoreApplication yet, tools, tests) AppDataLocation is
    // the bare data folder; keep our file in a folder of its own there.
    QString dir = QCoreApplication::applicationName().isEmpty()
                      ? QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/tessera")
                      : QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (dir.isEmpty() || dir == QStringLiteral("/tessera")) dir = QDir::homePath() + QStringLiteral("/.local/share/tessera");
    QDir().mkpath(dir);
    return QDir(dir).filePath(QStringLiteral("sessions.db"));
}

void SessionStore::setClock(std::function<qint64()> clock) { m_clock = std::move(clock); }

QVariant SessionStore::textValue(const QString& s) { return s.isNull() ? QVariant(QStringLiteral("")) : QVariant(s); }

qint64 SessionStore::now() const { return m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch(); }

QSqlQuery SessionStore::query() const { return QSqlQuery(m_db); }

bool SessionStore::isOpen() const { return m_db.isValid() && m_db.isOpen(); }

int SessionStore::schemaVersion() const {
    if (!isOpen()) return -1;
    auto db = m_db;
    auto v = readUserVersion(db);
    return v.is_ok() ? v.value() : -1;
}

void SessionStore::close() {
    m_appendQuery.reset();
    if (m_db.isValid()) m_db.close();
    m_db = QSqlDatabase();
    if (!m_connectionName.isEmpty()) QSqlDatabase::removeDatabase(m_connectionName);
    m_connectionName.clear();
}

Status SessionStore::open(const QString& path, const OpenOptions& options) {
    close();
    m_recoveredStreams = 0;
    m_path = path;
    if (options.targetVersion < 1 || options.targetVersion > kSchemaVersion) {
        return make_error(ErrorCode::invalid_argument,
                          "session store: targetVersion " + std::to_string(options.targetVersion) +
                              " is outside [1, " + std::to_string(kSchemaVersion) + "]");
    }
    m_connectionName = QStringLiteral("tessera.session_store.%1").arg(++g_connectionSerial);
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    if (!m_db.isValid()) {
        close();
        return make_error(ErrorCode::unsupported, "session store: the Qt QSQLITE driver is not available");
    }
    m_db.setDatabaseName(path);
    m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!m_db.open()) {
        Status st = make_error(ErrorCode::io_error, QStringLiteral("session store: cannot open '%1': %2")
                                                        .arg(path, m_db.lastError().text())
                                                        .toStdString());
        close();
        return st;
    }

    auto fail = [&](Status st) {
        close();
        return st;
    };

    // Look before touching anything: a foreign or newer database is left as it is.
    QSqlQuery probe(m_db);
    if (!probe.exec(QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")) || !probe.next()) {
        const bool notADb = probe.lastError().nativeErrorCode().toInt() == kSqliteNotADb;
        Status st = notADb ? make_error(ErrorCode::format_error,
                                        QStringLiteral("session store: '%1' is not an SQLite database").arg(path).toStdString())
                           : sqlError(QStringLiteral("reading '%1'").arg(path), probe);
        probe = QSqlQuery();
        return fail(st);
    }
    const int nTables = probe.value(0).toInt();
    probe = QSqlQuery();
    auto versionRead = readUserVersion(m_db);
    if (!versionRead) return fail(versionRead.status());
    const int version = versionRead.value();
    if (version > kSchemaVersion) {
        return fail(make_error(ErrorCode::unsupported,
                               QStringLiteral("session store: '%1' has schema version %2, newer than this build's %3; "
                                              "it was written by a newer Tessera")
                                   .arg(path)
                                   .arg(version)
                                   .arg(kSchemaVersion)
                                   .toStdString()));
    }
    if (version == 0 && nTables > 0) {
        return fail(make_error(ErrorCode::format_error,
                               QStringLiteral("session store: '%1' holds tables but no Tessera schema version; "
                                              "not a Tessera session database")
                                   .arg(path)
                                   .toStdString()));
    }

    // WAL: readers beside one writer, and a commit is one append to the log.
    // (":memory:" databases report "memory"; that is fine.)
    {
        QSqlQuery q(m_db);
        if (!q.exec(QStringLiteral("PRAGMA journal_mode = WAL"))) return fail(sqlError(QStringLiteral("journal_mode"), q));
    }
    if (Status st = execSql(m_db, QStringLiteral("PRAGMA synchronous = NORMAL")); !st) return fail(st);
    if (Status st = runMigrations(options.targetVersion); !st) return fail(st);
    if (Status st = execSql(m_db, QStringLiteral("PRAGMA foreign_keys = ON")); !st) return fail(st);

    if (options.recoverStreams && options.targetVersion >= 2) {
        auto recovered = recoverInterruptedStreams();
        if (!recovered) return fail(recovered.status());
        m_recoveredStreams = recovered.value();
    }
    return Status::ok();
}

Status SessionStore::runMigrations(int targetVersion) {
    TS_ASSIGN_OR_RETURN(int version, readUserVersion(m_db));
    while (version < targetVersion) {
        // Table rebuilds need foreign keys off; the pragma is a no-op inside a transaction.
        TS_RETURN_IF_ERROR(execSql(m_db, QStringLiteral("PRAGMA foreign_keys = OFF")));
        Transaction tx(m_db);
        TS_RETURN_IF_ERROR(tx.status());
        // Another process may have migrated since we looked.
        TS_ASSIGN_OR_RETURN(version, readUserVersion(m_db));
        if (version >= targetVersion) break;
        if (Status st = kMigrations[version](m_db); !st) {
            return make_error(st.code(), "migrating the session database to v" + std::to_string(version + 1) +
                                             ": " + st.message());
        }
        QSqlQuery check(m_db);
        if (!check.exec(QStringLiteral("PRAGMA foreign_key_check"))) return sqlError(QStringLiteral("foreign_key_check"), check);
        if (check.next()) {
            return make_error(ErrorCode::format_error,
                              QStringLiteral("migration to v%1 left a broken reference in table %2 (row %3)")
                                  .arg(version + 1)
                                  .arg(check.value(0).toString())
                                  .arg(check.value(1).toLongLong())
                                  .toStdString());
        }
        check = QSqlQuery();
        TS_RETURN_IF_ERROR(execSql(m_db, QStringLiteral("PRAGMA user_version = %1").arg(version + 1)));
        TS_RETURN_IF_ERROR(tx.commit());
        ++version;
    }
    return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Sessions

Status SessionStore::ensureSessionExists(qint64 sessionId) const {
    QSqlQuery q = query();
    q.prepare(QStringLiteral("SELECT 1 FROM sessions WHERE id = ?"));
    q.addBindValue(sessionId);
    if (!q.exec()) return sqlError(QStringLiteral("looking up session"), q);
    if (!q.next()) return notFound("session", sessionId);
    return Status::ok();
}

Status SessionStore::touchSession(qint64 sessionId) {
    QSqlQuery q = query();
    q.prepare(QStringLiteral("UPDATE sessions SET updated_at = ? WHERE id = ?"));
    q.addBindValue(now());
    q.addBindValue(sessionId);
    return execPrepared(q, QStringLiteral("touching session"));
}

Result<qint64> SessionStore::createSession(const QString& title, const SessionSettings& settings) {
    if (!isOpen()) return make_error(ErrorCode::invalid_argument, "session store is not open");
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    const qint64 t = now();
    QSqlQuery q = query();
    q.prepare(QStringLiteral("INSERT INTO sessions (title, created_at, updated_at, system_prompt, sampling, model_path)"
                             " VALUES (?, ?, ?, ?, ?, ?)"));
    q.addBindValue(textValue(title));
    q.addBindValue(t);
    q.addBindValue(t);
    q.addBindValue(textValue(settings.systemPrompt));
    q.addBindValue(jsonText(settings.sampling));
    q.addBindValue(textValue(settings.modelPath));
    TS_RETURN_IF_ERROR(execPrepared(q, QStringLiteral("creating session")));
    const qint64 id = q.lastInsertId().toLongLong();
    TS_RETURN_IF_ERROR(tx.commit());
    return id;
}

namespace {
// One UPDATE on one session row in its own transaction; fails when the session does not exist.
template <class Bind>
Status updateSessionRow(QSqlDatabase& db, qint64 sessionId, const QString& setClause, Bind bind) {
    QSqlQuery q(db);
    q.prepare(QStringLiteral("UPDATE sessions SET %1 WHERE id = ?").arg(setClause));
    bind(q);
    q.addBindValue(sessionId);
    if (!q.exec()) return sqlError(QStringLiteral("updating session"), q);
    if (q.numRowsAffected() != 1) return notFound("session", sessionId);
    return Status::ok();
}
}  // namespace

Status SessionStore::renameSession(qint64 sessionId, const QString& title) {
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    TS_RETURN_IF_ERROR(updateSessionRow(m_db, sessionId, QStringLiteral("title = ?, updated_at = ?"), [&](QSqlQuery& q) {
        q.addBindValue(textValue(title));
        q.addBindValue(now());
    }));
    return tx.commit();
}

Status SessionStore::setSessionSettings(qint64 sessionId, const SessionSettings& settings) {
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    TS_RETURN_IF_ERROR(updateSessionRow(m_db, sessionId,
                                        QStringLiteral("system_prompt = ?, sampling = ?, model_path = ?, updated_at = ?"),
                                        [&](QSqlQuery& q) {
                                            q.addBindValue(textValue(settings.systemPrompt));
                                            q.addBindValue(jsonText(settings.sampling));
                                            q.addBindValue(textValue(settings.modelPath));
                                            q.addBindValue(now());
                                        }));
    return tx.commit();
}

Status SessionStore::setSessionPinned(qint64 sessionId, bool pinned) {
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    TS_RETURN_IF_ERROR(updateSessionRow(m_db, sessionId, QStringLiteral("pinned = ?"),
                                        [&](QSqlQuery& q) { q.addBindValue(pinned ? 1 : 0); }));
    return tx.commit();
}

Status SessionStore::setSessionArchived(qint64 sessionId, bool archived) {
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    TS_RETURN_IF_ERROR(updateSessionRow(m_db, sessionId, QStringLiteral("archived = ?"),
                                        [&](QSqlQuery& q) { q.addBindValue(archived ? 1 : 0); }));
    return tx.commit();
}

Result<QList<SessionInfo>> SessionStore::selectSessions(const QString& where, const QList<QVariant>& binds) const {
    QSqlQuery q = query();
    q.prepare(QStringLiteral("SELECT %1 FROM sessions s WHERE %2 ORDER BY s.pinned DESC, s.updated_at DESC, s.id DESC")
                  .arg(kSessionColumns, where));
    for (const QVariant& b : binds) q.addBindValue(b);
    if (!q.exec()) return sqlError(QStringLiteral("listing sessions"), q);
    QList<SessionInfo> out;
    while (q.next()) out.append(readSession(q));
    return out;
}

Result<SessionInfo> SessionStore::session(qint64 sessionId) const {
    TS_ASSIGN_OR_RETURN(auto list, selectSessions(QStringLiteral("s.id = ?"), {sessionId}));
    if (list.isEmpty()) return notFound("session", sessionId);
    return list.first();
}

Result<QList<SessionInfo>> SessionStore::listSessions(const SessionFilter& filter) const {
    QStringList where{QStringLiteral("1")};
    if (!filter.includeArchived) where << QStringLiteral("s.archived = 0");
    if (!filter.includeDeleted) where << QStringLiteral("s.deleted_at IS NULL");
    return selectSessions(where.join(QStringLiteral(" AND ")), {});
}

Status SessionStore::deleteSession(qint64 sessionId) {
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    TS_RETURN_IF_ERROR(ensureSessionExists(sessionId));
    QSqlQuery q = query();
    q.prepare(QStringLiteral("UPDATE sessions SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL"));
    q.addBindValue(now());
    q.addBindValue(sessionId);
    TS_RETURN_IF_ERROR(execPrepared(q, QStringLiteral("deleting session")));
    return tx.commit();
}

Status SessionStore::undeleteSession(qint64 sessionId) {
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    TS_RETURN_IF_ERROR(updateSessionRow(m_db, sessionId, QStringLiteral("deleted_at = NULL"), [](QSqlQuery&) {}));
    return tx.commit();
}

Result<int> SessionStore::purgeDeletedSessions(qint64 deletedBefore) {
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    QSqlQuery q = query();
    q.prepare(QStringLiteral("DELETE FROM sessions WHERE deleted_at IS NOT NULL AND (? < 0 OR deleted_at <= ?)"));
    q.addBindValue(deletedBefore);
    q.addBindValue(deletedBefore);
    TS_RETURN_IF_ERROR(execPrepared(q, QStringLiteral("purging sessions")));
    const int n = q.numRowsAffected();
    QSqlQuery orphans = query();
    if (!orphans.exec(QStringLiteral("DELETE FROM attachments WHERE id NOT IN"
                                     " (SELECT attachment_id FROM message_attachments)"))) {
        return sqlError(QStringLiteral("purging attachments"), orphans);
    }
    TS_RETURN_IF_ERROR(tx.commit());
    return n;
}

// ---------------------------------------------------------------------------------------------
// Messages

Result<QList<MessageRecord>> SessionStore::selectMessages(const QString& where, const QList<QVariant>& binds,
                                                          const QString& order) const {
    QSqlQuery q = query();
    q.prepare(QStringLiteral("SELECT %1 FROM messages m WHERE %2 ORDER BY %3").arg(kMessageColumns, where, order));
    for (const QVariant& b : binds) q.addBindValue(b);
    if (!q.exec()) return sqlError(QStringLiteral("reading messages"), q);
    QList<MessageRecord> out;
    while (q.next()) out.append(readMessage(q));
    return out;
}

Result<MessageRecord> SessionStore::message(qint64 messageId) const {
    TS_ASSIGN_OR_RETURN(auto list, selectMessages(QStringLiteral("m.id = ?"), {messageId}));
    if (list.isEmpty()) return notFound("message", messageId);
    return list.first();
}

Status SessionStore::markSelected(qint64 sessionId, qint64 parentId, qint64 messageId) {
    QSqlQuery q = query();
    q.prepare(QStringLiteral("UPDATE messages SET selected = (id = ?) WHERE session_id = ? AND parent_id IS ?"
                             " AND selected <> (id = ?)"));
    q.addBindValue(messageId);
    q.addBindValue(sessionId);
    q.addBindValue(parentBind(parentId));
    q.addBindValue(messageId);
    return execPrepared(q, QStringLiteral("selecting message"));
}

Result<qint64> SessionStore::addMessage(qint64 sessionId, qint64 parentId, const NewMessage& m) {
    if (!isOpen()) return make_error(ErrorCode::invalid_argument, "session store is not open");
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    TS_RETURN_IF_ERROR(ensureSessionExists(sessionId));
    if (parentId != 0) {
        QSqlQuery p = query();
        p.prepare(QStringLiteral("SELECT session_id FROM messages WHERE id = ?"));
        p.addBindValue(parentId);
        if (!p.exec()) return sqlError(QStringLiteral("looking up parent"), p);
        if (!p.next()) return notFound("parent message", parentId);
        if (p.value(0).toLongLong() != sessionId) {
            return make_error(ErrorCode::invalid_argument,
                              QStringLiteral("session store: parent message %1 belongs to session %2, not %3")
                                  .arg(parentId)
                                  .arg(p.value(0).toLongLong())
                                  .arg(sessionId)
                                  .toStdString());
        }
    }
    // The new message becomes the selected sibling.
    QSqlQuery clear = query();
    clear.prepare(QStringLiteral("UPDATE messages SET selected = 0 WHERE session_id = ? AND parent_id IS ? AND selected = 1"));
    clear.addBindValue(sessionId);
    clear.addBindValue(parentBind(parentId));
    TS_RETURN_IF_ERROR(execPrepared(clear, QStringLiteral("updating siblings")));

    QSqlQuery q = query();
    q.prepare(QStringLiteral("INSERT INTO messages (session_id, parent_id, role, content, created_at, model, sampling,"
                             " timings, n_prompt_tokens, n_gen_tokens, state, selected)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"));
    q.addBindValue(sessionId);
    q.addBindValue(parentBind(parentId));
    q.addBindValue(messageRoleName(m.role));
    q.addBindValue(textValue(m.content));
    q.addBindValue(now());
    q.addBindValue(textValue(m.model));
    q.addBindValue(jsonText(m.sampling));
    q.addBindValue(jsonText(m.timings));
    q.addBindValue(m.nPromptTokens);
    q.addBindValue(m.nGenTokens);
    q.addBindValue(messageStateName(m.state));
    TS_RETURN_IF_ERROR(execPrepared(q, QStringLiteral("adding message")));
    const qint64 id = q.lastInsertId().toLongLong();
    TS_RETURN_IF_ERROR(touchSession(sessionId));
    TS_RETURN_IF_ERROR(tx.commit());
    return id;
}

Result<qint64> SessionStore::editMessage(qint64 messageId, const QString& content) {
    TS_ASSIGN_OR_RETURN(const MessageRecord original, message(messageId));
    NewMessage m;
    m.role = original.role;
    m.content = content;
    m.model = original.model;
    m.sampling = original.sampling;
    return addMessage(original.sessionId, original.parentId, m);
}

Result<QList<MessageRecord>> SessionStore::branchPath(qint64 leafId) const {
    QSqlQuery q = query();
    q.prepare(QStringLiteral("WITH RECURSIVE path(id, depth) AS ("
                             "  SELECT id, 0 FROM messages WHERE id = ?"
                             "  UNION ALL"
                             "  SELECT m.parent_id, p.depth + 1 FROM messages m JOIN path p ON m.id = p.id"
                             "   WHERE m.parent_id IS NOT NULL)"
                             " SELECT %1 FROM path JOIN messages m ON m.id = path.id ORDER BY path.depth DESC")
                  .arg(kMessageColumns));
    q.addBindValue(leafId);
    if (!q.exec()) return sqlError(QStringLiteral("reading branch"), q);
    QList<MessageRecord> out;
    while (q.next()) out.append(readMessage(q));
    if (out.isEmpty()) return notFound("message", leafId);
    return out;
}

Result<QList<MessageRecord>> SessionStore::activePath(qint64 sessionId) const {
    TS_RETURN_IF_ERROR(ensureSessionExists(sessionId));
    // Follows the selected child at every level; should no sibling be marked (hand-edited or
    // imported data), the newest one.
    QSqlQuery q = query();
    q.prepare(QStringLiteral("WITH RECURSIVE path(id, depth) AS ("
                             "  SELECT (SELECT r.id FROM messages r WHERE r.session_id = ? AND r.parent_id IS NULL"
                             "          ORDER BY r.selected DESC, r.id DESC LIMIT 1), 0"
                             "  UNION ALL"
                             "  SELECT (SELECT c.id FROM messages c WHERE c.parent_id = p.id"
                             "          ORDER BY c.selected DESC, c.id DESC LIMIT 1), p.depth + 1"
                             "   FROM path p WHERE p.id IS NOT NULL)"
                             " SELECT %1 FROM path JOIN messages m ON m.id = path.id ORDER BY path.depth")
                  .arg(kMessageColumns));
    q.addBindValue(sessionId);
    if (!q.exec()) return sqlError(QStringLiteral("reading active path"), q);
    QList<MessageRecord> out;
    while (q.next()) out.append(readMessage(q));
    return out;
}

Result<QList<MessageRecord>> SessionStore::children(qint64 messageId) const {
    return selectMessages(QStringLiteral("m.parent_id = ?"), {messageId});
}

Result<SiblingInfo> SessionStore::siblings(qint64 messageId) const {
    TS_ASSIGN_OR_RETURN(const MessageRecord m, message(messageId));
    QSqlQuery q = query();
    q.prepare(QStringLiteral("SELECT id FROM messages WHERE session_id = ? AND parent_id IS ? ORDER BY id"));
    q.addBindValue(m.sessionId);
    q.addBindValue(parentBind(m.parentId));
    if (!q.exec()) return sqlError(QStringLiteral("reading siblings"), q);
    SiblingInfo info;
    while (q.next()) {
        const qint64 id = q.value(0).toLongLong();
        if (id == messageId) info.index = static_cast<int>(info.ids.size());
        info.ids.append(id);
    }
    return info;
}

Status SessionStore::selectMessage(qint64 messageId) {
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    TS_ASSIGN_OR_RETURN(const QList<MessageRecord> path, branchPath(messageId));
    for (const MessageRecord& m : path) TS_RETURN_IF_ERROR(markSelected(m.sessionId, m.parentId, m.id));
    return tx.commit();
}

// ---------------------------------------------------------------------------------------------
// Streaming

Status SessionStore::appendToMessage(qint64 messageId, const QString& delta, int nGenTokens) {
    if (!isOpen()) return make_error(ErrorCode::invalid_argument, "session store is not open");
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    if (!m_appendQuery) {
        m_appendQuery = std::make_unique<QSqlQuery>(m_db);
        if (!m_appendQuery->prepare(QStringLiteral(
                "UPDATE messages SET content = content || ?,"
                " n_gen_tokens = CASE WHEN ? >= 0 THEN ? ELSE n_gen_tokens END WHERE id = ?"))) {
            Status st = sqlError(QStringLiteral("preparing append"), *m_appendQuery);
            m_appendQuery.reset();
            return st;
        }
    }
    QSqlQuery& q = *m_appendQuery;
    q.bindValue(0, textValue(delta));
    q.bindValue(1, nGenTokens);
    q.bindValue(2, nGenTokens);
    q.bindValue(3, messageId);
    if (!q.exec()) return sqlError(QStringLiteral("appending to message"), q);
    if (q.numRowsAffected() != 1) return notFound("message", messageId);
    return tx.commit();
}

Status SessionStore::finishMessage(qint64 messageId, MessageState state, const QJsonObject& timings, int nPromptTokens,
                                   int nGenTokens) {
    if (state == MessageState::streaming) {
        return make_error(ErrorCode::invalid_argument, "finishMessage: the final state cannot be 'streaming'");
    }
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    TS_ASSIGN_OR_RETURN(const MessageRecord m, message(messageId));
    QSqlQuery q = query();
    q.prepare(QStringLiteral("UPDATE messages SET state = ?, timings = ?, n_prompt_tokens = ?, n_gen_tokens = ?"
                             " WHERE id = ?"));
    q.addBindValue(messageStateName(state));
    q.addBindValue(jsonText(timings.isEmpty() ? m.timings : timings));
    q.addBindValue(nPromptTokens >= 0 ? nPromptTokens : m.nPromptTokens);
    q.addBindValue(nGenTokens >= 0 ? nGenTokens : m.nGenTokens);
    q.addBindValue(messageId);
    TS_RETURN_IF_ERROR(execPrepared(q, QStringLiteral("finishing message")));
    TS_RETURN_IF_ERROR(touchSession(m.sessionId));
    return tx.commit();
}

Result<int> SessionStore::recoverInterruptedStreams() {
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    QSqlQuery q = query();
    if (!q.exec(QStringLiteral("UPDATE messages SET state = 'interrupted' WHERE state = 'streaming'"))) {
        return sqlError(QStringLiteral("recovering interrupted streams"), q);
    }
    const int n = q.numRowsAffected();
    TS_RETURN_IF_ERROR(tx.commit());
    return n;
}

// ---------------------------------------------------------------------------------------------
// Search

Result<QList<SearchHit>> SessionStore::search(const QString& text, int limit) const {
    const QString match = ftsQuery(text);
    if (match.isEmpty() || limit <= 0) return QList<SearchHit>{};
    QSqlQuery q = query();
    q.prepare(QStringLiteral(
        "SELECT m.session_id, s.title, m.id, m.role,"
        " snippet(messages_fts, 0, '[', ']', '…', 12), bm25(messages_fts) AS score"
        " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid JOIN sessions s ON s.id = m.session_id"
        " WHERE messages_fts MATCH ? AND s.deleted_at IS NULL"
        " ORDER BY score, m.id LIMIT ?"));
    q.addBindValue(match);
    q.addBindValue(limit);
    if (!q.exec()) return sqlError(QStringLiteral("searching"), q);
    QList<SearchHit> out;
    while (q.next()) {
        SearchHit h;
        h.sessionId = q.value(0).toLongLong();
        h.sessionTitle = q.value(1).toString();
        h.messageId = q.value(2).toLongLong();
        messageRoleFromName(q.value(3).toString(), &h.role);
        h.snippet = q.value(4).toString();
        h.rank = q.value(5).toDouble();
        out.append(h);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Attachments

Result<qint64> SessionStore::insertAttachment(const QString& sha256, const QString& mime, qint64 size,
                                              const QByteArray* data, const QString& filePath) {
    QSqlQuery find = query();
    find.prepare(QStringLiteral("SELECT id FROM attachments WHERE sha256 = ?"));
    find.addBindValue(sha256);
    if (!find.exec()) return sqlError(QStringLiteral("looking up attachment"), find);
    if (find.next()) return find.value(0).toLongLong();

    QSqlQuery q = query();
    q.prepare(QStringLiteral("INSERT INTO attachments (sha256, mime, size, data, file_path, created_at)"
                             " VALUES (?, ?, ?, ?, ?, ?)"));
    q.addBindValue(sha256);
    q.addBindValue(mime.isEmpty() ? QStringLiteral("application/octet-stream") : mime);
    q.addBindValue(size);
    q.addBindValue(data ? QVariant(data->isNull() ? QByteArray("") : *data) : QVariant(QMetaType(QMetaType::QByteArray)));
    q.addBindValue(filePath.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(filePath));
    q.addBindValue(now());
    TS_RETURN_IF_ERROR(execPrepared(q, QStringLiteral("storing attachment")));
    return q.lastInsertId().toLongLong();
}

Result<qint64> SessionStore::storeAttachment(const QByteArray& data, const QString& mime) {
    const QString sha = QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    TS_ASSIGN_OR_RETURN(const qint64 id, insertAttachment(sha, mime, data.size(), &data, {}));
    TS_RETURN_IF_ERROR(tx.commit());
    return id;
}

Result<qint64> SessionStore::storeAttachmentFile(const QString& filePath, const QString& mime) {
    QFile f(filePath);
    if (!f.open(QIODevice::ReadOnly)) {
        return make_error(ErrorCode::io_error, QStringLiteral("session store: cannot read attachment '%1': %2")
                                                   .arg(filePath, f.errorString())
                                                   .toStdString());
    }
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&f)) {
        return make_error(ErrorCode::io_error,
                          QStringLiteral("session store: cannot hash '%1'").arg(filePath).toStdString());
    }
    const QString sha = QString::fromLatin1(hash.result().toHex());
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    TS_ASSIGN_OR_RETURN(const qint64 id,
                        insertAttachment(sha, mime, f.size(), nullptr, QFileInfo(filePath).absoluteFilePath()));
    TS_RETURN_IF_ERROR(tx.commit());
    return id;
}

Status SessionStore::attachToMessage(qint64 messageId, qint64 attachmentId, const QString& name) {
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    TS_RETURN_IF_ERROR(message(messageId).status());
    TS_RETURN_IF_ERROR(attachment(attachmentId).status());
    QSqlQuery q = query();
    q.prepare(QStringLiteral("INSERT INTO message_attachments (message_id, position, attachment_id, name)"
                             " VALUES (?, (SELECT COALESCE(MAX(position) + 1, 0) FROM message_attachments"
                             "             WHERE message_id = ?), ?, ?)"));
    q.addBindValue(messageId);
    q.addBindValue(messageId);
    q.addBindValue(attachmentId);
    q.addBindValue(textValue(name));
    TS_RETURN_IF_ERROR(execPrepared(q, QStringLiteral("attaching")));
    return tx.commit();
}

Result<AttachmentInfo> SessionStore::attachment(qint64 attachmentId) const {
    QSqlQuery q = query();
    q.prepare(QStringLiteral("SELECT %1 FROM attachments a WHERE a.id = ?").arg(kAttachmentColumns));
    q.addBindValue(attachmentId);
    if (!q.exec()) return sqlError(QStringLiteral("reading attachment"), q);
    if (!q.next()) return notFound("attachment", attachmentId);
    return readAttachment(q);
}

Result<QList<AttachmentInfo>> SessionStore::messageAttachments(qint64 messageId) const {
    QSqlQuery q = query();
    q.prepare(QStringLiteral("SELECT %1, ma.name, ma.position FROM message_attachments ma"
                             " JOIN attachments a ON a.id = ma.attachment_id"
                             " WHERE ma.message_id = ? ORDER BY ma.position")
                  .arg(kAttachmentColumns));
    q.addBindValue(messageId);
    if (!q.exec()) return sqlError(QStringLiteral("reading attachments"), q);
    QList<AttachmentInfo> out;
    while (q.next()) {
        AttachmentInfo a = readAttachment(q);
        a.name = q.value(5).toString();
        a.position = q.value(6).toInt();
        out.append(a);
    }
    return out;
}

Result<QByteArray> SessionStore::attachmentData(qint64 attachmentId) const {
    QSqlQuery q = query();
    q.prepare(QStringLiteral("SELECT data, file_path, sha256 FROM attachments WHERE id = ?"));
    q.addBindValue(attachmentId);
    if (!q.exec()) return sqlError(QStringLiteral("reading attachment"), q);
    if (!q.next()) return notFound("attachment", attachmentId);
    if (!q.value(0).isNull()) return q.value(0).toByteArray();
    const QString path = q.value(1).toString();
    const QString sha = q.value(2).toString();
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return make_error(ErrorCode::io_error, QStringLiteral("session store: attachment file '%1' cannot be read: %2")
                                                   .arg(path, f.errorString())
                                                   .toStdString());
    }
    QByteArray bytes = f.readAll();
    if (QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex()) != sha) {
        return make_error(ErrorCode::format_error,
                          QStringLiteral("session store: attachment file '%1' changed since it was attached").arg(path).toStdString());
    }
    return bytes;
}

Result<int> SessionStore::purgeOrphanAttachments() {
    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    QSqlQuery q = query();
    if (!q.exec(QStringLiteral("DELETE FROM attachments WHERE id NOT IN (SELECT attachment_id FROM message_attachments)"))) {
        return sqlError(QStringLiteral("purging attachments"), q);
    }
    const int n = q.numRowsAffected();
    TS_RETURN_IF_ERROR(tx.commit());
    return n;
}

}  // namespace tessera
