// SPDX-License-Identifier: Apache-2.0
// A time (ms since the epoch) as the console's lists show it: the locale's short
// date and time; empty for 0 (no time).
#pragma once

#include <QDateTime>
#include <QLocale>
#include <QString>

namespace wfx::ui {

inline QString shortTime(qint64 ms)
{
    return ms ? QLocale().toString(QDateTime::fromMSecsSinceEpoch(ms), QLocale::ShortFormat)
              : QString();
}

} // namespace wfx::ui
