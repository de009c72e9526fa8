// SPDX-License-Identifier: Apache-2.0
// Accounts and sessions (POST /api/auth/*) and API keys (Cloud and BFF).
#include "routes/RouteUtil.h"
#include "routes/Routes.h"

#include "core/Clock.h"
#include "core/Ids.h"
#include "core/RouteTable.h"
#include "core/Schema.h"
#include "core/Services.h"

namespace wfx {

using namespace schema;
using namespace routeutil;

namespace {

QJsonObject userSchema()
{
    return object({{S("id"), uuid(), true},
                   {S("email"), string(3, 254), true},
                   {S("display_name"), string()},
                   {S("is_admin"), boolean()},
                   {S("restricted"), boolean()},
                   {S("created_at"), dateTime()}});
}

QJsonObject apiKeySchema()
{
    return object({{S("id"), uuid(), true},
                   {S("name"), string(1, 200), true},
                   {S("prefix"), string(), true},
                   {S("workspace_id"), nullable(uuid()), true},
                   {S("created_at"), dateTime(), true},
                   {S("last_used_at"), nullable(dateTime()), true}});
}

// wfx_session (HttpOnly) and wfx_csrf (readable), SameSite=Lax, Path=/, Secure under TLS.
void setSessionCookies(HttpResponse &r, const Services &s, const Session &session)
{
    const QByteArray secure = s.config.tls ? "; Secure" : "";
    const qint64 maxAge = qMax<qint64>(0, (session.expiresAt - s.ctx.clock->nowMs()) / 1000);
    r.header("Set-Cookie", "wfx_session=" + session.id.toLatin1() + "; Path=/; HttpOnly; SameSite=Lax; Max-Age="
                               + QByteArray::number(maxAge) + secure);
    r.header("Set-Cookie", "wfx_csrf=" + session.csrfToken.toLatin1() + "; Path=/; SameSite=Lax; Max-Age="
                               + QByteArray::number(maxAge) + secure);
}

void clearSessionCookies(HttpResponse &r, const Services &s)
{
    const QByteArray secure = s.config.tls ? "; Secure" : "";
    r.header("Set-Cookie", "wfx_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0" + secure);
    r.header("Set-Cookie", "wfx_csrf=; Path=/; SameSite=Lax; Max-Age=0" + secure);
}

HttpResponse issued(const Result<IssuedApiKey> &k, int status)
{
    if (!k)
        return HttpResponse::error(k.error());
    return HttpResponse::json(status, QJsonObject{{S("api_key"), k->apiKey.toJson()}, {S("secret"), k->secret}});
}

} // namespace

void addAuthRoutes(RouteTable &t, Services &s)
{
    const QJsonObject user = userSchema();
    const QJsonObject credentials = object({{S("email"), string(1, 254), true}, {S("password"), string(1, 1024), true}});

    t.route("POST", S("/api/auth/signup"), Access::AuthFlow, S("auth"),
            S("Create a local account (the first one becomes administrator: loopback or setup token only)"))
        .body(object({{S("email"), string(1, 254), true},
                      {S("password"), string(10, 1024), true},
                      {S("setup_token"), string()}}))
        .returns(201, wrapped(S("user"), user)).errors({403, 409, 429}).csrfExempt()
        .handle([&s](HttpRequest &r) {
            const QJsonObject b = r.json.toObject();
            const QString token = b.value(S("setup_token")).toString().isEmpty()
                                      ? QString::fromLatin1(r.header("x-setup-token"))
                                      : b.value(S("setup_token")).toString();
            auto u = s.accounts.signup(b.value(S("email")).toString(), b.value(S("password")).toString(),
                                       r.remote.toString(), token);
            if (!u)
                return HttpResponse::error(u.error());
            auto session = s.accounts.createSession(u->id, r.remote.toString());
            if (!session)
                return HttpResponse::error(session.error());
            HttpResponse resp = HttpResponse::json(201, QJsonObject{{S("user"), u->toJson()}});
            setSessionCookies(resp, s, *session);
            return resp;
        });
    t.route("POST", S("/api/auth/login"), Access::AuthFlow, S("auth"),
            S("Sign in; a new session id every time (the same 401 for a wrong email or password)"))
        .body(credentials).returns(200, wrapped(S("user"), user)).errors({401, 429}).csrfExempt()
        .handle([&s](HttpRequest &r) {
            const QJsonObject b = r.json.toObject();
            auto in = s.accounts.login(b.value(S("email")).toString(), b.value(S("password")).toString(),
                                       r.remote.toString(), r.cookie(S("wfx_session")));
            if (!in)
                return HttpResponse::error(in.error());
            HttpResponse resp = HttpResponse::json(200, QJsonObject{{S("user"), in->user.toJson()}});
            setSessionCookies(resp, s, in->session);
            return resp;
        });
    t.route("POST", S("/api/auth/session"), Access::AuthFlow, S("auth"), S("The current session (sliding renewal)"))
        .returns(200, object({{S("user"), user, true}, {S("expires_at"), dateTime(), true}})).errors({401, 403})
        .handle([&s](HttpRequest &r) {
            const QString token = r.cookie(S("wfx_session"));
            auto in = token.isEmpty() ? Result<SignedIn>(Error{ErrorCode::LoginRequired, S("Please log in again.")})
                                      : s.accounts.authenticate(token);
            if (!in)
                return HttpResponse::error(Error{ErrorCode::LoginRequired, S("Please log in again.")});
            return HttpResponse::json(200, QJsonObject{{S("user"), in->user.toJson()},
                                                       {S("expires_at"), ids::formatTime(in->session.expiresAt)}});
        });
    t.route("POST", S("/api/auth/logout"), Access::AuthFlow, S("auth"), S("End the session server-side"))
        .returns(200, object({{S("ok"), boolean(), true}})).errors({403})
        .handle([&s](HttpRequest &r) {
            const QString token = r.cookie(S("wfx_session"));
            if (!token.isEmpty()) {
                if (auto st = s.accounts.logout(token); !st && st.error().code != ErrorCode::LoginRequired
                                                        && st.error().code != ErrorCode::NotFound)
                    return HttpResponse::error(st.error());
            }
            HttpResponse resp = HttpResponse::json(200, QJsonObject{{S("ok"), true}});
            clearSessionCookies(resp, s);
            return resp;
        });
    t.route("POST", S("/api/auth/reset-password"), Access::AuthFlow, S("auth"),
            S("Ask for a password reset mail (the answer never tells whether the account exists)"))
        .body(object({{S("email"), string(1, 254), true}})).returns(202, object({{S("ok"), boolean(), true}}))
        .csrfExempt()
        .handle([&s](HttpRequest &r) {
            if (auto st = s.accounts.requestPasswordReset(str(r, "email"), r.remote.toString());
                !st && st.error().code != ErrorCode::Validation)
                return HttpResponse::error(st.error());
            return HttpResponse::json(202, QJsonObject{{S("ok"), true}});
        });
    t.route("POST", S("/api/auth/reset-password/confirm"), Access::AuthFlow, S("auth"),
            S("Set a new password with the token from the reset mail; every session ends"))
        .body(object({{S("token"), string(1, 200), true}, {S("password"), string(10, 1024), true}}))
        .returns(200, object({{S("ok"), boolean(), true}})).csrfExempt()
        .handle([&s](HttpRequest &r) {
            auto st = s.accounts.completePasswordReset(str(r, "token"), str(r, "password"), r.remote.toString());
            if (!st)
                return HttpResponse::error(st.error());
            return HttpResponse::json(200, QJsonObject{{S("ok"), true}});
        });

    // API keys
    const QJsonObject key = apiKeySchema();
    const QJsonObject issuedKey = wrapped(S("api_key"), key, {{S("secret"), string(36), true}});
    const QJsonObject newKey = object({{S("name"), string(1, 200), true}, {S("workspace_id"), uuid()}});
    t.route("GET", S("/api/api-keys"), Access::Api, S("api_keys"), S("The caller's API keys (never their secrets)"))
        .paged().returns(200, page(key)).errors({422})
        .handle([&s](HttpRequest &r) {
            auto p = pageArgs(r);
            if (!p)
                return HttpResponse::error(p.error());
            return paged(s.apiKeys.list(r.actor, p->limit, p->cursor));
        });
    for (const auto &[path, access] : {std::pair{S("/api/api-keys"), Access::Api}, std::pair{S("/api/cloud/api-keys"), Access::Session}}) {
        t.route("POST", path, access, access == Access::Api ? S("api_keys") : S("bff"),
                S("Issue an API key, optionally scoped to one workspace; the secret is shown once"))
            .body(newKey).returns(201, issuedKey).errors({403, 404})
            .handle([&s](HttpRequest &r) {
                return issued(s.apiKeys.issue(r.actor, str(r, "name"), str(r, "workspace_id")), 201);
            });
    }
    t.route("DELETE", S("/api/api-keys/{api_key_id}"), Access::Api, S("api_keys"), S("Revoke an API key at once"))
        .returns(204, {}).errors({404})
        .handle([&s](HttpRequest &r) { return done(s.apiKeys.revoke(r.actor, r.param(S("api_key_id")))); });
    t.route("DELETE", S("/api/cloud/api-keys"), Access::Session, S("bff"), S("Revoke an API key (id in the body)"))
        .body(object({{S("id"), uuid(), true}})).returns(204, {}).errors({404})
        .handle([&s](HttpRequest &r) { return done(s.apiKeys.revoke(r.actor, str(r, "id"))); });
    t.route("POST", S("/api/api-keys/{api_key_id}/rotate"), Access::Api, S("api_keys"),
            S("Rotate: a new secret, the old one dead at once"))
        .returns(200, issuedKey).errors({403, 404})
        .handle([&s](HttpRequest &r) { return issued(s.apiKeys.rotate(r.actor, r.param(S("api_key_id"))), 200); });
}

} // namespace wfx
