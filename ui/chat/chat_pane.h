#pragma once
// ChatPane: the Chat tab: a header (chat title, model button, settings toggle), the conversation,
// a banner for errors and context overflow, the input box with Send / Stop, and the per-chat
// settings panel on the right.
#include <QWidget>

class QFrame;
class QLabel;
class QPushButton;
class QToolButton;

namespace tessera {

class ChatController;
class ChatInput;
class MessageListView;
class SessionSettingsPanel;
struct ModelInfo;
struct SessionInfo;

class ChatPane : public QWidget {
    Q_OBJECT
public:
    explicit ChatPane(ChatController* controller, QWidget* parent = nullptr);

    ChatInput* input() const { return m_input; }
    QPushButton* sendButton() const { return m_sendButton; }
    QPushButton* stopButton() const { return m_stopButton; }
    QToolButton* modelButton() const { return m_modelButton; }
    QToolButton* settingsButton() const { return m_settingsButton; }
    MessageListView* messageView() const { return m_view; }
    SessionSettingsPanel* settingsPanel() const { return m_settings; }
    QFrame* banner() const { return m_banner; }
    QString bannerText() const;

public slots:
    // Sends the input box's text; clears it when the controller accepted it.
    bool sendInput();
    void focusInput();
    void setSettingsVisible(bool visible);
    void showBanner(const QString& message);
    void hideBanner();

signals:
    void openModelRequested();
    void modelInfoRequested();
    void modelLibraryRequested();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void onGeneratingChanged(bool generating);
    void onSessionInfoChanged(const SessionInfo& info);
    void onModelLoaded(const ModelInfo& info);
    void showOverflowBanner(int needed, int available);
    void updateSendState();
    void updateEmptyHint();

    ChatController* m_controller;
    QLabel* m_title;
    QToolButton* m_modelButton;
    QToolButton* m_settingsButton;
    MessageListView* m_view;
    QFrame* m_banner;
    QLabel* m_bannerLabel;
    QPushButton* m_dropTurnsButton;
    QPushButton* m_fillContextButton;
    QPushButton* m_summarizeButton;
    QFrame* m_inputFrame;
    ChatInput* m_input;
    QLabel* m_hint;
    QPushButton* m_sendButton;
    QPushButton* m_stopButton;
    SessionSettingsPanel* m_settings;
};

}  // namespace tessera
