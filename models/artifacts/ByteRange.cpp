// SPDX-License-Identifier: Apache-2.0
#include "models/artifacts/ByteRange.h"

#include <limits>
#include <optional>

namespace wfx {

namespace {
// Decimal digits only; values past qint64 saturate (they lie beyond any size).
std::optional<qint64> digits(QStringView s)
{
    if (s.isEmpty())
        return std::nullopt;
    qint64 v = 0;
    for (const QChar c : s) {
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return std::nullopt;
        const int d = c.unicode() - '0';
        if (v > (std::numeric_limits<qint64>::max() - d) / 10)
            v = std::numeric_limits<qint64>::max();
        else
            v = v * 10 + d;
    }
    return v;
}

ByteRange full()
{
    return {};
}
ByteRange unsatisfiable()
{
    return {ByteRange::Kind::Unsatisfiable, 0, -1};
}
} // namespace

QString ByteRange::contentRange(qint64 size) const
{
    switch (kind) {
    case Kind::Partial:
        return QStringLiteral("bytes %1-%2/%3").arg(start).arg(end).arg(size);
    case Kind::Unsatisfiable:
        return QStringLiteral("bytes */%1").arg(size);
    case Kind::Full:
        break;
    }
    return {};
}

ByteRange ByteRange::parse(const QString &header, qint64 size)
{
    const QString h = header.trimmed();
    const QLatin1String unit("bytes=");
    if (!h.startsWith(unit, Qt::CaseInsensitive))
        return full();
    const QStringView spec = QStringView(h).mid(unit.size()).trimmed();
    if (spec.contains(QLatin1Char(',')))
        return full();
    const qsizetype dash = spec.indexOf(QLatin1Char('-'));
    if (dash < 0)
        return full();
    const QStringView first = spec.left(dash).trimmed();
    const QStringView last = spec.mid(dash + 1).trimmed();
    if (first.isEmpty()) {
        // Suffix range: the final N bytes.
        const auto n = digits(last);
        if (!n)
            return full();
        if (*n == 0 || size <= 0)
            return unsatisfiable();
        return {Kind::Partial, *n >= size ? 0 : size - *n, size - 1};
    }
    const auto a = digits(first);
    if (!a)
        return full();
    std::optional<qint64> b;
    if (!last.isEmpty()) {
        b = digits(last);
        if (!b || *b < *a)
            return full(); // invalid range-spec: the header is ignored
    }
    if (*a >= size)
        return unsatisfiable();
    const qint64 end = (!b || *b >= size) ? size - 1 : *b;
    return {Kind::Partial, *a, end};
}

} // namespace wfx
