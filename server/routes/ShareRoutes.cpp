// SPDX-License-Identifier: Apache-2.0
// Share links of runs: management (list, create, revoke, reliability consents),
// the two public reads of a token (CONTRACT.md section 4) and the bundled share
// page /r/{token} that renders the public read in a browser.
#include "routes/RouteUtil.h"
#include "routes/Routes.h"

#include "core/BundledPages.h"
#include "core/RouteTable.h"
#include "core/Schema.h"
#include "core/Services.h"

#include <QLoggingCategory>

#include <optional>
#include <utility>

Q_LOGGING_CATEGORY(lcShareRoutes, "wfx.server.shares", QtInfoMsg)

static void initSharePageResource() { Q_INIT_RESOURCE(share_page); }

namespace wfx {

using namespace schema;
using namespace routeutil;

namespace {

QJsonObject shareSchema()
{
    return object({{S("id"), uuid(), true},
                   {S("workspace_id"), uuid(), true},
                   {S("run_id"), uuid(), true},
                   {S("artifact_id"), nullable(uuid()), true},
                   {S("state"), enumOf({S("active"), S("revoked"), S("expired")}), true},
                   {S("expires_at"), nullable(dateTime()), true},
                   {S("revoked_at"), nullable(dateTime()), true},
                   {S("has_password"), boolean(), true},
                   {S("token_prefix"), string(1, 64), true},
                   {S("created_at"), dateTime(), true}});
}

QJsonObject consentSchema()
{
    return object({{S("id"), uuid(), true},
                   {S("share_id"), uuid(), true},
                   {S("subject"), string(1, ShareService::kConsentFieldMax), true},
                   {S("scope"), string(1, ShareService::kConsentFieldMax), true},
                   {S("state"), enumOf({S("active"), S("revoked")}), true},
                   {S("granted_at"), dateTime(), true},
                   {S("revoked_at"), nullable(dateTime()), true}});
}

// The public view of a run (shares/ShareSnapshot.h): no id, no share field.
QJsonObject snapshotSchema()
{
    const QJsonObject point = arrayOf(number(), 2);
    QJsonObject metrics = anyObject();
    metrics.insert(S("additionalProperties"), arrayOf(point));
    metrics = describe(metrics, S("metric name -> [[step, value], ...], evenly thinned when long"));
    const QJsonObject run = object({{S("name"), string(), true},
                                    {S("status"), string(), true},
                                    {S("evidence"), enumOf({S("verified"), S("unsigned")}), true},
                                    {S("started_at"), nullable(dateTime()), true},
                                    {S("finished_at"), nullable(dateTime()), true},
                                    {S("created_at"), dateTime(), true},
                                    {S("manifest"), anyObject(), true},
                                    {S("metric_names"), arrayOf(string()), true},
                                    {S("metrics"), metrics, true},
                                    {S("metrics_truncated"), boolean()}});
    const QJsonObject artifact = object({{S("name"), string(), true},
                                         {S("size_bytes"), integer(0, 9007199254740991), true}});
    return object({{S("run"), run, true}, {S("artifact"), artifact}});
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
    return (tls ? S("https://") : S("http://")) + QString::fromLatin1(req.header("host")) + S("/r/") + token;
}

HttpResponse createShare(Services &s, const HttpRequest &r, bool tls)
{
    const QJsonObject b = r.json.toObject();
    ShareDraft d;
    d.runId = b.value(S("run_id")).toString();
    d.password = optionalString(b, "password");
    d.expiresAt = optionalString(b, "expires_at");
    d.artifactId = optionalString(b, "artifact_id");
    auto issued = s.shares.create(r.actor, d);
    if (!issued)
        return HttpResponse::error(issued.error());
    return HttpResponse::json(201, QJsonObject{{S("share"), issued->share.toJson()},
                                               {S("token"), issued->token},
                                               {S("url"), shareUrl(r, tls, issued->token)}});
}

// One public read: exactly what the resolver decided, whatever credentials came along.
HttpResponse publicRead(Services &s, const HttpRequest &req)
{
    const QByteArray pw = req.header("x-share-password");
    std::optional<QString> password;
    if (!pw.isEmpty())
        password = QString::fromUtf8(pw);
    auto answer = s.publicShares.resolve(req.param(S("token")), req.remote.toString(), password);
    if (!answer) {
        qCWarning(lcShareRoutes) << "public share read failed:" << answer.error().message;
        HttpResponse e = HttpResponse::error(503, S("unavailable"),
                                             S("Shared runs cannot be shown right now; try again in a moment."));
        e.header("Cache-Control", "no-store").header("Retry-After", "5");
        return e;
    }
    if (answer->state == PublicState::PayloadRejected) {
        // For the administrator only: which field tripped the policy.
        qCInfo(lcShareRoutes) << "share" << answer->shareId << "refused by the public payload policy at"
                              << answer->policyPath;
    }
    HttpResponse r = answer->state == PublicState::Active
        ? HttpResponse::jsonBytes(200, answer->body)
        : HttpResponse::error(answer->status, answer->code, answer->message);
    for (const auto &h : std::as_const(answer->headers))
        r.header(h.first, h.second);
    return r;
}

// --------------------------------------------------------------------------- the share page

// A fixed table: the request never becomes a file path.
const BundledPages &sharePage()
{
    static const BundledPages pages = [] {
        initSharePageResource();
        return BundledPages{{"index.html", ":/wfx-share-page/index.html", "text/html; charset=utf-8"},
                            {"share.js", ":/wfx-share-page/share.js", "text/javascript; charset=utf-8"},
                            {"share.css", ":/wfx-share-page/share.css", "text/css; charset=utf-8"}};
    }();
    return pages;
}

} // namespace

void addShareRoutes(RouteTable &t, Services &s)
{
    const QJsonObject share = shareSchema();
    const QJsonObject consent = consentSchema();
    const bool tls = s.config.tls;

    // The Cloud routes and their named dashboard (BFF) counterparts act on the same model layer.
    for (const auto &[base, access] : {std::pair{S("/api/shares"), Access::Api}, std::pair{S("/api/cloud/shares"), Access::Session}}) {
        const QString tag = access == Access::Api ? S("shares") : S("bff");
        t.route("GET", base, access, tag, S("Share links the caller can see, newest first (never their tokens)"))
            .query(S("workspace_id"), uuid()).query(S("run_id"), uuid()).paged()
            .returns(200, page(share)).errors({404, 422})
            .handle([&s](HttpRequest &r) {
                auto p = pageArgs(r);
                if (!p)
                    return HttpResponse::error(p.error());
                const ShareFilter filter{r.queryValue(S("workspace_id")), r.queryValue(S("run_id"))};
                return paged(s.shares.list(r.actor, filter, p->limit, p->cursor));
            });
        t.route("POST", base, access, tag, S("Create a share link of a run (member); the token is shown once, in the answer"))
            .body(object({{S("run_id"), uuid(), true},
                          {S("password"), describe(nullable(string(ShareService::kPasswordMin, ShareService::kPasswordMax)),
                                                   S("readers must send it in the X-Share-Password header"))},
                          {S("expires_at"), describe(nullable(dateTime()), S("in the future; null: never expires"))},
                          {S("artifact_id"), describe(nullable(uuid()), S("one artifact of the run to show with it"))}}))
            .returns(201, wrapped(S("share"), share, {{S("token"), string(1, 200), true},
                                                      {S("url"), describe(string(1, 2048), S("the share page, /r/<token>")),
                                                       true}}))
            .errors({403, 404, 422})
            .handle([&s, tls](HttpRequest &r) { return createShare(s, r, tls); });
    }

    t.route("POST", S("/api/shares/{share_id}/revoke"), Access::Api, S("shares"),
            S("Revoke a share link at once (member); revoking again changes nothing"))
        .returns(200, wrapped(S("share"), share)).errors({403, 404})
        .handle([&s](HttpRequest &r) { return wrapped(s.shares.revoke(r.actor, r.param(S("share_id"))), "share"); });

    // Reliability consents recorded against a share.
    const QString consentBase = S("/api/shares/{share_id}/reliability-consent");
    t.route("POST", consentBase, Access::Api, S("shares"),
            S("Record a reliability consent for a share (member; not on a revoked share)"))
        .body(object({{S("subject"), string(1, ShareService::kConsentFieldMax), true},
                      {S("scope"), string(1, ShareService::kConsentFieldMax), true}}))
        .returns(201, wrapped(S("consent"), consent)).errors({403, 404, 409, 422})
        .handle([&s](HttpRequest &r) {
            return wrapped(s.shares.createConsent(r.actor, r.param(S("share_id")), str(r, "subject"), str(r, "scope")),
                           "consent", 201);
        });
    t.route("DELETE", consentBase + S("/{consent_id}"), Access::Api, S("shares"),
            S("Delete a reliability consent (member)"))
        .returns(204, {}).errors({403, 404})
        .handle([&s](HttpRequest &r) {
            return done(s.shares.deleteConsent(r.actor, r.param(S("share_id")), r.param(S("consent_id"))));
        });
    t.route("GET", consentBase + S("/{consent_id}/export"), Access::Api, S("shares"),
            S("Export a reliability consent with the share it belongs to"))
        .returns(200, object({{S("consent"), consent, true},
                              {S("share"), object({{S("id"), uuid(), true},
                                                   {S("run_id"), uuid(), true},
                                                   {S("state"), enumOf({S("active"), S("revoked"), S("expired")}), true}}),
                               true},
                              {S("exported_at"), dateTime(), true}}))
        .errors({404})
        .handle([&s](HttpRequest &r) {
            auto e = s.shares.exportConsent(r.actor, r.param(S("share_id")), r.param(S("consent_id")));
            if (!e)
                return HttpResponse::error(e.error());
            return HttpResponse::json(200, *e);
        });
    t.route("POST", consentBase + S("/{consent_id}/revoke"), Access::Api, S("shares"),
            S("Revoke a reliability consent (member); revoking again changes nothing"))
        .returns(200, wrapped(S("consent"), consent)).errors({403, 404})
        .handle([&s](HttpRequest &r) {
            return wrapped(s.shares.revokeConsent(r.actor, r.param(S("share_id")), r.param(S("consent_id"))), "consent");
        });

    // The public reads: both count against the same share, and ignore cookies and keys.
    const QJsonObject snapshot = snapshotSchema();
    for (const char *path : {"/api/public/shares/{token}", "/api/public/r/{token}"}) {
        t.route("GET", S(path), Access::Public, S("public"),
                S("Read a shared run (no credentials; send X-Share-Password when the share has one). "
                  "Errors are the share states of the contract, first match wins; RateLimit-* headers on every "
                  "counted read, Retry-After on 429"))
            .returns(200, snapshot).errors({401, 404, 409, 410, 429, 503})
            .handle([&s](HttpRequest &r) { return publicRead(s, r); });
    }

    // The share page and its two assets (bundled; resources/share-page/).
    t.route("GET", S("/r/{token}"), Access::Public, S("public"),
            S("The share page (HTML): reads /api/public/r/<token> in the browser and renders the run"))
        .returns(200, {}).errors({404})
        .handle([](HttpRequest &) { return sharePage().page(); });
    t.route("GET", S("/r/assets/{file}"), Access::Public, S("public"), S("A script or style sheet of the share page"))
        .returns(200, {}).errors({404})
        .handle([](HttpRequest &r) { return sharePage().asset(r.param(S("file"))); });
}

} // namespace wfx
