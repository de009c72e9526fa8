// SPDX-License-Identifier: Apache-2.0
#include "server/core/Guards.h"

#include "models/crypto/Crypto.h"

#include <QSet>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace wfx {

Guards::Guards(Authenticator *auth, DispatchConfig config)
    : m_auth(auth), m_config(std::move(config))
{
}

HttpResponse Guards::loginRequired()
{
    return HttpResponse::error(401, u"login_required"_s, u"Please log in again."_s);
}

bool Guards::hostAllowed(const QByteArray &hostHeader) const
{
    if (hostHeader.isEmpty())
        return false;
    QString host = QString::fromLatin1(hostHeader).toLower();
    QString port;
    if (host.startsWith(QLatin1Char('['))) {
        const qsizetype end = host.indexOf(QLatin1Char(']'));
        if (end < 0)
            return false;
        port = host.mid(end + 1);
        host = host.left(end + 1);
    } else if (const qsizetype colon = host.lastIndexOf(QLatin1Char(':')); colon >= 0) {
        port = host.mid(colon);
        host = host.left(colon);
    }
    if (!port.isEmpty() && port != QLatin1Char(':') + QString::number(m_config.port))
        return false;
    static const QSet<QString> loopback{u"localhost"_s, u"127.0.0.1"_s, u"[::1]"_s};
    return loopback.contains(host) || m_config.publicHostNames.contains(host, Qt::CaseInsensitive);
}

Refusal Guards::host(const HttpRequest &req) const
{
    if (hostAllowed(req.header("host")))
        return std::nullopt;
    return HttpResponse::error(421, u"misdirected_request"_s,
                               u"This server does not serve that host name."_s);
}

Refusal Guards::origin(const HttpRequest &req) const
{
    const auto foreign = [&] {
        if (req.header("sec-fetch-site").toLower() == "cross-site")
            return true;
        const QByteArray origin = req.header("origin");
        if (origin.isEmpty())
            return false;
        if (origin == "null")
            return true;
        const QUrl url(QString::fromLatin1(origin));
        if (!url.isValid() || url.host().isEmpty())
            return true;
        const QString scheme = m_config.tls ? u"https"_s : u"http"_s;
        if (url.scheme() != scheme)
            return true;
        QString host = url.host().toLower();
        if (host.contains(QLatin1Char(':')))
            host = QLatin1Char('[') + host + QLatin1Char(']');
        const int port = url.port(m_config.tls ? 443 : 80);
        return !hostAllowed((host + QLatin1Char(':') + QString::number(port)).toLatin1());
    };
    if (!foreign())
        return std::nullopt;
    return HttpResponse::error(403, u"csrf_failed"_s, u"Requests from another site are refused."_s);
}

Refusal Guards::csrf(const HttpRequest &req, const QString *sessionToken)
{
    const QByteArray sent = req.header("x-csrf-token");
    const bool cookie = crypto::constantTimeEquals(sent, req.cookie(u"wfx_csrf"_s).toUtf8());
    const bool session = !sessionToken || crypto::constantTimeEquals(sent, sessionToken->toUtf8());
    if (!sent.isEmpty() && cookie && session)
        return std::nullopt;
    return HttpResponse::error(403, u"csrf_failed"_s, u"The CSRF token is missing or wrong."_s);
}

Refusal Guards::bearer(HttpRequest &req) const
{
    const QByteArray authorization = req.header("authorization");
    if (!authorization.startsWith("Bearer "))
        return loginRequired();
    const QString ip = req.remote.toString();
    auto actor = m_auth->bearer(QString::fromLatin1(authorization.mid(7).trimmed()), ip);
    if (!actor || actor->isAnonymous())
        return loginRequired();
    req.actor = *actor;
    req.actor.ip = ip;
    return std::nullopt;
}

std::optional<Authenticator::SessionAuth> Guards::session(const HttpRequest &req) const
{
    const QString token = req.cookie(u"wfx_session"_s);
    if (token.isEmpty())
        return std::nullopt;
    return m_auth->session(token, req.remote.toString());
}

void Guards::actAs(HttpRequest &req, const Authenticator::SessionAuth &session)
{
    req.actor = session.actor;
    req.actor.ip = req.remote.toString();
    req.viaSession = true;
    req.sessionToken = req.cookie(u"wfx_session"_s);
}

} // namespace wfx
