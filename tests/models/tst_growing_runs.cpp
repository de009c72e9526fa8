// SPDX-License-Identifier: Apache-2.0
// Runs that grow (CONTRACT.md section 3, v3): later syncs of one client_run_id
// carry the run forward. Both backends.
#include "TestStore.h"

#include "models/core/Ids.h"
#include "models/crypto/Crypto.h"
#include "models/crypto/Jcs.h"
#include "models/runs/MetricStore.h"
#include "models/runs/RunService.h"
#include "models/runs/SeriesRollup.h"
#include "models/workspaces/WorkspaceService.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>
#include <latch>
#include <thread>

using namespace Qt::StringLiterals;

using namespace wfx;
using wfxtest::why;

namespace {

// Points of one series, steps from..to-1, value a function of the step.
QJsonArray points(const QString &name, int from, int to, double scale = 1.0)
{
    QJsonArray a;
    for (int i = from; i < to; ++i)
        a.append(QJsonObject{{u"name"_s, name}, {u"step"_s, i}, {u"value"_s, scale / (i + 1)}});
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

    QJsonObject first(const QString &clientRunId, const QJsonArray &metrics = {},
                      const QString &log = {})
    {
        QJsonObject b{{u"project_id"_s, proj},
                      {u"client_run_id"_s, clientRunId},
                      {u"name"_s, u"dreamer-v3-seed-1"_s},
                      {u"status"_s, u"running"_s},
                      {u"started_at"_s, u"2026-11-01T10:00:00Z"_s},
                      {u"manifest"_s, QJsonObject{{u"algo"_s, u"dreamer-v3"_s}}},
                      {u"metrics"_s, metrics}};
        if (!log.isNull())
            b.insert(u"log"_s, log);
        return b;
    }
    // A later batch: only the keys and what is given.
    QJsonObject batch(const QString &clientRunId, const QJsonObject &more = {})
    {
        QJsonObject b{{u"project_id"_s, proj}, {u"client_run_id"_s, clientRunId}};
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
        Query q(s->db->connection(), u"SELECT id FROM runs"_s);
        return q.exec() && q.next() ? q.str(0) : QString();
    }
    QString log(const QString &runId)
    {
        auto l = RunService(s->ctx).log(s->actor(alice), runId, 0, RunService::kMaxLogLimit);
        return l ? l->content : u"<error>"_s;
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(u"alice@example.com"_s);
        WorkspaceService w(s->ctx);
        ws = w.create(s->actor(alice), u"A"_s)->id;
        proj = w.createProject(s->actor(alice), ws, u"p"_s)->id;
    }
    void cleanup() { s.reset(); }

    void laterBatchesAddPointsAppendTheLogAndMoveStatusForward()
    {
        auto r1 = sync(first(u"g-1"_s, points(u"loss"_s, 0, 10), u"epoch 0\n"_s));
        QVERIFY2(r1.ok(), why(r1).constData());
        QVERIFY(r1->created);
        QCOMPARE(r1->run.status, u"running"_s);
        s->clock.advanceMs(1000);

        // Only new points and the log's new bytes with their offset.
        auto r2 = sync(batch(u"g-1"_s, {{u"metrics"_s, points(u"loss"_s, 10, 20)},
                                        {u"log"_s, u"epoch 1\n"_s},
                                        {u"log_offset"_s, 8}}));
        QVERIFY2(r2.ok(), why(r2).constData());
        QVERIFY(!r2->created);
        QCOMPARE(r2->run.id, r1->run.id);
        QCOMPARE(r2->run.status, u"running"_s);
        QCOMPARE(r2->run.metricCount, 20);
        QCOMPARE(r2->run.logBytes, 16);
        QCOMPARE(r2->run.name, u"dreamer-v3-seed-1"_s); // left out: kept
        QCOMPARE(r2->run.startedAt, r1->run.startedAt);
        // The compliance mapping follows the points (its metrics control alone changed).
        auto mapping = RunService(s->ctx).complianceMapping(s->actor(alice), r1->run.id);
        QVERIFY(mapping.ok());
        QCOMPARE(mapping->size(), 4);
        for (const ComplianceItem &c : *mapping)
            if (c.control == QLatin1String("reproducibility.metrics"))
                QCOMPARE(c.evidence, u"20 points in 1 series."_s);

        // The whole log sent again from 0 with a new line: only the new line is appended.
        auto r3 = sync(batch(u"g-1"_s, {{u"status"_s, u"completed"_s},
                                        {u"finished_at"_s, u"2026-11-01T11:00:00Z"_s},
                                        {u"metrics"_s, points(u"reward"_s, 0, 5)},
                                        {u"log"_s, u"epoch 0\nepoch 1\ndone\n"_s}}));
        QVERIFY2(r3.ok(), why(r3).constData());
        QCOMPARE(r3->run.status, u"completed"_s);
        QCOMPARE(r3->run.finishedAt, ids::parseTime(u"2026-11-01T11:00:00Z"_s));
        QCOMPARE(r3->run.metricCount, 25);

        auto got = RunService(s->ctx).get(s->actor(alice), r1->run.id);
        QVERIFY(got.ok());
        QCOMPARE(got->status, u"completed"_s);
        QCOMPARE(got->metricCount, 25);
        QCOMPARE(got->metricNames.value(), (QStringList{u"loss"_s, u"reward"_s}));
        QCOMPARE(log(r1->run.id), u"epoch 0\nepoch 1\ndone\n"_s);
        const auto loss = series(r1->run.id, u"loss"_s);
        QCOMPARE(qsizetype(loss.size()), 20);
        for (int i = 0; i < 20; ++i) {
            QCOMPARE(loss[i].step, qint64(i));
            QCOMPARE(loss[i].value, 1.0 / (i + 1));
        }
        QCOMPARE(s->count(u"runs"_s), 1);
        QCOMPARE(s->metricPoints(), 25);
        QCOMPARE(s->auditCount(u"run.sync"_s), 1);
        QCOMPARE(s->auditCount(u"run.update"_s), 2);
    }

    void aPointIsStoredOnceAndLateLowerStepsAreAdded()
    {
        auto r1 = sync(first(u"g-2"_s, points(u"loss"_s, 10, 20)));
        QVERIFY2(r1.ok(), why(r1).constData());
        const qint64 audits = s->auditCount(u"run.update"_s);
        // A resumed training logs steps it logged before, with other values: nothing changes.
        auto again = sync(batch(u"g-2"_s, {{u"metrics"_s, points(u"loss"_s, 10, 20, 99.0)}}));
        QVERIFY2(again.ok(), why(again).constData());
        QCOMPARE(again->run.metricCount, 10);
        QCOMPARE(s->auditCount(u"run.update"_s), audits);
        // A late retried batch brings lower steps, some already stored.
        auto late = sync(batch(u"g-2"_s, {{u"metrics"_s, points(u"loss"_s, 0, 12, 7.0)}}));
        QVERIFY2(late.ok(), why(late).constData());
        QCOMPARE(late->run.metricCount, 20);
        const auto loss = series(r1->run.id, u"loss"_s);
        QCOMPARE(qsizetype(loss.size()), 20);
        for (int i = 0; i < 20; ++i) {
            QCOMPARE(loss[i].step, qint64(i));
            QCOMPARE(loss[i].value, (i < 10 ? 7.0 : 1.0) / (i + 1)); // the stored value stays
        }
        QCOMPARE(s->metricPoints(), 20);
        QCOMPARE(s->auditCount(u"run.update"_s), audits + 1);
    }

    void statusOnlyMovesForward()
    {
        QVERIFY(sync(first(u"g-3"_s)).ok());
        const qint64 audits = s->auditCount(u"run.update"_s);
        auto back = sync(batch(u"g-3"_s, {{u"status"_s, u"queued"_s}}));
        QVERIFY2(back.ok(), why(back).constData());
        QCOMPARE(back->run.status, u"running"_s);
        QCOMPARE(s->auditCount(u"run.update"_s), audits); // ignored: nothing changed
        auto done = sync(batch(u"g-3"_s, {{u"status"_s, u"failed"_s}}));
        QVERIFY2(done.ok(), why(done).constData());
        QCOMPARE(done->run.status, u"failed"_s);
        // A late "running" batch after the end is ignored, not a change.
        auto late = sync(batch(u"g-3"_s, {{u"status"_s, u"running"_s}}));
        QVERIFY2(late.ok(), why(late).constData());
        QCOMPARE(late->run.status, u"failed"_s);
        QCOMPARE(s->auditCount(u"run.update"_s), audits + 1);
    }

    void aTerminalRunIsFrozen()
    {
        QJsonObject done = first(u"g-4"_s, points(u"loss"_s, 0, 3), u"all\n"_s);
        done.insert(u"status"_s, u"completed"_s);
        done.insert(u"finished_at"_s, u"2026-11-01T11:00:00Z"_s);
        auto r1 = sync(done);
        QVERIFY2(r1.ok(), why(r1).constData());
        const qint64 audits = s->auditCount(u"run.update"_s) + s->auditCount(u"run.sync"_s);
        // The same body again: 200, nothing written.
        auto same = sync(done);
        QVERIFY2(same.ok(), why(same).constData());
        QVERIFY(!same->created);
        // Anything that would change it: 409, and nothing of the batch is kept.
        const QList<QJsonObject> changes{
            batch(u"g-4"_s, {{u"metrics"_s, points(u"loss"_s, 3, 4)}}),
            batch(u"g-4"_s, {{u"name"_s, u"renamed"_s}}),
            batch(u"g-4"_s, {{u"log"_s, u"more\n"_s}, {u"log_offset"_s, 4}}),
            batch(u"g-4"_s, {{u"status"_s, u"cancelled"_s}}),
            batch(u"g-4"_s, {{u"manifest"_s, QJsonObject{{u"algo"_s, u"other"_s}}}}),
            batch(u"g-4"_s,
                  {{u"metrics"_s, points(u"loss"_s, 0, 3)}, {u"log"_s, u"all\nmore\n"_s}}),
            // A later started_at would also put finished_at before it: the run is frozen first.
            batch(u"g-4"_s, {{u"started_at"_s, u"2026-12-01T00:00:00Z"_s}}),
        };
        for (const QJsonObject &b : changes) {
            auto r = sync(b);
            QVERIFY2(!r.ok(), QJsonDocument(b).toJson(QJsonDocument::Compact).constData());
            QCOMPARE(r.error().code, ErrorCode::Conflict);
        }
        auto got = RunService(s->ctx).get(s->actor(alice), r1->run.id);
        QCOMPARE(got->name, u"dreamer-v3-seed-1"_s);
        QCOMPARE(got->status, u"completed"_s);
        QCOMPARE(got->metricCount, 3);
        QCOMPARE(s->metricPoints(), 3);
        QCOMPARE(log(r1->run.id), u"all\n"_s);
        QCOMPARE(s->auditCount(u"run.update"_s) + s->auditCount(u"run.sync"_s), audits);
    }

    void logOffsetMustMatchAndLeaveNoGap()
    {
        auto r1 = sync(first(u"g-5"_s, {}, u"héllo\n"_s)); // 7 bytes of UTF-8
        QVERIFY2(r1.ok(), why(r1).constData());
        QCOMPARE(r1->run.logBytes, 7);
        // Overlapping bytes that differ: 409, and the batch's points are not kept either.
        auto differs = sync(batch(
            u"g-5"_s, {{u"log"_s, u"hallo\nmore\n"_s}, {u"metrics"_s, points(u"loss"_s, 0, 2)}}));
        QVERIFY(!differs.ok());
        QCOMPARE(differs.error().code, ErrorCode::Conflict);
        QCOMPARE(s->metricPoints(), 0);
        // An offset past the end leaves a gap: 422 naming log_offset.
        auto gap = sync(batch(u"g-5"_s, {{u"log"_s, u"x\n"_s}, {u"log_offset"_s, 8}}));
        QVERIFY(!gap.ok());
        QCOMPARE(gap.error().code, ErrorCode::Validation);
        QCOMPARE(gap.error().details.value(0).field, u"log_offset"_s);
        // An offset inside a character cannot match the stored bytes.
        auto split = sync(batch(u"g-5"_s, {{u"log"_s, u"llo\n"_s}, {u"log_offset"_s, 2}}));
        QVERIFY(!split.ok());
        QCOMPARE(split.error().code, ErrorCode::Conflict);
        // Overlap that matches, from inside the log, plus new bytes.
        auto ok = sync(batch(u"g-5"_s, {{u"log"_s, u"llo\nwörld\n"_s}, {u"log_offset"_s, 3}}));
        QVERIFY2(ok.ok(), why(ok).constData());
        QCOMPARE(ok->run.logBytes, 14);
        QCOMPARE(log(r1->run.id), u"héllo\nwörld\n"_s);
        // Exactly at the end, nothing new: no change.
        const qint64 audits = s->auditCount(u"run.update"_s);
        auto none = sync(batch(u"g-5"_s, {{u"log"_s, u""_s}, {u"log_offset"_s, 14}}));
        QVERIFY2(none.ok(), why(none).constData());
        QCOMPARE(s->auditCount(u"run.update"_s), audits);
        // A new run's log starts at 0.
        QJsonObject offsetFirst = first(u"g-5b"_s, {}, u"x"_s);
        offsetFirst.insert(u"log_offset"_s, 1);
        auto fresh = sync(offsetFirst);
        QVERIFY(!fresh.ok());
        QCOMPARE(fresh.error().details.value(0).field, u"log_offset"_s);
        QCOMPARE(s->count(u"runs"_s), 1);
    }

    void theFirstSyncNeedsAName()
    {
        auto r = sync(batch(u"g-6"_s, {{u"metrics"_s, points(u"loss"_s, 0, 3)}}));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Validation);
        QCOMPARE(r.error().details.value(0).field, u"name"_s);
        QCOMPARE(s->count(u"runs"_s), 0);
        QCOMPARE(s->metricPoints(), 0);
    }

    void capsRefuseTheWholeBatch()
    {
        const RunLimits limits{25, 16};
        auto r1 = sync(first(u"g-7"_s, points(u"loss"_s, 0, 20), u"0123456789"_s), limits);
        QVERIFY2(r1.ok(), why(r1).constData());
        auto over = sync(batch(u"g-7"_s, {{u"metrics"_s, points(u"loss"_s, 18, 30)}}),
                         limits); // 10 new: 30 > 25
        QVERIFY(!over.ok());
        QCOMPARE(over.error().code, ErrorCode::Validation);
        QCOMPARE(over.error().details.value(0).field, u"metrics"_s);
        QCOMPARE(over.error().details.value(0).issue, u"cap_exceeded"_s);
        QVERIFY2(over.error().message.contains(u"25"_s), qPrintable(over.error().message));
        QCOMPARE(s->metricPoints(), 20);
        auto fits =
            sync(batch(u"g-7"_s, {{u"metrics"_s, points(u"loss"_s, 18, 25)}}), limits); // 5 new: 25
        QVERIFY2(fits.ok(), why(fits).constData());
        QCOMPARE(fits->run.metricCount, 25);
        auto log = sync(batch(u"g-7"_s, {{u"log"_s, u"abcdefg"_s}, {u"log_offset"_s, 10}}),
                        limits); // 17 > 16
        QVERIFY(!log.ok());
        QCOMPARE(log.error().details.value(0).field, u"log"_s);
        QCOMPARE(log.error().details.value(0).issue, u"cap_exceeded"_s);
        // A first sync over a cap makes no run.
        auto big = sync(first(u"g-7b"_s, points(u"loss"_s, 0, 26)), limits);
        QVERIFY(!big.ok());
        QCOMPARE(s->count(u"runs"_s), 1);
    }

    void evidenceFollowsAManifestAndSignatureSentLater()
    {
        auto r1 = sync(first(u"g-8"_s));
        QVERIFY2(r1.ok(), why(r1).constData());
        QCOMPARE(r1->run.evidence, u"unsigned"_s);
        const QJsonObject manifest{{u"algo"_s, u"dreamer-v3"_s}, {u"seed"_s, 3}};
        const auto key = crypto::ed25519Generate();
        const QByteArray sig = crypto::ed25519Sign(key.privateKey, jcs::canonicalize(manifest));
        auto signedBatch = sync(
            batch(u"g-8"_s,
                  {{u"manifest"_s, manifest},
                   {u"signature"_s,
                    QJsonObject{{u"alg"_s, u"ed25519"_s},
                                {u"public_key"_s, QString::fromLatin1(key.publicKey.toBase64())},
                                {u"sig"_s, QString::fromLatin1(sig.toBase64())}}}}));
        QVERIFY2(signedBatch.ok(), why(signedBatch).constData());
        QCOMPARE(signedBatch->run.evidence, u"verified"_s);
        RunService runs(s->ctx);
        QCOMPARE(runs.manifest(s->actor(alice), r1->run.id).value(), manifest);
        QCOMPARE(runs.signature(s->actor(alice), r1->run.id)->evidence, u"verified"_s);
        auto mapping = runs.complianceMapping(s->actor(alice), r1->run.id);
        QVERIFY(mapping.ok());
        QCOMPARE(mapping->size(), 4);
        bool signatureSatisfied = false;
        for (const auto &c : *mapping)
            if (c.control == QLatin1String("integrity.signature"))
                signatureSatisfied = c.status == QLatin1String("satisfied");
        QVERIFY(signatureSatisfied);
        // The manifest alone changed later: the stored signature no longer covers it.
        auto changed = sync(batch(u"g-8"_s, {{u"manifest"_s, QJsonObject{{u"seed"_s, 4}}}}));
        QVERIFY2(changed.ok(), why(changed).constData());
        QCOMPARE(changed->run.evidence, u"unverified"_s);
        QCOMPARE(runs.get(s->actor(alice), r1->run.id)->evidence, u"unverified"_s);
    }

    // Batches of one run from several connections at once: every point once,
    // the log whole (each batch sends it from 0), the status never backwards.
    void concurrentBatchesOfOneRunLoseAndDoubleNothing()
    {
        QVERIFY(sync(first(u"g-9"_s, points(u"loss"_s, 0, 10))).ok());
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
                    QJsonObject body{{u"project_id"_s, proj},
                                     {u"client_run_id"_s, u"g-9"_s},
                                     {u"status"_s, b % 2 ? u"running"_s : u"queued"_s},
                                     {u"metrics"_s, concat(points(u"loss"_s, from, from + 15),
                                                           points(u"lr"_s, t, t + 1))}};
                    auto r = runs.sync(s->actor(alice), body);
                    if (!r.ok() || r->run.status != QLatin1String("running")) {
                        qWarning()
                            << "batch failed:" << why(r) << (r.ok() ? r->run.status : QString());
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
        QCOMPARE(s->count(u"runs"_s), 1);
        auto got = RunService(s->ctx).get(s->actor(alice), onlyRunId());
        QVERIFY(got.ok());
        QCOMPARE(got->metricCount, lossPoints + kThreads);
        QCOMPARE(got->status, u"running"_s);
        const auto loss = series(got->id, u"loss"_s);
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
                a.append(QJsonObject{{u"name"_s, u"loss"_s},
                                     {u"step"_s, i},
                                     {u"value"_s, i == to - 1 && spike ? spike : wave(i)}});
            return a;
        };
        auto r1 = sync(first(u"g-long"_s, batchOf(1, 5001))); // step 0 left free for a late point
        QVERIFY2(r1.ok(), why(r1).constData());
        const QString id = r1->run.id;
        auto rollupPoints = [&] {
            Query q(s->db->connection(),
                    u"SELECT MAX(points) FROM run_metric_rollups WHERE run_id = :r"_s);
            q.bind(u":r"_s, id);
            return q.exec() && q.next() ? q.i64(0) : -1;
        };
        QCOMPARE(rollupPoints(), 5000);
        // 3,000 more, the last one a new maximum: the rollup stays as built.
        QVERIFY(sync(batch(u"g-long"_s, {{u"metrics"_s, batchOf(5001, 8001, 1e6)}})).ok());
        QCOMPARE(rollupPoints(), 5000);

        auto all = metricstore::series(s->db->connection(), id, u"loss"_s);
        QVERIFY(all.ok());
        QCOMPARE(qsizetype(all->size()), 8000);
        const QList<SeriesPoint> points = metricstore::toSeriesPoints(*all);
        QList<int> levels;
        Query l(s->db->connection(),
                u"SELECT level FROM run_metric_rollups WHERE run_id = :r ORDER BY level"_s);
        l.bind(u":r"_s, id);
        QVERIFY(l.exec());
        while (l.next())
            levels << int(l.i64(0));
        const int k = rollup::choose(8000, levels, 100);
        QVERIFY(k >= 0);
        const QList<SeriesPoint> expected =
            downsample::lttb(rollup::m4(points.mid(0, 5000), qsizetype(1) << k) +
                                 rollup::m4(points.mid(5000), qsizetype(1) << k),
                             100);
        auto chart = RunService(s->ctx).metricSeries(s->actor(alice), id, u"loss"_s, 100);
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
        QVERIFY(
            sync(batch(u"g-long"_s, {{u"metrics"_s, QJsonArray{QJsonObject{{u"name"_s, u"loss"_s},
                                                                           {u"step"_s, 0},
                                                                           {u"value"_s, 0.5}}}}}))
                .ok());
        QCOMPARE(rollupPoints(), 8001);
        // Doubling since: built again.
        QVERIFY(sync(batch(u"g-long"_s, {{u"metrics"_s, batchOf(8001, 16002)}})).ok());
        QCOMPARE(rollupPoints(), 16002);
    }

    // A run synced in 100 batches while it trains holds every point once, its
    // log whole and its final status.
    void aHundredBatchesMakeTheWholeRun()
    {
        QVERIFY(sync(first(u"g-10"_s, {}, u""_s)).ok());
        QString whole;
        for (int b = 0; b < 100; ++b) {
            const QString line = u"step %1 done\n"_s.arg(b * 20);
            QJsonObject body =
                batch(u"g-10"_s, {{u"metrics"_s, concat(points(u"loss"_s, b * 20, b * 20 + 20),
                                                        points(u"reward"_s, b, b + 1))},
                                  {u"log"_s, line},
                                  {u"log_offset"_s, double(whole.toUtf8().size())}});
            if (b == 99)
                body.insert(u"status"_s, u"completed"_s);
            whole += line;
            auto r = sync(body);
            QVERIFY2(r.ok(), why(r).constData());
        }
        const QString id = onlyRunId();
        auto got = RunService(s->ctx).get(s->actor(alice), id);
        QCOMPARE(got->status, u"completed"_s);
        QCOMPARE(got->metricCount, 2100);
        QCOMPARE(s->metricPoints(), 2100);
        QCOMPARE(log(id), whole);
        QCOMPARE(qsizetype(series(id, u"loss"_s).size()), 2000);
        // The series reads back whole through the chart path too (its rollups followed).
        auto chart = RunService(s->ctx).metricSeries(s->actor(alice), id, u"loss"_s, 5000);
        QVERIFY(chart.ok());
        QCOMPARE(chart->size(), 2000);
        QCOMPARE(s->auditCount(u"run.update"_s), 100);
        // Not a chunk per batch: on SQLite the chunks one sync would have written
        // (one per series), on PostgreSQL chunks of kAppendBelowPostgres points.
        QFETCH_GLOBAL(QString, backend);
        const qint64 lossChunks = backend == QLatin1String("sqlite")
                                      ? 1
                                      : (2000 + metricstore::kAppendBelowPostgres - 1) /
                                            metricstore::kAppendBelowPostgres;
        QCOMPARE(s->count(u"run_metric_chunks"_s), lossChunks + 1);
    }
};

QTEST_GUILESS_MAIN(TestGrowingRuns)
#include "tst_growing_runs.moc"
