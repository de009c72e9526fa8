// SPDX-License-Identifier: Apache-2.0
// One request through the contract's pipeline: Host (421), route (404/405),
// credentials (401), Origin and CSRF (403), BFF allowlist (404/405/422), media
// type (415), query parameters (422), JSON and schema (422), then the handler;
// errors in one shape.
#pragma once

#include "server/core/Guards.h"
#include "server/core/Http.h"
#include "server/core/RouteTable.h"

#include <optional>

namespace wfx {

class Dispatcher
{
public:
    Dispatcher(const RouteTable &table, Authenticator *auth, DispatchConfig config);
    void setPort(quint16 port) { m_guards.setPort(port); }
    // The answer carries the matched route template in HttpResponse::route.
    HttpResponse handle(HttpRequest &req) const;

    // Parses the body as JSON and validates it against the schema.
    static Result<QJsonValue> parseJson(const QByteArray &body, const QJsonObject &schema);
    static Result<QJsonValue> parseJson(const QByteArray &body, const schema::Validator &validator);
    // 422 validation_error with every issue the schema found.
    static Error invalidBody(const QList<FieldIssue> &details);

private:
    HttpResponse dispatch(HttpRequest &req) const;
    // The guards the route's access policy chooses.
    Refusal guard(HttpRequest &req, const Route &route) const;
    // The session behind the cookie: another site's Origin refused, unsafe methods
    // carry the double-submit token; then the request acts as the session's user.
    Refusal signInBySession(HttpRequest &req) const;
    HttpResponse viaProxy(HttpRequest &req, const QList<RouteMatch> &matches) const;
    HttpResponse run(HttpRequest &req, const Route &route) const;
    HttpResponse call(HttpRequest &req,
                      const Route &route) const; // the handler, its exceptions a 500

    const RouteTable &m_table;
    Guards m_guards;
};

} // namespace wfx
