#include "app/services/documents/grounded_prompt.h"

#include <QFileInfo>
#include <QRegularExpression>

namespace tessera::docs {

QString sourceLabel(const ChunkRecord& c) {
    QString s = QFileInfo(c.path).fileName();
    if (c.page > 0) s += QStringLiteral(" p. %1").arg(c.page);
    if (c.lineStart > 0) {
        s += c.lineEnd > c.lineStart ? QStringLiteral(", lines %1-%2").arg(c.lineStart).arg(c.lineEnd)
                                     : QStringLiteral(", line %1").arg(c.lineStart);
    }
    return s;
}

GroundedPrompt buildGroundedPrompt(const QString& question, const QList<SearchResult>& results, int maxCharsPerSource) {
    GroundedPrompt p;
    p.system = QStringLiteral(
        "You answer questions using only the numbered sources provided by the user. Cite the sources you use "
        "with their numbers in square brackets, for example [1] or [2][3], right after the statement they "
        "support. If the sources do not contain the answer, say so instead of guessing.");
    QString u = QStringLiteral("Sources:\n");
    for (qsizetype i = 0; i < results.size(); ++i) {
        const ChunkRecord& c = results[i].chunk;
        QString text = c.text.simplified();
        if (text.size() > maxCharsPerSource) text = text.left(maxCharsPerSource) + QStringLiteral(" …");
        u += QStringLiteral("[%1] %2\n%3\n\n").arg(i + 1).arg(sourceLabel(c), text);
    }
    u += QStringLiteral("Question: %1\nAnswer with citations like [1].").arg(question.trimmed());
    p.user = u;
    return p;
}

QList<int> citedSources(const QString& answer, int nSources) {
    static const QRegularExpression group(QStringLiteral("\\[(\\s*\\d+\\s*(?:[,;]\\s*\\d+\\s*)*)\\]"));
    static const QRegularExpression number(QStringLiteral("\\d+"));
    QList<int> out;
    auto it = group.globalMatch(answer);
    while (it.hasNext()) {
        auto nums = number.globalMatch(it.next().captured(1));
        while (nums.hasNext()) {
            bool ok = false;
            const int n = nums.next().captured(0).toInt(&ok);
            if (ok && n >= 1 && n <= nSources && !out.contains(n)) out << n;
        }
    }
    return out;
}

}  // namespace tessera::docs
