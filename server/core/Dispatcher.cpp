// SPDX-License-Identifier: Apache-2.0
#include "server/core/Dispatcher.h"

#include "models/core/Ids.h"
#include "models/crypto/Crypto.h"
#include "server/core/ClientAddress.h"

#include <QLoggingCategory>
#include <QSet>

#include "server/core/JsonReader.h"
#include "server/core/Schema.h"

#include <exception>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcDispatch, "wfx.server.dispatch", QtInfoMsg)

namespace wfx {

namespace {

bool isUnsafe(const QByteArray &m)
{
    return m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE";
}

HttpResponse loginRequired()
{
    return HttpResponse::error(401, u"login_required"_s, u"Please log in again."_s);
}

HttpResponse csrfFailed(const QString &why)
{
    return HttpResponse::error(403, u"csrf_failed"_s, why);
}

HttpResponse csrfWrong()
{
    return csrfFailed(u"The CSRF token is missing or wrong."_s);
}

// Double submit (CONTRACT.md section 2): X-CSRF-Token equals the wfx_csrf
// cookie, and, while a session stands behind the cookie, that session's own
// token too, so a cookie planted from a sibling origin does not pass. Every
// comparison runs in constant time and all of them run.
bool csrfMatches(const HttpRequest &req, const QString *sessionToken)
{
    const QByteArray sent = req.header("x-csrf-token");
    const bool cookie = crypto::constantTimeEquals(sent, req.cookie(u"wfx_csrf"_s).toUtf8());
    const bool session = !sessionToken || crypto::constantTimeEquals(sent, sessionToken->toUtf8());
    return !sent.isEmpty() && cookie && session;
}

HttpResponse methodNotAllowed(QStringList allowed)
{
    allowed.removeDuplicates();
    allowed.sort();
    HttpResponse r =
        HttpResponse::error(405, u"unsupported_action"_s, u"This method is not supported here."_s);
    r.header("Allow", allowed.join(QStringLiteral(", ")).toLatin1());
    return r;
}

// Paths the BFF catch-all proxy stands in front of (CONTRACT.md section 2).
bool isProxyPath(const QString &path)
{
    if (!path.startsWith(QLatin1String("/api/")))
        return false;
    for (const char *p :
         {"/api/cloud/", "/api/auth/", "/api/public/", "/api/workspace/", "/api/e2e/"}) {
        if (path.startsWith(QLatin1String(p)))
            return false;
    }
    return true;
}

bool proxySegmentMatches(const QString &rule, const QString &seg)
{
    if (rule == QLatin1String("{id}") || rule == QLatin1String("{uuid}"))
        return ids::isUuid(seg);
    if (rule.startsWith(QLatin1Char('{')) && rule.endsWith(QLatin1Char('}')))
        return rule.mid(1, rule.size() - 2).split(QLatin1Char('|')).contains(seg);
    return rule == seg;
}
} // namespace

Dispatcher::Dispatcher(const RouteTable &table, Authenticator *auth, DispatchConfig config)
    : m_table(table), m_auth(auth), m_config(std::move(config))
{
}

bool Dispatcher::hostAllowed(const QByteArray &hostHeader) const
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

bool Dispatcher::foreignOrigin(const HttpRequest &req) const
{
    if (req.header("sec-fetch-site").toLower() == "cross-site")
        return true;
    const QByteArray origin = req.header("origin");
    if (origin.isEmpty())
        return false;
    if (origin == "null")
        return true;
    const QUrl u(QString::fromLatin1(origin));
    if (!u.isValid() || u.host().isEmpty())
        return true;
    const QString scheme = m_config.tls ? u"https"_s : u"http"_s;
    if (u.scheme() != scheme)
        return true;
    QString host = u.host().toLower();
    if (host.contains(QLatin1Char(':')))
        host = QLatin1Char('[') + host + QLatin1Char(']');
    const int port = u.port(m_config.tls ? 443 : 80);
    return !hostAllowed((host + QLatin1Char(':') + QString::number(port)).toLatin1());
}

Result<QJsonValue> Dispatcher::parseJson(const QByteArray &body, const QJsonObject &schema)
{
    return parseJson(body, schema::Validator(schema));
}

Result<QJsonValue> Dispatcher::parseJson(const QByteArray &body, const schema::Validator &validator)
{
    // An empty body reads as {}, as it always has: a route whose fields are all
    // optional may be called without one. Anything else goes through the strict
    // reader, whatever its kind; the schema then says whether that kind is wanted.
    Result<QJsonValue> read =
        body.isEmpty() ? Result<QJsonValue>(QJsonValue(QJsonObject())) : JsonReader::read(body);
    if (!read)
        return read.error();
    const QJsonValue &value = *read;
    QList<FieldIssue> details;
    validator.validate(value, details);
    if (!details.isEmpty())
        return invalidBody(details);
    return value;
}

Error Dispatcher::invalidBody(const QList<FieldIssue> &details)
{
    Error e{ErrorCode::Validation, QStringLiteral("The request body is not valid: %1 (%2).")
                                       .arg(details.first().field, details.first().issue)};
    e.details = details;
    return e;
}

HttpResponse Dispatcher::handle(HttpRequest &req) const
{
    // From here on req.remote is the client: rate limits, lockouts, the access
    // log and audit entries all count by it.
    req.remote = clientAddress(req.remote, req.headers, m_config.trustedProxies);
    HttpResponse resp = dispatch(req);
    resp.route = req.routeTemplate;
    return resp;
}

HttpResponse Dispatcher::dispatch(HttpRequest &req) const
{
    if (!hostAllowed(req.header("host")))
        return HttpResponse::error(421, u"misdirected_request"_s,
                                   u"This server does not serve that host name."_s);
    if (req.path == QLatin1String("*") &&
        req.method == "OPTIONS") // the guard lets no other method use "*"
        return HttpResponse::noContent().header("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE");

    const QList<RouteMatch> matches = m_table.match(req.path);
    const RouteMatch *hit = nullptr;
    QStringList allowed;
    bool anyProtected = false;
    for (const RouteMatch &m : matches) {
        allowed << QString::fromLatin1(m.route->method);
        if (m.route->method == "GET")
            allowed << u"HEAD"_s;
        anyProtected = anyProtected || m.route->access != Access::Public;
        if (m.route->method == req.method)
            hit = &m;
    }
    if (!matches.isEmpty()) // a 405 still counts under the path's template
        req.routeTemplate = (hit ? hit->route : matches.first().route)->path;
    const bool hasBearer = req.header("authorization").startsWith("Bearer ");
    const bool hasSession = !req.cookie(u"wfx_session"_s).isEmpty();
    // A Cloud path reached with only a session cookie goes through the BFF
    // catch-all proxy, whose checks come before the route table's 404/405.
    if (hasSession && !hasBearer && isProxyPath(req.path) &&
        (!hit || hit->route->access == Access::Api)) {
        if (hit)
            req.params = hit->params;
        return viaProxy(req, hit ? hit->route : nullptr);
    }
    if (matches.isEmpty())
        return HttpResponse::error(404, u"not_found"_s, u"No such route."_s);
    if (!hit) {
        if (anyProtected && !hasBearer && !hasSession)
            return loginRequired();
        return methodNotAllowed(allowed);
    }
    const Route &route = *hit->route;
    req.params = hit->params;
    const QString ip = req.remote.toString();

    switch (route.access) {
    case Access::Public:
    case Access::Webhook:
    case Access::Capability:
        break;
    case Access::AuthFlow:
        if (foreignOrigin(req))
            return csrfFailed(u"Requests from another site are refused."_s);
        if (!route.csrfExempt && hasSession) {
            // session and logout: the session (if any) must come with its CSRF token.
            const auto s = m_auth->session(req.cookie(u"wfx_session"_s), ip);
            if (!csrfMatches(req, s ? &s->csrfToken : nullptr))
                return csrfWrong();
            if (s)
                actAs(req, *s);
        }
        break;
    case Access::Api:
        if (hasBearer) {
            const QString secret =
                QString::fromLatin1(req.header("authorization").mid(7).trimmed());
            auto actor = m_auth->bearer(secret, ip);
            if (!actor || actor->isAnonymous())
                return loginRequired();
            req.actor = *actor;
            req.actor.ip = ip;
            break;
        }
        return loginRequired();
    case Access::Session:
        if (!hasSession)
            return loginRequired();
        if (auto refused = signInBySession(req))
            return *refused;
        break;
    }
    return run(req, route);
}

std::optional<HttpResponse> Dispatcher::signInBySession(HttpRequest &req) const
{
    if (foreignOrigin(req))
        return csrfFailed(u"Requests from another site are refused."_s);
    const auto s = m_auth->session(req.cookie(u"wfx_session"_s), req.remote.toString());
    if (!s || s->actor.isAnonymous())
        return loginRequired();
    if (isUnsafe(req.method) && !csrfMatches(req, &s->csrfToken))
        return csrfWrong();
    actAs(req, *s);
    return std::nullopt;
}

void Dispatcher::actAs(HttpRequest &req, const Authenticator::SessionAuth &s) const
{
    req.actor = s.actor;
    req.actor.ip = req.remote.toString();
    req.viaSession = true;
    req.sessionToken = req.cookie(u"wfx_session"_s);
}

HttpResponse Dispatcher::viaProxy(HttpRequest &req, const Route *route) const
{
    // Signed in, and CSRF checked, before the allowlist is consulted (CONTRACT.md section 2).
    if (auto refused = signInBySession(req))
        return *refused;
    const QStringList segs = req.path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    const ProxyRule *rule = nullptr;
    QStringList methods;
    for (const ProxyRule &r : proxyAllowlist()) {
        if (r.segments.size() != segs.size())
            continue;
        bool ok = true;
        for (qsizetype i = 0; i < segs.size() && ok; ++i)
            ok = proxySegmentMatches(r.segments[i], segs[i]);
        if (!ok)
            continue;
        methods << QString::fromLatin1(r.method);
        if (r.method == "GET")
            methods << u"HEAD"_s;
        if (r.method == req.method)
            rule = &r;
    }
    if (methods.isEmpty())
        return HttpResponse::error(404, u"not_found"_s, u"No such route."_s);
    if (!rule)
        return methodNotAllowed(methods);
    const auto items = req.query.queryItems();
    for (const auto &item : items) {
        if (!rule->query.contains(item.first)) {
            Error e = Error::validation(
                item.first, u"not_allowed"_s,
                QStringLiteral("The query parameter %1 is not allowed here.").arg(item.first));
            return HttpResponse::error(e);
        }
    }
    if (!route) // the allowlist names only Cloud routes; keep refusing if they ever part
        return HttpResponse::error(404, u"not_found"_s, u"No such route."_s);
    return run(req, *route);
}

HttpResponse Dispatcher::run(HttpRequest &req, const Route &route) const
{
    if (!req.body.isEmpty()) {
        // RFC 9110 8.4: nothing here decodes a content coding, so a coded body is
        // refused rather than read (or stored) as if it were the bytes it stands for.
        const QByteArray coding = req.header("content-encoding").trimmed();
        if (!coding.isEmpty() && coding.compare("identity", Qt::CaseInsensitive) != 0)
            return HttpResponse::error(415, u"unsupported_media_type"_s,
                                       u"Send the body without a Content-Encoding."_s);
    }
    if (isUnsafe(req.method) && !route.rawBody && !req.body.isEmpty()) {
        const QByteArray ctype = req.header("content-type").split(';').value(0).trimmed().toLower();
        if (ctype != "application/json")
            return HttpResponse::error(415, u"unsupported_media_type"_s,
                                       u"Send JSON with Content-Type: application/json."_s);
    }
    if (route.domBody) {
        // As parseJson, over the DOM: an empty body reads as {}.
        static const QByteArray empty("{}");
        HttpResponse answer;
        const Status read = JsonReader::readDom(
            req.body.isEmpty() ? empty : req.body, [&](const simdjson::dom::element &root) {
                QList<FieldIssue> details;
                route.requestValidator.validate(root, details);
                if (!details.isEmpty()) {
                    answer = HttpResponse::error(invalidBody(details));
                    return;
                }
                req.dom = &root;
                answer = call(req, route);
                req.dom = nullptr;
            });
        if (!read)
            return HttpResponse::error(read.error());
        return answer;
    }
    if (!route.requestSchema.isEmpty() && !route.bodyCheckedByHandler) {
        auto parsed = parseJson(req.body, route.requestValidator);
        if (!parsed)
            return HttpResponse::error(parsed.error());
        req.json = *parsed;
    }
    return call(req, route);
}

HttpResponse Dispatcher::call(HttpRequest &req, const Route &route) const
{
    try {
        return route.handler(req);
    } catch (const std::exception &e) {
        const QString id = ids::newUuid();
        qCCritical(lcDispatch) << "handler failed" << route.method << route.path << "correlation"
                               << id << e.what();
        return HttpResponse::error(500, u"internal_error"_s,
                                   QStringLiteral("Internal error (correlation id %1).").arg(id));
    }
}

} // namespace wfx
