// SPDX-License-Identifier: Apache-2.0
// A request's body read into a row by the row's field table (models/core/Shape.h):
// the members the table marks sent (Field::sent), each checked by its spec
// (JSON type, length, enum name, time, uuid, integer range) with every bad
// member reported, not only the first, and which members were sent recorded.
// It reads simdjson's DOM of a body the strict reader already accepted
// (models/core/JsonDom.h): no QJsonValue tree on the write path.
#pragma once

#include "models/core/Ids.h"
#include "models/core/JsonDom.h"
#include "models/core/Result.h"
#include "models/core/Shape.h"

#include <simdjson.h>

#include <cmath>

namespace wfx::shape {

// A value of the body, asked what QJsonValue would be asked (absent, null and
// the JSON kinds), without building a tree.
class BodyValue
{
public:
    BodyValue() = default;
    explicit BodyValue(simdjson::dom::element e) : m_e(e), m_present(true) {}
    bool isUndefined() const { return !m_present; }
    bool isNull() const { return is(simdjson::dom::element_type::NULL_VALUE); }
    bool isString() const { return is(simdjson::dom::element_type::STRING); }
    bool isDouble() const { return m_present && m_e.is_number(); }
    bool isObject() const { return is(simdjson::dom::element_type::OBJECT); }
    bool isArray() const { return is(simdjson::dom::element_type::ARRAY); }
    QString toString() const
    {
        return isString() ? jsondom::string(m_e.get_string().value_unsafe()) : QString();
    }
    double toDouble() const { return isDouble() ? jsondom::number(m_e) : 0.0; }
    // An object's member (absent: isUndefined()).
    BodyValue value(std::string_view key) const
    {
        if (!isObject())
            return {};
        auto member = m_e.get_object().value_unsafe().at_key(key);
        return member.error() ? BodyValue() : BodyValue(member.value_unsafe());
    }
    simdjson::dom::element element() const { return m_e; }

private:
    bool is(simdjson::dom::element_type t) const { return m_present && m_e.type() == t; }
    simdjson::dom::element m_e;
    bool m_present = false;
};

// The problems of one body, as a 422's details: at most `max` listed, all counted.
class BodyIssues
{
public:
    explicit BodyIssues(qsizetype max = 200) : m_max(max) {}
    void add(const QString &field, const QString &issue)
    {
        ++m_total;
        if (m_list.size() < m_max)
            m_list.append({field, issue});
    }
    bool empty() const { return m_total == 0; }
    // "The <what> is not valid." with the problems as details.
    Error error(const QString &what) const
    {
        QString msg = QStringLiteral("The %1 is not valid.").arg(what);
        if (m_total > m_list.size())
            msg = QStringLiteral("The %1 is not valid (%2 problems, the first %3 listed).")
                      .arg(what)
                      .arg(m_total)
                      .arg(m_list.size());
        Error e{ErrorCode::Validation, msg};
        e.details = m_list;
        return e;
    }

private:
    QList<FieldIssue> m_list;
    qsizetype m_total = 0;
    qsizetype m_max;
};

namespace detail {

template <typename Fields> constexpr std::size_t fieldCount()
{
    return std::tuple_size_v<std::remove_cvref_t<Fields>>;
}

inline bool isName(std::span<const std::string_view> names, const QString &s)
{
    for (std::string_view n : names) {
        if (s == latin1(n))
            return true;
    }
    return false;
}

// 2^53: a larger integer would not survive a round trip through a JSON number.
inline constexpr double kMaxExactInteger = 9007199254740992.0;

// Field I of the table from the body into the row, when the table marks it sent.
template <const auto &Fields, std::size_t I, typename Row>
void readMember(const BodyValue &body, Row &row, Sent &sent, BodyIssues &issues)
{
    constexpr const auto &f = std::get<I>(Fields);
    if constexpr (f.input != Input::None) {
        static_assert(f.spec.kind == Kind::Text || f.spec.kind == Kind::Uuid ||
                          f.spec.kind == Kind::Enum || f.spec.kind == Kind::Time ||
                          f.spec.kind == Kind::Integer,
                      "readInput reads text, uuids, enum names, times and integers");
        // The member's name is spelled only for a problem: most bodies have none.
        auto bad = [&issues](const char *issue) {
            issues.add(latin1(std::get<I>(Fields).name), QString::fromLatin1(issue));
        };
        const BodyValue v = body.value(f.name);
        const bool left = v.isUndefined() || v.isNull() ||
                          (f.spec.kind == Kind::Uuid && v.isString() && v.toString().isEmpty());
        if (left) {
            if (f.input == Input::Key)
                bad("required");
            return;
        }
        auto &out = std::invoke(f.get, row);
        if constexpr (f.spec.kind == Kind::Integer) {
            if (!v.isDouble())
                return bad("type");
            const double d = v.toDouble();
            if (!std::isfinite(d) || std::floor(d) != d || d < double(f.spec.minimum) ||
                d > double(f.spec.maximum))
                return bad("invalid");
            out = qint64(d);
        } else {
            if (!v.isString())
                return bad("type");
            QString s = v.toString();
            if constexpr (f.spec.kind == Kind::Text) {
                if (f.spec.trim)
                    s = s.trimmed();
                if (s.isEmpty())
                    return bad("required");
                if (s.size() < f.spec.minLength)
                    return bad("too_short");
                if (f.spec.maxLength >= 0 && s.size() > f.spec.maxLength)
                    return bad("too_long");
                if (hasControl(s))
                    return bad("invalid");
                out = s;
            } else if constexpr (f.spec.kind == Kind::Uuid) {
                if (!ids::isUuid(s))
                    return bad("invalid");
                out = s;
            } else if constexpr (f.spec.kind == Kind::Enum) {
                if (!isName(f.spec.names, s))
                    return bad("invalid");
                out = s;
            } else {
                const std::optional<qint64> t = ids::parseTime(s);
                if (!t)
                    return bad("invalid");
                out = *t;
            }
        }
        sent |= Sent(1) << I;
    }
}

} // namespace detail

// The members the table marks sent, from `body` (an object) into `row`; a key
// left out, and any bad member, is added to `issues`. Returns what was sent.
template <const auto &Fields, typename Row>
Sent readInput(const BodyValue &body, Row &row, BodyIssues &issues)
{
    static_assert(detail::fieldCount<decltype(Fields)>() <= 64);
    Sent sent = 0;
    [&]<std::size_t... I>(std::index_sequence<I...>)
    {
        (detail::readMember<Fields, I>(body, row, sent, issues), ...);
    }
    (std::make_index_sequence<detail::fieldCount<decltype(Fields)>()>{});
    return sent;
}

} // namespace wfx::shape
