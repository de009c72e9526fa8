// SPDX-License-Identifier: Apache-2.0
// Runs that grow (CONTRACT.md section 3, v3): later syncs of one client_run_id
// carry the run forward. Both backends.
#include "TestStore.h"

#include "core/Ids.h"
#include "crypto/Crypto.h"
#include "crypto/Jcs.h"
#include "runs/MetricStore.h"
#include "runs/RunService.h"
#include "runs/SeriesRollup.h"
#include "workspaces/WorkspaceService.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>
#include <latch>
#include <thread>

using namespace wfx;
using wfxtest::why;

namespace {

QString S(const char *s)
{
    return QString::fromUtf8(s);
}

// Points of one series, steps from..to-1, value a function of the step.
QJsonArray points(const QString &name, int from, int to, double scale = 1.0)
{
    QJsonArray a;
    for (int i = from; i < to; ++i)
        a.append(QJsonObject{{S("name"), name}, {S("step"), i}, {S("value"), scale / (i + 1)}});
    return a;
}

QJsonArray concat(QJsonArray a, const QJsonArray &b)
{
    for (const auto &v : b)
        a.append(v);
    return a;
}

} // namespace

class TestGrowingRuns : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, ws, proj;

    QJsonObject first(const QString &clientRunId, const QJsonArray &metrics = {}, const QString &log = {})
    {
        QJsonObject b{{S("project_id"), proj},
                      {S("client_run_id"), clientRunId},
                      {S("name"), S("dreamer-v3-seed-1")},
                      {S("status"), S("running")},
                      {S("started_at"), S("2026-11-01T10:00:00Z")},
                      {S("manifest"), QJsonObject{{S("algo"), S("dreamer-v3")}}},
                      {S("metrics"), metrics}};
        if (!log.isNull())
            b.insert(S("log"), log);
        return b;
    }
    // A later batch: only the keys and what is given.
    QJsonObject batch(const QString &clientRunId, const QJsonObject &more = {})
    {
        QJsonObject b{{S("project_id"), proj}, {S("client_run_id"), clientRunId}};
        for (auto it = more.begin(); it != more.end(); ++it)
            b.insert(it.key(), it.value());
        return b;
    }
    Result<SyncResult> sync(const QJsonObject &b, RunLimits limits = {})
    {
        return RunService(s->ctx, limits).sync(s->actor(alice), b);
    }
    std::vector<chunk::Point> series(const QString &runId, const QString &name)
    {
        auto p = metricstore::series(s->db->connection(), runId, name);
        return p ? *p : std::vector<chunk::Point>{};
    }
    QString onlyRunId()
    {
        Query q(s->db->connection(), S("SELECT id FROM runs"));
        return q.exec() && q.next() ? q.str(0) : QString();
    }
    QString log(const QString &runId)
    {
        auto l = RunService(s->ctx).log(s->actor(alice), runId, 0, RunService::kMaxLogLimit);
        return l ? l->content : S("<error>");
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(S("alice@example.com"));
        WorkspaceService w(s->ctx);
        ws = w.create(s->actor(alice), S("A"))->id;
        proj = w.createProject(s->actor(alice), ws, S("p"))->id;
    }
    void cleanup() { s.reset(); }

    void laterBatchesAddPointsAppendTheLogAndMoveStatusForward()
    {
        auto r1 = sync(first(S("g-1"), points(S("loss"), 0, 10), S("epoch 0\n")));
        QVERIFY2(r1.ok(), why(r1).constData());
        QVERIFY(r1->created);
        QCOMPARE(r1->run.status, S("running"));
        s->clock.advanceMs(1000);

        // Only new points and the log's new bytes with their offset.
        auto r2 = sync(batch(S("g-1"), {{S("metrics"), points(S("loss"), 10, 20)},
                                        {S("log"), S("epoch 1\n")},
                                        {S("log_offset"), 8}}));
        QVERIFY2(r2.ok(), why(r2).constData());
        QVERIFY(!r2->created);
        QCOMPARE(r2->run.id, r1->run.id);
        QCOMPARE(r2->run.status, S("running"));
        QCOMPARE(r2->run.metricCount, 20);
        QCOMPARE(r2->run.logBytes, 16);
        QCOMPARE(r2->run.name, S("dreamer-v3-seed-1")); // left out: kept
        QCOMPARE(r2->run.startedAt, r1->run.startedAt);
        // The compliance mapping follows the points (its metrics control alone changed).
        auto mapping = RunService(s->ctx).complianceMapping(s->actor(alice), r1->run.id);
        QVERIFY(mapping.ok());
        QCOMPARE(mapping->size(), 4);
        for (const ComplianceItem &c : *mapping)
            if (c.control == QLatin1String("reproducibility.metrics"))
                QCOMPARE(c.evidence, S("20 points in 1 series."));

        // The whole log sent again from 0 with a new line: only the new line is appended.
        auto r3 = sync(batch(S("g-1"), {{S("status"), S("completed")},
                                        {S("finished_at"), S("2026-11-01T11:00:00Z")},
                                        {S("metrics"), points(S("reward"), 0, 5)},
                                        {S("log"), S("epoch 0\nepoch 1\ndone\n")}}));
        QVERIFY2(r3.ok(), why(r3).constData());
        QCOMPARE(r3->run.status, S("completed"));
        QCOMPARE(r3->run.finishedAt, ids::parseTime(S("2026-11-01T11:00:00Z")));
        QCOMPARE(r3->run.metricCount, 25);

        auto got = RunService(s->ctx).get(s->actor(alice), r1->run.id);
        QVERIFY(got.ok());
        QCOMPARE(got->status, S("completed"));
        QCOMPARE(got->metricCount, 25);
        QCOMPARE(got->metricNames.value(), (QStringList{S("loss"), S("reward")}));
        QCOMPARE(log(r1->run.id), S("epoch 0\nepoch 1\ndone\n"));
        const auto loss = series(r1->run.id, S("loss"));
        QCOMPARE(qsizetype(loss.size()), 20);
        for (int i = 0; i < 20; ++i) {
            QCOMPARE(loss[i].step, qint64(i));
            QCOMPARE(loss[i].value, 1.0 / (i + 1));
        }
        QCOMPARE(s->count(S("runs")), 1);
        QCOMPARE(s->metricPoints(), 25);
        QCOMPARE(s->auditCount(S("run.sync")), 1);
        QCOMPARE(s->auditCount(S("run.update")), 2);
    }

    void aPointIsStoredOnceAndLateLowerStepsAreAdded()
    {
        auto r1 = sync(first(S("g-2"), points(S("loss"), 10, 20)));
        QVERIFY2(r1.ok(), why(r1).constData());
        const qint64 audits = s->auditCount(S("run.update"));
        // A resumed training logs steps it logged before, with other values: nothing changes.
        auto again = sync(batch(S("g-2"), {{S("metrics"), points(S("loss"), 10, 20, 99.0)}}));
        QVERIFY2(again.ok(), why(again).constData());
        QCOMPARE(again->run.metricCount, 10);
        QCOMPARE(s->auditCount(S("run.update")), audits);
        // A late retried batch brings lower steps, some already stored.
        auto late = sync(batch(S("g-2"), {{S("metrics"), points(S("loss"), 0, 12, 7.0)}}));
        QVERIFY2(late.ok(), why(late).constData());
        QCOMPARE(late->run.metricCount, 20);
        const auto loss = series(r1->run.id, S("loss"));
        QCOMPARE(qsizetype(loss.size()), 20);
        for (int i = 0; i < 20; ++i) {
            QCOMPARE(loss[i].step, qint64(i));
            QCOMPARE(loss[i].value, (i < 10 ? 7.0 : 1.0) / (i + 1)); // the stored value stays
        }
        QCOMPARE(s->metricPoints(), 20);
        QCOMPARE(s->auditCount(S("run.update")), audits + 1);
    }

    void statusOnlyMovesForward()
    {
        QVERIFY(sync(first(S("g-3"))).ok());
        const qint64 audits = s->auditCount(S("run.update"));
        auto back = sync(batch(S("g-3"), {{S("status"), S("queued")}}));
        QVERIFY2(back.ok(), why(back).constData());
        QCOMPARE(back->run.status, S("running"));
        QCOMPARE(s->auditCount(S("run.update")), audits); // ignored: nothing changed
        auto done = sync(batch(S("g-3"), {{S("status"), S("failed")}}));
        QVERIFY2(done.ok(), why(done).constData());
        QCOMPARE(done->run.status, S("failed"));
        // A late "running" batch after the end is ignored, not a change.
        auto late = sync(batch(S("g-3"), {{S("status"), S("running")}}));
        QVERIFY2(late.ok(), why(late).constData());
        QCOMPARE(late->run.status, S("failed"));
        QCOMPARE(s->auditCount(S("run.update")), audits + 1);
    }

    void aTerminalRunIsFrozen()
    {
        QJsonObject done = first(S("g-4"), points(S("loss"), 0, 3), S("all\n"));
        done.insert(S("status"), S("completed"));
        done.insert(S("finished_at"), S("2026-11-01T11:00:00Z"));
        auto r1 = sync(done);
        QVERIFY2(r1.ok(), why(r1).constData());
        const qint64 audits = s->auditCount(S("run.update")) + s->auditCount(S("run.sync"));
        // The same body again: 200, nothing written.
        auto same = sync(done);
        QVERIFY2(same.ok(), why(same).constData());
        QVERIFY(!same->created);
        // Anything that would change it: 409, and nothing of the batch is kept.
        const QList<QJsonObject> changes{
            batch(S("g-4"), {{S("metrics"), points(S("loss"), 3, 4)}}),
            batch(S("g-4"), {{S("name"), S("renamed")}}),
            batch(S("g-4"), {{S("log"), S("more\n")}, {S("log_offset"), 4}}),
            batch(S("g-4"), {{S("status"), S("cancelled")}}),
            batch(S("g-4"), {{S("manifest"), QJsonObject{{S("algo"), S("other")}}}}),
            batch(S("g-4"), {{S("metrics"), points(S("loss"), 0, 3)}, {S("log"), S("all\nmore\n")}}),
            // A later started_at would also put finished_at before it: the run is frozen first.
            batch(S("g-4"), {{S("started_at"), S("2026-12-01T00:00:00Z")}}),
        };
        for (const QJsonObject &b : changes) {
            auto r = sync(b);
            QVERIFY2(!r.ok(), QJsonDocument(b).toJson(QJsonDocument::Compact).constData());
            QCOMPARE(r.error().code, ErrorCode::Conflict);
        }
        auto got = RunService(s->ctx).get(s->actor(alice), r1->run.id);
        QCOMPARE(got->name, S("dreamer-v3-seed-1"));
        QCOMPARE(got->status, S("completed"));
        QCOMPARE(got->metricCount, 3);
        QCOMPARE(s->metricPoints(), 3);
        QCOMPARE(log(r1->run.id), S("all\n"));
        QCOMPARE(s->auditCount(S("run.update")) + s->auditCount(S("run.sync")), audits);
    }

    void logOffsetMustMatchAndLeaveNoGap()
    {
        auto r1 = sync(first(S("g-5"), {}, S("héllo\n"))); // 7 bytes of UTF-8
        QVERIFY2(r1.ok(), why(r1).constData());
        QCOMPARE(r1->run.logBytes, 7);
        // Overlapping bytes that differ: 409, and the batch's points are not kept either.
        auto differs = sync(batch(S("g-5"), {{S("log"), S("hallo\nmore\n")}, {S("metrics"), points(S("loss"), 0, 2)}}));
        QVERIFY(!differs.ok());
        QCOMPARE(differs.error().code, ErrorCode::Conflict);
        QCOMPARE(s->metricPoints(), 0);
        // An offset past the end leaves a gap: 422 naming log_offset.
        auto gap = sync(batch(S("g-5"), {{S("log"), S("x\n")}, {S("log_offset"), 8}}));
        QVERIFY(!gap.ok());
        QCOMPARE(gap.error().code, ErrorCode::Validation);
        QCOMPARE(gap.error().details.value(0).field, S("log_offset"));
        // An offset inside a character cannot match the stored bytes.
        auto split = sync(batch(S("g-5"), {{S("log"), S("llo\n")}, {S("log_offset"), 2}}));
        QVERIFY(!split.ok());
        QCOMPARE(split.error().code, ErrorCode::Conflict);
        // Overlap that matches, from inside the log, plus new bytes.
        auto ok = sync(batch(S("g-5"), {{S("log"), S("llo\nwörld\n")}, {S("log_offset"), 3}}));
        QVERIFY2(ok.ok(), why(ok).constData());
        QCOMPARE(ok->run.logBytes, 14);
        QCOMPARE(log(r1->run.id), S("héllo\nwörld\n"));
        // Exactly at the end, nothing new: no change.
        const qint64 audits = s->auditCount(S("run.update"));
        auto none = sync(batch(S("g-5"), {{S("log"), S("")}, {S("log_offset"), 14}}));
        QVERIFY2(none.ok(), why(none).constData());
        QCOMPARE(s->auditCount(S("run.update")), audits);
        // A new run's log starts at 0.
        QJsonObject offsetFirst = first(S("g-5b"), {}, S("x"));
        offsetFirst.insert(S("log_offset"), 1);
        auto fresh = sync(offsetFirst);
        QVERIFY(!fresh.ok());
        QCOMPARE(fresh.error().details.value(0).field, S("log_offset"));
        QCOMPARE(s->count(S("runs")), 1);
    }

    void theFirstSyncNeedsAName()
    {
        auto r = sync(batch(S("g-6"), {{S("metrics"), points(S("loss"), 0, 3)}}));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Validation);
        QCOMPARE(r.error().details.value(0).field, S("name"));
        QCOMPARE(s->count(S("runs")), 0);
        QCOMPARE(s->metricPoints(), 0);
    }

    void capsRefuseTheWholeBatch()
    {
        const RunLimits limits{25, 16};
        auto r1 = sync(first(S("g-7"), points(S("loss"), 0, 20), S("0123456789")), limits);
        QVERIFY2(r1.ok(), why(r1).constData());
        auto over = sync(batch(S("g-7"), {{S("metrics"), points(S("loss"), 18, 30)}}), limits); // 10 new: 30 > 25
        QVERIFY(!over.ok());
        QCOMPARE(over.error().code, ErrorCode::Validation);
        QCOMPARE(over.error().details.value(0).field, S("metrics"));
        QCOMPARE(over.error().details.value(0).issue, S("cap_exceeded"));
        QVERIFY2(over.error().message.contains(S("25")), qPrintable(over.error().message));
        QCOMPARE(s->metricPoints(), 20);
        auto fits = sync(batch(S("g-7"), {{S("metrics"), points(S("loss"), 18, 25)}}), limits); // 5 new: 25
        QVERIFY2(fits.ok(), why(fits).constData());
        QCOMPARE(fits->run.metricCount, 25);
        auto log = sync(batch(S("g-7"), {{S("log"), S("abcdefg")}, {S("log_offset"), 10}}), limits); // 17 > 16
        QVERIFY(!log.ok());
        QCOMPARE(log.error().details.value(0).field, S("log"));
        QCOMPARE(log.error().details.value(0).issue, S("cap_exceeded"));
        // A first sync over a cap makes no run.
        auto big = sync(first(S("g-7b"), points(S("loss"), 0, 26)), limits);
        QVERIFY(!big.ok());
        QCOMPARE(s->count(S("runs")), 1);
    }

    void evidenceFollowsAManifestAndSignatureSentLater()
    {
        auto r1 = sync(first(S("g-8")));
        QVERIFY2(r1.ok(), why(r1).constData());
        QCOMPARE(r1->run.evidence, S("unsigned"));
        const QJsonObject manifest{{S("algo"), S("dreamer-v3")}, {S("seed"), 3}};
        const auto key = crypto::ed25519Generate();
        const QByteArray sig = crypto::ed25519Sign(key.privateKey, jcs::canonicalize(manifest));
        auto signedBatch = sync(batch(S("g-8"), {{S("manifest"), manifest},
                                                 {S("signature"), QJsonObject{{S("alg"), S("ed25519")},
                                                                              {S("public_key"), QString::fromLatin1(key.publicKey.toBase64())},
                                                                              {S("sig"), QString::fromLatin1(sig.toBase64())}}}}));
        QVERIFY2(signedBatch.ok(), why(signedBatch).constData());
        QCOMPARE(signedBatch->run.evidence, S("verified"));
        RunService runs(s->ctx);
        QCOMPARE(runs.manifest(s->actor(alice), r1->run.id).value(), manifest);
        QCOMPARE(runs.signature(s->actor(alice), r1->run.id)->evidence, S("verified"));
        auto mapping = runs.complianceMapping(s->actor(alice), r1->run.id);
        QVERIFY(mapping.ok());
        QCOMPARE(mapping->size(), 4);
        bool signatureSatisfied = false;
        for (const auto &c : *mapping)
            if (c.control == QLatin1String("integrity.signature"))
                signatureSatisfied = c.status == QLatin1String("satisfied");
        QVERIFY(signatureSatisfied);
        // The manifest alone changed later: the stored signature no longer covers it.
        auto changed = sync(batch(S("g-8"), {{S("manifest"), QJsonObject{{S("seed"), 4}}}}));
        QVERIFY2(changed.ok(), why(changed).constData());
        QCOMPARE(changed->run.evidence, S("unverified"));
        QCOMPARE(runs.get(s->actor(alice), r1->run.id)->evidence, S("unverified"));
    }

    // Batches of one run from several connections at once: every point once,
    // the log whole (each batch sends it from 0), the status never backwards.
    void concurrentBatchesOfOneRunLoseAndDoubleNothing()
    {
        QVERIFY(sync(first(S("g-9"), points(S("loss"), 0, 10))).ok());
        constexpr int kThreads = 6, kBatches = 8;
        std::latch start(kThreads);
        std::atomic<int> failed{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                RunService runs(s->ctx); // its own connection
                start.arrive_and_wait();
                for (int b = 0; b < kBatches; ++b) {
                    // Each batch overlaps its neighbour's range by 5 steps.
                    const int from = 10 + (t * kBatches + b) * 10;
                    QJsonObject body{{S("project_id"), proj},
                                     {S("client_run_id"), S("g-9")},
                                     {S("status"), b % 2 ? S("running") : S("queued")},
                                     {S("metrics"), concat(points(S("loss"), from, from + 15), points(S("lr"), t, t + 1))}};
                    auto r = runs.sync(s->actor(alice), body);
                    if (!r.ok() || r->run.status != QLatin1String("running")) {
                        qWarning() << "batch failed:" << why(r) << (r.ok() ? r->run.status : QString());
                        ++failed;
                    }
                }
            });
        }
        for (auto &th : threads)
            th.join();
        QCOMPARE(failed.load(), 0);
        const qint64 lossPoints = 10 + kThreads * kBatches * 10 + 5;
        QCOMPARE(s->metricPoints(), lossPoints + kThreads);
        QCOMPARE(s->count(S("runs")), 1);
        auto got = RunService(s->ctx).get(s->actor(alice), onlyRunId());
        QVERIFY(got.ok());
        QCOMPARE(got->metricCount, lossPoints + kThreads);
        QCOMPARE(got->status, S("running"));
        const auto loss = series(got->id, S("loss"));
        QCOMPARE(qint64(loss.size()), lossPoints);
        for (qsizetype i = 0; i < qsizetype(loss.size()); ++i)
            QCOMPARE(loss[i].step, qint64(i));
    }

    // A long series that grows keeps its rollup over the prefix it was built
    // on; charts and summaries add the newer points, thinned the same way, and
    // the rollup is built again once the series doubles or points land inside it.
    void aGrowingLongSeriesReadsItsRollupPlusTheNewerPoints()
    {
        auto wave = [](int i) { return std::sin(i / 50.0) * 10 + i * 0.001; };
        auto batchOf = [&](int from, int to, double spike = 0) {
            QJsonArray a;
            for (int i = from; i < to; ++i)
                a.append(QJsonObject{{S("name"), S("loss")}, {S("step"), i}, {S("value"), i == to - 1 && spike ? spike : wave(i)}});
            return a;
        };
        auto r1 = sync(first(S("g-long"), batchOf(1, 5001))); // step 0 left free for a late point
        QVERIFY2(r1.ok(), why(r1).constData());
        const QString id = r1->run.id;
        auto rollupPoints = [&] {
            Query q(s->db->connection(), S("SELECT MAX(points) FROM run_metric_rollups WHERE run_id = :r"));
            q.bind(S(":r"), id);
            return q.exec() && q.next() ? q.i64(0) : -1;
        };
        QCOMPARE(rollupPoints(), 5000);
        // 3,000 more, the last one a new maximum: the rollup stays as built.
        QVERIFY(sync(batch(S("g-long"), {{S("metrics"), batchOf(5001, 8001, 1e6)}})).ok());
        QCOMPARE(rollupPoints(), 5000);

        auto all = metricstore::series(s->db->connection(), id, S("loss"));
        QVERIFY(all.ok());
        QCOMPARE(qsizetype(all->size()), 8000);
        const QList<SeriesPoint> points = metricstore::toSeriesPoints(*all);
        QList<int> levels;
        Query l(s->db->connection(), S("SELECT level FROM run_metric_rollups WHERE run_id = :r ORDER BY level"));
        l.bind(S(":r"), id);
        QVERIFY(l.exec());
        while (l.next())
            levels << int(l.i64(0));
        const int k = rollup::choose(8000, levels, 100);
        QVERIFY(k >= 0);
        const QList<SeriesPoint> expected = downsample::lttb(
            rollup::m4(points.mid(0, 5000), qsizetype(1) << k) + rollup::m4(points.mid(5000), qsizetype(1) << k), 100);
        auto chart = RunService(s->ctx).metricSeries(s->actor(alice), id, S("loss"), 100);
        QVERIFY2(chart.ok(), why(chart).constData());
        QCOMPARE(chart->size(), expected.size());
        for (qsizetype i = 0; i < expected.size(); ++i) {
            QCOMPARE(chart->at(i).step, expected.at(i).step);
            QCOMPARE(chart->at(i).value, expected.at(i).value);
        }
        QCOMPARE(chart->last().step, 8000); // the newest point is on the chart
        auto summaries = RunService(s->ctx).metricSummaries(s->actor(alice), id);
        QVERIFY2(summaries.ok(), why(summaries).constData());
        QCOMPARE(summaries->value(0).max, 1e6); // the maximum among the newer points

        // A late point inside the prefix: built again, over everything.
        QVERIFY(sync(batch(S("g-long"), {{S("metrics"), QJsonArray{QJsonObject{{S("name"), S("loss")},
                                                                             {S("step"), 0}, {S("value"), 0.5}}}}})).ok());
        QCOMPARE(rollupPoints(), 8001);
        // Doubling since: built again.
        QVERIFY(sync(batch(S("g-long"), {{S("metrics"), batchOf(8001, 16002)}})).ok());
        QCOMPARE(rollupPoints(), 16002);
    }

    // A run synced in 100 batches while it trains holds every point once, its
    // log whole and its final status.
    void aHundredBatchesMakeTheWholeRun()
    {
        QVERIFY(sync(first(S("g-10"), {}, S(""))).ok());
        QString whole;
        for (int b = 0; b < 100; ++b) {
            const QString line = S("step %1 done\n").arg(b * 20);
            QJsonObject body = batch(S("g-10"), {{S("metrics"), concat(points(S("loss"), b * 20, b * 20 + 20),
                                                                       points(S("reward"), b, b + 1))},
                                                 {S("log"), line},
                                                 {S("log_offset"), double(whole.toUtf8().size())}});
            if (b == 99)
                body.insert(S("status"), S("completed"));
            whole += line;
            auto r = sync(body);
            QVERIFY2(r.ok(), why(r).constData());
        }
        const QString id = onlyRunId();
        auto got = RunService(s->ctx).get(s->actor(alice), id);
        QCOMPARE(got->status, S("completed"));
        QCOMPARE(got->metricCount, 2100);
        QCOMPARE(s->metricPoints(), 2100);
        QCOMPARE(log(id), whole);
        QCOMPARE(qsizetype(series(id, S("loss")).size()), 2000);
        // The series reads back whole through the chart path too (its rollups followed).
        auto chart = RunService(s->ctx).metricSeries(s->actor(alice), id, S("loss"), 5000);
        QVERIFY(chart.ok());
        QCOMPARE(chart->size(), 2000);
        QCOMPARE(s->auditCount(S("run.update")), 100);
        // Not a chunk per batch: on SQLite the chunks one sync would have written
        // (one per series), on PostgreSQL chunks of kAppendBelowPostgres points.
        QFETCH_GLOBAL(QString, backend);
        const qint64 lossChunks = backend == QLatin1String("sqlite")
            ? 1 : (2000 + metricstore::kAppendBelowPostgres - 1) / metricstore::kAppendBelowPostgres;
        QCOMPARE(s->count(S("run_metric_chunks")), lossChunks + 1);
    }
};

QTEST_GUILESS_MAIN(TestGrowingRuns)
#include "tst_growing_runs.moc"
