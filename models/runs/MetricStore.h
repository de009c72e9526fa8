// SPDX-License-Identifier: Apache-2.0
// The one place metric points are stored and read: packed chunks per series
// (run_metric_chunks, runs/MetricChunk.h), next to the chart rollups of long
// series (run_metric_rollups, runs/SeriesRollup.h).
//
// A series (run, name) is a set of chunks of at most kChunkPoints points each,
// keyed by their first step. Points are unique per (name, step) across the
// chunks of a series, but the step ranges of chunks may overlap: a late batch
// of a growing run (CONTRACT.md section 3) may add steps below the last ones,
// and becomes chunks of its own. Readers merge overlapping chunks back into
// step order.
#pragma once

#include "models/core/Result.h"
#include "models/runs/Downsample.h"
#include "models/runs/MetricChunk.h"
#include "models/runs/SyncRequest.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>
#include <vector>

namespace wfx {

class Database;

namespace metricstore {

// The most points one written chunk holds; a longer run of points becomes
// several chunks, so a series of a million points is a few hundred rows.
inline constexpr qsizetype kChunkPoints = 4096;
// A series' last chunk smaller than this takes the points a later sync appends
// after it (the row is updated in place), so a run syncing a few points at a
// time while it trains does not leave a chunk per sync; from this size on, new
// points start a chunk of their own. The size is the backend's (appendBelow()):
// - SQLite rewrites a chunk's pages in place and reuses freed pages at once,
//   but keeps a blob beyond about 1 KB in whole 4 KiB overflow pages, so its
//   tail grows to a full chunk (kChunkPoints): a run synced in 100 batches
//   ends with the chunks one sync writes (chunks of about 830 points, each
//   with a half-empty overflow page, cost 2.8 bytes a point more);
// - PostgreSQL leaves a dead copy of every rewritten row until VACUUM, and
//   moves a value beyond about 2 KB to TOAST, so its tail stays small enough
//   to live inside its row (rewriting chunks of up to 4,096 points left 100
//   bytes of dead space per point for a run synced in 100 batches, 256
//   leaves 1.8).
inline constexpr qsizetype kAppendBelowSqlite = kChunkPoints;
inline constexpr qsizetype kAppendBelowPostgres = 256;

enum class Rollups { Rebuild, Keep };
// NewRun: the run was created in this transaction, so it has no points yet and
// the stored chunks are not looked up (a sync's first write).
enum class Stored { Maybe, NewRun };
// Update: a series whose highest step grows gets its new last value in
// run_metric_last (migration metric_last). Skip: a store whose schema has no
// run_metric_last yet (the metric_chunks data step of an older store).
enum class LastValues { Update, Skip };

// Adds points to a run's series inside the caller's transaction (`conn` is the
// transaction's connection): grouped per series, sorted by step; a (name, step)
// already stored, or repeated in `points`, keeps the value stored or seen
// first. Returns how many points were added. The rollups of every series that
// gained points are rebuilt unless `rollups` is Keep (the migration, whose
// rollups already cover the same points). A series' last value (run_metric_last:
// the value at its highest step) follows when a new point is above the stored
// highest step; points below it leave it.
Result<qsizetype> add(const QSqlDatabase &conn, const QString &runId,
                      const QList<MetricInput> &points, Rollups rollups = Rollups::Rebuild,
                      Stored stored = Stored::Maybe, LastValues last = LastValues::Update);

// The points of one series in step order with step > afterStep (all when
// afterStep is nullopt), at most `limit` of them (all when limit < 0).
Result<std::vector<chunk::Point>> series(const QSqlDatabase &conn, const QString &runId,
                                         const QString &name,
                                         std::optional<qint64> afterStep = std::nullopt,
                                         qsizetype limit = -1);
QList<SeriesPoint> toSeriesPoints(const std::vector<chunk::Point> &points);

// The run's series names in order (at most `limit` when limit >= 0).
Result<QStringList> names(const QSqlDatabase &conn, const QString &runId, qsizetype limit = -1);

// Every point of the run, ordered by name then step.
Status visit(const QSqlDatabase &conn, const QString &runId,
             const std::function<void(const QString &name, const chunk::Point &p)> &fn);

// How many points a run holds (a series when `name` is given).
Result<qint64> count(const QSqlDatabase &conn, const QString &runId,
                     const QString &name = QString());

// The series' last (highest step), lowest, highest and mean value; nullopt
// when the series has no points. kind is "last", "min", "max" or "mean".
Result<std::optional<double>> aggregate(const QSqlDatabase &conn, const QString &runId,
                                        const QString &name, const QString &kind);

// A series' last value, lowest and highest value and point count, without
// reading every point of a long series: the lowest and highest come from its
// coarsest rollup level (each bucket keeps its lowest and highest point).
struct Summary
{
    QString name;
    qint64 lastStep = 0;
    double last = 0, min = 0, max = 0;
    qint64 points = 0;
};
// Every series of the run, by name.
Result<QList<Summary>> summaries(const QSqlDatabase &conn, const QString &runId);

// Rollup level `level` of the whole series from the stored level's `data`: a
// rollup is built over a prefix of a series that grows (add() builds it again
// once the series has doubled, or when points land inside the prefix), so the
// points after the prefix are read and thinned the same way (M4 buckets of
// 2^level) and appended.
Result<QList<SeriesPoint>> level(const QSqlDatabase &conn, const QString &runId,
                                 const QString &name, int level, const QByteArray &data);

// Rebuilds the rollups of every series of the run from its points.
Status rebuildRollups(const QSqlDatabase &conn, const QString &runId);

// The data step of migration metric_chunks (db/Migrator.cpp): moves the points
// of a store written before chunks (table run_metrics, one row per point) into
// chunks, one transaction per run, and drops run_metrics once no run is left.
// Resumable: a store stopped half way (run_metrics still there) finishes at the
// next call. Holds the migration lock (pg_advisory_xact_lock) in every
// transaction, so processes starting together wait for it to finish.
// stopAfterRuns >= 0 (tests) stops after that many runs, leaving it half done.
Status migrateRows(Database &db, qsizetype stopAfterRuns = -1);

// The data step of migration metric_last: writes run_metric_last for the runs
// listed in run_metric_last_pending from their chunks, a few hundred runs a
// transaction, and drops the pending table when it is empty. Resumable and
// locked like migrateRows.
Status fillLastValues(Database &db, qsizetype stopAfterRuns = -1);

} // namespace metricstore
} // namespace wfx
