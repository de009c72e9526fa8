// SPDX-License-Identifier: Apache-2.0
#include "server/core/Schema.h"

#include "models/core/Ids.h"
#include "models/core/JsonDom.h"

#include <simdjson.h>

#include <QVarLengthArray>

#include <algorithm>
#include <cmath>
#include <optional>

using namespace Qt::StringLiterals;

namespace wfx::schema {

namespace {
} // namespace

QJsonObject string(int minLength, int maxLength)
{
    QJsonObject o{{u"type"_s, u"string"_s}};
    if (minLength > 0)
        o.insert(u"minLength"_s, minLength);
    if (maxLength >= 0)
        o.insert(u"maxLength"_s, maxLength);
    return o;
}

QJsonObject uuid()
{
    return {{u"type"_s, u"string"_s}, {u"format"_s, u"uuid"_s}};
}
QJsonObject dateTime()
{
    return {{u"type"_s, u"string"_s}, {u"format"_s, u"date-time"_s}};
}

QJsonObject enumOf(const QStringList &values)
{
    return {{u"type"_s, u"string"_s}, {u"enum"_s, QJsonArray::fromStringList(values)}};
}

QJsonObject integer(qint64 minimum, qint64 maximum)
{
    return {{u"type"_s, u"integer"_s},
            {u"minimum"_s, double(minimum)},
            {u"maximum"_s, double(maximum)}};
}

QJsonObject number()
{
    return {{u"type"_s, u"number"_s}};
}
QJsonObject boolean()
{
    return {{u"type"_s, u"boolean"_s}};
}
QJsonObject anyObject()
{
    return {{u"type"_s, u"object"_s}, {u"additionalProperties"_s, true}};
}

QJsonObject arrayOf(const QJsonObject &items, int maxItems)
{
    QJsonObject o{{u"type"_s, u"array"_s}, {u"items"_s, items}};
    if (maxItems >= 0)
        o.insert(u"maxItems"_s, maxItems);
    return o;
}

QJsonObject nullable(const QJsonObject &s)
{
    QJsonObject o = s;
    const QJsonValue t = s.value(u"type"_s);
    if (t.isString())
        o.insert(u"type"_s, QJsonArray{t, u"null"_s});
    return o;
}

QJsonObject describe(QJsonObject s, const QString &description)
{
    s.insert(u"description"_s, description);
    return s;
}

QJsonObject object(std::initializer_list<Prop> props, bool additional)
{
    return object(QList<Prop>(props), additional);
}

QJsonObject object(const QList<Prop> &props, bool additional)
{
    QJsonObject properties;
    QJsonArray required;
    for (const Prop &p : props) {
        properties.insert(p.name, p.schema);
        if (p.required)
            required.append(p.name);
    }
    QJsonObject o{{u"type"_s, u"object"_s}, {u"properties"_s, properties}};
    if (!required.isEmpty())
        o.insert(u"required"_s, required);
    if (!additional)
        o.insert(u"additionalProperties"_s, false);
    return o;
}

QJsonObject wrapped(const QString &key, const QJsonObject &inner,
                    std::initializer_list<Prop> siblings)
{
    QJsonObject properties{{key, inner}};
    QJsonArray required{key};
    for (const Prop &p : siblings) {
        properties.insert(p.name, p.schema);
        if (p.required)
            required.append(p.name);
    }
    return {{u"type"_s, u"object"_s}, {u"properties"_s, properties}, {u"required"_s, required}};
}

QJsonObject page(const QJsonObject &item)
{
    return object(
        {{u"items"_s, arrayOf(item), true}, {u"next_cursor"_s, nullable(string()), true}});
}

namespace {

enum TypeBit : quint8 {
    String = 1,
    Object = 2,
    Array = 4,
    Boolean = 8,
    Null = 16,
    Number = 32,
    Integer = 64,
    Any = 128,
};

quint8 typeBit(const QString &type)
{
    if (type == QLatin1String("string"))
        return String;
    if (type == QLatin1String("object"))
        return Object;
    if (type == QLatin1String("array"))
        return Array;
    if (type == QLatin1String("boolean"))
        return Boolean;
    if (type == QLatin1String("null"))
        return Null;
    if (type == QLatin1String("number"))
        return Number;
    if (type == QLatin1String("integer"))
        return Integer;
    return Any; // a type this validator does not know accepts everything
}

// The two kinds of document the validator reads: Qt's tree and simdjson's DOM
// (JsonReader hands out both), seen through the same few questions.
enum class Kind { String, Number, Boolean, Null, Array, Object, Other };

Kind kindOf(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::String:
        return Kind::String;
    case QJsonValue::Double:
        return Kind::Number;
    case QJsonValue::Bool:
        return Kind::Boolean;
    case QJsonValue::Null:
        return Kind::Null;
    case QJsonValue::Array:
        return Kind::Array;
    case QJsonValue::Object:
        return Kind::Object;
    default:
        return Kind::Other;
    }
}

Kind kindOf(const simdjson::dom::element &e)
{
    using simdjson::dom::element_type;
    switch (e.type()) {
    case element_type::STRING:
        return Kind::String;
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
        return Kind::Number;
    case element_type::BOOL:
        return Kind::Boolean;
    case element_type::NULL_VALUE:
        return Kind::Null;
    case element_type::ARRAY:
        return Kind::Array;
    case element_type::OBJECT:
        return Kind::Object;
    }
    return Kind::Other;
}

double numberOf(const QJsonValue &v)
{
    return v.toDouble();
}

double numberOf(const simdjson::dom::element &e)
{
    return jsondom::number(e);
}

QString stringOf(const QJsonValue &v)
{
    return v.toString();
}

QString stringOf(const simdjson::dom::element &e)
{
    return jsondom::string(e.get_string().value_unsafe()); // a leading U+FEFF stays, as in the tree
}

// A string's length as QString counts it (UTF-16 code units).
qsizetype lengthOf(const QJsonValue &v)
{
    return v.toString().size();
}

qsizetype lengthOf(const simdjson::dom::element &e)
{
    // simdjson validated the UTF-8: every byte that is not a continuation byte
    // starts a character, and a 4-byte one takes two UTF-16 units.
    const std::string_view s = e.get_string().value_unsafe();
    qsizetype n = 0;
    for (const char ch : s) {
        const auto b = static_cast<unsigned char>(ch);
        n += (b & 0xC0) != 0x80;
        n += b >= 0xF0;
    }
    return n;
}

bool typeMatches(Kind kind, double number, quint8 types)
{
    if (types & Any)
        return true;
    if ((types & String) && kind == Kind::String)
        return true;
    if ((types & Object) && kind == Kind::Object)
        return true;
    if ((types & Array) && kind == Kind::Array)
        return true;
    if ((types & Boolean) && kind == Kind::Boolean)
        return true;
    if ((types & Null) && kind == Kind::Null)
        return true;
    if ((types & (Number | Integer)) && kind == Kind::Number) {
        const double d = number;
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
    struct Property
    {
        QString name;
        std::string utf8; // the name as simdjson's keys spell it
        std::unique_ptr<Node> node;
    };
    std::vector<Property> properties; // in QJsonObject's key order
    QStringList required;

    explicit Node(const QJsonObject &s)
    {
        const QJsonValue type = s.value(u"type"_s);
        if (type.isString())
            types = typeBit(type.toString());
        else if (type.isArray())
            for (const auto &t : type.toArray())
                types |= typeBit(t.toString());
        if (s.contains(u"minLength"_s))
            minLength = s.value(u"minLength"_s).toInt();
        if (s.contains(u"maxLength"_s))
            maxLength = s.value(u"maxLength"_s).toInt();
        if (s.contains(u"maxItems"_s))
            maxItems = s.value(u"maxItems"_s).toInt();
        if (s.contains(u"minimum"_s))
            minimum = s.value(u"minimum"_s).toDouble();
        if (s.contains(u"maximum"_s))
            maximum = s.value(u"maximum"_s).toDouble();
        const QJsonValue f = s.value(u"format"_s);
        format = f == u"uuid"_s        ? Format::Uuid
                 : f == u"date-time"_s ? Format::DateTime
                                       : Format::None;
        hasEnum = s.contains(u"enum"_s);
        enumValues = s.value(u"enum"_s).toArray();
        if (s.contains(u"items"_s))
            items = std::make_unique<Node>(s.value(u"items"_s).toObject());
        const QJsonObject props = s.value(u"properties"_s).toObject();
        for (auto it = props.begin(); it != props.end(); ++it)
            properties.push_back(
                {it.key(), it.key().toStdString(), std::make_unique<Node>(it.value().toObject())});
        for (const auto &r : s.value(u"required"_s).toArray())
            required.append(r.toString());
        closed = s.value(u"additionalProperties"_s) == QJsonValue(false);
    }

    bool declares(const QString &key) const
    {
        for (const auto &p : properties)
            if (p.name == key)
                return true;
        return false;
    }

    template <typename Value>
    void check(const Value &value, const QString &base, const PathLink *at,
               QList<FieldIssue> &details) const
    {
        const auto issue = [&](const PathLink *where, const char *what) {
            const QString field = spell(base, where);
            details.append({field.isEmpty() ? u"body"_s : field, QString::fromLatin1(what)});
        };
        const Kind kind = kindOf(value);
        const double number = kind == Kind::Number ? numberOf(value) : 0;
        if (types && !typeMatches(kind, number, types)) {
            issue(at, "type");
            return;
        }
        if (kind == Kind::String) {
            const qsizetype length = lengthOf(value);
            if (minLength >= 0 && length < minLength) {
                issue(at, length == 0 ? "required" : "too_short");
            } else if (maxLength >= 0 && length > maxLength) {
                issue(at, "too_long");
            } else if (format != Format::None || hasEnum) {
                const QString str = stringOf(value);
                if (format == Format::Uuid && !ids::isUuid(str))
                    issue(at, "invalid");
                else if (format == Format::DateTime && !ids::parseTime(str))
                    issue(at, "invalid");
                else if (hasEnum && !enumValues.contains(QJsonValue(str)))
                    issue(at, "invalid");
            }
        } else if (kind == Kind::Number) {
            if ((minimum && number < *minimum) || (maximum && number > *maximum))
                issue(at, "out_of_range");
        } else if (kind == Kind::Array) {
            checkArray(value, base, at, details, issue);
        } else if (kind == Kind::Object) {
            checkObject(value, base, at, details, issue);
        }
    }

    template <typename Issue>
    void checkArray(const QJsonValue &value, const QString &base, const PathLink *at,
                    QList<FieldIssue> &details, const Issue &issue) const
    {
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
    }

    template <typename Issue>
    void checkArray(const simdjson::dom::element &value, const QString &base, const PathLink *at,
                    QList<FieldIssue> &details, const Issue &issue) const
    {
        const simdjson::dom::array a = value.get_array().value_unsafe();
        if (maxItems >= 0 && qsizetype(a.size()) > maxItems) {
            issue(at, "too_many");
            return;
        }
        if (!items)
            return;
        qsizetype i = 0;
        for (const simdjson::dom::element item : a) {
            if (details.size() >= 50)
                break;
            const PathLink link{at, nullptr, i++};
            items->check(item, base, &link, details);
        }
    }

    template <typename Issue>
    void checkObject(const QJsonValue &value, const QString &base, const PathLink *at,
                     QList<FieldIssue> &details, const Issue &issue) const
    {
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
        for (const Property &p : properties) {
            // Absent and null optional fields are the same; required ones were reported above.
            const QJsonValue v = o.value(p.name);
            if (!v.isUndefined() && !v.isNull()) {
                const PathLink link{at, &p.name, 0};
                p.node->check(v, base, &link, details);
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

    template <typename Issue>
    void checkObject(const simdjson::dom::element &value, const QString &base, const PathLink *at,
                     QList<FieldIssue> &details, const Issue &issue) const
    {
        const simdjson::dom::object o = value.get_object().value_unsafe();
        // The declared members found in one pass over the object's keys (JsonReader
        // refused duplicate keys, so each key is there at most once).
        QVarLengthArray<std::optional<simdjson::dom::element>, 16> found(
            qsizetype(properties.size()));
        QVarLengthArray<std::string_view, 4> unknown;
        for (const simdjson::dom::key_value_pair kv : o) {
            bool declared = false;
            for (size_t i = 0; i < properties.size(); ++i) {
                if (properties[i].utf8 == kv.key) {
                    found[qsizetype(i)] = kv.value;
                    declared = true;
                    break;
                }
            }
            if (!declared && closed)
                unknown.append(kv.key);
        }
        const auto present =
            [&](const QString &key) -> const std::optional<simdjson::dom::element> * {
            for (size_t i = 0; i < properties.size(); ++i)
                if (properties[i].name == key)
                    return &found[qsizetype(i)];
            return nullptr;
        };
        for (const QString &key : required) {
            const std::optional<simdjson::dom::element> *v = present(key);
            std::optional<simdjson::dom::element>
                undeclared; // a required key the schema does not describe
            if (!v) {
                const std::string utf8 = key.toStdString();
                const auto r = o.at_key(utf8);
                if (!r.error())
                    undeclared = r.value_unsafe();
                v = &undeclared;
            }
            if (!*v || (*v)->is_null()) {
                const PathLink link{at, &key, 0};
                issue(&link, "required");
            }
        }
        for (size_t i = 0; i < properties.size(); ++i) {
            const std::optional<simdjson::dom::element> &v = found[qsizetype(i)];
            if (v && !v->is_null()) {
                const PathLink link{at, &properties[i].name, 0};
                properties[i].node->check(*v, base, &link, details);
            }
        }
        // In QJsonObject's order (by code point: UTF-8 byte order), as the tree's walk reports
        // them.
        std::sort(unknown.begin(), unknown.end());
        for (const std::string_view utf8 : unknown) {
            const QString key = jsondom::string(utf8);
            const PathLink link{at, &key, 0};
            issue(&link, "unknown");
        }
    }
};

Validator::Validator(const QJsonObject &schema) : m_root(std::make_shared<const Node>(schema)) {}

void Validator::validate(const QJsonValue &value, QList<FieldIssue> &details,
                         const QString &path) const
{
    if (m_root)
        m_root->check(value, path, nullptr, details);
}

void Validator::validate(const simdjson::dom::element &value, QList<FieldIssue> &details,
                         const QString &path) const
{
    if (m_root)
        m_root->check(value, path, nullptr, details);
}

void validate(const QJsonValue &value, const QJsonObject &s, const QString &path,
              QList<FieldIssue> &details)
{
    Validator(s).validate(value, details, path);
}

} // namespace wfx::schema
