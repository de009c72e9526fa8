// SPDX-License-Identifier: Apache-2.0
// The caller's own account: profile and data-subject rights (export, deletion
// with a grace period, restriction of processing, objections).
#include "routes/RouteUtil.h"
#include "routes/Routes.h"

#include "core/RouteTable.h"
#include "core/Schema.h"
#include "core/Services.h"

namespace wfx {

using namespace schema;
using namespace routeutil;

namespace {

QJsonObject meSchema()
{
    return object({{S("id"), uuid(), true},
                   {S("email"), string(3, 254), true},
                   {S("display_name"), string(0, AccountService::kMaxDisplayNameLength), true},
                   {S("is_admin"), boolean(), true},
                   {S("restricted"), boolean(), true},
                   {S("created_at"), dateTime(), true}});
}

QJsonObject deletionSchema()
{
    return object({{S("state"), enumOf({S("scheduled"), S("cancelled"), S("none")}), true},
                   {S("scheduled_for"), dateTime()}});
}

} // namespace

void addMeRoutes(RouteTable &t, Services &s)
{
    const QJsonObject user = wrapped(S("user"), meSchema());
    t.route("GET", S("/api/me"), Access::Api, S("me"), S("The caller's account"))
        .returns(200, user).errors({401})
        .handle([&s](HttpRequest &r) { return wrapped(s.accounts.me(r.actor), "user"); });
    t.route("PATCH", S("/api/me"), Access::Api, S("me"), S("Change the caller's display name"))
        .body(object({{S("display_name"), string(0, AccountService::kMaxDisplayNameLength), true}}))
        .returns(200, user).errors({403, 422})
        .handle([&s](HttpRequest &r) { return wrapped(s.accounts.updateProfile(r.actor, str(r, "display_name")), "user"); });

    t.route("GET", S("/api/me/export"), Access::Api, S("me"),
            S("Everything held about the caller (never a secret or a hash of one); allowed while restricted"))
        .returns(200, object({{S("user"), meSchema(), true},
                              {S("workspaces"), arrayOf(anyObject()), true},
                              {S("api_keys"), arrayOf(anyObject()), true},
                              {S("audit"), arrayOf(anyObject()), true}}))
        .errors({401})
        .handle([&s](HttpRequest &r) {
            auto e = s.dsar.exportData(r.actor);
            if (!e)
                return HttpResponse::error(e.error());
            return HttpResponse::json(200, *e);
        });

    const QJsonObject deletion = wrapped(S("deletion"), deletionSchema());
    t.route("POST", S("/api/me/delete"), Access::Api, S("me"),
            S("Schedule the deletion of the caller's account (and the workspaces it owns) after a grace period "
              "of 30 days; asking again keeps the first date"))
        .returns(202, deletion).errors({401})
        .handle([&s](HttpRequest &r) { return wrapped(s.dsar.requestDeletion(r.actor), "deletion", 202); });
    t.route("POST", S("/api/me/delete/cancel"), Access::Api, S("me"), S("Cancel a scheduled deletion"))
        .returns(200, deletion).errors({401, 409})
        .handle([&s](HttpRequest &r) { return wrapped(s.dsar.cancelDeletion(r.actor), "deletion"); });
    t.route("POST", S("/api/me/restrict"), Access::Api, S("me"),
            S("Restrict (or lift the restriction of) the processing of the caller's data: while restricted, "
              "reads, export, deletion and lifting still work; every other write answers 403"))
        .body(object({{S("restricted"), boolean(), true}}))
        .returns(200, object({{S("restricted"), boolean(), true}})).errors({401, 422})
        .handle([&s](HttpRequest &r) {
            auto now = s.dsar.setRestricted(r.actor, r.bodyObject().value(S("restricted")).toBool());
            if (!now)
                return HttpResponse::error(now.error());
            return HttpResponse::json(200, QJsonObject{{S("restricted"), *now}});
        });
    t.route("POST", S("/api/me/object"), Access::Api, S("me"), S("Object (or stop objecting) to a purpose of processing"))
        .body(object({{S("purpose"), enumOf(DsarService::purposes()), true}, {S("objected"), boolean(), true}}))
        .returns(200, wrapped(S("objection"), object({{S("purpose"), enumOf(DsarService::purposes()), true},
                                                      {S("objected"), boolean(), true},
                                                      {S("updated_at"), dateTime(), true}})))
        .errors({401, 422})
        .handle([&s](HttpRequest &r) {
            const QJsonObject b = r.bodyObject();
            return wrapped(s.dsar.object(r.actor, b.value(S("purpose")).toString(), b.value(S("objected")).toBool()),
                           "objection");
        });
}

} // namespace wfx
