// SPDX-License-Identifier: Apache-2.0
// A row's columns into an entity's fields, and optional values bound as SQL
// NULL: the row mapping every service writes, written once.
#pragma once

#include "models/core/Keyset.h"
#include "models/db/Tx.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaType>
#include <QSqlDatabase>
#include <QString>
#include <QVariant>

#include <initializer_list>
#include <optional>
#include <utility>

namespace wfx {

namespace sqlvalue {

// An absent time is a typed NULL (PostgreSQL needs the type of an unbound value).
inline QVariant time(const std::optional<qint64> &t)
{
    return t ? QVariant(*t) : QVariant(QMetaType(QMetaType::LongLong));
}

} // namespace sqlvalue

namespace row {

inline void take(const Query &q, int i, QString &v)
{
    v = q.str(i);
}
inline void take(const Query &q, int i, qint64 &v)
{
    v = q.i64(i);
}
inline void take(const Query &q, int i, int &v)
{
    v = int(q.i64(i));
}
inline void take(const Query &q, int i, double &v)
{
    v = q.dbl(i);
}
inline void take(const Query &q, int i, bool &v)
{
    v = q.i64(i) != 0;
}
inline void take(const Query &q, int i, QJsonObject &v)
{
    v = QJsonDocument::fromJson(q.str(i).toUtf8()).object();
}
inline void take(const Query &q, int i, std::optional<qint64> &v)
{
    v = q.isNull(i) ? std::nullopt : std::optional<qint64>(q.i64(i));
}
inline void take(const Query &q, int i, std::optional<double> &v)
{
    v = q.isNull(i) ? std::nullopt : std::optional<double>(q.dbl(i));
}

// Columns first, first + 1, ... of the current row into the fields, in order:
// a NULL is an empty string, 0, false, an empty object or nullopt. A JSON
// text column becomes its object.
template <typename... Field> void readFrom(const Query &q, int first, Field &...fields)
{
    int i = first;
    (take(q, i++, fields), ...);
}

template <typename... Field> void read(const Query &q, Field &...fields)
{
    readFrom(q, 0, fields...);
}

// A list item's keyset key when it has createdAt and id.
struct ByCreatedAt
{
    template <typename T> cursor::TimeId operator()(const T &item) const
    {
        return {item.createdAt, item.id};
    }
};

// Binds nothing: a list whose conditions have no values of their own.
inline constexpr auto noBinds = [](Query &) {};

// One page of a (time, id) keyset list. sql is "SELECT <columns> FROM ... WHERE
// <conditions>"; the keyset appends its condition, order and limit. bindOwn
// binds the conditions' values, read maps a row to an item, keyOf gives an
// item's key (the keyset's columns).
template <typename T, typename BindOwn, typename Read, typename KeyOf = ByCreatedAt>
Result<Page<T>> page(const QSqlDatabase &conn, const QString &sql, const Keyset &keyset, int limit,
                     const BindOwn &bindOwn, const Read &read, const KeyOf &keyOf = {})
{
    Query q(conn, sql + keyset.sql());
    bindOwn(q);
    keyset.bind(q, limit);
    if (!q.exec())
        return q.error();
    Page<T> out;
    while (q.next())
        out.items.append(read(q));
    finishPage(out, limit, keyOf);
    return out;
}

// A statement that returns no rows, its values bound by name.
inline Status exec(const QSqlDatabase &conn, const QString &sql,
                   std::initializer_list<std::pair<QString, QVariant>> values)
{
    Query q(conn, sql);
    for (const auto &[name, value] : values)
        q.bind(name, value);
    if (!q.exec())
        return q.error();
    return Ok{};
}

// The one row sql selects by :id, mapped by read; not_found (`what`) when there is none.
template <typename Read>
auto one(const QSqlDatabase &conn, const QString &sql, const QString &id, const QString &what,
         const Read &read) -> Result<decltype(read(std::declval<const Query &>()))>
{
    Query q(conn, sql);
    q.bind(QStringLiteral(":id"), id);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(what);
    return read(q);
}

// The workspace_id of the row of `table` (runs, projects) with that id.
inline Result<QString> workspaceOf(const QSqlDatabase &conn, const QString &table,
                                   const QString &id, const QString &what)
{
    return one(conn,
               QStringLiteral("SELECT workspace_id FROM ") + table +
                   QStringLiteral(" WHERE id = :id"),
               id, what, [](const Query &q) { return q.str(0); });
}

} // namespace row
} // namespace wfx
