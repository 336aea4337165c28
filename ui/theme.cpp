#include "ui/theme.h"

#include <QGuiApplication>

namespace tessera::theme {

double luminance(const QColor& c) {
    return (0.2126 * c.redF() + 0.7152 * c.greenF() + 0.0722 * c.blueF());
}

bool isDark(const QPalette& palette) {
    return luminance(palette.color(QPalette::Window)) < luminance(palette.color(QPalette::WindowText));
}

QColor mix(const QColor& a, const QColor& b, double t) {
    auto lerp = [t](double x, double y) { return x + (y - x) * t; };
    return QColor::fromRgbF(float(lerp(a.redF(), b.redF())), float(lerp(a.greenF(), b.greenF())),
                            float(lerp(a.blueF(), b.blueF())), float(lerp(a.alphaF(), b.alphaF())));
}

ThemeColors colors(const QPalette& p) {
    ThemeColors c;
    c.dark = isDark(p);
    c.text = p.color(QPalette::WindowText);
    c.window = p.color(QPalette::Base);
    c.sidebar = mix(p.color(QPalette::Window), c.text, c.dark ? 0.02 : 0.015);
    c.surface = p.color(QPalette::Base);
    c.mutedText = mix(c.text, c.window, 0.45);
    c.border = mix(c.window, c.text, c.dark ? 0.18 : 0.13);
    c.accent = p.color(QPalette::Highlight);
    c.accentText = p.color(QPalette::HighlightedText);
    c.link = p.color(QPalette::Link);
    c.userBubble = mix(c.window, c.accent, c.dark ? 0.22 : 0.10);
    c.codeBackground = mix(c.window, c.text, c.dark ? 0.07 : 0.045);
    c.hover = mix(c.sidebar, c.text, 0.07);
    c.selection = mix(c.sidebar, c.accent, c.dark ? 0.35 : 0.18);
    c.danger = c.dark ? QColor(0x5c, 0x2b, 0x2b) : QColor(0xfd, 0xec, 0xea);
    return c;
}

ThemeColors current() { return colors(QGuiApplication::palette()); }

QString styleSheet(const ThemeColors& c) {
    auto n = [](const QColor& col) { return col.name(QColor::HexArgb); };
    QString s = QStringLiteral(R"(
QMainWindow, QWidget#chatPane, QWidget#messageColumn, QScrollArea#messageScroll,
QWidget#messageScrollContents, QWidget#placeholderPane { background: %1; }
QWidget#sessionSidebar { background: %2; }
QWidget#sessionSidebar QListView { background: transparent; border: none; outline: none; }
QLabel#brandLabel { font-size: 17px; font-weight: 600; color: %3; }
QLabel#muted, QLabel#inputHint, QLabel#messageMeta { color: %4; }
QLabel#chatTitle, QLabel#panelTitle { font-size: 15px; font-weight: 600; }
QPushButton#newChatButton { background: %5; color: %6; border: none; border-radius: 8px;
    padding: 7px 12px; font-weight: 600; }
QPushButton#newChatButton:hover { background: %7; }
QLineEdit#searchBox { border: 1px solid %8; border-radius: 8px; padding: 6px 8px; background: %9; }
QLineEdit#searchBox:focus { border-color: %5; }
QFrame#inputFrame { border: 1px solid %8; border-radius: 14px; background: %9; }
QFrame#inputFrame[focused="true"] { border-color: %5; }
QPlainTextEdit#chatInput { border: none; background: transparent; }
QPushButton#sendButton, QPushButton#stopButton { border-radius: 8px; padding: 6px 16px; font-weight: 600; }
QPushButton#sendButton { background: %5; color: %6; border: none; }
QPushButton#sendButton:disabled { background: %8; color: %4; }
QPushButton#stopButton { background: %10; border: 1px solid %8; }
QFrame#userBubble { background: %11; border-radius: 14px; }
QFrame#userBubble QTextBrowser { background: transparent; border: none; }
QTextBrowser#messageBody { background: transparent; border: none; }
QToolButton#messageAction { border: none; border-radius: 6px; padding: 2px 6px; color: %4; }
QToolButton#messageAction:hover { background: %12; color: %3; }
QToolButton#messageAction:disabled { color: %8; }
QLabel#branchLabel { color: %4; }
QLabel#avatar { background: %5; color: %6; border-radius: 12px; font-weight: 700; }
QToolButton#headerButton { border: 1px solid %8; border-radius: 8px; padding: 4px 10px; }
QToolButton#headerButton:hover { background: %12; }
QToolButton#headerButton:checked { background: %13; }
QFrame#banner { background: %14; border: 1px solid %8; border-radius: 8px; }
QFrame#undoBar { background: %10; border: 1px solid %8; border-radius: 8px; }
QWidget#settingsPanel { background: %2; border-left: 1px solid %8; }
QFrame#headerLine, QFrame#sidebarLine { color: %8; }
QStatusBar { background: %2; border-top: 1px solid %8; }
QStatusBar QLabel { color: %4; padding: 0 6px; }
QProgressBar#contextBar { border: 1px solid %8; border-radius: 4px; background: %10; max-height: 8px; }
QProgressBar#contextBar::chunk { background: %5; border-radius: 3px; }
QTabWidget#paneTabs::pane { border: none; border-top: 1px solid %8; }
QTabWidget#paneTabs QTabBar { background: %1; }
QTabWidget#paneTabs QTabBar::tab { background: transparent; border: none; border-bottom: 2px solid transparent;
    padding: 8px 16px 6px 16px; margin: 0 2px; color: %4; }
QTabWidget#paneTabs QTabBar::tab:selected { color: %3; border-bottom-color: %5; font-weight: 600; }
QTabWidget#paneTabs QTabBar::tab:hover:!selected { color: %3; }
QToolButton#headerButton::menu-indicator { image: none; width: 0; }
QStatusBar::item { border: none; }
QSplitter::handle { background: %8; }
)");
    return s.arg(n(c.window), n(c.sidebar), n(c.text), n(c.mutedText), n(c.accent), n(c.accentText),
                 n(mix(c.accent, c.text, 0.15)), n(c.border), n(c.surface))
        .arg(n(c.codeBackground), n(c.userBubble), n(c.hover), n(c.selection), n(c.danger));
}

QPalette darkPalette() {
    QPalette p;
    const QColor window(0x1f, 0x20, 0x23), base(0x18, 0x19, 0x1b), text(0xe6, 0xe6, 0xe6);
    const QColor disabled(0x7a, 0x7a, 0x7a), accent(0x4c, 0x8d, 0xf6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, window);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x2b, 0x2c, 0x30));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Highlight, accent);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x7a, 0xb0, 0xff));
    p.setColor(QPalette::Mid, QColor(0x3a, 0x3b, 0x40));
    p.setColor(QPalette::Dark, QColor(0x10, 0x10, 0x12));
    p.setColor(QPalette::Light, QColor(0x40, 0x41, 0x46));
    p.setColor(QPalette::Disabled, QPalette::Text, disabled);
    p.setColor(QPalette::Disabled, QPalette::WindowText, disabled);
    p.setColor(QPalette::Disabled, QPalette::ButtonText, disabled);
    return p;
}

QPalette lightPalette() {
    QPalette p;
    const QColor window(0xf5, 0xf5, 0xf7), base(Qt::white), text(0x1d, 0x1d, 0x1f), accent(0x25, 0x63, 0xeb);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::Highlight, accent);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x8a, 0x8e));
    p.setColor(QPalette::Link, accent);
    return p;
}

}  // namespace tessera::theme
