#include "ui/chat/message_list_view.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QScrollBar>
#include <QTimer>
#include <QVBoxLayout>

#include "ui/chat/message_widget.h"
#include "ui/models/message_list_model.h"

namespace tessera {
namespace {

constexpr int kColumnWidth = 860;
constexpr int kBottomSlack = 48;  // px from the bottom that still count as "at the bottom"

}  // namespace

MessageListView::MessageListView(QWidget* parent) : QScrollArea(parent) {
    setObjectName(QStringLiteral("messageScroll"));
    setAccessibleName(tr("Conversation"));
    setFrameShape(QFrame::NoFrame);
    setWidgetResizable(true);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

    auto* contents = new QWidget;
    contents->setObjectName(QStringLiteral("messageScrollContents"));
    auto* row = new QHBoxLayout(contents);
    row->setContentsMargins(24, 16, 24, 16);
    row->addStretch(1);
    m_column = new QWidget;
    m_column->setObjectName(QStringLiteral("messageColumn"));
    m_column->setMaximumWidth(kColumnWidth);
    m_column->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    m_columnLayout = new QVBoxLayout(m_column);
    m_columnLayout->setContentsMargins(0, 0, 0, 0);
    m_columnLayout->setSpacing(6);

    m_empty = new QWidget;
    auto* emptyLayout = new QVBoxLayout(m_empty);
    emptyLayout->addStretch(1);
    m_emptyTitle = new QLabel;
    m_emptyTitle->setAlignment(Qt::AlignCenter);
    QFont big = m_emptyTitle->font();
    big.setPointSizeF(big.pointSizeF() * 1.8);
    big.setBold(true);
    m_emptyTitle->setFont(big);
    m_emptyText = new QLabel;
    m_emptyText->setObjectName(QStringLiteral("muted"));
    m_emptyText->setAlignment(Qt::AlignCenter);
    m_emptyText->setWordWrap(true);
    emptyLayout->addWidget(m_emptyTitle);
    emptyLayout->addWidget(m_emptyText);
    emptyLayout->addStretch(2);
    m_columnLayout->addWidget(m_empty, 1);
    m_columnLayout->addStretch(0);
    setEmptyHint(tr("What’s on your mind?"), tr("Everything stays on this computer."));

    row->addWidget(m_column, 100);
    row->addStretch(1);
    setWidget(contents);

    // Keep to the bottom while content grows, unless the user scrolled away.
    connect(verticalScrollBar(), &QScrollBar::rangeChanged, this, [this](int, int max) {
        if (m_stickToBottom) verticalScrollBar()->setValue(max);
    });
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        m_stickToBottom = value >= verticalScrollBar()->maximum() - kBottomSlack;
    });
}

void MessageListView::setModel(MessageListModel* model) {
    if (m_model) disconnect(m_model, nullptr, this, nullptr);
    m_model = model;
    if (m_model) {
        connect(m_model, &QAbstractItemModel::modelReset, this, &MessageListView::rebuild);
        connect(m_model, &QAbstractItemModel::rowsInserted, this,
                [this](const QModelIndex&, int first, int last) { insertRows(first, last); });
        connect(m_model, &QAbstractItemModel::rowsRemoved, this,
                [this](const QModelIndex&, int first, int last) { removeRows(first, last); });
        connect(m_model, &QAbstractItemModel::dataChanged, this,
                [this](const QModelIndex& tl, const QModelIndex& br) { updateRows(tl.row(), br.row()); });
        connect(m_model, &QAbstractItemModel::layoutChanged, this, &MessageListView::rebuild);
        connect(m_model, &QAbstractItemModel::rowsMoved, this, &MessageListView::rebuild);
    }
    rebuild();
}

void MessageListView::setBusy(bool busy) {
    m_busy = busy;
    for (MessageWidget* w : m_widgets) w->setBusy(busy);
}

void MessageListView::setEmptyHint(const QString& title, const QString& text) {
    m_emptyTitle->setText(title);
    m_emptyText->setText(text);
}

MessageWidget* MessageListView::createWidget(int row) {
    const QModelIndex index = m_model->index(row, 0);
    const auto role = static_cast<MessageRole>(index.data(MessageListModel::MessageRoleRole).toInt());
    auto* w = new MessageWidget(role, index.data(MessageListModel::IdRole).toLongLong());
    w->setBusy(m_busy);
    w->setFromIndex(index);
    connect(w, &MessageWidget::editSubmitted, this, &MessageListView::editSubmitted);
    connect(w, &MessageWidget::regenerateRequested, this, &MessageListView::regenerateRequested);
    connect(w, &MessageWidget::siblingRequested, this, &MessageListView::siblingRequested);
    connect(w, &MessageWidget::copied, this, &MessageListView::messageCopied);
    return w;
}

void MessageListView::rebuild() {
    for (MessageWidget* w : m_widgets) {
        m_columnLayout->removeWidget(w);
        w->hide();
        w->deleteLater();
    }
    m_widgets.clear();
    if (m_model && m_model->rowCount() > 0) insertRows(0, m_model->rowCount() - 1);
    updateEmptyState();
    m_stickToBottom = true;
    QTimer::singleShot(0, this, &MessageListView::scrollToBottom);
}

void MessageListView::insertRows(int first, int last) {
    // Layout items: [empty page, message widgets..., stretch]
    for (int row = first; row <= last; ++row) {
        MessageWidget* w = createWidget(row);
        m_widgets.insert(row, w);
        m_columnLayout->insertWidget(1 + row, w);
    }
    updateEmptyState();
}

void MessageListView::removeRows(int first, int last) {
    for (int row = last; row >= first; --row) {
        if (row >= m_widgets.size()) continue;
        MessageWidget* w = m_widgets.takeAt(row);
        m_columnLayout->removeWidget(w);
        w->hide();
        w->deleteLater();
    }
    updateEmptyState();
}

void MessageListView::updateRows(int first, int last) {
    for (int row = first; row <= last && row < m_widgets.size(); ++row)
        m_widgets[row]->setFromIndex(m_model->index(row, 0));
}

void MessageListView::updateEmptyState() {
    const bool empty = m_widgets.isEmpty();
    m_empty->setVisible(empty);
    m_columnLayout->setStretch(0, empty ? 1 : 0);
    m_columnLayout->setStretch(m_columnLayout->count() - 1, empty ? 0 : 1);
}

MessageWidget* MessageListView::messageWidget(qint64 messageId) const {
    for (MessageWidget* w : m_widgets)
        if (w->messageId() == messageId) return w;
    return nullptr;
}

MessageWidget* MessageListView::messageWidgetAt(int row) const {
    return row >= 0 && row < m_widgets.size() ? m_widgets[row] : nullptr;
}

void MessageListView::scrollToMessage(qint64 messageId) {
    if (MessageWidget* w = messageWidget(messageId)) {
        m_stickToBottom = false;
        ensureWidgetVisible(w, 0, 40);
    }
}

void MessageListView::scrollToBottom() {
    m_stickToBottom = true;
    verticalScrollBar()->setValue(verticalScrollBar()->maximum());
}

bool MessageListView::isAtBottom() const {
    return verticalScrollBar()->value() >= verticalScrollBar()->maximum() - kBottomSlack;
}

}  // namespace tessera
