// SPDX-License-Identifier: Apache-2.0
// One request through the contract's pipeline: Host (421), route (404/405),
// credentials (401), Origin and CSRF (403), BFF allowlist (404/405/422), media
// type (415), JSON and schema (422), then the handler; errors in one shape.
#pragma once

#include "server/core/Http.h"
#include "server/core/RouteTable.h"

#include <QHostAddress>
#include <QStringList>

#include <optional>

namespace wfx {

// How the server learns who is calling; implemented over the account services.
class Authenticator
{
public:
    virtual ~Authenticator() = default;
    virtual Result<Actor> bearer(const QString &secret, const QString &ip) = 0;
    struct SessionAuth
    {
        Actor actor;
        QString csrfToken;
    };
    virtual std::optional<SessionAuth> session(const QString &token, const QString &ip) = 0;
};

struct DispatchConfig
{
    quint16 port = 0;            // the serving port, for the Host check
    QStringList publicHostNames; // configured names besides loopback
    bool tls = false;
    // Peers whose Forwarded / X-Forwarded-For headers name the client (core/ClientAddress.h).
    QList<QPair<QHostAddress, int>> trustedProxies;
};

class Dispatcher
{
public:
    Dispatcher(const RouteTable &table, Authenticator *auth, DispatchConfig config);
    void setPort(quint16 port) { m_config.port = port; }
    // The answer carries the matched route template in HttpResponse::route.
    HttpResponse handle(HttpRequest &req) const;

    // Parses the body as JSON and validates it against the schema.
    static Result<QJsonValue> parseJson(const QByteArray &body, const QJsonObject &schema);
    static Result<QJsonValue> parseJson(const QByteArray &body, const schema::Validator &validator);
    // 422 validation_error with every issue the schema found.
    static Error invalidBody(const QList<FieldIssue> &details);

private:
    HttpResponse dispatch(HttpRequest &req) const;
    bool hostAllowed(const QByteArray &host) const;
    bool foreignOrigin(const HttpRequest &req) const;
    HttpResponse viaProxy(HttpRequest &req, const Route *route) const;
    // The session behind the cookie: another site's Origin refused, unsafe methods
    // carry the double-submit token; then the request acts as the session's user.
    std::optional<HttpResponse> signInBySession(HttpRequest &req) const;
    void actAs(HttpRequest &req, const Authenticator::SessionAuth &s) const;
    HttpResponse run(HttpRequest &req, const Route &route) const;
    HttpResponse call(HttpRequest &req,
                      const Route &route) const; // the handler, its exceptions a 500

    const RouteTable &m_table;
    Authenticator *m_auth;
    DispatchConfig m_config;
};

} // namespace wfx
