#pragma once
// MarkdownView: one message body. A read-only QTextBrowser that renders Markdown (GitHub dialect:
// tables, lists, fenced code) through QTextDocument::setMarkdown, then decorates the document:
// each code block goes into a framed box with a header line "<language>  Copy" whose link is
// "copy:N" (N = the block's index), tables get borders and padding, inline code a background.
// Its height follows its content (no inner scroll bar), so messages stack in one scroll area.
#include <QStringList>
#include <QTextBrowser>

namespace tessera {

class MarkdownView : public QTextBrowser {
    Q_OBJECT
public:
    explicit MarkdownView(QWidget* parent = nullptr);

    // Renders `markdown` (no-op when unchanged). Called again and again while a reply streams: an
    // unterminated code fence renders as code up to the end.
    void setMarkdownText(const QString& markdown);
    // Plain text, as typed (the user's own messages).
    void setPlainBody(const QString& text);
    QString sourceText() const { return m_source; }
    // The code of each code block, in order ("copy:N" copies codeBlocks()[N]).
    const QStringList& codeBlocks() const { return m_codeBlocks; }
    // Copies code block `index` to the clipboard; false when out of range.
    bool copyCodeBlock(int index);

    // Chat convention: a single newline in a reply is a line break (Markdown would join the lines).
    // Adds the hard-break mark ("  ") to such lines, outside fenced code and tables.
    static QString hardenLineBreaks(const QString& markdown);

    // Width the text needs without wrapping, up to `maxWidth` (for bubbles that shrink to fit).
    int idealWidth(int maxWidth);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void codeBlockCopied(int index);

protected:
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void render();
    void decorate();
    void updateHeight();
    void onAnchorClicked(const QUrl& url);

    QString m_source;
    bool m_markdown = true;
    QStringList m_codeBlocks;
};

}  // namespace tessera
