// SPDX-License-Identifier: Apache-2.0
// Workspaces (members, invitations, ownership transfer) and projects.
#include "routes/RouteUtil.h"
#include "routes/Routes.h"

#include "core/RouteTable.h"
#include "core/Schema.h"
#include "core/Services.h"

namespace wfx {

using namespace schema;
using namespace routeutil;

QJsonObject workspaceSchema()
{
    const QJsonObject limits = object({{S("runs"), integer(0, 9007199254740991), true},
                                       {S("artifact_bytes"), integer(0, 9007199254740991), true},
                                       {S("compute_seconds"), integer(0, 9007199254740991), true}});
    return object({{S("id"), uuid(), true},
                   {S("name"), string(1, 200), true},
                   {S("owner_id"), uuid(), true},
                   {S("plan"), enumOf({S("free"), S("pro"), S("team")}), true},
                   {S("limits"), limits, true},
                   {S("role"), enumOf({S("owner"), S("admin"), S("member"), S("viewer")})},
                   {S("created_at"), dateTime(), true}});
}

QJsonObject projectSchema()
{
    return object({{S("id"), uuid(), true}, {S("workspace_id"), uuid(), true}, {S("name"), string(1, 200), true},
                   {S("created_at"), dateTime(), true}});
}

void addWorkspaceRoutes(RouteTable &t, Services &s)
{
    const QJsonObject ws = workspaceSchema();
    const QJsonObject invitation = object({{S("id"), uuid(), true}, {S("workspace_id"), uuid(), true},
                                           {S("email"), string(), true}, {S("role"), enumOf({S("admin"), S("member"), S("viewer")}), true},
                                           {S("state"), enumOf({S("pending"), S("accepted"), S("revoked"), S("expired")}), true},
                                           {S("created_at"), dateTime(), true}, {S("expires_at"), dateTime(), true}});

    t.route("GET", S("/api/workspaces"), Access::Api, S("workspaces"), S("Workspaces the caller is a member of"))
        .paged().returns(200, page(ws)).errors({422})
        .handle([&s](HttpRequest &r) {
            auto p = pageArgs(r);
            if (!p)
                return HttpResponse::error(p.error());
            return paged(s.workspaces.list(r.actor, p->limit, p->cursor));
        });
    t.route("POST", S("/api/workspaces"), Access::Api, S("workspaces"), S("Create a workspace (the caller owns it)"))
        .body(object({{S("name"), string(1, 200), true}}))
        .returns(201, wrapped(S("workspace"), ws)).errors({403})
        .handle([&s](HttpRequest &r) { return wrapped(s.workspaces.create(r.actor, str(r, "name")), "workspace", 201); });
    t.route("GET", S("/api/workspaces/{workspace_id}"), Access::Api, S("workspaces"), S("Get a workspace"))
        .returns(200, wrapped(S("workspace"), ws)).errors({404})
        .handle([&s](HttpRequest &r) { return wrapped(s.workspaces.get(r.actor, r.param(S("workspace_id"))), "workspace"); });
    t.route("PATCH", S("/api/workspaces/{workspace_id}"), Access::Api, S("workspaces"), S("Rename a workspace (admin)"))
        .body(object({{S("name"), string(1, 200), true}}))
        .returns(200, wrapped(S("workspace"), ws)).errors({403, 404})
        .handle([&s](HttpRequest &r) {
            return wrapped(s.workspaces.rename(r.actor, r.param(S("workspace_id")), str(r, "name")), "workspace");
        });
    t.route("DELETE", S("/api/workspaces/{workspace_id}"), Access::Api, S("workspaces"),
            S("Delete a workspace and everything in it (owner)"))
        .returns(204, {}).errors({403, 404})
        .handle([&s](HttpRequest &r) { return done(s.workspaces.remove(r.actor, r.param(S("workspace_id")))); });
    t.route("GET", S("/api/workspaces/{workspace_id}/invitations"), Access::Api, S("workspaces"),
            S("Invitations of a workspace (admin)"))
        .paged().returns(200, page(invitation)).errors({403, 404, 422})
        .handle([&s](HttpRequest &r) {
            auto p = pageArgs(r);
            if (!p)
                return HttpResponse::error(p.error());
            return paged(s.workspaces.invitations(r.actor, r.param(S("workspace_id")), p->limit, p->cursor));
        });
    t.route("POST", S("/api/workspaces/{workspace_id}/invitations"), Access::Api, S("workspaces"),
            S("Invite someone by email (admin); the token is shown once"))
        .body(object({{S("email"), string(3, 254), true}, {S("role"), enumOf({S("admin"), S("member"), S("viewer")})}}))
        .returns(201, wrapped(S("invitation"), invitation, {{S("token"), string(), true}, {S("url"), string(), true}}))
        .errors({403, 404})
        .handle([&s](HttpRequest &r) {
            auto inv = s.workspaces.invite(r.actor, r.param(S("workspace_id")), str(r, "email"), str(r, "role"));
            if (!inv)
                return HttpResponse::error(inv.error());
            return HttpResponse::json(201, QJsonObject{{S("invitation"), inv->invitation.toJson()},
                                                       {S("token"), inv->token},
                                                       {S("url"), QString(S("/invitations/") + inv->token)}});
        });
    t.route("PATCH", S("/api/workspaces/{workspace_id}/transfer-ownership"), Access::Api, S("workspaces"),
            S("Transfer ownership to another member (owner)"))
        .body(object({{S("new_owner_id"), uuid(), true}}))
        .returns(200, wrapped(S("workspace"), ws)).errors({403, 404})
        .handle([&s](HttpRequest &r) {
            return wrapped(s.workspaces.transferOwnership(r.actor, r.param(S("workspace_id")), str(r, "new_owner_id")),
                           "workspace");
        });

    const QJsonObject project = projectSchema();
    t.route("GET", S("/api/projects"), Access::Api, S("projects"), S("Projects, optionally of one workspace"))
        .query(S("workspace_id"), uuid()).paged().returns(200, page(project)).errors({404, 422})
        .handle([&s](HttpRequest &r) {
            auto p = pageArgs(r);
            if (!p)
                return HttpResponse::error(p.error());
            return paged(s.workspaces.listProjects(r.actor, r.queryValue(S("workspace_id")), p->limit, p->cursor));
        });
    t.route("POST", S("/api/projects"), Access::Api, S("projects"), S("Create a project (member)"))
        .body(object({{S("workspace_id"), uuid(), true}, {S("name"), string(1, 200), true}}))
        .returns(201, wrapped(S("project"), project)).errors({403, 404})
        .handle([&s](HttpRequest &r) {
            return wrapped(s.workspaces.createProject(r.actor, str(r, "workspace_id"), str(r, "name")), "project", 201);
        });
    t.route("GET", S("/api/projects/{project_id}"), Access::Api, S("projects"), S("Get a project"))
        .returns(200, wrapped(S("project"), project)).errors({404})
        .handle([&s](HttpRequest &r) { return wrapped(s.workspaces.getProject(r.actor, r.param(S("project_id"))), "project"); });
    t.route("PATCH", S("/api/projects/{project_id}"), Access::Api, S("projects"), S("Rename a project (member)"))
        .body(object({{S("name"), string(1, 200), true}}))
        .returns(200, wrapped(S("project"), project)).errors({403, 404})
        .handle([&s](HttpRequest &r) {
            return wrapped(s.workspaces.renameProject(r.actor, r.param(S("project_id")), str(r, "name")), "project");
        });
    t.route("DELETE", S("/api/projects/{project_id}"), Access::Api, S("projects"), S("Delete a project and its runs (admin)"))
        .returns(204, {}).errors({403, 404})
        .handle([&s](HttpRequest &r) { return done(s.workspaces.removeProject(r.actor, r.param(S("project_id")))); });
}

} // namespace wfx
