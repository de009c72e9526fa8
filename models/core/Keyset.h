// SPDX-License-Identifier: Apache-2.0
// The (time, id) keyset page shared by the lists: decode the cursor, append the
// "after the cursor" condition and ORDER BY ... LIMIT :lim (limit + 1 rows),
// bind :t, :i and :lim, then trim the extra row and encode the next cursor.
#pragma once

#include "models/core/Cursor.h"
#include "models/core/Result.h"

#include <QString>

namespace wfx {

class Query;

class Keyset
{
public:
    enum class Order { Descending, Ascending };

    // Decodes cursorText (empty: the first page) or answers validation_error
    // (field "cursor", issue "invalid"), exactly as cursor::decodeTimeId.
    static Result<Keyset> parse(const QString &cursorText, const QString &timeColumn,
                                const QString &idColumn, Order order = Order::Descending);

    // " AND (<time> < :t OR (<time> = :t AND <id> < :i))" when a cursor was given
    // (> for ascending), then " ORDER BY <time> DESC, <id> DESC LIMIT :lim".
    // Append after the caller's own WHERE conditions.
    QString sql() const;
    // Binds :lim to limit + 1, and :t / :i when a cursor was given.
    void bind(Query &q, int limit) const;

private:
    Keyset(const QString &timeColumn, const QString &idColumn, Order order);

    QString m_timeColumn;
    QString m_idColumn;
    Order m_order;
    bool m_hasCursor = false;
    cursor::TimeId m_after;
};

// Drops the extra (limit + 1)th row, if fetched, and sets the next cursor from
// the last kept row; keyOf(item) returns its cursor::TimeId.
template <typename T, typename KeyOf> void finishPage(Page<T> &page, int limit, KeyOf keyOf)
{
    if (page.items.size() > limit) {
        page.items.removeLast();
        const cursor::TimeId key = keyOf(page.items.last());
        page.nextCursor = cursor::encodeTimeId(key.createdAt, key.id);
    }
}

} // namespace wfx
