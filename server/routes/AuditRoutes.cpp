// SPDX-License-Identifier: Apache-2.0
// The instance's hash-chained audit log, as far as the caller may see it.
#include "routes/RouteUtil.h"
#include "routes/Routes.h"

#include "core/Ids.h"
#include "core/RouteTable.h"
#include "core/Schema.h"
#include "core/Services.h"

namespace wfx {

using namespace schema;
using namespace routeutil;

namespace {

constexpr int kMaxFilterLength = 200;

QJsonObject auditEntrySchema()
{
    return object({{S("id"), uuid(), true},
                   {S("seq"), integer(1, 9007199254740991), true},
                   {S("at"), dateTime(), true},
                   {S("action"), describe(string(1, kMaxFilterLength), S("Dotted, e.g. share.create")), true},
                   {S("actor_id"), describe(nullable(uuid()), S("null for the system")), true},
                   {S("workspace_id"), nullable(uuid()), true},
                   {S("target_type"), string(0, kMaxFilterLength), true},
                   {S("target_id"), nullable(string()), true},
                   {S("ip"), nullable(string()), true},
                   {S("detail"), anyObject(), true},
                   {S("prev_hash"), describe(nullable(string()), S("The hash of the entry written before")), true},
                   {S("hash"), string(64, 64), true}});
}

// Reads the filters; a malformed one is a validation error on its name.
Result<AuditFilter> auditFilter(const HttpRequest &r)
{
    AuditFilter f;
    f.workspaceId = r.queryValue(S("workspace_id"));
    f.actorId = r.queryValue(S("actor_id"));
    f.action = r.queryValue(S("action"));
    f.targetType = r.queryValue(S("target_type"));
    f.targetId = r.queryValue(S("target_id"));
    for (const auto &[name, value] : {std::pair{"workspace_id", f.workspaceId}, std::pair{"actor_id", f.actorId}}) {
        if (!value.isEmpty() && !ids::isUuid(value))
            return Error::validation(S(name), S("invalid"), S("%1 must be an id.").arg(S(name)));
    }
    for (const auto &[name, value] : {std::pair{"action", f.action}, std::pair{"target_type", f.targetType},
                                      std::pair{"target_id", f.targetId}}) {
        if (value.size() > kMaxFilterLength)
            return Error::validation(S(name), S("too_long"), S("At most %1 characters.").arg(kMaxFilterLength));
    }
    for (const auto &[name, target] : {std::pair{"from", &f.fromMs}, std::pair{"to", &f.toMs}}) {
        const QString v = r.queryValue(S(name));
        if (v.isEmpty())
            continue;
        const auto t = ids::parseTime(v);
        if (!t || *t <= 0)
            return Error::validation(S(name), S("invalid"), S("%1 must be an RFC 3339 time.").arg(S(name)));
        *target = *t;
    }
    return f;
}

} // namespace

void addAuditRoutes(RouteTable &t, Services &s)
{
    t.route("GET", S("/api/audit/logs"), Access::Api, S("audit"),
            S("Audit entries newest first: a workspace's to its owners and admins, entries without a workspace to "
              "their actor (and to instance administrators). A workspace_id the caller does not administer: 404"))
        .query(S("workspace_id"), uuid())
        .query(S("action"), string(1, kMaxFilterLength))
        .query(S("actor_id"), uuid())
        .query(S("target_type"), string(1, kMaxFilterLength))
        .query(S("target_id"), string(1, kMaxFilterLength))
        .query(S("from"), describe(dateTime(), S("Entries at or after this time")))
        .query(S("to"), describe(dateTime(), S("Entries before this time")))
        .paged()
        .returns(200, page(auditEntrySchema())).errors({404, 422})
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
