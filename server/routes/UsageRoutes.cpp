// SPDX-License-Identifier: Apache-2.0
// Usage quotas: reserve against the plan's caps, then commit or revert.
#include "server/routes/RouteUtil.h"
#include "server/routes/Routes.h"

#include "server/core/RouteTable.h"
#include "server/core/Schema.h"
#include "server/core/Services.h"

using namespace Qt::StringLiterals;

namespace wfx {

using namespace schema;
using namespace routeutil;

namespace {

QJsonObject reservationSchema()
{
    return object(
        {{u"id"_s, uuid(), true},
         {u"workspace_id"_s, uuid(), true},
         {u"metric"_s, enumOf(UsageService::metrics()), true},
         {u"amount"_s, integer(1, UsageService::kMaxAmount), true},
         {u"idempotency_key"_s, string(1, UsageService::kMaxKeyLength), true},
         {u"state"_s, enumOf({u"reserved"_s, u"committed"_s, u"reverted"_s, u"expired"_s}), true},
         {u"created_at"_s, dateTime(), true},
         {u"expires_at"_s, dateTime(), true}});
}

} // namespace

void addUsageRoutes(RouteTable &routes, Services &services)
{
    const QJsonObject reservation = wrapped(u"reservation"_s, reservationSchema());

    routes
        .route(
            "POST", u"/api/usage/reserve"_s, Access::Api, u"usage"_s,
            u"Reserve quota (member): committed plus reserved may reach the plan's cap, never pass "
            u"it. "
            "The same idempotency_key again answers 200 with the same reservation"_s)
        .body(object({{u"workspace_id"_s, uuid(), true},
                      {u"metric"_s, enumOf(UsageService::metrics()), true},
                      {u"amount"_s, integer(1, UsageService::kMaxAmount), true},
                      {u"idempotency_key"_s, string(1, UsageService::kMaxKeyLength), true}}))
        .returns(201, reservation)
        .errors({402, 403, 404, 409, 422})
        .handle([&services](HttpRequest &request) {
            const QJsonObject b = request.bodyObject();
            auto out = services.usage.reserve(request.actor, b.value(u"workspace_id"_s).toString(),
                                              b.value(u"metric"_s).toString(),
                                              b.value(u"amount"_s).toInteger(),
                                              b.value(u"idempotency_key"_s).toString());
            if (!out)
                return HttpResponse::error(out.error());
            return HttpResponse::json(out->created ? 201 : 200,
                                      QJsonObject{{u"reservation"_s, out->reservation.toJson()}});
        });
    // Settling a reservation: committing it or releasing it, each idempotent.
    for (const auto &[path, summary, settle] :
         {std::tuple{u"/api/usage/commit"_s,
                     u"Commit a reservation (member); again: 200, after a revert: 409"_s,
                     &UsageService::commit},
          std::tuple{u"/api/usage/revert"_s,
                     u"Release a reservation (member); again: 200, after a commit: 409"_s,
                     &UsageService::revert}}) {
        routes.route("POST", path, Access::Api, u"usage"_s, summary)
            .body(object({{u"reservation_id"_s, uuid(), true}}))
            .returns(200, reservation)
            .errors({403, 404, 409, 422})
            .handle([&services, settle = settle](HttpRequest &request) {
                return wrapped(std::invoke(settle, services.usage, request.actor,
                                           str(request, "reservation_id")),
                               "reservation");
            });
    }
}

} // namespace wfx
