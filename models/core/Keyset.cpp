// SPDX-License-Identifier: Apache-2.0
#include "models/core/Keyset.h"

#include "models/db/Tx.h"

namespace wfx {

Keyset::Keyset(const QString &timeColumn, const QString &idColumn, Order order)
    : m_timeColumn(timeColumn), m_idColumn(idColumn), m_order(order)
{
}

Result<Keyset> Keyset::parse(const QString &cursorText, const QString &timeColumn,
                             const QString &idColumn, Order order)
{
    Keyset k(timeColumn, idColumn, order);
    if (!cursorText.isEmpty()) {
        auto c = cursor::decodeTimeId(cursorText);
        if (!c)
            return c.error();
        k.m_after = *c;
        k.m_hasCursor = true;
    }
    return k;
}

QString Keyset::sql() const
{
    const bool desc = m_order == Order::Descending;
    const QString cmp = desc ? QStringLiteral(" < ") : QStringLiteral(" > ");
    const QString dir = desc ? QStringLiteral(" DESC") : QStringLiteral(" ASC");
    QString out;
    if (m_hasCursor) {
        out += QStringLiteral(" AND (") + m_timeColumn + cmp + QStringLiteral(":t OR (") +
               m_timeColumn + QStringLiteral(" = :t AND ") + m_idColumn + cmp +
               QStringLiteral(":i))");
    }
    out += QStringLiteral(" ORDER BY ") + m_timeColumn + dir + QStringLiteral(", ") + m_idColumn +
           dir + QStringLiteral(" LIMIT :lim");
    return out;
}

void Keyset::bind(Query &q, int limit) const
{
    q.bind(QStringLiteral(":lim"), limit + 1);
    if (m_hasCursor)
        q.bind(QStringLiteral(":t"), m_after.createdAt).bind(QStringLiteral(":i"), m_after.id);
}

} // namespace wfx
