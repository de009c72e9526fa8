// SPDX-License-Identifier: Apache-2.0
// Plans and payment: checkout and portal links, and the provider's signed webhook.
#include "server/routes/RouteUtil.h"
#include "server/routes/Routes.h"

#include "server/core/BundledPages.h"
#include "server/core/JsonReader.h"
#include "server/core/RouteTable.h"
#include "server/core/Schema.h"
#include "server/core/Services.h"

using namespace Qt::StringLiterals;

static void initBillingPageResource()
{
    Q_INIT_RESOURCE(billing_page);
}

namespace wfx {

using namespace schema;
using namespace routeutil;

namespace {
// The page the offline provider's checkout and portal links lead to (resources/billing-page/).
const BundledPages &offlinePage()
{
    static const BundledPages pages = [] {
        initBillingPageResource();
        return BundledPages{
            {"index.html", ":/wfx-billing-page/index.html", "text/html; charset=utf-8"},
            {"billing.js", ":/wfx-billing-page/billing.js", "text/javascript; charset=utf-8"}};
    }();
    return pages;
}
} // namespace

void addBillingRoutes(RouteTable &routes, Services &services)
{
    // The Cloud route and its named dashboard (BFF) twin.
    const auto startCheckout = [&services](HttpRequest &request) {
        auto c = services.billing.checkout(request.actor, str(request, "workspace_id"),
                                           str(request, "plan"), str(request, "success_url"),
                                           str(request, "cancel_url"));
        if (!c)
            return HttpResponse::error(c.error());
        return HttpResponse::json(201,
                                  QJsonObject{{u"checkout"_s, c->toJson()}, {u"url"_s, c->url}});
    };
    const QJsonObject checkout =
        object({{u"workspace_id"_s, uuid(), true},
                {u"plan"_s, enumOf({u"free"_s, u"pro"_s, u"team"_s}), true},
                {u"provider"_s, enumOf({u"offline"_s, u"stripe"_s}), true},
                {u"session_ref"_s, string(1), true},
                {u"url"_s, string(1), true}});
    routes
        .route("POST", u"/api/billing/checkout"_s, Access::Api, u"billing"_s,
               u"Start buying a paid plan (workspace owner or admin): where to send the payer. The "
               u"plan changes only "
               "when the provider confirms the payment (webhook)"_s)
        .body(object({{u"workspace_id"_s, uuid(), true},
                      {u"plan"_s, describe(enumOf({u"pro"_s, u"team"_s}), u"A paid plan"_s), true},
                      {u"success_url"_s, string(1, 2048)},
                      {u"cancel_url"_s, string(1, 2048)}}))
        .returns(201, wrapped(u"checkout"_s, checkout, {{u"url"_s, string(1), true}}))
        .errors({403, 404, 409, 422, 503})
        .handle(startCheckout);
    routes
        .route("POST", u"/api/billing/portal"_s, Access::Api, u"billing"_s,
               u"Where to manage the workspace's subscription (workspace owner or admin)"_s)
        .body(object({{u"workspace_id"_s, uuid(), true}}))
        .returns(200, object({{u"url"_s, string(1), true}}))
        .errors({403, 404, 409, 422, 503})
        .handle([&services](HttpRequest &request) {
            auto url = services.billing.portal(request.actor, str(request, "workspace_id"));
            if (!url)
                return HttpResponse::error(url.error());
            return HttpResponse::json(200, QJsonObject{{u"url"_s, *url}});
        });
    routes
        .route(
            "POST", u"/api/cloud/billing/checkout"_s, Access::Session, u"bff"_s,
            u"Start a checkout for a paid plan (as POST /api/billing/checkout); the plan changes "
            u"when the provider "
            "confirms"_s)
        .body(object({{u"workspace_id"_s, uuid(), true},
                      {u"plan"_s,
                       describe(string(1, 64), u"a paid plan of the instance (pro, team)"_s), true},
                      {u"success_url"_s, string(1, 2048)},
                      {u"cancel_url"_s, string(1, 2048)}}))
        .returns(201, wrapped(u"checkout"_s,
                              object({{u"workspace_id"_s, uuid(), true},
                                      {u"plan"_s, string(), true},
                                      {u"provider"_s, string(), true},
                                      {u"session_ref"_s, string(), true},
                                      {u"url"_s, string(), true}}),
                              {{u"url"_s, string(), true}}))
        .errors({401, 403, 404, 422})
        .handle(startCheckout);
    routes
        .route("POST", u"/api/cloud/billing/portal"_s, Access::Session, u"bff"_s,
               u"The billing portal link of a workspace (as POST /api/billing/portal)"_s)
        .body(object({{u"workspace_id"_s, uuid(), true}}))
        .returns(200, object({{u"url"_s, string(), true}, {u"workspace_id"_s, uuid(), true}}))
        .errors({401, 403, 404, 422})
        .handle([&services](HttpRequest &request) {
            auto u = services.billing.portal(request.actor, str(request, "workspace_id"));
            if (!u)
                return HttpResponse::error(u.error());
            return HttpResponse::json(
                200,
                QJsonObject{{u"url"_s, *u}, {u"workspace_id"_s, str(request, "workspace_id")}});
        });
    // Without a payment provider the checkout and portal links lead here: a page
    // that is the same for everyone, whose form asks the named route below.
    addBundledPage(
        routes,
        {&offlinePage,
         u"billing"_s,
         u"/billing/offline"_s,
         u"The offline billing page (HTML) the offline provider's checkout and portal links "
         u"lead to: plan "
         "changes on this instance are made by its administrator"_s,
         {},
         u"/billing/assets/{file}"_s,
         u"The offline billing page's script"_s});
    routes
        .route(
            "POST", u"/api/cloud/billing/offline"_s, Access::Session, u"bff"_s,
            u"Offline billing: an instance administrator sets a workspace's plan (completing the "
            u"pending offline "
            "checkout named by session_ref, if any), through the path a verified webhook takes, "
            "audited as "
            "billing.plan_change with the administrator as actor. Anyone else: 403"_s)
        .body(object({{u"workspace_id"_s, uuid(), true},
                      {u"plan"_s, enumOf({u"free"_s, u"pro"_s, u"team"_s}), true},
                      {u"session_ref"_s, string(1, 255)}}))
        .returns(200, object({{u"workspace_id"_s, uuid(), true}, {u"plan"_s, string(1), true}}))
        .errors({401, 403, 404, 405, 422})
        .handle([&services](HttpRequest &request) {
            auto plan =
                services.billing.setPlanOffline(request.actor, str(request, "workspace_id"),
                                                str(request, "plan"), str(request, "session_ref"));
            if (!plan)
                return HttpResponse::error(plan.error());
            return HttpResponse::json(
                200,
                QJsonObject{{u"workspace_id"_s, str(request, "workspace_id")}, {u"plan"_s, *plan}});
        });
    // The raw bytes are what the signature covers: nothing parses or validates
    // the body before BillingService has verified the Stripe-Signature header.
    routes
        .route(
            "POST", u"/api/billing/webhook"_s, Access::Webhook, u"billing"_s,
            u"Payment provider events (Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of \"t.\" + "
            u"body>, "
            "300 s tolerance). checkout.session.completed sets the plan of client_reference_id to "
            "metadata.plan; customer.subscription.deleted returns metadata.workspace_id to free. "
            "An event id seen before answers 200 and is not applied again"_s)
        // Documented as JSON, but read raw: nothing parses the body before its signature verifies.
        .body(object({{u"id"_s, string(1, 255), true},
                      {u"type"_s, string(1, 255), true},
                      {u"created"_s, integer(0, 9007199254740991)},
                      {u"data"_s, object({{u"object"_s, anyObject(), true}}), true}}))
        .bodyCheckedByHandler()
        .rawBody()
        .returns(200, object({{u"received"_s, boolean(), true}, {u"duplicate"_s, boolean(), true}}))
        .errors({400, 413, 422})
        .handle([&services](HttpRequest &request) {
            auto e = services.billing.handleWebhook(
                request.body, QString::fromLatin1(request.header("stripe-signature")),
                services.config.webhookSecret, &JsonReader::read);
            if (!e)
                return HttpResponse::error(e.error());
            return HttpResponse::json(
                200, QJsonObject{{u"received"_s, true}, {u"duplicate"_s, e->duplicate}});
        });
}

} // namespace wfx
