#pragma once
// SessionSidebar: the chats: "New chat", a search box (SessionStore full-text search, with
// snippets), the session list (click opens, F2 or double-click renames, Delete deletes), and an
// undo bar after a delete.
#include <QWidget>

class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QStackedWidget;
class QTimer;
class QFrame;

namespace tessera {

class ChatController;

class SessionSidebar : public QWidget {
    Q_OBJECT
public:
    explicit SessionSidebar(ChatController* controller, QWidget* parent = nullptr);

    QLineEdit* searchBox() const { return m_search; }
    QListView* sessionList() const { return m_sessions; }
    QListView* resultList() const { return m_results; }
    QPushButton* newChatButton() const { return m_newChat; }
    QPushButton* undoButton() const { return m_undoButton; }
    QFrame* undoBar() const { return m_undoBar; }
    bool isShowingSearchResults() const;

public slots:
    void focusSearch();
    void renameCurrent();
    void deleteCurrent();
    // Runs the search now (the box normally waits for a pause in typing).
    void runSearch();

signals:
    // A search hit was opened: the chat pane may scroll to this message.
    void searchHitOpened(qint64 sessionId, qint64 messageId);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void selectActiveRow();
    void openRow(const QModelIndex& index);
    void openHit(const QModelIndex& index);
    void showContextMenu(const QPoint& pos);
    void showUndoBar(const QString& title);

    ChatController* m_controller;
    QPushButton* m_newChat;
    QLineEdit* m_search;
    QStackedWidget* m_pages;
    QListView* m_sessions;
    QListView* m_results;
    QLabel* m_noResults;
    QFrame* m_undoBar;
    QLabel* m_undoLabel;
    QPushButton* m_undoButton;
    QTimer* m_searchTimer;
    QTimer* m_undoTimer;
    bool m_syncing = false;
};

}  // namespace tessera
