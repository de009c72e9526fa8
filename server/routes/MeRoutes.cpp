// SPDX-License-Identifier: Apache-2.0
// The caller's own account: profile and data-subject rights (export, deletion
// with a grace period, restriction of processing, objections).
#include "server/routes/RouteUtil.h"
#include "server/routes/Routes.h"

#include "server/core/RouteTable.h"
#include "server/core/Schema.h"
#include "server/core/Services.h"

using namespace Qt::StringLiterals;

namespace wfx {

using namespace schema;
using namespace routeutil;

QJsonObject routeutil::deletionSchema()
{
    return object({{u"state"_s, enumOf({u"scheduled"_s, u"cancelled"_s, u"none"_s}), true},
                   {u"scheduled_for"_s, dateTime()}});
}

void addMeRoutes(RouteTable &routes, Services &services)
{
    const QJsonObject account = userSchema(Presence::Required);
    const QJsonObject user = wrapped(u"user"_s, account);
    routes.route("GET", u"/api/me"_s, Access::Api, u"me"_s, u"The caller's account"_s)
        .returns(200, user)
        .errors({401})
        .handle([&services](HttpRequest &request) {
            return wrapped(services.accounts.me(request.actor), "user");
        });
    routes.route("PATCH", u"/api/me"_s, Access::Api, u"me"_s, u"Change the caller's display name"_s)
        .body(object({{u"display_name"_s, string(0, AccountService::kMaxDisplayNameLength), true}}))
        .returns(200, user)
        .errors({403, 422})
        .handle([&services](HttpRequest &request) {
            return wrapped(
                services.accounts.updateProfile(request.actor, str(request, "display_name")),
                "user");
        });

    routes
        .route(
            "GET", u"/api/me/export"_s, Access::Api, u"me"_s,
            u"Everything held about the caller (never a secret or a hash of one); allowed while restricted"_s)
        .returns(200, object({{u"user"_s, account, true},
                              {u"workspaces"_s, arrayOf(anyObject()), true},
                              {u"api_keys"_s, arrayOf(anyObject()), true},
                              {u"audit"_s, arrayOf(anyObject()), true}}))
        .errors({401})
        .handle([&services](HttpRequest &request) {
            auto e = services.dsar.exportData(request.actor);
            if (!e)
                return HttpResponse::error(e.error());
            return HttpResponse::json(200, *e);
        });

    const QJsonObject deletion = wrapped(u"deletion"_s, deletionSchema());
    routes
        .route(
            "POST", u"/api/me/delete"_s, Access::Api, u"me"_s,
            u"Schedule the deletion of the caller's account (and the workspaces it owns) after a "
            u"grace period "
            "of 30 days; asking again keeps the first date"_s)
        .returns(202, deletion)
        .errors({401})
        .handle([&services](HttpRequest &request) {
            return wrapped(services.dsar.requestDeletion(request.actor), "deletion", 202);
        });
    routes
        .route("POST", u"/api/me/delete/cancel"_s, Access::Api, u"me"_s,
               u"Cancel a scheduled deletion"_s)
        .returns(200, deletion)
        .errors({401, 409})
        .handle([&services](HttpRequest &request) {
            return wrapped(services.dsar.cancelDeletion(request.actor), "deletion");
        });
    routes
        .route("POST", u"/api/me/restrict"_s, Access::Api, u"me"_s,
               u"Restrict (or lift the restriction of) the processing of the caller's data: while "
               u"restricted, "
               "reads, export, deletion and lifting still work; every other write answers 403"_s)
        .body(object({{u"restricted"_s, boolean(), true}}))
        .returns(200, object({{u"restricted"_s, boolean(), true}}))
        .errors({401, 422})
        .handle([&services](HttpRequest &request) {
            auto now = services.dsar.setRestricted(
                request.actor, request.bodyObject().value(u"restricted"_s).toBool());
            if (!now)
                return HttpResponse::error(now.error());
            return HttpResponse::json(200, QJsonObject{{u"restricted"_s, *now}});
        });
    routes
        .route("POST", u"/api/me/object"_s, Access::Api, u"me"_s,
               u"Object (or stop objecting) to a purpose of processing"_s)
        .body(object({{u"purpose"_s, enumOf(DsarService::purposes()), true},
                      {u"objected"_s, boolean(), true}}))
        .returns(200, wrapped(u"objection"_s,
                              object({{u"purpose"_s, enumOf(DsarService::purposes()), true},
                                      {u"objected"_s, boolean(), true},
                                      {u"updated_at"_s, dateTime(), true}})))
        .errors({401, 422})
        .handle([&services](HttpRequest &request) {
            const QJsonObject b = request.bodyObject();
            return wrapped(services.dsar.object(request.actor, b.value(u"purpose"_s).toString(),
                                                b.value(u"objected"_s).toBool()),
                           "objection");
        });
}

} // namespace wfx
