#pragma once
// MessageWidget: one message of the chat: the assistant's replies full width under an avatar, the
// user's in a bubble on the right. Under each: Copy, Edit (new branch), Regenerate (assistant),
// and ‹ 2/3 › when the message has siblings. It shows values; the actions go out as signals.
#include <QModelIndex>
#include <QWidget>

#include "app/services/session_store.h"

class QFrame;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTimer;
class QToolButton;
class QHBoxLayout;

namespace tessera {

class MarkdownView;

class MessageWidget : public QWidget {
    Q_OBJECT
public:
    MessageWidget(MessageRole role, qint64 messageId, QWidget* parent = nullptr);

    qint64 messageId() const { return m_id; }
    MessageRole role() const { return m_role; }
    // Takes the values of a MessageListModel row. While the message streams, rendering is
    // coalesced (at most every ~60 ms); otherwise it is immediate.
    void setFromIndex(const QModelIndex& index);
    // A reply is being written somewhere: edit, regenerate and branch switching wait.
    void setBusy(bool busy);
    void setModelLabel(const QString& name);

    QString content() const { return m_content; }
    MarkdownView* body() const { return m_body; }
    bool isEditing() const { return m_editor != nullptr; }
    QPlainTextEdit* editor() const { return m_editor; }
    QToolButton* copyButton() const { return m_copyButton; }
    QToolButton* editButton() const { return m_editButton; }
    QToolButton* regenerateButton() const { return m_regenerateButton; }
    QToolButton* previousButton() const { return m_previousButton; }
    QToolButton* nextButton() const { return m_nextButton; }
    QLabel* branchLabel() const { return m_branchLabel; }

public slots:
    void copyToClipboard();
    void startEditing();
    void cancelEditing();
    void submitEdit();

signals:
    void editSubmitted(qint64 messageId, const QString& text);
    void regenerateRequested(qint64 messageId);
    void siblingRequested(qint64 messageId, int delta);
    void copied(qint64 messageId);

protected:
    void resizeEvent(QResizeEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QToolButton* makeAction(const QString& text, const QString& accessibleName, const QString& tip);
    void renderBody();
    void updateStatus();
    void updateActions();
    void fitBubble();

    const MessageRole m_role;
    const qint64 m_id;
    QString m_content;
    MessageState m_state = MessageState::complete;
    int m_siblingIndex = 0;
    int m_siblingCount = 1;
    double m_tokensPerSecond = 0;
    int m_generatedTokens = 0;
    QString m_modelName;
    bool m_busy = false;

    QFrame* m_bubble = nullptr;  // user messages
    MarkdownView* m_body = nullptr;
    QLabel* m_nameLabel = nullptr;
    QLabel* m_metaLabel = nullptr;
    QLabel* m_statusLabel = nullptr;
    QWidget* m_actions = nullptr;
    QToolButton* m_copyButton = nullptr;
    QToolButton* m_editButton = nullptr;
    QToolButton* m_regenerateButton = nullptr;
    QToolButton* m_previousButton = nullptr;
    QToolButton* m_nextButton = nullptr;
    QLabel* m_branchLabel = nullptr;
    QWidget* m_editFrame = nullptr;
    QPlainTextEdit* m_editor = nullptr;
    QTimer* m_renderTimer = nullptr;
    bool m_renderPending = false;
};

}  // namespace tessera
