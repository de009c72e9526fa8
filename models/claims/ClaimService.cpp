// SPDX-License-Identifier: Apache-2.0
#include "models/claims/ClaimService.h"

#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/Keyset.h"
#include "models/core/Shape.h"
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

constexpr auto kClaimColumns = row::columns(
    row::column("id", &Claim::id), row::column("workspace_id", &Claim::workspaceId),
    row::column("run_id", &Claim::runId), row::column("statement", &Claim::statement),
    row::column("metric_name", &Claim::metricName), row::column("comparator", &Claim::comparator),
    row::column("threshold", &Claim::threshold), row::column("aggregate", &Claim::aggregate),
    row::column("status", &Claim::status), row::column("observed", &Claim::observed),
    row::column("published", &Claim::published), row::column("created_at", &Claim::createdAt),
    row::column("verified_at", &Claim::verifiedAt));

const QString kColumns = u"SELECT "_s + kClaimColumns.names() + u" FROM claims"_s;

Claim readClaim(const Query &q)
{
    return kClaimColumns.read(q);
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

// The members Shape writes; threshold and observed are real numbers, which it does not.
inline constexpr auto kClaimFields =
    std::tuple{shape::field("id", &Claim::id, shape::uuid()),
               shape::field("workspace_id", &Claim::workspaceId, shape::uuid()),
               shape::field("run_id", &Claim::runId, shape::uuid()),
               shape::field("statement", &Claim::statement, shape::text()),
               shape::field("metric_name", &Claim::metricName, shape::text()),
               shape::field("comparator", &Claim::comparator, shape::text()),
               shape::field("aggregate", &Claim::aggregate, shape::text()),
               shape::field("status", &Claim::status, shape::text()),
               shape::field("published", &Claim::published, shape::boolean()),
               shape::field("created_at", &Claim::createdAt, shape::instant()),
               shape::field("verified_at", &Claim::verifiedAt, shape::instant())};

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
    QJsonObject o = shape::toJson<kClaimFields>(*this);
    o.insert(u"threshold"_s, threshold);
    o.insert(u"observed"_s, observed ? QJsonValue(*observed) : QJsonValue(QJsonValue::Null));
    return o;
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

Result<Claim> ClaimService::loadWritable(const QSqlDatabase &conn, const Actor &actor,
                                         const QString &id, Role minimum)
{
    return row::checked(load(conn, id), [&](const Claim &c) {
        return access::requireWrite(conn, actor, c.workspaceId, minimum, kClaim);
    });
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

    auto began = access::beginWriteUnder(m_ctx, actor, u"runs"_s, in.runId, Role::Member, kRun);
    if (!began)
        return began.error();
    auto &[tx, workspaceId] = *began;
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
    if (auto e = kClaimColumns.insert(
            tx.conn(), u"claims"_s, c,
            {{u"created_by"_s, actor.isSystem() ? QVariant() : QVariant(actor.userId)}});
        !e)
        return e.error();
    if (auto done = AuditService::commit(
            tx, now, actor, u"claim.create"_s, workspaceId, u"claim"_s, c.id,
            {{u"run_id"_s, c.runId}, {u"metric_name"_s, c.metricName}, {u"status"_s, c.status}});
        !done)
        return done.error();
    return c;
}

Result<Claim> ClaimService::reverify(const Actor &actor, const QString &id)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus, [&](Tx &tx) {
        return loadWritable(tx.conn(), actor, id, Role::Member);
    });
    if (!began)
        return began.error();
    auto &[tx, claim] = *began;
    auto verdict = verify(tx.conn(), claim.runId, claim.metricName, claim.comparator,
                          claim.threshold, claim.aggregate);
    if (!verdict)
        return verdict.error();
    const qint64 now = m_ctx.clock->nowMs();
    const bool changed = verdict->status != claim.status || verdict->observed != claim.observed;
    Query u = tx.query(
        u"UPDATE claims SET status = :st, observed = :o, verified_at = :t WHERE id = :id"_s);
    u.bind(u":st"_s, verdict->status)
        .bind(u":o"_s, row::bindable(verdict->observed))
        .bind(u":t"_s, now)
        .bind(u":id"_s, id);
    if (!u.exec())
        return u.error();
    if (changed) {
        QJsonObject detail{
            {u"from"_s, claim.status},
            {u"to"_s, verdict->status},
            {u"observed"_s, verdict->observed ? QJsonValue(*verdict->observed) : QJsonValue()}};
        if (auto a = AuditService::append(tx, now, actor, u"claim.verify"_s, claim.workspaceId,
                                          u"claim"_s, id, detail);
            !a)
            return a.error();
    }
    tx.announce(u"claim"_s, id);
    if (auto cm = tx.commit(); !cm)
        return cm.error();
    claim.status = verdict->status;
    claim.observed = verdict->observed;
    claim.verifiedAt = now;
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
    auto bind = [&](Query &q) {
        if (!actor.isSystem())
            q.bind(u":u"_s, actor.userId);
        if (!actor.keyWorkspaceId.isEmpty())
            q.bind(u":scope"_s, actor.keyWorkspaceId);
    };
    return row::pageAt<Claim>(m_ctx.db->connection(), sql, cursorText, u"created_at"_s, u"id"_s,
                              limit, bind, readClaim);
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
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus,
                           [&](Tx &tx) { return loadWritable(tx.conn(), actor, id, Role::Admin); });
    if (!began)
        return began.error();
    auto &[tx, claim] = *began;
    if (claim.published == published)
        return claim; // nothing changed, nothing audited
    Query u = tx.query(u"UPDATE claims SET published = :p WHERE id = :id"_s);
    u.bind(u":p"_s, published ? 1 : 0).bind(u":id"_s, id);
    if (!u.exec())
        return u.error();
    if (auto a =
            AuditService::append(tx, m_ctx.clock->nowMs(), actor, u"claim.publish"_s,
                                 claim.workspaceId, u"claim"_s, id, {{u"published"_s, published}});
        !a)
        return a.error();
    tx.announce(u"claim"_s, id);
    if (auto cm = tx.commit(); !cm)
        return cm.error();
    claim.published = published;
    return claim;
}

} // namespace wfx
