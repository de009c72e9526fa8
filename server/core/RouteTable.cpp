// SPDX-License-Identifier: Apache-2.0
#include "server/core/RouteTable.h"

#include "models/core/Cursor.h"
#include "models/core/Ids.h"
#include "server/core/Schema.h"

#include <QJsonArray>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace wfx {

static QStringList splitPath(const QString &path)
{
    return path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
}

RouteBuilder &RouteBuilder::paged()
{
    query(u"limit"_s, schema::integer(1, cursor::kMaxLimit));
    query(u"cursor"_s, schema::string(), Presence::Optional, [](const QString &value) -> Status {
        if (value.isEmpty() || !cursor::decode(value))
            return Error::validation(u"cursor"_s, u"invalid"_s, u"Unknown cursor."_s);
        return Ok{};
    });
    return *this;
}

// The checks /openapi.json promises for a query or path parameter, on its text:
// the same issue words as a body (Schema.cpp), messages that name the parameter.
static std::function<Status(const QString &)> compileCheck(const Parameter &param)
{
    const QString name = param.name;
    const QJsonObject &declared = param.schema;
    auto refuse = [name](const char *issue, const QString &message) -> Status {
        return Error::validation(name, QString::fromLatin1(issue), message);
    };
    const auto check = param.check;
    auto rest = [check](const QString &value) -> Status {
        if (check)
            return check(value);
        return Ok{};
    };
    if (declared.value(u"type"_s).toString() == u"integer"_s) {
        const auto min = qint64(declared.value(u"minimum"_s).toDouble());
        const auto max = qint64(declared.value(u"maximum"_s).toDouble());
        const QString message =
            QStringLiteral("%1 must be a whole number from %2 to %3.").arg(name).arg(min).arg(max);
        return [=](const QString &value) -> Status {
            // Digits with an optional minus, nothing else: QString::toLongLong
            // would also take "+5", " 5" and "5" followed by a NUL.
            const bool digits =
                !value.isEmpty() && value.size() <= 18 &&
                std::all_of(value.begin() + (value.startsWith(u'-') ? 1 : 0), value.end(),
                            [](QChar c) { return c.isDigit() && c.unicode() < 128; }) &&
                value != u"-"_s;
            bool ok = false;
            const qint64 number = digits ? value.toLongLong(&ok) : 0;
            if (!ok || number < min || number > max)
                return refuse("out_of_range", message);
            return rest(value);
        };
    }
    const int minLength = declared.value(u"minLength"_s).toInt(0);
    const int maxLength = declared.value(u"maxLength"_s).toInt(-1);
    const QString format = declared.value(u"format"_s).toString();
    const QStringList allowed = declared.value(u"enum"_s).toVariant().toStringList();
    return [=](const QString &value) -> Status {
        if (value.size() < minLength)
            return value.isEmpty() ? refuse("required", u"%1 must not be empty."_s.arg(name))
                                   : refuse("too_short", u"%1 is too short."_s.arg(name));
        if (maxLength >= 0 && value.size() > maxLength)
            return refuse("too_long", u"At most %1 characters."_s.arg(maxLength));
        if (format == u"uuid"_s && !ids::isUuid(value))
            return refuse("invalid", u"%1 must be a lowercase UUID."_s.arg(name));
        if (format == u"date-time"_s) {
            const auto time = ids::parseTime(value);
            if (!time || *time <= 0)
                return refuse("invalid", u"%1 must be an RFC 3339 time."_s.arg(name));
        }
        if (!allowed.isEmpty() && !allowed.contains(value))
            return refuse("invalid", u"%1 is one of %2."_s.arg(name, allowed.join(u", "_s)));
        return rest(value);
    };
}

void RouteBuilder::handle(Handler h)
{
    m_route.handler = std::move(h);
    m_table.add(std::move(m_route));
}

Route &RouteTable::add(Route route)
{
    // One declaration per route: a second one would silently shadow or be shadowed.
    for (const Route &other : m_routes) {
        if (other.method == route.method && other.path == route.path)
            qFatal("route %s %s declared twice", route.method.constData(), qPrintable(route.path));
    }
    QStringList declared;
    for (Parameter &param : route.queryParams) {
        if (declared.contains(param.name))
            qFatal("query parameter %s of %s %s declared twice", qPrintable(param.name),
                   route.method.constData(), qPrintable(route.path));
        declared << param.name;
        param.validate = compileCheck(param);
    }
    for (const QString &name : std::as_const(route.proxyQuery)) {
        if (!declared.contains(name))
            qFatal("%s %s: the proxy passes on %s, which the route does not declare",
                   route.method.constData(), qPrintable(route.path), qPrintable(name));
    }
    route.segments = splitPath(route.path);
    QList<Parameter> pathParams;
    for (const QString &segment : std::as_const(route.segments)) {
        if (!segment.startsWith(QLatin1Char('{')))
            continue;
        const QString name = segment.mid(1, segment.size() - 2);
        Parameter param{name, schema::string(1)};
        for (const Parameter &declared : std::as_const(route.pathParams)) {
            if (declared.name == name)
                param = declared;
        }
        param.validate = compileCheck(param);
        pathParams.append(param);
    }
    for (const Parameter &declared : std::as_const(route.pathParams)) {
        if (!route.segments.contains(QLatin1Char('{') + declared.name + QLatin1Char('}')))
            qFatal("%s %s declares a path parameter %s it does not have", route.method.constData(),
                   qPrintable(route.path), qPrintable(declared.name));
    }
    route.pathParams = pathParams;
    route.requestValidator = schema::Validator(route.requestSchema);
    m_routes.push_back(std::move(route));
    return m_routes.back();
}

QList<RouteMatch> RouteTable::match(const QString &path) const
{
    QList<RouteMatch> out;
    if (path.size() > 1 && path.endsWith(QLatin1Char('/')))
        return out; // a trailing slash is another path
    const QStringList segs = splitPath(path);
    for (const Route &r : m_routes) {
        if (r.segments.size() != segs.size())
            continue;
        RouteMatch m{&r, {}};
        bool ok = true;
        for (qsizetype i = 0; i < segs.size() && ok; ++i) {
            const QString &t = r.segments[i];
            if (t.startsWith(QLatin1Char('{')) && t.endsWith(QLatin1Char('}'))) {
                if (segs[i].isEmpty() || segs[i].size() > 512)
                    ok = false;
                else
                    m.params.insert(t.mid(1, t.size() - 2), segs[i]);
            } else {
                ok = t == segs[i];
            }
        }
        if (ok)
            out.append(m);
    }
    return out;
}

} // namespace wfx
