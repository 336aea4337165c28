#include "ui/models/search_result_model.h"

namespace tessera {

SearchResultModel::SearchResultModel(QObject* parent) : QAbstractListModel(parent) {}

int SearchResultModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_hits.size());
}

QVariant SearchResultModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const SearchHit& h = m_hits.at(index.row());
    switch (role) {
        case Qt::DisplayRole: return h.sessionTitle;
        case Qt::ToolTipRole: return QString(h.snippet).remove(QLatin1Char('[')).remove(QLatin1Char(']'));
        case Qt::AccessibleTextRole:
            return tr("%1: %2").arg(h.sessionTitle, QString(h.snippet).remove(QLatin1Char('[')).remove(QLatin1Char(']')));
        case SessionIdRole: return h.sessionId;
        case SessionTitleRole: return h.sessionTitle;
        case MessageIdRole: return h.messageId;
        case MessageRoleRole: return static_cast<int>(h.role);
        case SnippetRole: return h.snippet;
        case SnippetHtmlRole: return snippetToHtml(h.snippet);
        default: return {};
    }
}

QHash<int, QByteArray> SearchResultModel::roleNames() const {
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(SessionIdRole, "sessionId");
    names.insert(SessionTitleRole, "sessionTitle");
    names.insert(MessageIdRole, "messageId");
    names.insert(MessageRoleRole, "messageRole");
    names.insert(SnippetRole, "snippet");
    names.insert(SnippetHtmlRole, "snippetHtml");
    return names;
}

void SearchResultModel::setResults(const QString& query, const QList<SearchHit>& hits) {
    beginResetModel();
    m_query = query;
    m_hits = hits;
    endResetModel();
}

void SearchResultModel::clear() { setResults(QString(), {}); }

QString SearchResultModel::snippetToHtml(const QString& snippet) {
    QString html;
    QString run;
    bool inTerm = false;
    auto flush = [&] {
        if (run.isEmpty()) return;
        html += inTerm ? QStringLiteral("<b>%1</b>").arg(run.toHtmlEscaped()) : run.toHtmlEscaped();
        run.clear();
    };
    for (QChar ch : snippet) {
        if (ch == QLatin1Char('[') && !inTerm) {
            flush();
            inTerm = true;
        } else if (ch == QLatin1Char(']') && inTerm) {
            flush();
            inTerm = false;
        } else {
            run += ch;
        }
    }
    flush();
    return html;
}

}  // namespace tessera
