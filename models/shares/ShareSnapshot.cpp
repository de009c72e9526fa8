// SPDX-License-Identifier: Apache-2.0
#include "models/shares/ShareSnapshot.h"

#include "models/core/Ids.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"
#include "models/runs/MetricStore.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {
QJsonValue timeOrNull(const std::optional<qint64> &t)
{
    return t ? QJsonValue(ids::formatTime(*t)) : QJsonValue(QJsonValue::Null);
}
} // namespace

Result<std::optional<SnapshotRun>> ShareSnapshot::loadRun(const QSqlDatabase &conn,
                                                          const QString &runId)
{
    return row::first(
        conn,
        u"SELECT name, status, evidence, manifest, started_at, finished_at, created_at FROM runs WHERE id = :r"_s,
        {{u":r"_s, runId}}, [](const Query &q) {
            SnapshotRun r;
            row::read(q, r.name, r.status, r.evidence, r.manifestText, r.startedAt, r.finishedAt,
                      r.createdAt);
            return r;
        });
}

Result<std::optional<SnapshotArtifact>> ShareSnapshot::loadArtifact(const QSqlDatabase &conn,
                                                                    const QString &artifactId)
{
    return row::first(conn,
                      u"SELECT run_id, name, state, size_bytes FROM artifacts WHERE id = :a"_s,
                      {{u":a"_s, artifactId}}, [](const Query &q) {
                          return SnapshotArtifact{q.str(0), q.str(1), q.str(2), q.i64(3)};
                      });
}

Result<QJsonObject> ShareSnapshot::build(const QSqlDatabase &conn, const QString &runId,
                                         const SnapshotRun &run,
                                         const std::optional<SnapshotArtifact> &artifact,
                                         const ShareLimits &limits)
{
    const int maxSeries = std::max(1, limits.maxSeries);
    const int cap = std::max(2, limits.maxPointsPerSeries);

    // The first maxSeries metric names (one more tells whether there are others).
    auto names = metricstore::names(conn, runId, maxSeries + 1);
    if (!names)
        return names.error();
    const bool moreSeries = names->size() > maxSeries;
    if (moreSeries)
        names->resize(maxSeries);
    const QJsonArray metricNames = QJsonArray::fromStringList(*names);

    QJsonObject metrics;
    for (const QString &name : std::as_const(*names)) {
        // Every stride-th point and the last, at most `cap` per series.
        auto points = metricstore::series(conn, runId, name);
        if (!points)
            return points.error();
        const qint64 cnt = qint64(points->size());
        const qint64 stride = cnt <= cap ? 1 : (cnt + cap - 2) / (cap - 1);
        QJsonArray series;
        for (qint64 i = 0; i < cnt; ++i) {
            if (i % stride == 0 || i == cnt - 1) {
                const chunk::Point &p = (*points)[size_t(i)];
                series.append(QJsonArray{double(p.step), p.value});
            }
        }
        metrics.insert(name, series);
    }

    const QJsonDocument manifestDoc = QJsonDocument::fromJson(run.manifestText.toUtf8());
    QJsonObject r{{u"name"_s, run.name},
                  {u"status"_s, run.status},
                  {u"evidence"_s, run.evidence},
                  {u"started_at"_s, timeOrNull(run.startedAt)},
                  {u"finished_at"_s, timeOrNull(run.finishedAt)},
                  {u"created_at"_s, ids::formatTime(run.createdAt)},
                  {u"manifest"_s, manifestDoc.isObject() ? manifestDoc.object() : QJsonObject()},
                  {u"metric_names"_s, metricNames},
                  {u"metrics"_s, metrics}};
    if (moreSeries)
        r.insert(u"metrics_truncated"_s, true);
    QJsonObject out{{u"run"_s, r}};
    if (artifact)
        out.insert(u"artifact"_s, QJsonObject{{u"name"_s, artifact->name},
                                              {u"size_bytes"_s, double(artifact->sizeBytes)}});
    return out;
}

Result<QByteArray> ShareSnapshot::take(const QSqlDatabase &conn, const QString &runId,
                                       const QString &artifactId, const ShareLimits &limits)
{
    auto run = loadRun(conn, runId);
    if (!run)
        return run.error();
    if (!*run)
        return Error::notFound(u"Run"_s);
    std::optional<SnapshotArtifact> artifact;
    if (!artifactId.isEmpty()) {
        auto a = loadArtifact(conn, artifactId);
        if (!a)
            return a.error();
        if (*a && (*a)->runId == runId)
            artifact = **a;
    }
    auto snap = build(conn, runId, **run, artifact, limits);
    if (!snap)
        return snap.error();
    return QJsonDocument(*snap).toJson(QJsonDocument::Compact);
}

} // namespace wfx
