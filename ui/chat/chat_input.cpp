#include "ui/chat/chat_input.h"

#include <QKeyEvent>
#include <QTextBlock>
#include <QtMath>

namespace tessera {
namespace {

constexpr int kMaxVisibleLines = 8;

}  // namespace

ChatInput::ChatInput(QWidget* parent) : QPlainTextEdit(parent) {
    setObjectName(QStringLiteral("chatInput"));
    setAccessibleName(tr("Message"));
    setAccessibleDescription(tr("Enter sends, Shift+Enter starts a new line"));
    setPlaceholderText(tr("Message Tessera…"));
    setTabChangesFocus(true);
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    document()->setDocumentMargin(4);
    connect(this, &QPlainTextEdit::textChanged, this, [this] {
        updateGeometry();
        setFixedHeight(sizeHint().height());
    });
    setFixedHeight(sizeHint().height());
}

int ChatInput::heightForLines(int lines) const {
    const QMargins m = contentsMargins();
    return qCeil(fontMetrics().lineSpacing() * lines + 2 * document()->documentMargin()) + m.top() + m.bottom() + 2;
}

QSize ChatInput::sizeHint() const {
    // Visual lines (wrapped) of the text, between 2 and kMaxVisibleLines.
    int lines = 0;
    for (QTextBlock b = document()->begin(); b.isValid(); b = b.next())
        lines += qMax(1, b.layout() ? b.layout()->lineCount() : 1);
    lines = qBound(2, lines, kMaxVisibleLines);
    return QSize(QPlainTextEdit::sizeHint().width(), heightForLines(lines));
}

QSize ChatInput::minimumSizeHint() const { return QSize(100, heightForLines(2)); }

void ChatInput::keyPressEvent(QKeyEvent* event) {
    const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
    if (enter && !(event->modifiers() & (Qt::ShiftModifier | Qt::ControlModifier | Qt::AltModifier))) {
        emit submitted();
        event->accept();
        return;
    }
    if (enter && (event->modifiers() & Qt::ShiftModifier)) {
        insertPlainText(QStringLiteral("\n"));
        event->accept();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

}  // namespace tessera
