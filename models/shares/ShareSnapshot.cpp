// SPDX-License-Identifier: Apache-2.0
#include "models/shares/ShareSnapshot.h"

#include "models/core/Ids.h"
#include "models/core/ShapeColumns.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"
#include "models/runs/MetricStore.h"
#include "models/runs/RunJson.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace wfx {

Result<std::optional<SnapshotRun>> ShareSnapshot::loadRun(const QSqlDatabase &conn,
                                                          const QString &runId)
{
    static const QString sql = u"SELECT "_s + shape::columns<kRunFields<Run>>(u"%1"_s) +
                               u", manifest FROM runs WHERE id = :r"_s;
    return row::first(conn, sql, {{u":r"_s, runId}}, [](const Query &q) {
        SnapshotRun r;
        shape::readColumns<kRunFields<Run>>(q, r.run);
        r.manifestText = q.str(shape::columnCount<kRunFields<Run>>());
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
    QJsonObject r = shape::toJson<kRunFields<Run>, shape::Public>(run.run);
    r.insert(u"manifest"_s, manifestDoc.isObject() ? manifestDoc.object() : QJsonObject());
    r.insert(u"metric_names"_s, metricNames);
    r.insert(u"metrics"_s, metrics);
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
