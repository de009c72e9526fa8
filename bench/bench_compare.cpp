// SPDX-License-Identifier: Apache-2.0
// Runs side by side (issue 15): the model-side work of opening a comparison of
// 20 runs of 1M points each (RunCompareDialog::load: per run its metric
// summaries, manifest and a 600-point chart line per metric from the rollups),
// and a page of the runs list filtered and ordered by a metric's last value at
// 100k runs (RunService::writeList, the GET /api/runs path, and list(), the
// Runs panel's), newest first and by the metric, first and deep pages.
//
//   bench_compare --backend sqlite|postgres [--pg URL] [--runs 20] [--points 1000000]
//                 [--list-runs 100000] [--repeat 11]
#include "BenchFill.h"
#include "BenchTiming.h"

#include "models/core/JsonWriter.h"
#include "models/runs/MetricFilter.h"
#include "models/runs/MetricStore.h"
#include "models/runs/RunService.h"
#include "ui/runs/RunCompareDialog.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTemporaryDir>

#include <cstdio>

using namespace wfx;

namespace {

void report(const char *what, const bench::Stats &s)
{
    std::printf("%-58s median %8.2f ms  p95 %8.2f ms  min %8.2f ms\n", what, s.medianMs, s.p95Ms,
                s.minMs);
    std::fflush(stdout);
}

RunFilter filterOf(const char *expr, const char *order, bool desc)
{
    RunFilter f;
    if (expr) {
        auto p = metricfilter::parse(QString::fromLatin1(expr));
        if (!p.condition)
            bench::die(QStringLiteral("bad expression"));
        f.metric = p.condition;
    }
    if (order)
        f.orderMetric = QString::fromLatin1(order);
    f.orderDescending = desc;
    return f;
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv); // RunCompareDialog lives in wfx_ui; nothing is shown
    QCommandLineParser cli;
    cli.addHelpOption();
    QCommandLineOption backendOpt(QStringLiteral("backend"), QStringLiteral("sqlite or postgres"),
                                  QStringLiteral("name"), QStringLiteral("sqlite"));
    QCommandLineOption pgOpt(QStringLiteral("pg"), QStringLiteral("PostgreSQL admin URL"),
                             QStringLiteral("url"), qEnvironmentVariable("WFX_TEST_PG_URL"));
    QCommandLineOption runsOpt(QStringLiteral("runs"), QStringLiteral("runs compared"),
                               QStringLiteral("n"), QStringLiteral("20"));
    QCommandLineOption pointsOpt(QStringLiteral("points"),
                                 QStringLiteral("points per compared run"), QStringLiteral("n"),
                                 QStringLiteral("1000000"));
    QCommandLineOption listOpt(QStringLiteral("list-runs"),
                               QStringLiteral("runs in the listed store"), QStringLiteral("n"),
                               QStringLiteral("100000"));
    QCommandLineOption repeatOpt(QStringLiteral("repeat"), QStringLiteral("repetitions"),
                                 QStringLiteral("n"), QStringLiteral("11"));
    cli.addOptions({backendOpt, pgOpt, runsOpt, pointsOpt, listOpt, repeatOpt});
    cli.process(app);
    const bool pg = cli.value(backendOpt) == QLatin1String("postgres");
    const int nRuns = cli.value(runsOpt).toInt();
    const qint64 nPoints = cli.value(pointsOpt).toLongLong();
    const qint64 nList = cli.value(listOpt).toLongLong();
    const int repeat = std::max(1, cli.value(repeatOpt).toInt());

    QTemporaryDir tmp;
    QString url = QStringLiteral("sqlite:") + tmp.filePath(QStringLiteral("store.db"));
    QString pgDb;
    const QUrl admin(cli.value(pgOpt));
    if (pg)
        url = bench::createPgDatabase(admin, &pgDb);
    {
        auto store = bench::openStore(url, tmp.path());
        QSqlDatabase conn = store->db->connection();
        const Actor system = Actor::system();
        std::printf("backend %s\n", pg ? "postgres" : "sqlite");

        // 1. The comparison: nRuns runs of nPoints points of "loss" (with rollups) and a
        // short "lr" series, manifests differing in the seed.
        QElapsedTimer fillTimer;
        fillTimer.start();
        bench::fillRuns(conn, pg, store->projectId, store->workspaceId, nRuns);
        QList<Run> runs;
        for (int i = 1; i <= nRuns; ++i) {
            QList<MetricInput> pts;
            pts.reserve(nPoints + 100);
            for (qint64 j = 0; j < nPoints; ++j)
                pts.append(
                    {QStringLiteral("loss"), j, 1.0 / double(1 + j) + 0.001 * i + (j % 7) * 1e-4});
            for (qint64 j = 0; j < 100; ++j)
                pts.append({QStringLiteral("lr"), j * 100, 1e-3 / double(1 + j)});
            Query q(conn, QStringLiteral("SELECT id FROM runs WHERE client_run_id = :c"));
            q.bind(QStringLiteral(":c"), QStringLiteral("c%1").arg(i));
            if (!q.exec() || !q.next())
                bench::die(QStringLiteral("no run %1").arg(i));
            const QString rid = q.str(0);
            bench::exec(conn, QStringLiteral("BEGIN"));
            if (auto a = metricstore::add(conn, rid, pts); !a)
                bench::die(a.error().message);
            bench::exec(conn,
                        QStringLiteral(
                            "UPDATE runs SET manifest = '{\"algo\":\"dreamer-v3\",\"seed\":%1}', "
                            "metric_count = %2 WHERE id = '%3'")
                            .arg(i)
                            .arg(nPoints + 100)
                            .arg(rid));
            bench::exec(conn, QStringLiteral("COMMIT"));
            Run r;
            r.id = rid;
            r.name = QStringLiteral("run-%1").arg(i);
            runs.append(r);
        }
        std::printf("filled %d runs x %lld points in %.1f s\n", nRuns, nPoints,
                    fillTimer.elapsed() / 1000.0);
        ui::RunCompareDialog::Comparison last;
        const auto cmp = bench::timeIt(
            repeat, [&] { last = ui::RunCompareDialog::load(store->ctx, system, runs); });
        if (!last.error.isEmpty() || last.runs.size() != nRuns || last.metrics.size() != 2)
            bench::die(QStringLiteral("comparison failed: ") + last.error);
        for (const MetricSummary &m : std::as_const(last.runs.first().summaries))
            std::printf("  run 1 %s: %lld points, last %g at step %lld, min %g, max %g, chart line "
                        "%lld points\n",
                        qPrintable(m.name), m.points, m.last, m.lastStep, m.min, m.max,
                        qint64(last.runs.first().series.value(m.name).size()));
        char label[120];
        std::snprintf(label, sizeof label, "compare %d runs x %lld points (load)", nRuns, nPoints);
        report(label, cmp);
        const auto sums = bench::timeIt(repeat, [&] {
            for (const Run &r : std::as_const(runs))
                if (!RunService(store->ctx).metricSummaries(system, r.id))
                    bench::die(QStringLiteral("summaries"));
        });
        std::snprintf(label, sizeof label, "  of which %d x metricSummaries", nRuns);
        report(label, sums);

        // 2. The runs list at nList runs, each with a last value of "loss" spread over [0, 1).
        fillTimer.restart();
        bench::exec(conn, QStringLiteral("DELETE FROM runs"));
        bench::fillRuns(conn, pg, store->projectId, store->workspaceId, nList);
        bench::exec(
            conn,
            pg ? QStringLiteral(
                     "INSERT INTO run_metric_last (run_id, name, step, value, workspace_id, "
                     "project_id) "
                     "SELECT id, 'loss', 100, random(), workspace_id, project_id FROM runs")
               : QStringLiteral(
                     "INSERT INTO run_metric_last (run_id, name, step, value, workspace_id, "
                     "project_id) "
                     "SELECT id, 'loss', 100, (abs(random()) % 1000000) / 1000000.0, workspace_id, "
                     "project_id FROM runs"));
        bench::exec(conn, pg ? QStringLiteral("ANALYZE") : QStringLiteral("ANALYZE"));
        std::printf("filled %lld runs with a last loss in %.1f s\n", nList,
                    fillTimer.elapsed() / 1000.0);
        RunService service(store->ctx);
        const Actor member = Actor::user(store->userId);
        struct Case
        {
            const char *label;
            RunFilter filter;
            int deepPages;
        };
        const Case cases[] = {
            {"newest first, no filter", RunFilter{}, 0},
            {"newest first, loss < 0.1 (10%)", filterOf("loss < 0.1", nullptr, false), 0},
            {"newest first, loss < 0.001 (0.1%)", filterOf("loss < 0.001", nullptr, false), 0},
            {"by loss ascending", filterOf(nullptr, "loss", false), 0},
            {"by loss descending, loss > 0.5", filterOf("loss > 0.5", "loss", true), 0},
            {"by loss ascending, loss < 0.1, page 200 (row 10,000)",
             filterOf("loss < 0.1", "loss", false), 199},
        };
        for (const Actor &actor : {system, member}) {
            for (const Case &c : cases) {
                // The cursor of the page asked for (deep pages: walked to once, not timed).
                QString cursor;
                for (int p = 0; p < c.deepPages; ++p) {
                    auto page = service.list(actor, c.filter, 50, cursor);
                    if (!page || page->nextCursor.isEmpty())
                        bench::die(QStringLiteral("walk"));
                    cursor = page->nextCursor;
                }
                qsizetype bytes = 0;
                const auto api = bench::timeIt(repeat, [&] {
                    JsonWriter w;
                    if (!service.writeList(w, actor, c.filter, 50, cursor))
                        bench::die(QStringLiteral("writeList"));
                    bytes = w.take().size();
                });
                const auto panel = bench::timeIt(repeat, [&] {
                    auto page = service.list(actor, c.filter, 200, cursor);
                    if (!page)
                        bench::die(page.error().message);
                });
                std::snprintf(label, sizeof label, "%s %s: API page of 50",
                              actor.isSystem() ? "console" : "member", c.label);
                report(label, api);
                std::snprintf(label, sizeof label, "%s %s: panel page of 200",
                              actor.isSystem() ? "console" : "member", c.label);
                report(label, panel);
                if (bytes < 3)
                    bench::die(QStringLiteral("empty page"));
            }
        }
    }
    if (pg)
        bench::adminExec(admin, QStringLiteral("DROP DATABASE IF EXISTS ") + pgDb +
                                    QStringLiteral(" WITH (FORCE)"));
    return 0;
}
