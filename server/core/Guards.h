// SPDX-License-Identifier: Apache-2.0
// The request checks a route's access policy is made of (Host, Origin, CSRF,
// Bearer key, session cookie), one place each; the Dispatcher composes them.
#pragma once

#include "server/core/Http.h"

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

// What a guard answers: the refusal, or nothing to go on.
using Refusal = std::optional<HttpResponse>;

class Guards
{
public:
    Guards(Authenticator *auth, DispatchConfig config);
    const DispatchConfig &config() const { return m_config; }
    void setPort(quint16 port) { m_config.port = port; }

    // 421 misdirected_request unless Host names this server: loopback or a
    // configured name, on the serving port.
    Refusal host(const HttpRequest &req) const;
    // 403 csrf_failed for a request another site sent (Sec-Fetch-Site: cross-site,
    // or an Origin that is not this server).
    Refusal origin(const HttpRequest &req) const;
    // Double submit (CONTRACT.md section 2): 403 csrf_failed unless X-CSRF-Token
    // equals the wfx_csrf cookie and, while a session stands behind the cookie,
    // that session's own token, so a cookie planted from a sibling origin does
    // not pass. Every comparison runs in constant time and all of them run.
    static Refusal csrf(const HttpRequest &req, const QString *sessionToken);
    // 401 login_required unless the Bearer key names a caller; the request then
    // acts as that caller.
    Refusal bearer(HttpRequest &req) const;
    // The live session behind the wfx_session cookie, if any.
    std::optional<Authenticator::SessionAuth> session(const HttpRequest &req) const;
    // The request acts as the session's user.
    static void actAs(HttpRequest &req, const Authenticator::SessionAuth &session);

    static HttpResponse loginRequired();

private:
    bool hostAllowed(const QByteArray &host) const;

    Authenticator *m_auth;
    DispatchConfig m_config;
};

} // namespace wfx
