// SPDX-License-Identifier: Apache-2.0
#include "core/Schema.h"

#include "core/Ids.h"

#include <cmath>
#include <optional>

namespace wfx::schema {

namespace {
QString S(const char *s) { return QString::fromLatin1(s); }
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

namespace {

enum TypeBit : quint8 {
    String = 1, Object = 2, Array = 4, Boolean = 8, Null = 16, Number = 32, Integer = 64, Any = 128,
};

quint8 typeBit(const QString &type)
{
    if (type == QLatin1String("string")) return String;
    if (type == QLatin1String("object")) return Object;
    if (type == QLatin1String("array")) return Array;
    if (type == QLatin1String("boolean")) return Boolean;
    if (type == QLatin1String("null")) return Null;
    if (type == QLatin1String("number")) return Number;
    if (type == QLatin1String("integer")) return Integer;
    return Any; // a type this validator does not know accepts everything
}

bool typeMatches(const QJsonValue &v, quint8 types)
{
    if (types & Any) return true;
    if ((types & String) && v.isString()) return true;
    if ((types & Object) && v.isObject()) return true;
    if ((types & Array) && v.isArray()) return true;
    if ((types & Boolean) && v.isBool()) return true;
    if ((types & Null) && v.isNull()) return true;
    if ((types & (Number | Integer)) && v.isDouble()) {
        const double d = v.toDouble();
        if (!std::isfinite(d))
            return false;
        if (types & Number)
            return true;
        return d == std::floor(d) && std::fabs(d) <= 9007199254740991.0;
    }
    return false;
}

// Where a value sits, spelled out only when a problem is reported.
struct PathLink
{
    const PathLink *parent = nullptr;
    const QString *key = nullptr; // else an index
    qsizetype index = 0;
};

// A key as a field path spells it; the empty key (valid JSON) as "" so that
// no field of an issue is ever empty.
QString keySpelling(const QString &key)
{
    return key.isEmpty() ? QStringLiteral("\"\"") : key;
}

QString spell(const QString &base, const PathLink *link)
{
    QStringList parts;
    for (; link; link = link->parent)
        parts.prepend(link->key ? keySpelling(*link->key) : QString::number(link->index));
    if (!base.isEmpty())
        parts.prepend(base);
    return parts.join(QLatin1Char('.'));
}

} // namespace

struct Validator::Node
{
    enum class Format : quint8 { None, Uuid, DateTime };

    quint8 types = 0; // 0: no "type" keyword
    Format format = Format::None;
    bool closed = false; // additionalProperties: false
    int minLength = -1, maxLength = -1, maxItems = -1;
    std::optional<double> minimum, maximum;
    QJsonArray enumValues;
    bool hasEnum = false;
    std::unique_ptr<Node> items; // null: any item
    std::vector<std::pair<QString, std::unique_ptr<Node>>> properties; // in QJsonObject's key order
    QStringList required;

    explicit Node(const QJsonObject &s)
    {
        const QJsonValue type = s.value(S("type"));
        if (type.isString())
            types = typeBit(type.toString());
        else if (type.isArray())
            for (const auto &t : type.toArray())
                types |= typeBit(t.toString());
        if (s.contains(S("minLength"))) minLength = s.value(S("minLength")).toInt();
        if (s.contains(S("maxLength"))) maxLength = s.value(S("maxLength")).toInt();
        if (s.contains(S("maxItems"))) maxItems = s.value(S("maxItems")).toInt();
        if (s.contains(S("minimum"))) minimum = s.value(S("minimum")).toDouble();
        if (s.contains(S("maximum"))) maximum = s.value(S("maximum")).toDouble();
        const QJsonValue f = s.value(S("format"));
        format = f == S("uuid") ? Format::Uuid : f == S("date-time") ? Format::DateTime : Format::None;
        hasEnum = s.contains(S("enum"));
        enumValues = s.value(S("enum")).toArray();
        if (s.contains(S("items")))
            items = std::make_unique<Node>(s.value(S("items")).toObject());
        const QJsonObject props = s.value(S("properties")).toObject();
        for (auto it = props.begin(); it != props.end(); ++it)
            properties.emplace_back(it.key(), std::make_unique<Node>(it.value().toObject()));
        for (const auto &r : s.value(S("required")).toArray())
            required.append(r.toString());
        closed = s.value(S("additionalProperties")) == QJsonValue(false);
    }

    bool declares(const QString &key) const
    {
        for (const auto &p : properties)
            if (p.first == key)
                return true;
        return false;
    }

    void check(const QJsonValue &value, const QString &base, const PathLink *at, QList<FieldIssue> &details) const
    {
        const auto issue = [&](const PathLink *where, const char *what) {
            const QString field = spell(base, where);
            details.append({field.isEmpty() ? S("body") : field, S(what)});
        };
        if (types && !typeMatches(value, types)) {
            issue(at, "type");
            return;
        }
        if (value.isString()) {
            const QString str = value.toString();
            if (minLength >= 0 && str.size() < minLength)
                issue(at, str.isEmpty() ? "required" : "too_short");
            else if (maxLength >= 0 && str.size() > maxLength)
                issue(at, "too_long");
            else if (format == Format::Uuid && !ids::isUuid(str))
                issue(at, "invalid");
            else if (format == Format::DateTime && !ids::parseTime(str))
                issue(at, "invalid");
            else if (hasEnum && !enumValues.contains(value))
                issue(at, "invalid");
        } else if (value.isDouble()) {
            const double d = value.toDouble();
            if ((minimum && d < *minimum) || (maximum && d > *maximum))
                issue(at, "out_of_range");
        } else if (value.isArray()) {
            const QJsonArray a = value.toArray();
            if (maxItems >= 0 && a.size() > maxItems) {
                issue(at, "too_many");
                return;
            }
            if (!items)
                return;
            for (qsizetype i = 0; i < a.size() && details.size() < 50; ++i) {
                const PathLink link{at, nullptr, i};
                items->check(a.at(i), base, &link, details);
            }
        } else if (value.isObject()) {
            const QJsonObject o = value.toObject();
            // One lookup per key (a QJsonObject finds a key by binary search over
            // its sorted keys): value() is undefined for an absent key.
            for (const QString &key : required) {
                const QJsonValue v = o.value(key);
                if (v.isUndefined() || v.isNull()) {
                    const PathLink link{at, &key, 0};
                    issue(&link, "required");
                }
            }
            for (const auto &[key, node] : properties) {
                // Absent and null optional fields are the same; required ones were reported above.
                const QJsonValue v = o.value(key);
                if (!v.isUndefined() && !v.isNull()) {
                    const PathLink link{at, &key, 0};
                    node->check(v, base, &link, details);
                }
            }
            if (closed) {
                for (auto it = o.begin(); it != o.end(); ++it) {
                    const QString key = it.key();
                    if (!declares(key)) {
                        const PathLink link{at, &key, 0};
                        issue(&link, "unknown");
                    }
                }
            }
        }
    }
};

Validator::Validator(const QJsonObject &schema)
    : m_root(std::make_shared<const Node>(schema))
{
}

void Validator::validate(const QJsonValue &value, QList<FieldIssue> &details, const QString &path) const
{
    if (m_root)
        m_root->check(value, path, nullptr, details);
}

void validate(const QJsonValue &value, const QJsonObject &s, const QString &path, QList<FieldIssue> &details)
{
    Validator(s).validate(value, details, path);
}

} // namespace wfx::schema
