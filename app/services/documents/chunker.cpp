#include "app/services/documents/chunker.h"

#include <QRegularExpression>
#include <algorithm>
#include <vector>

namespace tessera::docs {
namespace {

// A sentence (or code line, or a piece of an over-long sentence) with its place in the page.
struct Unit {
    QString text;
    int lineStart = 0;
    int lineEnd = 0;
    int nTokens = 0;
    bool paragraphStart = false;
};

// Splits `para` (lines firstLine.. joined by '\n') into sentences. A sentence ends after . ! ? (and
// closing quotes/brackets) followed by white space, or at a line that is itself a list item or heading.
void splitSentences(const QString& para, int firstLine, bool lineUnits, QList<Unit>* out) {
    static const QRegularExpression boundary(QStringLiteral("[.!?\\x{3002}\\x{FF01}\\x{FF1F}][\"'\\)\\]\\x{201D}\\x{2019}]*\\s+"));
    QList<qsizetype> cuts;  // end offsets of units
    if (lineUnits) {
        for (qsizetype i = 0; i < para.size(); ++i)
            if (para[i] == QLatin1Char('\n')) cuts << i + 1;
    } else {
        auto it = boundary.globalMatch(para);
        while (it.hasNext()) cuts << it.next().capturedEnd();
        // Markdown-ish structure: a line starting with a bullet, number or '#' starts a unit.
        static const QRegularExpression itemStart(QStringLiteral("\\n(?=\\s*([-*+]\\s|#|\\d+[.)]\\s|\\|))"));
        auto jt = itemStart.globalMatch(para);
        while (jt.hasNext()) cuts << jt.next().capturedEnd();
        std::sort(cuts.begin(), cuts.end());
    }
    cuts << para.size();
    // Offsets of the '\n's, so that a unit's lines are found by binary search (a 10 MB log file is
    // one paragraph of 100k lines: counting from the start for every unit would be quadratic).
    std::vector<qsizetype> newlines;
    for (qsizetype i = 0; i < para.size(); ++i)
        if (para[i] == QLatin1Char('\n')) newlines.push_back(i);
    auto lineOf = [&](qsizetype offset) {  // newlines before `offset`
        return static_cast<int>(std::lower_bound(newlines.begin(), newlines.end(), offset) - newlines.begin());
    };
    qsizetype start = 0;
    bool first = true;
    for (qsizetype end : cuts) {
        if (end <= start) continue;
        const QString piece = para.mid(start, end - start);
        const QString trimmed = piece.trimmed();
        if (!trimmed.isEmpty()) {
            // Lines of the first and last non-space characters.
            qsizetype a = start;
            while (a < end && para[a].isSpace()) ++a;
            qsizetype b = end - 1;
            while (b > a && para[b].isSpace()) --b;
            Unit u;
            u.text = lineUnits ? piece.trimmed() : trimmed;
            u.lineStart = firstLine + lineOf(a);
            u.lineEnd = firstLine + lineOf(b);
            u.paragraphStart = first;
            first = false;
            out->push_back(u);
        }
        start = end;
    }
}

// Cuts a unit over the budget into pieces of whole words (characters, for a giant "word").
void splitLongUnit(const Unit& u, int budget, const TokenCounter& count, QList<Unit>* out) {
    static const QRegularExpression ws(QStringLiteral("\\s+"));
    const QStringList words = u.text.split(ws, Qt::SkipEmptyParts);
    Unit cur = u;
    cur.text.clear();
    cur.nTokens = 0;
    auto flush = [&]() {
        if (cur.text.isEmpty()) return;
        out->push_back(cur);
        cur.paragraphStart = false;
        cur.text.clear();
        cur.nTokens = 0;
    };
    for (const QString& w : words) {
        int n = count(w);
        if (n > budget) {
            flush();
            // Halve by characters until each piece fits.
            QStringList pieces{w};
            while (!pieces.isEmpty()) {
                const QString p = pieces.takeFirst();
                const int pn = count(p);
                if (pn <= budget || p.size() <= 1) {
                    Unit x = cur;
                    x.text = p;
                    x.nTokens = std::min(pn, budget);
                    out->push_back(x);
                    cur.paragraphStart = false;
                } else {
                    pieces.prepend(p.mid(p.size() / 2));
                    pieces.prepend(p.left(p.size() / 2));
                }
            }
            continue;
        }
        if (cur.nTokens + n > budget) flush();
        if (!cur.text.isEmpty()) cur.text += QLatin1Char(' ');
        cur.text += w;
        cur.nTokens += n;
    }
    flush();
}

}  // namespace

QList<TextChunk> chunkPages(const QList<ExtractedPage>& pages, const ChunkerOptions& options, const TokenCounter& count) {
    const int budget = std::max(options.maxTokens, 8);
    const int overlap = std::clamp(options.overlapTokens, 0, budget / 2);
    QList<TextChunk> chunks;
    for (const ExtractedPage& page : pages) {
        // 1. Paragraphs (runs of non-blank lines; every line is one for code) -> units.
        QList<Unit> units;
        const QStringList lines = page.text.split(QLatin1Char('\n'));
        int i = 0;
        while (i < lines.size()) {
            if (lines[i].trimmed().isEmpty()) {
                ++i;
                continue;
            }
            int j = i;
            while (j < lines.size() && !lines[j].trimmed().isEmpty()) ++j;
            const QString para = lines.mid(i, j - i).join(QLatin1Char('\n'));
            splitSentences(para, i + 1, options.lineUnits, &units);
            i = j;
        }
        // 2. Token counts; over-long units cut to fit.
        QList<Unit> sized;
        for (Unit& u : units) {
            u.nTokens = count(u.text);
            if (u.nTokens <= budget) sized.push_back(u);
            else splitLongUnit(u, budget, count, &sized);
        }
        // 3. Pack units into chunks. A new paragraph that does not fit closes a chunk that is at least
        //    half full (no overlap across a paragraph break); inside a paragraph, the next chunk repeats
        //    the last units of the previous one, up to `overlap` tokens.
        QList<Unit> cur;
        int curTokens = 0;
        auto flushChunk = [&]() {
            if (cur.isEmpty()) return;
            TextChunk c;
            c.page = page.page;
            c.lineStart = cur.front().lineStart;
            c.lineEnd = cur.front().lineEnd;
            for (int k = 0; k < cur.size(); ++k) {
                if (k > 0) {
                    c.text += cur[k].paragraphStart ? QStringLiteral("\n\n")
                                                    : (options.lineUnits ? QStringLiteral("\n") : QStringLiteral(" "));
                }
                c.text += cur[k].text;
                c.lineStart = std::min(c.lineStart, cur[k].lineStart);
                c.lineEnd = std::max(c.lineEnd, cur[k].lineEnd);
            }
            c.nTokens = curTokens;
            chunks.push_back(c);
        };
        for (int k = 0; k < sized.size(); ++k) {
            const Unit& u = sized[k];
            int paraTokens = u.nTokens;
            if (u.paragraphStart) {
                for (int m = k + 1; m < sized.size() && !sized[m].paragraphStart; ++m) paraTokens += sized[m].nTokens;
            }
            const bool breakAtParagraph = u.paragraphStart && !cur.isEmpty() && curTokens + paraTokens > budget &&
                                          curTokens >= budget / 2;
            if (breakAtParagraph) {
                flushChunk();
                cur.clear();
                curTokens = 0;
            } else if (!cur.isEmpty() && curTokens + u.nTokens > budget) {
                flushChunk();
                QList<Unit> tail;
                int tailTokens = 0;
                if (!u.paragraphStart) {
                    for (int m = int(cur.size()) - 1; m >= 1; --m) {  // never the whole previous chunk
                        if (tailTokens + cur[m].nTokens > overlap || tailTokens + cur[m].nTokens + u.nTokens > budget) break;
                        tail.prepend(cur[m]);
                        tailTokens += cur[m].nTokens;
                        if (cur[m].paragraphStart) break;
                    }
                }
                cur = tail;
                curTokens = tailTokens;
            }
            cur.push_back(u);
            curTokens += u.nTokens;
        }
        flushChunk();
    }
    return chunks;
}

}  // namespace tessera::docs
