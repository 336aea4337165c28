#include "app/services/documents/document_extractor.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QImage>
#include <QRegularExpression>
#include <QSizeF>
#include <QStringDecoder>
#include <QXmlStreamReader>
#include <algorithm>
#include <cmath>

#include "app/services/documents/zip_reader.h"

#ifdef TESSERA_HAVE_POPPLER
#include <poppler-qt6.h>
#endif

namespace tessera::docs {

QString documentKindName(DocumentKind kind) {
    switch (kind) {
        case DocumentKind::text: return QStringLiteral("text");
        case DocumentKind::markdown: return QStringLiteral("markdown");
        case DocumentKind::html: return QStringLiteral("html");
        case DocumentKind::code: return QStringLiteral("code");
        case DocumentKind::pdf: return QStringLiteral("pdf");
        case DocumentKind::docx: return QStringLiteral("docx");
        case DocumentKind::image: return QStringLiteral("image");
    }
    return QStringLiteral("text");
}

bool documentKindForPath(const QString& path, DocumentKind* kind) {
    static const QHash<QString, DocumentKind> byExt = [] {
        QHash<QString, DocumentKind> h;
        for (const char* e : {"txt", "text", "log", "rst", "csv", "tsv"}) h.insert(QLatin1String(e), DocumentKind::text);
        for (const char* e : {"md", "markdown", "mdown", "mkd"}) h.insert(QLatin1String(e), DocumentKind::markdown);
        for (const char* e : {"html", "htm", "xhtml"}) h.insert(QLatin1String(e), DocumentKind::html);
        for (const char* e : {"c", "cc", "cpp", "cxx", "h", "hh", "hpp", "hxx", "inl", "py", "js", "mjs", "ts", "tsx",
                              "jsx", "java", "kt", "kts", "scala", "go", "rs", "rb", "php", "cs", "swift", "m", "mm",
                              "sh", "bash", "zsh", "fish", "ps1", "sql", "lua", "pl", "r", "jl", "hs", "ml", "ex",
                              "exs", "erl", "clj", "dart", "vue", "svelte", "qml", "cmake", "json", "yaml", "yml",
                              "toml", "ini", "cfg", "xml", "css", "scss", "less", "proto", "cu", "cuh", "glsl", "zig",
                              "nim", "tex"})
            h.insert(QLatin1String(e), DocumentKind::code);
        h.insert(QStringLiteral("pdf"), DocumentKind::pdf);
        h.insert(QStringLiteral("docx"), DocumentKind::docx);
        for (const char* e : {"png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp", "pbm", "pgm", "ppm"})
            h.insert(QLatin1String(e), DocumentKind::image);
        return h;
    }();
    const QFileInfo fi(path);
    const QString name = fi.fileName();
    if (name == QLatin1String("Makefile") || name == QLatin1String("CMakeLists.txt") || name == QLatin1String("Dockerfile")) {
        *kind = DocumentKind::code;
        return true;
    }
    auto it = byExt.find(fi.suffix().toLower());
    if (it == byExt.end()) return false;
    *kind = *it;
    return true;
}

DocumentExtractor::DocumentExtractor(ExtractOptions options) : m_options(std::move(options)) {}
DocumentExtractor::~DocumentExtractor() = default;

QString DocumentExtractor::decodeText(const QByteArray& bytes) {
    auto enc = QStringConverter::encodingForData(bytes);  // BOM: UTF-8/16/32
    QStringDecoder dec(enc.value_or(QStringConverter::Utf8), QStringConverter::Flag::Stateless);
    QString s = dec.decode(bytes);
    if (!s.isEmpty() && s.front() == QChar(0xFEFF)) s.remove(0, 1);
    s.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    s.replace(QLatin1Char('\r'), QLatin1Char('\n'));
    s.replace(QChar(0), QLatin1Char(' '));
    return s;
}

QString DocumentExtractor::htmlToText(const QString& html) {
    // Not a full HTML parser: drop comments, script/style bodies and tags; block-level closers and
    // <br> become new lines; entities are decoded. Good enough for indexing saved pages and docs.
    static const QRegularExpression comments(QStringLiteral("<!--.*?-->"), QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression hidden(QStringLiteral("<(script|style|noscript|template)\\b[^>]*>.*?</\\1\\s*>"),
                                           QRegularExpression::DotMatchesEverythingOption |
                                               QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression blocks(
        QStringLiteral("<\\s*(br|/title|/p|/div|/li|/h[1-6]|/tr|/table|/ul|/ol|/pre|/blockquote|/section|/article|/header|"
                       "/footer|/dt|/dd|hr)\\b[^>]*>"),
        QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression tags(QStringLiteral("<[^>]*>"));
    static const QRegularExpression entity(QStringLiteral("&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});"));
    // Not \v: PCRE reads it as any vertical space, new lines included.
    static const QRegularExpression spaces(QStringLiteral("[ \\t\\f\\x{0B}]+"));
    static const QRegularExpression blankRuns(QStringLiteral("\\n\\s*\\n\\s*\\n+"));
    static const QHash<QString, QString> named = {
        {QStringLiteral("amp"), QStringLiteral("&")},   {QStringLiteral("lt"), QStringLiteral("<")},
        {QStringLiteral("gt"), QStringLiteral(">")},    {QStringLiteral("quot"), QStringLiteral("\"")},
        {QStringLiteral("apos"), QStringLiteral("'")},  {QStringLiteral("nbsp"), QStringLiteral(" ")},
        {QStringLiteral("mdash"), QString(QChar(0x2014))}, {QStringLiteral("ndash"), QString(QChar(0x2013))},
        {QStringLiteral("hellip"), QString(QChar(0x2026))}, {QStringLiteral("copy"), QString(QChar(0xA9))},
        {QStringLiteral("rsquo"), QString(QChar(0x2019))}, {QStringLiteral("lsquo"), QString(QChar(0x2018))},
        {QStringLiteral("rdquo"), QString(QChar(0x201D))}, {QStringLiteral("ldquo"), QString(QChar(0x201C))},
    };
    QString s = html;
    s.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    s.remove(comments);
    s.remove(hidden);
    s.replace(blocks, QStringLiteral("\n"));
    s.remove(tags);
    QString out;
    out.reserve(s.size());
    qsizetype last = 0;
    auto it = entity.globalMatch(s);
    while (it.hasNext()) {
        const auto m = it.next();
        out += QStringView(s).mid(last, m.capturedStart() - last);
        const QString e = m.captured(1);
        QString rep = m.captured(0);
        if (e.startsWith(QLatin1Char('#'))) {
            bool ok = false;
            const uint cp = (e.size() > 1 && (e[1] == QLatin1Char('x') || e[1] == QLatin1Char('X'))) ? e.mid(2).toUInt(&ok, 16)
                                                                                                     : e.mid(1).toUInt(&ok, 10);
            if (ok && cp > 0 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF)) {
                const char32_t c = cp;
                rep = QString::fromUcs4(&c, 1);
            }
        } else if (auto n = named.find(e); n != named.end()) {
            rep = *n;
        }
        out += rep;
        last = m.capturedEnd();
    }
    out += QStringView(s).mid(last);
    out.replace(spaces, QStringLiteral(" "));
    out.replace(blankRuns, QStringLiteral("\n\n"));
    return out.trimmed();
}

Result<QString> DocumentExtractor::docxToText(const QByteArray& docx) {
    TS_ASSIGN_OR_RETURN(ZipReader zip, ZipReader::open(docx));
    TS_ASSIGN_OR_RETURN(QByteArray xml, zip.read(QStringLiteral("word/document.xml")));
    // WordprocessingML: w:p paragraphs of w:r runs holding w:t text, w:tab, w:br / w:cr.
    // ref: ECMA-376 Part 1, 17.3.1.22 (p), 17.3.3.31 (t), 17.3.3.1 (br), 17.3.3.32 (tab).
    QXmlStreamReader r(xml);
    QString out;
    while (!r.atEnd()) {
        const auto tok = r.readNext();
        if (tok == QXmlStreamReader::StartElement) {
            const QStringView n = r.name();
            if (n == QLatin1String("t")) {
                out += r.readElementText(QXmlStreamReader::IncludeChildElements);
            } else if (n == QLatin1String("tab")) {
                out += QLatin1Char('\t');
            } else if (n == QLatin1String("br") || n == QLatin1String("cr")) {
                out += QLatin1Char('\n');
            }
        } else if (tok == QXmlStreamReader::EndElement && r.name() == QLatin1String("p")) {
            out += QLatin1Char('\n');
        }
    }
    if (r.hasError() && out.trimmed().isEmpty()) {
        return make_error(ErrorCode::format_error, ("docx: word/document.xml: " + r.errorString()).toStdString());
    }
    return out;
}

Result<QString> DocumentExtractor::ocr(const QImage& image, int dpi) {
    if (!m_ocrTried) {
        m_ocrTried = true;
        auto engine = OcrEngine::create(m_options.ocrOptions);
        if (engine.is_ok()) m_ocr = std::move(engine).value();
        else m_ocrStatus = engine.status();
    }
    if (!m_ocr) return m_ocrStatus;
    return m_ocr->recognize(image, dpi);
}

Result<ExtractedDocument> DocumentExtractor::extractImage(const QByteArray& data) {
    ExtractedDocument doc;
    doc.kind = DocumentKind::image;
    doc.nPages = 1;
    if (!m_options.ocr) return doc;  // nothing to index without OCR
    QImage image;
    if (!image.loadFromData(data) || image.isNull()) {
        return make_error(ErrorCode::format_error, "image: not a readable image (or an unsupported format)");
    }
    TS_ASSIGN_OR_RETURN(QString text, ocr(image, 300));
    doc.pages.push_back({0, text, true});
    doc.nOcrPages = 1;
    return doc;
}

Result<ExtractedDocument> DocumentExtractor::extractPdf(const QByteArray& data) {
#ifdef TESSERA_HAVE_POPPLER
    // Poppler reports damaged objects on stderr; a damaged file is our normal case, not news.
    static const bool quiet = [] {
        Poppler::setDebugErrorFunction([](const QString&, const QVariant&) {}, QVariant());
        return true;
    }();
    Q_UNUSED(quiet);
    std::unique_ptr<Poppler::Document> pdf = Poppler::Document::loadFromData(data);
    if (!pdf) return make_error(ErrorCode::format_error, "pdf: Poppler cannot open the file (damaged or not a PDF)");
    if (pdf->isLocked()) return make_error(ErrorCode::unsupported, "pdf: the file is encrypted (password protected)");
    ExtractedDocument doc;
    doc.kind = DocumentKind::pdf;
    doc.nPages = pdf->numPages();
    if (doc.nPages < 0) return make_error(ErrorCode::format_error, "pdf: negative page count");
    const int n = std::min(doc.nPages, m_options.maxPages);
    if (n < doc.nPages) doc.warnings << QStringLiteral("only the first %1 of %2 pages were read").arg(n).arg(doc.nPages);
    for (int i = 0; i < n; ++i) {
        if (cancelled()) return make_error(ErrorCode::cancelled, "pdf: cancelled");
        std::unique_ptr<Poppler::Page> page = pdf->page(i);
        if (!page) {
            doc.warnings << QStringLiteral("page %1 cannot be read").arg(i + 1);
            continue;
        }
        QString text = page->text(QRectF());
        text.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
        text.replace(QLatin1Char('\r'), QLatin1Char('\n'));
        if (!text.trimmed().isEmpty()) {
            doc.pages.push_back({i + 1, text, false});
            continue;
        }
        if (!m_options.ocr) continue;
        // A scanned page: render it and OCR. Cap the bitmap (a hostile MediaBox can be huge).
        const QSizeF pts = page->pageSizeF();  // points, 1/72 inch
        if (!(pts.width() > 1 && pts.height() > 1) || !std::isfinite(pts.width()) || !std::isfinite(pts.height())) {
            doc.warnings << QStringLiteral("page %1 has no usable size").arg(i + 1);
            continue;
        }
        double dpi = m_options.ocrDpi;
        const double maxSide = std::max(pts.width(), pts.height()) / 72.0 * dpi;
        if (maxSide > OcrEngine::kMaxSide) dpi *= OcrEngine::kMaxSide / maxSide;
        if (dpi < 10) {
            doc.warnings << QStringLiteral("page %1 is too large to render").arg(i + 1);
            continue;
        }
        const QImage image = page->renderToImage(dpi, dpi);
        if (image.isNull()) {
            doc.warnings << QStringLiteral("page %1 cannot be rendered").arg(i + 1);
            continue;
        }
        auto ocrText = ocr(image, static_cast<int>(dpi));
        if (!ocrText.is_ok()) {
            if (ocrText.status().code() == ErrorCode::unsupported) {
                doc.warnings << QStringLiteral("page %1 has no text layer and OCR is unavailable: %2")
                                    .arg(i + 1)
                                    .arg(QString::fromStdString(ocrText.status().message()));
                continue;
            }
            return ocrText.status();
        }
        doc.pages.push_back({i + 1, ocrText.value(), true});
        ++doc.nOcrPages;
    }
    return doc;
#else
    Q_UNUSED(data);
    return make_error(ErrorCode::unsupported, "pdf: this build has no Poppler (libpoppler-qt6-dev was missing)");
#endif
}

Result<ExtractedDocument> DocumentExtractor::extractData(const QByteArray& data, DocumentKind kind) {
    ExtractedDocument doc;
    doc.kind = kind;
    doc.nPages = 1;
    switch (kind) {
        case DocumentKind::pdf: return extractPdf(data);
        case DocumentKind::image: return extractImage(data);
        case DocumentKind::docx: {
            TS_ASSIGN_OR_RETURN(QString text, docxToText(data));
            doc.pages.push_back({0, text, false});
            return doc;
        }
        case DocumentKind::html: doc.pages.push_back({0, htmlToText(decodeText(data)), false}); return doc;
        case DocumentKind::text:
        case DocumentKind::markdown:
        case DocumentKind::code: {
            // A NUL in the first 8 KiB: binary data with a text-like name.
            if (data.left(8192).contains('\0') && !QStringConverter::encodingForData(data)) {
                return make_error(ErrorCode::format_error, "text: the file looks binary (NUL bytes)");
            }
            doc.pages.push_back({0, decodeText(data), false});
            return doc;
        }
    }
    return make_error(ErrorCode::internal, "extract: unknown kind");
}

Result<ExtractedDocument> DocumentExtractor::extract(const QString& path) {
    DocumentKind kind;
    if (!documentKindForPath(path, &kind)) {
        return make_error(ErrorCode::unsupported, ("extract: '" + path + "' is not a supported document type").toStdString());
    }
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return make_error(ErrorCode::io_error, ("extract: cannot open '" + path + "': " + f.errorString()).toStdString());
    }
    if (f.size() > m_options.maxFileBytes) {
        return make_error(ErrorCode::out_of_range, QStringLiteral("extract: '%1' is %2 bytes, over the %3 byte limit")
                                                       .arg(path).arg(f.size()).arg(m_options.maxFileBytes).toStdString());
    }
    const QByteArray data = f.readAll();
    return extractData(data, kind);
}

}  // namespace tessera::docs
