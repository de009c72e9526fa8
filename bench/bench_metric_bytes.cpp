// SPDX-License-Identifier: Apache-2.0
// What a metric point costs on disk (issue 13): `runs` runs, each one sync of
// `series` series x `steps` steps of noisy float32-valued training curves, and
// the growth of the store per point, measured after a checkpoint (SQLite:
// PRAGMA wal_checkpoint(TRUNCATE), the file; PostgreSQL: CHECKPOINT, the sum of
// pg_total_relation_size over the tables). --layout chunks writes through
// RunService::sync (runs/MetricStore.h); --layout rows writes the same points as
// the store before chunks did (one run_metrics row per point, a store migrated
// only up to the version before metric_chunks). Then, for chunks, a series of
// --series-points points read as a 2,000-point chart (RunService::metricSeries).
// --batches N syncs each run in N batches while it "trains" (CONTRACT.md 3,
// Runs that grow): batch b carries steps [b*steps/N, (b+1)*steps/N) of every
// series, the first one the name and status running, the last one completed.
// Usage:
//   bench_metric_bytes --backend sqlite|postgres [--pg URL] [--layout chunks|rows]
//                      [--runs 100] [--series 4] [--steps 2500] [--batches 1] [--series-points
//                      1000000]
#include "models/core/Clock.h"
#include "models/core/Context.h"
#include "models/core/Ids.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/db/Migrator.h"
#include "models/db/Tx.h"
#include "models/events/ChangeBus.h"
#include "models/runs/MetricStore.h"
#include "models/runs/RunService.h"
#include "models/workspaces/WorkspaceService.h"

#include "BenchFill.h"
#include "BenchTiming.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QUrl>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

using namespace wfx;
using wfx::bench::die;
using wfx::bench::exec;

namespace {

// Deterministic noise (xorshift64*), uniform in [-1, 1).
struct Noise
{
    quint64 x = 0x2545f4914f6cdd1dULL;
    double next()
    {
        x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
        return double((x * 0x2545f4914f6cdd1dULL) >> 11) * 0x1p-52 - 1.0;
    }
};

// Series k of run r at step i: a training curve plus noise, kept as a float32.
double curve(int r, int k, int i, Noise &noise)
{
    const double t = i / 2500.0;
    double v = 0;
    switch (k % 4) {
    case 0:
        v = 2.5 * std::exp(-4 * t) + 0.1 + 0.05 * noise.next();
        break; // loss
    case 1:
        v = 100 * (1 - std::exp(-3 * t)) + 5 * noise.next() + r;
        break; // reward
    case 2:
        v = 3e-4 * std::cos(t * 1.5707963) * (1 + 0.01 * noise.next());
        break; // learning rate
    default:
        v = 1.0 + 0.5 * std::fabs(noise.next()) + 10 * std::exp(-20 * t);
        break; // gradient norm
    }
    return double(float(v));
}

const char *kNames[] = {"loss", "reward", "lr", "grad_norm"};

qint64 storeBytes(Database &db)
{
    QSqlDatabase c = db.connection();
    if (db.isPostgres()) {
        exec(c, QStringLiteral("CHECKPOINT"));
        QSqlQuery q(c);
        if (!q.exec(QStringLiteral(
                "SELECT SUM(pg_total_relation_size(relid)) FROM pg_stat_user_tables")) ||
            !q.next())
            die(q.lastError().text());
        return q.value(0).toLongLong();
    }
    exec(c, QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    return db.sizeBytes();
}

// The bytes of the tables that hold points (PostgreSQL: with TOAST and indexes;
// SQLite: dbstat pages), or -1.
qint64 pointTableBytes(Database &db, const QStringList &tables)
{
    QSqlQuery q(db.connection());
    qint64 total = 0;
    for (const QString &t : tables) {
        const QString sql =
            db.isPostgres()
                ? QStringLiteral("SELECT COALESCE(pg_total_relation_size(to_regclass('%1')), 0)")
                      .arg(t)
                : QStringLiteral("SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = '%1' OR "
                                 "tbl_name = '%1'")
                      .arg(t);
        if (!q.exec(sql) || !q.next())
            return -1;
        total += q.value(0).toLongLong();
    }
    return total;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser cli;
    cli.addHelpOption();
    QCommandLineOption backendOpt(QStringLiteral("backend"), QStringLiteral("sqlite or postgres"),
                                  QStringLiteral("name"), QStringLiteral("sqlite"));
    QCommandLineOption pgOpt(QStringLiteral("pg"), QStringLiteral("PostgreSQL admin URL"),
                             QStringLiteral("url"), qEnvironmentVariable("WFX_TEST_PG_URL"));
    QCommandLineOption layoutOpt(QStringLiteral("layout"), QStringLiteral("chunks or rows"),
                                 QStringLiteral("layout"), QStringLiteral("chunks"));
    QCommandLineOption runsOpt(QStringLiteral("runs"), QStringLiteral("runs"), QStringLiteral("n"),
                               QStringLiteral("100"));
    QCommandLineOption seriesOpt(QStringLiteral("series"), QStringLiteral("series per run"),
                                 QStringLiteral("n"), QStringLiteral("4"));
    QCommandLineOption stepsOpt(QStringLiteral("steps"), QStringLiteral("steps per series"),
                                QStringLiteral("n"), QStringLiteral("2500"));
    QCommandLineOption longOpt(QStringLiteral("series-points"),
                               QStringLiteral("points of the long series (0: none)"),
                               QStringLiteral("n"), QStringLiteral("1000000"));
    QCommandLineOption batchesOpt(QStringLiteral("batches"),
                                  QStringLiteral("syncs per run (chunks layout)"),
                                  QStringLiteral("n"), QStringLiteral("1"));
    QCommandLineOption repeatOpt(QStringLiteral("repeat"), QStringLiteral("repetitions"),
                                 QStringLiteral("n"), QStringLiteral("21"));
    cli.addOptions({backendOpt, pgOpt, layoutOpt, runsOpt, seriesOpt, stepsOpt, batchesOpt, longOpt,
                    repeatOpt});
    cli.process(app);
    const bool pg = cli.value(backendOpt) == QLatin1String("postgres");
    const bool rows = cli.value(layoutOpt) == QLatin1String("rows");
    const int nRuns = cli.value(runsOpt).toInt();
    const int nSeries = std::clamp(cli.value(seriesOpt).toInt(), 1, 4);
    const int nSteps = cli.value(stepsOpt).toInt();
    const qint64 longPoints = cli.value(longOpt).toLongLong();
    const int repeat = std::max(1, cli.value(repeatOpt).toInt());
    const int nBatches =
        std::clamp(cli.value(batchesOpt).toInt(), 1, std::max(1, cli.value(stepsOpt).toInt()));

    QTemporaryDir tmp;
    QString url = QStringLiteral("sqlite:") + tmp.filePath(QStringLiteral("store.db"));
    QString pgDb;
    const QUrl admin(cli.value(pgOpt));
    if (pg)
        url = bench::createPgDatabase(admin, &pgDb);
    {
        std::unique_ptr<bench::Store> store;
        if (rows) {
            // The layout before chunks: a store migrated up to the version before
            // them (openStore() would migrate all the way: its fields by hand).
            store = std::make_unique<bench::Store>();
            auto opened = Database::open(url, tmp.path());
            if (!opened)
                die(opened.error().message);
            store->db = *opened;
            Migrator m(*store->db);
            if (auto r = m.runUpTo(m.versionNamed(QStringLiteral("metric_chunks")) - 1); !r)
                die(r.error().message);
            store->ctx = ModelContext{store->db, &store->clock, &store->bus};
            store->userId = ids::newUuid();
            exec(
                store->db->connection(),
                QStringLiteral(
                    "INSERT INTO users (id, email, password_hash, created_at, password_changed_at) "
                    "VALUES ('%1', 'bench@example.com', 'x', 0, 0)")
                    .arg(store->userId));
            WorkspaceService workspaces(store->ctx);
            auto ws = workspaces.create(Actor::user(store->userId), QStringLiteral("bench"));
            if (!ws)
                die(ws.error().message);
            auto project = workspaces.createProject(Actor::user(store->userId), ws->id,
                                                    QStringLiteral("bench"));
            if (!project)
                die(project.error().message);
            store->workspaceId = ws->id;
            store->projectId = project->id;
        } else {
            store = bench::openStore(url, tmp.path());
        }
        Database &db = *store->db;
        QSqlDatabase conn = db.connection();
        const Actor actor = Actor::user(store->userId);
        RunService runs(store->ctx);
        const qint64 points = qint64(nRuns) * nSeries * nSteps;
        std::printf("backend %s, layout %s: %d runs x %d series x %d steps = %lld points, %d "
                    "sync(s) per run\n",
                    pg ? "postgres" : "sqlite",
                    rows ? "rows (run_metrics)" : "chunks (run_metric_chunks)", nRuns, nSeries,
                    nSteps, points, rows ? 1 : nBatches);
        const QStringList pointTables = rows ? QStringList{QStringLiteral("run_metrics")}
                                             : QStringList{QStringLiteral("run_metric_chunks"),
                                                           QStringLiteral("run_metric_rollups")};
        const qint64 before = storeBytes(db);
        const qint64 tablesBefore = pointTableBytes(db, pointTables);
        QElapsedTimer t;
        t.start();
        Noise noise;
        for (int r = 0; r < nRuns; ++r) {
            if (rows) {
                // As the old insertMetrics did: the run, then its points, 500 rows a statement.
                exec(conn, QStringLiteral("BEGIN"));
                const QString id = ids::newUuid();
                exec(conn,
                     QStringLiteral(
                         "INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, "
                         "status, "
                         "created_at, manifest, evidence, metric_count) VALUES ('%1', '%2', '%3', "
                         "'c%4', 'run-%4', 'completed', %4, '{}', 'unsigned', %5)")
                         .arg(id, store->projectId, store->workspaceId)
                         .arg(r)
                         .arg(nSeries * nSteps));
                QList<MetricInput> pts;
                for (int k = 0; k < nSeries; ++k)
                    for (int i = 0; i < nSteps; ++i)
                        pts.append({QString::fromLatin1(kNames[k]), i, curve(r, k, i, noise)});
                for (qsizetype at = 0; at < pts.size(); at += 500) {
                    const qsizetype n = std::min<qsizetype>(500, pts.size() - at);
                    QString sql = QStringLiteral(
                        "INSERT INTO run_metrics (run_id, name, step, value) VALUES ");
                    for (qsizetype i = 0; i < n; ++i)
                        sql +=
                            i ? QStringLiteral(", (?, ?, ?, ?)") : QStringLiteral("(?, ?, ?, ?)");
                    QSqlQuery q(conn);
                    q.prepare(sql);
                    int p = 0;
                    for (qsizetype i = at; i < at + n; ++i) {
                        q.bindValue(p++, id);
                        q.bindValue(p++, pts.at(i).name);
                        q.bindValue(p++, pts.at(i).step);
                        q.bindValue(p++, pts.at(i).value);
                    }
                    if (!q.exec())
                        die(q.lastError().text());
                }
                exec(conn, QStringLiteral("COMMIT"));
                continue;
            }
            // Each series' curve drawn in step order, as one sync would send it.
            std::vector<std::vector<double>> values(
                size_t(nSeries), std::vector<double>(static_cast<size_t>(nSteps)));
            for (int k = 0; k < nSeries; ++k)
                for (int i = 0; i < nSteps; ++i)
                    values[size_t(k)][size_t(i)] = curve(r, k, i, noise);
            for (int b = 0; b < nBatches; ++b) {
                const int from = int(qint64(b) * nSteps / nBatches),
                          to = int(qint64(b + 1) * nSteps / nBatches);
                QJsonArray metrics;
                for (int k = 0; k < nSeries; ++k)
                    for (int i = from; i < to; ++i)
                        metrics.append(
                            QJsonObject{{QStringLiteral("name"), QString::fromLatin1(kNames[k])},
                                        {QStringLiteral("step"), i},
                                        {QStringLiteral("value"), values[size_t(k)][size_t(i)]}});
                QJsonObject body{{QStringLiteral("project_id"), store->projectId},
                                 {QStringLiteral("client_run_id"), QStringLiteral("c%1").arg(r)},
                                 {QStringLiteral("metrics"), metrics}};
                if (b == 0)
                    body.insert(QStringLiteral("name"), QStringLiteral("run-%1").arg(r));
                if (nBatches > 1)
                    body.insert(QStringLiteral("status"), b == nBatches - 1
                                                              ? QStringLiteral("completed")
                                                              : QStringLiteral("running"));
                auto synced = runs.sync(actor, body);
                if (!synced)
                    die(QStringLiteral("sync failed: ") + synced.error().message);
            }
        }
        const double fillS = t.nsecsElapsed() / 1e9;
        const qint64 after = storeBytes(db);
        const qint64 tablesAfter = pointTableBytes(db, pointTables);
        std::printf("written in %.2f s; store %lld -> %lld bytes after a checkpoint: %.2f bytes "
                    "per point\n",
                    fillS, before, after, double(after - before) / double(points));
        if (tablesAfter >= 0)
            std::printf("tables %s: %lld bytes, %.2f bytes per point\n",
                        qPrintable(pointTables.join(QLatin1Char('+'))), tablesAfter - tablesBefore,
                        double(tablesAfter - tablesBefore) / double(points));
        if (!rows) {
            QSqlQuery q(conn);
            if (q.exec(
                    QStringLiteral("SELECT COUNT(*), SUM(LENGTH(data)) FROM run_metric_chunks")) &&
                q.next())
                std::printf("%lld chunks, %.2f bytes of chunk data per point\n",
                            q.value(0).toLongLong(), q.value(1).toDouble() / double(points));
            if (q.exec(
                    QStringLiteral("SELECT COUNT(*), SUM(LENGTH(data)) FROM run_metric_rollups")) &&
                q.next())
                std::printf("%lld rollup rows, %.2f bytes of rollup data per point\n",
                            q.value(0).toLongLong(), q.value(1).toDouble() / double(points));
            if (q.exec(QStringLiteral(
                    "SELECT COUNT(*), SUM(LENGTH(id) + LENGTH(detail) + LENGTH(prev_hash) + "
                    "LENGTH(hash) + LENGTH(action) + 60) FROM audit_log")) &&
                q.next())
                std::printf("%lld audit entries, about %.2f bytes of them per point\n",
                            q.value(0).toLongLong(), q.value(1).toDouble() / double(points));
            if (!db.isPostgres() && q.exec(QStringLiteral("PRAGMA freelist_count")) && q.next())
                std::printf("%lld free pages\n", q.value(0).toLongLong());
        }

        if (!rows && longPoints > 0) {
            QJsonObject body{{QStringLiteral("project_id"), store->projectId},
                             {QStringLiteral("client_run_id"), QStringLiteral("long")},
                             {QStringLiteral("name"), QStringLiteral("long")}};
            auto synced = runs.sync(actor, body);
            if (!synced)
                die(synced.error().message);
            const QString runId = synced->run.id;
            QList<MetricInput> pts;
            pts.reserve(longPoints);
            for (qint64 i = 0; i < longPoints; ++i)
                pts.append({QStringLiteral("loss"), i, curve(0, 0, int(i % 2500), noise)});
            t.restart();
            {
                auto began = Tx::begin(db);
                if (!began)
                    die(began.error().message);
                auto added = metricstore::add(began->conn(), runId, pts);
                if (!added || *added != longPoints)
                    die(QStringLiteral("adding the long series failed"));
                if (auto c = began->commit(); !c)
                    die(c.error().message);
            }
            std::printf("a %lld-point series added (chunks and rollups) in %.1f ms\n", longPoints,
                        t.nsecsElapsed() / 1e6);
            auto timeIt = [&](const char *label, auto &&f) {
                const bench::Stats st = bench::timeIt(repeat, f);
                std::printf("%s: median %.2f ms, p95 %.2f ms, min %.2f ms (%d runs)\n", label,
                            st.medianMs, st.p95Ms, st.minMs, repeat);
            };
            timeIt("series -> 2000 points (metricSeries)", [&] {
                auto s = runs.metricSeries(actor, runId, QStringLiteral("loss"), 2000);
                if (!s || s->size() != 2000)
                    die(QStringLiteral("series read failed"));
            });
            timeIt("every point of the series (metricstore::series)", [&] {
                auto s = metricstore::series(conn, runId, QStringLiteral("loss"));
                if (!s || qint64(s->size()) != longPoints)
                    die(QStringLiteral("full read failed"));
            });
        }
    }
    if (pg)
        bench::adminExec(admin, QStringLiteral("DROP DATABASE IF EXISTS ") + pgDb +
                                    QStringLiteral(" WITH (FORCE)"));
    return 0;
}
