// SPDX-License-Identifier: Apache-2.0
// Share links of runs: management (list, create, revoke, reliability consents),
// the two public reads of a token (CONTRACT.md section 4) and the bundled share
// page /r/{token} that renders the public read in a browser.
#include "server/routes/RouteUtil.h"
#include "server/routes/Routes.h"

#include "server/core/BundledPages.h"
#include "server/core/RouteTable.h"
#include "server/core/Schema.h"
#include "server/core/Services.h"
#include "server/core/ShapeSchema.h"

#include "models/runs/RunJson.h"

#include <QLoggingCategory>

#include <optional>
#include <utility>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcShareRoutes, "wfx.server.shares", QtInfoMsg)

static void initSharePageResource()
{
    Q_INIT_RESOURCE(share_page);
}

namespace wfx {

using namespace schema;
using namespace routeutil;

namespace {

QJsonObject shareSchema()
{
    return schema::of(kShareFields, shape::Api);
}

QJsonObject consentSchema()
{
    return object({{u"id"_s, uuid(), true},
                   {u"share_id"_s, uuid(), true},
                   {u"subject"_s, string(1, ShareService::kConsentFieldMax), true},
                   {u"scope"_s, string(1, ShareService::kConsentFieldMax), true},
                   {u"state"_s, enumOf({u"active"_s, u"revoked"_s}), true},
                   {u"granted_at"_s, dateTime(), true},
                   {u"revoked_at"_s, nullable(dateTime()), true}});
}

// The public view of a run (shares/ShareSnapshot.h): the run table's public
// fields and what the snapshot adds; no id, no share field.
QJsonObject snapshotSchema()
{
    const QJsonObject point = arrayOf(number(), 2);
    QJsonObject metrics = anyObject();
    metrics.insert(u"additionalProperties"_s, arrayOf(point));
    metrics = describe(metrics, u"metric name -> [[step, value], ...], evenly thinned when long"_s);
    const QJsonObject run = schema::of(kRunFields<Run>, shape::Public,
                                       {{u"manifest"_s, anyObject(), true},
                                        {u"metric_names"_s, arrayOf(string()), true},
                                        {u"metrics"_s, metrics, true},
                                        {u"metrics_truncated"_s, boolean()}});
    const QJsonObject artifact = object(
        {{u"name"_s, string(), true}, {u"size_bytes"_s, integer(0, 9007199254740991), true}});
    return object({{u"run"_s, run, true}, {u"artifact"_s, artifact}});
}

std::optional<QString> optionalString(const QJsonObject &body, const char *field)
{
    const QJsonValue v = body.value(QString::fromLatin1(field));
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    return v.toString();
}

// The link to the share page on the host the client used (the dispatcher has
// checked it against the allowed names).
QString shareUrl(const HttpRequest &req, bool tls, const QString &token)
{
    return (tls ? u"https://"_s : u"http://"_s) + QString::fromLatin1(req.header("host")) +
           u"/r/"_s + token;
}

HttpResponse createShare(Services &services, const HttpRequest &request, bool tls)
{
    const QJsonObject b = request.json.toObject();
    ShareDraft d;
    d.runId = b.value(u"run_id"_s).toString();
    d.password = optionalString(b, "password");
    d.expiresAt = optionalString(b, "expires_at");
    d.artifactId = optionalString(b, "artifact_id");
    auto issued = services.shares.create(request.actor, d);
    if (!issued)
        return HttpResponse::error(issued.error());
    return HttpResponse::json(201, QJsonObject{{u"share"_s, issued->share.toJson()},
                                               {u"token"_s, issued->token},
                                               {u"url"_s, shareUrl(request, tls, issued->token)}});
}

// One public read: exactly what the resolver decided, whatever credentials came along.
HttpResponse publicRead(Services &services, const HttpRequest &req)
{
    const QByteArray pw = req.header("x-share-password");
    std::optional<QString> password;
    if (!pw.isEmpty())
        password = QString::fromUtf8(pw);
    auto answer =
        services.publicShares.resolve(req.param(u"token"_s), req.remote.toString(), password);
    if (!answer) {
        qCWarning(lcShareRoutes) << "public share read failed:" << answer.error().message;
        HttpResponse e =
            HttpResponse::error(503, u"unavailable"_s,
                                u"Shared runs cannot be shown right now; try again in a moment."_s);
        e.header("Cache-Control", "no-store").header("Retry-After", "5");
        return e;
    }
    if (answer->state == PublicState::PayloadRejected) {
        // For the administrator only: which field tripped the policy.
        qCInfo(lcShareRoutes) << "share" << answer->shareId
                              << "refused by the public payload policy at" << answer->policyPath;
    }
    HttpResponse response =
        answer->state == PublicState::Active
            ? HttpResponse::jsonBytes(200, answer->body)
            : HttpResponse::error(answer->status, answer->code, answer->message);
    for (const auto &h : std::as_const(answer->headers))
        response.header(h.first, h.second);
    return response;
}

// --------------------------------------------------------------------------- the share page

// A fixed table: the request never becomes a file path.
const BundledPages &sharePage()
{
    static const BundledPages pages = [] {
        initSharePageResource();
        return BundledPages{
            {"index.html", ":/wfx-share-page/index.html", "text/html; charset=utf-8"},
            {"share.js", ":/wfx-share-page/share.js", "text/javascript; charset=utf-8"},
            {"share.css", ":/wfx-share-page/share.css", "text/css; charset=utf-8"}};
    }();
    return pages;
}

} // namespace

void addShareRoutes(RouteTable &routes, Services &services)
{
    const QJsonObject share = shareSchema();
    const QJsonObject consent = consentSchema();
    const bool tls = services.config.tls;

    // The Cloud routes and their named dashboard (BFF) counterparts act on the same model layer.
    for (const auto &[base, access] : {std::pair{u"/api/shares"_s, Access::Api},
                                       std::pair{u"/api/cloud/shares"_s, Access::Session}}) {
        const QString tag = access == Access::Api ? u"shares"_s : u"bff"_s;
        routes
            .route("GET", base, access, tag,
                   u"Share links the caller can see, newest first (never their tokens)"_s)
            .proxiedIf(access == Access::Api,
                       {u"limit"_s, u"cursor"_s, u"workspace_id"_s, u"run_id"_s})
            .query(u"workspace_id"_s, uuid())
            .query(u"run_id"_s, uuid())
            .paged(share)
            .errors({404})
            .handle([&services](HttpRequest &request) {
                const HttpRequest::Page paging = request.page();
                const ShareFilter filter{request.query<QString>(u"workspace_id"_s),
                                         request.query<QString>(u"run_id"_s)};
                return paged(
                    services.shares.list(request.actor, filter, paging.limit, paging.cursor));
            });
        routes
            .route(
                "POST", base, access, tag,
                u"Create a share link of a run (member); the token is shown once, in the answer"_s)
            .proxiedIf(access == Access::Api)
            .body(object(
                {{u"run_id"_s, uuid(), true},
                 {u"password"_s,
                  describe(nullable(string(ShareService::kPasswordMin, ShareService::kPasswordMax)),
                           u"readers must send it in the X-Share-Password header"_s)},
                 {u"expires_at"_s,
                  describe(nullable(dateTime()), u"in the future; null: never expires"_s)},
                 {u"artifact_id"_s,
                  describe(nullable(uuid()), u"one artifact of the run to show with it"_s)}}))
            .returns(201,
                     wrapped(u"share"_s, share,
                             {{u"token"_s, string(1, 200), true},
                              {u"url"_s, describe(string(1, 2048), u"the share page, /r/<token>"_s),
                               true}}))
            .errors({403, 404, 422})
            .handle([&services, tls](HttpRequest &request) {
                return createShare(services, request, tls);
            });
    }

    routes
        .route("POST", u"/api/shares/{share_id}/revoke"_s, Access::Api, u"shares"_s,
               u"Revoke a share link at once (member); revoking again changes nothing"_s)
        .proxied()
        .returns(200, wrapped(u"share"_s, share))
        .errors({403, 404})
        .handle([&services](HttpRequest &request) {
            return wrapped(services.shares.revoke(request.actor, request.param(u"share_id"_s)),
                           "share");
        });

    // Reliability consents recorded against a share.
    const QString consentBase = u"/api/shares/{share_id}/reliability-consent"_s;
    routes
        .route("POST", consentBase, Access::Api, u"shares"_s,
               u"Record a reliability consent for a share (member; not on a revoked share)"_s)
        .body(object({{u"subject"_s, string(1, ShareService::kConsentFieldMax), true},
                      {u"scope"_s, string(1, ShareService::kConsentFieldMax), true}}))
        .returns(201, wrapped(u"consent"_s, consent))
        .errors({403, 404, 409, 422})
        .handle([&services](HttpRequest &request) {
            return wrapped(
                services.shares.createConsent(request.actor, request.param(u"share_id"_s),
                                              str(request, "subject"), str(request, "scope")),
                "consent", 201);
        });
    routes
        .route("DELETE", consentBase + u"/{consent_id}"_s, Access::Api, u"shares"_s,
               u"Delete a reliability consent (member)"_s)
        .returns(204, {})
        .errors({403, 404})
        .handle([&services](HttpRequest &request) {
            return done(services.shares.deleteConsent(request.actor, request.param(u"share_id"_s),
                                                      request.param(u"consent_id"_s)));
        });
    routes
        .route("GET", consentBase + u"/{consent_id}/export"_s, Access::Api, u"shares"_s,
               u"Export a reliability consent with the share it belongs to"_s)
        .returns(200, object({{u"consent"_s, consent, true},
                              {u"share"_s,
                               object({{u"id"_s, uuid(), true},
                                       {u"run_id"_s, uuid(), true},
                                       {u"state"_s,
                                        enumOf({u"active"_s, u"revoked"_s, u"expired"_s}), true}}),
                               true},
                              {u"exported_at"_s, dateTime(), true}}))
        .errors({404})
        .handle([&services](HttpRequest &request) {
            auto e = services.shares.exportConsent(request.actor, request.param(u"share_id"_s),
                                                   request.param(u"consent_id"_s));
            if (!e)
                return HttpResponse::error(e.error());
            return HttpResponse::json(200, *e);
        });
    routes
        .route("POST", consentBase + u"/{consent_id}/revoke"_s, Access::Api, u"shares"_s,
               u"Revoke a reliability consent (member); revoking again changes nothing"_s)
        .returns(200, wrapped(u"consent"_s, consent))
        .errors({403, 404})
        .handle([&services](HttpRequest &request) {
            return wrapped(services.shares.revokeConsent(request.actor,
                                                         request.param(u"share_id"_s),
                                                         request.param(u"consent_id"_s)),
                           "consent");
        });

    // The public reads: both count against the same share, and ignore cookies and keys.
    const QJsonObject snapshot = snapshotSchema();
    for (const char *path : {"/api/public/shares/{token}", "/api/public/r/{token}"}) {
        routes
            .route("GET", QString::fromLatin1(path), Access::Public, u"public"_s,
                   u"Read a shared run (no credentials; send X-Share-Password when the share has "
                   u"one). "
                   "Errors are the share states of the contract, first match wins; RateLimit-* "
                   "headers "
                   "on every "
                   "counted read, Retry-After on 429"_s)
            .returns(200, snapshot)
            .errors({401, 404, 409, 410, 429, 503})
            .handle([&services](HttpRequest &request) { return publicRead(services, request); });
    }

    // The share page and its two assets (bundled; resources/share-page/).
    addBundledPage(
        routes,
        {&sharePage,
         u"public"_s,
         u"/r/{token}"_s,
         u"The share page (HTML): reads /api/public/r/<token> in the browser and renders the run"_s,
         {404},
         u"/r/assets/{file}"_s,
         u"A script or style sheet of the share page"_s});
}

} // namespace wfx
