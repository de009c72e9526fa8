// SPDX-License-Identifier: Apache-2.0
#include "server/core/RouteTable.h"

#include "models/core/Ids.h"
#include "server/core/Schema.h"

namespace wfx {

static QStringList splitPath(const QString &path)
{
    return path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
}

RouteBuilder &RouteBuilder::paged()
{
    query(QStringLiteral("limit"), schema::integer(1, 200));
    query(QStringLiteral("cursor"), schema::string());
    return *this;
}

void RouteBuilder::handle(Handler h)
{
    m_route.handler = std::move(h);
    m_table.add(std::move(m_route));
}

Route &RouteTable::add(Route r)
{
    // One declaration per route: a second one would silently shadow or be shadowed.
    for (const Route &other : m_routes) {
        if (other.method == r.method && other.path == r.path)
            qFatal("route %s %s declared twice", r.method.constData(), qPrintable(r.path));
    }
    r.segments = splitPath(r.path);
    r.requestValidator = schema::Validator(r.requestSchema);
    m_routes.push_back(std::move(r));
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

QString ProxyRule::describe() const
{
    return QString::fromLatin1(method) + QStringLiteral(" /") + segments.join(QLatin1Char('/'));
}

const QList<ProxyRule> &proxyAllowlist()
{
    static const QList<ProxyRule> rules = [] {
        auto rule = [](const char *m, const char *path, QStringList query = {}) {
            return ProxyRule{QByteArray(m), splitPath(QString::fromLatin1(path)), std::move(query)};
        };
        const QStringList page{QStringLiteral("limit"), QStringLiteral("cursor")};
        return QList<ProxyRule>{
            rule("GET", "/health"),
            rule("GET", "/api/status"),
            rule("GET", "/api/runs",
                 page + QStringList{QStringLiteral("workspace_id"), QStringLiteral("project_id"),
                                    QStringLiteral("status")}),
            rule("GET", "/api/runs/{id}"),
            rule("GET", "/api/runs/{id}/{manifest|signature|compliance_mapping}"),
            rule("GET", "/api/runs/{id}/{log}",
                 {QStringLiteral("offset"), QStringLiteral("limit")}),
            rule("GET", "/api/runs/{id}/{metrics}",
                 {QStringLiteral("name"), QStringLiteral("limit"), QStringLiteral("cursor")}),
            rule("GET", "/api/artifacts/{id}"),
            rule("GET", "/api/claims", page),
            rule("GET", "/api/claims/{id}"),
            rule("GET", "/api/museum"),
            rule("GET", "/api/workspaces", page),
            rule("POST", "/api/workspaces"),
            rule("GET", "/api/projects", page + QStringList{QStringLiteral("workspace_id")}),
            rule("POST", "/api/projects"),
            rule("POST", "/api/api-keys"),
            rule("GET", "/api/shares",
                 page + QStringList{QStringLiteral("workspace_id"), QStringLiteral("run_id")}),
            rule("POST", "/api/shares"),
            rule("POST", "/api/shares/{id}/revoke"),
            rule("POST", "/api/sync/runs"),
            rule("POST", "/api/sync/artifacts/{initiate|commit|abort}"),
        };
    }();
    return rules;
}

} // namespace wfx
