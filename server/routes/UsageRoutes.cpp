// SPDX-License-Identifier: Apache-2.0
// Usage quotas: reserve against the plan's caps, then commit or revert.
#include "routes/RouteUtil.h"
#include "routes/Routes.h"

#include "core/RouteTable.h"
#include "core/Schema.h"
#include "core/Services.h"

namespace wfx {

using namespace schema;
using namespace routeutil;

namespace {

QJsonObject reservationSchema()
{
    return object({{S("id"), uuid(), true},
                   {S("workspace_id"), uuid(), true},
                   {S("metric"), enumOf(UsageService::metrics()), true},
                   {S("amount"), integer(1, UsageService::kMaxAmount), true},
                   {S("idempotency_key"), string(1, UsageService::kMaxKeyLength), true},
                   {S("state"), enumOf({S("reserved"), S("committed"), S("reverted"), S("expired")}), true},
                   {S("created_at"), dateTime(), true},
                   {S("expires_at"), dateTime(), true}});
}

} // namespace

void addUsageRoutes(RouteTable &t, Services &s)
{
    const QJsonObject reservation = wrapped(S("reservation"), reservationSchema());

    t.route("POST", S("/api/usage/reserve"), Access::Api, S("usage"),
            S("Reserve quota (member): committed plus reserved may reach the plan's cap, never pass it. "
              "The same idempotency_key again answers 200 with the same reservation"))
        .body(object({{S("workspace_id"), uuid(), true},
                      {S("metric"), enumOf(UsageService::metrics()), true},
                      {S("amount"), integer(1, UsageService::kMaxAmount), true},
                      {S("idempotency_key"), string(1, UsageService::kMaxKeyLength), true}}))
        .returns(201, reservation).errors({402, 403, 404, 409, 422})
        .handle([&s](HttpRequest &r) {
            const QJsonObject b = r.bodyObject();
            auto out = s.usage.reserve(r.actor, b.value(S("workspace_id")).toString(), b.value(S("metric")).toString(),
                                       b.value(S("amount")).toInteger(), b.value(S("idempotency_key")).toString());
            if (!out)
                return HttpResponse::error(out.error());
            return HttpResponse::json(out->created ? 201 : 200,
                                      QJsonObject{{S("reservation"), out->reservation.toJson()}});
        });
    const QJsonObject settle = object({{S("reservation_id"), uuid(), true}});
    t.route("POST", S("/api/usage/commit"), Access::Api, S("usage"),
            S("Commit a reservation (member); again: 200, after a revert: 409"))
        .body(settle).returns(200, reservation).errors({403, 404, 409, 422})
        .handle([&s](HttpRequest &r) { return wrapped(s.usage.commit(r.actor, str(r, "reservation_id")), "reservation"); });
    t.route("POST", S("/api/usage/revert"), Access::Api, S("usage"),
            S("Release a reservation (member); again: 200, after a commit: 409"))
        .body(settle).returns(200, reservation).errors({403, 404, 409, 422})
        .handle([&s](HttpRequest &r) { return wrapped(s.usage.revert(r.actor, str(r, "reservation_id")), "reservation"); });
}

} // namespace wfx
