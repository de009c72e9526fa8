// SPDX-License-Identifier: Apache-2.0
#include "usage/UsageService.h"

#include "audit/AuditService.h"
#include "core/Access.h"
#include "core/Clock.h"
#include "core/Ids.h"
#include "core/Keyset.h"
#include "db/Database.h"
#include "db/Tx.h"
#include "workspaces/WorkspaceService.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcUsage, "wfx.models.usage", QtInfoMsg)

namespace wfx {

namespace {
QString S(const char *s) { return QString::fromLatin1(s); }
const QString kWs = QStringLiteral("Workspace");
const QString kRes = QStringLiteral("Reservation");
const QString kCols = QStringLiteral("id, workspace_id, metric, amount, idempotency_key, state, created_at, expires_at");

bool hasControl(const QString &s)
{
    for (const QChar c : s) {
        if (c.category() == QChar::Other_Control)
            return true;
    }
    return false;
}
} // namespace

const QStringList &UsageService::metrics()
{
    static const QStringList m{S("runs"), S("artifact_bytes"), S("compute_seconds")};
    return m;
}

QJsonObject Reservation::toJson() const
{
    return {{S("id"), id},
            {S("workspace_id"), workspaceId},
            {S("metric"), metric},
            {S("amount"), double(amount)},
            {S("idempotency_key"), idempotencyKey},
            {S("state"), state},
            {S("created_at"), ids::formatTime(createdAt)},
            {S("expires_at"), ids::formatTime(expiresAt)}};
}

QJsonObject MetricUsage::toJson() const
{
    return {{S("cap"), double(cap)}, {S("committed"), double(committed)}, {S("reserved"), double(reserved)}};
}

QJsonObject WorkspaceUsage::toJson() const
{
    QJsonObject m;
    for (const auto &u : metrics)
        m.insert(u.metric, u.toJson());
    return {{S("workspace_id"), workspaceId}, {S("plan"), plan}, {S("metrics"), m}};
}

Reservation UsageService::read(const Query &q, qint64 now) const
{
    Reservation r{q.str(0), q.str(1), q.str(2), q.i64(3), q.str(4), q.str(5), q.i64(6), q.i64(7)};
    if (r.state == QLatin1String("reserved") && r.expiresAt <= now)
        r.state = S("expired");
    return r;
}

Result<ReserveOutcome> UsageService::reserve(const Actor &actor, const QString &workspaceId, const QString &metric,
                                             qint64 amount, const QString &idempotencyKey)
{
    if (!ids::isUuid(workspaceId))
        return Error::validation(S("workspace_id"), workspaceId.isEmpty() ? S("required") : S("invalid"),
                                 S("workspace_id must be a workspace id."));
    if (!metrics().contains(metric))
        return Error::validation(S("metric"), metric.isEmpty() ? S("required") : S("invalid"),
                                 S("metric must be runs, artifact_bytes or compute_seconds."));
    if (amount <= 0 || amount > kMaxAmount)
        return Error::validation(S("amount"), S("out_of_range"),
                                 S("amount must be a whole number from 1 to %1.").arg(kMaxAmount));
    if (idempotencyKey.isEmpty())
        return Error::validation(S("idempotency_key"), S("required"), S("An idempotency_key is required."));
    if (idempotencyKey.size() > kMaxKeyLength)
        return Error::validation(S("idempotency_key"), S("too_long"), S("At most %1 characters.").arg(kMaxKeyLength));
    if (hasControl(idempotencyKey))
        return Error::validation(S("idempotency_key"), S("invalid"), S("Control characters are not allowed."));

    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto r = access::requireRole(tx.conn(), actor, workspaceId, Role::Member, kWs); !r)
        return r.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    // Concurrent reservers of one workspace queue here on PostgreSQL, so the sum
    // below cannot be overtaken; SQLite writers are serialised by BEGIN IMMEDIATE.
    if (!tx.lockRow(S("workspaces"), workspaceId))
        return Error::internal();
    const qint64 now = m_ctx.clock->nowMs();

    Query existing = tx.query(S("SELECT ") + kCols
                              + S(" FROM usage_reservations WHERE workspace_id = :w AND idempotency_key = :k"));
    existing.bind(S(":w"), workspaceId).bind(S(":k"), idempotencyKey);
    if (!existing.exec())
        return existing.error();
    if (existing.next()) {
        Reservation r = read(existing, now);
        if (r.metric != metric || r.amount != amount)
            return Error::conflict(S("This idempotency key was used for a different reservation."));
        return ReserveOutcome{r, false};
    }
    existing.raw().finish();

    Query plan = tx.query(S("SELECT plan FROM workspaces WHERE id = :w"));
    plan.bind(S(":w"), workspaceId);
    if (!plan.exec())
        return plan.error();
    if (!plan.next())
        return Error::notFound(kWs);
    const QString planName = plan.str(0);
    plan.raw().finish();
    const qint64 cap = WorkspaceService::planLimits(tx.conn(), planName).value(metric, 0);

    Query sum = tx.query(S("SELECT COALESCE(SUM(amount), 0) FROM usage_reservations WHERE workspace_id = :w "
                           "AND metric = :m AND (state = 'committed' OR (state = 'reserved' AND expires_at > :now))"));
    sum.bind(S(":w"), workspaceId).bind(S(":m"), metric).bind(S(":now"), now);
    if (!sum.exec() || !sum.next())
        return sum.error();
    const qint64 used = sum.i64(0);
    sum.raw().finish();
    if (used + amount > cap) {
        Error e{ErrorCode::QuotaExceeded, S("The %1 quota of this workspace's plan is used up.").arg(metric)};
        e.extra = QJsonObject{{S("metric"), metric}, {S("cap"), double(cap)}, {S("used"), double(used)},
                              {S("requested"), double(amount)}};
        return e;
    }

    Reservation r{ids::newUuid(), workspaceId, metric, amount, idempotencyKey, S("reserved"), now, now + m_ttlMs};
    Query ins = tx.query(S("INSERT INTO usage_reservations (id, workspace_id, metric, amount, idempotency_key, state, "
                           "created_by, created_at, expires_at) VALUES (:id, :w, :m, :a, :k, 'reserved', :by, :t, :x)"));
    ins.bind(S(":id"), r.id).bind(S(":w"), workspaceId).bind(S(":m"), metric).bind(S(":a"), amount)
        .bind(S(":k"), idempotencyKey).bind(S(":by"), actor.isSystem() ? QVariant() : QVariant(actor.userId))
        .bind(S(":t"), now).bind(S(":x"), r.expiresAt);
    if (!ins.exec())
        return ins.error();
    if (auto a = AuditService::append(tx, now, actor, S("usage.reserve"), workspaceId, S("reservation"), r.id,
                                      {{S("metric"), metric}, {S("amount"), double(amount)}});
        !a)
        return a.error();
    tx.announce(S("reservation"), r.id);
    if (auto c = tx.commit(); !c)
        return c.error();
    return ReserveOutcome{r, true};
}

Result<Reservation> UsageService::commit(const Actor &actor, const QString &reservationId)
{
    return settle(actor, reservationId, S("committed"));
}

Result<Reservation> UsageService::revert(const Actor &actor, const QString &reservationId)
{
    return settle(actor, reservationId, S("reverted"));
}

Result<Reservation> UsageService::settle(const Actor &actor, const QString &reservationId, const QString &target)
{
    if (!ids::isUuid(reservationId))
        return Error::validation(S("reservation_id"), reservationId.isEmpty() ? S("required") : S("invalid"),
                                 S("reservation_id must be a reservation id."));
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    Query q = tx.query(S("SELECT ") + kCols + S(" FROM usage_reservations WHERE id = :id"));
    q.bind(S(":id"), reservationId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kRes);
    const qint64 now = m_ctx.clock->nowMs();
    Reservation r = read(q, now);
    q.raw().finish();
    if (auto role = access::requireRole(tx.conn(), actor, r.workspaceId, Role::Member, kRes); !role)
        return role.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();

    // The conditional update is the arbiter when two callers race: the loser
    // matches no row and reads the winner's state below.
    Query u = tx.query(S("UPDATE usage_reservations SET state = :s, settled_at = :t "
                         "WHERE id = :id AND state = 'reserved' AND expires_at > :t"));
    u.bind(S(":s"), target).bind(S(":t"), now).bind(S(":id"), reservationId);
    if (!u.exec())
        return u.error();
    if (u.rowsAffected() == 0) {
        Query again = tx.query(S("SELECT ") + kCols + S(" FROM usage_reservations WHERE id = :id"));
        again.bind(S(":id"), reservationId);
        if (!again.exec() || !again.next())
            return Error::notFound(kRes);
        r = read(again, now);
        if (r.state == target)
            return r; // the same transition again: nothing changes, nothing audited
        if (r.state == QLatin1String("expired"))
            return Error::conflict(S("The reservation expired; reserve again."));
        return Error::conflict(S("The reservation is already %1.").arg(r.state));
    }
    const QString action = target == QLatin1String("committed") ? S("usage.commit") : S("usage.revert");
    if (auto a = AuditService::append(tx, now, actor, action, r.workspaceId, S("reservation"), r.id,
                                      {{S("metric"), r.metric}, {S("amount"), double(r.amount)}});
        !a)
        return a.error();
    tx.announce(S("reservation"), r.id);
    if (auto c = tx.commit(); !c)
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
        Query q = tx.query(S("SELECT id, workspace_id, metric, amount FROM usage_reservations "
                             "WHERE state = 'reserved' AND expires_at <= :now ORDER BY expires_at, id LIMIT 200"));
        q.bind(S(":now"), now);
        if (!q.exec())
            return q.error();
        struct Row { QString id, ws, metric; qint64 amount; };
        QList<Row> rows;
        while (q.next())
            rows.append({q.str(0), q.str(1), q.str(2), q.i64(3)});
        q.raw().finish();
        if (rows.isEmpty())
            return total;
        for (const Row &row : std::as_const(rows)) {
            Query u = tx.query(S("UPDATE usage_reservations SET state = 'expired', settled_at = :t "
                                 "WHERE id = :id AND state = 'reserved'"));
            u.bind(S(":t"), now).bind(S(":id"), row.id);
            if (!u.exec())
                return u.error();
            if (u.rowsAffected() == 0)
                continue; // settled meanwhile
            if (auto a = AuditService::append(tx, now, system, S("usage.expire"), row.ws, S("reservation"), row.id,
                                              {{S("metric"), row.metric}, {S("amount"), double(row.amount)}});
                !a)
                return a.error();
            tx.announce(S("reservation"), row.id);
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
    Query p(conn, S("SELECT plan FROM workspaces WHERE id = :w"));
    p.bind(S(":w"), workspaceId);
    if (!p.exec())
        return p.error();
    if (!p.next())
        return Error::notFound(kWs);
    WorkspaceUsage out{workspaceId, p.str(0), {}};
    const auto caps = WorkspaceService::planLimits(conn, out.plan);
    for (const QString &m : metrics())
        out.metrics.append(MetricUsage{m, caps.value(m, 0), 0, 0});
    const qint64 now = m_ctx.clock->nowMs();
    Query q(conn, S("SELECT metric, "
                    "COALESCE(SUM(CASE WHEN state = 'committed' THEN amount ELSE 0 END), 0), "
                    "COALESCE(SUM(CASE WHEN state = 'reserved' AND expires_at > :now THEN amount ELSE 0 END), 0) "
                    "FROM usage_reservations WHERE workspace_id = :w GROUP BY metric"));
    q.bind(S(":now"), now).bind(S(":w"), workspaceId);
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

Result<Page<Reservation>> UsageService::openReservations(const Actor &actor, const QString &workspaceId, int limit,
                                                         const QString &cursorText)
{
    QSqlDatabase conn = m_ctx.db->connection();
    if (!ids::isUuid(workspaceId))
        return Error::notFound(kWs);
    if (auto r = access::requireRole(conn, actor, workspaceId, Role::Viewer, kWs); !r)
        return r.error();
    QString sql = S("SELECT ") + kCols
        + S(" FROM usage_reservations WHERE workspace_id = :w AND state = 'reserved' AND expires_at > :now");
    auto keyset = Keyset::parse(cursorText, S("created_at"), S("id"));
    if (!keyset)
        return keyset.error();
    sql += keyset->sql();
    const qint64 now = m_ctx.clock->nowMs();
    Query q(conn, sql);
    q.bind(S(":w"), workspaceId).bind(S(":now"), now);
    keyset->bind(q, limit);
    if (!q.exec())
        return q.error();
    Page<Reservation> page;
    while (q.next())
        page.items.append(read(q, now));
    finishPage(page, limit, [](const Reservation &x) { return cursor::TimeId{x.createdAt, x.id}; });
    return page;
}

Result<Reservation> UsageService::get(const Actor &actor, const QString &reservationId)
{
    if (!ids::isUuid(reservationId))
        return Error::notFound(kRes);
    QSqlDatabase conn = m_ctx.db->connection();
    Query q(conn, S("SELECT ") + kCols + S(" FROM usage_reservations WHERE id = :id"));
    q.bind(S(":id"), reservationId);
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
