// SPDX-License-Identifier: Apache-2.0
// The single declarative route table: registration, authentication policy, the
// BFF proxy allowlist, body and query validation and /openapi.json all come from it.
#pragma once

#include "server/core/Http.h"
#include "server/core/Schema.h"

#include <QJsonObject>
#include <QStringList>

#include <functional>
#include <vector>

namespace wfx {

enum class Access {
    Public,     // no credentials; answers the same whatever comes along
    Api,        // Cloud API: Bearer key, or a session cookie through the BFF proxy allowlist
    Session,    // dashboard BFF named routes: session cookie (+ CSRF on unsafe methods)
    AuthFlow,   // POST /api/auth/*: no credentials needed; CSRF where a session is involved
    Webhook,    // authenticated by its signature header alone
    Capability, // artifact part upload URLs: the URL carries its own token
};

using Handler = std::function<HttpResponse(HttpRequest &)>;

// A declared query or path parameter: published in /openapi.json and checked
// by the dispatcher before the handler runs, so handlers read typed values
// (HttpRequest::query<T>) and never check them again.
struct Parameter
{
    QString name;
    QJsonObject schema;
    bool required = false;
    // A rule beyond the schema (a cursor that decodes, a filter that parses).
    std::function<Status(const QString &value)> check;
    // Filled by RouteTable: the schema and check compiled once. Given the value
    // as sent: 422 validation_error naming the parameter, or Ok.
    std::function<Status(const QString &value)> validate;
};
enum class Presence { Optional, Required };

struct Route
{
    QByteArray method; // GET, POST, PUT, PATCH, DELETE
    QString path;      // template, e.g. /api/runs/{run_id}
    Access access = Access::Api;
    QString tag; // OpenAPI tag (family)
    QString summary;
    QJsonObject requestSchema;                    // empty: no JSON body
    QJsonObject responseSchema;                   // of the success answer
    QByteArray responseType = "application/json"; // of the success answer
    int successStatus = 200;
    QList<Parameter> queryParams; // declared query parameters
    QList<Parameter> pathParams;  // every {name} of the path: string(1) unless declared
    // Reachable through the BFF catch-all proxy with a session cookie (ROUTES.md),
    // passing on these of its declared query parameters and refusing the others.
    bool proxied = false;
    QStringList proxyQuery;
    QList<int> errorStatuses; // documented error answers
    bool csrfExempt = false;  // signup, login, reset-password
    bool rawBody = false;     // part uploads: body is bytes, not JSON
    bool bodyCheckedByHandler =
        false; // the schema is documented; the handler validates it (after its own 405)
    bool domBody =
        false; // the schema checked over simdjson's DOM, handed to the handler as req.dom
    Handler handler;

    // Filled by RouteTable.
    QStringList segments;
    schema::Validator requestValidator; // requestSchema, compiled once
};

struct RouteMatch
{
    const Route *route = nullptr;
    QHash<QString, QString> params;
};

class RouteTable;

// t.route("GET", "/api/runs/{run_id}", Access::Api, "runs", "Get a run")
//      .returns(200, schema).errors({404}).handle([](HttpRequest &r) { ... });
class RouteBuilder
{
public:
    RouteBuilder(RouteTable &table, Route r) : m_table(table), m_route(std::move(r)) {}
    RouteBuilder &body(const QJsonObject &schema)
    {
        m_route.requestSchema = schema;
        return *this;
    }
    RouteBuilder &returns(int status, const QJsonObject &schema)
    {
        m_route.successStatus = status;
        m_route.responseSchema = schema;
        return *this;
    }
    // A success answer that is bytes, not JSON (downloads).
    RouteBuilder &returnsBytes(int status, const QByteArray &contentType)
    {
        m_route.successStatus = status;
        m_route.responseType = contentType;
        m_route.responseSchema = QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                             {QStringLiteral("format"), QStringLiteral("binary")}};
        return *this;
    }
    RouteBuilder &query(const QString &name, const QJsonObject &schema,
                        Presence presence = Presence::Optional,
                        std::function<Status(const QString &)> check = {})
    {
        m_route.queryParams.append(
            {name, schema, presence == Presence::Required, std::move(check)});
        return *this;
    }
    // A path parameter's schema when it is more than a non-empty string.
    RouteBuilder &pathParam(const QString &name, const QJsonObject &schema)
    {
        m_route.pathParams.append({name, schema});
        return *this;
    }
    RouteBuilder &paged(); // limit + cursor, read with HttpRequest::page()
    // The same, answering 200 with a page of `item` (schema::page).
    RouteBuilder &paged(const QJsonObject &item)
    {
        return paged().returns(200, schema::page(item));
    }
    // On the BFF proxy allowlist, passing on `query` (declared parameters) only.
    RouteBuilder &proxied(const QStringList &query = {}) { return proxiedIf(true, query); }
    // For a declaration shared by a Cloud route and its named BFF twin.
    RouteBuilder &proxiedIf(bool on, const QStringList &query = {})
    {
        m_route.proxied = on;
        m_route.proxyQuery = on ? query : QStringList();
        return *this;
    }
    RouteBuilder &errors(std::initializer_list<int> statuses)
    {
        m_route.errorStatuses.append(statuses);
        return *this;
    }
    RouteBuilder &csrfExempt()
    {
        m_route.csrfExempt = true;
        return *this;
    }
    RouteBuilder &rawBody()
    {
        m_route.rawBody = true;
        return *this;
    }
    // For routes that may refuse (405) whatever the body: the dispatcher skips the
    // schema check and the handler calls Dispatcher::parseJson itself.
    RouteBuilder &bodyCheckedByHandler()
    {
        m_route.bodyCheckedByHandler = true;
        return *this;
    }
    // For a hot route that reads its body itself: the schema is enforced over
    // simdjson's DOM and no QJsonValue tree is built (req.dom, not req.json).
    RouteBuilder &bodyAsDom()
    {
        m_route.domBody = true;
        return *this;
    }
    void handle(Handler h);

private:
    RouteTable &m_table;
    Route m_route;
};

class RouteTable
{
public:
    RouteBuilder route(const char *method, const QString &path, Access access, const QString &tag,
                       const QString &summary)
    {
        Route r;
        r.method = method;
        r.path = path;
        r.access = access;
        r.tag = tag;
        r.summary = summary;
        return RouteBuilder(*this, std::move(r));
    }
    Route &add(Route r);
    const std::vector<Route> &routes() const { return m_routes; }
    // Routes whose path template matches (any method).
    QList<RouteMatch> match(const QString &path) const;

private:
    std::vector<Route> m_routes;
};

} // namespace wfx
