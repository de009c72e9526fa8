// SPDX-License-Identifier: Apache-2.0
// The rows a statement selects for one run: the run's id bound to :r, each
// row handed on, or read into an item by the item's field table
// (models/core/ShapeColumns.h).
#pragma once

#include "models/core/Result.h"
#include "models/core/ShapeColumns.h"
#include "models/db/Tx.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <functional>

namespace wfx {

// Each row `sql` selects for the run (its id bound to :r) to `row`, until a
// row's error.
inline Status eachRowOfRun(const QSqlDatabase &conn, const QString &sql, const QString &runId,
                           const std::function<Status(const Query &)> &row)
{
    Query q(conn, sql);
    q.bind(QStringLiteral(":r"), runId);
    if (!q.exec())
        return q.error();
    while (q.next()) {
        if (auto s = row(q); !s)
            return s;
    }
    return Ok{};
}

// The rows of `table` whose run_id is the run's (then `tail`: an order), each
// read from the columns the field table stores.
template <const auto &Fields, typename T>
Result<QList<T>> rowsOfRun(const QSqlDatabase &conn, const QString &table, const QString &runId,
                           const QString &tail = {})
{
    QList<T> out;
    const Status read = eachRowOfRun(
        conn,
        QStringLiteral("SELECT ") + shape::columns<Fields>(QStringLiteral("%1")) +
            QStringLiteral(" FROM ") + table + QStringLiteral(" WHERE run_id = :r") + tail,
        runId, [&out](const Query &q) -> Status {
            T item;
            shape::readColumns<Fields>(q, item);
            out.append(std::move(item));
            return Ok{};
        });
    if (!read)
        return read.error();
    return out;
}

} // namespace wfx
