// SPDX-License-Identifier: Apache-2.0
// The dashboard BFF's named routes (/api/cloud/*, /api/workspace/selection,
// /api/e2e/cli-sync): session cookie + CSRF (the dispatcher checks both); each
// acts for the signed-in user on the same services as its Cloud counterpart and
// answers the same shapes. Under E2E fixtures the run routes answer from the
// in-memory fixture store instead (CONTRACT.md section 6).
#include "routes/RouteUtil.h"
#include "routes/Routes.h"

#include "bff/E2eFixtures.h"
#include "core/Clock.h"
#include "core/Dispatcher.h"
#include "core/Ids.h"
#include "core/RouteTable.h"
#include "core/Schema.h"
#include "core/Services.h"
#include "crypto/Crypto.h"
#include "runs/StagingService.h"

#include <QtMath>

#include <memory>

namespace wfx {

// WorkspaceRoutes.cpp: the same workspace and project shapes as the Cloud routes.
QJsonObject workspaceSchema();
QJsonObject projectSchema();
QJsonObject retentionProofSchema();

using namespace schema;
using namespace routeutil;

namespace {

const QString kSampleProject = QStringLiteral("Sample project");
constexpr int kSamplePoints = 300;

QJsonObject bffUserSchema()
{
    return object({{S("id"), uuid(), true},
                   {S("email"), string(3, 254), true},
                   {S("display_name"), string()},
                   {S("is_admin"), boolean()},
                   {S("restricted"), boolean()},
                   {S("created_at"), dateTime()}});
}

QJsonObject bffRunSchema()
{
    return object({{S("id"), uuid(), true},
                   {S("project_id"), uuid(), true},
                   {S("workspace_id"), uuid(), true},
                   {S("client_run_id"), string(1, 200), true},
                   {S("name"), string(1, 200), true},
                   {S("status"), enumOf({S("queued"), S("running"), S("completed"), S("failed"), S("cancelled")}), true},
                   {S("started_at"), nullable(dateTime()), true},
                   {S("finished_at"), nullable(dateTime()), true},
                   {S("created_at"), dateTime(), true},
                   {S("evidence"), enumOf({S("verified"), S("unverified"), S("unsigned")}), true},
                   {S("metric_count"), integer(0, 9007199254740991), true},
                   {S("log_bytes"), integer(0, 9007199254740991), true},
                   {S("metric_names"), arrayOf(string())}});
}

QJsonObject bffShareSchema()
{
    return object({{S("id"), uuid(), true},
                   {S("workspace_id"), uuid(), true},
                   {S("run_id"), uuid(), true},
                   {S("artifact_id"), nullable(uuid()), true},
                   {S("state"), enumOf({S("active"), S("revoked"), S("expired")}), true},
                   {S("expires_at"), nullable(dateTime()), true},
                   {S("revoked_at"), nullable(dateTime()), true},
                   {S("has_password"), boolean(), true},
                   {S("token_prefix"), string(), true},
                   {S("created_at"), dateTime(), true}});
}

QJsonObject deletionSchema()
{
    return object({{S("state"), enumOf({S("scheduled"), S("cancelled"), S("none")}), true},
                   {S("scheduled_for"), dateTime()}});
}

HttpResponse unsupported(const QByteArray &allow, const QString &why)
{
    HttpResponse r = HttpResponse::error(405, S("unsupported_action"), why);
    r.header("Allow", allow);
    return r;
}

// The workspace remembered for this session by POST /api/workspace/selection.
QString selectedWorkspace(Services &s, const HttpRequest &r)
{
    if (r.sessionToken.isEmpty())
        return {};
    auto in = s.accounts.authenticate(r.sessionToken);
    return in ? in->session.selectedWorkspaceId : QString();
}

// The body of a handler-validated route (see RouteBuilder::bodyCheckedByHandler).
Result<QJsonObject> checkedBody(const HttpRequest &r, const QJsonObject &schema)
{
    auto v = Dispatcher::parseJson(r.body, schema);
    if (!v)
        return v.error();
    return v->toObject();
}

HttpResponse runPage(const Result<Page<Run>> &p) { return paged(p); }

// The given workspace, else the session's selection, else the caller's first.
Result<QString> sampleWorkspace(Services &s, const HttpRequest &r, const QString &given)
{
    if (!given.isEmpty())
        return given;
    if (const QString sel = selectedWorkspace(s, r); !sel.isEmpty())
        return sel;
    auto first = s.workspaces.list(r.actor, 1, {});
    if (!first)
        return first.error();
    if (first->items.isEmpty())
        return Error::validation(S("workspace_id"), S("required"), S("Create a workspace first, or name one."));
    return first->items.first().id;
}

// The workspace's "Sample project", created on first use.
Result<QString> sampleProject(Services &s, const Actor &actor, const QString &workspaceId)
{
    QString cursor;
    for (int page = 0; page < 100; ++page) {
        auto p = s.workspaces.listProjects(actor, workspaceId, cursor::kMaxLimit, cursor);
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
    auto created = s.workspaces.createProject(actor, workspaceId, kSampleProject);
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
        const double loss = 0.12 + 2.3 * qExp(-step / 700.0) + 0.05 * qSin(step * 0.37) * qExp(-step / 1500.0);
        metrics.append(QJsonObject{{S("name"), S("loss")}, {S("step"), step}, {S("value"), loss}});
    }
    const QString log = S("[sample] WorldFlux sample run\n"
                          "[sample] env=dmc:walker-walk algo=dreamer-v3 seed=1\n"
                          "[sample] step 0 loss 2.42\n"
                          "[sample] step 1500 loss 0.33\n"
                          "[sample] step 2990 loss 0.15\n"
                          "[sample] done: 300 loss points\n");
    return {{S("project_id"), projectId},
            {S("client_run_id"), QString(S("sample-") + tag)},
            {S("name"), QString(S("sample-dreamer-v3-") + tag.left(8))},
            {S("status"), S("completed")},
            {S("started_at"), ids::formatTime(nowMs - 3600'000)},
            {S("finished_at"), ids::formatTime(nowMs)},
            {S("manifest"), QJsonObject{{S("sample"), true},
                                        {S("algorithm"), S("dreamer-v3")},
                                        {S("environment"), S("dmc:walker-walk")},
                                        {S("seed"), 1},
                                        {S("steps"), (kSamplePoints - 1) * 10}}},
            {S("metrics"), metrics},
            {S("log"), log}};
}

} // namespace

void addBffRoutes(RouteTable &t, Services &s)
{
    auto fixtures = std::make_shared<E2eFixtures>();
    const QJsonObject user = bffUserSchema();
    const QJsonObject ws = workspaceSchema();
    const QJsonObject project = projectSchema();
    const QJsonObject run = bffRunSchema();
    const QJsonObject share = bffShareSchema();
    const QJsonObject byId = object({{S("id"), uuid(), true}});

    // ---------------------------------------------------------------- profile and DSAR
    t.route("GET", S("/api/cloud/me"), Access::Session, S("bff"), S("The signed-in user (as GET /api/me)"))
        .returns(200, wrapped(S("user"), user)).errors({401, 403})
        .handle([&s](HttpRequest &r) { return wrapped(s.accounts.me(r.actor), "user"); });
    t.route("PATCH", S("/api/cloud/me"), Access::Session, S("bff"), S("Update the profile (as PATCH /api/me)"))
        .body(object({{S("display_name"), string(0, AccountService::kMaxDisplayNameLength), true}}))
        .returns(200, wrapped(S("user"), user)).errors({401, 403, 422})
        .handle([&s](HttpRequest &r) { return wrapped(s.accounts.updateProfile(r.actor, str(r, "display_name")), "user"); });
    t.route("POST", S("/api/cloud/me"), Access::Session, S("bff"),
            S("Data-subject actions (as /api/me/*): export, delete, cancel_delete, restrict {restricted}, "
              "object {purpose, objected}"))
        .body(object({{S("action"), enumOf({S("export"), S("delete"), S("cancel_delete"), S("restrict"), S("object")}), true},
                      {S("restricted"), boolean()},
                      {S("purpose"), enumOf(DsarService::purposes())},
                      {S("objected"), boolean()}}))
        .returns(200, describe(object({{S("deletion"), deletionSchema()},
                                       {S("restricted"), boolean()},
                                       {S("objection"), object({{S("purpose"), string(), true},
                                                                {S("objected"), boolean(), true},
                                                                {S("updated_at"), dateTime(), true}})},
                                       {S("user"), anyObject()}}),
                               S("export: the export document (user, workspaces, api_keys, audit, ...); delete "
                                 "(202) and cancel_delete: {deletion}; restrict: {restricted}; object: {objection}")))
        .errors({401, 403, 409, 422})
        .handle([&s](HttpRequest &r) {
            const QJsonObject b = r.bodyObject();
            const QString action = b.value(S("action")).toString();
            if (action == QLatin1String("export")) {
                auto e = s.dsar.exportData(r.actor);
                return e ? HttpResponse::json(200, *e) : HttpResponse::error(e.error());
            }
            if (action == QLatin1String("delete") || action == QLatin1String("cancel_delete")) {
                const bool del = action == QLatin1String("delete");
                auto d = del ? s.dsar.requestDeletion(r.actor) : s.dsar.cancelDeletion(r.actor);
                return wrapped(d, "deletion", del ? 202 : 200);
            }
            if (action == QLatin1String("restrict")) {
                if (!b.value(S("restricted")).isBool())
                    return HttpResponse::error(Error::validation(S("restricted"), S("required"),
                                                                 S("restrict needs restricted: true or false.")));
                auto now = s.dsar.setRestricted(r.actor, b.value(S("restricted")).toBool());
                return now ? HttpResponse::json(200, QJsonObject{{S("restricted"), *now}}) : HttpResponse::error(now.error());
            }
            // object
            Error e{ErrorCode::Validation, S("object needs purpose and objected.")};
            if (!b.contains(S("purpose")))
                e.details.append({S("purpose"), S("required")});
            if (!b.value(S("objected")).isBool())
                e.details.append({S("objected"), S("required")});
            if (!e.details.isEmpty())
                return HttpResponse::error(e);
            return wrapped(s.dsar.object(r.actor, b.value(S("purpose")).toString(), b.value(S("objected")).toBool()),
                           "objection");
        });

    // ---------------------------------------------------------------- workspaces and projects
    t.route("GET", S("/api/cloud/workspaces"), Access::Session, S("bff"), S("Workspaces of the user (as GET /api/workspaces)"))
        .paged().returns(200, page(ws)).errors({401, 403, 422})
        .handle([&s](HttpRequest &r) {
            auto p = pageArgs(r);
            if (!p)
                return HttpResponse::error(p.error());
            return paged(s.workspaces.list(r.actor, p->limit, p->cursor));
        });
    t.route("POST", S("/api/cloud/workspaces"), Access::Session, S("bff"), S("Create a workspace (as POST /api/workspaces)"))
        .body(object({{S("name"), string(1, 200), true}}))
        .returns(201, wrapped(S("workspace"), ws)).errors({401, 403, 422})
        .handle([&s](HttpRequest &r) { return wrapped(s.workspaces.create(r.actor, str(r, "name")), "workspace", 201); });
    t.route("DELETE", S("/api/cloud/workspaces"), Access::Session, S("bff"),
            S("Delete a workspace, id in the body (as DELETE /api/workspaces/{id}; owner)"))
        .body(byId).returns(204, {}).errors({401, 403, 404, 422})
        .handle([&s](HttpRequest &r) { return done(s.workspaces.remove(r.actor, str(r, "id"))); });

    t.route("GET", S("/api/cloud/projects"), Access::Session, S("bff"), S("Projects, optionally of one workspace (as GET /api/projects)"))
        .query(S("workspace_id"), uuid()).paged().returns(200, page(project)).errors({401, 403, 404, 422})
        .handle([&s](HttpRequest &r) {
            auto p = pageArgs(r);
            if (!p)
                return HttpResponse::error(p.error());
            return paged(s.workspaces.listProjects(r.actor, r.queryValue(S("workspace_id")), p->limit, p->cursor));
        });
    t.route("POST", S("/api/cloud/projects"), Access::Session, S("bff"), S("Create a project (as POST /api/projects)"))
        .body(object({{S("workspace_id"), uuid(), true}, {S("name"), string(1, 200), true}}))
        .returns(201, wrapped(S("project"), project)).errors({401, 403, 404, 422})
        .handle([&s](HttpRequest &r) {
            return wrapped(s.workspaces.createProject(r.actor, str(r, "workspace_id"), str(r, "name")), "project", 201);
        });
    t.route("DELETE", S("/api/cloud/projects"), Access::Session, S("bff"),
            S("Delete a project and its runs, id in the body (as DELETE /api/projects/{id}; admin)"))
        .body(byId).returns(204, {}).errors({401, 403, 404, 422})
        .handle([&s](HttpRequest &r) { return done(s.workspaces.removeProject(r.actor, str(r, "id"))); });
    t.route("POST", S("/api/cloud/projects/{projectId}/staging-retention-proof"), Access::Session, S("bff"),
            S("Staging only (405 otherwise): the signed retention proof of the project, as "
              "POST /api/projects/{project_id}/staging-retention-proof"))
        .returns(200, wrapped(S("retention_proof"), retentionProofSchema()))
        .errors({401, 403, 404, 405})
        .handle([&s](HttpRequest &r) {
            if (!s.config.staging)
                return unsupported("", S("Staging-only route: this instance does not run in staging mode."));
            StagingService staging(s.ctx, s.config.signingKey);
            return wrapped(staging.retentionProof(r.actor, r.param(S("projectId"))), "retention_proof");
        });

    // ---------------------------------------------------------------- runs
    t.route("GET", S("/api/cloud/runs"), Access::Session, S("bff"),
            S("Recent runs (as GET /api/runs); without workspace_id or project_id, of the selected workspace. "
              "Under E2E fixtures: the fixture runs"))
        .query(S("workspace_id"), uuid()).query(S("project_id"), uuid())
        .query(S("status"), enumOf({S("queued"), S("running"), S("completed"), S("failed"), S("cancelled")}))
        .paged().returns(200, page(run)).errors({401, 403, 404, 422})
        .handle([&s, fixtures](HttpRequest &r) {
            auto p = pageArgs(r);
            if (!p)
                return HttpResponse::error(p.error());
            RunFilter f;
            f.workspaceId = r.queryValue(S("workspace_id"));
            f.projectId = r.queryValue(S("project_id"));
            f.status = r.queryValue(S("status"));
            if (s.config.e2eFixtures)
                return runPage(fixtures->list(f, p->limit, p->cursor));
            if (f.workspaceId.isEmpty() && f.projectId.isEmpty()) {
                f.workspaceId = selectedWorkspace(s, r);
                if (!f.workspaceId.isEmpty()) {
                    auto listed = s.runs.list(r.actor, f, p->limit, p->cursor);
                    // A selection whose workspace is gone (or left) falls back to every workspace.
                    if (listed || listed.error().code != ErrorCode::NotFound)
                        return runPage(listed);
                    f.workspaceId.clear();
                }
            }
            return runPage(s.runs.list(r.actor, f, p->limit, p->cursor));
        });
    t.route("POST", S("/api/cloud/runs"), Access::Session, S("bff"),
            S("E2E fixtures only: add a fixture run in memory (405 otherwise; nothing is written to the store)"))
        .body(E2eFixtures::runInputSchema()).bodyCheckedByHandler()
        .returns(201, wrapped(S("run"), run)).errors({401, 403, 405, 409, 422})
        .handle([&s, fixtures](HttpRequest &r) {
            if (!s.config.e2eFixtures)
                return unsupported("GET, HEAD", S("POST /api/cloud/runs works only with E2E fixtures on."));
            auto b = checkedBody(r, E2eFixtures::runInputSchema());
            if (!b)
                return HttpResponse::error(b.error());
            return wrapped(fixtures->add(*b), "run", 201);
        });
    t.route("POST", S("/api/e2e/cli-sync"), Access::Session, S("bff"),
            S("E2E fixtures only: seed fixture runs as the CLI would sync them (405 otherwise; nothing is written)"))
        .body(E2eFixtures::batchSchema()).bodyCheckedByHandler()
        .returns(201, object({{S("runs"), arrayOf(run), true}})).errors({401, 403, 405, 409, 422})
        .handle([&s, fixtures](HttpRequest &r) {
            if (!s.config.e2eFixtures)
                return unsupported("", S("POST /api/e2e/cli-sync works only with E2E fixtures on."));
            auto b = checkedBody(r, E2eFixtures::batchSchema());
            if (!b)
                return HttpResponse::error(b.error());
            auto added = fixtures->addMany(b->value(S("runs")).toArray());
            if (!added)
                return HttpResponse::error(added.error());
            QJsonArray out;
            for (const Run &x : *added)
                out.append(x.toJson());
            return HttpResponse::json(201, QJsonObject{{S("runs"), out}});
        });
    t.route("POST", S("/api/cloud/sample-run"), Access::Session, S("bff"),
            S("Onboarding: sync a real synthetic run (loss curve, manifest, log) into the given project, or into "
              "the \"Sample project\" of the given, selected or first workspace"))
        .body(object({{S("workspace_id"), uuid()}, {S("project_id"), uuid()}}))
        .returns(201, wrapped(S("run"), run)).errors({401, 402, 403, 404, 422})
        .handle([&s](HttpRequest &r) {
            const QString givenWs = str(r, "workspace_id");
            QString projectId = str(r, "project_id");
            if (!projectId.isEmpty()) {
                auto p = s.workspaces.getProject(r.actor, projectId);
                if (!p)
                    return HttpResponse::error(p.error());
                if (!givenWs.isEmpty() && p->workspaceId != givenWs)
                    return HttpResponse::error(Error::notFound(S("Project")));
            } else {
                auto w = sampleWorkspace(s, r, givenWs);
                if (!w)
                    return HttpResponse::error(w.error());
                auto p = sampleProject(s, r.actor, *w);
                if (!p)
                    return HttpResponse::error(p.error());
                projectId = *p;
            }
            auto synced = s.runs.sync(r.actor, sampleRunBody(projectId, s.ctx.clock->nowMs()));
            if (!synced)
                return HttpResponse::error(synced.error());
            return HttpResponse::json(201, QJsonObject{{S("run"), synced->run.toJson()}});
        });

    // Shares: /api/cloud/shares is served with /api/shares (ShareRoutes.cpp).

    // ---------------------------------------------------------------- billing
    t.route("POST", S("/api/cloud/billing/checkout"), Access::Session, S("bff"),
            S("Start a checkout for a paid plan (as POST /api/billing/checkout); the plan changes when the provider "
              "confirms"))
        .body(object({{S("workspace_id"), uuid(), true},
                      {S("plan"), describe(string(1, 64), S("a paid plan of the instance (pro, team)")), true},
                      {S("success_url"), string(1, 2048)},
                      {S("cancel_url"), string(1, 2048)}}))
        .returns(201, wrapped(S("checkout"), object({{S("workspace_id"), uuid(), true},
                                                     {S("plan"), string(), true},
                                                     {S("provider"), string(), true},
                                                     {S("session_ref"), string(), true},
                                                     {S("url"), string(), true}}),
                              {{S("url"), string(), true}}))
        .errors({401, 403, 404, 422})
        .handle([&s](HttpRequest &r) {
            auto c = s.billing.checkout(r.actor, str(r, "workspace_id"), str(r, "plan"), str(r, "success_url"),
                                        str(r, "cancel_url"));
            if (!c)
                return HttpResponse::error(c.error());
            return HttpResponse::json(201, QJsonObject{{S("checkout"), c->toJson()}, {S("url"), c->url}});
        });
    t.route("POST", S("/api/cloud/billing/portal"), Access::Session, S("bff"),
            S("The billing portal link of a workspace (as POST /api/billing/portal)"))
        .body(object({{S("workspace_id"), uuid(), true}}))
        .returns(200, object({{S("url"), string(), true}, {S("workspace_id"), uuid(), true}}))
        .errors({401, 403, 404, 422})
        .handle([&s](HttpRequest &r) {
            auto u = s.billing.portal(r.actor, str(r, "workspace_id"));
            if (!u)
                return HttpResponse::error(u.error());
            return HttpResponse::json(200, QJsonObject{{S("url"), *u}, {S("workspace_id"), str(r, "workspace_id")}});
        });

    // ---------------------------------------------------------------- selection
    t.route("POST", S("/api/workspace/selection"), Access::Session, S("bff"),
            S("Remember the selected workspace for this session (a workspace the user is a member of)"))
        .body(object({{S("workspace_id"), uuid(), true}}))
        .returns(200, object({{S("workspace_id"), uuid(), true}})).errors({401, 403, 404, 422})
        .handle([&s](HttpRequest &r) {
            const QString w = str(r, "workspace_id");
            auto st = s.accounts.setSelectedWorkspace(crypto::sha256Hex(r.sessionToken.toUtf8()), w);
            if (!st)
                return HttpResponse::error(st.error());
            return HttpResponse::json(200, QJsonObject{{S("workspace_id"), w}});
        });
}

} // namespace wfx
