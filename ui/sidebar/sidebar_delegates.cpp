#include "ui/sidebar/sidebar_delegates.h"

#include <QAbstractTextDocumentLayout>
#include <QDateTime>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QTextDocument>

#include "ui/models/search_result_model.h"
#include "ui/models/session_list_model.h"
#include "ui/theme.h"

namespace tessera {
namespace {

constexpr int kRowMargin = 4;  // horizontal gap between the list edge and a row's rounded background
constexpr int kRadius = 7;

void paintRowBackground(QPainter* p, const QStyleOptionViewItem& option, bool active) {
    const ThemeColors c = theme::current();
    QColor bg;
    if (option.state & QStyle::State_Selected || active) bg = c.selection;
    else if (option.state & QStyle::State_MouseOver) bg = c.hover;
    if (!bg.isValid()) return;
    QPainterPath path;
    path.addRoundedRect(QRectF(option.rect.adjusted(kRowMargin, 1, -kRowMargin, -1)), kRadius, kRadius);
    p->fillPath(path, bg);
}

}  // namespace

QString SessionItemDelegate::relativeTime(qint64 ms, qint64 nowMs) {
    const qint64 minutes = (nowMs - ms) / 60000;
    if (minutes < 1) return tr("now");
    if (minutes < 60) return tr("%1 min").arg(minutes);
    const QDateTime then = QDateTime::fromMSecsSinceEpoch(ms);
    const QDateTime now = QDateTime::fromMSecsSinceEpoch(nowMs);
    const qint64 days = then.date().daysTo(now.date());
    if (days == 0) return tr("%1 h").arg(minutes / 60);
    if (days == 1) return tr("Yesterday");
    if (days < 7) return QLocale().dayName(then.date().dayOfWeek(), QLocale::ShortFormat);
    if (then.date().year() == now.date().year()) return QLocale().toString(then.date(), QStringLiteral("MMM d"));
    return QLocale().toString(then.date(), QStringLiteral("MMM d, yyyy"));
}

void SessionItemDelegate::paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const {
    p->save();
    p->setRenderHint(QPainter::Antialiasing);
    const bool active = index.data(SessionListModel::ActiveRole).toBool();
    paintRowBackground(p, option, active);
    const ThemeColors c = theme::current();
    const QRect r = option.rect.adjusted(kRowMargin + 10, 0, -(kRowMargin + 10), 0);

    const QString when = relativeTime(index.data(SessionListModel::UpdatedAtRole).toLongLong(),
                                      QDateTime::currentMSecsSinceEpoch());
    QFont small = option.font;
    small.setPointSizeF(option.font.pointSizeF() * 0.85);
    const QFontMetrics smallMetrics(small);
    const int whenWidth = smallMetrics.horizontalAdvance(when);
    p->setFont(small);
    p->setPen(c.mutedText);
    p->drawText(QRect(r.right() - whenWidth, r.top(), whenWidth, r.height()), Qt::AlignVCenter | Qt::AlignRight, when);

    QFont titleFont = option.font;
    if (active) titleFont.setWeight(QFont::DemiBold);
    p->setFont(titleFont);
    p->setPen(c.text);
    const QRect titleRect(r.left(), r.top(), r.width() - whenWidth - 10, r.height());
    QString title = index.data(SessionListModel::TitleRole).toString();
    if (index.data(SessionListModel::PinnedRole).toBool()) title.prepend(QStringLiteral("• "));
    p->drawText(titleRect, Qt::AlignVCenter | Qt::AlignLeft,
                QFontMetrics(titleFont).elidedText(title, Qt::ElideRight, titleRect.width()));
    p->restore();
}

QSize SessionItemDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const {
    return QSize(200, QFontMetrics(option.font).height() + 18);
}

void SessionItemDelegate::updateEditorGeometry(QWidget* editor, const QStyleOptionViewItem& option,
                                               const QModelIndex&) const {
    editor->setGeometry(option.rect.adjusted(kRowMargin + 4, 2, -(kRowMargin + 4), -2));
}

void SearchHitDelegate::paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const {
    p->save();
    p->setRenderHint(QPainter::Antialiasing);
    paintRowBackground(p, option, false);
    const ThemeColors c = theme::current();
    const QRect r = option.rect.adjusted(kRowMargin + 10, 6, -(kRowMargin + 10), -6);

    QFont titleFont = option.font;
    titleFont.setWeight(QFont::DemiBold);
    const QFontMetrics tm(titleFont);
    p->setFont(titleFont);
    p->setPen(c.text);
    p->drawText(QRect(r.left(), r.top(), r.width(), tm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                tm.elidedText(index.data(SearchResultModel::SessionTitleRole).toString(), Qt::ElideRight, r.width()));

    QTextDocument doc;
    QFont small = option.font;
    small.setPointSizeF(option.font.pointSizeF() * 0.9);
    doc.setDefaultFont(small);
    doc.setDocumentMargin(0);
    doc.setTextWidth(r.width());
    doc.setHtml(QStringLiteral("<span style=\"color:%1\">%2</span>")
                    .arg(c.mutedText.name(), index.data(SearchResultModel::SnippetHtmlRole).toString()));
    const int snippetTop = r.top() + tm.height() + 2;
    const QRect clip(r.left(), snippetTop, r.width(), r.bottom() - snippetTop);
    p->translate(clip.topLeft());
    QAbstractTextDocumentLayout::PaintContext ctx;
    ctx.clip = QRectF(0, 0, clip.width(), clip.height());
    ctx.palette.setColor(QPalette::Text, c.mutedText);
    p->setClipRect(ctx.clip);
    doc.documentLayout()->draw(p, ctx);
    p->restore();
}

QSize SearchHitDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const {
    const QFontMetrics fm(option.font);
    return QSize(200, fm.height() * 3 + 16);
}

}  // namespace tessera
