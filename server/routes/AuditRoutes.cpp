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

// Reads the filters; a malformed one is a validation error on its name.
Result<AuditFilter> auditFilter(const HttpRequest &r)
{
    AuditFilter f;
    f.workspaceId = r.queryValue(u"workspace_id"_s);
    f.actorId = r.queryValue(u"actor_id"_s);
    f.action = r.queryValue(u"action"_s);
    f.targetType = r.queryValue(u"target_type"_s);
    f.targetId = r.queryValue(u"target_id"_s);
    for (const auto &[name, value] :
         {std::pair{"workspace_id", f.workspaceId}, std::pair{"actor_id", f.actorId}}) {
        if (!value.isEmpty() && !ids::isUuid(value))
            return Error::validation(QString::fromLatin1(name), u"invalid"_s,
                                     u"%1 must be an id."_s.arg(QString::fromLatin1(name)));
    }
    for (const auto &[name, value] :
         {std::pair{"action", f.action}, std::pair{"target_type", f.targetType},
          std::pair{"target_id", f.targetId}}) {
        if (value.size() > kMaxFilterLength)
            return Error::validation(QString::fromLatin1(name), u"too_long"_s,
                                     u"At most %1 characters."_s.arg(kMaxFilterLength));
    }
    for (const auto &[name, target] : {std::pair{"from", &f.fromMs}, std::pair{"to", &f.toMs}}) {
        const QString v = r.queryValue(QString::fromLatin1(name));
        if (v.isEmpty())
            continue;
        const auto t = ids::parseTime(v);
        if (!t || *t <= 0)
            return Error::validation(
                QString::fromLatin1(name), u"invalid"_s,
                u"%1 must be an RFC 3339 time."_s.arg(QString::fromLatin1(name)));
        *target = *t;
    }
    return f;
}

} // namespace

void addAuditRoutes(RouteTable &t, Services &s)
{
    t.route(
         "GET", u"/api/audit/logs"_s, Access::Api, u"audit"_s,
         u"Audit entries newest first: a workspace's to its owners and admins, entries without a "
         u"workspace to "
         "their actor (and to instance administrators). A workspace_id the caller does not administer: 404"_s)
        .query(u"workspace_id"_s, uuid())
        .query(u"action"_s, string(1, kMaxFilterLength))
        .query(u"actor_id"_s, uuid())
        .query(u"target_type"_s, string(1, kMaxFilterLength))
        .query(u"target_id"_s, string(1, kMaxFilterLength))
        .query(u"from"_s, describe(dateTime(), u"Entries at or after this time"_s))
        .query(u"to"_s, describe(dateTime(), u"Entries before this time"_s))
        .paged()
        .returns(200, page(auditEntrySchema()))
        .errors({404, 422})
        .handle([&s](HttpRequest &r) {
            auto p = pageArgs(r);
            if (!p)
                return HttpResponse::error(p.error());
            auto f = auditFilter(r);
            if (!f)
                return HttpResponse::error(f.error());
            return paged(s.audit.list(r.actor, *f, p->limit, p->cursor));
        });
}

} // namespace wfx
