#include "ui/chat/chat_pane.h"

#include <QEvent>
#include <QFileInfo>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/chat/chat_input.h"
#include "ui/chat/message_list_view.h"
#include "ui/chat/session_settings_panel.h"
#include "ui/chat_controller.h"
#include "ui/model_info_dialog.h"
#include "ui/models/message_list_model.h"

namespace tessera {
namespace {

constexpr int kInputWidth = 860;

}  // namespace

ChatPane::ChatPane(ChatController* controller, QWidget* parent) : QWidget(parent), m_controller(controller) {
    setObjectName(QStringLiteral("chatPane"));
    setAttribute(Qt::WA_StyledBackground, true);

    // Header.
    m_title = new QLabel;
    m_title->setObjectName(QStringLiteral("chatTitle"));
    m_title->setAccessibleName(tr("Chat title"));
    m_title->setTextFormat(Qt::PlainText);
    m_modelButton = new QToolButton;
    m_modelButton->setObjectName(QStringLiteral("headerButton"));
    m_modelButton->setAccessibleName(tr("Model"));
    m_modelButton->setToolTip(tr("Choose the model (Ctrl+O)"));
    m_modelButton->setPopupMode(QToolButton::InstantPopup);
    auto* modelMenu = new QMenu(m_modelButton);
    modelMenu->addAction(tr("Open model file…"), this, &ChatPane::openModelRequested);
    modelMenu->addAction(tr("Model library…"), this, &ChatPane::modelLibraryRequested);
    modelMenu->addAction(tr("Model information"), this, &ChatPane::modelInfoRequested);
    m_modelButton->setMenu(modelMenu);
    m_settingsButton = new QToolButton;
    m_settingsButton->setObjectName(QStringLiteral("headerButton"));
    m_settingsButton->setText(tr("Settings"));
    m_settingsButton->setCheckable(true);
    m_settingsButton->setAccessibleName(tr("Chat settings"));
    m_settingsButton->setToolTip(tr("System prompt and sampling for this chat (Ctrl+,)"));
    auto* header = new QHBoxLayout;
    header->setContentsMargins(20, 10, 14, 10);
    header->setSpacing(8);
    header->addWidget(m_title, 1);
    header->addWidget(m_modelButton);
    header->addWidget(m_settingsButton);
    auto* headerLine = new QFrame;
    headerLine->setObjectName(QStringLiteral("headerLine"));
    headerLine->setFrameShape(QFrame::HLine);

    // Conversation.
    m_view = new MessageListView;
    m_view->setModel(controller->messageModel());

    // Banner (errors, context overflow).
    m_banner = new QFrame;
    m_banner->setObjectName(QStringLiteral("banner"));
    m_banner->setAccessibleName(tr("Notice"));
    m_bannerLabel = new QLabel;
    m_bannerLabel->setWordWrap(true);
    m_bannerLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_dropTurnsButton = new QPushButton(tr("Drop oldest turns"));
    m_dropTurnsButton->setAccessibleName(tr("Drop the oldest turns and retry"));
    m_summarizeButton = new QPushButton(tr("Summarise oldest turns"));
    m_summarizeButton->setAccessibleName(tr("Summarise the oldest turns and retry"));
    m_fillContextButton = new QPushButton(tr("Write until full"));
    m_fillContextButton->setAccessibleName(tr("Write until the context is full"));
    auto* closeBanner = new QToolButton;
    closeBanner->setObjectName(QStringLiteral("messageAction"));
    closeBanner->setText(QStringLiteral("✕"));
    closeBanner->setAccessibleName(tr("Dismiss notice"));
    auto* bannerLayout = new QHBoxLayout(m_banner);
    bannerLayout->setContentsMargins(12, 8, 8, 8);
    bannerLayout->addWidget(m_bannerLabel, 1);
    bannerLayout->addWidget(m_summarizeButton);
    bannerLayout->addWidget(m_dropTurnsButton);
    bannerLayout->addWidget(m_fillContextButton);
    bannerLayout->addWidget(closeBanner);
    m_banner->hide();
    connect(closeBanner, &QToolButton::clicked, this, [this] {
        m_controller->dismissOverflow();
        hideBanner();
    });
    connect(m_dropTurnsButton, &QPushButton::clicked, this, [this] {
        hideBanner();
        m_controller->retryWithOverflowPolicy(OverflowPolicy::dropOldestTurns);
    });
    connect(m_summarizeButton, &QPushButton::clicked, this, [this] {
        hideBanner();
        m_controller->retryWithOverflowPolicy(OverflowPolicy::summarizeOldTurns);
    });
    connect(m_fillContextButton, &QPushButton::clicked, this, [this] {
        hideBanner();
        m_controller->retryWithOverflowPolicy(OverflowPolicy::stopAtLimit);
    });

    // Input.
    m_inputFrame = new QFrame;
    m_inputFrame->setObjectName(QStringLiteral("inputFrame"));
    m_inputFrame->setMaximumWidth(kInputWidth);
    m_input = new ChatInput;
    m_input->installEventFilter(this);
    m_hint = new QLabel(tr("Enter to send · Shift+Enter for a new line"));
    m_hint->setObjectName(QStringLiteral("inputHint"));
    m_sendButton = new QPushButton(tr("Send"));
    m_sendButton->setObjectName(QStringLiteral("sendButton"));
    m_sendButton->setAccessibleName(tr("Send message"));
    m_sendButton->setToolTip(tr("Send (Enter)"));
    m_sendButton->setCursor(Qt::PointingHandCursor);
    m_stopButton = new QPushButton(tr("Stop"));
    m_stopButton->setObjectName(QStringLiteral("stopButton"));
    m_stopButton->setAccessibleName(tr("Stop generating"));
    m_stopButton->setToolTip(tr("Stop the reply (Esc)"));
    m_stopButton->hide();
    auto* inputLayout = new QVBoxLayout(m_inputFrame);
    inputLayout->setContentsMargins(12, 8, 10, 8);
    inputLayout->setSpacing(4);
    inputLayout->addWidget(m_input);
    auto* inputButtons = new QHBoxLayout;
    inputButtons->addWidget(m_hint, 1);
    inputButtons->addWidget(m_stopButton);
    inputButtons->addWidget(m_sendButton);
    inputLayout->addLayout(inputButtons);

    auto* bottom = new QVBoxLayout;
    bottom->setContentsMargins(24, 4, 24, 16);
    bottom->setSpacing(8);
    auto* bannerRow = new QHBoxLayout;
    bannerRow->addStretch(1);
    bannerRow->addWidget(m_banner, 100);
    bannerRow->addStretch(1);
    m_banner->setMaximumWidth(kInputWidth);
    auto* inputRow = new QHBoxLayout;
    inputRow->addStretch(1);
    inputRow->addWidget(m_inputFrame, 100);
    inputRow->addStretch(1);
    bottom->addLayout(bannerRow);
    bottom->addLayout(inputRow);

    auto* conversation = new QVBoxLayout;
    conversation->setContentsMargins(0, 0, 0, 0);
    conversation->setSpacing(0);
    conversation->addWidget(m_view, 1);
    conversation->addLayout(bottom);

    m_settings = new SessionSettingsPanel;
    m_settings->hide();
    auto* body = new QHBoxLayout;
    body->setContentsMargins(0, 0, 0, 0);
    body->setSpacing(0);
    body->addLayout(conversation, 1);
    body->addWidget(m_settings);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(header);
    layout->addWidget(headerLine);
    layout->addLayout(body, 1);

    // Wiring.
    connect(m_input, &ChatInput::submitted, this, &ChatPane::sendInput);
    connect(m_input, &ChatInput::textChanged, this, &ChatPane::updateSendState);
    connect(m_sendButton, &QPushButton::clicked, this, &ChatPane::sendInput);
    connect(m_stopButton, &QPushButton::clicked, controller, &ChatController::stop);
    connect(m_settingsButton, &QToolButton::toggled, this, &ChatPane::setSettingsVisible);
    connect(m_settings, &SessionSettingsPanel::closeRequested, this, [this] { setSettingsVisible(false); });
    connect(m_settings, &SessionSettingsPanel::settingsEdited, controller, &ChatController::setSessionSettings);

    connect(m_view, &MessageListView::editSubmitted, controller, &ChatController::editMessage);
    connect(m_view, &MessageListView::regenerateRequested, controller, [controller](qint64 id) { controller->regenerate(id); });
    connect(m_view, &MessageListView::siblingRequested, controller, &ChatController::showSibling);

    connect(controller, &ChatController::generatingChanged, this, &ChatPane::onGeneratingChanged);
    connect(controller, &ChatController::activeSessionInfoChanged, this, &ChatPane::onSessionInfoChanged);
    connect(controller, &ChatController::errorOccurred, this, &ChatPane::showBanner);
    connect(controller, &ChatController::contextOverflowed, this, &ChatPane::showOverflowBanner);
    connect(controller, &ChatController::modelLoaded, this, &ChatPane::onModelLoaded);
    connect(controller, &ChatController::modelLoadingChanged, this, [this](bool loading) {
        if (loading) m_modelButton->setText(tr("Loading model…"));
        else if (!m_controller->isModelLoaded()) m_modelButton->setText(tr("No model  ▾"));
        updateSendState();
        updateEmptyHint();
    });
    connect(controller, &ChatController::activeSessionChanged, this, &ChatPane::hideBanner);

    m_modelButton->setText(controller->isModelLoaded() ? modelDisplayName(controller->modelInfo()) + QStringLiteral("  ▾")
                                                       : tr("No model  ▾"));
    onSessionInfoChanged(controller->activeSession());
    updateSendState();
    updateEmptyHint();
}

QString ChatPane::bannerText() const { return m_banner->isVisible() ? m_bannerLabel->text() : QString(); }

bool ChatPane::sendInput() {
    const QString text = m_input->toPlainText();
    // While a reply streams, Enter keeps the draft (Send is replaced by Stop).
    if (text.trimmed().isEmpty() || m_controller->isGenerating()) return false;
    hideBanner();
    if (!m_controller->send(text)) return false;
    m_input->clear();
    m_view->scrollToBottom();
    return true;
}

bool ChatPane::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_input && (event->type() == QEvent::FocusIn || event->type() == QEvent::FocusOut)) {
        // The frame around the input shows the focus (style sheet: QFrame#inputFrame[focused="true"]).
        m_inputFrame->setProperty("focused", event->type() == QEvent::FocusIn);
        m_inputFrame->style()->unpolish(m_inputFrame);
        m_inputFrame->style()->polish(m_inputFrame);
    }
    return QWidget::eventFilter(watched, event);
}

void ChatPane::focusInput() { m_input->setFocus(Qt::ShortcutFocusReason); }

void ChatPane::setSettingsVisible(bool visible) {
    m_settings->setVisible(visible);
    if (m_settingsButton->isChecked() != visible) m_settingsButton->setChecked(visible);
    if (visible) m_settings->setValues(m_controller->activeSystemPrompt(), m_controller->activeChatSettings());
}

void ChatPane::showBanner(const QString& message) {
    m_bannerLabel->setText(message);
    m_dropTurnsButton->hide();
    m_summarizeButton->hide();
    m_fillContextButton->hide();
    m_banner->show();
}

void ChatPane::hideBanner() { m_banner->hide(); }

void ChatPane::showOverflowBanner(int needed, int available) {
    m_bannerLabel->setText(tr("This conversation needs %1 tokens but the model’s context holds %2. Summarise or drop "
                              "the oldest turns (the system prompt stays), or write until the context is full?")
                               .arg(needed)
                               .arg(available));
    m_dropTurnsButton->show();
    m_summarizeButton->show();
    m_fillContextButton->show();
    m_banner->show();
}

void ChatPane::onGeneratingChanged(bool generating) {
    m_view->setBusy(generating);
    m_stopButton->setVisible(generating);
    m_sendButton->setVisible(!generating);
    updateSendState();
}

void ChatPane::onSessionInfoChanged(const SessionInfo& info) {
    m_title->setText(info.id ? info.title : tr("Tessera"));
    if (m_settings->isVisible() || info.id)
        m_settings->setValues(info.settings.systemPrompt, chatSettingsFromJson(info.settings.sampling));
}

void ChatPane::onModelLoaded(const ModelInfo& info) {
    m_modelButton->setText(modelDisplayName(info) + QStringLiteral("  ▾"));
    m_modelButton->setToolTip(info.path);
    updateSendState();
    updateEmptyHint();
}

void ChatPane::updateSendState() {
    m_sendButton->setEnabled(m_controller->isModelLoaded() && !m_controller->isGenerating() &&
                             !m_input->toPlainText().trimmed().isEmpty());
}

void ChatPane::updateEmptyHint() {
    if (m_controller->isModelLoading())
        m_view->setEmptyHint(tr("Loading the model…"), tr("This takes a moment for large files."));
    else if (!m_controller->isModelLoaded())
        m_view->setEmptyHint(tr("Open a model to begin"),
                             tr("Pick a GGUF file with the model button above or Ctrl+O. Everything stays on this "
                                "computer."));
    else
        m_view->setEmptyHint(tr("What’s on your mind?"),
                             tr("Ask anything. Enter sends, Shift+Enter starts a new line. Everything stays on this "
                                "computer."));
}

}  // namespace tessera
