// SPDX-License-Identifier: Apache-2.0
#include "server/core/Dispatcher.h"

#include "models/core/Ids.h"
#include "server/core/ClientAddress.h"
#include "server/core/JsonReader.h"
#include "server/core/Schema.h"

#include <QLoggingCategory>

#include <algorithm>
#include <exception>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcDispatch, "wfx.server.dispatch", QtInfoMsg)

namespace wfx {

namespace {

bool isUnsafe(const QByteArray &m)
{
    return m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE";
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

HttpResponse notFound()
{
    return HttpResponse::error(404, u"not_found"_s, u"No such route."_s);
}
} // namespace

Dispatcher::Dispatcher(const RouteTable &table, Authenticator *auth, DispatchConfig config)
    : m_table(table), m_guards(auth, std::move(config))
{
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
    req.remote = clientAddress(req.remote, req.headers, m_guards.config().trustedProxies);
    HttpResponse resp = dispatch(req);
    resp.route = req.routeTemplate;
    return resp;
}

HttpResponse Dispatcher::dispatch(HttpRequest &req) const
{
    if (auto refused = m_guards.host(req))
        return *refused;
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
        return viaProxy(req, matches);
    }
    if (matches.isEmpty())
        return notFound();
    if (!hit) {
        if (anyProtected && !hasBearer && !hasSession)
            return Guards::loginRequired();
        return methodNotAllowed(allowed);
    }
    req.params = hit->params;
    if (auto refused = guard(req, *hit->route))
        return *refused;
    return run(req, *hit->route);
}

Refusal Dispatcher::guard(HttpRequest &req, const Route &route) const
{
    switch (route.access) {
    case Access::Public:
    case Access::Webhook:
    case Access::Capability:
        return std::nullopt;
    case Access::AuthFlow:
        if (auto refused = m_guards.origin(req))
            return refused;
        if (!route.csrfExempt && !req.cookie(u"wfx_session"_s).isEmpty()) {
            // session and logout: the session (if any) must come with its CSRF token.
            const auto session = m_guards.session(req);
            if (auto refused = Guards::csrf(req, session ? &session->csrfToken : nullptr))
                return refused;
            if (session)
                Guards::actAs(req, *session);
        }
        return std::nullopt;
    case Access::Api:
        return m_guards.bearer(req);
    case Access::Session:
        return signInBySession(req);
    }
    return Guards::loginRequired();
}

Refusal Dispatcher::signInBySession(HttpRequest &req) const
{
    if (auto refused = m_guards.origin(req))
        return refused;
    const auto session = m_guards.session(req);
    if (!session || session->actor.isAnonymous())
        return Guards::loginRequired();
    if (isUnsafe(req.method)) {
        if (auto refused = Guards::csrf(req, &session->csrfToken))
            return refused;
    }
    Guards::actAs(req, *session);
    return std::nullopt;
}

HttpResponse Dispatcher::viaProxy(HttpRequest &req, const QList<RouteMatch> &matches) const
{
    // Signed in, and CSRF checked, before the allowlist is consulted (CONTRACT.md section 2).
    if (auto refused = signInBySession(req))
        return *refused;
    // The allowlist is the routes declared proxied(), their path parameters
    // canonical UUIDs.
    const RouteMatch *hit = nullptr;
    QStringList methods;
    for (const RouteMatch &m : matches) {
        if (!m.route->proxied ||
            !std::all_of(m.params.cbegin(), m.params.cend(),
                         [](const QString &value) { return ids::isUuid(value); }))
            continue;
        methods << QString::fromLatin1(m.route->method);
        if (m.route->method == "GET")
            methods << u"HEAD"_s;
        if (m.route->method == req.method)
            hit = &m;
    }
    if (methods.isEmpty())
        return notFound();
    if (!hit)
        return methodNotAllowed(methods);
    const auto items = req.urlQuery.queryItems();
    for (const auto &item : items) {
        if (!hit->route->proxyQuery.contains(item.first)) {
            Error e = Error::validation(
                item.first, u"not_allowed"_s,
                QStringLiteral("The query parameter %1 is not allowed here.").arg(item.first));
            return HttpResponse::error(e);
        }
    }
    req.params = hit->params;
    return run(req, *hit->route);
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
    for (const Parameter &param : route.pathParams) {
        if (auto checked = param.validate(req.param(param.name)); !checked)
            return HttpResponse::error(checked.error());
    }
    // Every declared query parameter is checked here, so handlers read typed
    // values; undeclared ones are ignored, as on every direct call (the proxy
    // refused them already).
    for (const Parameter &param : route.queryParams) {
        if (!req.hasQuery(param.name)) {
            if (param.required)
                return HttpResponse::error(Error::validation(param.name, u"required"_s,
                                                             u"%1 is required."_s.arg(param.name)));
            continue;
        }
        // A parameter given twice has no one meaning (and a proxy in front may
        // have read the other one): refused rather than first-wins.
        if (req.urlQuery.allQueryItemValues(param.name).size() > 1)
            return HttpResponse::error(Error::validation(
                param.name, u"repeated"_s, u"%1 is given more than once."_s.arg(param.name)));
        if (auto checked =
                param.validate(req.urlQuery.queryItemValue(param.name, QUrl::FullyDecoded));
            !checked)
            return HttpResponse::error(checked.error());
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
