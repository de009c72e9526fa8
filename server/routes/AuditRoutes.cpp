// SPDX-License-Identifier: Apache-2.0
// The instance's hash-chained audit log, as far as the caller may see it.
#include "server/routes/RouteUtil.h"
#include "server/routes/Routes.h"

#include "models/core/Ids.h"
#include "server/core/RouteTable.h"
#include "server/core/Schema.h"
#include "server/core/Services.h"
#include "server/core/ShapeSchema.h"

using namespace Qt::StringLiterals;

namespace wfx {

using namespace schema;
using namespace routeutil;

namespace {

constexpr int kMaxFilterLength = 200;

QJsonObject auditEntrySchema()
{
    return schema::of(kAuditEntryFields, shape::Api);
}

} // namespace

void addAuditRoutes(RouteTable &routes, Services &services)
{
    routes
        .route(
            "GET", u"/api/audit/logs"_s, Access::Api, u"audit"_s,
            u"Audit entries newest first: a workspace's to its owners and admins, entries without "
            u"a "
            u"workspace to "
            "their actor (and to instance administrators). A workspace_id the caller does not administer: 404"_s)
        .query(u"workspace_id"_s, uuid())
        .query(u"action"_s, string(1, kMaxFilterLength))
        .query(u"actor_id"_s, uuid())
        .query(u"target_type"_s, string(1, kMaxFilterLength))
        .query(u"target_id"_s, string(1, kMaxFilterLength))
        .query(u"from"_s, describe(dateTime(), u"Entries at or after this time"_s))
        .query(u"to"_s, describe(dateTime(), u"Entries before this time"_s))
        .paged(auditEntrySchema())
        .errors({404})
        .handle([&services](HttpRequest &request) {
            AuditFilter filter;
            filter.workspaceId = request.query<QString>(u"workspace_id"_s);
            filter.actorId = request.query<QString>(u"actor_id"_s);
            filter.action = request.query<QString>(u"action"_s);
            filter.targetType = request.query<QString>(u"target_type"_s);
            filter.targetId = request.query<QString>(u"target_id"_s);
            filter.fromMs = ids::parseTime(request.query<QString>(u"from"_s)).value_or(0);
            filter.toMs = ids::parseTime(request.query<QString>(u"to"_s)).value_or(0);
            const HttpRequest::Page page = request.page();
            return paged(services.audit.list(request.actor, filter, page.limit, page.cursor));
        });
}

} // namespace wfx
