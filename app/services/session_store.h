#pragma once
// SessionStore: chat sessions in one SQLite file (Qt Sql, QSQLITE driver).
//
// - A plain class (no QObject): use it from one thread at a time. A QObject worker that owns one
//   on its own QThread (STYLE.md, "Threads") can wrap it later.
// - Each instance has its own QSqlDatabase connection (unique name), so several stores, on
//   several threads, may open the same file; WAL lets readers run beside one writer.
// - Schema version in PRAGMA user_version; one migration function per step (v0 -> v1 -> v2),
//   each in one transaction. A new file goes through every step, so there is a single path to
//   the current schema. WAL, foreign_keys = ON, synchronous = NORMAL (a committed transaction
//   survives the process being killed; only a power cut may lose the last few).
// - Every write is one transaction.
//
// Model:
//   session  — title, system prompt, sampling settings (JSON), model path, pinned/archived flags,
//              soft-deleted (deleteSession / undeleteSession / purgeDeletedSessions).
//   message  — a tree per session: parent_id (0 = a root). Editing adds a sibling (never erases).
//              Among siblings exactly one is `selected`: the active path is the selected root,
//              then the selected child of each message, down to a leaf. The newest sibling
//              becomes the selected one; selectMessage() switches (‹ 2/3 › navigation).
//   state    — complete, streaming (a generation is appending to it), interrupted (it stopped
//              early: cancelled, or the app died; open() turns leftover `streaming` rows into
//              `interrupted`).
//   attachment — stored once per content (sha256), inline blob or a file path, linked to
//              messages by message_attachments.
//   search   — FTS5 over message content, kept in sync by triggers (a streaming message is
//              indexed once, when it stops streaming, so appends stay cheap).
#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QVariant>
#include <functional>
#include <memory>

#include "engine/core/status.h"

class QSqlQuery;

namespace tessera {

enum class MessageRole { system, user, assistant, tool };
enum class MessageState { complete, streaming, interrupted };

QString messageRoleName(MessageRole role);         // "system", "user", "assistant", "tool"
bool messageRoleFromName(const QString& name, MessageRole* role);
QString messageStateName(MessageState state);       // "complete", "streaming", "interrupted"
bool messageStateFromName(const QString& name, MessageState* state);

// Times are milliseconds since the Unix epoch, UTC.
struct SessionSettings {
    QString systemPrompt;
    QJsonObject sampling;  // SamplerParams as JSON (the app's schema; opaque to the store)
    QString modelPath;
};

struct SessionInfo {
    qint64 id = 0;
    QString title;
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
    SessionSettings settings;
    bool pinned = false;
    bool archived = false;
    qint64 deletedAt = 0;  // 0 = not deleted
    int messageCount = 0;  // all messages of the tree
};

struct SessionFilter {
    bool includeArchived = false;
    bool includeDeleted = false;  // soft-deleted sessions (the "trash")
};

// What the caller supplies for a new message.
struct NewMessage {
    MessageRole role = MessageRole::user;
    QString content;
    QString model;         // model that wrote it (assistant), empty otherwise
    QJsonObject sampling;  // sampler settings used (assistant)
    QJsonObject timings;   // e.g. {"prompt_ms":..,"gen_ms":..,"tokens_per_s":..}
    int nPromptTokens = 0;
    int nGenTokens = 0;
    MessageState state = MessageState::complete;
};

struct MessageRecord {
    qint64 id = 0;
    qint64 sessionId = 0;
    qint64 parentId = 0;  // 0 = a root of the session's tree
    MessageRole role = MessageRole::user;
    QString content;
    qint64 createdAt = 0;
    QString model;
    QJsonObject sampling;
    QJsonObject timings;
    int nPromptTokens = 0;
    int nGenTokens = 0;
    MessageState state = MessageState::complete;
    bool selected = false;  // the selected one among its siblings
    bool interrupted() const { return state == MessageState::interrupted; }
};

// A message's place among its siblings (same parent, or the roots of one session), oldest first.
// The UI shows "‹ index + 1 / ids.size() ›".
struct SiblingInfo {
    QList<qint64> ids;
    int index = 0;
};

struct SearchHit {
    qint64 sessionId = 0;
    QString sessionTitle;
    qint64 messageId = 0;
    MessageRole role = MessageRole::user;
    QString snippet;  // matched terms wrapped in [ and ], "…" where text was cut
    double rank = 0;  // bm25, lower is better; hits come best first
};

struct AttachmentInfo {
    qint64 id = 0;
    QString sha256;  // lowercase hex of the content
    QString mime;
    qint64 size = 0;
    QString filePath;        // non-empty: stored as a path to a file, not in the database
    QString name;            // per message: the name shown (original file name)
    int position = 0;        // per message: order of the attachment in the message
};

class SessionStore {
public:
    static constexpr int kSchemaVersion = 2;

    struct OpenOptions {
        // Stop migrating at this version (tests build old databases with it). <= kSchemaVersion.
        int targetVersion = kSchemaVersion;
        // Mark messages left `streaming` by a previous run as `interrupted` (see open()).
        bool recoverStreams = true;
    };

    SessionStore();
    ~SessionStore();
    SessionStore(const SessionStore&) = delete;
    SessionStore& operator=(const SessionStore&) = delete;

    // <AppDataLocation>/sessions.db (the XDG data dir on Linux); its folder is created.
    static QString defaultDatabasePath();

    // Opens (creating if needed) the database at `path` (":memory:" for a private in-memory one),
    // migrates it to the current schema and, with recoverStreams, marks stale streaming messages
    // interrupted. Fails with unsupported for a database from a newer Tessera, format_error for
    // a file that is not a Tessera database, io_error when it cannot be opened.
    Status open(const QString& path, const OpenOptions& options);
    Status open(const QString& path) { return open(path, OpenOptions{}); }
    void close();
    bool isOpen() const;
    QString path() const { return m_path; }
    int schemaVersion() const;              // PRAGMA user_version; -1 when closed
    int recoveredStreamCount() const { return m_recoveredStreams; }  // from the last open()

    // --- sessions ---
    Result<qint64> createSession(const QString& title, const SessionSettings& settings = {});
    Status renameSession(qint64 sessionId, const QString& title);
    Status setSessionSettings(qint64 sessionId, const SessionSettings& settings);
    Status setSessionPinned(qint64 sessionId, bool pinned);
    Status setSessionArchived(qint64 sessionId, bool archived);
    Result<SessionInfo> session(qint64 sessionId) const;
    // Pinned first, then most recently updated.
    Result<QList<SessionInfo>> listSessions(const SessionFilter& filter = {}) const;
    // Soft delete: hidden from listSessions and search until undeleteSession or a purge.
    Status deleteSession(qint64 sessionId);
    Status undeleteSession(qint64 sessionId);
    // Erases sessions deleted at or before `deletedBefore` (ms; default: all of them) with their
    // messages, then attachments no message uses. Returns the number of sessions erased.
    Result<int> purgeDeletedSessions(qint64 deletedBefore = -1);

    // --- messages ---
    // Adds a message under `parentId` (0: a new root) in `sessionId`; it becomes the selected
    // one among its siblings. The parent must belong to the same session.
    Result<qint64> addMessage(qint64 sessionId, qint64 parentId, const NewMessage& message);
    // Edit = a new sibling of `messageId` with `content` (role, model and the rest copied, state
    // complete), selected. The original stays. Returns the new message's id.
    Result<qint64> editMessage(qint64 messageId, const QString& content);
    Result<MessageRecord> message(qint64 messageId) const;
    // Root to `leafId`, inclusive.
    Result<QList<MessageRecord>> branchPath(qint64 leafId) const;
    // The selected root, then the selected child of each message, to a leaf. Empty for an empty
    // session.
    Result<QList<MessageRecord>> activePath(qint64 sessionId) const;
    Result<QList<MessageRecord>> children(qint64 messageId) const;  // oldest first
    Result<SiblingInfo> siblings(qint64 messageId) const;
    // Makes `messageId` the selected one among its siblings, and each of its ancestors among
    // theirs, so that it lies on the active path.
    Status selectMessage(qint64 messageId);

    // --- streaming ---
    // Appends `delta` to the content (one small transaction; no full-text indexing while
    // streaming). nGenTokens >= 0 also records the running token count.
    Status appendToMessage(qint64 messageId, const QString& delta, int nGenTokens = -1);
    // Ends a stream: state complete or interrupted; timings / counts recorded (counts < 0 leave
    // them as they are). The content is indexed for search here.
    Status finishMessage(qint64 messageId, MessageState state, const QJsonObject& timings = {},
                         int nPromptTokens = -1, int nGenTokens = -1);
    // Messages still `streaming` become `interrupted`; returns how many. open() calls this.
    Result<int> recoverInterruptedStreams();

    // --- search ---
    // Full-text search over message content of live (not deleted) sessions, best first.
    // `query` is plain user text: each word must occur (the last may be a prefix); no FTS syntax.
    Result<QList<SearchHit>> search(const QString& query, int limit = 50) const;

    // --- attachments ---
    // Stores `data` once per content; returns the attachment id (the existing one if the same
    // bytes were stored before).
    Result<qint64> storeAttachment(const QByteArray& data, const QString& mime);
    // Same, for a file left where it is: the store hashes it and keeps its path.
    Result<qint64> storeAttachmentFile(const QString& filePath, const QString& mime);
    Status attachToMessage(qint64 messageId, qint64 attachmentId, const QString& name = {});
    Result<QList<AttachmentInfo>> messageAttachments(qint64 messageId) const;
    Result<AttachmentInfo> attachment(qint64 attachmentId) const;
    Result<QByteArray> attachmentData(qint64 attachmentId) const;  // the blob, or the file's bytes
    Result<int> purgeOrphanAttachments();  // attachments no message refers to

    // --- export / import (session_export.cpp) ---
    // Markdown of the active path (what the user sees), one section per message.
    Result<QString> exportSessionMarkdown(qint64 sessionId) const;
    Result<QString> exportAllMarkdown(const SessionFilter& filter = {}) const;
    // JSON of whole trees, attachments included (inline ones base64): see kExportFormat.
    Result<QJsonObject> exportSessionJson(qint64 sessionId) const;
    Result<QJsonObject> exportAllJson(const SessionFilter& filter = {}) const;
    // Imports every session of an export as new sessions; returns their ids.
    Result<QList<qint64>> importJson(const QJsonObject& document);
    static constexpr const char* kExportFormat = "tessera.sessions";
    static constexpr int kExportVersion = 1;

    // Time source (ms since epoch) for created/updated stamps; tests pin it.
    void setClock(std::function<qint64()> clock);

private:
    // BEGIN IMMEDIATE (the write lock up front, so two readers never deadlock upgrading);
    // ROLLBACK on destruction unless committed.
    class Transaction {
    public:
        explicit Transaction(QSqlDatabase& db);
        ~Transaction();
        Transaction(const Transaction&) = delete;
        Transaction& operator=(const Transaction&) = delete;
        const Status& status() const { return m_status; }
        Status commit();

    private:
        QSqlDatabase& m_db;
        bool m_active = false;
        Status m_status;
    };

    qint64 now() const;
    // Qt binds a null QString as SQL NULL; the text columns are NOT NULL, so bind "" instead.
    static QVariant textValue(const QString& s);
    QSqlQuery query() const;
    Status runMigrations(int targetVersion);
    Status ensureSessionExists(qint64 sessionId) const;
    Result<QList<SessionInfo>> selectSessions(const QString& where, const QList<QVariant>& binds) const;
    Result<QList<MessageRecord>> selectMessages(const QString& where, const QList<QVariant>& binds,
                                                const QString& order = QStringLiteral("m.id")) const;
    Status touchSession(qint64 sessionId);
    Status markSelected(qint64 sessionId, qint64 parentId, qint64 messageId);
    Result<qint64> insertAttachment(const QString& sha256, const QString& mime, qint64 size,
                                    const QByteArray* data, const QString& filePath);
    Result<QJsonObject> sessionToJson(const SessionInfo& info, QJsonObject* attachments) const;
    Result<qint64> importSession(const QJsonObject& session, const QJsonObject& attachmentsBySha);

    QString m_connectionName;
    QString m_path;
    QSqlDatabase m_db;
    std::unique_ptr<QSqlQuery> m_appendQuery;  // prepared once: the streaming hot path
    int m_recoveredStreams = 0;
    std::function<qint64()> m_clock;
};

}  // namespace tessera
