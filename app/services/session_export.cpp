// SessionStore export (Markdown, JSON) and import (JSON).
//
// JSON document (kExportFormat, kExportVersion 1):
// {
//   "format": "tessera.sessions", "version": 1, "exported_at": <ms>,
//   "sessions": [ {
//       "title", "created_at", "updated_at", "system_prompt", "sampling": {..}, "model_path",
//       "pinned", "archived", "deleted_at" (only when soft-deleted),
//       "messages": [ {                      // parents before children
//           "id": <index in this list>, "parent": <index> | null,
//           "role", "content", "created_at", "model", "sampling": {..}, "timings": {..},
//           "n_prompt_tokens", "n_gen_tokens", "state", "selected",
//           "attachments": [ { "sha256", "name" } ]   // only when there are some, in order
//       } ] } ],
//   "attachments": [ { "sha256", "mime", "size", "data": <base64> | "file_path": <path> } ]
// }
// Message ids are positions in the export, not database ids, so export(import(x)) == x apart
// from "exported_at".
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QCryptographicHash>
#include <QHash>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimeZone>
#include <algorithm>

#include "app/services/session_store.h"

namespace tessera {

namespace {

Status exportSqlError(const QString& what, const QSqlQuery& q) {
    return make_error(ErrorCode::io_error,
                      QStringLiteral("session store: %1: %2").arg(what, q.lastError().text()).toStdString());
}

Status importError(const QString& what) {
    return make_error(ErrorCode::format_error, QStringLiteral("session import: %1").arg(what).toStdString());
}

QString utcText(qint64 ms) {
    return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc()).toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"));
}

QString roleHeading(MessageRole role) {
    switch (role) {
        case MessageRole::system: return QStringLiteral("System");
        case MessageRole::user: return QStringLiteral("User");
        case MessageRole::assistant: return QStringLiteral("Assistant");
        case MessageRole::tool: return QStringLiteral("Tool");
    }
    return QStringLiteral("User");
}

QString jsonCompact(const QJsonObject& o) { return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)); }

bool isSha256Hex(const QString& s) {
    if (s.size() != 64) return false;
    for (QChar c : s) {
        if (!((c >= QLatin1Char('0') && c <= QLatin1Char('9')) || (c >= QLatin1Char('a') && c <= QLatin1Char('f')))) {
            return false;
        }
    }
    return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Markdown

Result<QString> SessionStore::exportSessionMarkdown(qint64 sessionId) const {
    TS_ASSIGN_OR_RETURN(const SessionInfo info, session(sessionId));
    TS_ASSIGN_OR_RETURN(const QList<MessageRecord> path, activePath(sessionId));

    QString md;
    md += QStringLiteral("# %1\n\n").arg(info.title.isEmpty() ? QStringLiteral("Untitled") : info.title);
    md += QStringLiteral("- Created: %1\n- Updated: %2\n").arg(utcText(info.createdAt), utcText(info.updatedAt));
    if (!info.settings.modelPath.isEmpty()) md += QStringLiteral("- Model: `%1`\n").arg(info.settings.modelPath);
    if (!info.settings.sampling.isEmpty()) {
        md += QStringLiteral("- Sampling: `%1`\n").arg(jsonCompact(info.settings.sampling));
    }
    if (!info.settings.systemPrompt.isEmpty()) {
        md += QStringLiteral("\n**System prompt**\n\n");
        for (const QString& line : info.settings.systemPrompt.split(QLatin1Char('\n'))) {
            md += QStringLiteral("> %1\n").arg(line);
        }
    }

    for (const MessageRecord& m : path) {
        md += QStringLiteral("\n## %1").arg(roleHeading(m.role));
        if (!m.model.isEmpty()) md += QStringLiteral(" · %1").arg(m.model);
        md += QStringLiteral("\n\n");
        TS_ASSIGN_OR_RETURN(const SiblingInfo sib, siblings(m.id));
        QStringList notes;
        if (sib.ids.size() > 1) notes << QStringLiteral("branch %1 of %2").arg(sib.index + 1).arg(sib.ids.size());
        if (m.state == MessageState::interrupted) notes << QStringLiteral("interrupted");
        if (m.state == MessageState::streaming) notes << QStringLiteral("still generating");
        if (!notes.isEmpty()) md += QStringLiteral("*(%1)*\n\n").arg(notes.join(QStringLiteral(", ")));
        md += m.content;
        if (!m.content.endsWith(QLatin1Char('\n'))) md += QLatin1Char('\n');
        TS_ASSIGN_OR_RETURN(const QList<AttachmentInfo> atts, messageAttachments(m.id));
        if (!atts.isEmpty()) {
            md += QStringLiteral("\nAttachments:\n");
            for (const AttachmentInfo& a : atts) {
                md += QStringLiteral("- %1 (%2, %3 bytes, sha256 %4)\n")
                          .arg(a.name.isEmpty() ? QStringLiteral("unnamed") : a.name, a.mime)
                          .arg(a.size)
                          .arg(a.sha256.left(12));
            }
        }
    }
    return md;
}

Result<QString> SessionStore::exportAllMarkdown(const SessionFilter& filter) const {
    TS_ASSIGN_OR_RETURN(const QList<SessionInfo> sessions, listSessions(filter));
    QStringList parts;
    for (const SessionInfo& s : sessions) {
        TS_ASSIGN_OR_RETURN(QString md, exportSessionMarkdown(s.id));
        parts << md;
    }
    return parts.join(QStringLiteral("\n---\n\n"));
}

// ---------------------------------------------------------------------------------------------
// JSON export

Result<QJsonObject> SessionStore::sessionToJson(const SessionInfo& info, QJsonObject* attachments) const {
    QJsonObject s;
    s[QStringLiteral("title")] = info.title;
    s[QStringLiteral("created_at")] = info.createdAt;
    s[QStringLiteral("updated_at")] = info.updatedAt;
    s[QStringLiteral("system_prompt")] = info.settings.systemPrompt;
    s[QStringLiteral("sampling")] = info.settings.sampling;
    s[QStringLiteral("model_path")] = info.settings.modelPath;
    s[QStringLiteral("pinned")] = info.pinned;
    s[QStringLiteral("archived")] = info.archived;
    if (info.deletedAt != 0) s[QStringLiteral("deleted_at")] = info.deletedAt;

    TS_ASSIGN_OR_RETURN(const QList<MessageRecord> messages,
                        selectMessages(QStringLiteral("m.session_id = ?"), {info.id}, QStringLiteral("m.id")));

    // Attachment links of the whole session in one query, grouped by message.
    QHash<qint64, QJsonArray> links;
    {
        QSqlQuery q = query();
        q.prepare(QStringLiteral("SELECT ma.message_id, a.sha256, ma.name, a.mime, a.size, a.data, a.file_path"
                                 " FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id"
                                 " JOIN messages m ON m.id = ma.message_id"
                                 " WHERE m.session_id = ? ORDER BY ma.message_id, ma.position"));
        q.addBindValue(info.id);
        if (!q.exec()) return exportSqlError(QStringLiteral("reading attachments"), q);
        while (q.next()) {
            const QString sha = q.value(1).toString();
            links[q.value(0).toLongLong()].append(QJsonObject{{QStringLiteral("sha256"), sha},
                                                              {QStringLiteral("name"), q.value(2).toString()}});
            if (!attachments->contains(sha)) {
                QJsonObject a{{QStringLiteral("sha256"), sha},
                              {QStringLiteral("mime"), q.value(3).toString()},
                              {QStringLiteral("size"), q.value(4).toLongLong()}};
                if (!q.value(5).isNull()) {
                    a[QStringLiteral("data")] = QString::fromLatin1(q.value(5).toByteArray().toBase64());
                } else {
                    a[QStringLiteral("file_path")] = q.value(6).toString();
                }
                (*attachments)[sha] = a;
            }
        }
    }

    QHash<qint64, int> indexOf;  // database id -> position in the export
    QJsonArray out;
    for (const MessageRecord& m : messages) {
        const int index = static_cast<int>(out.size());
        indexOf.insert(m.id, index);
        QJsonObject o;
        o[QStringLiteral("id")] = index;
        if (m.parentId != 0) {
            // Parents have smaller ids (inserted first), so they are already numbered.
            const auto it = indexOf.constFind(m.parentId);
            if (it == indexOf.constEnd()) {
                return make_error(ErrorCode::internal, "export: message " + std::to_string(m.id) +
                                                           " comes before its parent " + std::to_string(m.parentId));
            }
            o[QStringLiteral("parent")] = it.value();
        } else {
            o[QStringLiteral("parent")] = QJsonValue::Null;
        }
        o[QStringLiteral("role")] = messageRoleName(m.role);
        o[QStringLiteral("content")] = m.content;
        o[QStringLiteral("created_at")] = m.createdAt;
        o[QStringLiteral("model")] = m.model;
        o[QStringLiteral("sampling")] = m.sampling;
        o[QStringLiteral("timings")] = m.timings;
        o[QStringLiteral("n_prompt_tokens")] = m.nPromptTokens;
        o[QStringLiteral("n_gen_tokens")] = m.nGenTokens;
        o[QStringLiteral("state")] = messageStateName(m.state);
        o[QStringLiteral("selected")] = m.selected;
        const auto link = links.constFind(m.id);
        if (link != links.constEnd()) o[QStringLiteral("attachments")] = link.value();
        out.append(o);
    }
    s[QStringLiteral("messages")] = out;
    return s;
}

namespace {
QJsonObject exportDocument(qint64 exportedAt, const QJsonArray& sessions, const QJsonObject& attachmentsBySha) {
    QJsonArray atts;
    for (auto it = attachmentsBySha.constBegin(); it != attachmentsBySha.constEnd(); ++it) atts.append(it.value());
    return QJsonObject{{QStringLiteral("format"), QString::fromLatin1(SessionStore::kExportFormat)},
                       {QStringLiteral("version"), SessionStore::kExportVersion},
                       {QStringLiteral("exported_at"), exportedAt},
                       {QStringLiteral("sessions"), sessions},
                       {QStringLiteral("attachments"), atts}};
}
}  // namespace

Result<QJsonObject> SessionStore::exportSessionJson(qint64 sessionId) const {
    TS_ASSIGN_OR_RETURN(const SessionInfo info, session(sessionId));
    QJsonObject attachments;
    TS_ASSIGN_OR_RETURN(const QJsonObject s, sessionToJson(info, &attachments));
    return exportDocument(now(), QJsonArray{s}, attachments);
}

Result<QJsonObject> SessionStore::exportAllJson(const SessionFilter& filter) const {
    TS_ASSIGN_OR_RETURN(QList<SessionInfo> sessions, listSessions(filter));
    // Oldest first, so that an import recreates them in their original order.
    std::sort(sessions.begin(), sessions.end(), [](const SessionInfo& a, const SessionInfo& b) {
        return a.createdAt != b.createdAt ? a.createdAt < b.createdAt : a.id < b.id;
    });
    QJsonObject attachments;
    QJsonArray out;
    for (const SessionInfo& info : sessions) {
        TS_ASSIGN_OR_RETURN(const QJsonObject s, sessionToJson(info, &attachments));
        out.append(s);
    }
    return exportDocument(now(), out, attachments);
}

// ---------------------------------------------------------------------------------------------
// JSON import

Result<qint64> SessionStore::importSession(const QJsonObject& s, const QJsonObject& attachmentsBySha) {
    const qint64 t = now();
    QSqlQuery q = query();
    q.prepare(QStringLiteral("INSERT INTO sessions (title, created_at, updated_at, system_prompt, sampling, model_path,"
                             " pinned, archived, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    const qint64 created = s.value(QStringLiteral("created_at")).toInteger(t);
    q.addBindValue(textValue(s.value(QStringLiteral("title")).toString()));
    q.addBindValue(created);
    q.addBindValue(s.value(QStringLiteral("updated_at")).toInteger(created));
    q.addBindValue(textValue(s.value(QStringLiteral("system_prompt")).toString()));
    q.addBindValue(jsonCompact(s.value(QStringLiteral("sampling")).toObject()));
    q.addBindValue(textValue(s.value(QStringLiteral("model_path")).toString()));
    q.addBindValue(s.value(QStringLiteral("pinned")).toBool() ? 1 : 0);
    q.addBindValue(s.value(QStringLiteral("archived")).toBool() ? 1 : 0);
    const qint64 deletedAt = s.value(QStringLiteral("deleted_at")).toInteger(0);
    q.addBindValue(deletedAt > 0 ? QVariant(deletedAt) : QVariant(QMetaType(QMetaType::LongLong)));
    if (!q.exec()) return exportSqlError(QStringLiteral("importing session"), q);
    const qint64 sessionId = q.lastInsertId().toLongLong();

    QHash<qint64, qint64> idOf;          // export index -> new database id
    QHash<QString, qint64> attachmentOf;  // sha256 -> attachment id
    const QJsonArray messages = s.value(QStringLiteral("messages")).toArray();
    for (const QJsonValue& v : messages) {
        const QJsonObject m = v.toObject();
        const qint64 index = m.value(QStringLiteral("id")).toInteger(-1);
        if (index < 0 || idOf.contains(index)) {
            return importError(QStringLiteral("message without a unique \"id\" in session '%1'")
                                   .arg(s.value(QStringLiteral("title")).toString()));
        }
        QVariant parent(QMetaType(QMetaType::LongLong));
        const QJsonValue pv = m.value(QStringLiteral("parent"));
        if (!pv.isNull() && !pv.isUndefined()) {
            const auto it = idOf.constFind(pv.toInteger(-1));
            if (it == idOf.constEnd()) {
                return importError(QStringLiteral("message %1 names parent %2, which does not come before it")
                                       .arg(index)
                                       .arg(pv.toInteger(-1)));
            }
            parent = it.value();
        }
        MessageRole role;
        if (!messageRoleFromName(m.value(QStringLiteral("role")).toString(), &role)) {
            return importError(QStringLiteral("message %1 has unknown role '%2'")
                                   .arg(index)
                                   .arg(m.value(QStringLiteral("role")).toString()));
        }
        MessageState state = MessageState::complete;
        const QString stateName = m.value(QStringLiteral("state")).toString(QStringLiteral("complete"));
        if (!messageStateFromName(stateName, &state)) {
            return importError(QStringLiteral("message %1 has unknown state '%2'").arg(index).arg(stateName));
        }
        if (state == MessageState::streaming) state = MessageState::interrupted;  // nothing generates it now

        QSqlQuery ins = query();
        ins.prepare(QStringLiteral("INSERT INTO messages (session_id, parent_id, role, content, created_at, model,"
                                   " sampling, timings, n_prompt_tokens, n_gen_tokens, state, selected)"
                                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        ins.addBindValue(sessionId);
        ins.addBindValue(parent);
        ins.addBindValue(messageRoleName(role));
        ins.addBindValue(textValue(m.value(QStringLiteral("content")).toString()));
        ins.addBindValue(m.value(QStringLiteral("created_at")).toInteger(t));
        ins.addBindValue(textValue(m.value(QStringLiteral("model")).toString()));
        ins.addBindValue(jsonCompact(m.value(QStringLiteral("sampling")).toObject()));
        ins.addBindValue(jsonCompact(m.value(QStringLiteral("timings")).toObject()));
        ins.addBindValue(m.value(QStringLiteral("n_prompt_tokens")).toInt());
        ins.addBindValue(m.value(QStringLiteral("n_gen_tokens")).toInt());
        ins.addBindValue(messageStateName(state));
        ins.addBindValue(m.value(QStringLiteral("selected")).toBool(true) ? 1 : 0);
        if (!ins.exec()) return exportSqlError(QStringLiteral("importing message"), ins);
        const qint64 messageId = ins.lastInsertId().toLongLong();
        idOf.insert(index, messageId);

        int position = 0;
        for (const QJsonValue& lv : m.value(QStringLiteral("attachments")).toArray()) {
            const QJsonObject link = lv.toObject();
            const QString sha = link.value(QStringLiteral("sha256")).toString();
            qint64 attachmentId = attachmentOf.value(sha, 0);
            if (attachmentId == 0) {
                const QJsonObject a = attachmentsBySha.value(sha).toObject();
                if (a.isEmpty()) return importError(QStringLiteral("message %1 refers to attachment %2, which is not in the file").arg(index).arg(sha));
                const QString mime = a.value(QStringLiteral("mime")).toString();
                if (a.contains(QStringLiteral("data"))) {
                    const QByteArray data = QByteArray::fromBase64(a.value(QStringLiteral("data")).toString().toLatin1());
                    const QString actual =
                        QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
                    if (actual != sha) {
                        return importError(QStringLiteral("attachment %1: the data hashes to %2").arg(sha, actual));
                    }
                    TS_ASSIGN_OR_RETURN(attachmentId, insertAttachment(sha, mime, data.size(), &data, {}));
                } else {
                    const QString path = a.value(QStringLiteral("file_path")).toString();
                    if (path.isEmpty()) return importError(QStringLiteral("attachment %1 has neither data nor file_path").arg(sha));
                    TS_ASSIGN_OR_RETURN(attachmentId, insertAttachment(sha, mime, a.value(QStringLiteral("size")).toInteger(0),
                                                                       nullptr, path));
                }
                attachmentOf.insert(sha, attachmentId);
            }
            QSqlQuery linkQuery = query();
            linkQuery.prepare(QStringLiteral("INSERT INTO message_attachments (message_id, position, attachment_id, name)"
                                          " VALUES (?, ?, ?, ?)"));
            linkQuery.addBindValue(messageId);
            linkQuery.addBindValue(position++);
            linkQuery.addBindValue(attachmentId);
            linkQuery.addBindValue(textValue(link.value(QStringLiteral("name")).toString()));
            if (!linkQuery.exec()) return exportSqlError(QStringLiteral("importing attachment link"), linkQuery);
        }
    }
    return sessionId;
}

Result<QList<qint64>> SessionStore::importJson(const QJsonObject& document) {
    if (!isOpen()) return make_error(ErrorCode::invalid_argument, "session store is not open");
    if (document.value(QStringLiteral("format")).toString() != QLatin1String(kExportFormat)) {
        return importError(QStringLiteral("not a Tessera session export (\"format\" is '%1', expected '%2')")
                               .arg(document.value(QStringLiteral("format")).toString(), QLatin1String(kExportFormat)));
    }
    const int version = document.value(QStringLiteral("version")).toInt(0);
    if (version > kExportVersion) {
        return make_error(ErrorCode::unsupported,
                          QStringLiteral("session import: export version %1 is newer than this build's %2")
                              .arg(version)
                              .arg(kExportVersion)
                              .toStdString());
    }
    if (version < 1) return importError(QStringLiteral("missing or bad \"version\""));

    QJsonObject attachmentsBySha;
    for (const QJsonValue& v : document.value(QStringLiteral("attachments")).toArray()) {
        const QJsonObject a = v.toObject();
        const QString sha = a.value(QStringLiteral("sha256")).toString();
        if (!isSha256Hex(sha)) return importError(QStringLiteral("attachment with a bad sha256 '%1'").arg(sha));
        attachmentsBySha[sha] = a;
    }

    Transaction tx(m_db);
    TS_RETURN_IF_ERROR(tx.status());
    QList<qint64> ids;
    for (const QJsonValue& v : document.value(QStringLiteral("sessions")).toArray()) {
        TS_ASSIGN_OR_RETURN(const qint64 id, importSession(v.toObject(), attachmentsBySha));
        ids.append(id);
    }
    TS_RETURN_IF_ERROR(tx.commit());
    return ids;
}

}  // namespace tessera
