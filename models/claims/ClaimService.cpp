// SPDX-License-Identifier: Apache-2.0
#include "models/claims/ClaimService.h"

#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/Keyset.h"
#include "models/db/Database.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"
#include "models/runs/MetricStore.h"
#include "models/workspaces/WorkspaceService.h"

#include <QJsonValue>

#include <cmath>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {
const QString kClaim = QStringLiteral("Claim");
const QString kRun = QStringLiteral("Run");

const QString kColumns = QStringLiteral("SELECT id, workspace_id, run_id, statement, metric_name, "
                                        "comparator, threshold, aggregate, status, "
                                        "observed, published, created_at, verified_at FROM claims");

Claim readClaim(const Query &q)
{
    Claim c;
    row::read(q, c.id, c.workspaceId, c.runId, c.statement, c.metricName, c.comparator, c.threshold,
              c.aggregate, c.status, c.observed, c.published, c.createdAt, c.verifiedAt);
    return c;
}

bool isComparator(const QString &c)
{
    return c == QLatin1String("<") || c == QLatin1String("<=") || c == QLatin1String(">") ||
           c == QLatin1String(">=");
}

bool isAggregate(const QString &a)
{
    return a == QLatin1String("last") || a == QLatin1String("min") || a == QLatin1String("max") ||
           a == QLatin1String("mean");
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
        return Error::validation(u"limit"_s, u"out_of_range"_s,
                                 u"limit must be between 1 and 200."_s);
    return Ok{};
}
} // namespace

QJsonObject Claim::toJson() const
{
    return {{u"id"_s, id},
            {u"workspace_id"_s, workspaceId},
            {u"run_id"_s, runId},
            {u"statement"_s, statement},
            {u"metric_name"_s, metricName},
            {u"comparator"_s, comparator},
            {u"threshold"_s, threshold},
            {u"aggregate"_s, aggregate},
            {u"status"_s, status},
            {u"observed"_s, observed ? QJsonValue(*observed) : QJsonValue(QJsonValue::Null)},
            {u"published"_s, published},
            {u"created_at"_s, ids::formatTime(createdAt)},
            {u"verified_at"_s, ids::formatTime(verifiedAt)}};
}

Result<ClaimVerdict> ClaimService::verify(const QSqlDatabase &conn, const QString &runId,
                                          const QString &metricName, const QString &comparator,
                                          double threshold, const QString &aggregate)
{
    if (aggregate != QLatin1String("last") && aggregate != QLatin1String("min") &&
        aggregate != QLatin1String("max") && aggregate != QLatin1String("mean"))
        return Error::validation(u"aggregate"_s, u"invalid"_s,
                                 u"aggregate must be last, min, max or mean."_s);
    auto value = metricstore::aggregate(conn, runId, metricName, aggregate);
    if (!value)
        return value.error();
    ClaimVerdict v{u"unverifiable"_s, std::nullopt};
    // No points (or a non-finite aggregate, which no JSON number can carry): unverifiable.
    if (*value && std::isfinite(**value)) {
        const double observed = **value;
        v.observed = observed;
        v.status = holds(observed, comparator, threshold) ? u"supported"_s : u"refuted"_s;
    }
    return v;
}

Result<Claim> ClaimService::load(const QSqlDatabase &conn, const QString &id)
{
    if (!ids::isUuid(id))
        return Error::notFound(kClaim);
    return row::one(conn, kColumns + u" WHERE id = :id"_s, id, kClaim, readClaim);
}

Result<Claim> ClaimService::create(const Actor &actor, const QString &runId,
                                   const QString &statement, const QString &metricName,
                                   const QString &comparator, double threshold,
                                   const QString &aggregate)
{
    return create(actor,
                  ClaimInput{runId, statement, metricName, comparator, threshold, aggregate});
}

Result<Claim> ClaimService::create(const Actor &actor, const ClaimInput &in)
{
    // Every field is checked before anything is read, and all issues are reported at once.
    Error invalid{ErrorCode::Validation, u"The claim is not valid."_s};
    if (!ids::isUuid(in.runId))
        invalid.details.append({u"run_id"_s, in.runId.isEmpty() ? u"required"_s : u"invalid"_s});
    auto statement = validName(u"statement"_s, in.statement, kMaxStatementLength);
    if (!statement)
        invalid.details.append(statement.error().details);
    auto metric = validName(u"metric_name"_s, in.metricName, kMaxMetricNameLength);
    if (!metric)
        invalid.details.append(metric.error().details);
    if (!isComparator(in.comparator))
        invalid.details.append(
            {u"comparator"_s, in.comparator.isEmpty() ? u"required"_s : u"invalid"_s});
    if (!std::isfinite(in.threshold))
        invalid.details.append({u"threshold"_s, u"invalid"_s});
    const QString aggregate = in.aggregate.isEmpty() ? u"last"_s : in.aggregate;
    if (!isAggregate(aggregate))
        invalid.details.append({u"aggregate"_s, u"invalid"_s});
    if (!invalid.details.isEmpty())
        return invalid;

    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    auto ws = row::workspaceOf(tx.conn(), u"runs"_s, in.runId, kRun);
    if (!ws)
        return ws.error();
    const QString workspaceId = *ws;
    if (auto role = access::requireWrite(tx.conn(), actor, workspaceId, Role::Member, kRun); !role)
        return role.error();
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
    Query ins = tx.query(
        u"INSERT INTO claims (id, workspace_id, run_id, statement, metric_name, comparator, "
        u"threshold, "
        "aggregate, status, observed, published, created_by, created_at, verified_at) VALUES "
        "(:id, :w, :r, :s, :m, :c, :th, :a, :st, :o, 0, :by, :t, :t)"_s);
    ins.bind(u":id"_s, c.id)
        .bind(u":w"_s, c.workspaceId)
        .bind(u":r"_s, c.runId)
        .bind(u":s"_s, c.statement)
        .bind(u":m"_s, c.metricName)
        .bind(u":c"_s, c.comparator)
        .bind(u":th"_s, c.threshold)
        .bind(u":a"_s, c.aggregate)
        .bind(u":st"_s, c.status)
        .bind(u":o"_s, observedValue(c.observed))
        .bind(u":by"_s, actor.isSystem() ? QVariant() : QVariant(actor.userId))
        .bind(u":t"_s, now);
    if (!ins.exec())
        return ins.error();
    if (auto done = AuditService::commit(
            tx, now, actor, u"claim.create"_s, workspaceId, u"claim"_s, c.id,
            {{u"run_id"_s, c.runId}, {u"metric_name"_s, c.metricName}, {u"status"_s, c.status}});
        !done)
        return done.error();
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
    if (auto role =
            access::requireWrite(tx.conn(), actor, claim->workspaceId, Role::Member, kClaim);
        !role)
        return role.error();
    auto verdict = verify(tx.conn(), claim->runId, claim->metricName, claim->comparator,
                          claim->threshold, claim->aggregate);
    if (!verdict)
        return verdict.error();
    const qint64 now = m_ctx.clock->nowMs();
    const bool changed = verdict->status != claim->status || verdict->observed != claim->observed;
    Query u = tx.query(
        u"UPDATE claims SET status = :st, observed = :o, verified_at = :t WHERE id = :id"_s);
    u.bind(u":st"_s, verdict->status)
        .bind(u":o"_s, observedValue(verdict->observed))
        .bind(u":t"_s, now)
        .bind(u":id"_s, id);
    if (!u.exec())
        return u.error();
    if (changed) {
        QJsonObject detail{
            {u"from"_s, claim->status},
            {u"to"_s, verdict->status},
            {u"observed"_s, verdict->observed ? QJsonValue(*verdict->observed) : QJsonValue()}};
        if (auto a = AuditService::append(tx, now, actor, u"claim.verify"_s, claim->workspaceId,
                                          u"claim"_s, id, detail);
            !a)
            return a.error();
    }
    tx.announce(u"claim"_s, id);
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
    QString sql = kColumns + u" WHERE 1=1"_s;
    if (!actor.isSystem())
        sql += u" AND workspace_id IN (SELECT workspace_id FROM memberships WHERE user_id = :u)"_s;
    if (!actor.keyWorkspaceId.isEmpty())
        sql += u" AND workspace_id = :scope"_s;
    auto keyset = Keyset::parse(cursorText, u"created_at"_s, u"id"_s);
    if (!keyset)
        return keyset.error();
    auto bind = [&](Query &q) {
        if (!actor.isSystem())
            q.bind(u":u"_s, actor.userId);
        if (!actor.keyWorkspaceId.isEmpty())
            q.bind(u":scope"_s, actor.keyWorkspaceId);
    };
    return row::page<Claim>(m_ctx.db->connection(), sql, *keyset, limit, bind, readClaim);
}

Result<Claim> ClaimService::get(const Actor &actor, const QString &id)
{
    QSqlDatabase conn = m_ctx.db->connection();
    auto claim = load(conn, id);
    if (!claim)
        return claim.error();
    if (auto role = access::requireRole(conn, actor, claim->workspaceId, Role::Viewer, kClaim);
        !role)
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
    if (auto role = access::requireWrite(tx.conn(), actor, claim->workspaceId, Role::Admin, kClaim);
        !role)
        return role.error();
    if (claim->published == published)
        return claim; // nothing changed, nothing audited
    Query u = tx.query(u"UPDATE claims SET published = :p WHERE id = :id"_s);
    u.bind(u":p"_s, published ? 1 : 0).bind(u":id"_s, id);
    if (!u.exec())
        return u.error();
    if (auto a =
            AuditService::append(tx, m_ctx.clock->nowMs(), actor, u"claim.publish"_s,
                                 claim->workspaceId, u"claim"_s, id, {{u"published"_s, published}});
        !a)
        return a.error();
    tx.announce(u"claim"_s, id);
    if (auto cm = tx.commit(); !cm)
        return cm.error();
    claim->published = published;
    return claim;
}

} // namespace wfx
