#include "ui/chat/message_widget.h"

#include <QClipboard>
#include <QEvent>
#include <QFrame>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/chat/markdown_view.h"
#include "ui/models/message_list_model.h"

namespace tessera {
namespace {

constexpr int kStreamRenderMs = 60;

}  // namespace

MessageWidget::MessageWidget(MessageRole role, qint64 messageId, QWidget* parent)
    : QWidget(parent), m_role(role), m_id(messageId) {
    setObjectName(QStringLiteral("message"));
    setAttribute(Qt::WA_StyledBackground, false);
    m_renderTimer = new QTimer(this);
    m_renderTimer->setSingleShot(true);
    m_renderTimer->setInterval(kStreamRenderMs);
    connect(m_renderTimer, &QTimer::timeout, this, [this] {
        if (m_renderPending) renderBody();
    });

    m_body = new MarkdownView;
    m_copyButton = makeAction(tr("Copy"), tr("Copy message"), tr("Copy the message as Markdown"));
    connect(m_copyButton, &QToolButton::clicked, this, &MessageWidget::copyToClipboard);
    m_editButton = makeAction(tr("Edit"), tr("Edit message"), tr("Edit: the edited message starts a new branch"));
    connect(m_editButton, &QToolButton::clicked, this, &MessageWidget::startEditing);
    m_previousButton = makeAction(QStringLiteral("‹"), tr("Previous version"), tr("Previous version of this message"));
    m_nextButton = makeAction(QStringLiteral("›"), tr("Next version"), tr("Next version of this message"));
    connect(m_previousButton, &QToolButton::clicked, this, [this] { emit siblingRequested(m_id, -1); });
    connect(m_nextButton, &QToolButton::clicked, this, [this] { emit siblingRequested(m_id, +1); });
    m_branchLabel = new QLabel;
    m_branchLabel->setObjectName(QStringLiteral("branchLabel"));
    m_branchLabel->setAccessibleName(tr("Version"));

    m_actions = new QWidget;
    auto* actions = new QHBoxLayout(m_actions);
    actions->setContentsMargins(0, 0, 0, 0);
    actions->setSpacing(2);

    auto* branch = new QWidget;
    auto* branchLayout = new QHBoxLayout(branch);
    branchLayout->setContentsMargins(0, 0, 0, 0);
    branchLayout->setSpacing(0);
    branchLayout->addWidget(m_previousButton);
    branchLayout->addWidget(m_branchLabel);
    branchLayout->addWidget(m_nextButton);
    branch->setObjectName(QStringLiteral("branchNavigation"));

    auto* outer = new QVBoxLayout(this);
    outer->setSpacing(4);
    if (role == MessageRole::user) {
        outer->setContentsMargins(48, 6, 0, 6);
        m_bubble = new QFrame;
        m_bubble->setObjectName(QStringLiteral("userBubble"));
        auto* bubbleLayout = new QVBoxLayout(m_bubble);
        bubbleLayout->setContentsMargins(14, 9, 14, 9);
        bubbleLayout->addWidget(m_body);
        auto* row = new QHBoxLayout;
        row->addStretch(1);
        row->addWidget(m_bubble);
        outer->addLayout(row);
        actions->addStretch(1);
        actions->addWidget(branch);
        actions->addWidget(m_editButton);
        actions->addWidget(m_copyButton);
        m_body->setAccessibleName(tr("Your message"));
    } else {
        outer->setContentsMargins(0, 10, 24, 6);
        auto* row = new QHBoxLayout;
        row->setSpacing(12);
        auto* avatar = new QLabel(role == MessageRole::assistant ? QStringLiteral("T") : QStringLiteral("S"));
        avatar->setObjectName(QStringLiteral("avatar"));
        avatar->setFixedSize(24, 24);
        avatar->setAlignment(Qt::AlignCenter);
        avatar->setAccessibleName(role == MessageRole::assistant ? tr("Assistant") : tr("System"));
        auto* avatarColumn = new QVBoxLayout;
        avatarColumn->addWidget(avatar);
        avatarColumn->addStretch(1);
        row->addLayout(avatarColumn);

        auto* column = new QVBoxLayout;
        column->setSpacing(4);
        auto* header = new QHBoxLayout;
        header->setSpacing(8);
        m_nameLabel = new QLabel(role == MessageRole::assistant ? tr("Assistant") : messageRoleName(role));
        QFont bold = m_nameLabel->font();
        bold.setBold(true);
        m_nameLabel->setFont(bold);
        m_metaLabel = new QLabel;
        m_metaLabel->setObjectName(QStringLiteral("messageMeta"));
        header->addWidget(m_nameLabel);
        header->addWidget(m_metaLabel);
        header->addStretch(1);
        column->addLayout(header);
        column->addWidget(m_body);
        m_statusLabel = new QLabel;
        m_statusLabel->setObjectName(QStringLiteral("messageMeta"));
        m_statusLabel->hide();
        column->addWidget(m_statusLabel);
        row->addLayout(column, 1);
        outer->addLayout(row);

        m_regenerateButton = makeAction(tr("Regenerate"), tr("Regenerate reply"), tr("Write another reply (a new branch)"));
        connect(m_regenerateButton, &QToolButton::clicked, this, [this] { emit regenerateRequested(m_id); });
        actions->setContentsMargins(30, 0, 0, 0);
        actions->addWidget(m_copyButton);
        actions->addWidget(m_regenerateButton);
        actions->addWidget(m_editButton);
        actions->addWidget(branch);
        actions->addStretch(1);
        m_body->setAccessibleName(tr("Assistant reply"));
        if (role != MessageRole::assistant) m_regenerateButton->hide();
    }
    outer->addWidget(m_actions);
    setAccessibleName(role == MessageRole::user ? tr("Your message") : tr("Assistant message"));
    updateActions();
}

QToolButton* MessageWidget::makeAction(const QString& text, const QString& accessibleName, const QString& tip) {
    auto* b = new QToolButton;
    b->setObjectName(QStringLiteral("messageAction"));
    b->setText(text);
    b->setToolTip(tip);
    b->setAccessibleName(accessibleName);
    b->setAutoRaise(true);
    b->setCursor(Qt::PointingHandCursor);
    b->setFocusPolicy(Qt::TabFocus);
    return b;
}

void MessageWidget::setFromIndex(const QModelIndex& index) {
    const QString content = index.data(MessageListModel::ContentRole).toString();
    const auto state = static_cast<MessageState>(index.data(MessageListModel::StateRole).toInt());
    m_siblingIndex = index.data(MessageListModel::SiblingIndexRole).toInt();
    m_siblingCount = index.data(MessageListModel::SiblingCountRole).toInt();
    m_tokensPerSecond = index.data(MessageListModel::TokensPerSecondRole).toDouble();
    m_generatedTokens = index.data(MessageListModel::GeneratedTokensRole).toInt();
    const QString model = index.data(MessageListModel::ModelNameRole).toString();
    if (!model.isEmpty()) m_modelName = model;
    const bool wasStreaming = m_state == MessageState::streaming;
    m_state = state;
    if (content != m_content || m_body->sourceText() != content) {
        m_content = content;
        if (state == MessageState::streaming) {
            m_renderPending = true;
            if (!m_renderTimer->isActive()) m_renderTimer->start();
        } else {
            renderBody();
        }
    } else if (wasStreaming && state != MessageState::streaming && m_renderPending) {
        renderBody();
    }
    updateStatus();
    updateActions();
}

void MessageWidget::setBusy(bool busy) {
    if (busy == m_busy) return;
    m_busy = busy;
    updateActions();
}

void MessageWidget::setModelLabel(const QString& name) {
    m_modelName = name;
    updateStatus();
}

void MessageWidget::renderBody() {
    m_renderPending = false;
    if (m_role == MessageRole::user) {
        m_body->setPlainBody(m_content);
        fitBubble();
    } else {
        m_body->setMarkdownText(m_content);
    }
}

void MessageWidget::updateStatus() {
    if (m_metaLabel) {
        QStringList parts;
        if (!m_modelName.isEmpty()) parts << m_modelName;
        if (m_state == MessageState::complete && m_tokensPerSecond > 0)
            parts << tr("%1 tokens · %2 tok/s").arg(m_generatedTokens).arg(m_tokensPerSecond, 0, 'f', 1);
        m_metaLabel->setText(parts.join(QStringLiteral("  ·  ")));
    }
    if (m_statusLabel) {
        QString status;
        if (m_state == MessageState::streaming && m_content.isEmpty()) status = tr("Thinking…");
        else if (m_state == MessageState::interrupted && m_content.isEmpty()) status = tr("No reply. Regenerate to try again.");
        else if (m_state == MessageState::interrupted) status = tr("Stopped before the end.");
        m_statusLabel->setText(status);
        m_statusLabel->setVisible(!status.isEmpty());
        m_body->setVisible(!m_content.isEmpty());
    }
}

void MessageWidget::updateActions() {
    const bool streaming = m_state == MessageState::streaming;
    m_actions->setVisible(!streaming && !isEditing());
    m_copyButton->setEnabled(!m_content.isEmpty());
    m_editButton->setEnabled(!m_busy);
    if (m_regenerateButton) m_regenerateButton->setEnabled(!m_busy);
    const bool branched = m_siblingCount > 1;
    m_previousButton->parentWidget()->setVisible(branched);
    m_branchLabel->setText(QStringLiteral("%1 / %2").arg(m_siblingIndex + 1).arg(m_siblingCount));
    m_branchLabel->setAccessibleDescription(tr("Version %1 of %2").arg(m_siblingIndex + 1).arg(m_siblingCount));
    m_previousButton->setEnabled(!m_busy && m_siblingIndex > 0);
    m_nextButton->setEnabled(!m_busy && m_siblingIndex + 1 < m_siblingCount);
}

void MessageWidget::copyToClipboard() {
    QGuiApplication::clipboard()->setText(m_content);
    emit copied(m_id);
}

void MessageWidget::startEditing() {
    if (m_editor || m_busy) return;
    m_editFrame = new QFrame;
    m_editFrame->setObjectName(QStringLiteral("inputFrame"));
    auto* layout = new QVBoxLayout(m_editFrame);
    layout->setContentsMargins(10, 8, 10, 8);
    m_editor = new QPlainTextEdit;
    m_editor->setObjectName(QStringLiteral("chatInput"));
    m_editor->setAccessibleName(tr("Edit message"));
    m_editor->setPlainText(m_content);
    m_editor->setMinimumHeight(80);
    m_editor->installEventFilter(this);
    layout->addWidget(m_editor);
    auto* buttons = new QHBoxLayout;
    auto* hint = new QLabel(m_role == MessageRole::user ? tr("Saving starts a new branch with a new reply.")
                                                        : tr("Saving starts a new branch."));
    hint->setObjectName(QStringLiteral("inputHint"));
    auto* cancel = new QPushButton(tr("Cancel"));
    cancel->setAccessibleName(tr("Cancel editing"));
    auto* save = new QPushButton(m_role == MessageRole::user ? tr("Save && send") : tr("Save"));
    save->setObjectName(QStringLiteral("sendButton"));
    save->setAccessibleName(tr("Save edited message"));
    buttons->addWidget(hint, 1);
    buttons->addWidget(cancel);
    buttons->addWidget(save);
    layout->addLayout(buttons);
    connect(cancel, &QPushButton::clicked, this, &MessageWidget::cancelEditing);
    connect(save, &QPushButton::clicked, this, &MessageWidget::submitEdit);

    auto* outer = static_cast<QVBoxLayout*>(this->layout());
    outer->insertWidget(outer->count() - 1, m_editFrame);
    if (m_bubble) m_bubble->hide();
    else m_body->hide();
    updateActions();
    m_editor->setFocus();
    m_editor->moveCursor(QTextCursor::End);
}

void MessageWidget::cancelEditing() {
    if (!m_editFrame) return;
    m_editFrame->deleteLater();
    m_editFrame = nullptr;
    m_editor = nullptr;
    if (m_bubble) m_bubble->show();
    else m_body->setVisible(!m_content.isEmpty());
    updateActions();
}

void MessageWidget::submitEdit() {
    if (!m_editor) return;
    const QString text = m_editor->toPlainText();
    if (text.trimmed().isEmpty()) return;
    cancelEditing();
    if (text != m_content) emit editSubmitted(m_id, text);
}

bool MessageWidget::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_editor) {
        if (event->type() == QEvent::ShortcutOverride) {
            // Esc cancels the edit here rather than stopping a generation.
            if (static_cast<QKeyEvent*>(event)->key() == Qt::Key_Escape) {
                event->accept();
                return true;
            }
        } else if (event->type() == QEvent::KeyPress) {
            auto* key = static_cast<QKeyEvent*>(event);
            if (key->key() == Qt::Key_Escape) {
                cancelEditing();
                return true;
            }
            if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) &&
                !(key->modifiers() & Qt::ShiftModifier)) {
                submitEdit();
                return true;
            }
        }
    }
    return QWidget::eventFilter(watched, event);
}

void MessageWidget::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    fitBubble();
}

void MessageWidget::fitBubble() {
    if (!m_bubble) return;
    const QMargins outer = layout()->contentsMargins();
    const QMargins inner = m_bubble->layout()->contentsMargins();
    const int available = width() - outer.left() - outer.right();
    const int maxText = qMax(80, int(available * 0.85) - inner.left() - inner.right());
    const int text = m_body->idealWidth(maxText);
    m_bubble->setFixedWidth(text + inner.left() + inner.right());
}

}  // namespace tessera
