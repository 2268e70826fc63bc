#include "ui/PaletteColors.h"

#include <algorithm>
#include <cmath>

namespace presently {

QColor PaletteColors::mix(const QColor &a, const QColor &b, double amount)
{
    const auto channel = [amount](double x, double y) { return x + (y - x) * amount; };
    return QColor::fromRgbF(static_cast<float>(channel(a.redF(), b.redF())),
                            static_cast<float>(channel(a.greenF(), b.greenF())),
                            static_cast<float>(channel(a.blueF(), b.blueF())));
}

double PaletteColors::relativeLuminance(const QColor &color)
{
    const auto linear = [](double c) { return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * linear(color.redF()) + 0.7152 * linear(color.greenF()) + 0.0722 * linear(color.blueF());
}

double PaletteColors::contrast(const QColor &a, const QColor &b)
{
    const double la = relativeLuminance(a);
    const double lb = relativeLuminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QColor PaletteColors::readableOn(const QColor &background, const QColor &preferred)
{
    if (contrast(preferred, background) >= 4.5)
        return preferred;
    const QColor black(Qt::black);
    const QColor white(Qt::white);
    return contrast(black, background) >= contrast(white, background) ? black : white;
}

QColor PaletteColors::errorText(const QPalette &palette)
{
    const QColor window = palette.color(QPalette::Window);
    const QColor darkRed(0xc6, 0x28, 0x28);
    const QColor lightRed(0xff, 0x8a, 0x80);
    return contrast(darkRed, window) >= contrast(lightRed, window) ? darkRed : lightRed;
}

QPalette PaletteColors::darkPalette()
{
    const QColor window(0x20, 0x23, 0x26);
    const QColor base(0x1b, 0x1e, 0x20);
    const QColor text(0xe8, 0xea, 0xed);
    const QColor muted(0x8a, 0x8f, 0x95);
    const QColor highlight(0x3d, 0x7b, 0xd9);
    QPalette p;
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, muted);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x2a, 0x2e, 0x32));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x8a, 0xb4, 0xf8));
    for (const QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, muted);
    p.setColor(QPalette::Disabled, QPalette::Button, window);
    return p;
}

PaletteColors::Bubble PaletteColors::bubble(const QPalette &palette, bool mine)
{
    const QColor base = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::Text);
    const QColor background = mine ? mix(base, palette.color(QPalette::Highlight), 0.22) : mix(base, text, 0.08);
    return {background, readableOn(background, text)};
}

} // namespace presently
