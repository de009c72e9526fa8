// SPDX-License-Identifier: Apache-2.0
// The dashboard BFF's named routes (/api/cloud/*, /api/workspace/selection,
// /api/e2e/cli-sync): session cookie + CSRF (the dispatcher checks both); each
// acts for the signed-in user on the same services as its Cloud counterpart and
// answers the same shapes. Under E2E fixtures the run routes answer from the
// in-memory fixture store instead (CONTRACT.md section 6).
#include "server/routes/RouteUtil.h"
#include "server/routes/Routes.h"

#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/crypto/Crypto.h"
#include "models/runs/RunJson.h"
#include "models/runs/StagingService.h"
#include "server/bff/E2eFixtures.h"
#include "server/core/Dispatcher.h"
#include "server/core/RouteTable.h"
#include "server/core/Schema.h"
#include "server/core/Services.h"
#include "server/core/ShapeSchema.h"

#include <QtMath>

#include <memory>

using namespace Qt::StringLiterals;

namespace wfx {

QJsonObject retentionProofSchema(); // RunRoutes.cpp

using namespace schema;
using namespace routeutil;

namespace {

const QString kSampleProject = QStringLiteral("Sample project");
constexpr int kSamplePoints = 300;

QJsonObject bffRunSchema()
{
    return schema::of(kRunFields<Run>, shape::Bff);
}

QJsonObject bffShareSchema()
{
    return schema::of(kShareFields, shape::Bff);
}

HttpResponse unsupported(const QByteArray &allow, const QString &why)
{
    HttpResponse response = HttpResponse::error(405, u"unsupported_action"_s, why);
    response.header("Allow", allow);
    return response;
}

// The workspace remembered for this session by POST /api/workspace/selection.
QString selectedWorkspace(Services &services, const HttpRequest &request)
{
    if (request.sessionToken.isEmpty())
        return {};
    auto in = services.accounts.authenticate(request.sessionToken);
    return in ? in->session.selectedWorkspaceId : QString();
}

// The body of a handler-validated route (see RouteBuilder::bodyCheckedByHandler).
Result<QJsonObject> checkedBody(const HttpRequest &request, const QJsonObject &schema)
{
    auto v = Dispatcher::parseJson(request.body, schema);
    if (!v)
        return v.error();
    return v->toObject();
}

HttpResponse runPage(const Result<Page<Run>> &p)
{
    return paged(p);
}

// The given workspace, else the session's selection, else the caller's first.
Result<QString> sampleWorkspace(Services &services, const HttpRequest &request,
                                const QString &given)
{
    if (!given.isEmpty())
        return given;
    if (const QString sel = selectedWorkspace(services, request); !sel.isEmpty())
        return sel;
    auto first = services.workspaces.list(request.actor, 1, {});
    if (!first)
        return first.error();
    if (first->items.isEmpty())
        return Error::validation(u"workspace_id"_s, u"required"_s,
                                 u"Create a workspace first, or name one."_s);
    return first->items.first().id;
}

// The workspace's "Sample project", created on first use.
Result<QString> sampleProject(Services &services, const Actor &actor, const QString &workspaceId)
{
    QString cursor;
    for (int page = 0; page < 100; ++page) {
        auto p = services.workspaces.listProjects(actor, workspaceId, cursor::kMaxLimit, cursor);
        if (!p)
            return p.error();
        for (const Project &project : p->items) {
            if (project.name == kSampleProject)
                return project.id;
        }
        if (p->nextCursor.isEmpty())
            break;
        cursor = p->nextCursor;
    }
    auto created = services.workspaces.createProject(actor, workspaceId, kSampleProject);
    if (!created)
        return created.error();
    return created->id;
}

// A plausible training run: a decaying loss curve with a little ripple, a
// manifest and a short log. The client_run_id is unique per call.
QJsonObject sampleRunBody(const QString &projectId, qint64 nowMs)
{
    const QString tag = ids::newUuid();
    QJsonArray metrics;
    for (int i = 0; i < kSamplePoints; ++i) {
        const double step = i * 10.0;
        const double loss =
            0.12 + 2.3 * qExp(-step / 700.0) + 0.05 * qSin(step * 0.37) * qExp(-step / 1500.0);
        metrics.append(QJsonObject{{u"name"_s, u"loss"_s}, {u"step"_s, step}, {u"value"_s, loss}});
    }
    const QString log = u"[sample] WorldFlux sample run\n"
                        "[sample] env=dmc:walker-walk algo=dreamer-v3 seed=1\n"
                        "[sample] step 0 loss 2.42\n"
                        "[sample] step 1500 loss 0.33\n"
                        "[sample] step 2990 loss 0.15\n"
                        "[sample] done: 300 loss points\n"_s;
    return {{u"project_id"_s, projectId},
            {u"client_run_id"_s, QString(u"sample-"_s + tag)},
            {u"name"_s, QString(u"sample-dreamer-v3-"_s + tag.left(8))},
            {u"status"_s, u"completed"_s},
            {u"started_at"_s, ids::formatTime(nowMs - 3600'000)},
            {u"finished_at"_s, ids::formatTime(nowMs)},
            {u"manifest"_s, QJsonObject{{u"sample"_s, true},
                                        {u"algorithm"_s, u"dreamer-v3"_s},
                                        {u"environment"_s, u"dmc:walker-walk"_s},
                                        {u"seed"_s, 1},
                                        {u"steps"_s, (kSamplePoints - 1) * 10}}},
            {u"metrics"_s, metrics},
            {u"log"_s, log}};
}

} // namespace

void addBffRoutes(RouteTable &routes, Services &services)
{
    auto fixtures = std::make_shared<E2eFixtures>();
    const QJsonObject user = userSchema(Presence::Optional);
    const QJsonObject run = bffRunSchema();
    const QJsonObject share = bffShareSchema();
    const QJsonObject byId = object({{u"id"_s, uuid(), true}});

    // ---------------------------------------------------------------- profile and DSAR
    routes
        .route("GET", u"/api/cloud/me"_s, Access::Session, u"bff"_s,
               u"The signed-in user (as GET /api/me)"_s)
        .returns(200, wrapped(u"user"_s, user))
        .errors({401, 403})
        .handle([&services](HttpRequest &request) {
            return wrapped(services.accounts.me(request.actor), "user");
        });
    routes
        .route("PATCH", u"/api/cloud/me"_s, Access::Session, u"bff"_s,
               u"Update the profile (as PATCH /api/me)"_s)
        .body(object({{u"display_name"_s, string(0, AccountService::kMaxDisplayNameLength), true}}))
        .returns(200, wrapped(u"user"_s, user))
        .errors({401, 403, 422})
        .handle([&services](HttpRequest &request) {
            return wrapped(
                services.accounts.updateProfile(request.actor, str(request, "display_name")),
                "user");
        });
    routes
        .route("POST", u"/api/cloud/me"_s, Access::Session, u"bff"_s,
               u"Data-subject actions (as /api/me/*): export, delete, cancel_delete, restrict "
               u"{restricted}, "
               "object {purpose, objected}"_s)
        .body(object(
            {{u"action"_s,
              enumOf({u"export"_s, u"delete"_s, u"cancel_delete"_s, u"restrict"_s, u"object"_s}),
              true},
             {u"restricted"_s, boolean()},
             {u"purpose"_s, enumOf(DsarService::purposes())},
             {u"objected"_s, boolean()}}))
        .returns(
            200,
            describe(
                object({{u"deletion"_s, deletionSchema()},
                        {u"restricted"_s, boolean()},
                        {u"objection"_s, object({{u"purpose"_s, string(), true},
                                                 {u"objected"_s, boolean(), true},
                                                 {u"updated_at"_s, dateTime(), true}})},
                        {u"user"_s, anyObject()}}),
                u"export: the export document (user, workspaces, api_keys, audit, ...); delete "
                "(202) and cancel_delete: {deletion}; restrict: {restricted}; object: {objection}"_s))
        .errors({401, 403, 409, 422})
        .handle([&services](HttpRequest &request) {
            const QJsonObject b = request.bodyObject();
            const QString action = b.value(u"action"_s).toString();
            if (action == QLatin1String("export")) {
                auto e = services.dsar.exportData(request.actor);
                return e ? HttpResponse::json(200, *e) : HttpResponse::error(e.error());
            }
            if (action == QLatin1String("delete") || action == QLatin1String("cancel_delete")) {
                const bool del = action == QLatin1String("delete");
                auto d = del ? services.dsar.requestDeletion(request.actor)
                             : services.dsar.cancelDeletion(request.actor);
                return wrapped(d, "deletion", del ? 202 : 200);
            }
            if (action == QLatin1String("restrict")) {
                if (!b.value(u"restricted"_s).isBool())
                    return HttpResponse::error(
                        Error::validation(u"restricted"_s, u"required"_s,
                                          u"restrict needs restricted: true or false."_s));
                auto now =
                    services.dsar.setRestricted(request.actor, b.value(u"restricted"_s).toBool());
                return now ? HttpResponse::json(200, QJsonObject{{u"restricted"_s, *now}})
                           : HttpResponse::error(now.error());
            }
            // object
            Error e{ErrorCode::Validation, u"object needs purpose and objected."_s};
            if (!b.contains(u"purpose"_s))
                e.details.append({u"purpose"_s, u"required"_s});
            if (!b.value(u"objected"_s).isBool())
                e.details.append({u"objected"_s, u"required"_s});
            if (!e.details.isEmpty())
                return HttpResponse::error(e);
            return wrapped(services.dsar.object(request.actor, b.value(u"purpose"_s).toString(),
                                                b.value(u"objected"_s).toBool()),
                           "objection");
        });

    // ---------------------------------------------------------------- workspaces and projects
    // Listing and creating: served with the Cloud routes (WorkspaceRoutes.cpp).
    routes
        .route("DELETE", u"/api/cloud/workspaces"_s, Access::Session, u"bff"_s,
               u"Delete a workspace, id in the body (as DELETE /api/workspaces/{id}; owner)"_s)
        .body(byId)
        .returns(204, {})
        .errors({401, 403, 404, 422})
        .handle([&services](HttpRequest &request) {
            return done(services.workspaces.remove(request.actor, str(request, "id")));
        });

    routes
        .route(
            "DELETE", u"/api/cloud/projects"_s, Access::Session, u"bff"_s,
            u"Delete a project and its runs, id in the body (as DELETE /api/projects/{id}; admin)"_s)
        .body(byId)
        .returns(204, {})
        .errors({401, 403, 404, 422})
        .handle([&services](HttpRequest &request) {
            return done(services.workspaces.removeProject(request.actor, str(request, "id")));
        });
    routes
        .route("POST", u"/api/cloud/projects/{projectId}/staging-retention-proof"_s,
               Access::Session, u"bff"_s,
               u"Staging only (405 otherwise): the signed retention proof of the project, as "
               "POST /api/projects/{project_id}/staging-retention-proof"_s)
        .returns(200, wrapped(u"retention_proof"_s, retentionProofSchema()))
        .errors({401, 403, 404, 405})
        .handle([&services](HttpRequest &request) {
            if (!services.config.staging)
                return unsupported(
                    "", u"Staging-only route: this instance does not run in staging mode."_s);
            StagingService staging(services.ctx, services.config.signingKey);
            return wrapped(staging.retentionProof(request.actor, request.param(u"projectId"_s)),
                           "retention_proof");
        });

    // ---------------------------------------------------------------- runs
    routes
        .route(
            "GET", u"/api/cloud/runs"_s, Access::Session, u"bff"_s,
            u"Recent runs (as GET /api/runs); without workspace_id or project_id, of the selected "
            u"workspace. "
            "Under E2E fixtures: the fixture runs"_s)
        .query(u"workspace_id"_s, uuid())
        .query(u"project_id"_s, uuid())
        .query(u"status"_s, enumOf(shape::namesOf<RunStatus>()))
        .paged(run)
        .errors({401, 403, 404})
        .handle([&services, fixtures](HttpRequest &request) {
            const HttpRequest::Page paging = request.page();
            RunFilter f;
            f.workspaceId = request.query<QString>(u"workspace_id"_s);
            f.projectId = request.query<QString>(u"project_id"_s);
            f.status = request.query<QString>(u"status"_s);
            if (services.config.e2eFixtures)
                return runPage(fixtures->list(f, paging.limit, paging.cursor));
            if (f.workspaceId.isEmpty() && f.projectId.isEmpty()) {
                f.workspaceId = selectedWorkspace(services, request);
                if (!f.workspaceId.isEmpty()) {
                    auto listed = services.runs.list(request.actor, f, paging.limit, paging.cursor);
                    // A selection whose workspace is gone (or left) falls back to every workspace.
                    if (listed || listed.error().code != ErrorCode::NotFound)
                        return runPage(listed);
                    f.workspaceId.clear();
                }
            }
            return runPage(services.runs.list(request.actor, f, paging.limit, paging.cursor));
        });
    routes
        .route(
            "POST", u"/api/cloud/runs"_s, Access::Session, u"bff"_s,
            u"E2E fixtures only: add a fixture run in memory (405 otherwise; nothing is written to the store)"_s)
        .body(E2eFixtures::runInputSchema())
        .bodyCheckedByHandler()
        .returns(201, wrapped(u"run"_s, run))
        .errors({401, 403, 405, 409, 422})
        .handle([&services, fixtures](HttpRequest &request) {
            if (!services.config.e2eFixtures)
                return unsupported("GET, HEAD",
                                   u"POST /api/cloud/runs works only with E2E fixtures on."_s);
            auto b = checkedBody(request, E2eFixtures::runInputSchema());
            if (!b)
                return HttpResponse::error(b.error());
            return wrapped(fixtures->add(*b), "run", 201);
        });
    routes
        .route(
            "POST", u"/api/e2e/cli-sync"_s, Access::Session, u"bff"_s,
            u"E2E fixtures only: seed fixture runs as the CLI would sync them (405 otherwise; nothing is written)"_s)
        .body(E2eFixtures::batchSchema())
        .bodyCheckedByHandler()
        .returns(201, object({{u"runs"_s, arrayOf(run), true}}))
        .errors({401, 403, 405, 409, 422})
        .handle([&services, fixtures](HttpRequest &request) {
            if (!services.config.e2eFixtures)
                return unsupported("",
                                   u"POST /api/e2e/cli-sync works only with E2E fixtures on."_s);
            auto b = checkedBody(request, E2eFixtures::batchSchema());
            if (!b)
                return HttpResponse::error(b.error());
            auto added = fixtures->addMany(b->value(u"runs"_s).toArray());
            if (!added)
                return HttpResponse::error(added.error());
            QJsonArray out;
            for (const Run &x : *added)
                out.append(x.toJson());
            return HttpResponse::json(201, QJsonObject{{u"runs"_s, out}});
        });
    routes
        .route("POST", u"/api/cloud/sample-run"_s, Access::Session, u"bff"_s,
               u"Onboarding: sync a real synthetic run (loss curve, manifest, log) into the given "
               u"project, or into "
               "the \"Sample project\" of the given, selected or first workspace"_s)
        .body(object({{u"workspace_id"_s, uuid()}, {u"project_id"_s, uuid()}}))
        .returns(201, wrapped(u"run"_s, run))
        .errors({401, 402, 403, 404, 422})
        .handle([&services](HttpRequest &request) {
            const QString givenWs = str(request, "workspace_id");
            QString projectId = str(request, "project_id");
            if (!projectId.isEmpty()) {
                auto p = services.workspaces.getProject(request.actor, projectId);
                if (!p)
                    return HttpResponse::error(p.error());
                if (!givenWs.isEmpty() && p->workspaceId != givenWs)
                    return HttpResponse::error(Error::notFound(u"Project"_s));
            } else {
                auto w = sampleWorkspace(services, request, givenWs);
                if (!w)
                    return HttpResponse::error(w.error());
                auto p = sampleProject(services, request.actor, *w);
                if (!p)
                    return HttpResponse::error(p.error());
                projectId = *p;
            }
            auto synced = services.runs.sync(request.actor,
                                             sampleRunBody(projectId, services.ctx.clock->nowMs()));
            if (!synced)
                return HttpResponse::error(synced.error());
            return HttpResponse::json(201, QJsonObject{{u"run"_s, synced->run.toJson()}});
        });

    // Shares: /api/cloud/shares is served with /api/shares (ShareRoutes.cpp).

    // Billing: /api/cloud/billing/* are served with /api/billing/* (BillingRoutes.cpp).

    // ---------------------------------------------------------------- selection
    routes
        .route(
            "POST", u"/api/workspace/selection"_s, Access::Session, u"bff"_s,
            u"Remember the selected workspace for this session (a workspace the user is a member of)"_s)
        .body(object({{u"workspace_id"_s, uuid(), true}}))
        .returns(200, object({{u"workspace_id"_s, uuid(), true}}))
        .errors({401, 403, 404, 422})
        .handle([&services](HttpRequest &request) {
            const QString w = str(request, "workspace_id");
            auto st = services.accounts.setSelectedWorkspace(
                crypto::sha256Hex(request.sessionToken.toUtf8()), w);
            if (!st)
                return HttpResponse::error(st.error());
            return HttpResponse::json(200, QJsonObject{{u"workspace_id"_s, w}});
        });
}

} // namespace wfx
