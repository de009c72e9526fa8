// SPDX-License-Identifier: Apache-2.0
// Status colours (good, warning, bad) that stay readable on the palette in use:
// dark shades on a light palette, light shades on a dark one. Everything else
// uses palette roles; these three have no role of their own.
#pragma once

#include <QColor>
#include <QPalette>
#include <QWidget>

namespace wfx::ui {

enum class Tone { Good, Warning, Bad };

inline bool isDarkPalette(const QPalette &p)
{
    return p.color(QPalette::Window).lightness() < 128;
}

inline QColor toneColor(const QPalette &p, Tone tone)
{
    const bool dark = isDarkPalette(p);
    switch (tone) {
    case Tone::Good:
        return dark ? QColor(0x81, 0xc7, 0x84) : QColor(0x1b, 0x5e, 0x20);
    case Tone::Warning:
        return dark ? QColor(0xff, 0xcc, 0x80) : QColor(0x8a, 0x5a, 0x00);
    case Tone::Bad:
        break;
    }
    return dark ? QColor(0xef, 0x9a, 0x9a) : QColor(0xb7, 0x1c, 0x1c);
}

// Colours a label's text with the tone for its current palette.
inline void setTone(QWidget *w, Tone tone)
{
    QPalette p = w->palette();
    p.setColor(QPalette::WindowText, toneColor(p, tone));
    p.setColor(QPalette::Text, toneColor(p, tone));
    w->setPalette(p);
}

} // namespace wfx::ui
