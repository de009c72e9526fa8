// SPDX-License-Identifier: Apache-2.0
// Accounts and sessions (POST /api/auth/*) and API keys (Cloud and BFF).
#include "server/routes/RouteUtil.h"
#include "server/routes/Routes.h"

#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "server/core/RouteTable.h"
#include "server/core/Schema.h"
#include "server/core/Services.h"
#include "server/core/ShapeSchema.h"

using namespace Qt::StringLiterals;

namespace wfx {

using namespace schema;
using namespace routeutil;

QJsonObject routeutil::userSchema(Presence fields)
{
    const bool all = fields == Presence::Required;
    return object({{u"id"_s, uuid(), true},
                   {u"email"_s, string(3, 254), true},
                   {u"display_name"_s,
                    all ? string(0, AccountService::kMaxDisplayNameLength) : string(), all},
                   {u"is_admin"_s, boolean(), all},
                   {u"restricted"_s, boolean(), all},
                   {u"created_at"_s, dateTime(), all}});
}

namespace {

QJsonObject apiKeySchema()
{
    return schema::of(kApiKeyFields, shape::Api);
}

// wfx_session (HttpOnly) and wfx_csrf (readable), SameSite=Lax, Path=/, Secure under TLS.
void setSessionCookies(HttpResponse &response, const Services &services, const Session &session)
{
    const QByteArray secure = services.config.tls ? "; Secure" : "";
    const qint64 maxAge = qMax<qint64>(0, (session.expiresAt - services.ctx.clock->nowMs()) / 1000);
    response.header("Set-Cookie", "wfx_session=" + session.id.toLatin1() +
                                      "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" +
                                      QByteArray::number(maxAge) + secure);
    response.header("Set-Cookie",
                    "wfx_csrf=" + session.csrfToken.toLatin1() +
                        "; Path=/; SameSite=Lax; Max-Age=" + QByteArray::number(maxAge) + secure);
}

void clearSessionCookies(HttpResponse &response, const Services &services)
{
    const QByteArray secure = services.config.tls ? "; Secure" : "";
    response.header("Set-Cookie",
                    "wfx_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0" + secure);
    response.header("Set-Cookie", "wfx_csrf=; Path=/; SameSite=Lax; Max-Age=0" + secure);
}

HttpResponse issued(const Result<IssuedApiKey> &k, int status)
{
    if (!k)
        return HttpResponse::error(k.error());
    return HttpResponse::json(
        status, QJsonObject{{u"api_key"_s, k->apiKey.toJson()}, {u"secret"_s, k->secret}});
}

} // namespace

void addAuthRoutes(RouteTable &routes, Services &services)
{
    const QJsonObject user = userSchema(Presence::Optional);
    const QJsonObject credentials =
        object({{u"email"_s, string(1, 254), true}, {u"password"_s, string(1, 1024), true}});

    routes
        .route(
            "POST", u"/api/auth/signup"_s, Access::AuthFlow, u"auth"_s,
            u"Create a local account (the first one becomes administrator: loopback or setup token only)"_s)
        .body(object({{u"email"_s, string(1, 254), true},
                      {u"password"_s, string(10, 1024), true},
                      {u"setup_token"_s, string()}}))
        .returns(201, wrapped(u"user"_s, user))
        .errors({403, 409, 429})
        .csrfExempt()
        .handle([&services](HttpRequest &request) {
            const QJsonObject b = request.json.toObject();
            const QString token = b.value(u"setup_token"_s).toString().isEmpty()
                                      ? QString::fromLatin1(request.header("x-setup-token"))
                                      : b.value(u"setup_token"_s).toString();
            auto u = services.accounts.signup(b.value(u"email"_s).toString(),
                                              b.value(u"password"_s).toString(),
                                              request.remote.toString(), token);
            if (!u)
                return HttpResponse::error(u.error());
            auto session = services.accounts.createSession(u->id, request.remote.toString());
            if (!session)
                return HttpResponse::error(session.error());
            HttpResponse resp = HttpResponse::json(201, QJsonObject{{u"user"_s, u->toJson()}});
            setSessionCookies(resp, services, *session);
            return resp;
        });
    routes
        .route(
            "POST", u"/api/auth/login"_s, Access::AuthFlow, u"auth"_s,
            u"Sign in; a new session id every time (the same 401 for a wrong email or password)"_s)
        .body(credentials)
        .returns(200, wrapped(u"user"_s, user))
        .errors({401, 429})
        .csrfExempt()
        .handle([&services](HttpRequest &request) {
            const QJsonObject b = request.json.toObject();
            auto in = services.accounts.login(
                b.value(u"email"_s).toString(), b.value(u"password"_s).toString(),
                request.remote.toString(), request.cookie(u"wfx_session"_s));
            if (!in)
                return HttpResponse::error(in.error());
            HttpResponse resp =
                HttpResponse::json(200, QJsonObject{{u"user"_s, in->user.toJson()}});
            setSessionCookies(resp, services, in->session);
            return resp;
        });
    routes
        .route("POST", u"/api/auth/session"_s, Access::AuthFlow, u"auth"_s,
               u"The current session (sliding renewal)"_s)
        .returns(200, object({{u"user"_s, user, true}, {u"expires_at"_s, dateTime(), true}}))
        .errors({401, 403})
        .handle([&services](HttpRequest &request) {
            const QString token = request.cookie(u"wfx_session"_s);
            auto in =
                token.isEmpty()
                    ? Result<SignedIn>(Error{ErrorCode::LoginRequired, u"Please log in again."_s})
                    : services.accounts.authenticate(token);
            if (!in)
                return HttpResponse::error(
                    Error{ErrorCode::LoginRequired, u"Please log in again."_s});
            return HttpResponse::json(
                200, QJsonObject{{u"user"_s, in->user.toJson()},
                                 {u"expires_at"_s, ids::formatTime(in->session.expiresAt)}});
        });
    routes
        .route("POST", u"/api/auth/logout"_s, Access::AuthFlow, u"auth"_s,
               u"End the session server-side"_s)
        .returns(200, object({{u"ok"_s, boolean(), true}}))
        .errors({403})
        .handle([&services](HttpRequest &request) {
            const QString token = request.cookie(u"wfx_session"_s);
            if (!token.isEmpty()) {
                if (auto st = services.accounts.logout(token);
                    !st && st.error().code != ErrorCode::LoginRequired &&
                    st.error().code != ErrorCode::NotFound)
                    return HttpResponse::error(st.error());
            }
            HttpResponse resp = HttpResponse::json(200, QJsonObject{{u"ok"_s, true}});
            clearSessionCookies(resp, services);
            return resp;
        });
    routes
        .route(
            "POST", u"/api/auth/reset-password"_s, Access::AuthFlow, u"auth"_s,
            u"Ask for a password reset mail (the answer never tells whether the account exists)"_s)
        .body(object({{u"email"_s, string(1, 254), true}}))
        .returns(202, object({{u"ok"_s, boolean(), true}}))
        .csrfExempt()
        .handle([&services](HttpRequest &request) {
            if (auto st = services.accounts.requestPasswordReset(str(request, "email"),
                                                                 request.remote.toString());
                !st && st.error().code != ErrorCode::Validation)
                return HttpResponse::error(st.error());
            return HttpResponse::json(202, QJsonObject{{u"ok"_s, true}});
        });
    routes
        .route("POST", u"/api/auth/reset-password/confirm"_s, Access::AuthFlow, u"auth"_s,
               u"Set a new password with the token from the reset mail; every session ends"_s)
        .body(object({{u"token"_s, string(1, 200), true}, {u"password"_s, string(10, 1024), true}}))
        .returns(200, object({{u"ok"_s, boolean(), true}}))
        .csrfExempt()
        .handle([&services](HttpRequest &request) {
            auto st = services.accounts.completePasswordReset(
                str(request, "token"), str(request, "password"), request.remote.toString());
            if (!st)
                return HttpResponse::error(st.error());
            return HttpResponse::json(200, QJsonObject{{u"ok"_s, true}});
        });

    // API keys
    const QJsonObject key = apiKeySchema();
    const QJsonObject issuedKey = wrapped(u"api_key"_s, key, {{u"secret"_s, string(36), true}});
    const QJsonObject newKey = object({{u"name"_s, member(kApiKeyFields, "name", shape::Api), true},
                                       {u"workspace_id"_s, uuid()}});
    routes
        .route("GET", u"/api/api-keys"_s, Access::Api, u"api_keys"_s,
               u"The caller's API keys (never their secrets)"_s)
        .paged(key)
        .handle(pagedBy(services.apiKeys, &ApiKeyService::list));
    for (const auto &[path, access] : {std::pair{u"/api/api-keys"_s, Access::Api},
                                       std::pair{u"/api/cloud/api-keys"_s, Access::Session}}) {
        routes
            .route(
                "POST", path, access, access == Access::Api ? u"api_keys"_s : u"bff"_s,
                u"Issue an API key, optionally scoped to one workspace; the secret is shown once"_s)
            .proxiedIf(access == Access::Api)
            .body(newKey)
            .returns(201, issuedKey)
            .errors({403, 404})
            .handle([&services](HttpRequest &request) {
                return issued(services.apiKeys.issue(request.actor, str(request, "name"),
                                                     str(request, "workspace_id")),
                              201);
            });
    }
    routes
        .route("DELETE", u"/api/api-keys/{api_key_id}"_s, Access::Api, u"api_keys"_s,
               u"Revoke an API key at once"_s)
        .returns(204, {})
        .errors({404})
        .handle([&services](HttpRequest &request) {
            return done(services.apiKeys.revoke(request.actor, request.param(u"api_key_id"_s)));
        });
    routes
        .route("DELETE", u"/api/cloud/api-keys"_s, Access::Session, u"bff"_s,
               u"Revoke an API key (id in the body)"_s)
        .body(object({{u"id"_s, uuid(), true}}))
        .returns(204, {})
        .errors({404})
        .handle([&services](HttpRequest &request) {
            return done(services.apiKeys.revoke(request.actor, str(request, "id")));
        });
    routes
        .route("POST", u"/api/api-keys/{api_key_id}/rotate"_s, Access::Api, u"api_keys"_s,
               u"Rotate: a new secret, the old one dead at once"_s)
        .returns(200, issuedKey)
        .errors({403, 404})
        .handle([&services](HttpRequest &request) {
            return issued(services.apiKeys.rotate(request.actor, request.param(u"api_key_id"_s)),
                          200);
        });
}

} // namespace wfx
