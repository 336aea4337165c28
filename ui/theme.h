#pragma once
// Theme: every colour the UI paints with is derived from the current QPalette, so the light and the
// dark system palettes both work (Qt 6.4 has no QStyleHints::colorScheme; the palette is the truth).
// MainWindow re-applies the style sheet when the palette changes.
#include <QColor>
#include <QPalette>
#include <QString>

namespace tessera {

struct ThemeColors {
    bool dark = false;
    QColor window;        // window background (chat area)
    QColor sidebar;       // sessions sidebar, a little apart from the window
    QColor surface;       // input box, panels
    QColor text;
    QColor mutedText;     // secondary text: timestamps, hints, action buttons
    QColor border;
    QColor accent;        // palette Highlight
    QColor accentText;    // text on the accent
    QColor link;
    QColor userBubble;    // background of the user's messages
    QColor codeBackground;
    QColor hover;         // hovered list rows and flat buttons
    QColor selection;     // selected list row (a soft accent)
    QColor danger;        // error banner
};

namespace theme {

// A colour's relative luminance in [0, 1] (ITU-R BT.709 weights on sRGB, no gamma: enough to tell
// a dark palette from a light one).
double luminance(const QColor& c);
bool isDark(const QPalette& palette);
// Mixes `a` and `b`: t = 0 gives a, t = 1 gives b.
QColor mix(const QColor& a, const QColor& b, double t);
ThemeColors colors(const QPalette& palette);
// The colours of the application palette. Widgets use this rather than their own palette(): the
// style sheet makes some widget palettes transparent, which would skew every derived colour.
ThemeColors current();
// The application style sheet for `c` (object names and dynamic properties set by the widgets).
QString styleSheet(const ThemeColors& c);
// A dark palette for `--theme dark` (and tests): the platform may not offer one.
QPalette darkPalette();
QPalette lightPalette();

}  // namespace theme
}  // namespace tessera
