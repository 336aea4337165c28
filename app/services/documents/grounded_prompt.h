#pragma once
// Answers grounded in retrieved chunks: the chunks become numbered sources in the prompt, the model
// is asked to cite them as [n], and the citations of an answer are read back.
#include <QList>
#include <QString>

#include "app/services/documents/document_search.h"

namespace tessera::docs {

struct GroundedPrompt {
    QString system;  // instructions (cite as [n], say when the sources do not contain the answer)
    QString user;    // "Sources:\n[1] file (page 2, lines 4-9)\n<text>\n...\nQuestion: ..."
};

// "report.pdf p. 3, lines 10-14" / "notes.md, lines 1-5" (file name only; page omitted when 0).
QString sourceLabel(const ChunkRecord& chunk);

// Sources are numbered 1..n in the order of `results`; each text is cut to maxCharsPerSource.
GroundedPrompt buildGroundedPrompt(const QString& question, const QList<SearchResult>& results,
                                   int maxCharsPerSource = 2000);

// The distinct source numbers cited as [n] or [n, m] in `answer`, in order of first citation,
// restricted to 1..nSources.
QList<int> citedSources(const QString& answer, int nSources);

}  // namespace tessera::docs
