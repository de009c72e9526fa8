// SPDX-License-Identifier: Apache-2.0
// Usage quotas: reserve against the workspace plan's caps, then commit or revert.
#pragma once

#include "models/core/Context.h"
#include "models/core/Cursor.h"
#include "models/core/Result.h"
#include "models/core/Shape.h"

#include <QJsonObject>
#include <QList>
#include <QSqlDatabase>

namespace wfx {

class Query;

struct Reservation
{
    QString id, workspaceId, metric;
    qint64 amount = 0;
    QString idempotencyKey;
    // reserved, committed, reverted, expired. A reserved row past expires_at
    // reads as expired even before expireStale() has marked it.
    QString state;
    qint64 createdAt = 0, expiresAt = 0;
    QJsonObject toJson() const;
};

inline constexpr auto kReservationFields = std::tuple{
    shape::field("id", &Reservation::id, shape::uuid()),
    shape::field("workspace_id", &Reservation::workspaceId, shape::uuid()),
    shape::field("metric", &Reservation::metric, shape::text()),
    shape::field("amount", &Reservation::amount, shape::integer()),
    shape::field("idempotency_key", &Reservation::idempotencyKey, shape::text()),
    shape::field("state", &Reservation::state, shape::text()),
    shape::field("created_at", &Reservation::createdAt, shape::instant()),
    shape::field("expires_at", &Reservation::expiresAt, shape::instant()),
};

struct ReserveOutcome
{
    Reservation reservation;
    bool created = false; // false: the idempotency key named an existing reservation
};

struct MetricUsage
{
    QString metric;
    qint64 cap = 0, committed = 0, reserved = 0;
    QJsonObject toJson() const;
};

struct WorkspaceUsage
{
    QString workspaceId, plan;
    QList<MetricUsage> metrics; // runs, artifact_bytes, compute_seconds
    QJsonObject toJson() const;
};

class UsageService
{
public:
    explicit UsageService(ModelContext ctx, qint64 reservationTtlMs = kDefaultTtlMs)
        : m_ctx(std::move(ctx)), m_ttlMs(reservationTtlMs)
    {
    }

    static constexpr qint64 kDefaultTtlMs = 15LL * 60 * 1000;
    // Large enough for any artifact, small enough to stay exact in JSON numbers.
    static constexpr qint64 kMaxAmount = 1LL << 50;
    static constexpr int kMaxKeyLength = 200;
    static const QStringList &metrics();

    Result<ReserveOutcome> reserve(const Actor &actor, const QString &workspaceId,
                                   const QString &metric, qint64 amount,
                                   const QString &idempotencyKey);
    Result<Reservation> commit(const Actor &actor, const QString &reservationId);
    Result<Reservation> revert(const Actor &actor, const QString &reservationId);
    // System job: marks reserved rows past their expiry as expired, one audit
    // entry each. Returns how many were expired.
    Result<int> expireStale();

    Result<WorkspaceUsage> usage(const Actor &actor, const QString &workspaceId);
    // Reservations still holding quota, newest first.
    Result<Page<Reservation>> openReservations(const Actor &actor, const QString &workspaceId,
                                               int limit, const QString &cursor);
    Result<Reservation> get(const Actor &actor, const QString &reservationId);

private:
    Result<Reservation> settle(const Actor &actor, const QString &reservationId,
                               const QString &target);
    Reservation read(const Query &q, qint64 now) const;
    ModelContext m_ctx;
    qint64 m_ttlMs;
};

} // namespace wfx
