#include "ui/models/message_list_model.h"

namespace tessera {

MessageListModel::MessageListModel(QObject* parent) : QAbstractListModel(parent) {}

int MessageListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_messages.size());
}

QVariant MessageListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const MessageEntry& e = m_messages.at(index.row());
    const MessageRecord& m = e.record;
    switch (role) {
        case Qt::DisplayRole:
        case ContentRole: return m.content;
        case Qt::AccessibleTextRole: return tr("%1: %2").arg(messageRoleName(m.role), m.content);
        case IdRole: return m.id;
        case ParentIdRole: return m.parentId;
        case MessageRoleRole: return static_cast<int>(m.role);
        case RoleNameRole: return messageRoleName(m.role);
        case StateRole: return static_cast<int>(m.state);
        case StreamingRole: return m.state == MessageState::streaming;
        case SiblingIndexRole: return e.siblingIndex;
        case SiblingCountRole: return e.siblingCount;
        case ModelNameRole: return m.model;
        case CreatedAtRole: return m.createdAt;
        case TokensPerSecondRole: return m.timings.value(QStringLiteral("tokens_per_s")).toDouble();
        case GeneratedTokensRole: return m.nGenTokens;
        default: return {};
    }
}

QHash<int, QByteArray> MessageListModel::roleNames() const {
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(IdRole, "messageId");
    names.insert(ParentIdRole, "parentId");
    names.insert(MessageRoleRole, "messageRole");
    names.insert(RoleNameRole, "roleName");
    names.insert(ContentRole, "content");
    names.insert(StateRole, "state");
    names.insert(StreamingRole, "streaming");
    names.insert(SiblingIndexRole, "siblingIndex");
    names.insert(SiblingCountRole, "siblingCount");
    names.insert(ModelNameRole, "modelName");
    names.insert(CreatedAtRole, "createdAt");
    names.insert(TokensPerSecondRole, "tokensPerSecond");
    names.insert(GeneratedTokensRole, "generatedTokens");
    return names;
}

void MessageListModel::setMessages(qint64 sessionId, const QList<MessageEntry>& messages) {
    beginResetModel();
    m_sessionId = sessionId;
    m_messages = messages;
    endResetModel();
}

void MessageListModel::clear() { setMessages(0, {}); }

void MessageListModel::appendMessage(const MessageEntry& entry) {
    const int row = rowCount();
    beginInsertRows({}, row, row);
    m_messages.append(entry);
    endInsertRows();
}

bool MessageListModel::updateMessage(const MessageEntry& entry) {
    const int row = rowOfId(entry.record.id);
    if (row < 0) return false;
    m_messages[row] = entry;
    emit dataChanged(index(row), index(row));
    return true;
}

bool MessageListModel::appendText(qint64 messageId, const QString& delta) {
    const int row = rowOfId(messageId);
    if (row < 0) return false;
    if (delta.isEmpty()) return true;
    m_messages[row].record.content += delta;
    emit dataChanged(index(row), index(row), {Qt::DisplayRole, ContentRole, Qt::AccessibleTextRole});
    return true;
}

bool MessageListModel::setMessageState(qint64 messageId, MessageState state) {
    const int row = rowOfId(messageId);
    if (row < 0) return false;
    if (m_messages[row].record.state == state) return true;
    m_messages[row].record.state = state;
    emit dataChanged(index(row), index(row), {StateRole, StreamingRole});
    return true;
}

bool MessageListModel::setMessageTimings(qint64 messageId, const QJsonObject& timings, int nGenTokens) {
    const int row = rowOfId(messageId);
    if (row < 0) return false;
    m_messages[row].record.timings = timings;
    m_messages[row].record.nGenTokens = nGenTokens;
    emit dataChanged(index(row), index(row), {TokensPerSecondRole, GeneratedTokensRole});
    return true;
}

int MessageListModel::rowOfId(qint64 messageId) const {
    // Streaming appends hit the last row: search from the end.
    for (qsizetype i = m_messages.size() - 1; i >= 0; --i)
        if (m_messages[i].record.id == messageId) return static_cast<int>(i);
    return -1;
}

const MessageEntry* MessageListModel::entry(qint64 messageId) const {
    const int row = rowOfId(messageId);
    return row < 0 ? nullptr : &m_messages[row];
}

}  // namespace tessera
