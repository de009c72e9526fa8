// SPDX-License-Identifier: Apache-2.0
#include "models/runs/MetricStore.h"

#include "models/db/Database.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"
#include "models/runs/RunRows.h"
#include "models/runs/SeriesRollup.h"

#include <QElapsedTimer>
#include <QHash>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace Qt::StringLiterals;

Q_DECLARE_LOGGING_CATEGORY(lcDb)

namespace wfx::metricstore {

namespace {

using chunk::Point;

bool byStep(const Point &a, const Point &b)
{
    return a.step < b.step;
}

// Points decoded from several chunks of one series, back in step order (the
// chunks' steps never repeat, only their ranges may overlap).
void order(std::vector<Point> &points)
{
    if (!std::is_sorted(points.begin(), points.end(), byStep))
        std::sort(points.begin(), points.end(), byStep);
}

Error damaged(const QString &runId, const QString &name)
{
    qCCritical(lcDb) << "metric chunk of run" << runId << "series" << name << "does not decode";
    return Error::internal(u"A metric chunk of run %1 (series %2) is damaged."_s.arg(runId, name));
}

Status insertChunks(const QSqlDatabase &conn, const QString &runId, const QString &name,
                    const std::vector<Point> &points)
{
    Query q(conn,
            u"INSERT INTO run_metric_chunks (run_id, name, first_step, last_step, points, data) "
            "VALUES (:r, :n, :f, :l, :p, :d)"_s);
    const qsizetype total = qsizetype(points.size());
    for (qsizetype at = 0; at < total; at += kChunkPoints) {
        const qsizetype n = std::min(kChunkPoints, total - at);
        const std::span<const Point> part(points.data() + at, size_t(n));
        q.bind(u":r"_s, runId)
            .bind(u":n"_s, name)
            .bind(u":f"_s, part.front().step)
            .bind(u":l"_s, part.back().step)
            .bind(u":p"_s, qint64(n))
            .bind(u":d"_s, chunk::encode(part));
        if (!q.exec())
            return q.error();
    }
    return Ok{};
}

Status writeRollups(const QSqlDatabase &conn, const QString &runId, const QString &name,
                    const QList<SeriesPoint> &ordered)
{
    const QList<rollup::Level> levels = rollup::build(ordered);
    if (levels.isEmpty())
        return Ok{};
    Query q(conn, u"INSERT INTO run_metric_rollups (run_id, name, level, points, data) "
                  "VALUES (:r, :n, :l, :p, :d)"_s);
    for (const rollup::Level &level : levels) {
        q.bind(u":r"_s, runId)
            .bind(u":n"_s, name)
            .bind(u":l"_s, level.level)
            .bind(u":p"_s, qint64(ordered.size()))
            .bind(u":d"_s, level.data);
        if (!q.exec())
            return q.error();
    }
    return Ok{};
}

Status replaceRollups(const QSqlDatabase &conn, const QString &runId, const QString &name,
                      const std::vector<Point> &ordered, bool hadRollups)
{
    if (hadRollups) {
        if (auto e =
                row::exec(conn, u"DELETE FROM run_metric_rollups WHERE run_id = :r AND name = :n"_s,
                          {{u":r"_s, runId}, {u":n"_s, name}});
            !e)
            return e.error();
    }
    if (qsizetype(ordered.size()) <= rollup::kMinPoints)
        return Ok{};
    return writeRollups(conn, runId, name, toSeriesPoints(ordered));
}

// How much of a series its stored rollup covers: the points it was built
// over and the last of them (every level keeps each bucket's last point, so
// the coarsest, smallest level says it). points 0: no rollup.
struct Coverage
{
    qint64 points = 0;
    qint64 lastStep = 0;
    int coarsest = -1;
    QByteArray coarsestData;
};

Result<Coverage> rollupCoverage(const QSqlDatabase &conn, const QString &runId, const QString &name)
{
    Query q(conn,
            u"SELECT points, level, data FROM run_metric_rollups WHERE run_id = :r AND name = :n "
            "ORDER BY level DESC LIMIT 1"_s);
    q.bind(u":r"_s, runId).bind(u":n"_s, name);
    if (!q.exec())
        return q.error();
    Coverage c;
    if (q.next()) {
        c.coarsestData = q.value(2).toByteArray();
        const QList<SeriesPoint> pts = rollup::unpack(c.coarsestData);
        if (!pts.isEmpty()) {
            c.points = q.i64(0);
            c.coarsest = int(q.i64(1));
            c.lastStep = pts.back().step;
        }
    }
    return c;
}

struct StoredChunk
{
    qint64 firstStep = 0;
    qint64 lastStep = 0;
    qint64 points = 0;
};

// The series' last value follows `top` (its highest new point) when `top` is
// above the stored highest step; `upsert` null: LastValues::Skip.
Status noteLast(Query *upsert, const QString &runId, const QString &name, const Point &top)
{
    if (!upsert)
        return Ok{};
    upsert->bind(u":r"_s, runId)
        .bind(u":n"_s, name)
        .bind(u":s"_s, top.step)
        .bind(u":v"_s, top.value);
    if (!upsert->exec())
        return upsert->error();
    return Ok{};
}

const char *const kUpsertLast =
    "INSERT INTO run_metric_last (run_id, name, step, value, workspace_id, project_id) "
    "SELECT id, :n, :s, :v, workspace_id, project_id FROM runs WHERE id = :r "
    "ON CONFLICT (run_id, name) DO UPDATE SET step = excluded.step, value = excluded.value "
    "WHERE excluded.step > run_metric_last.step";

// Adds one series' new points (sorted, unique steps).
Result<qsizetype> addSeries(const QSqlDatabase &conn, const QString &runId, const QString &name,
                            std::vector<Point> fresh, Rollups rollups, Stored stored,
                            Query *upsertLast)
{
    if (fresh.empty())
        return qsizetype(0);
    if (stored == Stored::NewRun) {
        if (auto w = noteLast(upsertLast, runId, name, fresh.back()); !w)
            return w.error();
        if (auto w = insertChunks(conn, runId, name, fresh); !w)
            return w.error();
        if (rollups == Rollups::Rebuild) {
            if (auto w = replaceRollups(conn, runId, name, fresh, false); !w)
                return w.error();
        }
        return qsizetype(fresh.size());
    }
    // What the series already holds in the new points' range: those steps stay.
    std::vector<Point> held;
    {
        Query q(conn, u"SELECT data FROM run_metric_chunks WHERE run_id = :r AND name = :n "
                      "AND first_step <= :b AND last_step >= :a"_s);
        q.bind(u":r"_s, runId)
            .bind(u":n"_s, name)
            .bind(u":a"_s, fresh.front().step)
            .bind(u":b"_s, fresh.back().step);
        if (!q.exec())
            return q.error();
        while (q.next()) {
            if (!chunk::decode(q.value(0).toByteArray(), held))
                return damaged(runId, name);
        }
    }
    if (!held.empty()) {
        order(held);
        std::vector<Point> kept;
        kept.reserve(fresh.size());
        auto s = held.begin();
        for (const Point &p : fresh) {
            while (s != held.end() && s->step < p.step)
                ++s;
            if (s == held.end() || s->step != p.step)
                kept.push_back(p);
        }
        fresh.swap(kept);
        if (fresh.empty())
            return qsizetype(0);
    }
    const qsizetype added = qsizetype(fresh.size());
    const qint64 firstNew = fresh.front().step;
    if (auto w = noteLast(upsertLast, runId, name, fresh.back()); !w)
        return w.error();

    // The series' last chunk, when small, takes the points that come after it.
    const qsizetype appendBelow =
        conn.driverName() == QLatin1String("QPSQL") ? kAppendBelowPostgres : kAppendBelowSqlite;
    std::optional<StoredChunk> tail;
    QByteArray tailData;
    {
        Query q(conn, u"SELECT first_step, last_step, points, data FROM run_metric_chunks "
                      "WHERE run_id = :r AND name = :n ORDER BY last_step DESC LIMIT 1"_s);
        q.bind(u":r"_s, runId).bind(u":n"_s, name);
        if (!q.exec())
            return q.error();
        if (q.next()) {
            tail = StoredChunk{q.i64(0), q.i64(1), q.i64(2)};
            if (tail->points < appendBelow && fresh.back().step > tail->lastStep)
                tailData = q.value(3).toByteArray();
        }
    }
    const bool wasEmpty = !tail.has_value();
    if (!tailData.isEmpty()) {
        const auto after =
            std::upper_bound(fresh.begin(), fresh.end(), Point{tail->lastStep, 0}, byStep);
        std::vector<Point> merged;
        if (!chunk::decode(tailData, merged))
            return damaged(runId, name);
        // The tail takes new points up to kAppendBelow (in place: the same key);
        // the rest starts chunks of its own.
        const qsizetype take =
            std::min<qsizetype>(std::distance(after, fresh.end()),
                                std::max<qsizetype>(appendBelow - qsizetype(merged.size()), 0));
        merged.insert(merged.end(), after, after + take);
        fresh.erase(after, after + take);
        Query u(conn, u"UPDATE run_metric_chunks SET last_step = :l, points = :p, data = :d "
                      "WHERE run_id = :r AND name = :n AND first_step = :f"_s);
        u.bind(u":l"_s, merged.back().step)
            .bind(u":p"_s, qint64(merged.size()))
            .bind(u":d"_s, chunk::encode(merged))
            .bind(u":r"_s, runId)
            .bind(u":n"_s, name)
            .bind(u":f"_s, tail->firstStep);
        if (!u.exec())
            return u.error();
    }
    if (!fresh.empty()) {
        if (auto w = insertChunks(conn, runId, name, fresh); !w)
            return w.error();
    }

    if (rollups == Rollups::Rebuild) {
        if (wasEmpty) {
            if (auto w = replaceRollups(conn, runId, name, fresh, false); !w)
                return w.error();
        } else {
            // A growing series keeps its rollup over the prefix it was built on
            // (readers add the newer points: level()); it is built again when
            // the series has doubled since, or when points land inside the
            // prefix. So a series synced in many batches rewrites its rollup a
            // few times, not once per batch (PostgreSQL keeps a dead copy of
            // every rewrite until VACUUM).
            auto covered = rollupCoverage(conn, runId, name);
            if (!covered)
                return covered.error();
            auto total = count(conn, runId, name);
            if (!total)
                return total.error();
            const bool due = covered->points == 0
                                 ? *total > rollup::kMinPoints
                                 : (firstNew <= covered->lastStep || *total >= 2 * covered->points);
            if (due) {
                auto all = series(conn, runId, name);
                if (!all)
                    return all.error();
                if (auto w = replaceRollups(conn, runId, name, *all, covered->points > 0); !w)
                    return w.error();
            }
        }
    }
    return added;
}
} // namespace

QList<SeriesPoint> toSeriesPoints(const std::vector<Point> &points)
{
    QList<SeriesPoint> out;
    out.reserve(qsizetype(points.size()));
    for (const Point &p : points)
        out.append({p.step, p.value});
    return out;
}

Result<qsizetype> add(const QSqlDatabase &conn, const QString &runId,
                      const QList<MetricInput> &points, Rollups rollups, Stored stored,
                      LastValues lastValues)
{
    // Per series in order of first appearance; the first of repeated steps wins.
    QHash<QString, qsizetype> index;
    QStringList seriesNames;
    std::vector<std::vector<Point>> perSeries;
    const QString *lastName = nullptr; // a series' points mostly come together
    qsizetype last = 0;
    for (const MetricInput &m : points) {
        if (!lastName || m.name != *lastName) {
            auto it = index.constFind(m.name);
            if (it == index.constEnd()) {
                it = index.insert(m.name, qsizetype(perSeries.size()));
                seriesNames << m.name;
                perSeries.emplace_back();
            }
            last = *it;
            lastName = &m.name;
        }
        perSeries[size_t(last)].push_back({m.step, m.value});
    }
    std::optional<Query> upsertLast;
    if (lastValues == LastValues::Update && !seriesNames.isEmpty())
        upsertLast.emplace(conn, QString::fromLatin1(kUpsertLast));
    qsizetype added = 0;
    for (qsizetype i = 0; i < seriesNames.size(); ++i) {
        std::vector<Point> &pts = perSeries[size_t(i)];
        std::stable_sort(pts.begin(), pts.end(), byStep);
        pts.erase(std::unique(pts.begin(), pts.end(),
                              [](const Point &a, const Point &b) { return a.step == b.step; }),
                  pts.end());
        auto n = addSeries(conn, runId, seriesNames.at(i), std::move(pts), rollups, stored,
                           upsertLast ? &*upsertLast : nullptr);
        if (!n)
            return n.error();
        added += *n;
    }
    return added;
}

Result<std::vector<Point>> series(const QSqlDatabase &conn, const QString &runId,
                                  const QString &name, std::optional<qint64> afterStep,
                                  qsizetype limit)
{
    Query q(conn, u"SELECT first_step, data FROM run_metric_chunks WHERE run_id = :r AND name = :n "
                  "AND last_step > :a ORDER BY first_step"_s);
    const qint64 after = afterStep.value_or(std::numeric_limits<qint64>::min());
    q.bind(u":r"_s, runId).bind(u":n"_s, name).bind(u":a"_s, after);
    if (!q.exec())
        return q.error();
    std::vector<Point> out;
    // Chunks come by first step: once a chunk is read, every point below the
    // next chunk's first step is in place, so a page stops early.
    auto done = [&](qint64 nextFirst) {
        if (limit < 0)
            return false;
        order(out);
        const auto settled = std::lower_bound(out.begin(), out.end(), Point{nextFirst, 0}, byStep);
        const auto from = std::upper_bound(out.begin(), out.end(), Point{after, 0}, byStep);
        return settled - from >= limit;
    };
    bool have = false;
    while (q.next()) {
        const qint64 first = q.i64(0);
        if (have && done(first))
            break;
        if (!chunk::decode(q.value(1).toByteArray(), out))
            return damaged(runId, name);
        have = true;
    }
    order(out);
    if (afterStep) {
        out.erase(out.begin(), std::upper_bound(out.begin(), out.end(), Point{after, 0}, byStep));
    }
    if (limit >= 0 && qsizetype(out.size()) > limit)
        out.resize(size_t(limit));
    return out;
}

Result<QStringList> names(const QSqlDatabase &conn, const QString &runId, qsizetype limit)
{
    Query q(conn,
            limit < 0
                ? u"SELECT DISTINCT name FROM run_metric_chunks WHERE run_id = :r ORDER BY name"_s
                : u"SELECT DISTINCT name FROM run_metric_chunks WHERE run_id = :r ORDER BY name "
                  "LIMIT :n"_s);
    q.bind(u":r"_s, runId);
    if (limit >= 0)
        q.bind(u":n"_s, qint64(limit));
    if (!q.exec())
        return q.error();
    QStringList out;
    while (q.next())
        out << q.str(0);
    return out;
}

Status visit(const QSqlDatabase &conn, const QString &runId,
             const std::function<void(const QString &name, const Point &p)> &fn)
{
    QString current;
    std::vector<Point> points;
    auto flush = [&] {
        order(points);
        for (const Point &p : points)
            fn(current, p);
        points.clear();
    };
    const Status read = eachRowOfRun(
        conn,
        u"SELECT name, data FROM run_metric_chunks WHERE run_id = :r ORDER BY name, first_step"_s,
        runId, [&](const Query &q) -> Status {
            const QString name = q.str(0);
            if (name != current) {
                flush();
                current = name;
            }
            if (!chunk::decode(q.value(1).toByteArray(), points))
                return damaged(runId, name);
            return Ok{};
        });
    if (!read)
        return read;
    flush();
    return Ok{};
}

Result<qint64> count(const QSqlDatabase &conn, const QString &runId, const QString &name)
{
    Query q(conn,
            name.isEmpty()
                ? u"SELECT SUM(points) FROM run_metric_chunks WHERE run_id = :r"_s
                : u"SELECT SUM(points) FROM run_metric_chunks WHERE run_id = :r AND name = :n"_s);
    q.bind(u":r"_s, runId);
    if (!name.isEmpty())
        q.bind(u":n"_s, name);
    if (!q.exec())
        return q.error();
    return q.next() && !q.isNull(0) ? q.i64(0) : 0;
}

Result<std::optional<double>> aggregate(const QSqlDatabase &conn, const QString &runId,
                                        const QString &name, const QString &kind)
{
    if (kind == QLatin1String("last")) {
        Query q(conn, u"SELECT data FROM run_metric_chunks WHERE run_id = :r AND name = :n "
                      "ORDER BY last_step DESC LIMIT 1"_s);
        q.bind(u":r"_s, runId).bind(u":n"_s, name);
        if (!q.exec())
            return q.error();
        if (!q.next())
            return std::optional<double>();
        std::vector<Point> pts;
        if (!chunk::decode(q.value(0).toByteArray(), pts))
            return damaged(runId, name);
        return std::optional<double>(pts.back().value);
    }
    auto pts = series(conn, runId, name);
    if (!pts)
        return pts.error();
    if (pts->empty())
        return std::optional<double>();
    double acc = pts->front().value;
    if (kind == QLatin1String("mean")) {
        acc = 0;
        for (const Point &p : *pts)
            acc += p.value;
        return std::optional<double>(acc / double(pts->size()));
    }
    const bool wantMin = kind == QLatin1String("min");
    for (const Point &p : *pts) {
        if (std::isnan(p.value) || std::isnan(acc))
            acc = std::numeric_limits<double>::quiet_NaN();
        else if (wantMin ? p.value < acc : p.value > acc)
            acc = p.value;
    }
    return std::optional<double>(acc);
}

Result<QList<Summary>> summaries(const QSqlDatabase &conn, const QString &runId)
{
    QList<Summary> out;
    if (auto read =
            eachRowOfRun(conn,
                         u"SELECT name, SUM(points) FROM run_metric_chunks WHERE run_id = :r "
                         "GROUP BY name ORDER BY name"_s,
                         runId,
                         [&](const Query &q) -> Status {
                             Summary s;
                             s.name = q.str(0);
                             s.points = q.i64(1);
                             out.append(s);
                             return Ok{};
                         });
        !read)
        return read.error();
    QHash<QString, std::pair<qint64, double>> lastOf;
    if (auto read = eachRowOfRun(
            conn, u"SELECT name, step, value FROM run_metric_last WHERE run_id = :r"_s, runId,
            [&](const Query &q) -> Status {
                lastOf.insert(q.str(0), {q.i64(1), q.dbl(2)});
                return Ok{};
            });
        !read)
        return read.error();
    for (Summary &s : out) {
        QList<SeriesPoint> pts;
        auto covered = rollupCoverage(conn, runId, s.name);
        if (!covered)
            return covered.error();
        if (covered->points > 0) {
            auto whole = level(conn, runId, s.name, covered->coarsest, covered->coarsestData);
            if (!whole)
                return whole.error();
            pts = *whole;
        }
        if (pts.isEmpty()) {
            auto all = series(conn, runId, s.name);
            if (!all)
                return all.error();
            pts = toSeriesPoints(*all);
        }
        if (pts.isEmpty())
            continue;
        s.min = s.max = pts.front().value;
        for (const SeriesPoint &p : std::as_const(pts)) {
            s.min = std::min(s.min, p.value);
            s.max = std::max(s.max, p.value);
        }
        // The rollup's last point is the series' last; run_metric_last says so
        // too, and is what the runs list filters on.
        const auto it = lastOf.constFind(s.name);
        s.lastStep = it != lastOf.constEnd() ? it->first : pts.back().step;
        s.last = it != lastOf.constEnd() ? it->second : pts.back().value;
    }
    return out;
}

Result<QList<SeriesPoint>> level(const QSqlDatabase &conn, const QString &runId,
                                 const QString &name, int level, const QByteArray &data)
{
    QList<SeriesPoint> points = rollup::unpack(data);
    if (points.isEmpty())
        return points;
    // The points the series gained since its rollup was built, thinned the same way.
    auto newer = series(conn, runId, name, points.back().step);
    if (!newer)
        return newer.error();
    if (!newer->empty())
        points.append(rollup::m4(toSeriesPoints(*newer), qsizetype(1) << level));
    return points;
}

Status rebuildRollups(const QSqlDatabase &conn, const QString &runId)
{
    if (auto e = row::exec(conn, u"DELETE FROM run_metric_rollups WHERE run_id = :r"_s,
                           {{u":r"_s, runId}});
        !e)
        return e.error();
    auto all = names(conn, runId);
    if (!all)
        return all.error();
    for (const QString &name : std::as_const(*all)) {
        auto pts = series(conn, runId, name);
        if (!pts)
            return pts.error();
        if (auto w = replaceRollups(conn, runId, name, *pts, false); !w)
            return w;
    }
    return Ok{};
}

Status fillLastValues(Database &db, qsizetype stopAfterRuns)
{
    QSqlDatabase c = db.connection();
    const bool pg = db.isPostgres();
    QSqlQuery q(c);
    q.setForwardOnly(true);
    auto fail = [&](const QString &what, const QString &error) {
        QSqlQuery(c).exec(u"ROLLBACK"_s);
        qCCritical(lcDb) << "metric last values failed:" << what << error;
        return Status(
            Error::internal(u"Writing the metrics' last values failed: %1: %2"_s.arg(what, error)));
    };
    constexpr qsizetype kRunsPerTransaction = 500;
    qsizetype done = 0;
    for (;;) {
        if (!q.exec(pg ? u"BEGIN"_s : u"BEGIN IMMEDIATE"_s))
            return fail(u"begin"_s, q.lastError().text());
        if (pg && !q.exec(u"SELECT pg_advisory_xact_lock(715517)"_s))
            return fail(u"lock"_s, q.lastError().text());
        if (!q.exec(pg ? u"SELECT to_regclass('run_metric_last_pending') IS NOT NULL"_s
                       : u"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
                         "name = 'run_metric_last_pending'"_s) ||
            !q.next())
            return fail(u"look up"_s, q.lastError().text());
        const bool present = q.value(0).toBool();
        q.finish();
        if (!present)
            return q.exec(u"COMMIT"_s) ? Status(Ok{}) : fail(u"commit"_s, q.lastError().text());
        QStringList runs;
        q.prepare(u"SELECT run_id FROM run_metric_last_pending ORDER BY run_id LIMIT :n"_s);
        q.bindValue(u":n"_s, qint64(kRunsPerTransaction));
        if (!q.exec())
            return fail(u"list runs"_s, q.lastError().text());
        while (q.next())
            runs << q.value(0).toString();
        q.finish();
        if (runs.isEmpty()) {
            if (!q.exec(u"DROP TABLE run_metric_last_pending"_s) || !q.exec(u"COMMIT"_s))
                return fail(u"drop run_metric_last_pending"_s, q.lastError().text());
            qCInfo(lcDb) << "metric last values: every run written," << done << "in this start";
            return Ok{};
        }
        {
            // The chunk holding a series' highest step ends with its last point.
            Query tails(
                c, u"SELECT c.name, c.data FROM run_metric_chunks c WHERE c.run_id = :r AND "
                   u"c.last_step = "
                   "(SELECT MAX(m.last_step) FROM run_metric_chunks m WHERE m.run_id = c.run_id "
                   "AND m.name = c.name)"_s);
            Query upsert(c, QString::fromLatin1(kUpsertLast));
            Query drop(c, u"DELETE FROM run_metric_last_pending WHERE run_id = :r"_s);
            for (const QString &runId : std::as_const(runs)) {
                if (stopAfterRuns >= 0 && done >= stopAfterRuns)
                    return q.exec(u"COMMIT"_s) ? Status(Ok{})
                                               : fail(u"commit"_s, q.lastError().text());
                tails.bind(u":r"_s, runId);
                if (!tails.exec())
                    return fail(u"read run "_s + runId, tails.errorText());
                QList<std::pair<QString, Point>> last;
                while (tails.next()) {
                    std::vector<Point> pts;
                    if (!chunk::decode(tails.value(1).toByteArray(), pts) || pts.empty())
                        return fail(u"decode run "_s + runId, u"damaged chunk"_s);
                    last.append({tails.str(0), pts.back()});
                }
                for (const auto &[name, top] : std::as_const(last)) {
                    if (auto w = noteLast(&upsert, runId, name, top); !w)
                        return fail(u"write run "_s + runId, upsert.errorText());
                }
                drop.bind(u":r"_s, runId);
                if (!drop.exec())
                    return fail(u"done run "_s + runId, drop.errorText());
                ++done;
            }
        }
        if (!q.exec(u"COMMIT"_s))
            return fail(u"commit"_s, q.lastError().text());
        qCInfo(lcDb) << "metric last values:" << done << "runs written";
    }
}

} // namespace wfx::metricstore
