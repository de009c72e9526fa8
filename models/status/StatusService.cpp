// SPDX-License-Identifier: Apache-2.0
#include "models/status/StatusService.h"

#include "models/artifacts/BlobStore.h"

#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/db/Tx.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QMutexLocker>
#include <QUuid>

#include <algorithm>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcStatus, "wfx.models.status", QtInfoMsg)

namespace wfx {

namespace {

const QString kDatabase = QStringLiteral("database");
const QString kArtifactStore = QStringLiteral("artifact_store");

// Samples have name-based ids (component, minute): several processes on one
// store still write at most one sample per component and minute.
const QUuid kSampleNamespace(QStringLiteral("6f1c2a52-3b7e-4c55-9a0e-2d4f7b8c9e10"));

QString sampleId(const QString &component, qint64 minute)
{
    const QByteArray name = component.toUtf8() + ':' + QByteArray::number(minute);
    return QUuid::createUuidV5(kSampleNamespace, name).toString(QUuid::WithoutBraces);
}
} // namespace

QJsonObject ComponentStatus::toJson() const
{
    return {{u"name"_s, name},
            {u"status"_s, status},
            {u"latency_ms"_s, double(latencyMs)},
            {u"checked_at"_s, ids::formatTime(checkedAt)}};
}

QJsonObject UptimeBucket::toJson() const
{
    QJsonObject comps;
    for (auto it = components.cbegin(); it != components.cend(); ++it)
        comps.insert(it.key(), it.value());
    return {{u"hour"_s, ids::formatTime(hourStart)},
            {u"uptime"_s, uptime ? QJsonValue(*uptime) : QJsonValue(QJsonValue::Null)},
            {u"samples"_s, double(samples)},
            {u"components"_s, comps}};
}

QJsonObject StatusReport::toJson() const
{
    QJsonArray comps, hist;
    for (const auto &c : components)
        comps.append(c.toJson());
    for (const auto &h : history)
        hist.append(h.toJson());
    return {{u"status"_s, status}, {u"components"_s, comps}, {u"history"_s, hist}};
}

StatusService::StatusService(ModelContext ctx, ArtifactProbe artifactProbe)
    : m_ctx(std::move(ctx)), m_artifactProbe(std::move(artifactProbe))
{
}

StatusService::StatusService(ModelContext ctx, const BlobStore &blobs)
    : StatusService(std::move(ctx), blobProbe(blobs))
{
}

StatusService::ArtifactProbe StatusService::blobProbe(const BlobStore &blobs)
{
    return [blobs](QString *reason) { // a copy: the store is two paths
        const Status st = blobs.health();
        if (!st)
            *reason = st.error().message;
        return bool(st);
    };
}

QString StatusService::overallStatus(const QList<ComponentStatus> &components)
{
    QString overall = u"operational"_s;
    for (const auto &c : components) {
        if (c.name == kDatabase && c.status == QLatin1String("down"))
            return u"down"_s;
        if (c.status != QLatin1String("operational"))
            overall = u"degraded"_s;
    }
    return overall;
}

ComponentStatus StatusService::finish(const QString &name, bool ok, qint64 latencyMs,
                                      const QString &reason)
{
    ComponentStatus c{name, u"operational"_s, latencyMs, m_ctx.clock->nowMs()};
    if (!ok)
        c.status = u"down"_s;
    else if (latencyMs > m_slowMs)
        c.status = u"degraded"_s;
    if (!ok)
        qCWarning(lcStatus) << name << "is down:" << reason;
    record(c, ok, reason);
    return c;
}

ComponentStatus StatusService::checkDatabase()
{
    QElapsedTimer t;
    t.start();
    const bool ok = m_ctx.db->ping();
    return finish(kDatabase, ok, t.elapsed(), ok ? QString() : u"the query did not round-trip"_s);
}

ComponentStatus StatusService::checkArtifactStore()
{
    QElapsedTimer t;
    t.start();
    QString reason;
    const bool ok = m_artifactProbe && m_artifactProbe(&reason);
    return finish(kArtifactStore, ok, t.elapsed(),
                  ok                 ? QString()
                  : reason.isEmpty() ? u"no probe"_s
                                     : reason);
}

void StatusService::record(const ComponentStatus &c, bool ok, const QString &reason)
{
    const qint64 minute = c.checkedAt / kSampleIntervalMs;
    bool sweepDue = false;
    {
        QMutexLocker l(&m_mutex);
        if (m_lastRecordedMinute.value(c.name, -1) == minute)
            return;
        m_lastRecordedMinute.insert(c.name, minute);
        if (c.checkedAt - m_lastSweepMs >= kHourMs) {
            m_lastSweepMs = c.checkedAt;
            sweepDue = true;
        }
    }
    Query q(m_ctx.db->connection(),
            u"INSERT INTO status_samples (id, at, component, ok, latency_ms, detail) "
            "VALUES (:id, :at, :c, :ok, :l, :d) ON CONFLICT (id) DO NOTHING"_s);
    q.bind(u":id"_s, sampleId(c.name, minute))
        .bind(u":at"_s, c.checkedAt)
        .bind(u":c"_s, c.name)
        .bind(u":ok"_s, ok ? 1 : 0)
        .bind(u":l"_s, c.latencyMs)
        .bind(u":d"_s,
              reason.isNull() ? QStringLiteral("") : reason); // a null QString binds as NULL
    if (!q.exec()) {
        // The store may be the component that is down; the next minute tries again.
        QMutexLocker l(&m_mutex);
        m_lastRecordedMinute.remove(c.name);
        return;
    }
    if (sweepDue)
        sweep();
}

qint64 StatusService::sweep()
{
    const qint64 cutoff = m_ctx.clock->nowMs() - kRetentionMs;
    qint64 removed = 0;
    for (const QString &component : {kDatabase, kArtifactStore}) {
        Query d(m_ctx.db->connection(),
                u"DELETE FROM status_samples WHERE component = :c AND at < :cut"_s);
        d.bind(u":c"_s, component).bind(u":cut"_s, cutoff);
        if (!d.exec())
            return -1;
        removed += std::max(0, d.rowsAffected());
    }
    return removed;
}

QList<UptimeBucket> StatusService::history(qint64 now)
{
    const qint64 currentHour = now / kHourMs;
    const qint64 firstHour = currentHour - (kHistoryHours - 1);
    QList<UptimeBucket> buckets;
    for (qint64 h = firstHour; h <= currentHour; ++h)
        buckets.append(UptimeBucket{h * kHourMs, std::nullopt, {}, 0});
    for (const QString &component : {kDatabase, kArtifactStore}) {
        Query q(m_ctx.db->connection(),
                u"SELECT at / 3600000, SUM(ok), COUNT(*) FROM status_samples "
                "WHERE component = :c AND at >= :from AND at <= :now "
                "GROUP BY at / 3600000"_s);
        q.bind(u":c"_s, component).bind(u":from"_s, firstHour * kHourMs).bind(u":now"_s, now);
        if (!q.exec())
            return buckets; // the store is down: no history to show
        while (q.next()) {
            const qint64 index = q.i64(0) - firstHour;
            if (index < 0 || index >= buckets.size() || q.i64(2) <= 0)
                continue;
            UptimeBucket &b = buckets[int(index)];
            const double ratio = double(q.i64(1)) / double(q.i64(2));
            b.components.insert(component, ratio);
            b.samples += q.i64(2);
            b.uptime = b.uptime ? std::min(*b.uptime, ratio) : ratio;
        }
    }
    return buckets;
}

StatusReport StatusService::status()
{
    StatusReport r;
    r.components = {checkDatabase(), checkArtifactStore()};
    r.status = overallStatus(r.components);
    r.history = history(m_ctx.clock->nowMs());
    return r;
}

} // namespace wfx
