#pragma once
// MessageListModel: the messages of one session's active branch path (root to leaf), with each
// message's place among its siblings for the ‹ 2/3 › navigation. It changes only on the GUI thread:
// ChatController applies the values the InferenceWorker sent through queued signals (appendText,
// setMessageState) and reloads the path from the SessionStore after structural changes.
#include <QAbstractListModel>
#include <QList>

#include "app/services/session_store.h"

namespace tessera {

struct MessageEntry {
    MessageRecord record;
    int siblingIndex = 0;  // 0-based place among its siblings
    int siblingCount = 1;
};

class MessageListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        ParentIdRole,
        MessageRoleRole,  // MessageRole as int
        RoleNameRole,     // "user", "assistant", ...
        ContentRole,
        StateRole,        // MessageState as int
        StreamingRole,    // bool
        SiblingIndexRole,
        SiblingCountRole,
        ModelNameRole,
        CreatedAtRole,
        TokensPerSecondRole,  // from the timings, 0 when unknown
        GeneratedTokensRole,
    };

    explicit MessageListModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    qint64 sessionId() const { return m_sessionId; }
    // Replaces the whole path (a session was opened, a branch switched).
    void setMessages(qint64 sessionId, const QList<MessageEntry>& messages);
    void clear();
    void appendMessage(const MessageEntry& entry);
    // Replaces the row of entry.record.id; false when absent.
    bool updateMessage(const MessageEntry& entry);
    // Appends streamed text to a message; false when the id is not on the path.
    bool appendText(qint64 messageId, const QString& delta);
    bool setMessageState(qint64 messageId, MessageState state);
    bool setMessageTimings(qint64 messageId, const QJsonObject& timings, int nGenTokens);

    int rowOfId(qint64 messageId) const;  // -1 when absent
    const MessageEntry* entry(qint64 messageId) const;
    const QList<MessageEntry>& messages() const { return m_messages; }
    qint64 lastId() const { return m_messages.isEmpty() ? 0 : m_messages.last().record.id; }

private:
    qint64 m_sessionId = 0;
    QList<MessageEntry> m_messages;
};

}  // namespace tessera
