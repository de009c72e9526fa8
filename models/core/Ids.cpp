// SPDX-License-Identifier: Apache-2.0
#include "core/Ids.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QTimeZone>
#include <QUuid>

namespace wfx::ids {

QString newUuid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

bool isUuid(const QString &s)
{
    static const QRegularExpression re(QStringLiteral(
        "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"));
    return s.size() == 36 && re.match(s).hasMatch();
}

QString formatTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc())
        .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzzZ"));
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
