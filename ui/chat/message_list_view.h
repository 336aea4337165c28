#pragma once
// MessageListView: the conversation, a scroll area showing one MessageWidget per row of a
// MessageListModel (it follows modelReset, rowsInserted/Removed and dataChanged). It keeps to the
// bottom while a reply streams unless the user scrolled up. With no rows it shows a welcome page.
#include <QList>
#include <QPointer>
#include <QScrollArea>

#include "app/services/session_store.h"

class QAbstractItemModel;
class QLabel;
class QVBoxLayout;

namespace tessera {

class MessageListModel;
class MessageWidget;

class MessageListView : public QScrollArea {
    Q_OBJECT
public:
    explicit MessageListView(QWidget* parent = nullptr);

    void setModel(MessageListModel* model);
    MessageListModel* model() const { return m_model; }
    void setBusy(bool busy);
    void setEmptyHint(const QString& title, const QString& text);

    int messageCount() const { return static_cast<int>(m_widgets.size()); }
    MessageWidget* messageWidget(qint64 messageId) const;
    MessageWidget* messageWidgetAt(int row) const;
    void scrollToMessage(qint64 messageId);
    void scrollToBottom();
    bool isAtBottom() const;

signals:
    void editSubmitted(qint64 messageId, const QString& text);
    void regenerateRequested(qint64 messageId);
    void siblingRequested(qint64 messageId, int delta);
    void messageCopied(qint64 messageId);

private:
    void rebuild();
    void insertRows(int first, int last);
    void removeRows(int first, int last);
    void updateRows(int first, int last);
    MessageWidget* createWidget(int row);
    void updateEmptyState();

    MessageListModel* m_model = nullptr;
    QWidget* m_column = nullptr;       // centred, at most kColumnWidth wide
    QVBoxLayout* m_columnLayout = nullptr;
    QWidget* m_empty = nullptr;
    QLabel* m_emptyTitle = nullptr;
    QLabel* m_emptyText = nullptr;
    QList<MessageWidget*> m_widgets;  // one per model row, in order
    bool m_busy = false;
    bool m_stickToBottom = true;
};

}  // namespace tessera
