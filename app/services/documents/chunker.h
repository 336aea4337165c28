#pragma once
// Splits extracted pages into chunks for embedding: at most maxTokens tokens of the embedding
// model each (the caller counts; specials such as [CLS]/[SEP] are not included), cut at sentence
// and paragraph boundaries where possible (lines, for source code), with up to overlapTokens tokens
// of the previous chunk repeated at the start of the next one inside a paragraph. Chunks never span
// pages, and each keeps its page and 1-based line range within that page (or the file).
#include <QList>
#include <QString>
#include <functional>

#include "app/services/documents/document_extractor.h"

namespace tessera::docs {

struct ChunkerOptions {
    int maxTokens = 256;
    int overlapTokens = 32;
    bool lineUnits = false;  // source code: lines are the units (no sentence splitting)
};

struct TextChunk {
    int page = 0;       // as ExtractedPage::page
    int lineStart = 0;  // 1-based, inclusive
    int lineEnd = 0;
    QString text;
    int nTokens = 0;    // Σ of the units' counts (the counter's view)
};

// Number of model tokens in a piece of text (no specials).
using TokenCounter = std::function<int(const QString&)>;

QList<TextChunk> chunkPages(const QList<ExtractedPage>& pages, const ChunkerOptions& options, const TokenCounter& count);

}  // namespace tessera::docs
