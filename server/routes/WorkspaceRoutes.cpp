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

void addWorkspaceRoutes(RouteTable &routes, Services &services)
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

    // The Cloud routes and their named dashboard (BFF) twins act on the same model layer.
    for (const Twin &twin :
         {Twin{u"/api/workspaces"_s, Access::Api, u"Workspaces the caller is a member of"_s},
          Twin{u"/api/cloud/workspaces"_s, Access::Session,
               u"Workspaces of the user (as GET /api/workspaces)"_s}}) {
        routes.route("GET", twin.path, twin.access, twin.tag(u"workspaces"_s), twin.summary)
            .proxiedIf(twin.isCloud(), {u"limit"_s, u"cursor"_s})
            .paged()
            .returns(200, page(ws))
            .errors({422})
            .handle([&services](HttpRequest &request) {
                const HttpRequest::Page paging = request.page();
                return paged(services.workspaces.list(request.actor, paging.limit, paging.cursor));
            });
    }
    for (const Twin &twin :
         {Twin{u"/api/workspaces"_s, Access::Api, u"Create a workspace (the caller owns it)"_s},
          Twin{u"/api/cloud/workspaces"_s, Access::Session,
               u"Create a workspace (as POST /api/workspaces)"_s}}) {
        routes.route("POST", twin.path, twin.access, twin.tag(u"workspaces"_s), twin.summary)
            .proxiedIf(twin.isCloud())
            .body(object({{u"name"_s, string(1, 200), true}}))
            .returns(201, wrapped(u"workspace"_s, ws))
            .errors({403})
            .handle([&services](HttpRequest &request) {
                return wrapped(services.workspaces.create(request.actor, str(request, "name")),
                               "workspace", 201);
            });
    }
    routes
        .route("GET", u"/api/workspaces/{workspace_id}"_s, Access::Api, u"workspaces"_s,
               u"Get a workspace"_s)
        .returns(200, wrapped(u"workspace"_s, ws))
        .errors({404})
        .handle([&services](HttpRequest &request) {
            return wrapped(services.workspaces.get(request.actor, request.param(u"workspace_id"_s)),
                           "workspace");
        });
    routes
        .route("PATCH", u"/api/workspaces/{workspace_id}"_s, Access::Api, u"workspaces"_s,
               u"Rename a workspace (admin)"_s)
        .body(object({{u"name"_s, string(1, 200), true}}))
        .returns(200, wrapped(u"workspace"_s, ws))
        .errors({403, 404})
        .handle([&services](HttpRequest &request) {
            return wrapped(services.workspaces.rename(request.actor,
                                                      request.param(u"workspace_id"_s),
                                                      str(request, "name")),
                           "workspace");
        });
    routes
        .route("DELETE", u"/api/workspaces/{workspace_id}"_s, Access::Api, u"workspaces"_s,
               u"Delete a workspace and everything in it (owner)"_s)
        .returns(204, {})
        .errors({403, 404})
        .handle([&services](HttpRequest &request) {
            return done(
                services.workspaces.remove(request.actor, request.param(u"workspace_id"_s)));
        });
    routes
        .route("GET", u"/api/workspaces/{workspace_id}/invitations"_s, Access::Api, u"workspaces"_s,
               u"Invitations of a workspace (admin)"_s)
        .paged()
        .returns(200, page(invitation))
        .errors({403, 404, 422})
        .handle([&services](HttpRequest &request) {
            const HttpRequest::Page paging = request.page();
            return paged(services.workspaces.invitations(
                request.actor, request.param(u"workspace_id"_s), paging.limit, paging.cursor));
        });
    routes
        .route("POST", u"/api/workspaces/{workspace_id}/invitations"_s, Access::Api,
               u"workspaces"_s, u"Invite someone by email (admin); the token is shown once"_s)
        .body(object({{u"email"_s, string(3, 254), true},
                      {u"role"_s, enumOf({u"admin"_s, u"member"_s, u"viewer"_s})}}))
        .returns(201, wrapped(u"invitation"_s, invitation,
                              {{u"token"_s, string(), true}, {u"url"_s, string(), true}}))
        .errors({403, 404})
        .handle([&services](HttpRequest &request) {
            auto inv = services.workspaces.invite(request.actor, request.param(u"workspace_id"_s),
                                                  str(request, "email"), str(request, "role"));
            if (!inv)
                return HttpResponse::error(inv.error());
            return HttpResponse::json(
                201, QJsonObject{{u"invitation"_s, inv->invitation.toJson()},
                                 {u"token"_s, inv->token},
                                 {u"url"_s, QString(u"/invitations/"_s + inv->token)}});
        });
    routes
        .route("PATCH", u"/api/workspaces/{workspace_id}/transfer-ownership"_s, Access::Api,
               u"workspaces"_s, u"Transfer ownership to another member (owner)"_s)
        .body(object({{u"new_owner_id"_s, uuid(), true}}))
        .returns(200, wrapped(u"workspace"_s, ws))
        .errors({403, 404})
        .handle([&services](HttpRequest &request) {
            return wrapped(services.workspaces.transferOwnership(request.actor,
                                                                 request.param(u"workspace_id"_s),
                                                                 str(request, "new_owner_id")),
                           "workspace");
        });

    const QJsonObject project = projectSchema();
    for (const Twin &twin :
         {Twin{u"/api/projects"_s, Access::Api, u"Projects, optionally of one workspace"_s},
          Twin{u"/api/cloud/projects"_s, Access::Session,
               u"Projects, optionally of one workspace (as GET /api/projects)"_s}}) {
        routes.route("GET", twin.path, twin.access, twin.tag(u"projects"_s), twin.summary)
            .proxiedIf(twin.isCloud(), {u"limit"_s, u"cursor"_s, u"workspace_id"_s})
            .query(u"workspace_id"_s, uuid())
            .paged()
            .returns(200, page(project))
            .errors({404, 422})
            .handle([&services](HttpRequest &request) {
                const HttpRequest::Page paging = request.page();
                return paged(services.workspaces.listProjects(
                    request.actor, request.query<QString>(u"workspace_id"_s), paging.limit,
                    paging.cursor));
            });
    }
    for (const Twin &twin : {Twin{u"/api/projects"_s, Access::Api, u"Create a project (member)"_s},
                             Twin{u"/api/cloud/projects"_s, Access::Session,
                                  u"Create a project (as POST /api/projects)"_s}}) {
        routes.route("POST", twin.path, twin.access, twin.tag(u"projects"_s), twin.summary)
            .proxiedIf(twin.isCloud())
            .body(object({{u"workspace_id"_s, uuid(), true}, {u"name"_s, string(1, 200), true}}))
            .returns(201, wrapped(u"project"_s, project))
            .errors({403, 404})
            .handle([&services](HttpRequest &request) {
                return wrapped(services.workspaces.createProject(request.actor,
                                                                 str(request, "workspace_id"),
                                                                 str(request, "name")),
                               "project", 201);
            });
    }
    routes
        .route("GET", u"/api/projects/{project_id}"_s, Access::Api, u"projects"_s,
               u"Get a project"_s)
        .returns(200, wrapped(u"project"_s, project))
        .errors({404})
        .handle([&services](HttpRequest &request) {
            return wrapped(
                services.workspaces.getProject(request.actor, request.param(u"project_id"_s)),
                "project");
        });
    routes
        .route("PATCH", u"/api/projects/{project_id}"_s, Access::Api, u"projects"_s,
               u"Rename a project (member)"_s)
        .body(object({{u"name"_s, string(1, 200), true}}))
        .returns(200, wrapped(u"project"_s, project))
        .errors({403, 404})
        .handle([&services](HttpRequest &request) {
            return wrapped(services.workspaces.renameProject(
                               request.actor, request.param(u"project_id"_s), str(request, "name")),
                           "project");
        });
    routes
        .route("DELETE", u"/api/projects/{project_id}"_s, Access::Api, u"projects"_s,
               u"Delete a project and its runs (admin)"_s)
        .returns(204, {})
        .errors({403, 404})
        .handle([&services](HttpRequest &request) {
            return done(
                services.workspaces.removeProject(request.actor, request.param(u"project_id"_s)));
        });
}

} // namespace wfx
