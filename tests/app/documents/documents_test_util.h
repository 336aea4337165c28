#pragma once
// Helpers for the document index tests: a QGuiApplication (fonts for QPdfWriter / QPainter; the
// offscreen platform), a corpus written at run time (text PDF, "scanned" PDF and PNG without a text
// layer, DOCX zipped with zlib, Markdown), status assertions.
#include <gtest/gtest.h>

#include <QByteArray>
#include <QFile>
#include <QGuiApplication>
#include <QImage>
#include <QList>
#include <QPageSize>
#include <QPainter>
#include <QPair>
#include <QPdfWriter>
#include <QString>
#include <QStringList>
#include <cstring>
#include <filesystem>
#include <ostream>
#ifdef TESSERA_HAVE_ZLIB
#include <zlib.h>
#endif

#include "tests/support/test_support.h"

inline void PrintTo(const QString& s, std::ostream* os) { *os << '"' << s.toStdString() << '"'; }

namespace tessera::test {

#define ASSERT_STATUS_OK(expr)                                          \
    do {                                                                \
        const ::tessera::Status st_ = (expr);                           \
        ASSERT_TRUE(st_.is_ok()) << #expr << " -> " << st_.to_string(); \
    } while (0)

#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                                       \
    auto TS_CONCAT(res_, __LINE__) = (expr);                                                  \
    ASSERT_TRUE(TS_CONCAT(res_, __LINE__).is_ok())                                            \
        << #expr << " -> " << TS_CONCAT(res_, __LINE__).status().to_string();                 \
    lhs = std::move(TS_CONCAT(res_, __LINE__)).value()

inline QGuiApplication* ensureGuiApp() {
    if (auto* app = qobject_cast<QGuiApplication*>(QCoreApplication::instance())) return app;
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "test_app_documents";
    static char* argv[] = {name, nullptr};
    static QGuiApplication app(argc, argv);
    return &app;
}

inline QString bertFixturePath() {
    return QString::fromStdString(fixture("embedding/bert-tiny-random.gguf").string());
}

#define REQUIRE_BERT_FIXTURE() TESSERA_REQUIRE_FIXTURE(::tessera::test::fixture("embedding/bert-tiny-random.gguf"))

#ifdef TESSERA_HAVE_POPPLER
#define REQUIRE_POPPLER() (void)0
#else
#define REQUIRE_POPPLER() GTEST_SKIP() << "this build has no Poppler-Qt6 (libpoppler-qt6-dev): PDF tests skipped"
#endif
#ifdef TESSERA_HAVE_ZLIB
#define REQUIRE_ZLIB() (void)0
#else
#define REQUIRE_ZLIB() GTEST_SKIP() << "this build has no zlib (zlib1g-dev): DOCX tests skipped"
#endif

// CRC-32 (IEEE 802.3, reflected), for zip members. ref: PKWARE APPNOTE.TXT 4.4.7.
inline quint32 crc32Ieee(const QByteArray& data) {
    quint32 c = 0xFFFFFFFFu;
    for (char ch : data) {
        c ^= static_cast<unsigned char>(ch);
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

// A PDF with one page per entry, each line of the entry drawn as text (a real text layer).
inline bool writeTextPdf(const QString& path, const QStringList& pages) {
    ensureGuiApp();
    QPdfWriter w(path);
    w.setPageSize(QPageSize(QPageSize::A4));
    w.setResolution(72);
    QPainter p(&w);
    if (!p.isActive()) return false;
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(11);
    p.setFont(f);
    for (int i = 0; i < pages.size(); ++i) {
        if (i > 0) w.newPage();
        int y = 60;
        for (const QString& line : pages[i].split(QLatin1Char('\n'))) {
            p.drawText(50, y, line);
            y += 16;
        }
    }
    return p.end();
}

// `text` painted (black on white, large) into an image: a "scan" with no text layer.
inline QImage paintedText(const QStringList& lines, int width = 1800, int pixelSize = 44) {
    ensureGuiApp();
    QImage img(width, 120 + lines.size() * (pixelSize * 2), QImage::Format_RGB32);
    img.fill(Qt::white);
    QPainter p(&img);
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(pixelSize);
    p.setFont(f);
    p.setPen(Qt::black);
    int y = 80;
    for (const QString& l : lines) {
        p.drawText(60, y, l);
        y += pixelSize * 2;
    }
    p.end();
    return img;
}

// A PDF whose only page is an image of `lines` (what a scanner produces).
inline bool writeScannedPdf(const QString& path, const QStringList& lines) {
    const QImage img = paintedText(lines);
    QPdfWriter w(path);
    w.setPageSize(QPageSize(QPageSize::A4));
    w.setResolution(150);
    QPainter p(&w);
    if (!p.isActive()) return false;
    const QRect target(0, 0, w.width(), int(double(w.width()) * img.height() / img.width()));
    p.drawImage(target, img);
    return p.end();
}

// A zip archive (deflate via zlib, or stored) of (name, bytes) members.
// ref: PKWARE APPNOTE.TXT 4.3.7 / 4.3.12 / 4.3.16.
inline QByteArray makeZip(const QList<QPair<QString, QByteArray>>& members, bool useDeflate = true) {
    QByteArray out, central;
    auto u16 = [](QByteArray& b, quint16 v) { b.append(char(v & 0xFF)).append(char(v >> 8)); };
    auto u32 = [](QByteArray& b, quint32 v) {
        for (int i = 0; i < 4; ++i) b.append(char((v >> (8 * i)) & 0xFF));
    };
    for (const auto& [name, data] : members) {
        const QByteArray nm = name.toUtf8();
        const quint32 crc = crc32Ieee(data);
        QByteArray comp = data;
#ifndef TESSERA_HAVE_ZLIB
        useDeflate = false;
#endif
#ifdef TESSERA_HAVE_ZLIB
        if (useDeflate) {
            z_stream zs;
            std::memset(&zs, 0, sizeof zs);
            deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
            comp.resize(int(deflateBound(&zs, data.size())));
            zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.constData()));
            zs.avail_in = data.size();
            zs.next_out = reinterpret_cast<Bytef*>(comp.data());
            zs.avail_out = comp.size();
            deflate(&zs, Z_FINISH);
            comp.resize(int(zs.total_out));
            deflateEnd(&zs);
        }
#endif
        const quint32 offset = out.size();
        u32(out, 0x04034b50);
        u16(out, 20);
        u16(out, 0);
        u16(out, useDeflate ? 8 : 0);
        u16(out, 0);
        u16(out, 0);
        u32(out, crc);
        u32(out, comp.size());
        u32(out, data.size());
        u16(out, nm.size());
        u16(out, 0);
        out += nm;
        out += comp;
        u32(central, 0x02014b50);
        u16(central, 20);
        u16(central, 20);
        u16(central, 0);
        u16(central, useDeflate ? 8 : 0);
        u16(central, 0);
        u16(central, 0);
        u32(central, crc);
        u32(central, comp.size());
        u32(central, data.size());
        u16(central, nm.size());
        u16(central, 0);
        u16(central, 0);
        u16(central, 0);
        u16(central, 0);
        u32(central, 0);
        u32(central, offset);
        central += nm;
    }
    const quint32 cdOffset = out.size();
    out += central;
    u32(out, 0x06054b50);
    u16(out, 0);
    u16(out, 0);
    u16(out, members.size());
    u16(out, members.size());
    u32(out, central.size());
    u32(out, cdOffset);
    u16(out, 0);
    return out;
}

// A minimal .docx: one w:p per paragraph (a paragraph may hold "\t" -> w:tab).
inline QByteArray makeDocx(const QStringList& paragraphs) {
    QByteArray body;
    for (const QString& para : paragraphs) {
        body += "<w:p><w:r>";
        const QStringList parts = para.split(QLatin1Char('\t'));
        for (int i = 0; i < parts.size(); ++i) {
            if (i > 0) body += "<w:tab/>";
            body += "<w:t xml:space=\"preserve\">" + parts[i].toHtmlEscaped().toUtf8() + "</w:t>";
        }
        body += "</w:r></w:p>";
    }
    const QByteArray doc =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
        "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>" +
        body + "</w:body></w:document>";
    const QByteArray types =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"
        "content-types\"><Override PartName=\"/word/document.xml\" ContentType=\"application/"
        "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
    return makeZip({{QStringLiteral("[Content_Types].xml"), types}, {QStringLiteral("word/document.xml"), doc}});
}

inline bool writeFile(const QString& path, const QByteArray& data) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
    return f.write(data) == data.size();
}

// Collapses white space and lower-cases (OCR output comparisons).
inline QString normalized(const QString& s) { return s.simplified().toLower(); }

}  // namespace tessera::test
