// SPDX-License-Identifier: Apache-2.0
#include "models/core/Words.h"

#include "models/core/Ids.h"

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

Words::Span Words::span(qint64 ms)
{
    const qint64 s = std::max<qint64>(0, ms) / 1000;
    if (s < 60)
        return {Unit::Seconds, s};
    if (s < 3600)
        return {Unit::Minutes, s / 60};
    if (s < 48 * 3600)
        return {Unit::Hours, s / 3600};
    return {Unit::Days, s / 86400};
}

QString Words::englishDuration(qint64 ms)
{
    static const char *const names[] = {"second", "minute", "hour", "day"};
    const Span d = span(ms);
    return QString::number(d.count) + QLatin1Char(' ') + QLatin1String(names[int(d.unit)]) +
           (d.count == 1 ? QString() : QStringLiteral("s"));
}

QString Words::english() const
{
    QStringList words;
    words.reserve(args.size());
    for (const Arg &a : args) {
        switch (a.kind) {
        case Arg::Kind::Text:
        case Arg::Kind::Term:
            words.append(a.text);
            break;
        case Arg::Kind::Count:
            words.append(QString::number(a.value));
            break;
        case Arg::Kind::Duration:
            words.append(englishDuration(a.value));
            break;
        case Arg::Kind::Instant:
            words.append(ids::formatTime(a.value));
            break;
        case Arg::Kind::Clock:
            words.append(QDateTime::fromMSecsSinceEpoch(a.value, QTimeZone::utc())
                             .toString(QStringLiteral("HH:mm")) +
                         QStringLiteral(" UTC"));
            break;
        case Arg::Kind::Nested:
            words.append(a.nested ? a.nested->english() : QString());
            break;
        }
    }
    return fill(QString::fromUtf8(source ? source : ""), words);
}

} // namespace wfx
