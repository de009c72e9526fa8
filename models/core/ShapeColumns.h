// SPDX-License-Identifier: Apache-2.0
// A field table (models/core/Shape.h) as a row's mapping to its SQL table:
// the fields that name a column (Field::stored, shape::columnOnly) are, in
// the table's order, the columns a SELECT lists (columns()), read into a row
// by column index (readColumns(), from a Query or a NativeQuery alike) and
// bound by name, ":<column>", for an INSERT or an UPDATE (bindColumns()). A
// field added to the table reaches the select, the reader and the writers.
//
//   const QString select = u"SELECT "_s + shape::columns<kRunFields<Run>>(u"r.%1"_s);
//   Run r;
//   shape::readColumns<kRunFields<Run>>(q, r);
#pragma once

#include "models/core/Shape.h"

#include <QMetaType>
#include <QVariant>

namespace wfx::shape {

// Which stored columns: all, or those an update writes (not Update::Never).
enum class Columns { All, Updated };

namespace detail {

// The column index of field I: how many stored fields come before it.
template <const auto &Fields, std::size_t I> constexpr int columnIndex()
{
    int n = 0;
    [&n]<std::size_t... J>(std::index_sequence<J...>)
    {
        ((n += std::get<J>(Fields).column.empty() ? 0 : 1), ...);
    }
    (std::make_index_sequence<I>{});
    return n;
}

// A column of a Query (str(): through QVariant) or of a NativeQuery (text():
// the store's UTF-8 bytes) into a member.
template <typename Q> void take(const Q &q, int i, QString &v)
{
    if constexpr (requires { q.text(i); })
        v = QString::fromUtf8(q.text(i));
    else
        v = q.str(i);
}
template <typename Q> void take(const Q &q, int i, QByteArrayView &v)
{
    v = q.text(i);
}
template <typename Q> void take(const Q &q, int i, qint64 &v)
{
    v = q.i64(i);
}
template <typename Q> void take(const Q &q, int i, bool &v)
{
    v = q.i64(i) != 0;
}
template <typename Q> void take(const Q &q, int i, std::optional<qint64> &v)
{
    if (q.isNull(i))
        v.reset();
    else
        v = q.i64(i);
}

template <typename T> QMetaType sqlType(const T &)
{
    return QMetaType::fromType<T>();
}
template <typename T> QMetaType sqlType(const std::optional<T> &)
{
    return QMetaType::fromType<T>();
}
template <typename T> QVariant sqlValue(const T &v)
{
    return QVariant::fromValue(v);
}
template <typename T> QVariant sqlValue(const std::optional<T> &v)
{
    return QVariant::fromValue(*v);
}

template <const auto &Fields, std::size_t I, typename Q, typename Row>
void readMember(const Q &q, Row &row)
{
    constexpr const auto &f = std::get<I>(Fields);
    if constexpr (!f.column.empty())
        take(q, columnIndex<Fields, I>(), std::invoke(f.get, row));
}

// Member I bound to ":<column>": a nullable member's absent value (and an
// unset optional) as a NULL of the member's type.
template <const auto &Fields, std::size_t I, typename Q, typename Row>
void bindMember(Q &q, const QString &placeholder, const Row &row, Columns which)
{
    constexpr const auto &f = std::get<I>(Fields);
    if constexpr (!f.column.empty()) {
        if (which == Columns::Updated && f.update == Update::Never)
            return;
        const auto &v = std::invoke(f.get, row);
        const bool null = (f.spec.nullable || f.spec.optional) && absent(v);
        q.bind(placeholder, null ? QVariant(sqlType(v)) : sqlValue(v));
    }
}

} // namespace detail

// How many of the table's fields are stored: the index of the first column
// a query selects after the table's own.
template <const auto &Fields> constexpr int columnCount()
{
    return detail::columnIndex<Fields, std::tuple_size_v<std::remove_cvref_t<decltype(Fields)>>>();
}

// Each stored column (of `which`) as `pattern` has it, %1 the column's name,
// joined by ", ": columns<T>(u"r.%1") is a SELECT's list, u":%1" an INSERT's
// values, u"%1 = :%1" an UPDATE's assignments.
template <const auto &Fields> QString columns(const QString &pattern, Columns which = Columns::All)
{
    QStringList out;
    auto add = [&](const auto &f) {
        if (!f.column.empty() && (which == Columns::All || f.update != Update::Never))
            out << pattern.arg(detail::latin1(f.column));
    };
    std::apply([&](const auto &...f) { (add(f), ...); }, Fields);
    return out.join(QLatin1String(", "));
}

// The current row's stored columns (selected as columns<Fields>() lists them,
// from column 0) into the row's members; Q is a Query or a NativeQuery.
template <const auto &Fields, typename Q, typename Row> void readColumns(const Q &q, Row &row)
{
    using Table = std::remove_cvref_t<decltype(Fields)>;
    [&]<std::size_t... I>(std::index_sequence<I...>)
    {
        (detail::readMember<Fields, I>(q, row), ...);
    }
    (std::make_index_sequence<std::tuple_size_v<Table>>{});
}

// The row's stored members (of `which`) bound to ":<column>" on a Query.
template <const auto &Fields, typename Q, typename Row>
void bindColumns(Q &q, const Row &row, Columns which = Columns::All)
{
    using Table = std::remove_cvref_t<decltype(Fields)>;
    constexpr std::size_t n = std::tuple_size_v<Table>;
    static const std::array<QString, n> placeholders = std::apply(
        [](const auto &...f) {
            return std::array<QString, n>{
                QString(QStringLiteral(":") + detail::latin1(f.column))...};
        },
        Fields);
    [&]<std::size_t... I>(std::index_sequence<I...>)
    {
        (detail::bindMember<Fields, I>(q, placeholders[I], row, which), ...);
    }
    (std::make_index_sequence<n>{});
}

} // namespace wfx::shape
