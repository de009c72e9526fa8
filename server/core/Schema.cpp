// SPDX-License-Identifier: Apache-2.0
#include "core/Schema.h"

#include "core/Ids.h"

#include <cmath>

namespace wfx::schema {

namespace {
QString S(const char *s) { return QString::fromLatin1(s); }
QString join(const QString &path, const QString &key) { return path.isEmpty() ? key : path + QLatin1Char('.') + key; }
} // namespace

QJsonObject string(int minLength, int maxLength)
{
    QJsonObject o{{S("type"), S("string")}};
    if (minLength > 0)
        o.insert(S("minLength"), minLength);
    if (maxLength >= 0)
        o.insert(S("maxLength"), maxLength);
    return o;
}

QJsonObject uuid() { return {{S("type"), S("string")}, {S("format"), S("uuid")}}; }
QJsonObject dateTime() { return {{S("type"), S("string")}, {S("format"), S("date-time")}}; }

QJsonObject enumOf(const QStringList &values)
{
    return {{S("type"), S("string")}, {S("enum"), QJsonArray::fromStringList(values)}};
}

QJsonObject integer(qint64 minimum, qint64 maximum)
{
    return {{S("type"), S("integer")}, {S("minimum"), double(minimum)}, {S("maximum"), double(maximum)}};
}

QJsonObject number() { return {{S("type"), S("number")}}; }
QJsonObject boolean() { return {{S("type"), S("boolean")}}; }
QJsonObject anyObject() { return {{S("type"), S("object")}, {S("additionalProperties"), true}}; }

QJsonObject arrayOf(const QJsonObject &items, int maxItems)
{
    QJsonObject o{{S("type"), S("array")}, {S("items"), items}};
    if (maxItems >= 0)
        o.insert(S("maxItems"), maxItems);
    return o;
}

QJsonObject nullable(const QJsonObject &s)
{
    QJsonObject o = s;
    const QJsonValue t = s.value(S("type"));
    if (t.isString())
        o.insert(S("type"), QJsonArray{t, S("null")});
    return o;
}

QJsonObject describe(QJsonObject s, const QString &description)
{
    s.insert(S("description"), description);
    return s;
}

QJsonObject object(std::initializer_list<Prop> props, bool additional)
{
    QJsonObject properties;
    QJsonArray required;
    for (const Prop &p : props) {
        properties.insert(p.name, p.schema);
        if (p.required)
            required.append(p.name);
    }
    QJsonObject o{{S("type"), S("object")}, {S("properties"), properties}};
    if (!required.isEmpty())
        o.insert(S("required"), required);
    if (!additional)
        o.insert(S("additionalProperties"), false);
    return o;
}

QJsonObject wrapped(const QString &key, const QJsonObject &inner, std::initializer_list<Prop> siblings)
{
    QJsonObject properties{{key, inner}};
    QJsonArray required{key};
    for (const Prop &p : siblings) {
        properties.insert(p.name, p.schema);
        if (p.required)
            required.append(p.name);
    }
    return {{S("type"), S("object")}, {S("properties"), properties}, {S("required"), required}};
}

QJsonObject page(const QJsonObject &item)
{
    return object({{S("items"), arrayOf(item), true}, {S("next_cursor"), nullable(string()), true}});
}

static bool typeMatches(const QJsonValue &v, const QString &type)
{
    if (type == QLatin1String("string")) return v.isString();
    if (type == QLatin1String("object")) return v.isObject();
    if (type == QLatin1String("array")) return v.isArray();
    if (type == QLatin1String("boolean")) return v.isBool();
    if (type == QLatin1String("null")) return v.isNull();
    if (type == QLatin1String("number")) return v.isDouble() && std::isfinite(v.toDouble());
    if (type == QLatin1String("integer")) {
        if (!v.isDouble())
            return false;
        const double d = v.toDouble();
        return std::isfinite(d) && d == std::floor(d) && std::fabs(d) <= 9007199254740991.0;
    }
    return true;
}

void validate(const QJsonValue &value, const QJsonObject &s, const QString &path, QList<FieldIssue> &details)
{
    const QString field = path.isEmpty() ? S("body") : path;
    const QJsonValue type = s.value(S("type"));
    if (type.isString() || type.isArray()) {
        bool ok = false;
        const QJsonArray types = type.isArray() ? type.toArray() : QJsonArray{type};
        for (const auto &t : types)
            ok = ok || typeMatches(value, t.toString());
        if (!ok) {
            details.append({field, S("type")});
            return;
        }
    }
    if (value.isString()) {
        const QString str = value.toString();
        if (s.contains(S("minLength")) && str.size() < s.value(S("minLength")).toInt())
            details.append({field, str.isEmpty() ? S("required") : S("too_short")});
        else if (s.contains(S("maxLength")) && str.size() > s.value(S("maxLength")).toInt())
            details.append({field, S("too_long")});
        else if (s.value(S("format")) == S("uuid") && !ids::isUuid(str))
            details.append({field, S("invalid")});
        else if (s.value(S("format")) == S("date-time") && !ids::parseTime(str))
            details.append({field, S("invalid")});
        else if (s.contains(S("enum")) && !s.value(S("enum")).toArray().contains(value))
            details.append({field, S("invalid")});
    } else if (value.isDouble()) {
        const double d = value.toDouble();
        if ((s.contains(S("minimum")) && d < s.value(S("minimum")).toDouble())
            || (s.contains(S("maximum")) && d > s.value(S("maximum")).toDouble()))
            details.append({field, S("out_of_range")});
    } else if (value.isArray()) {
        const QJsonArray a = value.toArray();
        if (s.contains(S("maxItems")) && a.size() > s.value(S("maxItems")).toInt()) {
            details.append({field, S("too_many")});
            return;
        }
        const QJsonObject items = s.value(S("items")).toObject();
        for (qsizetype i = 0; i < a.size() && details.size() < 50; ++i)
            validate(a.at(i), items, join(path, QString::number(i)), details);
    } else if (value.isObject()) {
        const QJsonObject o = value.toObject();
        const QJsonObject props = s.value(S("properties")).toObject();
        for (const auto &r : s.value(S("required")).toArray()) {
            const QString key = r.toString();
            if (!o.contains(key) || o.value(key).isNull())
                details.append({join(path, key), S("required")});
        }
        for (auto it = props.begin(); it != props.end(); ++it) {
            // Absent and null optional fields are the same; required ones were reported above.
            if (o.contains(it.key()) && !o.value(it.key()).isNull())
                validate(o.value(it.key()), it.value().toObject(), join(path, it.key()), details);
        }
        if (s.value(S("additionalProperties")) == QJsonValue(false)) {
            for (auto it = o.begin(); it != o.end(); ++it) {
                if (!props.contains(it.key()))
                    details.append({join(path, it.key()), S("unknown")});
            }
        }
    }
}

} // namespace wfx::schema
