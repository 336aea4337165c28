#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QRegularExpression>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTextStream>
#include <QToolButton>

#include "app/services/model_manager.h"
#include "app/services/session_store.h"
#include "ui/chat/chat_input.h"
#include "ui/chat/chat_pane.h"
#include "ui/chat/message_list_view.h"
#include "ui/chat_controller.h"
#include "ui/model_info_dialog.h"
#include "ui/model_library_dialog.h"
#include "ui/models/message_list_model.h"
#include "ui/models/session_list_model.h"
#include "ui/panes/placeholder_pane.h"
#include "ui/sidebar/session_sidebar.h"
#include "ui/theme.h"

namespace tessera {

MainWindow::MainWindow(SessionStore* store, QWidget* parent)
    : QMainWindow(parent), m_store(store), m_controller(new ChatController(store, this)) {
    setWindowTitle(tr("Tessera"));
    setAccessibleName(tr("Tessera"));
    resize(1240, 800);

    m_sidebar = new SessionSidebar(m_controller);
    m_chatPane = new ChatPane(m_controller);
    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("paneTabs"));
    m_tabs->setAccessibleName(tr("Panes"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_chatPane, tr("Chat"));
    m_tabs->setTabToolTip(0, tr("Chat with the loaded model"));
    for (const PlaceholderInfo& info : PlaceholderPane::plannedPanes()) {
        const int i = m_tabs->addTab(new PlaceholderPane(info), info.title);
        m_tabs->setTabToolTip(i, tr("%1: coming soon").arg(info.title));
    }

    m_splitter = new QSplitter(Qt::Horizontal);
    m_splitter->setAccessibleName(tr("Main area"));
    m_splitter->setChildrenCollapsible(false);
    m_splitter->setHandleWidth(1);
    m_splitter->addWidget(m_sidebar);
    m_splitter->addWidget(m_tabs);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({270, 970});
    setCentralWidget(m_splitter);

    createActions();
    createStatusBar();

    connect(m_chatPane, &ChatPane::openModelRequested, this, &MainWindow::chooseModelFile);
    connect(m_chatPane, &ChatPane::modelInfoRequested, this, &MainWindow::showModelInfo);
    connect(m_chatPane, &ChatPane::modelLibraryRequested, this, &MainWindow::showModelLibrary);
    connect(m_sidebar, &SessionSidebar::searchHitOpened, this, [this](qint64, qint64 messageId) {
        m_tabs->setCurrentWidget(m_chatPane);
        m_chatPane->messageView()->scrollToMessage(messageId);
    });
    connect(m_controller, &ChatController::generatingChanged, this, [this](bool generating) {
        setStatus(generating ? tr("Writing…") : tr("Ready"));
        updateActions();
    });
    connect(m_controller, &ChatController::modelLoadingChanged, this, [this](bool loading) {
        if (loading) setStatus(tr("Loading model…"));
        updateActions();
    });
    connect(m_controller, &ChatController::modelLoaded, this, &MainWindow::onModelLoaded);
    connect(m_controller, &ChatController::modelLoadFailed, this, [this](const QString&) {
        setStatus(tr("The model could not be loaded"));
    });
    connect(m_controller, &ChatController::tokensPerSecondChanged, this, [this](double tps) {
        m_speedLabel->setText(tps > 0 ? tr("%1 tok/s").arg(tps, 0, 'f', 1) : tr("— tok/s"));
    });
    connect(m_controller, &ChatController::contextUsageChanged, this, [this](int used, int total) {
        m_contextLabel->setText(tr("Context %1 / %2").arg(QLocale().toString(used), QLocale().toString(total)));
        m_contextBar->setRange(0, qMax(1, total));
        m_contextBar->setValue(qBound(0, used, qMax(1, total)));
        m_contextBar->setToolTip(tr("%1% of the context window used").arg(total > 0 ? used * 100 / total : 0));
    });
    connect(m_controller, &ChatController::activeSessionChanged, this, &MainWindow::updateActions);
    connect(m_controller, &ChatController::undoAvailableChanged, this, &MainWindow::updateActions);
    connect(m_controller->messageModel(), &QAbstractItemModel::modelReset, this, &MainWindow::updateActions);
    connect(m_controller->messageModel(), &QAbstractItemModel::rowsInserted, this, &MainWindow::updateActions);

    // Open the most recent chat, or start one.
    if (m_controller->sessionModel()->rowCount() > 0) m_controller->openSession(m_controller->sessionModel()->idAt(0));
    else m_controller->newSession();

    applyTheme();
    updateActions();
    m_chatPane->focusInput();
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions() {
    auto make = [this](const QString& text, const QKeySequence& key, const QString& tip) {
        auto* a = new QAction(text, this);
        if (!key.isEmpty()) a->setShortcut(key);
        a->setToolTip(tip);
        a->setStatusTip(tip);
        addAction(a);  // shortcuts work while the menus are closed
        return a;
    };
    m_newChatAction = make(tr("&New chat"), QKeySequence(Qt::CTRL | Qt::Key_N), tr("Start a new chat"));
    connect(m_newChatAction, &QAction::triggered, this, [this] {
        m_tabs->setCurrentWidget(m_chatPane);
        m_controller->newSession();
        m_chatPane->focusInput();
    });
    m_openModelAction = make(tr("&Open model…"), QKeySequence(Qt::CTRL | Qt::Key_O), tr("Open a GGUF model file"));
    connect(m_openModelAction, &QAction::triggered, this, &MainWindow::chooseModelFile);
    m_libraryAction = make(tr("Model &library…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M),
                           tr("Models on this computer, and a catalog to download from"));
    connect(m_libraryAction, &QAction::triggered, this, &MainWindow::showModelLibrary);
    m_modelInfoAction = make(tr("Model &information"), {}, tr("What the loaded model is"));
    connect(m_modelInfoAction, &QAction::triggered, this, &MainWindow::showModelInfo);
    m_exportAction = make(tr("&Export chat as Markdown…"), QKeySequence(Qt::CTRL | Qt::Key_E),
                          tr("Save this chat as a Markdown file"));
    connect(m_exportAction, &QAction::triggered, this, &MainWindow::exportChat);
    auto* quit = make(tr("&Quit"), QKeySequence::Quit, tr("Quit Tessera"));
    connect(quit, &QAction::triggered, this, &QWidget::close);

    m_searchAction = make(tr("&Search chats"), QKeySequence(Qt::CTRL | Qt::Key_K), tr("Search every chat"));
    connect(m_searchAction, &QAction::triggered, m_sidebar, &SessionSidebar::focusSearch);
    m_focusInputAction = make(tr("Focus the &message box"), QKeySequence(Qt::CTRL | Qt::Key_L), tr("Type a message"));
    connect(m_focusInputAction, &QAction::triggered, this, [this] {
        m_tabs->setCurrentWidget(m_chatPane);
        m_chatPane->focusInput();
    });
    m_stopAction = make(tr("S&top"), QKeySequence(Qt::Key_Escape), tr("Stop the reply being written"));
    connect(m_stopAction, &QAction::triggered, m_controller, &ChatController::stop);
    m_regenerateAction = make(tr("&Regenerate"), QKeySequence(Qt::CTRL | Qt::Key_R), tr("Write the last reply again"));
    connect(m_regenerateAction, &QAction::triggered, m_controller, [this] { m_controller->regenerate(); });
    m_settingsAction = make(tr("Chat &settings"), QKeySequence(Qt::CTRL | Qt::Key_Comma),
                            tr("System prompt and sampling for this chat"));
    m_settingsAction->setCheckable(true);
    connect(m_settingsAction, &QAction::toggled, m_chatPane, &ChatPane::setSettingsVisible);
    connect(m_chatPane->settingsButton(), &QToolButton::toggled, m_settingsAction, &QAction::setChecked);
    m_renameAction = make(tr("Re&name chat"), QKeySequence(Qt::Key_F2), tr("Rename this chat"));
    connect(m_renameAction, &QAction::triggered, m_sidebar, &SessionSidebar::renameCurrent);
    m_deleteAction = make(tr("&Delete chat"), {}, tr("Delete this chat (it can be restored)"));
    connect(m_deleteAction, &QAction::triggered, this, [this] { m_controller->deleteSession(m_controller->activeSessionId()); });
    m_undoDeleteAction = make(tr("&Undo delete"), {}, tr("Bring the last deleted chat back"));
    connect(m_undoDeleteAction, &QAction::triggered, m_controller, &ChatController::undoDelete);

    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_newChatAction);
    file->addAction(m_openModelAction);
    file->addAction(m_libraryAction);
    file->addAction(m_modelInfoAction);
    file->addSeparator();
    file->addAction(m_exportAction);
    file->addSeparator();
    file->addAction(quit);
    QMenu* chat = menuBar()->addMenu(tr("&Chat"));
    chat->addAction(m_stopAction);
    chat->addAction(m_regenerateAction);
    chat->addSeparator();
    chat->addAction(m_settingsAction);
    chat->addAction(m_renameAction);
    chat->addAction(m_deleteAction);
    chat->addAction(m_undoDeleteAction);
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_searchAction);
    view->addAction(m_focusInputAction);
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Tessera"), this, [this] {
        QMessageBox::about(this, tr("About Tessera"),
                           tr("<b>Tessera</b><br>Local, offline, multimodal AI. Your chats and models stay on this "
                              "computer."));
    });
}

void MainWindow::createStatusBar() {
    m_statusLabel = new QLabel(tr("Ready"));
    m_statusLabel->setAccessibleName(tr("Status"));
    m_modelLabel = new QLabel(tr("No model"));
    m_modelLabel->setAccessibleName(tr("Loaded model"));
    m_speedLabel = new QLabel(tr("— tok/s"));
    m_speedLabel->setAccessibleName(tr("Generation speed"));
    m_speedLabel->setToolTip(tr("Tokens per second of the last reply"));
    m_contextLabel = new QLabel(tr("Context 0 / 0"));
    m_contextLabel->setAccessibleName(tr("Context usage"));
    m_contextLabel->setToolTip(tr("Tokens in the model's context window: used / total"));
    m_contextBar = new QProgressBar;
    m_contextBar->setObjectName(QStringLiteral("contextBar"));
    m_contextBar->setAccessibleName(tr("Context usage bar"));
    m_contextBar->setTextVisible(false);
    m_contextBar->setFixedWidth(110);
    m_contextBar->setRange(0, 1);
    m_contextBar->setValue(0);
    statusBar()->addWidget(m_statusLabel, 1);
    statusBar()->addPermanentWidget(m_modelLabel);
    statusBar()->addPermanentWidget(m_speedLabel);
    statusBar()->addPermanentWidget(m_contextLabel);
    statusBar()->addPermanentWidget(m_contextBar);
    statusBar()->setSizeGripEnabled(false);
    statusBar()->setContentsMargins(6, 0, 12, 0);
}

void MainWindow::setStatus(const QString& text) { m_statusLabel->setText(text); }

void MainWindow::updateActions() {
    const bool generating = m_controller->isGenerating();
    const bool hasSession = m_controller->activeSessionId() != 0;
    const bool hasMessages = m_controller->messageModel()->rowCount() > 0;
    m_stopAction->setEnabled(generating);
    m_regenerateAction->setEnabled(!generating && hasMessages && m_controller->isModelLoaded());
    m_exportAction->setEnabled(hasSession && hasMessages);
    m_renameAction->setEnabled(hasSession);
    m_deleteAction->setEnabled(hasSession);
    m_undoDeleteAction->setEnabled(m_controller->canUndoDelete());
    m_modelInfoAction->setEnabled(m_controller->isModelLoaded());
}

void MainWindow::openModelFile(const QString& path) {
    if (path.isEmpty()) return;
    m_modelLabel->setText(tr("Loading %1…").arg(QFileInfo(path).fileName()));
    m_controller->loadModel(path);
}

void MainWindow::chooseModelFile() {
    const QString start = m_controller->isModelLoaded() ? QFileInfo(m_controller->modelInfo().path).absolutePath()
                                                        : QString();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open a model"), start,
                                                      tr("GGUF models (*.gguf);;All files (*)"));
    if (!path.isEmpty() && confirmLoad(path)) openModelFile(path);
}

bool MainWindow::confirmLoad(const QString& path) {
    const ModelDescription d = describeModel(path);
    if (!d.error.isEmpty()) {
        m_chatPane->showBanner(tr("%1 is not a model Tessera can load: %2").arg(QFileInfo(path).fileName(), d.error));
        return false;
    }
    if (d.isProjector) {
        m_chatPane->showBanner(tr("%1 is a projector (mmproj), not a model: open the model file; its projector is "
                                  "found next to it.").arg(QFileInfo(path).fileName()));
        return false;
    }
    if (d.fit != MemoryFit::tooLarge) return true;
    return QMessageBox::question(this, tr("Model too large?"),
                                 tr("%1 needs about %2 of memory, more than this computer has. Loading it may make "
                                    "the computer very slow. Load it anyway?")
                                     .arg(QFileInfo(path).fileName(), ModelInfoDialog::formatBytes(d.ramEstimateBytes))) ==
           QMessageBox::Yes;
}

void MainWindow::setModelsDirectory(const QString& dir) {
    m_modelsDir = dir;
    delete m_modelManager;
    m_modelManager = nullptr;
}

ModelManager* MainWindow::modelManager() {
    if (!m_modelManager) {
        if (m_modelsDir.isEmpty())
            m_modelsDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/models");
        m_modelManager = new ModelManager(m_modelsDir, this);
    }
    return m_modelManager;
}

void MainWindow::showModelLibrary() {
    auto* dialog = new ModelLibraryDialog(modelManager(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ModelLibraryDialog::loadRequested, this, [this, dialog](const QString& path) {
        if (!confirmLoad(path)) return;
        openModelFile(path);
        dialog->accept();
    });
    connect(dialog, &ModelLibraryDialog::openFileRequested, this, [this, dialog] {
        dialog->accept();
        chooseModelFile();
    });
    dialog->open();
}

void MainWindow::onModelLoaded(const ModelInfo& info) {
    m_modelLabel->setText(tr("%1 · %2 · %3 parameters")
                              .arg(modelDisplayName(info), info.architecture, ModelInfoDialog::formatCount(info.parameterCount)));
    m_modelLabel->setToolTip(info.path);
    setStatus(tr("Model loaded"));
    updateActions();
    emit modelOpened(info.path);
}

void MainWindow::showModelInfo() {
    if (!m_controller->isModelLoaded()) {
        chooseModelFile();
        return;
    }
    auto* dialog = new ModelInfoDialog(m_controller->modelInfo(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ModelInfoDialog::openAnotherRequested, this, &MainWindow::chooseModelFile);
    dialog->open();
}

void MainWindow::exportChat() {
    auto markdown = m_controller->exportActiveSessionMarkdown();
    if (!markdown) {
        m_chatPane->showBanner(tr("Cannot export: %1").arg(QString::fromStdString(markdown.status().to_string())));
        return;
    }
    QString name = m_controller->activeSession().title;
    name.replace(QRegularExpression(QStringLiteral("[^\\w\\- ]+")), QStringLiteral("_"));
    const QString path = QFileDialog::getSaveFileName(this, tr("Export chat"), name + QStringLiteral(".md"),
                                                      tr("Markdown (*.md)"));
    if (path.isEmpty()) return;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
        m_chatPane->showBanner(tr("Cannot write %1: %2").arg(path, file.errorString()));
        return;
    }
    file.write(markdown->toUtf8());
    setStatus(tr("Exported to %1").arg(path));
}

void MainWindow::applyTheme() {
    if (m_applyingTheme) return;
    const ThemeColors colors = theme::colors(QApplication::palette());
    const QString sheet = theme::styleSheet(colors);
    if (sheet == m_themeKey) return;
    m_applyingTheme = true;
    m_themeKey = sheet;
    setStyleSheet(sheet);
    m_applyingTheme = false;
}

void MainWindow::changeEvent(QEvent* event) {
    QMainWindow::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange) applyTheme();
}

}  // namespace tessera
