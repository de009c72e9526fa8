// SPDX-License-Identifier: Apache-2.0
// The run writer the field table yields (models/runs/RunJson.h) against the
// hand-written writer it replaced (kept below as the reference), side by side
// in one process: a page of 50 runs written from native-row views (the runs
// page path) and from Run structs, in alternating rounds. Usage:
//   bench_shapes [--pages 20000] [--rounds 7]
#include "models/core/Ids.h"
#include "models/core/JsonWriter.h"
#include "models/runs/RunJson.h"

#include "BenchTiming.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <algorithm>
#include <array>
#include <cstdio>
#include <vector>

using namespace wfx;

namespace {

// The hand-written writer as it was before the field table (main at bbfa56e).
void writeRunByHand(JsonWriter &w, const RunView &r)
{
    auto time = [&w](const char *key, const std::optional<qint64> &t) {
        w.key(QLatin1String(key));
        if (t)
            w.time(*t);
        else
            w.null();
    };
    w.beginObject();
    w.key(QLatin1String("client_run_id")).stringUtf8(r.clientRunId);
    w.key(QLatin1String("created_at")).time(r.createdAt);
    w.key(QLatin1String("evidence")).stringUtf8(r.evidence);
    time("finished_at", r.finishedAt);
    w.key(QLatin1String("id")).stringUtf8(r.id);
    w.key(QLatin1String("log_bytes")).number(double(r.logBytes));
    w.key(QLatin1String("metric_count")).number(double(r.metricCount));
    if (r.metricNames) {
        w.key(QLatin1String("metric_names")).beginArray();
        for (const QString &n : *r.metricNames)
            w.string(n);
        w.endArray();
    }
    w.key(QLatin1String("name")).stringUtf8(r.name);
    w.key(QLatin1String("project_id")).stringUtf8(r.projectId);
    time("started_at", r.startedAt);
    w.key(QLatin1String("status")).stringUtf8(r.status);
    w.key(QLatin1String("workspace_id")).stringUtf8(r.workspaceId);
    w.endObject();
}

// The view a native row of `run` gives, its text in `utf8` (id, project_id,
// workspace_id, client_run_id, name, status, evidence).
RunView viewOf(const Run &run, const QByteArray *utf8, const QStringList *metricNames)
{
    RunView v;
    v.id = utf8[0];
    v.projectId = utf8[1];
    v.workspaceId = utf8[2];
    v.clientRunId = utf8[3];
    v.name = utf8[4];
    v.status = utf8[5];
    v.evidence = utf8[6];
    v.startedAt = run.startedAt;
    v.finishedAt = run.finishedAt;
    v.createdAt = run.createdAt;
    v.metricCount = run.metricCount;
    v.logBytes = run.logBytes;
    v.metricNames = metricNames;
    return v;
}

// Run::writeJson as it was: the run's text as UTF-8, then the writer above.
void writeStructByHand(JsonWriter &w, const Run &run)
{
    const QByteArray u[] = {run.id.toUtf8(),          run.projectId.toUtf8(),
                            run.workspaceId.toUtf8(), run.clientRunId.toUtf8(),
                            run.name.toUtf8(),        run.status.toUtf8(),
                            run.evidence.toUtf8()};
    writeRunByHand(w, viewOf(run, u, run.metricNames ? &*run.metricNames : nullptr));
}

struct Rows
{
    std::vector<Run> runs;
    std::vector<std::array<QByteArray, 7>> utf8; // what a native row's text() points into
    std::vector<RunView> views;
};

Rows makeRows(int n)
{
    Rows rows;
    const char *statuses[] = {"completed", "running", "failed"};
    for (int i = 0; i < n; ++i) {
        Run r;
        r.id = ids::newUuid();
        r.projectId = ids::newUuid();
        r.workspaceId = ids::newUuid();
        r.clientRunId = QStringLiteral("client-run-%1").arg(i);
        r.name = QStringLiteral("dreamer-v3 walker-walk seed %1").arg(i);
        r.status = QString::fromLatin1(statuses[i % 3]);
        r.createdAt = 1'800'000'000'000LL + i * 1000;
        r.startedAt = r.createdAt - 500;
        if (i % 3 != 1)
            r.finishedAt = r.createdAt + 90'000;
        r.evidence = QStringLiteral("verified");
        r.metricCount = 1000 + i;
        r.logBytes = 4096 + i;
        rows.runs.push_back(r);
    }
    rows.utf8.reserve(rows.runs.size());
    for (const Run &r : rows.runs)
        rows.utf8.push_back({r.id.toUtf8(), r.projectId.toUtf8(), r.workspaceId.toUtf8(),
                             r.clientRunId.toUtf8(), r.name.toUtf8(), r.status.toUtf8(),
                             r.evidence.toUtf8()});
    for (std::size_t i = 0; i < rows.runs.size(); ++i) {
        const Run &r = rows.runs[i];
        const auto &u = rows.utf8[i];
        rows.views.push_back(viewOf(r, u.data(), nullptr));
    }
    return rows;
}

template <typename Row, typename Write> QByteArray page(const std::vector<Row> &rows, Write write)
{
    JsonWriter w(64 + qsizetype(rows.size()) * 448);
    w.beginObject().key(QLatin1String("items")).beginArray();
    for (const Row &r : rows)
        write(w, r);
    w.endArray().key(QLatin1String("next_cursor")).null();
    w.endObject();
    return w.take();
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser cli;
    cli.addHelpOption();
    QCommandLineOption pagesOpt(QStringLiteral("pages"), QStringLiteral("pages per round"),
                                QStringLiteral("n"), QStringLiteral("20000"));
    QCommandLineOption roundsOpt(QStringLiteral("rounds"), QStringLiteral("alternating rounds"),
                                 QStringLiteral("n"), QStringLiteral("7"));
    cli.addOptions({pagesOpt, roundsOpt});
    cli.process(app);
    const int pages = qMax(1, cli.value(pagesOpt).toInt());
    const int rounds = qMax(1, cli.value(roundsOpt).toInt());

    const Rows rows = makeRows(50);
    const auto byHandRow = [](JsonWriter &w, const RunView &v) { writeRunByHand(w, v); };
    const auto tableRow = [](JsonWriter &w, const RunView &v) { writeRunJson(w, v); };
    const auto byHandRun = [](JsonWriter &w, const Run &r) { writeStructByHand(w, r); };
    const auto tableRun = [](JsonWriter &w, const Run &r) { r.writeJson(w); };
    if (page(rows.views, byHandRow) != page(rows.views, tableRow) ||
        page(rows.runs, byHandRun) != page(rows.runs, tableRun)) {
        std::fprintf(stderr, "bench_shapes: the two writers disagree\n");
        return 1;
    }

    // Each round times `pages` pages of each writer; the order alternates.
    std::vector<double> nsPerPage[4];
    for (int round = 0; round < rounds; ++round) {
        auto time = [&](int slot, auto &&writeOnce) {
            const auto s = bench::timeIt(1, [&] {
                for (int i = 0; i < pages; ++i)
                    writeOnce();
            });
            nsPerPage[slot].push_back(s.medianMs * 1e6 / pages);
        };
        auto native = [&](bool table) {
            if (table)
                time(1, [&] { (void)page(rows.views, tableRow); });
            else
                time(0, [&] { (void)page(rows.views, byHandRow); });
        };
        auto structs = [&](bool table) {
            if (table)
                time(3, [&] { (void)page(rows.runs, tableRun); });
            else
                time(2, [&] { (void)page(rows.runs, byHandRun); });
        };
        const bool tableFirst = round % 2 == 1;
        native(tableFirst);
        native(!tableFirst);
        structs(tableFirst);
        structs(!tableFirst);
    }
    const char *labels[] = {"native rows, hand-written", "native rows, field table",
                            "Run structs, hand-written", "Run structs, field table"};
    std::printf("a page of 50 runs, %d pages a round, %d rounds (median per page)\n", pages,
                rounds);
    for (int slot = 0; slot < 4; ++slot) {
        std::vector<double> v = nsPerPage[slot];
        std::sort(v.begin(), v.end());
        std::printf("%-28s median %9.0f ns   min %9.0f ns\n", labels[slot], v[v.size() / 2],
                    v.front());
    }
    return 0;
}
