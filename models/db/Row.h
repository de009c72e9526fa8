// SPDX-License-Identifier: Apache-2.0
// A row's columns into an entity's fields, and optional values bound as SQL
// NULL: the row mapping every service writes, written once.
#pragma once

#include "models/core/Keyset.h"
#include "models/db/Tx.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <initializer_list>
#include <optional>
#include <tuple>
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

// A table's columns and the members of T they fill, in SELECT order, declared
// once for both the column list of the SQL and the reader of a row:
//   const auto kClaimColumns = row::columns(row::column("id", &Claim::id), ...);
//   kClaimColumns.names() // "id, ..."
//   kClaimColumns.read(q) // a Claim
template <typename T, typename M> struct Column
{
    const char *name;
    M T::*member;
};
template <typename T, typename M> constexpr Column<T, M> column(const char *name, M T::*member)
{
    return {name, member};
}

// A field as the value bound for its column: a bool as 0 or 1, an absent
// optional as a typed NULL, an object as its compact JSON text.
inline QVariant bindable(const QString &v)
{
    return v;
}
inline QVariant bindable(qint64 v)
{
    return v;
}
inline QVariant bindable(int v)
{
    return v;
}
inline QVariant bindable(double v)
{
    return v;
}
inline QVariant bindable(bool v)
{
    return v ? 1 : 0;
}
inline QVariant bindable(const QJsonObject &v)
{
    return QString::fromUtf8(QJsonDocument(v).toJson(QJsonDocument::Compact));
}
template <typename V> QVariant bindable(const std::optional<V> &v)
{
    return v ? bindable(*v) : QVariant(QMetaType::fromType<V>());
}

template <typename T, typename... M> class Columns
{
public:
    constexpr explicit Columns(Column<T, M>... columns) : m_columns{columns...} {}

    QString names() const
    {
        QStringList out;
        std::apply([&](const auto &...c) { (out.append(QLatin1String(c.name)), ...); }, m_columns);
        return out.join(QStringLiteral(", "));
    }
    // Columns first, first + 1, ... of the current row, as readFrom reads them.
    T read(const Query &q, int first = 0) const
    {
        T out;
        std::apply([&](const auto &...c) { readFrom(q, first, (out.*(c.member))...); }, m_columns);
        return out;
    }

    // INSERT INTO table of these columns and `more`, the columns' values taken
    // from row (bindable), more's given.
    Status insert(const QSqlDatabase &conn, const QString &table, const T &row,
                  std::initializer_list<std::pair<QString, QVariant>> more = {}) const
    {
        QStringList names, placeholders;
        QList<QVariant> values;
        std::apply(
            [&](const auto &...c) {
                (names.append(QLatin1String(c.name)), ...);
                (values.append(bindable(row.*(c.member))), ...);
            },
            m_columns);
        for (const auto &[name, value] : more) {
            names.append(name);
            values.append(value);
        }
        for (const QString &name : std::as_const(names))
            placeholders.append(QLatin1Char(':') + name);
        const QString comma = QStringLiteral(", ");
        Query q(conn, QStringLiteral("INSERT INTO ") + table + QStringLiteral(" (") +
                          names.join(comma) + QStringLiteral(") VALUES (") +
                          placeholders.join(comma) + QLatin1Char(')'));
        for (qsizetype i = 0; i < names.size(); ++i)
            q.bind(placeholders.at(i), values.at(i));
        if (!q.exec())
            return q.error();
        return Ok{};
    }

private:
    std::tuple<Column<T, M>...> m_columns;
};
template <typename T, typename... M> constexpr Columns<T, M...> columns(Column<T, M>... columns)
{
    return Columns<T, M...>(columns...);
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

// page() from a list call's cursor text: the keyset on (timeColumn, idColumn),
// or the cursor's validation error.
template <typename T, typename BindOwn, typename Read, typename KeyOf = ByCreatedAt>
Result<Page<T>> pageAt(const QSqlDatabase &conn, const QString &sql, const QString &cursorText,
                       const QString &timeColumn, const QString &idColumn, int limit,
                       const BindOwn &bindOwn, const Read &read, const KeyOf &keyOf = {})
{
    auto keyset = Keyset::parse(cursorText, timeColumn, idColumn);
    if (!keyset)
        return keyset.error();
    return page<T>(conn, sql, *keyset, limit, bindOwn, read, keyOf);
}

// sql run with its values bound by name: the query before its first row, or
// the error.
inline Result<Query> run(const QSqlDatabase &conn, const QString &sql,
                         std::initializer_list<std::pair<QString, QVariant>> values)
{
    Query q(conn, sql);
    for (const auto &[name, value] : values)
        q.bind(name, value);
    if (!q.exec())
        return q.error();
    return Result<Query>(std::move(q));
}

// A statement that returns no rows, its values bound by name.
inline Status exec(const QSqlDatabase &conn, const QString &sql,
                   std::initializer_list<std::pair<QString, QVariant>> values)
{
    if (auto q = run(conn, sql, values); !q)
        return q.error();
    return Ok{};
}

// The first row sql selects (its values bound by name), mapped by read; nullopt
// when there is none.
template <typename Read>
auto first(const QSqlDatabase &conn, const QString &sql,
           std::initializer_list<std::pair<QString, QVariant>> values, const Read &read)
    -> Result<std::optional<decltype(read(std::declval<const Query &>()))>>
{
    using T = decltype(read(std::declval<const Query &>()));
    auto q = run(conn, sql, values);
    if (!q)
        return q.error();
    if (!q->next())
        return std::optional<T>();
    return std::optional<T>(read(*q));
}

// Every row sql selects (its values bound by name), mapped by read, in order.
template <typename Read>
auto all(const QSqlDatabase &conn, const QString &sql,
         std::initializer_list<std::pair<QString, QVariant>> values, const Read &read)
    -> Result<QList<decltype(read(std::declval<const Query &>()))>>
{
    auto q = run(conn, sql, values);
    if (!q)
        return q.error();
    QList<decltype(read(std::declval<const Query &>()))> out;
    while (q->next())
        out.append(read(*q));
    return out;
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

// The row `loaded` holds once `check(row)` passes (an access check on the row's
// workspace): the load's error, the check's, or the row.
template <typename T, typename Check> Result<T> checked(Result<T> loaded, const Check &check)
{
    if (loaded) {
        if (auto c = check(*loaded); !c)
            return c.error();
    }
    return loaded;
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
