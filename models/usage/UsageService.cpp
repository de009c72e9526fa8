// SPDX-License-Identifier: Apache-2.0
#include "models/usage/UsageService.h"

#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/Keyset.h"
#include "models/core/Shape.h"
#include "models/db/Database.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"
#include "models/workspaces/WorkspaceService.h"

#include <QLoggingCategory>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcUsage, "wfx.models.usage", QtInfoMsg)

namespace wfx {

namespace {
const QString kWs = QStringLiteral("Workspace");
const QString kRes = QStringLiteral("Reservation");
const QString kCols = QStringLiteral(
    "id, workspace_id, metric, amount, idempotency_key, state, created_at, expires_at");

} // namespace

const QStringList &UsageService::metrics()
{
    static const QStringList m{u"runs"_s, u"artifact_bytes"_s, u"compute_seconds"_s};
    return m;
}

QJsonObject Reservation::toJson() const
{
    return shape::toJson<kReservationFields>(*this);
}

QJsonObject MetricUsage::toJson() const
{
    return {{u"cap"_s, double(cap)},
            {u"committed"_s, double(committed)},
            {u"reserved"_s, double(reserved)}};
}

QJsonObject WorkspaceUsage::toJson() const
{
    QJsonObject m;
    for (const auto &u : metrics)
        m.insert(u.metric, u.toJson());
    return {{u"workspace_id"_s, workspaceId}, {u"plan"_s, plan}, {u"metrics"_s, m}};
}

Reservation UsageService::read(const Query &q, qint64 now) const
{
    Reservation r{q.str(0), q.str(1), q.str(2), q.i64(3), q.str(4), q.str(5), q.i64(6), q.i64(7)};
    if (r.state == QLatin1String("reserved") && r.expiresAt <= now)
        r.state = u"expired"_s;
    return r;
}

Result<ReserveOutcome> UsageService::reserve(const Actor &actor, const QString &workspaceId,
                                             const QString &metric, qint64 amount,
                                             const QString &idempotencyKey)
{
    if (!ids::isUuid(workspaceId))
        return Error::validation(u"workspace_id"_s,
                                 workspaceId.isEmpty() ? u"required"_s : u"invalid"_s,
                                 u"workspace_id must be a workspace id."_s);
    if (!metrics().contains(metric))
        return Error::validation(u"metric"_s, metric.isEmpty() ? u"required"_s : u"invalid"_s,
                                 u"metric must be runs, artifact_bytes or compute_seconds."_s);
    if (amount <= 0 || amount > kMaxAmount)
        return Error::validation(u"amount"_s, u"out_of_range"_s,
                                 u"amount must be a whole number from 1 to %1."_s.arg(kMaxAmount));
    if (idempotencyKey.isEmpty())
        return Error::validation(u"idempotency_key"_s, u"required"_s,
                                 u"An idempotency_key is required."_s);
    if (idempotencyKey.size() > kMaxKeyLength)
        return Error::validation(u"idempotency_key"_s, u"too_long"_s,
                                 u"At most %1 characters."_s.arg(kMaxKeyLength));
    if (shape::hasControl(idempotencyKey))
        return Error::validation(u"idempotency_key"_s, u"invalid"_s,
                                 u"Control characters are not allowed."_s);

    auto began = access::beginWrite(m_ctx, actor, workspaceId, Role::Member, kWs);
    if (!began)
        return began.error();
    Tx &tx = *began;
    // Concurrent reservers of one workspace queue here on PostgreSQL, so the sum
    // below cannot be overtaken; SQLite writers are serialised by BEGIN IMMEDIATE.
    if (!tx.lockRow(u"workspaces"_s, workspaceId))
        return Error::internal();
    const qint64 now = m_ctx.clock->nowMs();

    Query existing =
        tx.query(u"SELECT "_s + kCols +
                 u" FROM usage_reservations WHERE workspace_id = :w AND idempotency_key = :k"_s);
    existing.bind(u":w"_s, workspaceId).bind(u":k"_s, idempotencyKey);
    if (!existing.exec())
        return existing.error();
    if (existing.next()) {
        Reservation r = read(existing, now);
        if (r.metric != metric || r.amount != amount)
            return Error::conflict(u"This idempotency key was used for a different reservation."_s);
        return ReserveOutcome{r, false};
    }
    existing.raw().finish();

    Query plan = tx.query(u"SELECT plan FROM workspaces WHERE id = :w"_s);
    plan.bind(u":w"_s, workspaceId);
    if (!plan.exec())
        return plan.error();
    if (!plan.next())
        return Error::notFound(kWs);
    const QString planName = plan.str(0);
    plan.raw().finish();
    const qint64 cap = WorkspaceService::planLimits(tx.conn(), planName).value(metric, 0);

    Query sum = tx.query(
        u"SELECT COALESCE(SUM(amount), 0) FROM usage_reservations WHERE workspace_id = :w "
        "AND metric = :m AND (state = 'committed' OR (state = 'reserved' AND expires_at > :now))"_s);
    sum.bind(u":w"_s, workspaceId).bind(u":m"_s, metric).bind(u":now"_s, now);
    if (!sum.exec() || !sum.next())
        return sum.error();
    const qint64 used = sum.i64(0);
    sum.raw().finish();
    if (used + amount > cap) {
        Error e{ErrorCode::QuotaExceeded,
                u"The %1 quota of this workspace's plan is used up."_s.arg(metric)};
        e.extra = QJsonObject{{u"metric"_s, metric},
                              {u"cap"_s, double(cap)},
                              {u"used"_s, double(used)},
                              {u"requested"_s, double(amount)}};
        return e;
    }

    Reservation r{ids::newUuid(), workspaceId,   metric, amount,
                  idempotencyKey, u"reserved"_s, now,    now + m_ttlMs};
    Query ins = tx.query(
        u"INSERT INTO usage_reservations (id, workspace_id, metric, amount, idempotency_key, "
        u"state, "
        "created_by, created_at, expires_at) VALUES (:id, :w, :m, :a, :k, 'reserved', :by, :t, :x)"_s);
    ins.bind(u":id"_s, r.id)
        .bind(u":w"_s, workspaceId)
        .bind(u":m"_s, metric)
        .bind(u":a"_s, amount)
        .bind(u":k"_s, idempotencyKey)
        .bind(u":by"_s, actor.isSystem() ? QVariant() : QVariant(actor.userId))
        .bind(u":t"_s, now)
        .bind(u":x"_s, r.expiresAt);
    if (!ins.exec())
        return ins.error();
    if (auto a =
            AuditService::append(tx, now, actor, u"usage.reserve"_s, workspaceId, u"reservation"_s,
                                 r.id, {{u"metric"_s, metric}, {u"amount"_s, double(amount)}});
        !a)
        return a.error();
    tx.announce(u"reservation"_s, r.id);
    if (auto c = tx.commit(); !c)
        return c.error();
    return ReserveOutcome{r, true};
}

Result<Reservation> UsageService::commit(const Actor &actor, const QString &reservationId)
{
    return settle(actor, reservationId, u"committed"_s);
}

Result<Reservation> UsageService::revert(const Actor &actor, const QString &reservationId)
{
    return settle(actor, reservationId, u"reverted"_s);
}

Result<Reservation> UsageService::settle(const Actor &actor, const QString &reservationId,
                                         const QString &target)
{
    if (!ids::isUuid(reservationId))
        return Error::validation(u"reservation_id"_s,
                                 reservationId.isEmpty() ? u"required"_s : u"invalid"_s,
                                 u"reservation_id must be a reservation id."_s);
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    Query q = tx.query(u"SELECT "_s + kCols + u" FROM usage_reservations WHERE id = :id"_s);
    q.bind(u":id"_s, reservationId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kRes);
    const qint64 now = m_ctx.clock->nowMs();
    Reservation r = read(q, now);
    q.raw().finish();
    if (auto role = access::requireWrite(tx.conn(), actor, r.workspaceId, Role::Member, kRes);
        !role)
        return role.error();

    // The conditional update is the arbiter when two callers race: the loser
    // matches no row and reads the winner's state below.
    Query u = tx.query(u"UPDATE usage_reservations SET state = :s, settled_at = :t "
                       "WHERE id = :id AND state = 'reserved' AND expires_at > :t"_s);
    u.bind(u":s"_s, target).bind(u":t"_s, now).bind(u":id"_s, reservationId);
    if (!u.exec())
        return u.error();
    if (u.rowsAffected() == 0) {
        Query again = tx.query(u"SELECT "_s + kCols + u" FROM usage_reservations WHERE id = :id"_s);
        again.bind(u":id"_s, reservationId);
        if (!again.exec() || !again.next())
            return Error::notFound(kRes);
        r = read(again, now);
        if (r.state == target)
            return r; // the same transition again: nothing changes, nothing audited
        if (r.state == QLatin1String("expired"))
            return Error::conflict(u"The reservation expired; reserve again."_s);
        return Error::conflict(u"The reservation is already %1."_s.arg(r.state));
    }
    const QString action =
        target == QLatin1String("committed") ? u"usage.commit"_s : u"usage.revert"_s;
    if (auto c = AuditService::commit(tx, now, actor, action, r.workspaceId, u"reservation"_s, r.id,
                                      {{u"metric"_s, r.metric}, {u"amount"_s, double(r.amount)}});
        !c)
        return c.error();
    r.state = target;
    return r;
}

Result<int> UsageService::expireStale()
{
    const Actor system = Actor::system();
    int total = 0;
    for (;;) {
        auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
        if (!began)
            return began.error();
        Tx &tx = *began;
        const qint64 now = m_ctx.clock->nowMs();
        // Batches keep each transaction short however much has piled up.
        Query q = tx.query(
            u"SELECT id, workspace_id, metric, amount FROM usage_reservations "
            "WHERE state = 'reserved' AND expires_at <= :now ORDER BY expires_at, id LIMIT 200"_s);
        q.bind(u":now"_s, now);
        if (!q.exec())
            return q.error();
        struct Row
        {
            QString id, ws, metric;
            qint64 amount;
        };
        QList<Row> rows;
        while (q.next())
            rows.append({q.str(0), q.str(1), q.str(2), q.i64(3)});
        q.raw().finish();
        if (rows.isEmpty())
            return total;
        for (const Row &row : std::as_const(rows)) {
            Query u = tx.query(u"UPDATE usage_reservations SET state = 'expired', settled_at = :t "
                               "WHERE id = :id AND state = 'reserved'"_s);
            u.bind(u":t"_s, now).bind(u":id"_s, row.id);
            if (!u.exec())
                return u.error();
            if (u.rowsAffected() == 0)
                continue; // settled meanwhile
            if (auto a = AuditService::append(
                    tx, now, system, u"usage.expire"_s, row.ws, u"reservation"_s, row.id,
                    {{u"metric"_s, row.metric}, {u"amount"_s, double(row.amount)}});
                !a)
                return a.error();
            tx.announce(u"reservation"_s, row.id);
            ++total;
        }
        if (auto c = tx.commit(); !c)
            return c.error();
        qCInfo(lcUsage) << "expired reservations:" << rows.size();
    }
}

Result<WorkspaceUsage> UsageService::usage(const Actor &actor, const QString &workspaceId)
{
    QSqlDatabase conn = m_ctx.db->connection();
    if (!ids::isUuid(workspaceId))
        return Error::notFound(kWs);
    if (auto r = access::requireRole(conn, actor, workspaceId, Role::Viewer, kWs); !r)
        return r.error();
    Query p(conn, u"SELECT plan FROM workspaces WHERE id = :w"_s);
    p.bind(u":w"_s, workspaceId);
    if (!p.exec())
        return p.error();
    if (!p.next())
        return Error::notFound(kWs);
    WorkspaceUsage out{workspaceId, p.str(0), {}};
    const auto caps = WorkspaceService::planLimits(conn, out.plan);
    for (const QString &m : metrics())
        out.metrics.append(MetricUsage{m, caps.value(m, 0), 0, 0});
    const qint64 now = m_ctx.clock->nowMs();
    Query q(conn, u"SELECT metric, "
                  "COALESCE(SUM(CASE WHEN state = 'committed' THEN amount ELSE 0 END), 0), "
                  "COALESCE(SUM(CASE WHEN state = 'reserved' AND expires_at > :now THEN amount "
                  "ELSE 0 END), 0) "
                  "FROM usage_reservations WHERE workspace_id = :w GROUP BY metric"_s);
    q.bind(u":now"_s, now).bind(u":w"_s, workspaceId);
    if (!q.exec())
        return q.error();
    while (q.next()) {
        for (auto &m : out.metrics) {
            if (m.metric == q.str(0)) {
                m.committed = q.i64(1);
                m.reserved = q.i64(2);
            }
        }
    }
    return out;
}

Result<Page<Reservation>> UsageService::openReservations(const Actor &actor,
                                                         const QString &workspaceId, int limit,
                                                         const QString &cursorText)
{
    QSqlDatabase conn = m_ctx.db->connection();
    if (!ids::isUuid(workspaceId))
        return Error::notFound(kWs);
    if (auto r = access::requireRole(conn, actor, workspaceId, Role::Viewer, kWs); !r)
        return r.error();
    QString sql =
        u"SELECT "_s + kCols +
        u" FROM usage_reservations WHERE workspace_id = :w AND state = 'reserved' AND expires_at > :now"_s;
    auto keyset = Keyset::parse(cursorText, u"created_at"_s, u"id"_s);
    if (!keyset)
        return keyset.error();
    const qint64 now = m_ctx.clock->nowMs();
    return row::page<Reservation>(
        conn, sql, *keyset, limit,
        [&](Query &q) { q.bind(u":w"_s, workspaceId).bind(u":now"_s, now); },
        [&](const Query &q) { return read(q, now); });
}

Result<Reservation> UsageService::get(const Actor &actor, const QString &reservationId)
{
    if (!ids::isUuid(reservationId))
        return Error::notFound(kRes);
    QSqlDatabase conn = m_ctx.db->connection();
    Query q(conn, u"SELECT "_s + kCols + u" FROM usage_reservations WHERE id = :id"_s);
    q.bind(u":id"_s, reservationId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kRes);
    Reservation r = read(q, m_ctx.clock->nowMs());
    if (auto role = access::requireRole(conn, actor, r.workspaceId, Role::Viewer, kRes); !role)
        return role.error();
    return r;
}

} // namespace wfx
