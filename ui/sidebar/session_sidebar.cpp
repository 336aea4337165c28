#include "ui/sidebar/session_sidebar.h"

#include <QAction>
#include <QFrame>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QPushButton>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "ui/chat_controller.h"
#include "ui/models/search_result_model.h"
#include "ui/models/session_list_model.h"
#include "ui/sidebar/sidebar_delegates.h"

namespace tessera {
namespace {

constexpr int kSearchDelayMs = 150;
constexpr int kUndoVisibleMs = 10000;

QListView* makeList(const QString& name) {
    auto* list = new QListView;
    list->setAccessibleName(name);
    list->setFrameShape(QFrame::NoFrame);
    list->setUniformItemSizes(true);
    list->setMouseTracking(true);
    list->setSelectionMode(QAbstractItemView::SingleSelection);
    list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    list->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    list->viewport()->setAttribute(Qt::WA_Hover);
    return list;
}

}  // namespace

SessionSidebar::SessionSidebar(ChatController* controller, QWidget* parent)
    : QWidget(parent), m_controller(controller) {
    setObjectName(QStringLiteral("sessionSidebar"));
    setAttribute(Qt::WA_StyledBackground, true);
    setAccessibleName(tr("Chats"));
    setMinimumWidth(200);

    auto* brand = new QLabel(tr("Tessera"));
    brand->setObjectName(QStringLiteral("brandLabel"));
    auto* offline = new QLabel(tr("offline"));
    offline->setObjectName(QStringLiteral("muted"));
    auto* brandRow = new QHBoxLayout;
    brandRow->setContentsMargins(6, 0, 6, 0);
    brandRow->addWidget(brand);
    brandRow->addWidget(offline, 0, Qt::AlignBottom);
    brandRow->addStretch(1);

    m_newChat = new QPushButton(tr("+  New chat"));
    m_newChat->setObjectName(QStringLiteral("newChatButton"));
    m_newChat->setAccessibleName(tr("New chat"));
    m_newChat->setToolTip(tr("New chat (Ctrl+N)"));
    m_newChat->setCursor(Qt::PointingHandCursor);

    m_search = new QLineEdit;
    m_search->setObjectName(QStringLiteral("searchBox"));
    m_search->setAccessibleName(tr("Search chats"));
    m_search->setPlaceholderText(tr("Search chats   Ctrl+K"));
    m_search->setClearButtonEnabled(true);
    m_search->installEventFilter(this);

    m_sessions = makeList(tr("Chat list"));
    m_sessions->setModel(controller->sessionModel());
    m_sessions->setItemDelegate(new SessionItemDelegate(m_sessions));
    m_sessions->setEditTriggers(QAbstractItemView::EditKeyPressed | QAbstractItemView::DoubleClicked);
    m_sessions->setContextMenuPolicy(Qt::CustomContextMenu);
    m_sessions->installEventFilter(this);

    m_results = makeList(tr("Search results"));
    m_results->setModel(controller->searchModel());
    m_results->setItemDelegate(new SearchHitDelegate(m_results));
    m_results->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_results->setUniformItemSizes(true);

    m_noResults = new QLabel(tr("No messages match."));
    m_noResults->setObjectName(QStringLiteral("muted"));
    m_noResults->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
    m_noResults->setContentsMargins(0, 20, 0, 0);

    m_pages = new QStackedWidget;
    m_pages->addWidget(m_sessions);
    m_pages->addWidget(m_results);
    m_pages->addWidget(m_noResults);

    m_undoBar = new QFrame;
    m_undoBar->setObjectName(QStringLiteral("undoBar"));
    m_undoBar->setAccessibleName(tr("Chat deleted"));
    m_undoLabel = new QLabel;
    m_undoLabel->setWordWrap(true);
    m_undoButton = new QPushButton(tr("Undo"));
    m_undoButton->setAccessibleName(tr("Undo delete"));
    m_undoButton->setToolTip(tr("Bring the deleted chat back"));
    auto* undoLayout = new QHBoxLayout(m_undoBar);
    undoLayout->setContentsMargins(10, 6, 6, 6);
    undoLayout->addWidget(m_undoLabel, 1);
    undoLayout->addWidget(m_undoButton);
    m_undoBar->hide();

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 14, 10, 10);
    layout->setSpacing(10);
    layout->addLayout(brandRow);
    layout->addWidget(m_newChat);
    layout->addWidget(m_search);
    layout->addWidget(m_pages, 1);
    layout->addWidget(m_undoBar);

    m_searchTimer = new QTimer(this);
    m_searchTimer->setSingleShot(true);
    m_searchTimer->setInterval(kSearchDelayMs);
    connect(m_searchTimer, &QTimer::timeout, this, &SessionSidebar::runSearch);
    m_undoTimer = new QTimer(this);
    m_undoTimer->setSingleShot(true);
    m_undoTimer->setInterval(kUndoVisibleMs);
    connect(m_undoTimer, &QTimer::timeout, m_undoBar, &QWidget::hide);

    connect(m_newChat, &QPushButton::clicked, controller, &ChatController::newSession);
    connect(m_search, &QLineEdit::textChanged, m_searchTimer, qOverload<>(&QTimer::start));
    connect(m_sessions->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) { openRow(current); });
    connect(m_sessions, &QListView::clicked, this, &SessionSidebar::openRow);
    connect(m_sessions, &QListView::customContextMenuRequested, this, &SessionSidebar::showContextMenu);
    connect(m_results, &QListView::clicked, this, &SessionSidebar::openHit);
    connect(m_results, &QListView::activated, this, &SessionSidebar::openHit);
    connect(controller->sessionModel(), &QAbstractItemModel::modelReset, this, &SessionSidebar::selectActiveRow);
    connect(controller->sessionModel(), &QAbstractItemModel::rowsRemoved, this, &SessionSidebar::selectActiveRow);
    connect(controller, &ChatController::activeSessionChanged, this, &SessionSidebar::selectActiveRow);
    connect(controller, &ChatController::sessionDeleted, this,
            [this](qint64, const QString& title) { showUndoBar(title); });
    connect(m_undoButton, &QPushButton::clicked, this, [this] {
        m_undoBar->hide();
        m_controller->undoDelete();
    });
    selectActiveRow();
}

bool SessionSidebar::isShowingSearchResults() const { return m_pages->currentWidget() != m_sessions; }

void SessionSidebar::focusSearch() {
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void SessionSidebar::runSearch() {
    m_searchTimer->stop();
    const QString query = m_search->text().trimmed();
    if (query.isEmpty()) {
        m_controller->search(QString());
        m_pages->setCurrentWidget(m_sessions);
        return;
    }
    m_controller->search(query);
    m_pages->setCurrentWidget(m_controller->searchModel()->rowCount() > 0 ? static_cast<QWidget*>(m_results)
                                                                          : m_noResults);
}

void SessionSidebar::selectActiveRow() {
    if (m_syncing) return;
    m_syncing = true;
    const int row = m_controller->sessionModel()->rowOfId(m_controller->activeSessionId());
    const QModelIndex index = m_controller->sessionModel()->index(row, 0);
    if (row >= 0) {
        m_sessions->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
        m_sessions->scrollTo(index);
    } else {
        m_sessions->selectionModel()->clear();
    }
    m_syncing = false;
}

void SessionSidebar::openRow(const QModelIndex& index) {
    if (m_syncing || !index.isValid()) return;
    m_syncing = true;
    m_controller->openSession(index.data(SessionListModel::IdRole).toLongLong());
    m_syncing = false;
}

void SessionSidebar::openHit(const QModelIndex& index) {
    if (!index.isValid()) return;
    const qint64 sessionId = index.data(SearchResultModel::SessionIdRole).toLongLong();
    const qint64 messageId = index.data(SearchResultModel::MessageIdRole).toLongLong();
    if (m_controller->openSession(sessionId)) emit searchHitOpened(sessionId, messageId);
}

void SessionSidebar::renameCurrent() {
    m_search->clear();
    runSearch();
    const QModelIndex index = m_sessions->currentIndex();
    if (index.isValid()) m_sessions->edit(index);
}

void SessionSidebar::deleteCurrent() {
    const QModelIndex index = m_sessions->currentIndex();
    if (index.isValid()) m_controller->deleteSession(index.data(SessionListModel::IdRole).toLongLong());
}

void SessionSidebar::showContextMenu(const QPoint& pos) {
    const QModelIndex index = m_sessions->indexAt(pos);
    if (!index.isValid()) return;
    const qint64 id = index.data(SessionListModel::IdRole).toLongLong();
    QMenu menu(this);
    menu.addAction(tr("Rename"), this, [this, index] { m_sessions->edit(index); });
    menu.addAction(tr("Delete"), this, [this, id] { m_controller->deleteSession(id); });
    menu.exec(m_sessions->viewport()->mapToGlobal(pos));
}

void SessionSidebar::showUndoBar(const QString& title) {
    m_undoLabel->setText(tr("Deleted “%1”").arg(QFontMetrics(font()).elidedText(title, Qt::ElideMiddle, 140)));
    m_undoBar->show();
    m_undoTimer->start();
}

bool SessionSidebar::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::KeyPress) {
        auto* key = static_cast<QKeyEvent*>(event);
        if (watched == m_sessions && m_sessions->hasFocus()) {  // not while a title is being edited
            if (key->key() == Qt::Key_Delete) {
                deleteCurrent();
                return true;
            }
            if (key->matches(QKeySequence::Undo) && m_controller->canUndoDelete()) {
                m_undoBar->hide();
                m_controller->undoDelete();
                return true;
            }
        }
        if (watched == m_search) {
            if (key->key() == Qt::Key_Escape && !m_search->text().isEmpty()) {
                m_search->clear();
                runSearch();
                return true;
            }
            if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter)) {
                runSearch();
                QListView* list = isShowingSearchResults() ? m_results : m_sessions;
                if (list->model()->rowCount() > 0) {
                    if (list == m_results) openHit(m_results->model()->index(0, 0));
                    else list->setFocus();
                }
                return true;
            }
            if (key->key() == Qt::Key_Down) {
                QListView* list = isShowingSearchResults() ? m_results : m_sessions;
                list->setFocus();
                if (!list->currentIndex().isValid() && list->model()->rowCount() > 0)
                    list->setCurrentIndex(list->model()->index(0, 0));
                return true;
            }
        }
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace tessera
