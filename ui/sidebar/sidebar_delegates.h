#pragma once
// Painting of the sidebar rows: sessions (title and a short relative date) and search hits (chat
// title and the snippet with the matched words in bold). Colours come from the palette (theme.h).
#include <QStyledItemDelegate>

namespace tessera {

class SessionItemDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    void updateEditorGeometry(QWidget* editor, const QStyleOptionViewItem& option,
                              const QModelIndex& index) const override;

    // "now", "12 min", "3 h", "Yesterday", "Tue", "Mar 3", "Mar 3, 2023": `ms` relative to `nowMs`.
    static QString relativeTime(qint64 ms, qint64 nowMs);
};

class SearchHitDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

}  // namespace tessera
