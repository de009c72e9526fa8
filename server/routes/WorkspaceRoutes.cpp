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

namespace {

// A workspace or a project on `path` (/api/<tag>/{id}): read, renamed (a name of 1
// to 200 characters) and deleted by the same three routes, each answering
// {"<key>": ...}.
template <typename Read, typename Rename, typename Remove>
void addReadRenameRemove(RouteTable &routes, WorkspaceService &service, const QString &path,
                         const Answer &answer, const QString &renameSummary,
                         const QString &removeSummary, Read read, Rename rename, Remove remove)
{
    const QString tag = path.section(u'/', 2, 2);
    const QString param = idParam(path);
    addRead(routes, path, tag, u"Get a "_s + answer.key, Proxy::Off, answer, service, read);
    routes.route("PATCH", path, Access::Api, tag, renameSummary)
        .body(object({{u"name"_s, string(1, 200), true}}))
        .returns(200, wrapped(answer.key, answer.schema))
        .errors({403, 404})
        .handle([&service, rename, param, key = answer.key](HttpRequest &request) {
            const QString id = request.param(param);
            return wrapped(std::invoke(rename, service, request.actor, id, str(request, "name")),
                           key);
        });
    routes.route("DELETE", path, Access::Api, tag, removeSummary)
        .returns(204, {})
        .errors({403, 404})
        .handle([&service, remove, param](HttpRequest &request) {
            return done(std::invoke(remove, service, request.actor, request.param(param)));
        });
}

} // namespace

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
            .paged(ws)
            .handle(pagedBy(services.workspaces, &WorkspaceService::list));
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
    addReadRenameRemove(
        routes, services.workspaces, u"/api/workspaces/{workspace_id}"_s, {u"workspace"_s, ws},
        u"Rename a workspace (admin)"_s, u"Delete a workspace and everything in it (owner)"_s,
        &WorkspaceService::get, &WorkspaceService::rename, &WorkspaceService::remove);
    routes
        .route("GET", u"/api/workspaces/{workspace_id}/invitations"_s, Access::Api, u"workspaces"_s,
               u"Invitations of a workspace (admin)"_s)
        .paged(invitation)
        .errors({403, 404})
        .handle(pagedBy([&services](HttpRequest &request, int limit, const QString &cursor) {
            return services.workspaces.invitations(request.actor, request.param(u"workspace_id"_s),
                                                   limit, cursor);
        }));
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
            .paged(project)
            .errors({404})
            .handle(pagedBy([&services](HttpRequest &request, int limit, const QString &cursor) {
                return services.workspaces.listProjects(
                    request.actor, request.query<QString>(u"workspace_id"_s), limit, cursor);
            }));
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
    addReadRenameRemove(routes, services.workspaces, u"/api/projects/{project_id}"_s,
                        {u"project"_s, project}, u"Rename a project (member)"_s,
                        u"Delete a project and its runs (admin)"_s, &WorkspaceService::getProject,
                        &WorkspaceService::renameProject, &WorkspaceService::removeProject);
}

} // namespace wfx
