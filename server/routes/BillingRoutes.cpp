// SPDX-License-Identifier: Apache-2.0
// Plans and payment: checkout and portal links, and the provider's signed webhook.
#include "routes/RouteUtil.h"
#include "routes/Routes.h"

#include "core/BundledPages.h"
#include "core/JsonReader.h"
#include "core/RouteTable.h"
#include "core/Schema.h"
#include "core/Services.h"

static void initBillingPageResource() { Q_INIT_RESOURCE(billing_page); }

namespace wfx {

using namespace schema;
using namespace routeutil;

namespace {
// The page the offline provider's checkout and portal links lead to (resources/billing-page/).
const BundledPages &offlinePage()
{
    static const BundledPages pages = [] {
        initBillingPageResource();
        return BundledPages{{"index.html", ":/wfx-billing-page/index.html", "text/html; charset=utf-8"},
                            {"billing.js", ":/wfx-billing-page/billing.js", "text/javascript; charset=utf-8"}};
    }();
    return pages;
}
} // namespace

void addBillingRoutes(RouteTable &t, Services &s)
{
    const QJsonObject checkout = object({{S("workspace_id"), uuid(), true},
                                         {S("plan"), enumOf({S("free"), S("pro"), S("team")}), true},
                                         {S("provider"), enumOf({S("offline"), S("stripe")}), true},
                                         {S("session_ref"), string(1), true},
                                         {S("url"), string(1), true}});
    t.route("POST", S("/api/billing/checkout"), Access::Api, S("billing"),
            S("Start buying a paid plan (workspace owner or admin): where to send the payer. The plan changes only "
              "when the provider confirms the payment (webhook)"))
        .body(object({{S("workspace_id"), uuid(), true},
                      {S("plan"), describe(enumOf({S("pro"), S("team")}), S("A paid plan")), true},
                      {S("success_url"), string(1, 2048)},
                      {S("cancel_url"), string(1, 2048)}}))
        .returns(201, wrapped(S("checkout"), checkout, {{S("url"), string(1), true}}))
        .errors({403, 404, 409, 422, 503})
        .handle([&s](HttpRequest &r) {
            auto c = s.billing.checkout(r.actor, str(r, "workspace_id"), str(r, "plan"), str(r, "success_url"),
                                        str(r, "cancel_url"));
            if (!c)
                return HttpResponse::error(c.error());
            return HttpResponse::json(201, QJsonObject{{S("checkout"), c->toJson()}, {S("url"), c->url}});
        });
    t.route("POST", S("/api/billing/portal"), Access::Api, S("billing"),
            S("Where to manage the workspace's subscription (workspace owner or admin)"))
        .body(object({{S("workspace_id"), uuid(), true}}))
        .returns(200, object({{S("url"), string(1), true}}))
        .errors({403, 404, 409, 422, 503})
        .handle([&s](HttpRequest &r) {
            auto url = s.billing.portal(r.actor, str(r, "workspace_id"));
            if (!url)
                return HttpResponse::error(url.error());
            return HttpResponse::json(200, QJsonObject{{S("url"), *url}});
        });
    // Without a payment provider the checkout and portal links lead here: a page
    // that is the same for everyone, whose form asks the named route below.
    t.route("GET", S("/billing/offline"), Access::Public, S("billing"),
            S("The offline billing page (HTML) the offline provider's checkout and portal links lead to: plan "
              "changes on this instance are made by its administrator"))
        .returns(200, {})
        .handle([](HttpRequest &) { return offlinePage().page(); });
    t.route("GET", S("/billing/assets/{file}"), Access::Public, S("billing"), S("The offline billing page's script"))
        .returns(200, {}).errors({404})
        .handle([](HttpRequest &r) { return offlinePage().asset(r.param(S("file"))); });
    t.route("POST", S("/api/cloud/billing/offline"), Access::Session, S("bff"),
            S("Offline billing: an instance administrator sets a workspace's plan (completing the pending offline "
              "checkout named by session_ref, if any), through the path a verified webhook takes, audited as "
              "billing.plan_change with the administrator as actor. Anyone else: 403"))
        .body(object({{S("workspace_id"), uuid(), true},
                      {S("plan"), enumOf({S("free"), S("pro"), S("team")}), true},
                      {S("session_ref"), string(1, 255)}}))
        .returns(200, object({{S("workspace_id"), uuid(), true}, {S("plan"), string(1), true}}))
        .errors({401, 403, 404, 405, 422})
        .handle([&s](HttpRequest &r) {
            auto plan = s.billing.setPlanOffline(r.actor, str(r, "workspace_id"), str(r, "plan"),
                                                 str(r, "session_ref"));
            if (!plan)
                return HttpResponse::error(plan.error());
            return HttpResponse::json(200, QJsonObject{{S("workspace_id"), str(r, "workspace_id")},
                                                       {S("plan"), *plan}});
        });
    // The raw bytes are what the signature covers: nothing parses or validates
    // the body before BillingService has verified the Stripe-Signature header.
    t.route("POST", S("/api/billing/webhook"), Access::Webhook, S("billing"),
            S("Payment provider events (Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of \"t.\" + body>, "
              "300 s tolerance). checkout.session.completed sets the plan of client_reference_id to "
              "metadata.plan; customer.subscription.deleted returns metadata.workspace_id to free. "
              "An event id seen before answers 200 and is not applied again"))
        // Documented as JSON, but read raw: nothing parses the body before its signature verifies.
        .body(object({{S("id"), string(1, 255), true},
                      {S("type"), string(1, 255), true},
                      {S("created"), integer(0, 9007199254740991)},
                      {S("data"), object({{S("object"), anyObject(), true}}), true}}))
        .bodyCheckedByHandler()
        .rawBody()
        .returns(200, object({{S("received"), boolean(), true}, {S("duplicate"), boolean(), true}}))
        .errors({400, 413, 422})
        .handle([&s](HttpRequest &r) {
            auto e = s.billing.handleWebhook(r.body, QString::fromLatin1(r.header("stripe-signature")),
                                             s.config.webhookSecret, &JsonReader::read);
            if (!e)
                return HttpResponse::error(e.error());
            return HttpResponse::json(200, QJsonObject{{S("received"), true}, {S("duplicate"), e->duplicate}});
        });
}

} // namespace wfx
