#pragma once
// MainWindow: the sessions sidebar, the panes (Chat, and Image / Audio / Documents placeholders)
// as tabs, the menus and shortcuts, and the status bar (model, tokens/s, context used/total).
//
// Keyboard: Enter sends, Shift+Enter new line (ChatInput), Ctrl+N new chat, Ctrl+K search,
// Esc stop, Ctrl+O open a model, Ctrl+Shift+M model library, Ctrl+R regenerate, Ctrl+L focus the
// input, Ctrl+, chat settings, F2 rename the chat, Ctrl+E export it as Markdown.
#include <QMainWindow>

class QAction;
class QLabel;
class QProgressBar;
class QSplitter;
class QTabWidget;

namespace tessera {

class ChatController;
class ChatPane;
class ModelManager;
class SessionSidebar;
class SessionStore;
struct ModelInfo;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // `store` must be open and outlive the window.
    explicit MainWindow(SessionStore* store, QWidget* parent = nullptr);
    ~MainWindow() override;

    ChatController* controller() const { return m_controller; }
    ChatPane* chatPane() const { return m_chatPane; }
    SessionSidebar* sidebar() const { return m_sidebar; }
    QTabWidget* paneTabs() const { return m_tabs; }
    QLabel* speedLabel() const { return m_speedLabel; }
    QLabel* contextLabel() const { return m_contextLabel; }
    QLabel* modelLabel() const { return m_modelLabel; }
    QAction* stopAction() const { return m_stopAction; }
    // The folder the model library scans and downloads into (default: <app data>/models).
    void setModelsDirectory(const QString& dir);
    QString modelsDirectory() const { return m_modelsDir; }
    ModelManager* modelManager();

public slots:
    // Loads `path` on the inference thread (the GUI stays live); the status bar follows.
    void openModelFile(const QString& path);
    void chooseModelFile();  // QFileDialog, then openModelFile
    void showModelInfo();
    void showModelLibrary();
    void exportChat();
    // Re-derives the style sheet from the current palette (also on palette changes).
    void applyTheme();

signals:
    void modelOpened(const QString& path);  // loaded successfully (main.cpp remembers it)

protected:
    void changeEvent(QEvent* event) override;

private:
    void createActions();
    void createStatusBar();
    void onModelLoaded(const ModelInfo& info);
    void updateActions();
    void setStatus(const QString& text);
    // Reads the file's GGUF header first: false (with a notice) when it is not a model, or when it
    // will not fit in memory and the user declines.
    bool confirmLoad(const QString& path);

    SessionStore* m_store;
    ChatController* m_controller;
    QSplitter* m_splitter;
    SessionSidebar* m_sidebar;
    QTabWidget* m_tabs;
    ChatPane* m_chatPane;

    QLabel* m_statusLabel = nullptr;
    QLabel* m_modelLabel = nullptr;
    QLabel* m_speedLabel = nullptr;
    QLabel* m_contextLabel = nullptr;
    QProgressBar* m_contextBar = nullptr;

    QAction* m_newChatAction = nullptr;
    QAction* m_openModelAction = nullptr;
    QAction* m_modelInfoAction = nullptr;
    QAction* m_libraryAction = nullptr;
    QAction* m_exportAction = nullptr;
    QAction* m_searchAction = nullptr;
    QAction* m_stopAction = nullptr;
    QAction* m_regenerateAction = nullptr;
    QAction* m_settingsAction = nullptr;
    QAction* m_renameAction = nullptr;
    QAction* m_deleteAction = nullptr;
    QAction* m_undoDeleteAction = nullptr;
    QAction* m_focusInputAction = nullptr;
    QString m_modelsDir;
    ModelManager* m_modelManager = nullptr;
    QString m_themeKey;
    bool m_applyingTheme = false;
};

}  // namespace tessera
