// SPDX-License-Identifier: Apache-2.0
#include "models/core/Ids.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QTimeZone>
#include <QUuid>

#include <cstdio>

namespace wfx::ids {

QString newUuid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

bool isUuid(const QString &s)
{
    static const QRegularExpression re(
        QStringLiteral("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"));
    return s.size() == 36 && re.match(s).hasMatch();
}

bool formatTime(qint64 ms, char out[24])
{
    // Every JSON answer carries several times: format without QDateTime's
    // locale-aware machinery or printf (civil-from-days, H. Hinnant's algorithm).
    qint64 secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    const unsigned millis = unsigned(ms - secs * 1000);
    qint64 days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    const unsigned sod = unsigned(secs - days * 86400);
    days += 719468;
    const qint64 era = (days >= 0 ? days : days - 146096) / 146097;
    const unsigned doe = unsigned(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const qint64 y = qint64(yoe) + era * 400 + (m <= 2 ? 1 : 0);
    if (y < 0 || y > 9999)
        return false;
    auto two = [](char *p, unsigned v) {
        p[0] = char('0' + v / 10);
        p[1] = char('0' + v % 10);
    };
    two(out, unsigned(y) / 100);
    two(out + 2, unsigned(y) % 100);
    out[4] = '-';
    two(out + 5, m);
    out[7] = '-';
    two(out + 8, d);
    out[10] = 'T';
    two(out + 11, sod / 3600);
    out[13] = ':';
    two(out + 14, (sod / 60) % 60);
    out[16] = ':';
    two(out + 17, sod % 60);
    out[19] = '.';
    out[20] = char('0' + millis / 100);
    two(out + 21, millis % 100);
    out[23] = 'Z';
    return true;
}

QString formatTime(qint64 ms)
{
    char buf[24];
    if (!formatTime(ms, buf))
        return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc()).toString(Qt::ISODateWithMs);
    return QString::fromLatin1(buf, 24);
}

std::optional<qint64> parseTime(const QString &s)
{
    static const QRegularExpression re(QStringLiteral(
        "^\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$"));
    if (s.size() > 40 || !re.match(s).hasMatch())
        return std::nullopt;
    QString norm = s;
    norm.replace(QLatin1Char('t'), QLatin1Char('T'));
    norm.replace(QLatin1Char('z'), QLatin1Char('Z'));
    const QDateTime dt = QDateTime::fromString(norm, Qt::ISODateWithMs);
    if (!dt.isValid())
        return std::nullopt;
    return dt.toMSecsSinceEpoch();
}

} // namespace wfx::ids
