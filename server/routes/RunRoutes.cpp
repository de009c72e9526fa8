// SPDX-License-Identifier: Apache-2.0
// Runs and sync: POST /api/sync/runs, the sync ledger head, every read of a
// run, its evidence package, and the staging-only fixture housekeeping.
#include "server/routes/RouteUtil.h"
#include "server/routes/Routes.h"

#include "models/core/Ids.h"
#include "models/runs/EvidencePackager.h"
#include "models/runs/RunJson.h"
#include "models/runs/StagingService.h"
#include "models/runs/SyncRequest.h"
#include "server/core/RouteTable.h"
#include "server/core/Schema.h"
#include "server/core/Services.h"
#include "server/core/ShapeSchema.h"

#include <QJsonArray>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;

namespace wfx {

using namespace schema;
using namespace routeutil;

namespace {

constexpr qint64 kMaxSafeInteger = 9007199254740991;

QJsonObject runSchema()
{
    return schema::of(kRunFields<Run>, shape::Api);
}

QJsonObject syncBodySchema()
{
    const int text = SyncRequest::kMaxTextLength;
    const QJsonObject metric = object({{u"name"_s, string(1, text), true},
                                       {u"step"_s, integer(0, 9007199254740992), true},
                                       {u"value"_s, number(), true}});
    const QJsonObject signature = describe(
        object({{u"alg"_s, enumOf({u"ed25519"_s}), true},
                {u"public_key"_s,
                 describe(string(1, int(SyncRequest::kMaxSignatureField)),
                          u"Raw 32-byte Ed25519 public key, standard base64"_s),
                 true},
                {u"sig"_s,
                 describe(string(1, int(SyncRequest::kMaxSignatureField)),
                          u"64-byte signature of the RFC 8785 manifest bytes, standard base64"_s),
                 true}}),
        u"Optional. A signature that does not verify is kept and the run's evidence is unverified."_s);
    // The run's own members (project_id, client_run_id, name, status, times)
    // from its table; then what only a sync sends.
    QList<Prop> props = inputs(kRunFields<Run>);
    props.append(QList<Prop>{
        {u"manifest"_s,
         describe(anyObject(), u"Any JSON object; at most 256 KiB in RFC 8785 form"_s)},
        {u"metrics"_s,
         describe(arrayOf(metric, int(SyncRequest::kMaxMetricPoints)),
                  u"One value per (name, step). A later sync adds the points the run does "
                  "not hold yet; a stored (name, step) keeps its value. The run's points "
                  "together are capped (--run-max-points)"_s)},
        {u"log"_s,
         describe(string(0, int(SyncRequest::kMaxLogBytes)),
                  u"Plain text, at most 1 MiB of UTF-8 per sync; the run's log together is "
                  "capped (--run-max-log-bytes)"_s)},
        {u"log_offset"_s,
         describe(integer(0, 9007199254740992),
                  u"UTF-8 byte offset in the run's log where log starts (default 0): "
                  "overlapping bytes must equal the stored ones (409), later bytes "
                  "are appended, past the end is 422"_s)},
        {u"signature"_s, signature}});
    return object(props);
}

QJsonObject ledgerSchema()
{
    return object({{u"workspace_id"_s, uuid(), true},
                   {u"head"_s, nullable(string(1, LedgerService::kMaxHeadLength)), true},
                   {u"version"_s, integer(0, kMaxSafeInteger), true},
                   {u"updated_at"_s, nullable(dateTime()), true}});
}

// metric_filter: a condition metricfilter::parse reads.
Status metricFilterParses(const QString &value)
{
    const auto parsed = metricfilter::parse(value);
    if (!parsed.condition)
        return Error::validation(u"metric_filter"_s, u"invalid"_s, metricfilter::describe(parsed));
    return Ok{};
}

// order_by: created_at, metric:NAME or -metric:NAME.
struct RunOrder
{
    QString metric; // empty: created_at
    bool descending = false;
};
std::optional<RunOrder> runOrder(const QString &value)
{
    const QLatin1String asc("metric:"), desc("-metric:");
    if (value.startsWith(asc) && value.size() > asc.size())
        return RunOrder{value.mid(asc.size()), false};
    if (value.startsWith(desc) && value.size() > desc.size())
        return RunOrder{value.mid(desc.size()), true};
    if (value == QLatin1String("created_at"))
        return RunOrder{};
    return std::nullopt;
}

Status runOrderParses(const QString &value)
{
    if (!runOrder(value))
        return Error::validation(u"order_by"_s, u"invalid"_s,
                                 u"order_by is created_at, metric:NAME or -metric:NAME."_s);
    return Ok{};
}

bool wantsZip(const HttpRequest &request)
{
    return request.header("accept").toLower().contains("application/zip");
}

HttpResponse stagingOff()
{
    HttpResponse response = HttpResponse::error(
        405, u"unsupported_action"_s, u"This instance is not in staging mode (WFX_STAGING)."_s);
    // RFC 9110 15.5.6: an empty Allow says the resource is disabled by configuration.
    response.header("Allow", QByteArray());
    return response;
}

} // namespace

// The signed retention proof (also answered by the BFF's staging route).
QJsonObject retentionProofSchema()
{
    return object({{u"project_id"_s, uuid(), true},
                   {u"workspace_id"_s, uuid(), true},
                   {u"generated_at"_s, dateTime(), true},
                   {u"purged"_s,
                    arrayOf(object({{u"target_type"_s, enumOf({u"run"_s}), true},
                                    {u"id"_s, uuid(), true},
                                    {u"client_run_id"_s, nullable(string()), true},
                                    {u"name"_s, nullable(string()), true},
                                    {u"purged_at"_s, dateTime(), true},
                                    {u"action"_s, string(), true},
                                    {u"audit_entry_id"_s, uuid(), true},
                                    {u"audit_hash"_s, string(), true}})),
                    true},
                   {u"truncated"_s, boolean(), true},
                   {u"signature"_s,
                    object({{u"alg"_s, enumOf({u"ed25519"_s}), true},
                            {u"public_key"_s, string(), true},
                            {u"sig"_s, string(), true},
                            {u"covers"_s, string(), true}}),
                    true}});
}

void addRunRoutes(RouteTable &routes, Services &services)
{
    const QJsonObject run = runSchema();

    routes
        .route(
            "POST", u"/api/sync/runs"_s, Access::Api, u"sync"_s,
            u"Sync a run, once or many times while it trains (per project and client_run_id: 201 "
            u"created, 200 "
            "the stored run carried forward; a completed, failed or cancelled run is frozen: 409 "
            "on any change). "
            "Fields left out of a later sync keep their stored values; one run.update audit entry "
            "per sync "
            "that changes the run"_s)
        .proxied()
        .body(syncBodySchema())
        .bodyAsDom() // the hot write path: read straight from simdjson's DOM into the rows
        .returns(
            201,
            wrapped(u"run"_s,
                    run)) // 200 for a later sync: the same shape (one success status per route)
        .errors({403, 404, 409, 422})
        .handle([&services](HttpRequest &request) {
            // request.dom from the dispatcher; a caller that filled request.json instead (tests) is
            // read the same.
            auto res = services.runs.sync(request.actor,
                                          request.dom ? SyncRequest::parse(*request.dom)
                                                      : SyncRequest::parse(request.bodyObject()));
            if (!res)
                return HttpResponse::error(res.error());
            return HttpResponse::json(res->created ? 201 : 200,
                                      QJsonObject{{u"run"_s, res->run.toJson()}});
        });

    const QJsonObject ledger = ledgerSchema();
    routes
        .route("GET", u"/api/sync/ledger-head"_s, Access::Api, u"sync"_s,
               u"The workspace's sync ledger head"_s)
        .query(u"workspace_id"_s, uuid(), Presence::Required)
        .returns(200, wrapped(u"ledger_head"_s, ledger))
        .errors({404})
        .handle([&services](HttpRequest &request) {
            return wrapped(
                services.ledger.head(request.actor, request.query<QString>(u"workspace_id"_s)),
                "ledger_head");
        });
    routes
        .route("POST", u"/api/sync/ledger-head"_s, Access::Api, u"sync"_s,
               u"Move the ledger head by compare-and-swap; a stale expected_head is 409 conflict "
               u"whose error "
               "carries current {head, version}"_s)
        .body(object({{u"workspace_id"_s, uuid(), true},
                      {u"expected_head"_s,
                       describe(nullable(string(1, LedgerService::kMaxHeadLength)),
                                u"The head the client last saw; null or absent: none yet"_s)},
                      {u"head"_s, string(1, LedgerService::kMaxHeadLength), true}}))
        .returns(200, wrapped(u"ledger_head"_s, ledger))
        .errors({403, 404, 409, 422})
        .handle([&services](HttpRequest &request) {
            const QJsonObject b = request.bodyObject();
            return wrapped(services.ledger.advance(request.actor,
                                                   b.value(u"workspace_id"_s).toString(),
                                                   b.value(u"expected_head"_s).toString(),
                                                   b.value(u"head"_s).toString()),
                           "ledger_head");
        });

    routes
        .route("GET", u"/api/runs"_s, Access::Api, u"runs"_s,
               u"Runs the caller can see, newest first"_s)
        .proxied({u"limit"_s, u"cursor"_s, u"workspace_id"_s, u"project_id"_s, u"status"_s})
        .query(u"workspace_id"_s, uuid())
        .query(u"project_id"_s, uuid())
        .query(u"status"_s, enumOf(shape::namesOf<RunStatus>()))
        .query(u"evidence"_s, enumOf(shape::namesOf<Evidence>()))
        .query(u"q"_s, describe(string(1, SyncRequest::kMaxTextLength),
                                u"Part of the name (ASCII case-insensitive)"_s))
        .query(u"metric_filter"_s,
               describe(
                   string(1, 2 * SyncRequest::kMaxTextLength),
                   u"Runs whose metric's last value (its value at the run's highest step of it) "
                   u"meets a "
                   "condition: a metric name, an operator (<, <=, >, >=, =, !=) and a number, e.g. "
                   "`loss<0.1` or `eval/return >= 200`. A name holding an operator character is "
                   "written in double quotes. Runs without that metric are left out."_s),
               Presence::Optional, metricFilterParses)
        .query(
            u"order_by"_s,
            describe(
                string(1, SyncRequest::kMaxTextLength + 8),
                u"`created_at` (default): newest first. `metric:NAME`: by the last value of metric "
                "NAME, ascending, ties by id; `-metric:NAME`: descending. Runs without that metric "
                "are left out. A cursor belongs to the order it was issued for."_s),
            Presence::Optional, runOrderParses)
        .paged(run)
        .errors({404})
        .handle([&services](HttpRequest &request) {
            const HttpRequest::Page paging = request.page();
            RunFilter filter;
            filter.workspaceId = request.query<QString>(u"workspace_id"_s);
            filter.projectId = request.query<QString>(u"project_id"_s);
            filter.status = request.query<QString>(u"status"_s);
            filter.evidence = request.query<QString>(u"evidence"_s);
            filter.text = request.query<QString>(u"q"_s);
            if (request.hasQuery(u"metric_filter"_s))
                filter.metric =
                    metricfilter::parse(request.query<QString>(u"metric_filter"_s)).condition;
            const RunOrder order = runOrder(request.query<QString>(u"order_by"_s, u"created_at"_s))
                                       .value_or(RunOrder{});
            filter.orderMetric = order.metric;
            filter.orderDescending = order.descending;
            JsonWriter w(64 + std::size_t(paging.limit) * 448);
            if (auto listed =
                    services.runs.writeList(w, request.actor, filter, paging.limit, paging.cursor);
                !listed)
                return HttpResponse::error(listed.error());
            return HttpResponse::jsonBytes(200, w.take());
        });
    addRead(routes, u"/api/runs/{run_id}"_s, u"runs"_s, u"Get a run, with its metric names"_s,
            Proxy::On, {u"run"_s, run}, services.runs, &RunService::get);
    routes
        .route("DELETE", u"/api/runs/{run_id}"_s, Access::Api, u"runs"_s,
               u"Delete a run with its metrics, log, signature and artifacts (member)"_s)
        .returns(204, {})
        .errors({403, 404})
        .handle([&services](HttpRequest &request) {
            return done(services.runs.remove(request.actor, request.param(u"run_id"_s)));
        });

    routes
        .route("GET", u"/api/runs/{run_id}/manifest"_s, Access::Api, u"runs"_s,
               u"The run's manifest as synced"_s)
        .proxied()
        .returns(200, wrapped(u"manifest"_s, anyObject()))
        .errors({404})
        .handle([&services](HttpRequest &request) {
            auto m = services.runs.manifest(request.actor, request.param(u"run_id"_s));
            if (!m)
                return HttpResponse::error(m.error());
            return HttpResponse::json(200, QJsonObject{{u"manifest"_s, *m}});
        });

    const QJsonObject point = object({{u"name"_s, string(1, SyncRequest::kMaxTextLength), true},
                                      {u"step"_s, integer(0, 9007199254740992), true},
                                      {u"value"_s, number(), true}});
    routes
        .route(
            "GET", u"/api/runs/{run_id}/metrics"_s, Access::Api, u"runs"_s,
            u"Metric points ordered by name and step; with max_points (and name) one whole series "
            u"thinned "
            "with LTTB to at most max_points, next_cursor null"_s)
        .proxied({u"name"_s, u"limit"_s, u"cursor"_s})
        .query(u"name"_s, string(1, SyncRequest::kMaxTextLength))
        .query(u"max_points"_s, integer(RunService::kMinSeriesPoints, RunService::kMaxSeriesPoints))
        .paged(point)
        .errors({404})
        .handle([&services](HttpRequest &request) {
            const QString id = request.param(u"run_id"_s);
            const QString name = request.query<QString>(u"name"_s);
            if (request.hasQuery(u"max_points"_s)) {
                const int maxPoints = request.query<int>(u"max_points"_s);
                auto series = services.runs.metricSeries(request.actor, id, name, maxPoints);
                if (!series)
                    return HttpResponse::error(series.error());
                QJsonArray items;
                for (const SeriesPoint &p : *series)
                    items.append(QJsonObject{
                        {u"name"_s, name}, {u"step"_s, double(p.step)}, {u"value"_s, p.value}});
                return HttpResponse::json(
                    200, QJsonObject{{u"items"_s, items},
                                     {u"next_cursor"_s, QJsonValue(QJsonValue::Null)}});
            }
            const HttpRequest::Page paging = request.page();
            return paged(
                services.runs.metrics(request.actor, id, name, paging.limit, paging.cursor));
        });

    routes
        .route(
            "GET", u"/api/runs/{run_id}/log"_s, Access::Api, u"runs"_s,
            u"A slice of the log by UTF-8 byte offset (limit in bytes, default 64 KiB); follow next_offset"_s)
        .proxied({u"offset"_s, u"limit"_s})
        .query(u"offset"_s, integer(0, kMaxSafeInteger))
        .query(u"limit"_s, integer(1, RunService::kMaxLogLimit))
        .returns(200,
                 wrapped(u"log"_s,
                         object({{u"content"_s, string(), true},
                                 {u"offset"_s, integer(0, kMaxSafeInteger), true},
                                 {u"total_bytes"_s, integer(0, kMaxSafeInteger), true},
                                 {u"next_offset"_s, nullable(integer(0, kMaxSafeInteger)), true}})))
        .errors({404})
        .handle([&services](HttpRequest &request) {
            const auto offset = request.query<qint64>(u"offset"_s, 0);
            const auto limit = request.query<qint64>(u"limit"_s, RunService::kDefaultLogLimit);
            return wrapped(
                services.runs.log(request.actor, request.param(u"run_id"_s), offset, limit), "log");
        });

    const QJsonObject signature = object(
        {{u"run_id"_s, uuid(), true},
         {u"evidence"_s, enumOf(shape::namesOf<Evidence>()), true},
         {u"alg"_s, enumOf({u"ed25519"_s})},
         {u"public_key"_s, string()},
         {u"sig"_s, string()},
         {u"verified"_s, boolean()},
         {u"signed_sha256"_s, string(64, 64)},
         {u"checked_at"_s, dateTime()},
         {u"signature"_s, describe({{u"type"_s, u"null"_s}}, u"Present (null) when unsigned"_s)}});
    addRead(
        routes, u"/api/runs/{run_id}/signature"_s, u"runs"_s,
        u"The run's client signature and its verification; an unsigned run answers signature null"_s,
        Proxy::On, {u"signature"_s, signature}, services.runs, &RunService::signature);

    routes
        .route("GET", u"/api/runs/{run_id}/compliance_mapping"_s, Access::Api, u"runs"_s,
               u"The controls the run's evidence satisfies or not"_s)
        .proxied()
        .returns(
            200,
            wrapped(u"compliance_mapping"_s,
                    object({{u"run_id"_s, uuid(), true},
                            {u"items"_s,
                             arrayOf(object(
                                 {{u"framework"_s, string(), true},
                                  {u"control"_s, string(), true},
                                  {u"status"_s, enumOf({u"satisfied"_s, u"not_satisfied"_s}), true},
                                  {u"evidence"_s, string(), true}})),
                             true}})))
        .errors({404})
        .handle([&services](HttpRequest &request) {
            const QString id = request.param(u"run_id"_s);
            auto items = services.runs.complianceMapping(request.actor, id);
            if (!items)
                return HttpResponse::error(items.error());
            QJsonArray arr;
            for (const ComplianceItem &i : *items)
                arr.append(i.toJson());
            return HttpResponse::json(
                200, QJsonObject{{u"compliance_mapping"_s,
                                  QJsonObject{{u"run_id"_s, id}, {u"items"_s, arr}}}});
        });

    auto packager = std::make_shared<EvidencePackager>(services.ctx, services.config.signingKey);
    routes
        .route(
            "POST", u"/api/runs/{run_id}/evidence-package"_s, Access::Api, u"runs"_s,
            u"Export the run's signed evidence package (ZIP: manifest.json, metrics.csv, log.txt, "
            u"signature.json, "
            "audit.json, index.json with each file's SHA-256 and size, index.sig = Ed25519 of "
            "index.json by the "
            "instance key). With Accept: application/zip the answer is the ZIP itself "
            "(Content-Disposition: "
            "attachment); otherwise this JSON with the ZIP in zip_base64"_s)
        .returns(200, wrapped(u"evidence_package"_s,
                              object({{u"run_id"_s, uuid(), true},
                                      {u"file_name"_s, string(), true},
                                      {u"content_type"_s, enumOf({u"application/zip"_s}), true},
                                      {u"size_bytes"_s, integer(0, kMaxSafeInteger), true},
                                      {u"sha256"_s, string(64, 64), true},
                                      {u"generated_at"_s, dateTime(), true},
                                      {u"index"_s, anyObject(), true},
                                      {u"index_sig"_s, string(), true},
                                      {u"zip_base64"_s, string(), true}})))
        .errors({404, 503})
        .handle([packager](HttpRequest &request) {
            auto pkg = packager->build(request.actor, request.param(u"run_id"_s));
            if (!pkg)
                return HttpResponse::error(pkg.error());
            if (wantsZip(request)) {
                HttpResponse resp;
                resp.contentType = "application/zip";
                resp.body = pkg->zip;
                resp.header("Content-Disposition",
                            "attachment; filename=\"" + pkg->fileName.toLatin1() + '"');
                resp.header("Cache-Control", "no-store");
                return resp;
            }
            QJsonObject o = pkg->toJson();
            o.insert(u"zip_base64"_s, QString::fromLatin1(pkg->zip.toBase64()));
            HttpResponse resp = HttpResponse::json(200, QJsonObject{{u"evidence_package"_s, o}});
            resp.header("Cache-Control", "no-store");
            return resp;
        });

    auto staging = std::make_shared<StagingService>(services.ctx, services.config.signingKey);
    const bool stagingOn = services.config.staging;
    routes
        .route("DELETE", u"/api/projects/{project_id}/staging-e2e-tree"_s, Access::Api,
               u"projects"_s,
               u"Staging only (WFX_STAGING=1; else 405): delete the project's e2e fixture runs "
               u"(client_run_id "
               "starting with e2e-) and their artifacts, at most 500 a call (more: true)"_s)
        .returns(
            200,
            wrapped(u"purge"_s,
                    object({{u"project_id"_s, uuid(), true},
                            {u"workspace_id"_s, uuid(), true},
                            {u"purged_at"_s, dateTime(), true},
                            {u"runs"_s,
                             arrayOf(object({{u"id"_s, uuid(), true},
                                             {u"client_run_id"_s, string(), true},
                                             {u"name"_s, string(), true},
                                             {u"artifacts"_s, integer(0, kMaxSafeInteger), true}})),
                             true},
                            {u"artifacts"_s, integer(0, kMaxSafeInteger), true},
                            {u"more"_s, boolean(), true}})))
        .errors({403, 404, 405})
        .handle([staging, stagingOn](HttpRequest &request) {
            if (!stagingOn)
                return stagingOff();
            return wrapped(staging->purgeE2eTree(request.actor, request.param(u"project_id"_s)),
                           "purge");
        });
    routes
        .route(
            "POST", u"/api/projects/{project_id}/staging-retention-proof"_s, Access::Api,
            u"projects"_s,
            u"Staging only (WFX_STAGING=1; else 405): the project's purged runs from the audit "
            u"log, "
            u"signed with "
            "the instance Ed25519 key over the RFC 8785 form of retention_proof without signature"_s)
        .returns(200, wrapped(u"retention_proof"_s, retentionProofSchema()))
        .errors({403, 404, 405, 503})
        .handle([staging, stagingOn](HttpRequest &request) {
            if (!stagingOn)
                return stagingOff();
            return wrapped(staging->retentionProof(request.actor, request.param(u"project_id"_s)),
                           "retention_proof");
        });
}

} // namespace wfx
