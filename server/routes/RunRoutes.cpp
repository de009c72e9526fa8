// SPDX-License-Identifier: Apache-2.0
// Runs and sync: POST /api/sync/runs, the sync ledger head, every read of a
// run, its evidence package, and the staging-only fixture housekeeping.
#include "routes/RouteUtil.h"
#include "routes/Routes.h"

#include "core/Ids.h"
#include "core/RouteTable.h"
#include "core/Schema.h"
#include "core/Services.h"
#include "runs/EvidencePackager.h"
#include "runs/StagingService.h"
#include "runs/SyncRequest.h"

#include <QJsonArray>

#include <memory>

namespace wfx {

using namespace schema;
using namespace routeutil;

namespace {

constexpr qint64 kMaxSafeInteger = 9007199254740991;

QJsonObject runSchema()
{
    return object({{S("id"), uuid(), true},
                   {S("project_id"), uuid(), true},
                   {S("workspace_id"), uuid(), true},
                   {S("client_run_id"), string(1, SyncRequest::kMaxTextLength), true},
                   {S("name"), string(1, SyncRequest::kMaxTextLength), true},
                   {S("status"), enumOf({S("queued"), S("running"), S("completed"), S("failed"), S("cancelled")}), true},
                   {S("started_at"), nullable(dateTime()), true},
                   {S("finished_at"), nullable(dateTime()), true},
                   {S("created_at"), dateTime(), true},
                   {S("evidence"), describe(enumOf({S("verified"), S("unverified"), S("unsigned")}),
                                            S("Ed25519 over the RFC 8785 manifest: verified, present but wrong "
                                              "(unverified), or none (unsigned)")),
                    true},
                   {S("metric_count"), integer(0, kMaxSafeInteger), true},
                   {S("log_bytes"), integer(0, kMaxSafeInteger), true},
                   {S("metric_names"), describe(arrayOf(string()), S("Only in GET /api/runs/{run_id}"))}});
}

QJsonObject syncBodySchema()
{
    const int text = SyncRequest::kMaxTextLength;
    const QJsonObject metric = object({{S("name"), string(1, text), true},
                                       {S("step"), integer(0, 9007199254740992), true},
                                       {S("value"), number(), true}});
    const QJsonObject signature =
        describe(object({{S("alg"), enumOf({S("ed25519")}), true},
                         {S("public_key"), describe(string(1, int(SyncRequest::kMaxSignatureField)),
                                                    S("Raw 32-byte Ed25519 public key, standard base64")),
                          true},
                         {S("sig"), describe(string(1, int(SyncRequest::kMaxSignatureField)),
                                             S("64-byte signature of the RFC 8785 manifest bytes, standard base64")),
                          true}}),
                 S("Optional. A signature that does not verify is kept and the run's evidence is unverified."));
    return object({{S("project_id"), uuid(), true},
                   {S("client_run_id"), describe(string(1, text), S("Unique per project: the same value again "
                                                                     "carries the stored run forward")),
                    true},
                   {S("name"), describe(string(1, text), S("Required by the first sync of a run"))},
                   {S("status"), describe(enumOf({S("queued"), S("running"), S("completed"), S("failed"), S("cancelled")}),
                                          S("First sync: default completed. Later: only forward (queued, running, "
                                            "then completed, failed or cancelled); an earlier one is ignored"))},
                   {S("started_at"), dateTime()},
                   {S("finished_at"), describe(dateTime(), S("Not before started_at; taken with a terminal status"))},
                   {S("manifest"), describe(anyObject(), S("Any JSON object; at most 256 KiB in RFC 8785 form"))},
                   {S("metrics"), describe(arrayOf(metric, int(SyncRequest::kMaxMetricPoints)),
                                           S("One value per (name, step). A later sync adds the points the run does "
                                             "not hold yet; a stored (name, step) keeps its value. The run's points "
                                             "together are capped (--run-max-points)"))},
                   {S("log"), describe(string(0, int(SyncRequest::kMaxLogBytes)),
                                       S("Plain text, at most 1 MiB of UTF-8 per sync; the run's log together is "
                                         "capped (--run-max-log-bytes)"))},
                   {S("log_offset"), describe(integer(0, 9007199254740992),
                                              S("UTF-8 byte offset in the run's log where log starts (default 0): "
                                                "overlapping bytes must equal the stored ones (409), later bytes "
                                                "are appended, past the end is 422"))},
                   {S("signature"), signature}});
}

QJsonObject ledgerSchema()
{
    return object({{S("workspace_id"), uuid(), true},
                   {S("head"), nullable(string(1, LedgerService::kMaxHeadLength)), true},
                   {S("version"), integer(0, kMaxSafeInteger), true},
                   {S("updated_at"), nullable(dateTime()), true}});
}

// A whole number from the query, or a validation error naming it.
Result<qint64> queryInt(const HttpRequest &r, const char *name, qint64 fallback, qint64 min, qint64 max)
{
    const QString key = S(name);
    if (!r.hasQuery(key))
        return fallback;
    bool ok = false;
    const qint64 v = r.queryValue(key).toLongLong(&ok);
    if (!ok || v < min || v > max)
        return Error::validation(key, S("out_of_range"),
                                 QStringLiteral("%1 must be a whole number from %2 to %3.").arg(key).arg(min).arg(max));
    return v;
}

// The same id check as the route's path for query ids: a malformed one is a
// validation error, not an empty answer.
Status queryUuid(const HttpRequest &r, const char *name)
{
    const QString key = S(name);
    if (r.hasQuery(key) && !ids::isUuid(r.queryValue(key)))
        return Error::validation(key, S("invalid"), QStringLiteral("%1 must be a lowercase UUID.").arg(key));
    return Ok{};
}

bool wantsZip(const HttpRequest &r)
{
    return r.header("accept").toLower().contains("application/zip");
}

HttpResponse stagingOff()
{
    HttpResponse r = HttpResponse::error(405, S("unsupported_action"),
                                         S("This instance is not in staging mode (WFX_STAGING)."));
    // RFC 9110 15.5.6: an empty Allow says the resource is disabled by configuration.
    r.header("Allow", QByteArray());
    return r;
}

} // namespace

// The signed retention proof (also answered by the BFF's staging route).
QJsonObject retentionProofSchema()
{
    return object({{S("project_id"), uuid(), true},
                                      {S("workspace_id"), uuid(), true},
                                      {S("generated_at"), dateTime(), true},
                                      {S("purged"), arrayOf(object({{S("target_type"), enumOf({S("run")}), true},
                                                                    {S("id"), uuid(), true},
                                                                    {S("client_run_id"), nullable(string()), true},
                                                                    {S("name"), nullable(string()), true},
                                                                    {S("purged_at"), dateTime(), true},
                                                                    {S("action"), string(), true},
                                                                    {S("audit_entry_id"), uuid(), true},
                                                                    {S("audit_hash"), string(), true}})),
                                       true},
                                      {S("truncated"), boolean(), true},
                                      {S("signature"), object({{S("alg"), enumOf({S("ed25519")}), true},
                                                               {S("public_key"), string(), true},
                                                               {S("sig"), string(), true},
                                                               {S("covers"), string(), true}}),
                                       true}});
}

void addRunRoutes(RouteTable &t, Services &s)
{
    const QJsonObject run = runSchema();

    t.route("POST", S("/api/sync/runs"), Access::Api, S("sync"),
            S("Sync a run, once or many times while it trains (per project and client_run_id: 201 created, 200 "
              "the stored run carried forward; a completed, failed or cancelled run is frozen: 409 on any change). "
              "Fields left out of a later sync keep their stored values; one run.update audit entry per sync "
              "that changes the run"))
        .body(syncBodySchema())
        .bodyAsDom() // the hot write path: read straight from simdjson's DOM into the rows
        .returns(201, wrapped(S("run"), run)) // 200 for a later sync: the same shape (one success status per route)
        .errors({403, 404, 409, 422})
        .handle([&s](HttpRequest &r) {
            // r.dom from the dispatcher; a caller that filled r.json instead (tests) is read the same.
            auto res = s.runs.sync(r.actor, r.dom ? SyncRequest::parse(*r.dom) : SyncRequest::parse(r.bodyObject()));
            if (!res)
                return HttpResponse::error(res.error());
            return HttpResponse::json(res->created ? 201 : 200, QJsonObject{{S("run"), res->run.toJson()}});
        });

    const QJsonObject ledger = ledgerSchema();
    t.route("GET", S("/api/sync/ledger-head"), Access::Api, S("sync"), S("The workspace's sync ledger head"))
        .query(S("workspace_id"), uuid())
        .returns(200, wrapped(S("ledger_head"), ledger))
        .errors({404, 422})
        .handle([&s](HttpRequest &r) {
            if (!r.hasQuery(S("workspace_id")))
                return HttpResponse::error(Error::validation(S("workspace_id"), S("required")));
            if (auto q = queryUuid(r, "workspace_id"); !q)
                return HttpResponse::error(q.error());
            return wrapped(s.ledger.head(r.actor, r.queryValue(S("workspace_id"))), "ledger_head");
        });
    t.route("POST", S("/api/sync/ledger-head"), Access::Api, S("sync"),
            S("Move the ledger head by compare-and-swap; a stale expected_head is 409 conflict whose error "
              "carries current {head, version}"))
        .body(object({{S("workspace_id"), uuid(), true},
                      {S("expected_head"), describe(nullable(string(1, LedgerService::kMaxHeadLength)),
                                                    S("The head the client last saw; null or absent: none yet"))},
                      {S("head"), string(1, LedgerService::kMaxHeadLength), true}}))
        .returns(200, wrapped(S("ledger_head"), ledger))
        .errors({403, 404, 409, 422})
        .handle([&s](HttpRequest &r) {
            const QJsonObject b = r.bodyObject();
            return wrapped(s.ledger.advance(r.actor, b.value(S("workspace_id")).toString(),
                                            b.value(S("expected_head")).toString(), b.value(S("head")).toString()),
                           "ledger_head");
        });

    t.route("GET", S("/api/runs"), Access::Api, S("runs"), S("Runs the caller can see, newest first"))
        .query(S("workspace_id"), uuid())
        .query(S("project_id"), uuid())
        .query(S("status"), enumOf({S("queued"), S("running"), S("completed"), S("failed"), S("cancelled")}))
        .query(S("evidence"), enumOf({S("verified"), S("unverified"), S("unsigned")}))
        .query(S("q"), describe(string(1, SyncRequest::kMaxTextLength), S("Part of the name (ASCII case-insensitive)")))
        .query(S("metric_filter"),
               describe(string(1, 2 * SyncRequest::kMaxTextLength),
                        S("Runs whose metric's last value (its value at the run's highest step of it) meets a "
                          "condition: a metric name, an operator (<, <=, >, >=, =, !=) and a number, e.g. "
                          "`loss<0.1` or `eval/return >= 200`. A name holding an operator character is "
                          "written in double quotes. Runs without that metric are left out.")))
        .query(S("order_by"),
               describe(string(1, SyncRequest::kMaxTextLength + 8),
                        S("`created_at` (default): newest first. `metric:NAME`: by the last value of metric "
                          "NAME, ascending, ties by id; `-metric:NAME`: descending. Runs without that metric "
                          "are left out. A cursor belongs to the order it was issued for.")))
        .paged()
        .returns(200, page(run))
        .errors({404, 422})
        .handle([&s](HttpRequest &r) {
            auto p = pageArgs(r);
            if (!p)
                return HttpResponse::error(p.error());
            for (const char *id : {"workspace_id", "project_id"}) {
                if (auto q = queryUuid(r, id); !q)
                    return HttpResponse::error(q.error());
            }
            RunFilter f;
            f.workspaceId = r.queryValue(S("workspace_id"));
            f.projectId = r.queryValue(S("project_id"));
            f.status = r.queryValue(S("status"));
            f.evidence = r.queryValue(S("evidence"));
            f.text = r.queryValue(S("q"));
            if (f.text.size() > SyncRequest::kMaxTextLength)
                return HttpResponse::error(Error::validation(S("q"), S("too_long")));
            if (r.hasQuery(S("metric_filter"))) {
                const auto parsed = metricfilter::parse(r.queryValue(S("metric_filter")));
                if (!parsed.condition)
                    return HttpResponse::error(
                        Error::validation(S("metric_filter"), S("invalid"), metricfilter::describe(parsed)));
                f.metric = parsed.condition;
            }
            if (r.hasQuery(S("order_by"))) {
                const QString order = r.queryValue(S("order_by"));
                const QLatin1String asc("metric:"), desc("-metric:");
                if (order.startsWith(asc) && order.size() > asc.size()) {
                    f.orderMetric = order.mid(asc.size());
                } else if (order.startsWith(desc) && order.size() > desc.size()) {
                    f.orderMetric = order.mid(desc.size());
                    f.orderDescending = true;
                } else if (order != QLatin1String("created_at")) {
                    return HttpResponse::error(Error::validation(
                        S("order_by"), S("invalid"), S("order_by is created_at, metric:NAME or -metric:NAME.")));
                }
            }
            JsonWriter w(64 + std::size_t(p->limit) * 448);
            if (auto listed = s.runs.writeList(w, r.actor, f, p->limit, p->cursor); !listed)
                return HttpResponse::error(listed.error());
            return HttpResponse::jsonBytes(200, w.take());
        });
    t.route("GET", S("/api/runs/{run_id}"), Access::Api, S("runs"), S("Get a run, with its metric names"))
        .returns(200, wrapped(S("run"), run))
        .errors({404})
        .handle([&s](HttpRequest &r) { return wrapped(s.runs.get(r.actor, r.param(S("run_id"))), "run"); });
    t.route("DELETE", S("/api/runs/{run_id}"), Access::Api, S("runs"),
            S("Delete a run with its metrics, log, signature and artifacts (member)"))
        .returns(204, {})
        .errors({403, 404})
        .handle([&s](HttpRequest &r) { return done(s.runs.remove(r.actor, r.param(S("run_id")))); });

    t.route("GET", S("/api/runs/{run_id}/manifest"), Access::Api, S("runs"), S("The run's manifest as synced"))
        .returns(200, wrapped(S("manifest"), anyObject()))
        .errors({404})
        .handle([&s](HttpRequest &r) {
            auto m = s.runs.manifest(r.actor, r.param(S("run_id")));
            if (!m)
                return HttpResponse::error(m.error());
            return HttpResponse::json(200, QJsonObject{{S("manifest"), *m}});
        });

    const QJsonObject point = object({{S("name"), string(1, SyncRequest::kMaxTextLength), true},
                                      {S("step"), integer(0, 9007199254740992), true},
                                      {S("value"), number(), true}});
    t.route("GET", S("/api/runs/{run_id}/metrics"), Access::Api, S("runs"),
            S("Metric points ordered by name and step; with max_points (and name) one whole series thinned "
              "with LTTB to at most max_points, next_cursor null"))
        .query(S("name"), string(1, SyncRequest::kMaxTextLength))
        .query(S("max_points"), integer(3, RunService::kMaxSeriesPoints))
        .paged()
        .returns(200, page(point))
        .errors({404, 422})
        .handle([&s](HttpRequest &r) {
            const QString id = r.param(S("run_id"));
            const QString name = r.queryValue(S("name"));
            if (r.hasQuery(S("max_points"))) {
                auto maxPoints = queryInt(r, "max_points", 0, 3, RunService::kMaxSeriesPoints);
                if (!maxPoints)
                    return HttpResponse::error(maxPoints.error());
                auto series = s.runs.metricSeries(r.actor, id, name, int(*maxPoints));
                if (!series)
                    return HttpResponse::error(series.error());
                QJsonArray items;
                for (const SeriesPoint &p : *series)
                    items.append(QJsonObject{{S("name"), name}, {S("step"), double(p.step)}, {S("value"), p.value}});
                return HttpResponse::json(200, QJsonObject{{S("items"), items},
                                                           {S("next_cursor"), QJsonValue(QJsonValue::Null)}});
            }
            auto p = pageArgs(r);
            if (!p)
                return HttpResponse::error(p.error());
            return paged(s.runs.metrics(r.actor, id, name, p->limit, p->cursor));
        });

    t.route("GET", S("/api/runs/{run_id}/log"), Access::Api, S("runs"),
            S("A slice of the log by UTF-8 byte offset (limit in bytes, default 64 KiB); follow next_offset"))
        .query(S("offset"), integer(0, kMaxSafeInteger))
        .query(S("limit"), integer(1, RunService::kMaxLogLimit))
        .returns(200, wrapped(S("log"), object({{S("content"), string(), true},
                                                  {S("offset"), integer(0, kMaxSafeInteger), true},
                                                  {S("total_bytes"), integer(0, kMaxSafeInteger), true},
                                                  {S("next_offset"), nullable(integer(0, kMaxSafeInteger)), true}})))
        .errors({404, 422})
        .handle([&s](HttpRequest &r) {
            auto offset = queryInt(r, "offset", 0, 0, kMaxSafeInteger);
            if (!offset)
                return HttpResponse::error(offset.error());
            auto limit = queryInt(r, "limit", RunService::kDefaultLogLimit, 1, RunService::kMaxLogLimit);
            if (!limit)
                return HttpResponse::error(limit.error());
            return wrapped(s.runs.log(r.actor, r.param(S("run_id")), *offset, *limit), "log");
        });

    t.route("GET", S("/api/runs/{run_id}/signature"), Access::Api, S("runs"),
            S("The run's client signature and its verification; an unsigned run answers signature null"))
        .returns(200, wrapped(S("signature"), object({{S("run_id"), uuid(), true},
                                                        {S("evidence"), enumOf({S("verified"), S("unverified"), S("unsigned")}), true},
                                                        {S("alg"), enumOf({S("ed25519")})},
                                                        {S("public_key"), string()},
                                                        {S("sig"), string()},
                                                        {S("verified"), boolean()},
                                                        {S("signed_sha256"), string(64, 64)},
                                                        {S("checked_at"), dateTime()},
                                                        {S("signature"), describe({{S("type"), S("null")}},
                                                                                  S("Present (null) when unsigned"))}})))
        .errors({404})
        .handle([&s](HttpRequest &r) { return wrapped(s.runs.signature(r.actor, r.param(S("run_id"))), "signature"); });

    t.route("GET", S("/api/runs/{run_id}/compliance_mapping"), Access::Api, S("runs"),
            S("The controls the run's evidence satisfies or not"))
        .returns(200, wrapped(S("compliance_mapping"),
                              object({{S("run_id"), uuid(), true},
                                      {S("items"), arrayOf(object({{S("framework"), string(), true},
                                                                   {S("control"), string(), true},
                                                                   {S("status"), enumOf({S("satisfied"), S("not_satisfied")}), true},
                                                                   {S("evidence"), string(), true}})),
                                       true}})))
        .errors({404})
        .handle([&s](HttpRequest &r) {
            const QString id = r.param(S("run_id"));
            auto items = s.runs.complianceMapping(r.actor, id);
            if (!items)
                return HttpResponse::error(items.error());
            QJsonArray arr;
            for (const ComplianceItem &i : *items)
                arr.append(i.toJson());
            return HttpResponse::json(200, QJsonObject{{S("compliance_mapping"),
                                                        QJsonObject{{S("run_id"), id}, {S("items"), arr}}}});
        });

    auto packager = std::make_shared<EvidencePackager>(s.ctx, s.config.signingKey);
    t.route("POST", S("/api/runs/{run_id}/evidence-package"), Access::Api, S("runs"),
            S("Export the run's signed evidence package (ZIP: manifest.json, metrics.csv, log.txt, signature.json, "
              "audit.json, index.json with each file's SHA-256 and size, index.sig = Ed25519 of index.json by the "
              "instance key). With Accept: application/zip the answer is the ZIP itself (Content-Disposition: "
              "attachment); otherwise this JSON with the ZIP in zip_base64"))
        .returns(200, wrapped(S("evidence_package"),
                              object({{S("run_id"), uuid(), true},
                                      {S("file_name"), string(), true},
                                      {S("content_type"), enumOf({S("application/zip")}), true},
                                      {S("size_bytes"), integer(0, kMaxSafeInteger), true},
                                      {S("sha256"), string(64, 64), true},
                                      {S("generated_at"), dateTime(), true},
                                      {S("index"), anyObject(), true},
                                      {S("index_sig"), string(), true},
                                      {S("zip_base64"), string(), true}})))
        .errors({404, 503})
        .handle([packager](HttpRequest &r) {
            auto pkg = packager->build(r.actor, r.param(S("run_id")));
            if (!pkg)
                return HttpResponse::error(pkg.error());
            if (wantsZip(r)) {
                HttpResponse resp;
                resp.contentType = "application/zip";
                resp.body = pkg->zip;
                resp.header("Content-Disposition", "attachment; filename=\"" + pkg->fileName.toLatin1() + '"');
                resp.header("Cache-Control", "no-store");
                return resp;
            }
            QJsonObject o = pkg->toJson();
            o.insert(S("zip_base64"), QString::fromLatin1(pkg->zip.toBase64()));
            HttpResponse resp = HttpResponse::json(200, QJsonObject{{S("evidence_package"), o}});
            resp.header("Cache-Control", "no-store");
            return resp;
        });

    auto staging = std::make_shared<StagingService>(s.ctx, s.config.signingKey);
    const bool stagingOn = s.config.staging;
    t.route("DELETE", S("/api/projects/{project_id}/staging-e2e-tree"), Access::Api, S("projects"),
            S("Staging only (WFX_STAGING=1; else 405): delete the project's e2e fixture runs (client_run_id "
              "starting with e2e-) and their artifacts, at most 500 a call (more: true)"))
        .returns(200, wrapped(S("purge"),
                              object({{S("project_id"), uuid(), true},
                                      {S("workspace_id"), uuid(), true},
                                      {S("purged_at"), dateTime(), true},
                                      {S("runs"), arrayOf(object({{S("id"), uuid(), true},
                                                                  {S("client_run_id"), string(), true},
                                                                  {S("name"), string(), true},
                                                                  {S("artifacts"), integer(0, kMaxSafeInteger), true}})),
                                       true},
                                      {S("artifacts"), integer(0, kMaxSafeInteger), true},
                                      {S("more"), boolean(), true}})))
        .errors({403, 404, 405})
        .handle([staging, stagingOn](HttpRequest &r) {
            if (!stagingOn)
                return stagingOff();
            return wrapped(staging->purgeE2eTree(r.actor, r.param(S("project_id"))), "purge");
        });
    t.route("POST", S("/api/projects/{project_id}/staging-retention-proof"), Access::Api, S("projects"),
            S("Staging only (WFX_STAGING=1; else 405): the project's purged runs from the audit log, signed with "
              "the instance Ed25519 key over the RFC 8785 form of retention_proof without signature"))
        .returns(200, wrapped(S("retention_proof"), retentionProofSchema()))
        .errors({403, 404, 405, 503})
        .handle([staging, stagingOn](HttpRequest &r) {
            if (!stagingOn)
                return stagingOff();
            return wrapped(staging->retentionProof(r.actor, r.param(S("project_id"))), "retention_proof");
        });
}

} // namespace wfx
