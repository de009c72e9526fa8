// SPDX-License-Identifier: Apache-2.0
#include "core/Words.h"

#include "core/Ids.h"

#include <QDateTime>
#include <QStringList>
#include <QTimeZone>

#include <algorithm>

namespace wfx {

QString Words::fill(const QString &pattern, const QStringList &args)
{
    QString out;
    out.reserve(pattern.size() + 16 * args.size());
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        const QChar c = pattern.at(i);
        if (c == QLatin1Char('%') && i + 1 < pattern.size() && pattern.at(i + 1).isDigit()) {
            qsizetype j = i + 1;
            int n = 0;
            while (j < pattern.size() && pattern.at(j).isDigit() && n < 100)
                n = n * 10 + pattern.at(j++).digitValue();
            if (n >= 1 && n <= args.size()) {
                out += args.at(n - 1);
                i = j - 1;
                continue;
            }
        }
        out += c;
    }
    return out;
}

QString Words::englishDuration(qint64 ms)
{
    const qint64 s = std::max<qint64>(0, ms) / 1000;
    auto unit = [](qint64 n, const char *name) -> QString {
        return QString::number(n) + QLatin1Char(' ') + QLatin1String(name) + (n == 1 ? QString() : QStringLiteral("s"));
    };
    if (s < 60)
        return unit(s, "second");
    if (s < 3600)
        return unit(s / 60, "minute");
    if (s < 48 * 3600)
        return unit(s / 3600, "hour");
    return unit(s / 86400, "day");
}

QString Words::english() const
{
    QStringList words;
    words.reserve(args.size());
    for (const Arg &a : args) {
        switch (a.kind) {
        case Arg::Kind::Text:
        case Arg::Kind::Term: words.append(a.text); break;
        case Arg::Kind::Count: words.append(QString::number(a.value)); break;
        case Arg::Kind::Duration: words.append(englishDuration(a.value)); break;
        case Arg::Kind::Instant: words.append(ids::formatTime(a.value)); break;
        case Arg::Kind::Clock:
            words.append(QDateTime::fromMSecsSinceEpoch(a.value, QTimeZone::utc()).toString(QStringLiteral("HH:mm"))
                         + QStringLiteral(" UTC"));
            break;
        case Arg::Kind::Nested: words.append(a.nested ? a.nested->english() : QString()); break;
        }
    }
    return fill(QString::fromUtf8(source ? source : ""), words);
}

} // namespace wfx
