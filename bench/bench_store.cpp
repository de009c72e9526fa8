// SPDX-License-Identifier: Apache-2.0
// Scale benchmark of the model layer (issue 2): fills N runs and M metric points
// on SQLite or PostgreSQL, then times the first runs page, a page deep in the
// list (keyset cursor), a metric series read (downsampled), a metrics page, and
// sync throughput. Usage:
//   bench_store --backend sqlite|postgres [--pg URL] [--runs 1000000] [--points 10000000]
//               [--series-runs 10] [--repeat 20] [--sync-runs 2000] [--dir DIR]
#include "models/core/Clock.h"
#include "models/core/Context.h"
#include "models/core/Cursor.h"
#include "models/core/Ids.h"
#include "models/core/JsonWriter.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
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
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QUrl>

#include <algorithm>
#include <cstdio>
#include <thread>
#include <vector>

using namespace wfx;
using wfx::bench::die;
using wfx::bench::exec;
using wfx::bench::Stats;
using wfx::bench::timeIt;

namespace {

void report(const char *what, const Stats &s)
{
    std::printf("%-44s median %8.3f ms   p95 %8.3f ms   min %8.3f ms\n", what, s.medianMs, s.p95Ms,
                s.minMs);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser cli;
    cli.addHelpOption();
    QCommandLineOption backendOpt(QStringLiteral("backend"), QStringLiteral("sqlite or postgres"),
                                  QStringLiteral("B"), QStringLiteral("sqlite"));
    QCommandLineOption pgOpt(QStringLiteral("pg"), QStringLiteral("PostgreSQL admin URL"),
                             QStringLiteral("URL"), qEnvironmentVariable("WFX_TEST_PG_URL"));
    QCommandLineOption runsOpt(QStringLiteral("runs"), QStringLiteral("runs to fill"),
                               QStringLiteral("N"), QStringLiteral("1000000"));
    QCommandLineOption pointsOpt(QStringLiteral("points"), QStringLiteral("metric points to fill"),
                                 QStringLiteral("N"), QStringLiteral("10000000"));
    QCommandLineOption seriesOpt(QStringLiteral("series-runs"),
                                 QStringLiteral("runs holding the points"), QStringLiteral("N"),
                                 QStringLiteral("10"));
    QCommandLineOption repeatOpt(QStringLiteral("repeat"), QStringLiteral("timed repetitions"),
                                 QStringLiteral("N"), QStringLiteral("20"));
    QCommandLineOption syncOpt(QStringLiteral("sync-runs"),
                               QStringLiteral("runs synced per sync measure"), QStringLiteral("N"),
                               QStringLiteral("2000"));
    QCommandLineOption dirOpt(QStringLiteral("dir"), QStringLiteral("folder for the SQLite file"),
                              QStringLiteral("DIR"));
    cli.addOptions({backendOpt, pgOpt, runsOpt, pointsOpt, seriesOpt, repeatOpt, syncOpt, dirOpt});
    cli.process(app);
    const bool pg = cli.value(backendOpt) == QLatin1String("postgres");
    const qint64 nRuns = cli.value(runsOpt).toLongLong();
    const qint64 nPoints = cli.value(pointsOpt).toLongLong();
    const int seriesRuns = qMax(1, cli.value(seriesOpt).toInt());
    const int repeat = qMax(3, cli.value(repeatOpt).toInt());
    const int syncRuns = qMax(16, cli.value(syncOpt).toInt());

    QTemporaryDir tmp(cli.value(dirOpt).isEmpty()
                          ? QDir::tempPath() + QStringLiteral("/wfx-bench-XXXXXX")
                          : cli.value(dirOpt) + QStringLiteral("/wfx-bench-XXXXXX"));
    QString url = QStringLiteral("sqlite:") + tmp.filePath(QStringLiteral("bench.db"));
    QString pgDb;
    QUrl admin(cli.value(pgOpt));
    if (pg)
        url = bench::createPgDatabase(admin, &pgDb);
    {
        auto store = bench::openStore(url, tmp.path());
        std::shared_ptr<Database> db = store->db;
        const ModelContext ctx = store->ctx;
        QSqlDatabase conn = db->connection();
        const Actor actor = Actor::user(store->userId);
        std::printf("backend %s, %lld runs, %lld metric points over %d runs, %d repetitions\n",
                    pg ? "postgres" : "sqlite", nRuns, nPoints, seriesRuns, repeat);
        QElapsedTimer fill;
        fill.start();
        const QString kUuidFmt = bench::sqliteRunIdExpr();
        // Points as chunks (runs/MetricStore.h), a series of nPoints / seriesRuns
        // points per run, added 500,000 at a time; the rollups come below.
        auto fillSeries = [&] {
            for (int r = 1; r <= seriesRuns; ++r) {
                QSqlQuery idq(conn);
                if (!idq.exec(pg ? QStringLiteral("SELECT md5('%1')::uuid::text").arg(r)
                                 : QStringLiteral("WITH n(i) AS (SELECT %1) SELECT %2 FROM n")
                                       .arg(r)
                                       .arg(kUuidFmt)) ||
                    !idq.next())
                    die(idq.lastError().text());
                const QString runId = idq.value(0).toString();
                idq.finish();
                const qint64 per = nPoints / seriesRuns;
                for (qint64 from = 0; from < per; from += 500'000) {
                    QList<MetricInput> batch;
                    for (qint64 j = from; j < std::min(per, from + 500'000); ++j)
                        batch.append({QStringLiteral("loss"), j, 1.0 / double(1 + j)});
                    if (auto a = metricstore::add(conn, runId, batch, metricstore::Rollups::Keep);
                        !a)
                        die(a.error().message);
                }
            }
        };
        if (pg) {
            bench::fillRuns(conn, true, store->projectId, store->workspaceId, nRuns);
            exec(conn, QStringLiteral("BEGIN"));
            fillSeries();
            exec(conn, QStringLiteral("COMMIT"));
            exec(conn, QStringLiteral("ANALYZE"));
        } else {
            exec(conn, QStringLiteral("BEGIN"));
            bench::fillRuns(conn, false, store->projectId, store->workspaceId, nRuns);
            fillSeries();
            exec(conn, QStringLiteral("COMMIT"));
            exec(conn, QStringLiteral("ANALYZE"));
        }
        std::printf("fill: %.1f s, store %.1f MiB\n", fill.elapsed() / 1000.0,
                    db->sizeBytes() / 1048576.0);

        RunService runs(ctx);
        RunFilter filter;
        filter.workspaceId = store->workspaceId;
        // The cursor of the row at position 900,000 (or 90% of the list), newest first.
        const qint64 deep = qMin<qint64>(900'000, nRuns * 9 / 10);
        QSqlQuery at(conn);
        if (!at.exec(QStringLiteral("SELECT created_at, id FROM runs WHERE workspace_id = '%1' "
                                    "ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET %2")
                         .arg(store->workspaceId)
                         .arg(deep - 1)) ||
            !at.next())
            die(at.lastError().text());
        const QString deepCursor =
            cursor::encodeTimeId(at.value(0).toLongLong(), at.value(1).toString());
        at.finish();

        QString firstId;
        report("runs page 1 (50 rows)", timeIt(repeat, [&] {
                   auto p = runs.list(actor, filter, 50, {});
                   if (!p || p->items.size() != 50)
                       die(QStringLiteral("page 1 failed"));
                   firstId = p->items.first().id;
               }));
        // The server's path for GET /api/runs?limit=50: the page written as JSON
        // straight from the rows (what a request costs beyond the HTTP layer).
        report("runs page 1 as JSON (writeList)", timeIt(repeat, [&] {
                   JsonWriter w;
                   if (!runs.writeList(w, actor, filter, 50, {}))
                       die(QStringLiteral("page 1 as JSON failed"));
               }));
        QByteArray deepLabel =
            QByteArrayLiteral("runs page at row ") + QByteArray::number(deep) + " (50 rows)";
        report(deepLabel.constData(), timeIt(repeat, [&] {
                   auto p = runs.list(actor, filter, 50, deepCursor);
                   if (!p || p->items.size() != 50)
                       die(QStringLiteral("deep page failed"));
               }));
        const QString seriesRun =
            pg ? QString() : QStringLiteral("00000001-0000-4000-8000-000000000001");
        QString seriesId = seriesRun;
        if (pg) {
            QSqlQuery q(conn);
            q.exec(QStringLiteral("SELECT md5('1')::uuid::text"));
            q.next();
            seriesId = q.value(0).toString();
        }
        const qint64 perSeries = nPoints / seriesRuns;
        auto seriesBench = [&](const char *how) {
            QByteArray label = QByteArrayLiteral("metric series ") + QByteArray::number(perSeries) +
                               " pts -> 2000, " + how;
            report(label.constData(), timeIt(qMax(3, repeat / 4), [&] {
                       auto s = runs.metricSeries(actor, seriesId, QStringLiteral("loss"), 2000);
                       if (!s || s->size() != 2000)
                           die(QStringLiteral("series read failed: ") +
                               (s ? QString() : s.error().message));
                   }));
        };
        // The bulk fill wrote points only: first the read of every point, then
        // the same read once the rollup exists (built here as a sync writes it).
        seriesBench("all points");
        {
            QElapsedTimer t;
            t.start();
            if (auto r = runs.rebuildRollups(seriesId); !r)
                die(QStringLiteral("rollup failed: ") + r.error().message);
            std::printf("rollup of one %lld-point series built in %.1f ms\n", perSeries,
                        t.nsecsElapsed() / 1e6);
        }
        seriesBench("rollup");
        report("metrics page (200 points)", timeIt(repeat, [&] {
                   auto p = runs.metrics(actor, seriesId, QStringLiteral("loss"), 200, {});
                   if (!p || p->items.size() != 200)
                       die(QStringLiteral("metrics page failed"));
               }));

        // Sync throughput through the service (validation, signature check, audit,
        // one transaction per group-commit batch). `threads` callers share one
        // RunService, as the server's request threads do.
        QJsonArray metrics;
        for (int i = 0; i < 100; ++i)
            metrics.append(QJsonObject{{QStringLiteral("name"), QStringLiteral("loss")},
                                       {QStringLiteral("step"), i},
                                       {QStringLiteral("value"), 1.0 / (1 + i)}});
        int round = 0;
        for (const int threads : {1, 4, 16}) {
            const int perThread = syncRuns / threads;
            ++round;
            QElapsedTimer t;
            t.start();
            std::vector<std::thread> workers;
            for (int w = 0; w < threads; ++w) {
                workers.emplace_back([&, w] {
                    for (int i = 0; i < perThread; ++i) {
                        QJsonObject body{
                            {QStringLiteral("project_id"), store->projectId},
                            {QStringLiteral("client_run_id"),
                             QStringLiteral("sync-%1-%2-%3").arg(round).arg(w).arg(i)},
                            {QStringLiteral("name"), QStringLiteral("sync-%1").arg(i)},
                            {QStringLiteral("status"), QStringLiteral("completed")},
                            {QStringLiteral("manifest"), QJsonObject{{QStringLiteral("seed"), i}}},
                            {QStringLiteral("metrics"), metrics}};
                        if (auto r = runs.sync(actor, body); !r)
                            die(QStringLiteral("sync failed: ") + r.error().message);
                    }
                });
            }
            for (auto &w : workers)
                w.join();
            const double secs = t.nsecsElapsed() / 1e9;
            std::printf("sync insert throughput, %2d thread(s)            %8.0f runs/s (%d runs of "
                        "100 points)\n",
                        threads, perThread * threads / secs, perThread * threads);
            std::fflush(stdout);
        }
    }
    if (pg)
        bench::adminExec(admin, QStringLiteral("DROP DATABASE IF EXISTS ") + pgDb +
                                    QStringLiteral(" WITH (FORCE)"));
    return 0;
}
