// SPDX-License-Identifier: Apache-2.0
// Claims (members), and the public reads built on published work: the museum,
// the VLA leaderboard, and the instance's operational status.
#include "routes/RouteUtil.h"
#include "routes/Routes.h"

#include "core/RouteTable.h"
#include "core/Schema.h"
#include "core/Services.h"

namespace wfx {

using namespace schema;
using namespace routeutil;

namespace {

QJsonObject claimSchema()
{
    return object({{S("id"), uuid(), true},
                   {S("workspace_id"), uuid(), true},
                   {S("run_id"), uuid(), true},
                   {S("statement"), string(1, ClaimService::kMaxStatementLength), true},
                   {S("metric_name"), string(1, ClaimService::kMaxMetricNameLength), true},
                   {S("comparator"), enumOf({S("<"), S("<="), S(">"), S(">=")}), true},
                   {S("threshold"), number(), true},
                   {S("aggregate"), enumOf({S("last"), S("min"), S("max"), S("mean")}), true},
                   {S("status"), enumOf({S("supported"), S("refuted"), S("unverifiable")}), true},
                   {S("observed"), describe(nullable(number()), S("The aggregate; null when unverifiable")), true},
                   {S("published"), boolean(), true},
                   {S("created_at"), dateTime(), true},
                   {S("verified_at"), dateTime(), true}});
}

QJsonObject museumEntrySchema()
{
    const QJsonObject run = object({{S("name"), string(), true},
                                    {S("status"), string(), true},
                                    {S("evidence"), enumOf({S("verified"), S("unsigned")}), true},
                                    {S("started_at"), nullable(dateTime()), true},
                                    {S("finished_at"), nullable(dateTime()), true},
                                    {S("metric_names"), arrayOf(string()), true}});
    return object({{S("id"), uuid(), true},
                   {S("title"), string(1, MuseumService::kMaxTitleLength), true},
                   {S("description"), string(0, MuseumService::kMaxDescriptionLength), true},
                   {S("published_at"), dateTime(), true},
                   {S("run"), run, true}});
}

QJsonObject leaderboardSchema()
{
    const QJsonObject runView = object({{S("name"), string(), true},
                                        {S("evidence"), string(), true},
                                        {S("finished_at"), nullable(dateTime()), true}});
    const QJsonObject entry = object({{S("rank"), integer(1, LeaderboardService::kMaxEntriesPerGroup), true},
                                      {S("observed"), number(), true},
                                      {S("comparator"), enumOf({S("<"), S("<="), S(">"), S(">=")}), true},
                                      {S("threshold"), number(), true},
                                      {S("statement"), string(), true},
                                      {S("verified_at"), dateTime(), true},
                                      {S("museum_entry_id"), uuid(), true},
                                      {S("title"), string(), true},
                                      {S("run"), runView, true}});
    const QJsonObject group = object({{S("metric"), string(), true},
                                      {S("aggregate"), enumOf({S("last"), S("min"), S("max"), S("mean")}), true},
                                      {S("direction"), enumOf({S("lower_is_better"), S("higher_is_better")}), true},
                                      {S("entries"), arrayOf(entry, LeaderboardService::kMaxEntriesPerGroup), true}});
    return object({{S("id"), uuid(), true},
                   {S("board"), enumOf(LeaderboardService::boards()), true},
                   {S("created_at"), dateTime(), true},
                   {S("groups"), arrayOf(group), true}});
}

} // namespace

void addClaimRoutes(RouteTable &t, Services &s)
{
    const QJsonObject claim = claimSchema();
    t.route("GET", S("/api/claims"), Access::Api, S("claims"), S("Claims in the caller's workspaces, newest first"))
        .paged().returns(200, page(claim)).errors({422})
        .handle([&s](HttpRequest &r) {
            auto p = pageArgs(r);
            if (!p)
                return HttpResponse::error(p.error());
            return paged(s.claims.list(r.actor, p->limit, p->cursor));
        });
    t.route("GET", S("/api/claims/{claim_id}"), Access::Api, S("claims"), S("Get a claim"))
        .returns(200, wrapped(S("claim"), claim)).errors({404})
        .handle([&s](HttpRequest &r) { return wrapped(s.claims.get(r.actor, r.param(S("claim_id"))), "claim"); });

    t.route("GET", S("/api/museum"), Access::Public, S("museum"),
            S("The public gallery of published runs, newest first (no internal id but the entry's own)"))
        .paged().returns(200, page(museumEntrySchema())).errors({422})
        .handle([&s](HttpRequest &r) {
            auto p = pageArgs(r);
            if (!p)
                return HttpResponse::error(p.error());
            return paged(s.museum.listPublic(p->limit, p->cursor));
        });

    const QJsonObject board = leaderboardSchema();
    t.route("GET", S("/api/public/vla-leaderboard"), Access::Public, S("museum"),
            S("The latest VLA leaderboard: published, supported claims on museum runs, ranked per metric, "
              "aggregate and direction"))
        .returns(200, wrapped(S("leaderboard"), board)).errors({503})
        .handle([&s](HttpRequest &) { return wrapped(s.leaderboard.latest(S("vla")), "leaderboard"); });
    t.route("GET", S("/api/public/vla-leaderboard/history"), Access::Public, S("museum"),
            S("Earlier VLA leaderboard snapshots, newest first"))
        .paged().returns(200, page(board)).errors({422})
        .handle([&s](HttpRequest &r) {
            auto p = pageArgs(r);
            if (!p)
                return HttpResponse::error(p.error());
            return paged(s.leaderboard.history(S("vla"), p->limit, p->cursor));
        });

    const QJsonObject overall = enumOf({S("operational"), S("degraded"), S("down")});
    const QJsonObject component = object({{S("name"), enumOf({S("database"), S("artifact_store")}), true},
                                          {S("status"), overall, true},
                                          {S("latency_ms"), integer(0, 9007199254740991), true},
                                          {S("checked_at"), dateTime(), true}});
    const QJsonObject hour = object({{S("hour"), dateTime(), true},
                                     {S("uptime"), describe(nullable(number()), S("0..1; null: no samples")), true},
                                     {S("samples"), integer(0, 9007199254740991), true},
                                     {S("components"), anyObject(), true}});
    t.route("GET", S("/api/status"), Access::Public, S("status"),
            S("Operational status: each component probed now, and the last 24 hours of uptime, oldest first"))
        .returns(200, object({{S("status"), overall, true},
                              {S("components"), arrayOf(component), true},
                              {S("history"), arrayOf(hour), true}}))
        .handle([&s](HttpRequest &) { return HttpResponse::json(200, s.status.status().toJson()); });
    t.route("GET", S("/api/status/operational"), Access::Public, S("status"),
            S("The overall status alone (answered with 200 whatever it is)"))
        .returns(200, object({{S("status"), overall, true}}))
        .handle([&s](HttpRequest &) {
            const QList<ComponentStatus> now{s.status.checkDatabase(), s.status.checkArtifactStore()};
            return HttpResponse::json(200, QJsonObject{{S("status"), StatusService::overallStatus(now)}});
        });
}

} // namespace wfx
