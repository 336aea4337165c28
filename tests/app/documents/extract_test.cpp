// Extraction: text PDFs page by page, OCR of scanned pages and images, DOCX through the zip reader,
// HTML stripping, text decoding; damaged inputs are errors, never crashes.
#include <QBuffer>
#include <QTemporaryDir>

#include "app/services/documents/document_extractor.h"
#include "app/services/documents/zip_reader.h"
#include "tests/app/documents/documents_test_util.h"

namespace tessera::docs {
namespace {

using test::normalized;

const QString kScanSentence = QStringLiteral("The lighthouse keeper counted seven ships at dawn");

TEST(DocumentKinds, ByExtension) {
    DocumentKind k;
    ASSERT_TRUE(documentKindForPath(QStringLiteral("/a/B.PDF"), &k));
    EXPECT_EQ(k, DocumentKind::pdf);
    ASSERT_TRUE(documentKindForPath(QStringLiteral("x.md"), &k));
    EXPECT_EQ(k, DocumentKind::markdown);
    ASSERT_TRUE(documentKindForPath(QStringLiteral("src/main.cpp"), &k));
    EXPECT_EQ(k, DocumentKind::code);
    ASSERT_TRUE(documentKindForPath(QStringLiteral("CMakeLists.txt"), &k));
    EXPECT_EQ(k, DocumentKind::code);
    ASSERT_TRUE(documentKindForPath(QStringLiteral("scan.TIFF"), &k));
    EXPECT_EQ(k, DocumentKind::image);
    EXPECT_FALSE(documentKindForPath(QStringLiteral("movie.mkv"), &k));
    EXPECT_FALSE(documentKindForPath(QStringLiteral("noext"), &k));
}

TEST(TextExtraction, DecodesUtf8AndBomsAndNormalisesNewlines) {
    EXPECT_EQ(DocumentExtractor::decodeText("a\r\nb\rc"), QStringLiteral("a\nb\nc"));
    EXPECT_EQ(DocumentExtractor::decodeText("\xEF\xBB\xBFh\xC3\xA9llo"), QStringLiteral("h\u00e9llo"));
    const QByteArray utf16 = QByteArray("\xFF\xFE", 2) + QByteArray("h\0i\0", 4);
    EXPECT_EQ(DocumentExtractor::decodeText(utf16), QStringLiteral("hi"));
    // Invalid UTF-8 becomes U+FFFD rather than failing.
    EXPECT_EQ(DocumentExtractor::decodeText("a\xFF" "b"), QStringLiteral("a\uFFFDb"));

    DocumentExtractor ex;
    auto bin = ex.extractData(QByteArray("PK\0\0binary", 10), DocumentKind::text);
    EXPECT_EQ(bin.status().code(), ErrorCode::format_error);
    ASSERT_OK_AND_ASSIGN(ExtractedDocument md, ex.extractData("# Title\n\nBody line\n", DocumentKind::markdown));
    ASSERT_EQ(md.pages.size(), 1);
    EXPECT_EQ(md.pages[0].page, 0);
    EXPECT_EQ(md.pages[0].text, QStringLiteral("# Title\n\nBody line\n"));
}

TEST(HtmlExtraction, StripsTagsScriptsAndDecodesEntities) {
    const QString html = QStringLiteral(
        "<html><head><title>T</title><style>p { color: red }</style></head><body>"
        "<h1>Heading</h1><p>Fish &amp; chips&nbsp;cost &#8364;5 &#x41;&lt;b&gt;</p><!-- hidden -->"
        "<script type=\"text/javascript\">alert('no');</script><ul><li>one</li><li>two</li></ul></body></html>");
    const QString text = DocumentExtractor::htmlToText(html);
    EXPECT_TRUE(text.contains(QStringLiteral("Heading"))) << text.toStdString();
    EXPECT_TRUE(text.contains(QStringLiteral("Fish & chips cost \u20ac5 A<b>"))) << text.toStdString();
    EXPECT_FALSE(text.contains(QStringLiteral("alert")));
    EXPECT_FALSE(text.contains(QStringLiteral("color")));
    EXPECT_FALSE(text.contains(QStringLiteral("hidden")));
    EXPECT_TRUE(text.contains(QStringLiteral("one\ntwo"))) << text.toStdString();
}

TEST(ZipReader, ReadsDeflatedAndStoredMembers) {
    REQUIRE_ZLIB();
    const QByteArray big(100000, 'z');
    for (bool deflate : {true, false}) {
        const QByteArray zip = test::makeZip({{QStringLiteral("a.txt"), "hello"}, {QStringLiteral("dir/b.bin"), big}}, deflate);
        ASSERT_OK_AND_ASSIGN(ZipReader z, ZipReader::open(zip));
        EXPECT_EQ(z.names(), (QStringList{QStringLiteral("a.txt"), QStringLiteral("dir/b.bin")}));
        ASSERT_OK_AND_ASSIGN(QByteArray a, z.read(QStringLiteral("a.txt")));
        EXPECT_EQ(a, QByteArray("hello"));
        ASSERT_OK_AND_ASSIGN(QByteArray b, z.read(QStringLiteral("dir/b.bin")));
        EXPECT_EQ(b, big);
        EXPECT_EQ(z.read(QStringLiteral("dir/b.bin"), 1000).status().code(), ErrorCode::out_of_range);
        EXPECT_EQ(z.read(QStringLiteral("missing")).status().code(), ErrorCode::invalid_argument);
    }
}

TEST(ZipReader, DamagedArchivesAreErrors) {
    REQUIRE_ZLIB();
    const QByteArray zip = test::makeZip({{QStringLiteral("word/document.xml"), QByteArray(5000, 'x')}});
    EXPECT_FALSE(ZipReader::open(QByteArray()).is_ok());
    EXPECT_FALSE(ZipReader::open(QByteArray("not a zip at all, just some words")).is_ok());
    // Every truncation and every single-byte corruption: an error or the right bytes, never a crash.
    for (int cut = 0; cut < zip.size(); cut += 7) {
        auto z = ZipReader::open(zip.left(cut));
        if (z.is_ok()) (void)z->read(QStringLiteral("word/document.xml"));
    }
    int readOk = 0, failed = 0;
    for (int i = 0; i < zip.size(); ++i) {
        QByteArray bad = zip;
        bad[i] = char(bad[i] ^ 0x5A);
        auto z = ZipReader::open(bad);
        if (!z.is_ok()) {
            ++failed;
            continue;
        }
        auto r = z->read(QStringLiteral("word/document.xml"));
        if (r.is_ok()) {
            EXPECT_EQ(r.value(), QByteArray(5000, 'x')) << "corruption at " << i << " went unnoticed";
            ++readOk;
        } else {
            ++failed;
        }
    }
    EXPECT_GT(failed, 0);
}

TEST(DocxExtraction, ParagraphsTabsAndEscapes) {
    REQUIRE_ZLIB();
    const QByteArray docx = test::makeDocx({QStringLiteral("First paragraph about tidal energy."),
                                            QStringLiteral("Cell A\tCell B"), QStringLiteral("Fish & <chips>")});
    ASSERT_OK_AND_ASSIGN(QString text, DocumentExtractor::docxToText(docx));
    EXPECT_EQ(text, QStringLiteral("First paragraph about tidal energy.\nCell A\tCell B\nFish & <chips>\n"));
    EXPECT_EQ(DocumentExtractor::docxToText(test::makeZip({{QStringLiteral("other.xml"), "x"}})).status().code(),
              ErrorCode::invalid_argument);
    EXPECT_FALSE(DocumentExtractor::docxToText("garbage").is_ok());
}

TEST(PdfExtraction, TextPerPage) {
    REQUIRE_POPPLER();
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("three.pdf"));
    ASSERT_TRUE(test::writeTextPdf(path, {QStringLiteral("Alpha page talks about glaciers.\nSecond line of alpha."),
                                          QStringLiteral("Beta page mentions copper mining."),
                                          QStringLiteral("Gamma page: the final chapter.")}));
    ExtractOptions o;
    o.ocr = false;
    DocumentExtractor ex(o);
    ASSERT_OK_AND_ASSIGN(ExtractedDocument doc, ex.extract(path));
    EXPECT_EQ(doc.kind, DocumentKind::pdf);
    EXPECT_EQ(doc.nPages, 3);
    ASSERT_EQ(doc.pages.size(), 3);
    EXPECT_EQ(doc.pages[0].page, 1);
    EXPECT_EQ(doc.pages[2].page, 3);
    EXPECT_TRUE(doc.pages[0].text.contains(QStringLiteral("glaciers"))) << doc.pages[0].text.toStdString();
    EXPECT_TRUE(doc.pages[0].text.contains(QLatin1Char('\n')));
    EXPECT_TRUE(doc.pages[1].text.contains(QStringLiteral("copper mining")));
    EXPECT_FALSE(doc.pages[0].ocr);
}

TEST(PdfExtraction, DamagedFilesAreErrors) {
    REQUIRE_POPPLER();
    DocumentExtractor ex;
    EXPECT_EQ(ex.extractData("%PDF-1.4\nnothing else", DocumentKind::pdf).status().code(), ErrorCode::format_error);
    EXPECT_EQ(ex.extractData(QByteArray(), DocumentKind::pdf).status().code(), ErrorCode::format_error);
}

class OcrTest : public ::testing::Test {
protected:
    void SetUp() override {
        const QString reason = OcrEngine::unavailableReason();
        if (!reason.isEmpty()) GTEST_SKIP() << "OCR unavailable: " << reason.toStdString();
        test::ensureGuiApp();
    }
};

TEST_F(OcrTest, RecognisesPaintedSentence) {
    ASSERT_OK_AND_ASSIGN(auto engine, OcrEngine::create());
    ASSERT_OK_AND_ASSIGN(QString text, engine->recognize(test::paintedText({kScanSentence}), 300));
    EXPECT_TRUE(normalized(text).contains(normalized(kScanSentence))) << text.toStdString();
    EXPECT_EQ(engine->recognize(QImage()).status().code(), ErrorCode::invalid_argument);
}

TEST_F(OcrTest, ImageFileIsOcrd) {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("scan.png"));
    ASSERT_TRUE(test::paintedText({kScanSentence, QStringLiteral("Invoice number 4417")}).save(path));
    DocumentExtractor ex;
    ASSERT_OK_AND_ASSIGN(ExtractedDocument doc, ex.extract(path));
    EXPECT_EQ(doc.kind, DocumentKind::image);
    ASSERT_EQ(doc.pages.size(), 1);
    EXPECT_TRUE(doc.pages[0].ocr);
    EXPECT_EQ(doc.nOcrPages, 1);
    EXPECT_TRUE(normalized(doc.pages[0].text).contains(normalized(kScanSentence))) << doc.pages[0].text.toStdString();
    EXPECT_TRUE(doc.pages[0].text.contains(QStringLiteral("4417")));
    EXPECT_EQ(ex.extractData("not an image", DocumentKind::image).status().code(), ErrorCode::format_error);
}

TEST_F(OcrTest, ScannedPdfPageWithoutTextLayerIsOcrd) {
    REQUIRE_POPPLER();
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("scan.pdf"));
    ASSERT_TRUE(test::writeScannedPdf(path, {kScanSentence}));
    {
        ExtractOptions noOcr;
        noOcr.ocr = false;
        DocumentExtractor ex(noOcr);
        ASSERT_OK_AND_ASSIGN(ExtractedDocument doc, ex.extract(path));
        EXPECT_TRUE(doc.pages.isEmpty()) << "the page was supposed to have no text layer";
    }
    ExtractOptions o;
    o.ocrDpi = 200;
    DocumentExtractor ex(o);
    ASSERT_OK_AND_ASSIGN(ExtractedDocument doc, ex.extract(path));
    ASSERT_EQ(doc.pages.size(), 1);
    EXPECT_EQ(doc.pages[0].page, 1);
    EXPECT_TRUE(doc.pages[0].ocr);
    EXPECT_TRUE(normalized(doc.pages[0].text).contains(normalized(kScanSentence))) << doc.pages[0].text.toStdString();
}

TEST(OcrUnavailable, MissingLanguageDataIsReportedNotFatal) {
    OcrOptions o;
    o.language = QStringLiteral("xx_no_such_language");
    EXPECT_FALSE(OcrEngine::unavailableReason(o).isEmpty());
    EXPECT_EQ(OcrEngine::create(o).status().code(), ErrorCode::unsupported);
    // An image with OCR unavailable: a clear error, not a crash.
    ExtractOptions eo;
    eo.ocrOptions = o;
    DocumentExtractor ex(eo);
    test::ensureGuiApp();
    QByteArray png;
    {
        QImage img(10, 10, QImage::Format_RGB32);
        img.fill(Qt::white);
        QBuffer buf(&png);
        buf.open(QIODevice::WriteOnly);
        img.save(&buf, "PNG");
    }
    EXPECT_EQ(ex.extractData(png, DocumentKind::image).status().code(), ErrorCode::unsupported);
}

}  // namespace
}  // namespace tessera::docs
