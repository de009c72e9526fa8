// SPDX-License-Identifier: Apache-2.0
// Plans and payment: checkout and portal links, and the provider's signed webhook.
#include "routes/RouteUtil.h"
#include "routes/Routes.h"

#include "core/JsonReader.h"
#include "core/RouteTable.h"
#include "core/Schema.h"
#include "core/Services.h"

namespace wfx {

using namespace schema;
using namespace routeutil;

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
