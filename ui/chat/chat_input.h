#pragma once
// ChatInput: the message box. Enter sends (submitted), Shift+Enter inserts a new line; it grows with
// its text up to a few lines, then scrolls.
#include <QPlainTextEdit>

namespace tessera {

class ChatInput : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit ChatInput(QWidget* parent = nullptr);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void submitted();

protected:
    void keyPressEvent(QKeyEvent* event) override;

private:
    int heightForLines(int lines) const;
};

}  // namespace tessera
