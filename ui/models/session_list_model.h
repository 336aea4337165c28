#pragma once
// SessionListModel: the sessions of the sidebar (SessionStore::listSessions order: pinned first,
// then most recently updated). A plain value model: ChatController fills it on the GUI thread; the
// view edits a title through setData(), which only emits renameRequested — the controller writes
// the store and then updates the row (setSessions / updateSession).
#include <QAbstractListModel>
#include <QList>

#include "app/services/session_store.h"

namespace tessera {

class SessionListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        TitleRole,
        UpdatedAtRole,
        PinnedRole,
        MessageCountRole,
        ActiveRole,  // the session shown in the chat pane
    };

    explicit SessionListModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Replaces the list. When the ids are the same, in the same order, rows are updated in place
    // (dataChanged) so that views keep their selection; otherwise the model is reset.
    void setSessions(const QList<SessionInfo>& sessions);
    // Updates the row of info.id (no effect when absent).
    void updateSession(const SessionInfo& info);
    void removeSession(qint64 id);
    void setActiveSessionId(qint64 id);
    qint64 activeSessionId() const { return m_activeId; }

    int rowOfId(qint64 id) const;  // -1 when absent
    qint64 idAt(int row) const;    // 0 when out of range
    const QList<SessionInfo>& sessions() const { return m_sessions; }

signals:
    void renameRequested(qint64 id, const QString& title);

private:
    QList<SessionInfo> m_sessions;
    qint64 m_activeId = 0;
};

}  // namespace tessera
