#pragma once

#include <QColor>
#include <QPalette>

namespace presently {

// Colours derived from the palette, never hard-coded, so a dark and a light theme both read well
// (WCAG 2 contrast: at least 4.5 : 1 for text).
class PaletteColors {
public:
    struct Bubble {
        QColor background;
        QColor text;
    };

    // `a` moved towards `b` by `amount` (0: a, 1: b).
    static QColor mix(const QColor &a, const QColor &b, double amount);
    static double relativeLuminance(const QColor &color);
    static double contrast(const QColor &a, const QColor &b);
    // `preferred` if it reads on `background` (4.5 : 1), else black or white, whichever reads better.
    static QColor readableOn(const QColor &background, const QColor &preferred);
    // Red for errors that reads on the window's background, light or dark.
    static QColor errorText(const QPalette &palette);
    // The app's own dark palette (Settings → Theme → Dark), for Fusion.
    static QPalette darkPalette();
    // A message bubble: own ones tinted with the highlight colour, others with the text colour.
    static Bubble bubble(const QPalette &palette, bool mine);
};

} // namespace presently
