#pragma once
// Text out of the files a user points the document index at, page by page:
//   pdf       Poppler-Qt6, text per page; a page without a text layer is rendered and OCR'd
//   docx      word/document.xml from the zip (ZipReader), paragraphs -> lines
//   txt, md, source code: decoded as UTF-8 (BOM-aware; invalid bytes -> U+FFFD), lines kept
//   html      tags stripped (script/style dropped), block ends -> new lines, entities decoded
//   images    OCR (png, jpg, jpeg, gif, bmp, tif, tiff, webp, pbm/pgm/ppm)
// Hostile input never crashes: sizes, page counts and render sizes are capped and every failure is
// a Status. Lines are '\n'-separated so that chunks can cite line ranges.
#include <QByteArray>
#include <QList>
#include <QString>
#include <atomic>
#include <memory>

#include "app/services/documents/ocr_engine.h"
#include "engine/core/status.h"

class QImage;

namespace tessera::docs {

enum class DocumentKind { text, markdown, html, code, pdf, docx, image };

QString documentKindName(DocumentKind kind);  // "text", "markdown", ...
// The kind a path is indexed as (by extension, a few well-known names); false: not indexed.
bool documentKindForPath(const QString& path, DocumentKind* kind);

struct ExtractedPage {
    int page = 0;     // 1-based page (PDF); 0 for files without pages
    QString text;     // '\n'-separated lines
    bool ocr = false; // recognised from an image of the page
};

struct ExtractedDocument {
    DocumentKind kind = DocumentKind::text;
    QList<ExtractedPage> pages;
    int nPages = 0;         // pages in the file (PDF), 1 otherwise
    int nOcrPages = 0;
    QStringList warnings;   // pages that failed (the rest of the document is kept)
};

struct ExtractOptions {
    bool ocr = true;          // OCR images and PDF pages without text
    OcrOptions ocrOptions;
    int ocrDpi = 200;         // PDF pages are rendered at this resolution for OCR
    qint64 maxFileBytes = 512ll << 20;
    int maxPages = 10000;
    const std::atomic<bool>* cancel = nullptr;  // checked between pages
};

class DocumentExtractor {
public:
    explicit DocumentExtractor(ExtractOptions options = {});
    ~DocumentExtractor();

    Result<ExtractedDocument> extract(const QString& path);
    // For formats read from memory (tests, archives): text kinds, html, docx, images. PDFs too.
    Result<ExtractedDocument> extractData(const QByteArray& data, DocumentKind kind);

    // Exposed for tests.
    static QString htmlToText(const QString& html);
    static Result<QString> docxToText(const QByteArray& docx);
    static QString decodeText(const QByteArray& bytes);

private:
    Result<ExtractedDocument> extractPdf(const QByteArray& data);
    Result<ExtractedDocument> extractImage(const QByteArray& data);
    Result<QString> ocr(const QImage& image, int dpi);
    bool cancelled() const { return m_options.cancel && m_options.cancel->load(std::memory_order_relaxed); }

    ExtractOptions m_options;
    std::unique_ptr<OcrEngine> m_ocr;  // created on first use
    Status m_ocrStatus;                // why OCR is unavailable, once known
    bool m_ocrTried = false;
};

}  // namespace tessera::docs
