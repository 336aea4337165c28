#include "ui/chat/markdown_view.h"

#include <QAbstractTextDocumentLayout>
#include <QClipboard>
#include <QDesktopServices>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFrame>
#include <QTextTable>
#include <QToolTip>
#include <QtMath>
#include <memory>

#include "ui/theme.h"

namespace tessera {
namespace {

// QTextMarkdownImporter marks the blocks of a code block (fenced or indented) with BlockCodeLanguage.
bool isCodeBlock(const QTextBlock& block) {
    return block.blockFormat().hasProperty(QTextFormat::BlockCodeLanguage);
}

}  // namespace

MarkdownView::MarkdownView(QWidget* parent) : QTextBrowser(parent) {
    setObjectName(QStringLiteral("messageBody"));
    setOpenLinks(false);
    setOpenExternalLinks(false);
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    setTextInteractionFlags(Qt::TextBrowserInteraction | Qt::TextSelectableByKeyboard);
    setContextMenuPolicy(Qt::DefaultContextMenu);
    document()->setDocumentMargin(2);
    viewport()->setAutoFillBackground(false);
    setAccessibleName(tr("Message text"));
    connect(this, &QTextBrowser::anchorClicked, this, &MarkdownView::onAnchorClicked);
    connect(document()->documentLayout(), &QAbstractTextDocumentLayout::documentSizeChanged, this,
            [this] { updateHeight(); });
}

void MarkdownView::setMarkdownText(const QString& markdown) {
    if (m_markdown && markdown == m_source && !document()->isEmpty()) return;
    m_markdown = true;
    m_source = markdown;
    render();
}

void MarkdownView::setPlainBody(const QString& text) {
    if (!m_markdown && text == m_source && !document()->isEmpty()) return;
    m_markdown = false;
    m_source = text;
    render();
}

void MarkdownView::render() {
    m_codeBlocks.clear();
    if (m_markdown) {
        document()->setMarkdown(hardenLineBreaks(m_source), QTextDocument::MarkdownDialectGitHub);
        decorate();
    } else {
        document()->setPlainText(m_source);
    }
    setAccessibleDescription(m_source.left(500));
    updateHeight();
}

QString MarkdownView::hardenLineBreaks(const QString& markdown) {
    QStringList lines = markdown.split(QLatin1Char('\n'));
    QString fence;  // the open fence ("```" or "~~~"), empty outside code
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString t = lines[i].trimmed();
        if (t.startsWith(QLatin1String("```")) || t.startsWith(QLatin1String("~~~"))) {
            const QString mark = t.left(3);
            if (fence.isEmpty()) fence = mark;
            else if (mark == fence) fence.clear();
            continue;
        }
        if (!fence.isEmpty() || t.isEmpty() || i + 1 >= lines.size()) continue;
        const QString next = lines[i + 1].trimmed();
        if (next.isEmpty() || t.startsWith(QLatin1Char('|')) || next.startsWith(QLatin1Char('|'))) continue;
        if (lines[i].endsWith(QLatin1String("  ")) || lines[i].endsWith(QLatin1Char('\\'))) continue;
        lines[i] += QLatin1String("  ");
    }
    return lines.join(QLatin1Char('\n'));
}

void MarkdownView::decorate() {
    const ThemeColors colors = theme::current();
    QTextDocument* doc = document();
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);

    // 1. Code blocks: gather the runs of code blocks first (the document changes as we frame them).
    struct Run {
        int start = 0;  // position of the first character
        int end = 0;    // position after the last character of the last block
        QString language;
        QString code;
    };
    QList<Run> runs;
    for (QTextBlock b = doc->begin(); b.isValid(); b = b.next()) {
        if (!isCodeBlock(b)) continue;
        Run run;
        run.start = b.position();
        run.language = b.blockFormat().property(QTextFormat::BlockCodeLanguage).toString();
        QStringList lines;
        QTextBlock last = b;
        for (; b.isValid() && isCodeBlock(b); b = b.next()) {
            lines << b.text();
            last = b;
        }
        run.end = last.position() + last.length() - 1;
        run.code = lines.join(QLatin1Char('\n'));
        runs.append(run);
        if (!b.isValid()) break;
    }
    // Frame them from the last to the first so earlier positions stay valid.
    for (qsizetype i = runs.size() - 1; i >= 0; --i) {
        const Run& run = runs[i];
        QTextCursor cursor(doc);
        cursor.setPosition(run.start);
        cursor.setPosition(run.end, QTextCursor::KeepAnchor);
        QTextFrameFormat frame;
        frame.setBackground(colors.codeBackground);
        frame.setBorder(1);
        frame.setBorderBrush(colors.border);
        frame.setBorderStyle(QTextFrameFormat::BorderStyle_Solid);
        frame.setPadding(8);
        frame.setTopMargin(4);
        frame.setBottomMargin(6);
        QTextFrame* box = cursor.insertFrame(frame);
        // Header line inside the box: the language, then the Copy link.
        // insertBlock() splits the first code line at its start: the code keeps its own format in
        // the new block, and the (now empty) block before it becomes the header.
        QTextCursor header = box->firstCursorPosition();
        header.insertBlock(header.blockFormat(), header.charFormat());
        header.movePosition(QTextCursor::PreviousBlock);
        QTextBlockFormat headerBlock;
        headerBlock.setBottomMargin(4);
        header.setBlockFormat(headerBlock);
        QTextCharFormat muted;
        muted.setForeground(colors.mutedText);
        muted.setFontPointSize(qMax(7.0, font().pointSizeF() - 1));
        if (!run.language.isEmpty()) header.insertText(run.language + QStringLiteral("   "), muted);
        QTextCharFormat link = muted;
        link.setAnchor(true);
        link.setAnchorHref(QStringLiteral("copy:%1").arg(i));
        link.setForeground(colors.link);
        link.setToolTip(tr("Copy this code block"));
        header.insertText(tr("Copy code"), link);
        m_codeBlocks.prepend(run.code);
    }

    // 2. Tables: borders, padding, a shaded header row.
    for (QTextFrame* frame : doc->rootFrame()->childFrames()) {
        auto* table = qobject_cast<QTextTable*>(frame);
        if (!table) continue;
        QTextTableFormat f = table->format();
        f.setBorder(1);
        f.setBorderBrush(colors.border);
        f.setBorderStyle(QTextFrameFormat::BorderStyle_Solid);
        f.setBorderCollapse(true);
        f.setCellPadding(6);
        f.setCellSpacing(0);
        f.setTopMargin(4);
        f.setBottomMargin(6);
        table->setFormat(f);
        for (int c = 0; c < table->columns(); ++c) {
            QTextTableCell cell = table->cellAt(0, c);
            // Qt 6.4's Markdown importer puts an empty block at the start of the first cell when the
            // table follows a code block: drop it. Header cells are bold in any case.
            QTextCursor first = cell.firstCursorPosition();
            if (first.block().text().isEmpty() && first.block().next().position() <= cell.lastPosition())
                first.deleteChar();
            QTextCursor all = cell.firstCursorPosition();
            all.setPosition(cell.lastPosition(), QTextCursor::KeepAnchor);
            QTextCharFormat bold;
            bold.setFontWeight(QFont::Bold);
            all.mergeCharFormat(bold);
            // A fresh cell format: cell (0, 0)'s format() is the table's own frame format.
            QTextTableCellFormat cf;
            cf.setBackground(colors.codeBackground);
            cell.setFormat(cf);
        }
    }

    // 3. Inline code outside code boxes: monospace fragments get a soft background.
    for (QTextBlock b = doc->begin(); b.isValid(); b = b.next()) {
        if (isCodeBlock(b)) continue;
        for (auto it = b.begin(); !it.atEnd(); ++it) {
            const QTextFragment frag = it.fragment();
            const QTextCharFormat cf = frag.charFormat();
            const QStringList families = cf.fontFamilies().toStringList();
            const bool mono = cf.fontFixedPitch() || families.contains(fixed.family()) ||
                              families.contains(QStringLiteral("monospace"));
            if (!mono || cf.isAnchor()) continue;
            QTextCursor c(doc);
            c.setPosition(frag.position());
            c.setPosition(frag.position() + frag.length(), QTextCursor::KeepAnchor);
            QTextCharFormat bg;
            bg.setBackground(colors.codeBackground);
            c.mergeCharFormat(bg);
        }
    }
}

bool MarkdownView::copyCodeBlock(int index) {
    if (index < 0 || index >= m_codeBlocks.size()) return false;
    QGuiApplication::clipboard()->setText(m_codeBlocks[index]);
    emit codeBlockCopied(index);
    return true;
}

void MarkdownView::onAnchorClicked(const QUrl& url) {
    if (url.scheme() == QLatin1String("copy")) {
        bool ok = false;
        const int index = url.path().toInt(&ok);
        if (ok && copyCodeBlock(index)) QToolTip::showText(QCursor::pos(), tr("Copied"), this);
        return;
    }
    // A link the model wrote: opening it is the user's choice (the app itself stays offline).
    if (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https")) QDesktopServices::openUrl(url);
}

int MarkdownView::idealWidth(int maxWidth) {
    // On a copy: the view's own document is laid out by QTextEdit at the widget's width.
    std::unique_ptr<QTextDocument> doc(document()->clone());
    doc->setTextWidth(maxWidth);
    const int ideal = qCeil(doc->idealWidth());
    const QMargins m = contentsMargins();
    return qMin(maxWidth, ideal + m.left() + m.right() + 2);
}

QSize MarkdownView::sizeHint() const {
    const QMargins m = contentsMargins();
    return QSize(QTextBrowser::sizeHint().width(), qCeil(document()->size().height()) + m.top() + m.bottom());
}

QSize MarkdownView::minimumSizeHint() const { return QSize(40, sizeHint().height()); }

void MarkdownView::updateHeight() {
    const QMargins m = contentsMargins();
    document()->setTextWidth(viewport()->width());
    const int h = qCeil(document()->size().height()) + m.top() + m.bottom();
    if (h != height()) {
        setFixedHeight(h);
        updateGeometry();
    }
}

void MarkdownView::resizeEvent(QResizeEvent* event) {
    QTextBrowser::resizeEvent(event);
    updateHeight();
}

void MarkdownView::changeEvent(QEvent* event) {
    QTextBrowser::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange ||
        event->type() == QEvent::StyleChange) {
        if (m_markdown && !m_source.isEmpty()) render();  // decorations take colours from the palette
    }
}

}  // namespace tessera
