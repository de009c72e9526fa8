// SPDX-License-Identifier: Apache-2.0
#include "models/core/JsonDom.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QVarLengthArray>

#include <simdjson.h>

#include <algorithm>
#include <cmath>

namespace wfx::jsondom {

namespace {

bool isAscii(std::string_view s)
{
    uchar any = 0;
    for (const char c : s)
        any |= uchar(c);
    return any < 0x80;
}

QJsonValue toArray(simdjson::dom::array a)
{
    QJsonArray array;
    for (const simdjson::dom::element child : a)
        array.append(toValue(child));
    return array;
}

QJsonValue toObject(simdjson::dom::object o)
{
    struct Member
    {
        std::string_view key; // simdjson's unescaped UTF-8, alive while the parser's document is
        QJsonValue value;
    };
    QVarLengthArray<Member, 16> members;
    for (const simdjson::dom::key_value_pair kv : o)
        members.append(Member{kv.key, toValue(kv.value)});
    // Sorted by code point (UTF-8 byte order), QJsonObject, which keeps its
    // keys sorted, appends each one at its end instead of moving its elements
    // for every insertion (quadratic for a big object sent in reverse order).
    const auto byKey = [](const Member &a, const Member &b) { return a.key < b.key; };
    if (!std::is_sorted(members.begin(), members.end(), byKey))
        std::sort(members.begin(), members.end(), byKey);
    QJsonObject object;
    for (const Member &m : members) {
        if (isAscii(m.key))
            object.insert(QLatin1StringView(m.key.data(), qsizetype(m.key.size())), m.value);
        else
            object.insert(string(m.key), m.value);
    }
    return object;
}

} // namespace

QString string(std::string_view s)
{
    qsizetype boms = 0;
    while (s.size() >= 3 && s[0] == '\xEF' && s[1] == '\xBB' && s[2] == '\xBF') {
        s.remove_prefix(3);
        ++boms;
    }
    QString text = QString::fromUtf8(s.data(), qsizetype(s.size()));
    if (boms)
        text.prepend(QString(boms, QChar(0xFEFF)));
    return text;
}

double number(const simdjson::dom::element &e)
{
    using simdjson::dom::element_type;
    switch (e.type()) {
    case element_type::INT64:
        return double(e.get_int64().value_unsafe());
    case element_type::UINT64:
        return double(e.get_uint64().value_unsafe());
    default:
        return e.get_double().value_unsafe();
    }
}

QJsonValue toValue(const simdjson::dom::element &e)
{
    using simdjson::dom::element_type;
    switch (e.type()) {
    case element_type::ARRAY:
        return toArray(e.get_array().value_unsafe());
    case element_type::OBJECT:
        return toObject(e.get_object().value_unsafe());
    case element_type::STRING:
        return string(e.get_string().value_unsafe());
    case element_type::INT64:
        return QJsonValue(qint64(e.get_int64().value_unsafe()));
    case element_type::UINT64:
        // Above 2^63-1: QJsonValue holds no unsigned 64-bit integer, so the
        // nearest double, as QJsonDocument gave before (no schema accepts such
        // an integer: ours stop at 2^53-1).
        return QJsonValue(double(e.get_uint64().value_unsafe()));
    case element_type::DOUBLE: {
        // As QJsonDocument's parser keeps it: a whole number in qint64's range
        // (-0.0 included) as an integer. QJsonValue(double) does so only up to
        // 2^53, and the two differ as container members (found by fuzz_json_body
        // with 288888888888888000.0).
        const double d = e.get_double().value_unsafe();
        if (d == std::trunc(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
            return QJsonValue(qint64(d));
        return QJsonValue(d);
    }
    case element_type::BOOL:
        return QJsonValue(e.get_bool().value_unsafe());
    case element_type::NULL_VALUE:
        return QJsonValue(QJsonValue::Null);
    }
    return QJsonValue(QJsonValue::Undefined);
}

} // namespace wfx::jsondom
