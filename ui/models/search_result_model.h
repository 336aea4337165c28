#pragma once
// SearchResultModel: SessionStore::search hits for the sidebar's search box, best first.
#include <QAbstractListModel>
#include <QList>

#include "app/services/session_store.h"

namespace tessera {

class SearchResultModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        SessionIdRole = Qt::UserRole + 1,
        SessionTitleRole,
        MessageIdRole,
        MessageRoleRole,  // MessageRole as int
        SnippetRole,      // as the store gives it: matched terms in [ and ]
        SnippetHtmlRole,  // the snippet escaped, matched terms in <b>
    };

    explicit SearchResultModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setResults(const QString& query, const QList<SearchHit>& hits);
    void clear();
    QString query() const { return m_query; }
    const QList<SearchHit>& hits() const { return m_hits; }

    // "[cat] sat" -> "<b>cat</b> sat", everything else HTML-escaped.
    static QString snippetToHtml(const QString& snippet);

private:
    QString m_query;
    QList<SearchHit> m_hits;
};

}  // namespace tessera
