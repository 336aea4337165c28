#include "ui/models/session_list_model.h"

namespace tessera {

SessionListModel::SessionListModel(QObject* parent) : QAbstractListModel(parent) {}

int SessionListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_sessions.size());
}

QVariant SessionListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const SessionInfo& s = m_sessions.at(index.row());
    switch (role) {
        case Qt::DisplayRole:
        case Qt::EditRole:
        case TitleRole: return s.title;
        case Qt::ToolTipRole: return s.title;
        case Qt::AccessibleTextRole: return tr("Chat: %1").arg(s.title);
        case IdRole: return s.id;
        case UpdatedAtRole: return s.updatedAt;
        case PinnedRole: return s.pinned;
        case MessageCountRole: return s.messageCount;
        case ActiveRole: return s.id == m_activeId;
        default: return {};
    }
}

bool SessionListModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (role != Qt::EditRole || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return false;
    const QString title = value.toString().simplified();
    if (title.isEmpty()) return false;
    SessionInfo& s = m_sessions[index.row()];
    if (title == s.title) return true;
    const qint64 id = s.id;
    s.title = title;
    emit dataChanged(index, index, {Qt::DisplayRole, Qt::EditRole, TitleRole, Qt::ToolTipRole});
    emit renameRequested(id, title);
    return true;
}

Qt::ItemFlags SessionListModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable | Qt::ItemNeverHasChildren;
}

QHash<int, QByteArray> SessionListModel::roleNames() const {
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(IdRole, "sessionId");
    names.insert(TitleRole, "title");
    names.insert(UpdatedAtRole, "updatedAt");
    names.insert(PinnedRole, "pinned");
    names.insert(MessageCountRole, "messageCount");
    names.insert(ActiveRole, "active");
    return names;
}

void SessionListModel::setSessions(const QList<SessionInfo>& sessions) {
    bool sameIds = sessions.size() == m_sessions.size();
    for (qsizetype i = 0; sameIds && i < sessions.size(); ++i) sameIds = sessions[i].id == m_sessions[i].id;
    if (sameIds) {
        m_sessions = sessions;
        if (!m_sessions.isEmpty()) emit dataChanged(index(0), index(rowCount() - 1));
        return;
    }
    beginResetModel();
    m_sessions = sessions;
    endResetModel();
}

void SessionListModel::updateSession(const SessionInfo& info) {
    const int row = rowOfId(info.id);
    if (row < 0) return;
    m_sessions[row] = info;
    emit dataChanged(index(row), index(row));
}

void SessionListModel::removeSession(qint64 id) {
    const int row = rowOfId(id);
    if (row < 0) return;
    beginRemoveRows({}, row, row);
    m_sessions.removeAt(row);
    endRemoveRows();
}

void SessionListModel::setActiveSessionId(qint64 id) {
    if (id == m_activeId) return;
    const int oldRow = rowOfId(m_activeId);
    m_activeId = id;
    const int newRow = rowOfId(id);
    if (oldRow >= 0) emit dataChanged(index(oldRow), index(oldRow), {ActiveRole});
    if (newRow >= 0) emit dataChanged(index(newRow), index(newRow), {ActiveRole});
}

int SessionListModel::rowOfId(qint64 id) const {
    for (qsizetype i = 0; i < m_sessions.size(); ++i)
        if (m_sessions[i].id == id) return static_cast<int>(i);
    return -1;
}

qint64 SessionListModel::idAt(int row) const {
    return row >= 0 && row < m_sessions.size() ? m_sessions[row].id : 0;
}

}  // namespace tessera
