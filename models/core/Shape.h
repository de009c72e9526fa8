// SPDX-License-Identifier: Apache-2.0
// A resource's JSON shape, declared once: a table of fields (JSON name, member,
// kind and limits) from which come the resource's QJsonObject (toJson), its
// compact bytes (writeJson, the same bytes without the tree) and, in
// server/core/ShapeSchema.h, its JSON Schema; a field that names its column
// (stored()) also maps the row to its SQL table (models/core/ShapeColumns.h).
// The idea of oat++'s DTO_FIELD and
// FastAPI's response_model in plain C++20: the table is constexpr data, so the
// writer it yields is what one would write by hand.
//
//   inline constexpr auto kShareFields = std::tuple{
//       shape::field("id", &Share::id, shape::uuid()),
//       shape::field("expires_at", &Share::expiresAt, shape::instant().orNull()),
//       ...};
//   shape::writeJson<kShareFields>(w, share);
//
// A table may be a variable template over the row type, so the same table
// writes a struct and a view of a native row with members of the same names.
#pragma once

#include "models/core/Ids.h"
#include "models/core/JsonWriter.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QMap>
#include <QStringList>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <tuple>
#include <utility>

namespace wfx::shape {

inline constexpr qint64 kMaxSafeInteger = 9007199254740991; // 2^53 - 1

// The published shapes a table serves: the Cloud API's and the dashboard BFF's
// (both answer the same bytes; only what their schemas state differs), and the
// public view a share shows anyone with its link (only the fields marked so).
enum Shape : unsigned { Api = 1, Bff = 2, Public = 4 };

enum class Kind { Uuid, Text, Time, Integer, Boolean, Enum, AnyObject, Counts, TextList };

struct Spec
{
    Kind kind = Kind::Text;
    int minLength = 0, maxLength = -1;             // Text
    qint64 minimum = 0, maximum = kMaxSafeInteger; // Integer, the members of Counts
    std::span<const std::string_view> names;       // Enum: its values; Counts: its members
    // An absent value (nullopt, empty text, time 0) is written as null.
    bool nullable = false;
    // An absent value leaves the member out; the schema does not require it.
    bool optional = false;
    std::string_view description;  // published in the Api shape only
    unsigned limitsIn = Api | Bff; // the shapes whose schema states Text's lengths
    unsigned in = Api | Bff;       // the shapes the member is part of
    bool trim = false;             // Text read from a request: surrounding white space dropped

    constexpr Spec orNull() const
    {
        Spec s = *this;
        s.nullable = true;
        return s;
    }
    constexpr Spec omittable() const
    {
        Spec s = *this;
        s.optional = true;
        return s;
    }
    constexpr Spec describedAs(std::string_view d) const
    {
        Spec s = *this;
        s.description = d;
        return s;
    }
    constexpr Spec limitsOnlyIn(unsigned shapes) const
    {
        Spec s = *this;
        s.limitsIn = shapes;
        return s;
    }
    // Also in the public view of a share.
    constexpr Spec alsoPublic() const
    {
        Spec s = *this;
        s.in |= Public;
        return s;
    }
    constexpr Spec trimmed() const
    {
        Spec s = *this;
        s.trim = true;
        return s;
    }
};

constexpr Spec uuid()
{
    return Spec{Kind::Uuid};
}
constexpr Spec text(int minLength = 0, int maxLength = -1)
{
    return Spec{.kind = Kind::Text, .minLength = minLength, .maxLength = maxLength};
}
// A time in ms since the epoch, written as ids::formatTime writes it.
constexpr Spec instant()
{
    return Spec{Kind::Time};
}
constexpr Spec integer(qint64 minimum = 0, qint64 maximum = kMaxSafeInteger)
{
    return Spec{.kind = Kind::Integer, .minimum = minimum, .maximum = maximum};
}
constexpr Spec boolean()
{
    return Spec{Kind::Boolean};
}
constexpr Spec anyObject()
{
    return Spec{Kind::AnyObject};
}
// A QMap<QString, qint64> written as an object; the schema names `members`.
constexpr Spec counts(std::span<const std::string_view> members)
{
    Spec s{Kind::Counts};
    s.names = members;
    return s;
}
constexpr Spec textList()
{
    return Spec{Kind::TextList};
}

// An enum's one name table: specialise with
//   template <> struct EnumNames<E> { static constexpr std::array<std::string_view, N> names{...};
//   };
// in the order of E's enumerators.
template <typename E> struct EnumNames;

constexpr Spec oneOf(std::span<const std::string_view> names)
{
    Spec s{Kind::Enum};
    s.names = names;
    return s;
}
template <typename E> constexpr Spec oneOf()
{
    return oneOf(EnumNames<E>::names);
}
template <typename E> constexpr std::string_view nameOf(E e)
{
    return EnumNames<E>::names[std::size_t(e)];
}
template <typename E> std::optional<E> enumFrom(QStringView s)
{
    const auto &names = EnumNames<E>::names;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (s == QLatin1String(names[i].data(), qsizetype(names[i].size())))
            return E(i);
    }
    return std::nullopt;
}
QStringList namesOf(std::span<const std::string_view> names);

// Whether text holds a control character (Unicode Cc: C0, DEL, C1), which no
// name, key or id a client sends may hold.
bool hasControl(QStringView text);
template <typename E> QStringList namesOf()
{
    return namesOf(EnumNames<E>::names);
}

// Whether an update writes a stored column, or only the insert does (an id,
// a creation time).
enum class Update { Always, Never };

// How a request's body supplies the member (models/core/ShapeInput.h): not at
// all (the server's own), as a key every request carries and nothing changes,
// or as a member a request may leave out (null is left out too), which then
// keeps its stored value. A sent value replaces the stored one (Replaces), or
// the service applies its own rule to it (Ruled: a status that only moves on).
enum class Input { None, Key, Replaces, Ruled };

template <typename Get> struct Field
{
    std::string_view name; // the JSON member; empty: stored only, not in the JSON
    Get get;               // a member pointer (or anything std::invoke takes with the row)
    Spec spec;
    std::string_view column; // the stored column (models/core/ShapeColumns.h); empty: none
    Update update = Update::Always;
    Input input = Input::None;
    std::string_view inputNote; // the request schema's description of the member

    // Sent in a request's body, read by shape::readInput.
    constexpr Field sent(Input how, std::string_view note = {}) const
    {
        Field f = *this;
        f.input = how;
        f.inputNote = note;
        return f;
    }

    // Stored in the column of the member's name.
    constexpr Field stored(Update u = Update::Always) const
    {
        Field f = *this;
        f.column = name;
        f.update = u;
        return f;
    }
};
template <typename Get> constexpr Field<Get> field(std::string_view name, Get get, Spec spec)
{
    return Field<Get>{name, get, spec};
}
// A stored column that is not in the JSON.
template <typename Get>
constexpr Field<Get> columnOnly(std::string_view column, Get get, Spec spec, Update u)
{
    return Field<Get>{{}, get, spec, column, u};
}

namespace detail {

inline QLatin1String latin1(std::string_view s)
{
    return QLatin1String(s.data(), qsizetype(s.size()));
}

// "Absent": what a nullable member writes as null and an optional one leaves out.
inline bool absent(const QString &v)
{
    return v.isEmpty();
}
inline bool absent(QByteArrayView v)
{
    return v.isEmpty();
}
inline bool absent(qint64 v)
{
    return v == 0;
}
template <typename T> bool absent(const std::optional<T> &v)
{
    return !v.has_value();
}
template <typename T> bool absent(const T *v)
{
    return v == nullptr;
}
template <typename T> bool absent(const T &)
{
    return false;
}

// The writers take the member's kind as a constant, so that the writer a
// table yields decides nothing at run time that the table already says.
template <Kind> void write(JsonWriter &w, const QString &v)
{
    w.string(v);
}
template <Kind> void write(JsonWriter &w, QByteArrayView utf8)
{
    w.stringUtf8(utf8);
}
template <Kind K> void write(JsonWriter &w, qint64 v)
{
    if constexpr (K == Kind::Time)
        w.time(v);
    else
        w.number(double(v));
}
template <Kind> void write(JsonWriter &w, bool v)
{
    w.boolean(v);
}
template <Kind> void write(JsonWriter &w, const QStringList &v)
{
    w.beginArray();
    for (const QString &s : v)
        w.string(s);
    w.endArray();
}
template <Kind> void write(JsonWriter &w, const QJsonObject &v)
{
    w.value(v);
}
template <Kind> void write(JsonWriter &w, const QMap<QString, qint64> &v)
{
    // QMap's order is QJsonObject's for these (ASCII) keys.
    w.beginObject();
    for (auto it = v.cbegin(); it != v.cend(); ++it)
        w.key(QLatin1String(it.key().toLatin1())).number(double(it.value()));
    w.endObject();
}
template <Kind K, typename T> void write(JsonWriter &w, const std::optional<T> &v)
{
    write<K>(w, *v);
}
template <Kind K, typename T> void write(JsonWriter &w, const T *v)
{
    write<K>(w, *v);
}

inline QJsonValue value(const Spec &, const QString &v)
{
    return v;
}
inline QJsonValue value(const Spec &, QByteArrayView utf8)
{
    return QString::fromUtf8(utf8);
}
inline QJsonValue value(const Spec &s, qint64 v)
{
    return s.kind == Kind::Time ? QJsonValue(ids::formatTime(v)) : QJsonValue(double(v));
}
inline QJsonValue value(const Spec &, bool v)
{
    return v;
}
inline QJsonValue value(const Spec &, const QStringList &v)
{
    return QJsonArray::fromStringList(v);
}
inline QJsonValue value(const Spec &, const QJsonObject &v)
{
    return v;
}
inline QJsonValue value(const Spec &, const QMap<QString, qint64> &v)
{
    QJsonObject o;
    for (auto it = v.cbegin(); it != v.cend(); ++it)
        o.insert(it.key(), double(it.value()));
    return o;
}
template <typename T> QJsonValue value(const Spec &s, const std::optional<T> &v)
{
    return value(s, *v);
}
template <typename T> QJsonValue value(const Spec &s, const T *v)
{
    return value(s, *v);
}

// Member I of the table; its spec is a constant here, whatever the inliner does.
template <const auto &Fields, std::size_t I, typename Row>
void writeMember(JsonWriter &w, const Row &row)
{
    constexpr const auto &f = std::get<I>(Fields);
    if constexpr (f.name.empty())
        return; // a column only
    const auto &v = std::invoke(f.get, row);
    if constexpr (f.spec.nullable || f.spec.optional) {
        if (absent(v)) {
            if constexpr (!f.spec.optional)
                w.key(latin1(f.name)).null();
            return;
        }
    }
    w.key(latin1(f.name));
    write<f.spec.kind>(w, v);
}

template <typename F, typename Row>
void insertMember(QJsonObject &o, const F &f, const Row &row, Shape in)
{
    if (f.name.empty() || !(f.spec.in & in))
        return; // a column only, or not in this shape
    const auto &v = std::invoke(f.get, row);
    const bool missing = (f.spec.nullable || f.spec.optional) && absent(v);
    if (missing && f.spec.optional)
        return;
    o.insert(latin1(f.name), missing ? QJsonValue(QJsonValue::Null) : value(f.spec, v));
}

// The table's field indexes with the names in QJsonObject's order (the names
// are ASCII, so byte order is its UTF-16 order).
template <typename Fields> constexpr auto sortedOrder(const Fields &fields)
{
    constexpr std::size_t n = std::tuple_size_v<Fields>;
    const std::array<std::string_view, n> names = std::apply(
        [](const auto &...f) { return std::array<std::string_view, n>{f.name...}; }, fields);
    std::array<std::size_t, n> order{};
    for (std::size_t i = 0; i < n; ++i)
        order[i] = i;
    std::sort(order.begin(), order.end(),
              [&names](std::size_t a, std::size_t b) { return names[a] < names[b]; });
    return order;
}

} // namespace detail

// The row as a QJsonObject: the members of the shape `In`.
template <const auto &Fields, Shape In = Api, typename Row> QJsonObject toJson(const Row &row)
{
    QJsonObject o;
    std::apply([&](const auto &...f) { (detail::insertMember(o, f, row, In), ...); }, Fields);
    return o;
}

// The bytes QJsonDocument(toJson<Fields>(row)).toJson(Compact) has, written
// straight: the members in sorted order, fixed when compiling.
template <const auto &Fields, typename Row> void writeJson(JsonWriter &w, const Row &row)
{
    using Table = std::remove_cvref_t<decltype(Fields)>;
    static constexpr auto order = detail::sortedOrder(Fields);
    w.beginObject();
    [&]<std::size_t... I>(std::index_sequence<I...>)
    {
        (detail::writeMember<Fields, order[I]>(w, row), ...);
    }
    (std::make_index_sequence<std::tuple_size_v<Table>>{});
    w.endObject();
}

// Which members of a table a body sent: bit I for the table's field I.
using Sent = std::uint64_t;

// The bit of the table's member `name` (a constant when `name` is one).
template <const auto &Fields> constexpr Sent bitOf(std::string_view name)
{
    Sent bit = 0, at = 1;
    std::apply([&](const auto &...f) { ((bit |= (f.name == name ? at : 0), at <<= 1), ...); },
               Fields);
    return bit;
}

// `to` takes every member `from` was sent with.
template <const auto &Fields, typename Row> void takeSent(const Row &from, Sent sent, Row &to)
{
    Sent at = 1;
    auto take = [&](const auto &f) {
        if (sent & at)
            std::invoke(f.get, to) = std::invoke(f.get, from);
        at <<= 1;
    };
    std::apply([&](const auto &...f) { (take(f), ...); }, Fields);
}

// `to` takes the members marked Input::Replaces that `from` was sent with and
// that differ from `to`'s; their JSON names are appended to `changed`, in the
// table's order.
template <const auto &Fields, typename Row>
void takeReplaced(const Row &from, Sent sent, Row &to, QStringList &changed)
{
    Sent at = 1;
    auto take = [&](const auto &f) {
        if (f.input == Input::Replaces && (sent & at) &&
            std::invoke(f.get, from) != std::invoke(f.get, to)) {
            std::invoke(f.get, to) = std::invoke(f.get, from);
            changed << detail::latin1(f.name);
        }
        at <<= 1;
    };
    std::apply([&](const auto &...f) { (take(f), ...); }, Fields);
}

} // namespace wfx::shape
