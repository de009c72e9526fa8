// SPDX-License-Identifier: Apache-2.0
// Operational status of the instance: the store and the artifact store are
// probed, sampled at most once a minute per component, and summarised.
#pragma once

#include "models/core/Context.h"
#include "models/core/Result.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMutex>

#include <functional>
#include <optional>

namespace wfx {

class BlobStore;

struct ComponentStatus
{
    QString name;   // "database", "artifact_store"
    QString status; // operational, degraded (answered, but slowly), down
    qint64 latencyMs = 0;
    qint64 checkedAt = 0;

    // {name, status, latency_ms, checked_at}
    QJsonObject toJson() const;
};

// Uptime of one hour: the share of sampled minutes in which a component was up.
struct UptimeBucket
{
    qint64 hourStart = 0;
    std::optional<double> uptime; // the worst component's ratio; empty: no samples
    QHash<QString, double> components;
    qint64 samples = 0;

    // {hour, uptime|null, samples, components: {name: ratio}}
    QJsonObject toJson() const;
};

struct StatusReport
{
    QString status; // operational, degraded, down
    QList<ComponentStatus> components;
    QList<UptimeBucket> history; // the last 24 hours, oldest first, the current hour last

    // {status, components: [...], history: [...]}
    QJsonObject toJson() const;
};

class StatusService
{
public:
    // Writes, reads back and removes a small file in the folder; false with a
    // reason when that fails. The reason is for the log, never for the public.
    using ArtifactProbe = std::function<bool(QString *reason)>;

    StatusService(ModelContext ctx, ArtifactProbe artifactProbe);
    // The artifact store's own health check (BlobStore::health), the one probe
    // /health/r2, /api/status and /metrics share.
    StatusService(ModelContext ctx, const BlobStore &blobs);

    static constexpr qint64 kSampleIntervalMs = 60 * 1000;
    static constexpr qint64 kRetentionMs = 30LL * 24 * 3600 * 1000;
    static constexpr qint64 kHourMs = 3600 * 1000;
    static constexpr int kHistoryHours = 24;
    static ArtifactProbe blobProbe(const BlobStore &blobs);

    // A component that answers slower than this is "degraded" (default 1000 ms).
    void setSlowThresholdMs(qint64 ms) { m_slowMs = ms; }

    // Probes one component now and records a sample (at most one per minute).
    ComponentStatus checkDatabase();
    ComponentStatus checkArtifactStore();
    // Probes both, records, and summarises with the last 24 hours.
    StatusReport status();
    // Removes samples older than 30 days; returns how many (-1 on error).
    qint64 sweep();

    // down when the store is down (nothing works without it), degraded when any
    // component is not operational, otherwise operational.
    static QString overallStatus(const QList<ComponentStatus> &components);

private:
    ComponentStatus finish(const QString &name, bool ok, qint64 latencyMs, const QString &reason);
    void record(const ComponentStatus &c, bool ok, const QString &reason);
    QList<UptimeBucket> history(qint64 now);

    ModelContext m_ctx;
    ArtifactProbe m_artifactProbe;
    qint64 m_slowMs = 1000;
    QMutex m_mutex;
    QHash<QString, qint64> m_lastRecordedMinute;
    qint64 m_lastSweepMs = 0;
};

} // namespace wfx
