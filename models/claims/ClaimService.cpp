// SPDX-License-Identifier: Apache-2.0
#include "claims/ClaimService.h"

#include "audit/AuditService.h"
#include "core/Access.h"
#include "core/Clock.h"
#include "core/Ids.h"
#include "core/Keyset.h"
#include "db/Database.h"
#include "db/Tx.h"
#include "runs/MetricStore.h"
#include "workspaces/WorkspaceService.h"

#include <QJsonValue>

#include <cmath>

namespace wfx {

namespace {
const QString kClaim = QStringLiteral("Claim");
const QString kRun = QStringLiteral("Run");

QString S(const char *s) { return QString::fromLatin1(s); }

const QString kColumns = QStringLiteral(
    "SELECT id, workspace_id, run_id, statement, metric_name, comparator, threshold, aggregate, status, "
    "observed, published, created_at, verified_at FROM claims");

Claim readClaim(const Query &q)
{
    Claim c;
    c.id = q.str(0);
    c.workspaceId = q.str(1);
    c.runId = q.str(2);
    c.statement = q.str(3);
    c.metricName = q.str(4);
    c.comparator = q.str(5);
    c.threshold = q.dbl(6);
    c.aggregate = q.str(7);
    c.status = q.str(8);
    if (!q.isNull(9))
        c.observed = q.dbl(9);
    c.published = q.i64(10) != 0;
    c.createdAt = q.i64(11);
    c.verifiedAt = q.i64(12);
    return c;
}

bool isComparator(const QString &c)
{
    return c == QLatin1String("<") || c == QLatin1String("<=") || c == QLatin1String(">") || c == QLatin1String(">=");
}

bool isAggregate(const QString &a)
{
    return a == QLatin1String("last") || a == QLatin1String("min") || a == QLatin1String("max")
        || a == QLatin1String("mean");
}

bool holds(double observed, const QString &comparator, double threshold)
{
    if (comparator == QLatin1String("<"))
        return observed < threshold;
    if (comparator == QLatin1String("<="))
        return observed <= threshold;
    if (comparator == QLatin1String(">"))
        return observed > threshold;
    return observed >= threshold;
}

QVariant observedValue(const std::optional<double> &o)
{
    return o ? QVariant(*o) : QVariant(QMetaType::fromType<double>());
}

Status checkLimit(int limit)
{
    if (limit < 1 || limit > cursor::kMaxLimit)
        return Error::validation(S("limit"), S("out_of_range"), S("limit must be between 1 and 200."));
    return Ok{};
}
} // namespace

QJsonObject Claim::toJson() const
{
    return {{S("id"), id},
            {S("workspace_id"), workspaceId},
            {S("run_id"), runId},
            {S("statement"), statement},
            {S("metric_name"), metricName},
            {S("comparator"), comparator},
            {S("threshold"), threshold},
            {S("aggregate"), aggregate},
            {S("status"), status},
            {S("observed"), observed ? QJsonValue(*observed) : QJsonValue(QJsonValue::Null)},
            {S("published"), published},
            {S("created_at"), ids::formatTime(createdAt)},
            {S("verified_at"), ids::formatTime(verifiedAt)}};
}

Result<ClaimVerdict> ClaimService::verify(const QSqlDatabase &conn, const QString &runId, const QString &metricName,
                                          const QString &comparator, double threshold, const QString &aggregate)
{
    if (aggregate != QLatin1String("last") && aggregate != QLatin1String("min") &&
        aggregate != QLatin1String("max") && aggregate != QLatin1String("mean"))
        return Error::validation(S("aggregate"), S("invalid"), S("aggregate must be last, min, max or mean."));
    auto value = metricstore::aggregate(conn, runId, metricName, aggregate);
    if (!value)
        return value.error();
    ClaimVerdict v{S("unverifiable"), std::nullopt};
    // No points (or a non-finite aggregate, which no JSON number can carry): unverifiable.
    if (*value && std::isfinite(**value)) {
        const double observed = **value;
        v.observed = observed;
        v.status = holds(observed, comparator, threshold) ? S("supported") : S("refuted");
    }
    return v;
}

Result<Claim> ClaimService::load(const QSqlDatabase &conn, const QString &id)
{
    if (!ids::isUuid(id))
        return Error::notFound(kClaim);
    Query q(conn, kColumns + S(" WHERE id = :id"));
    q.bind(S(":id"), id);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kClaim);
    return readClaim(q);
}

Result<Claim> ClaimService::create(const Actor &actor, const QString &runId, const QString &statement,
                                   const QString &metricName, const QString &comparator, double threshold,
                                   const QString &aggregate)
{
    return create(actor, ClaimInput{runId, statement, metricName, comparator, threshold, aggregate});
}

Result<Claim> ClaimService::create(const Actor &actor, const ClaimInput &in)
{
    // Every field is checked before anything is read, and all issues are reported at once.
    Error invalid{ErrorCode::Validation, S("The claim is not valid.")};
    if (!ids::isUuid(in.runId))
        invalid.details.append({S("run_id"), in.runId.isEmpty() ? S("required") : S("invalid")});
    auto statement = validName(S("statement"), in.statement, kMaxStatementLength);
    if (!statement)
        invalid.details.append(statement.error().details);
    auto metric = validName(S("metric_name"), in.metricName, kMaxMetricNameLength);
    if (!metric)
        invalid.details.append(metric.error().details);
    if (!isComparator(in.comparator))
        invalid.details.append({S("comparator"), in.comparator.isEmpty() ? S("required") : S("invalid")});
    if (!std::isfinite(in.threshold))
        invalid.details.append({S("threshold"), S("invalid")});
    const QString aggregate = in.aggregate.isEmpty() ? S("last") : in.aggregate;
    if (!isAggregate(aggregate))
        invalid.details.append({S("aggregate"), S("invalid")});
    if (!invalid.details.isEmpty())
        return invalid;

    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    Query r = tx.query(S("SELECT workspace_id FROM runs WHERE id = :id"));
    r.bind(S(":id"), in.runId);
    if (!r.exec())
        return r.error();
    if (!r.next())
        return Error::notFound(kRun);
    const QString workspaceId = r.str(0);
    r.raw().finish();
    if (auto role = access::requireRole(tx.conn(), actor, workspaceId, Role::Member, kRun); !role)
        return role.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    auto verdict = verify(tx.conn(), in.runId, *metric, in.comparator, in.threshold, aggregate);
    if (!verdict)
        return verdict.error();
    const qint64 now = m_ctx.clock->nowMs();
    Claim c;
    c.id = ids::newUuid();
    c.workspaceId = workspaceId;
    c.runId = in.runId;
    c.statement = *statement;
    c.metricName = *metric;
    c.comparator = in.comparator;
    c.threshold = in.threshold;
    c.aggregate = aggregate;
    c.status = verdict->status;
    c.observed = verdict->observed;
    c.createdAt = now;
    c.verifiedAt = now;
    Query ins = tx.query(S("INSERT INTO claims (id, workspace_id, run_id, statement, metric_name, comparator, threshold, "
                           "aggregate, status, observed, published, created_by, created_at, verified_at) VALUES "
                           "(:id, :w, :r, :s, :m, :c, :th, :a, :st, :o, 0, :by, :t, :t)"));
    ins.bind(S(":id"), c.id).bind(S(":w"), c.workspaceId).bind(S(":r"), c.runId).bind(S(":s"), c.statement)
        .bind(S(":m"), c.metricName).bind(S(":c"), c.comparator).bind(S(":th"), c.threshold)
        .bind(S(":a"), c.aggregate).bind(S(":st"), c.status).bind(S(":o"), observedValue(c.observed))
        .bind(S(":by"), actor.isSystem() ? QVariant() : QVariant(actor.userId)).bind(S(":t"), now);
    if (!ins.exec())
        return ins.error();
    if (auto a = AuditService::append(tx, now, actor, S("claim.create"), workspaceId, S("claim"), c.id,
                                      {{S("run_id"), c.runId}, {S("metric_name"), c.metricName}, {S("status"), c.status}});
        !a)
        return a.error();
    tx.announce(S("claim"), c.id);
    if (auto cm = tx.commit(); !cm)
        return cm.error();
    return c;
}

Result<Claim> ClaimService::reverify(const Actor &actor, const QString &id)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    auto claim = load(tx.conn(), id);
    if (!claim)
        return claim.error();
    if (auto role = access::requireRole(tx.conn(), actor, claim->workspaceId, Role::Member, kClaim); !role)
        return role.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    auto verdict = verify(tx.conn(), claim->runId, claim->metricName, claim->comparator, claim->threshold,
                          claim->aggregate);
    if (!verdict)
        return verdict.error();
    const qint64 now = m_ctx.clock->nowMs();
    const bool changed = verdict->status != claim->status || verdict->observed != claim->observed;
    Query u = tx.query(S("UPDATE claims SET status = :st, observed = :o, verified_at = :t WHERE id = :id"));
    u.bind(S(":st"), verdict->status).bind(S(":o"), observedValue(verdict->observed)).bind(S(":t"), now)
        .bind(S(":id"), id);
    if (!u.exec())
        return u.error();
    if (changed) {
        QJsonObject detail{{S("from"), claim->status}, {S("to"), verdict->status},
                           {S("observed"), verdict->observed ? QJsonValue(*verdict->observed) : QJsonValue()}};
        if (auto a = AuditService::append(tx, now, actor, S("claim.verify"), claim->workspaceId, S("claim"), id, detail);
            !a)
            return a.error();
    }
    tx.announce(S("claim"), id);
    if (auto cm = tx.commit(); !cm)
        return cm.error();
    claim->status = verdict->status;
    claim->observed = verdict->observed;
    claim->verifiedAt = now;
    return claim;
}

Result<Page<Claim>> ClaimService::list(const Actor &actor, int limit, const QString &cursorText)
{
    if (auto l = checkLimit(limit); !l)
        return l.error();
    QString sql = kColumns + S(" WHERE 1=1");
    if (!actor.isSystem())
        sql += S(" AND workspace_id IN (SELECT workspace_id FROM memberships WHERE user_id = :u)");
    if (!actor.keyWorkspaceId.isEmpty())
        sql += S(" AND workspace_id = :scope");
    auto keyset = Keyset::parse(cursorText, S("created_at"), S("id"));
    if (!keyset)
        return keyset.error();
    sql += keyset->sql();
    Query q(m_ctx.db->connection(), sql);
    if (!actor.isSystem())
        q.bind(S(":u"), actor.userId);
    if (!actor.keyWorkspaceId.isEmpty())
        q.bind(S(":scope"), actor.keyWorkspaceId);
    keyset->bind(q, limit);
    if (!q.exec())
        return q.error();
    Page<Claim> page;
    while (q.next())
        page.items.append(readClaim(q));
    finishPage(page, limit, [](const Claim &x) { return cursor::TimeId{x.createdAt, x.id}; });
    return page;
}

Result<Claim> ClaimService::get(const Actor &actor, const QString &id)
{
    QSqlDatabase conn = m_ctx.db->connection();
    auto claim = load(conn, id);
    if (!claim)
        return claim.error();
    if (auto role = access::requireRole(conn, actor, claim->workspaceId, Role::Viewer, kClaim); !role)
        return role.error();
    return claim;
}

Result<Claim> ClaimService::publish(const Actor &actor, const QString &id, bool published)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    auto claim = load(tx.conn(), id);
    if (!claim)
        return claim.error();
    if (auto role = access::requireRole(tx.conn(), actor, claim->workspaceId, Role::Admin, kClaim); !role)
        return role.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    if (claim->published == published)
        return claim; // nothing changed, nothing audited
    Query u = tx.query(S("UPDATE claims SET published = :p WHERE id = :id"));
    u.bind(S(":p"), published ? 1 : 0).bind(S(":id"), id);
    if (!u.exec())
        return u.error();
    if (auto a = AuditService::append(tx, m_ctx.clock->nowMs(), actor, S("claim.publish"), claim->workspaceId,
                                      S("claim"), id, {{S("published"), published}});
        !a)
        return a.error();
    tx.announce(S("claim"), id);
    if (auto cm = tx.commit(); !cm)
        return cm.error();
    claim->published = published;
    return claim;
}

} // namespace wfx
