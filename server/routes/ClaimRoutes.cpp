// SPDX-License-Identifier: Apache-2.0
// Claims (members), and the public reads built on published work: the museum,
// the VLA leaderboard, and the instance's operational status.
#include "server/routes/RouteUtil.h"
#include "server/routes/Routes.h"

#include "server/core/RouteTable.h"
#include "server/core/Schema.h"
#include "server/core/Services.h"

using namespace Qt::StringLiterals;

namespace wfx {

using namespace schema;
using namespace routeutil;

namespace {

QJsonObject claimSchema()
{
    return object({{u"id"_s, uuid(), true},
                   {u"workspace_id"_s, uuid(), true},
                   {u"run_id"_s, uuid(), true},
                   {u"statement"_s, string(1, ClaimService::kMaxStatementLength), true},
                   {u"metric_name"_s, string(1, ClaimService::kMaxMetricNameLength), true},
                   {u"comparator"_s, enumOf({u"<"_s, u"<="_s, u">"_s, u">="_s}), true},
                   {u"threshold"_s, number(), true},
                   {u"aggregate"_s, enumOf({u"last"_s, u"min"_s, u"max"_s, u"mean"_s}), true},
                   {u"status"_s, enumOf({u"supported"_s, u"refuted"_s, u"unverifiable"_s}), true},
                   {u"observed"_s,
                    describe(nullable(number()), u"The aggregate; null when unverifiable"_s), true},
                   {u"published"_s, boolean(), true},
                   {u"created_at"_s, dateTime(), true},
                   {u"verified_at"_s, dateTime(), true}});
}

QJsonObject museumEntrySchema()
{
    const QJsonObject run = object({{u"name"_s, string(), true},
                                    {u"status"_s, string(), true},
                                    {u"evidence"_s, enumOf({u"verified"_s, u"unsigned"_s}), true},
                                    {u"started_at"_s, nullable(dateTime()), true},
                                    {u"finished_at"_s, nullable(dateTime()), true},
                                    {u"metric_names"_s, arrayOf(string()), true}});
    return object({{u"id"_s, uuid(), true},
                   {u"title"_s, string(1, MuseumService::kMaxTitleLength), true},
                   {u"description"_s, string(0, MuseumService::kMaxDescriptionLength), true},
                   {u"published_at"_s, dateTime(), true},
                   {u"run"_s, run, true}});
}

QJsonObject leaderboardSchema()
{
    const QJsonObject runView = object({{u"name"_s, string(), true},
                                        {u"evidence"_s, string(), true},
                                        {u"finished_at"_s, nullable(dateTime()), true}});
    const QJsonObject entry =
        object({{u"rank"_s, integer(1, LeaderboardService::kMaxEntriesPerGroup), true},
                {u"observed"_s, number(), true},
                {u"comparator"_s, enumOf({u"<"_s, u"<="_s, u">"_s, u">="_s}), true},
                {u"threshold"_s, number(), true},
                {u"statement"_s, string(), true},
                {u"verified_at"_s, dateTime(), true},
                {u"museum_entry_id"_s, uuid(), true},
                {u"title"_s, string(), true},
                {u"run"_s, runView, true}});
    const QJsonObject group =
        object({{u"metric"_s, string(), true},
                {u"aggregate"_s, enumOf({u"last"_s, u"min"_s, u"max"_s, u"mean"_s}), true},
                {u"direction"_s, enumOf({u"lower_is_better"_s, u"higher_is_better"_s}), true},
                {u"entries"_s, arrayOf(entry, LeaderboardService::kMaxEntriesPerGroup), true}});
    return object({{u"id"_s, uuid(), true},
                   {u"board"_s, enumOf(LeaderboardService::boards()), true},
                   {u"created_at"_s, dateTime(), true},
                   {u"groups"_s, arrayOf(group), true}});
}

} // namespace

void addClaimRoutes(RouteTable &routes, Services &services)
{
    const QJsonObject claim = claimSchema();
    routes
        .route("GET", u"/api/claims"_s, Access::Api, u"claims"_s,
               u"Claims in the caller's workspaces, newest first"_s)
        .proxied({u"limit"_s, u"cursor"_s})
        .paged(claim)
        .handle(pagedBy(services.claims, &ClaimService::list));
    addRead(routes, u"/api/claims/{claim_id}"_s, u"claims"_s, u"Get a claim"_s, Proxy::On,
            {u"claim"_s, claim}, services.claims, &ClaimService::get);

    routes
        .route(
            "GET", u"/api/museum"_s, Access::Public, u"museum"_s,
            u"The public gallery of published runs, newest first (no internal id but the entry's own)"_s)
        .proxied()
        .paged(museumEntrySchema())
        .handle(pagedBy([&services](HttpRequest &, int limit, const QString &cursor) {
            return services.museum.listPublic(limit, cursor);
        }));

    const QJsonObject board = leaderboardSchema();
    routes
        .route(
            "GET", u"/api/public/vla-leaderboard"_s, Access::Public, u"museum"_s,
            u"The latest VLA leaderboard: published, supported claims on museum runs, ranked per "
            u"metric, "
            "aggregate and direction"_s)
        .returns(200, wrapped(u"leaderboard"_s, board))
        .errors({503})
        .handle([&services](HttpRequest &) {
            return wrapped(services.leaderboard.latest(u"vla"_s), "leaderboard");
        });
    routes
        .route("GET", u"/api/public/vla-leaderboard/history"_s, Access::Public, u"museum"_s,
               u"Earlier VLA leaderboard snapshots, newest first"_s)
        .paged(board)
        .handle(pagedBy([&services](HttpRequest &, int limit, const QString &cursor) {
            return services.leaderboard.history(u"vla"_s, limit, cursor);
        }));

    const QJsonObject overall = enumOf({u"operational"_s, u"degraded"_s, u"down"_s});
    const QJsonObject component =
        object({{u"name"_s, enumOf({u"database"_s, u"artifact_store"_s}), true},
                {u"status"_s, overall, true},
                {u"latency_ms"_s, integer(0, 9007199254740991), true},
                {u"checked_at"_s, dateTime(), true}});
    const QJsonObject hour =
        object({{u"hour"_s, dateTime(), true},
                {u"uptime"_s, describe(nullable(number()), u"0..1; null: no samples"_s), true},
                {u"samples"_s, integer(0, 9007199254740991), true},
                {u"components"_s, anyObject(), true}});
    routes
        .route(
            "GET", u"/api/status"_s, Access::Public, u"status"_s,
            u"Operational status: each component probed now, and the last 24 hours of uptime, oldest first"_s)
        .proxied()
        .returns(200, object({{u"status"_s, overall, true},
                              {u"components"_s, arrayOf(component), true},
                              {u"history"_s, arrayOf(hour), true}}))
        .handle([&services](HttpRequest &) {
            return HttpResponse::json(200, services.status.status().toJson());
        });
    routes
        .route("GET", u"/api/status/operational"_s, Access::Public, u"status"_s,
               u"The overall status alone (answered with 200 whatever it is)"_s)
        .returns(200, object({{u"status"_s, overall, true}}))
        .handle([&services](HttpRequest &) {
            const QList<ComponentStatus> now{services.status.checkDatabase(),
                                             services.status.checkArtifactStore()};
            return HttpResponse::json(
                200, QJsonObject{{u"status"_s, StatusService::overallStatus(now)}});
        });
}

} // namespace wfx
