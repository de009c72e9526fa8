// SPDX-License-Identifier: Apache-2.0
// Workspaces (members, invitations, ownership transfer) and projects.
#include "server/routes/RouteUtil.h"
#include "server/routes/Routes.h"

#include "server/core/RouteTable.h"
#include "server/core/Schema.h"
#include "server/core/Services.h"
#include "server/core/ShapeSchema.h"

using namespace Qt::StringLiterals;

namespace wfx {

using namespace schema;
using namespace routeutil;

QJsonObject workspaceSchema()
{
    return schema::of(kWorkspaceFields, shape::Api);
}

QJsonObject projectSchema()
{
    return object({{u"id"_s, uuid(), true},
                   {u"workspace_id"_s, uuid(), true},
                   {u"name"_s, string(1, 200), true},
                   {u"created_at"_s, dateTime(), true}});
}

void addWorkspaceRoutes(RouteTable &t, Services &s)
{
    const QJsonObject ws = workspaceSchema();
    const QJsonObject invitation = object(
        {{u"id"_s, uuid(), true},
         {u"workspace_id"_s, uuid(), true},
         {u"email"_s, string(), true},
         {u"role"_s, enumOf({u"admin"_s, u"member"_s, u"viewer"_s}), true},
         {u"state"_s, enumOf({u"pending"_s, u"accepted"_s, u"revoked"_s, u"expired"_s}), true},
         {u"created_at"_s, dateTime(), true},
         {u"expires_at"_s, dateTime(), true}});

    t.route("GET", u"/api/workspaces"_s, Access::Api, u"workspaces"_s,
            u"Workspaces the caller is a member of"_s)
        .paged()
        .returns(200, page(ws))
        .errors({422})
        .handle([&s](HttpRequest &r) {
            auto p = pageArgs(r);
            if (!p)
                return HttpResponse::error(p.error());
            return paged(s.workspaces.list(r.actor, p->limit, p->cursor));
        });
    t.route("POST", u"/api/workspaces"_s, Access::Api, u"workspaces"_s,
            u"Create a workspace (the caller owns it)"_s)
        .body(object({{u"name"_s, string(1, 200), true}}))
        .returns(201, wrapped(u"workspace"_s, ws))
        .errors({403})
        .handle([&s](HttpRequest &r) {
            return wrapped(s.workspaces.create(r.actor, str(r, "name")), "workspace", 201);
        });
    t.route("GET", u"/api/workspaces/{workspace_id}"_s, Access::Api, u"workspaces"_s,
            u"Get a workspace"_s)
        .returns(200, wrapped(u"workspace"_s, ws))
        .errors({404})
        .handle([&s](HttpRequest &r) {
            return wrapped(s.workspaces.get(r.actor, r.param(u"workspace_id"_s)), "workspace");
        });
    t.route("PATCH", u"/api/workspaces/{workspace_id}"_s, Access::Api, u"workspaces"_s,
            u"Rename a workspace (admin)"_s)
        .body(object({{u"name"_s, string(1, 200), true}}))
        .returns(200, wrapped(u"workspace"_s, ws))
        .errors({403, 404})
        .handle([&s](HttpRequest &r) {
            return wrapped(s.workspaces.rename(r.actor, r.param(u"workspace_id"_s), str(r, "name")),
                           "workspace");
        });
    t.route("DELETE", u"/api/workspaces/{workspace_id}"_s, Access::Api, u"workspaces"_s,
            u"Delete a workspace and everything in it (owner)"_s)
        .returns(204, {})
        .errors({403, 404})
        .handle([&s](HttpRequest &r) {
            return done(s.workspaces.remove(r.actor, r.param(u"workspace_id"_s)));
        });
    t.route("GET", u"/api/workspaces/{workspace_id}/invitations"_s, Access::Api, u"workspaces"_s,
            u"Invitations of a workspace (admin)"_s)
        .paged()
        .returns(200, page(invitation))
        .errors({403, 404, 422})
        .handle([&s](HttpRequest &r) {
            auto p = pageArgs(r);
            if (!p)
                return HttpResponse::error(p.error());
            return paged(
                s.workspaces.invitations(r.actor, r.param(u"workspace_id"_s), p->limit, p->cursor));
        });
    t.route("POST", u"/api/workspaces/{workspace_id}/invitations"_s, Access::Api, u"workspaces"_s,
            u"Invite someone by email (admin); the token is shown once"_s)
        .body(object({{u"email"_s, string(3, 254), true},
                      {u"role"_s, enumOf({u"admin"_s, u"member"_s, u"viewer"_s})}}))
        .returns(201, wrapped(u"invitation"_s, invitation,
                              {{u"token"_s, string(), true}, {u"url"_s, string(), true}}))
        .errors({403, 404})
        .handle([&s](HttpRequest &r) {
            auto inv = s.workspaces.invite(r.actor, r.param(u"workspace_id"_s), str(r, "email"),
                                           str(r, "role"));
            if (!inv)
                return HttpResponse::error(inv.error());
            return HttpResponse::json(
                201, QJsonObject{{u"invitation"_s, inv->invitation.toJson()},
                                 {u"token"_s, inv->token},
                                 {u"url"_s, QString(u"/invitations/"_s + inv->token)}});
        });
    t.route("PATCH", u"/api/workspaces/{workspace_id}/transfer-ownership"_s, Access::Api,
            u"workspaces"_s, u"Transfer ownership to another member (owner)"_s)
        .body(object({{u"new_owner_id"_s, uuid(), true}}))
        .returns(200, wrapped(u"workspace"_s, ws))
        .errors({403, 404})
        .handle([&s](HttpRequest &r) {
            return wrapped(s.workspaces.transferOwnership(r.actor, r.param(u"workspace_id"_s),
                                                          str(r, "new_owner_id")),
                           "workspace");
        });

    const QJsonObject project = projectSchema();
    t.route("GET", u"/api/projects"_s, Access::Api, u"projects"_s,
            u"Projects, optionally of one workspace"_s)
        .query(u"workspace_id"_s, uuid())
        .paged()
        .returns(200, page(project))
        .errors({404, 422})
        .handle([&s](HttpRequest &r) {
            auto p = pageArgs(r);
            if (!p)
                return HttpResponse::error(p.error());
            return paged(s.workspaces.listProjects(r.actor, r.queryValue(u"workspace_id"_s),
                                                   p->limit, p->cursor));
        });
    t.route("POST", u"/api/projects"_s, Access::Api, u"projects"_s, u"Create a project (member)"_s)
        .body(object({{u"workspace_id"_s, uuid(), true}, {u"name"_s, string(1, 200), true}}))
        .returns(201, wrapped(u"project"_s, project))
        .errors({403, 404})
        .handle([&s](HttpRequest &r) {
            return wrapped(
                s.workspaces.createProject(r.actor, str(r, "workspace_id"), str(r, "name")),
                "project", 201);
        });
    t.route("GET", u"/api/projects/{project_id}"_s, Access::Api, u"projects"_s, u"Get a project"_s)
        .returns(200, wrapped(u"project"_s, project))
        .errors({404})
        .handle([&s](HttpRequest &r) {
            return wrapped(s.workspaces.getProject(r.actor, r.param(u"project_id"_s)), "project");
        });
    t.route("PATCH", u"/api/projects/{project_id}"_s, Access::Api, u"projects"_s,
            u"Rename a project (member)"_s)
        .body(object({{u"name"_s, string(1, 200), true}}))
        .returns(200, wrapped(u"project"_s, project))
        .errors({403, 404})
        .handle([&s](HttpRequest &r) {
            return wrapped(
                s.workspaces.renameProject(r.actor, r.param(u"project_id"_s), str(r, "name")),
                "project");
        });
    t.route("DELETE", u"/api/projects/{project_id}"_s, Access::Api, u"projects"_s,
            u"Delete a project and its runs (admin)"_s)
        .returns(204, {})
        .errors({403, 404})
        .handle([&s](HttpRequest &r) {
            return done(s.workspaces.removeProject(r.actor, r.param(u"project_id"_s)));
        });
}

} // namespace wfx
