// SPDX-License-Identifier: Apache-2.0
#include "TestStore.h"

#include "audit/AuditService.h"
#include "crypto/Jcs.h"
#include "runs/Downsample.h"
#include "runs/GroupCommit.h"
#include "runs/MetricStore.h"
#include "runs/RunService.h"
#include "runs/SeriesRollup.h"
#include "workspaces/WorkspaceService.h"

#include <QJsonArray>
#include <QSet>
#include <QSqlDriver>

#include <sqlite3.h>

#include <atomic>
#include <cmath>
#include <latch>
#include <mutex>
#include <thread>

using namespace wfx;
using wfxtest::why;

namespace {
QString S(const char *s)
{
    return QString::fromUtf8(s);
}

bool hasDetail(const Error &e, const QString &field, const QString &issue)
{
    for (const auto &d : e.details) {
        if (d.field == field && d.issue == issue)
            return true;
    }
    return false;
}
} // namespace

class TestRuns : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, bob;
    QString wsA, projA, wsB, projB; // alice's workspace and bob's own

    QJsonObject body(const QString &project, const QString &clientRunId,
                     const QString &name = S("dreamer-v3-seed-1"))
    {
        return QJsonObject{
            {S("project_id"), project},
            {S("client_run_id"), clientRunId},
            {S("name"), name},
            {S("status"), S("completed")},
            {S("started_at"), S("2026-11-01T10:00:00Z")},
            {S("finished_at"), S("2026-11-01T11:00:00Z")},
            {S("manifest"), QJsonObject{{S("algo"), S("dreamer-v3")}, {S("seed"), 1}}},
            {S("metrics"),
             QJsonArray{QJsonObject{{S("name"), S("loss")}, {S("step"), 0}, {S("value"), 1.25}},
                        QJsonObject{{S("name"), S("loss")}, {S("step"), 1}, {S("value"), 0.75}},
                        QJsonObject{{S("name"), S("reward")}, {S("step"), 0}, {S("value"), 3}}}},
            {S("log"), S("first line\nsecond line\n")}};
    }
    Run sync(const QJsonObject &b, const QString &user = {})
    {
        RunService runs(s->ctx);
        auto r = runs.sync(s->actor(user.isEmpty() ? alice : user), b);
        if (!r.ok())
            qFatal("sync failed: %s", why(r).constData());
        return r->run;
    }
    QJsonObject signedBody(const QString &clientRunId, bool tamper)
    {
        QJsonObject b = body(projA, clientRunId);
        const QJsonObject manifest{{S("model"), S("dreamer-v3")},
                                   {S("seed"), 7},
                                   {S("nested"), QJsonObject{{S("b"), 1}, {S("a"), S("é")}}}};
        const auto key = crypto::ed25519Generate();
        const QByteArray sig = crypto::ed25519Sign(key.privateKey, jcs::canonicalize(manifest));
        QJsonObject signedManifest = manifest;
        if (tamper)
            signedManifest.insert(S("seed"), 8);
        b.insert(S("manifest"), signedManifest);
        b.insert(S("signature"),
                 QJsonObject{{S("alg"), S("ed25519")},
                             {S("public_key"), QString::fromLatin1(key.publicKey.toBase64())},
                             {S("sig"), QString::fromLatin1(sig.toBase64())}});
        return b;
    }
    // bob joins alice's workspace with a role.
    void join(const QString &role)
    {
        WorkspaceService ws(s->ctx);
        auto inv = ws.invite(s->actor(alice), wsA, S("bob@example.com"), role);
        QVERIFY(inv.ok());
        QVERIFY(ws.acceptInvitation(s->actor(bob), inv->token).ok());
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(S("alice@example.com"));
        bob = s->createUser(S("bob@example.com"));
        WorkspaceService ws(s->ctx);
        wsA = ws.create(s->actor(alice), S("A"))->id;
        projA = ws.createProject(s->actor(alice), wsA, S("pa"))->id;
        wsB = ws.create(s->actor(bob), S("B"))->id;
        projB = ws.createProject(s->actor(bob), wsB, S("pb"))->id;
    }
    void cleanup() { s.reset(); }

    // Statements a 100-point sync runs on its connection (SQLite's trace sees
    // every one the connection starts, QtSql's and native). Pinned so a change
    // that adds one per sync or per point is seen: read once per batch what a
    // repeat does not change, write many rows in one statement.
    void syncOf100PointsRunsFewStatements()
    {
        QFETCH_GLOBAL(QString, backend);
        if (backend != QLatin1String("sqlite"))
            QSKIP("the statement trace is SQLite's (sqlite3_trace_v2)");
        QSqlDatabase conn = s->db->connection();
        const QVariant h = conn.driver()->handle();
        QVERIFY(h.isValid() && qstrcmp(h.typeName(), "sqlite3*") == 0);
        sqlite3 *handle = *static_cast<sqlite3 *const *>(h.constData());
        QStringList seen;
        auto trace = [](unsigned, void *ctx, void *, void *x) -> int {
            const QString sql = QString::fromUtf8(static_cast<const char *>(x));
            if (!sql.startsWith(QLatin1String("--"))) // a trigger's own statements
                static_cast<QStringList *>(ctx)->append(sql);
            return 0;
        };
        auto syncOne = [&](const QString &clientRunId) {
            QJsonObject b = body(projA, clientRunId);
            b.remove(S("log"));
            QJsonArray metrics;
            for (int i = 0; i < 100; ++i)
                metrics.append(QJsonObject{{S("name"), S("loss")}, {S("step"), i}, {S("value"), 1.0 / (i + 1)}});
            b.insert(S("metrics"), metrics);
            seen.clear();
            QCOMPARE(sqlite3_trace_v2(handle, SQLITE_TRACE_STMT, trace, &seen), SQLITE_OK);
            RunService runs(s->ctx);
            auto r = runs.sync(s->actor(alice), b);
            sqlite3_trace_v2(handle, 0, nullptr, nullptr);
            QVERIFY2(r.ok(), why(r).constData());
        };
        syncOne(S("count-1"));
        // BEGIN; project, membership, restriction; INSERT run; the series' last
        // value (run_metric_last); one chunk; the rollup levels; compliance in
        // one INSERT; the audit chain (3); COMMIT.
        QVERIFY2(seen.size() == 12, qPrintable(seen.join(QLatin1Char('\n'))));
        // A retry of the same client_run_id: the insert finds the run stored,
        // which is locked and compared (its manifest and signature, the chunks
        // the points fall in) and left as it is: nothing is written.
        syncOne(S("count-1"));
        QVERIFY2(seen.size() <= 9, qPrintable(seen.join(QLatin1Char('\n'))));
    }

    void syncStoresRunMetricsLogAndAudit()
    {
        RunService runs(s->ctx);
        const qint64 auditBefore = s->count(S("audit_log"));
        auto r = runs.sync(s->actor(alice), body(projA, S("c-1")));
        QVERIFY2(r.ok(), why(r).constData());
        QVERIFY(r->created);
        const Run &run = r->run;
        QVERIFY(ids::isUuid(run.id));
        QCOMPARE(run.workspaceId, wsA);
        QCOMPARE(run.evidence, S("unsigned"));
        QCOMPARE(run.metricCount, 3);
        const QJsonObject j = run.toJson();
        for (const char *k :
             {"id", "project_id", "workspace_id", "client_run_id", "name", "status", "started_at",
              "finished_at", "created_at", "evidence", "metric_count"})
            QVERIFY2(j.contains(S(k)), k);
        QCOMPARE(j.value(S("started_at")).toString(), S("2026-11-01T10:00:00.000Z"));
        QCOMPARE(s->count(S("runs")), 1);
        QCOMPARE(s->metricPoints(), 3);
        QCOMPARE(s->count(S("run_logs")), 1);
        QCOMPARE(s->count(S("run_signatures")), 0);
        QCOMPARE(s->count(S("compliance_mappings")), 4);
        QCOMPARE(s->auditCount(S("run.sync")), 1);
        QCOMPARE(s->count(S("audit_log")), auditBefore + 1);
        Query a(s->db->connection(),
                S("SELECT workspace_id, target_id FROM audit_log WHERE action = 'run.sync'"));
        QVERIFY(a.exec() && a.next());
        QCOMPARE(a.str(0), wsA);
        QCOMPARE(a.str(1), run.id);
    }

    void syncDefaultsAndOptionalFields()
    {
        RunService runs(s->ctx);
        auto r = runs.sync(s->actor(alice), QJsonObject{{S("project_id"), projA},
                                                        {S("client_run_id"), S("min")},
                                                        {S("name"), S("bare")}});
        QVERIFY2(r.ok(), why(r).constData());
        QCOMPARE(r->run.status, S("completed"));
        QVERIFY(!r->run.startedAt);
        QCOMPARE(r->run.toJson().value(S("finished_at")).type(), QJsonValue::Null);
        QCOMPARE(r->run.metricCount, 0);
        QCOMPARE(runs.manifest(s->actor(alice), r->run.id).value(), QJsonObject());
        QCOMPARE(s->count(S("run_logs")), 0);
    }

    void syncSameClientRunIdReturnsExistingAndWritesNothing()
    {
        RunService runs(s->ctx);
        auto first = runs.sync(s->actor(alice), body(projA, S("c-1")));
        QVERIFY(first.ok());
        const qint64 audit = s->count(S("audit_log"));
        s->clock.advanceMs(5000);
        auto again = runs.sync(s->actor(alice), body(projA, S("c-1")));
        QVERIFY2(again.ok(), why(again).constData());
        QVERIFY(!again->created);
        QCOMPARE(again->run.id, first->run.id);
        QCOMPARE(again->run.name, first->run.name);
        QCOMPARE(again->run.createdAt, first->run.createdAt);
        // The run is completed, so frozen (CONTRACT.md 3, Runs that grow): a
        // sync that would change it is a conflict and changes nothing.
        QJsonObject changed = body(projA, S("c-1"), S("another name"));
        changed.insert(S("metrics"), QJsonArray());
        auto refused = runs.sync(s->actor(alice), changed);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, ErrorCode::Conflict);
        QCOMPARE(runs.get(s->actor(alice), first->run.id)->name, first->run.name);
        QCOMPARE(s->count(S("runs")), 1);
        QCOMPARE(s->metricPoints(), 3);
        QCOMPARE(s->count(S("audit_log")), audit);
    }

    void clientRunIdIsScopedPerProject()
    {
        WorkspaceService ws(s->ctx);
        const QString other = ws.createProject(s->actor(alice), wsA, S("other"))->id;
        const Run a = sync(body(projA, S("same")));
        const Run b = sync(body(other, S("same")));
        QVERIFY(a.id != b.id);
        QCOMPARE(s->count(S("runs")), 2);
    }

    void validation_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QJsonValue>("value"); // Undefined: remove the field
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("issue");
        const QJsonValue gone(QJsonValue::Undefined);
        const QJsonValue null(QJsonValue::Null);
        auto metric = [](const QJsonValue &name, const QJsonValue &step, const QJsonValue &value) {
            QJsonObject o;
            if (!name.isUndefined())
                o.insert(S("name"), name);
            if (!step.isUndefined())
                o.insert(S("step"), step);
            if (!value.isUndefined())
                o.insert(S("value"), value);
            return o;
        };
        const QJsonObject good = metric(S("loss"), 0, 1.0);
        QTest::newRow("project_id missing")
            << S("project_id") << gone << S("project_id") << S("required");
        QTest::newRow("project_id number")
            << S("project_id") << QJsonValue(42) << S("project_id") << S("type");
        QTest::newRow("project_id not uuid")
            << S("project_id") << QJsonValue(S("x")) << S("project_id") << S("invalid");
        QTest::newRow("client_run_id null")
            << S("client_run_id") << null << S("client_run_id") << S("required");
        QTest::newRow("client_run_id empty")
            << S("client_run_id") << QJsonValue(S("")) << S("client_run_id") << S("required");
        QTest::newRow("client_run_id long")
            << S("client_run_id") << QJsonValue(QString(201, QLatin1Char('c')))
            << S("client_run_id") << S("too_long");
        QTest::newRow("client_run_id number")
            << S("client_run_id") << QJsonValue(7) << S("client_run_id") << S("type");
        QTest::newRow("name missing") << S("name") << gone << S("name") << S("required");
        QTest::newRow("log_offset type") << S("log_offset") << QJsonValue(S("3")) << S("log_offset") << S("type");
        QTest::newRow("log_offset negative") << S("log_offset") << QJsonValue(-1) << S("log_offset") << S("invalid");
        QTest::newRow("log_offset fraction") << S("log_offset") << QJsonValue(1.5) << S("log_offset") << S("invalid");
        QTest::newRow("name blank")
            << S("name") << QJsonValue(S("   ")) << S("name") << S("required");
        QTest::newRow("name control")
            << S("name") << QJsonValue(S("a\u0001")) << S("name") << S("invalid");
        QTest::newRow("status unknown")
            << S("status") << QJsonValue(S("done")) << S("status") << S("invalid");
        QTest::newRow("status type") << S("status") << QJsonValue(true) << S("status") << S("type");
        QTest::newRow("started_at text")
            << S("started_at") << QJsonValue(S("yesterday")) << S("started_at") << S("invalid");
        QTest::newRow("started_at no zone")
            << S("started_at") << QJsonValue(S("2026-11-01T10:00:00")) << S("started_at")
            << S("invalid");
        QTest::newRow("finished before started")
            << S("finished_at") << QJsonValue(S("2026-11-01T09:00:00Z")) << S("finished_at")
            << S("invalid");
        QTest::newRow("manifest array")
            << S("manifest") << QJsonValue(QJsonArray{1}) << S("manifest") << S("type");
        QTest::newRow("manifest too big")
            << S("manifest")
            << QJsonValue(QJsonObject{{S("x"), QString(300 * 1024, QLatin1Char('m'))}})
            << S("manifest") << S("too_long");
        QTest::newRow("metrics object")
            << S("metrics") << QJsonValue(QJsonObject()) << S("metrics") << S("type");
        QTest::newRow("metric not object")
            << S("metrics") << QJsonValue(QJsonArray{good, 3}) << S("metrics.1") << S("type");
        QTest::newRow("step text")
            << S("metrics") << QJsonValue(QJsonArray{good, metric(S("loss"), S("one"), 0.5)})
            << S("metrics.1.step") << S("type");
        QTest::newRow("step negative")
            << S("metrics") << QJsonValue(QJsonArray{metric(S("loss"), -1, 0.5)})
            << S("metrics.0.step") << S("invalid");
        QTest::newRow("step fraction")
            << S("metrics") << QJsonValue(QJsonArray{metric(S("loss"), 1.5, 0.5)})
            << S("metrics.0.step") << S("invalid");
        QTest::newRow("step missing")
            << S("metrics") << QJsonValue(QJsonArray{metric(S("loss"), gone, 0.5)})
            << S("metrics.0.step") << S("required");
        QTest::newRow("value text")
            << S("metrics") << QJsonValue(QJsonArray{metric(S("loss"), 0, S("x"))})
            << S("metrics.0.value") << S("type");
        QTest::newRow("value missing")
            << S("metrics") << QJsonValue(QJsonArray{metric(S("loss"), 0, gone)})
            << S("metrics.0.value") << S("required");
        QTest::newRow("name empty") << S("metrics") << QJsonValue(QJsonArray{metric(S(""), 0, 1)})
                                    << S("metrics.0.name") << S("required");
        QTest::newRow("name long")
            << S("metrics") << QJsonValue(QJsonArray{metric(QString(201, QLatin1Char('n')), 0, 1)})
            << S("metrics.0.name") << S("too_long");
        QTest::newRow("duplicate point") << S("metrics") << QJsonValue(QJsonArray{good, good})
                                         << S("metrics.1") << S("duplicate");
        QTest::newRow("log type") << S("log") << QJsonValue(42) << S("log") << S("type");
        QTest::newRow("log nul") << S("log") << QJsonValue(QString(S("a")) + QChar(0) + S("b"))
                                 << S("log") << S("invalid");
        QTest::newRow("log too big")
            << S("log") << QJsonValue(QString(1024 * 1024 + 1, QLatin1Char('l'))) << S("log")
            << S("too_long");
        QTest::newRow("log too big in utf8")
            << S("log") << QJsonValue(QString(400 * 1024, QChar(0x20AC))) << S("log")
            << S("too_long");
        QTest::newRow("signature text")
            << S("signature") << QJsonValue(S("sig")) << S("signature") << S("type");
        QTest::newRow("signature alg")
            << S("signature")
            << QJsonValue(QJsonObject{
                   {S("alg"), S("rsa")}, {S("public_key"), S("AA==")}, {S("sig"), S("AA==")}})
            << S("signature.alg") << S("invalid");
        QTest::newRow("signature sig missing")
            << S("signature")
            << QJsonValue(QJsonObject{{S("alg"), S("ed25519")}, {S("public_key"), S("AA==")}})
            << S("signature.sig") << S("required");
    }
    void validation()
    {
        QFETCH(QString, field);
        QFETCH(QJsonValue, value);
        QFETCH(QString, path);
        QFETCH(QString, issue);
        QJsonObject b = body(projA, S("v"));
        if (value.isUndefined())
            b.remove(field);
        else
            b.insert(field, value);
        RunService runs(s->ctx);
        auto r = runs.sync(s->actor(alice), b);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Validation);
        QVERIFY2(hasDetail(r.error(), path, issue), why(r).constData());
        QCOMPARE(s->count(S("runs")), 0);
        QCOMPARE(s->auditCount(S("run.sync")), 0);
    }

    void validationReportsEveryBadField()
    {
        QJsonObject b{
            {S("client_run_id"), 5},
            {S("status"), S("nope")},
            {S("metrics"),
             QJsonArray{QJsonObject{{S("name"), S("loss")}, {S("step"), S("x")}, {S("value"), 1}},
                        QJsonObject{{S("name"), 3}, {S("step"), 0}, {S("value"), S("y")}}}}};
        RunService runs(s->ctx);
        auto r = runs.sync(s->actor(alice), b);
        QVERIFY(!r.ok());
        const Error &e = r.error();
        QVERIFY(hasDetail(e, S("project_id"), S("required")));
        QVERIFY(hasDetail(e, S("client_run_id"), S("type")));
        // name may be left out of a later sync: only a first sync needs it (tst_growing_runs).
        QVERIFY(hasDetail(e, S("status"), S("invalid")));
        QVERIFY(hasDetail(e, S("metrics.0.step"), S("type")));
        QVERIFY(hasDetail(e, S("metrics.1.name"), S("type")));
        QVERIFY(hasDetail(e, S("metrics.1.value"), S("type")));
        QCOMPARE(e.details.size(), 6);
    }

    void tooManyMetricPointsIsRefused()
    {
        QJsonArray points;
        for (int i = 0; i <= int(SyncRequest::kMaxMetricPoints); ++i)
            points.append(QJsonObject{{S("name"), S("m")}, {S("step"), i}, {S("value"), 0.0}});
        QJsonObject b = body(projA, S("big"));
        b.insert(S("metrics"), points);
        RunService runs(s->ctx);
        auto r = runs.sync(s->actor(alice), b);
        QVERIFY(!r.ok());
        QVERIFY(hasDetail(r.error(), S("metrics"), S("too_long")));
    }

    void manyMetricPointsAreStoredInChunks()
    {
        // Two series of more than one chunk each.
        const int n = int(metricstore::kChunkPoints) * 2 + 7;
        QJsonArray points;
        for (int i = 0; i < n; ++i)
            points.append(QJsonObject{
                {S("name"), i % 2 ? S("a") : S("b")}, {S("step"), i}, {S("value"), i * 0.5}});
        QJsonObject b = body(projA, S("chunks"));
        b.insert(S("metrics"), points);
        const Run run = sync(b);
        QCOMPARE(run.metricCount, n);
        QCOMPARE(s->metricPoints(), n);
        QCOMPARE(s->count(S("run_metric_chunks")), 4);
        auto a = metricstore::series(s->db->connection(), run.id, S("a"));
        QVERIFY(a.ok());
        QCOMPARE(qsizetype(a->size()), qsizetype(n / 2));
        for (qsizetype i = 0; i < qsizetype(a->size()); ++i) {
            QCOMPARE((*a)[size_t(i)].step, qint64(2 * i + 1));
            QCOMPARE((*a)[size_t(i)].value, (2 * i + 1) * 0.5);
        }
    }

    void remainderShapesStoreEveryPoint()
    {
        // 511 = 256 + 128 + ... + 1: every remainder statement shape once.
        const int n = 511;
        QJsonArray points;
        for (int i = 0; i < n; ++i)
            points.append(QJsonObject{{S("name"), S("m")}, {S("step"), i * 3}, {S("value"), i / 7.0}});
        QJsonObject b = body(projA, S("shapes"));
        b.insert(S("metrics"), points);
        const Run run = sync(b);
        auto stored = metricstore::series(s->db->connection(), run.id, S("m"));
        QVERIFY(stored.ok());
        int i = 0;
        for (const chunk::Point &p : *stored) {
            QCOMPARE(p.step, qint64(i) * 3);
            QCOMPARE(p.value, i / 7.0);
            ++i;
        }
        QCOMPARE(i, n);
        QCOMPARE(s->count(S("run_metric_rollups")), 0); // short series keep no rollup
    }

    void groupCommitRunsWaitingJobsAsOneBatch()
    {
        GroupCommit group(64);
        std::mutex m;
        QList<QList<int>> batches;
        struct Numbered : GroupCommit::Job
        {
            int n = 0;
        };
        std::atomic<bool> releaseFirst{false};
        std::atomic<int> done{0};
        auto runner = [&](const QList<GroupCommit::Job *> &jobs) {
            QList<int> ns;
            for (auto *j : jobs)
                ns.append(static_cast<Numbered *>(j)->n);
            {
                std::lock_guard lock(m);
                batches.append(ns);
            }
            // The first batch holds the lead until three more jobs wait.
            while (ns == QList<int>{0} && !releaseFirst)
                std::this_thread::yield();
        };
        std::thread first([&] {
            Numbered j;
            group.submit(j, runner);
            done += j.done ? 1 : 0;
        });
        while ([&] { std::lock_guard lock(m); return batches.isEmpty(); }())
            std::this_thread::yield();
        std::vector<std::thread> others;
        for (int n = 1; n <= 3; ++n) {
            others.emplace_back([&, n] {
                Numbered j;
                j.n = n;
                group.submit(j, runner);
                done += j.done ? 1 : 0;
            });
        }
        while (group.pending() < 3)
            std::this_thread::yield();
        releaseFirst = true;
        first.join();
        for (auto &t : others)
            t.join();
        QCOMPARE(done.load(), 4);
        QCOMPARE(batches.size(), 2);
        QCOMPARE(batches.at(0), QList<int>{0});
        QList<int> second = batches.at(1);
        std::sort(second.begin(), second.end());
        QCOMPARE(second, (QList<int>{1, 2, 3}));
        QCOMPARE(group.pending(), 0);
    }

    void concurrentSyncsOnOneServiceAreIsolatedAndChained()
    {
        // 16 callers on one RunService, as the server's request threads are:
        // their syncs share group-commit batches. Failures stay with their sync,
        // a client_run_id sent by many is created once, the chain verifies.
        constexpr int kThreads = 16, kEach = 6;
        RunService runs(s->ctx);
        std::latch start(kThreads);
        std::atomic<int> created{0}, existing{0}, refused{0}, other{0};
        std::mutex idsLock;
        QSet<QString> sharedIds;
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                start.arrive_and_wait();
                for (int i = 0; i < kEach; ++i) {
                    const int kind = (t + i) % 3;
                    QJsonObject b = kind == 0   ? body(projA, S("shared"))
                                    : kind == 1 ? body(projB, S("not-mine-%1-%2").arg(t).arg(i))
                                                : body(projA, S("own-%1-%2").arg(t).arg(i));
                    auto r = runs.sync(s->actor(alice), b);
                    if (kind == 1) {
                        (!r.ok() && r.error().code == ErrorCode::NotFound ? refused : other)++;
                        continue;
                    }
                    if (!r.ok()) {
                        ++other;
                        continue;
                    }
                    (r->created ? created : existing)++;
                    if (kind == 0) {
                        std::lock_guard lock(idsLock);
                        sharedIds.insert(r->run.id);
                    }
                }
            });
        }
        for (auto &th : threads)
            th.join();
        int shared = 0, foreign = 0, own = 0;
        for (int t = 0; t < kThreads; ++t)
            for (int i = 0; i < kEach; ++i)
                ++((t + i) % 3 == 0 ? shared : (t + i) % 3 == 1 ? foreign : own);
        QCOMPARE(other.load(), 0);
        QCOMPARE(refused.load(), foreign);
        QCOMPARE(created.load(), own + 1);
        QCOMPARE(existing.load(), shared - 1);
        QCOMPARE(sharedIds.size(), 1);
        QCOMPARE(s->count(S("runs")), own + 1);
        QCOMPARE(s->metricPoints(), 3 * (own + 1));
        QCOMPARE(s->auditCount(S("run.sync")), own + 1);
        const AuditVerdict v = AuditService(s->ctx).verify();
        QVERIFY2(v.ok, qPrintable(v.reason));
    }

    void syncNeedsAccessToTheProject()
    {
        RunService runs(s->ctx);
        // Unknown project, and a project of a workspace alice is not in.
        QCOMPARE(runs.sync(s->actor(alice), body(ids::newUuid(), S("x"))).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(runs.sync(s->actor(alice), body(projB, S("x"))).error().code, ErrorCode::NotFound);
        // A key scoped to another of alice's workspaces does not reach projA.
        WorkspaceService ws(s->ctx);
        const QString wsC = ws.create(s->actor(alice), S("C"))->id;
        Actor scoped = s->actor(alice);
        scoped.keyWorkspaceId = wsC;
        QCOMPARE(runs.sync(scoped, body(projA, S("x"))).error().code, ErrorCode::NotFound);
        QCOMPARE(s->count(S("runs")), 0);
        QCOMPARE(s->auditCount(S("run.sync")), 0);
    }

    void viewerCannotSync()
    {
        join(S("viewer"));
        RunService runs(s->ctx);
        QCOMPARE(runs.sync(s->actor(bob), body(projA, S("x"))).error().code, ErrorCode::Forbidden);
        QCOMPARE(s->count(S("runs")), 0);
    }

    void restrictedUserCannotSync()
    {
        Query q(s->db->connection(), S("UPDATE users SET restricted = 1 WHERE id = :u"));
        q.bind(S(":u"), alice);
        QVERIFY(q.exec());
        RunService runs(s->ctx);
        QCOMPARE(runs.sync(s->actor(alice), body(projA, S("x"))).error().code,
                 ErrorCode::Forbidden);
        QCOMPARE(s->count(S("runs")), 0);
    }

    void evidenceVerifiedForJcsSignature()
    {
        RunService runs(s->ctx);
        const Run run = sync(signedBody(S("signed"), false));
        QCOMPARE(run.evidence, S("verified"));
        QCOMPARE(runs.get(s->actor(alice), run.id)->evidence, S("verified"));
        auto sig = runs.signature(s->actor(alice), run.id);
        QVERIFY2(sig.ok(), why(sig).constData());
        QVERIFY(sig->present);
        QVERIFY(sig->verified);
        QCOMPARE(sig->alg, S("ed25519"));
        const QJsonObject m = runs.manifest(s->actor(alice), run.id).value();
        QCOMPARE(sig->signedSha256, crypto::sha256Hex(jcs::canonicalize(m)));
        const QJsonObject j = sig->toJson();
        QCOMPARE(j.value(S("evidence")).toString(), S("verified"));
        QVERIFY(!j.value(S("public_key")).toString().isEmpty());
        auto mapping = runs.complianceMapping(s->actor(alice), run.id);
        QVERIFY(mapping.ok());
        bool integrity = false;
        for (const auto &c : *mapping) {
            if (c.control == QLatin1String("integrity.signature"))
                integrity = c.status == QLatin1String("satisfied");
        }
        QVERIFY(integrity);
    }

    void evidenceUnverifiedForWrongSignature()
    {
        RunService runs(s->ctx);
        const Run run = sync(signedBody(S("tampered"), true));
        QCOMPARE(run.evidence, S("unverified"));
        auto sig = runs.signature(s->actor(alice), run.id);
        QVERIFY(sig->present);
        QVERIFY(!sig->verified);
        QCOMPARE(s->count(S("run_signatures")), 1);
        const auto mapping = runs.complianceMapping(s->actor(alice), run.id);
        QVERIFY(mapping.ok());
        for (const auto &c : mapping.value()) {
            if (c.control == QLatin1String("integrity.signature"))
                QCOMPARE(c.status, S("not_satisfied"));
        }
    }

    void evidenceUnverifiedForUndecodableSignature_data()
    {
        QTest::addColumn<QString>("publicKey");
        QTest::addColumn<QString>("sig");
        const QString key32 = QString::fromLatin1(QByteArray(32, 'k').toBase64());
        const QString sig64 = QString::fromLatin1(QByteArray(64, 's').toBase64());
        QTest::newRow("key not base64") << S("not base64!") << sig64;
        QTest::newRow("key unpadded") << key32.chopped(1) << sig64;
        QTest::newRow("key base64url")
            << QString::fromLatin1(QByteArray(32, '\xff').toBase64(QByteArray::Base64UrlEncoding))
            << sig64;
        QTest::newRow("key 31 bytes")
            << QString::fromLatin1(QByteArray(31, 'k').toBase64()) << sig64;
        QTest::newRow("sig 63 bytes")
            << key32 << QString::fromLatin1(QByteArray(63, 's').toBase64());
    }
    void evidenceUnverifiedForUndecodableSignature()
    {
        QFETCH(QString, publicKey);
        QFETCH(QString, sig);
        QJsonObject b = body(projA, S("odd"));
        b.insert(
            S("signature"),
            QJsonObject{{S("alg"), S("ed25519")}, {S("public_key"), publicKey}, {S("sig"), sig}});
        RunService runs(s->ctx);
        auto r = runs.sync(s->actor(alice), b);
        QVERIFY2(r.ok(), why(r).constData());
        QCOMPARE(r->run.evidence, S("unverified"));
        QCOMPARE(runs.signature(s->actor(alice), r->run.id)->publicKey, publicKey);
    }

    void unsignedRunSignatureReadSaysUnsigned()
    {
        RunService runs(s->ctx);
        const Run run = sync(body(projA, S("u")));
        auto sig = runs.signature(s->actor(alice), run.id);
        QVERIFY(sig.ok());
        QVERIFY(!sig->present);
        QCOMPARE(sig->toJson().value(S("evidence")).toString(), S("unsigned"));
        QCOMPARE(sig->toJson().value(S("signature")).type(), QJsonValue::Null);
    }

    void complianceMappingFollowsTheRun()
    {
        RunService runs(s->ctx);
        const Run full = sync(body(projA, S("full")));
        auto m = runs.complianceMapping(s->actor(alice), full.id);
        QVERIFY(m.ok());
        QMap<QString, QString> status;
        for (const auto &c : *m) {
            QCOMPARE(c.framework, RunService::kFramework);
            QVERIFY(!c.evidence.isEmpty());
            status.insert(c.control, c.status);
        }
        QCOMPARE(status.value(S("integrity.signature")), S("not_satisfied"));
        QCOMPARE(status.value(S("provenance.manifest")), S("satisfied"));
        QCOMPARE(status.value(S("reproducibility.metrics")), S("satisfied"));
        QCOMPARE(status.value(S("audit.logged")), S("satisfied"));
        const Run bare = sync(QJsonObject{
            {S("project_id"), projA}, {S("client_run_id"), S("bare")}, {S("name"), S("b")}});
        QMap<QString, QString> bareStatus;
        const auto bareMapping = runs.complianceMapping(s->actor(alice), bare.id);
        QVERIFY(bareMapping.ok());
        for (const auto &c : bareMapping.value())
            bareStatus.insert(c.control, c.status);
        QCOMPARE(bareStatus.value(S("provenance.manifest")), S("not_satisfied"));
        QCOMPARE(bareStatus.value(S("reproducibility.metrics")), S("not_satisfied"));
    }

    void concurrentSyncsOfOneClientRunIdCreateOneRun()
    {
        constexpr int kThreads = 6;
        const QJsonObject b = body(projA, S("race"));
        std::latch start(kThreads);
        std::atomic<int> created{0}, failed{0};
        QStringList ids[kThreads];
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                RunService runs(s->ctx); // each thread uses its own connection
                start.arrive_and_wait();
                auto r = runs.sync(s->actor(alice), b);
                if (!r.ok()) {
                    ++failed;
                    return;
                }
                if (r->created)
                    ++created;
                ids[t] << r->run.id;
            });
        }
        for (auto &th : threads)
            th.join();
        QCOMPARE(failed.load(), 0);
        QCOMPARE(created.load(), 1);
        QSet<QString> distinct;
        for (const auto &l : ids)
            distinct.insert(l.value(0));
        QCOMPARE(distinct.size(), 1);
        QCOMPARE(s->count(S("runs")), 1);
        QCOMPARE(s->metricPoints(), 3);
        QCOMPARE(s->auditCount(S("run.sync")), 1);
    }

    void listFilters()
    {
        RunService runs(s->ctx);
        WorkspaceService ws(s->ctx);
        const QString other = ws.createProject(s->actor(alice), wsA, S("other"))->id;
        QJsonObject failedRun = body(projA, S("f"), S("Cartpole failed"));
        failedRun.insert(S("status"), S("failed"));
        const Run f = sync(failedRun);
        const Run c = sync(body(projA, S("c"), S("dreamer 100%")));
        const Run o = sync(body(other, S("o"), S("other project")));
        const Run v = sync(signedBody(S("v"), false));
        auto ids = [&](const RunFilter &filter) {
            QStringList out;
            auto page = runs.list(s->actor(alice), filter, 50, {});
            if (!page.ok())
                qFatal("list failed: %s", why(page).constData());
            for (const auto &r : page->items)
                out << r.id;
            return out;
        };
        QCOMPARE(ids({}).size(), 4);
        QCOMPARE(ids({wsA, {}, {}, {}, {}}).size(), 4);
        QCOMPARE(ids({{}, projA, {}, {}, {}}).size(), 3);
        QCOMPARE(ids({{}, other, {}, {}, {}}), QStringList{o.id});
        QCOMPARE(ids({wsA, {}, S("failed"), {}, {}}), QStringList{f.id});
        QCOMPARE(ids({{}, projA, S("failed"), {}, {}}), QStringList{f.id});
        QCOMPARE(ids({{}, {}, {}, S("verified"), {}}), QStringList{v.id});
        QCOMPARE(ids({{}, {}, {}, S("unsigned"), {}}).size(), 3);
        QCOMPARE(ids({{}, {}, {}, {}, S("CARTPOLE")}), QStringList{f.id});
        QCOMPARE(ids({{}, {}, {}, {}, S("100%")}), QStringList{c.id}); // % is literal
        QCOMPARE(ids({{}, {}, {}, {}, S("_")}).size(), 0);             // _ is literal
        QCOMPARE(runs.list(s->actor(alice), {wsB, {}, {}, {}, {}}, 50, {}).error().code,
                 ErrorCode::NotFound);
    }

    void listRefusesBadInput()
    {
        RunService runs(s->ctx);
        QCOMPARE(runs.list(s->actor(alice), {}, 0, {}).error().code, ErrorCode::Validation);
        QCOMPARE(runs.list(s->actor(alice), {}, 201, {}).error().code, ErrorCode::Validation);
        QCOMPARE(runs.list(s->actor(alice), {}, 50, S("bogus")).error().code,
                 ErrorCode::Validation);
        auto bad = runs.list(s->actor(alice), {S("x"), {}, S("done"), S("maybe"), {}}, 50, {});
        QCOMPARE(bad.error().code, ErrorCode::Validation);
        QVERIFY(hasDetail(bad.error(), S("workspace_id"), S("invalid")));
        QVERIFY(hasDetail(bad.error(), S("status"), S("invalid")));
        QVERIFY(hasDetail(bad.error(), S("evidence"), S("invalid")));
    }

    void listKeysetPagingAcrossEqualTimestamps()
    {
        for (int i = 0; i < 9; ++i) {
            sync(body(projA, S("k%1").arg(i), S("r%1").arg(i)));
            if (i % 3 == 2)
                s->clock.advanceMs(1); // three runs share each millisecond
        }
        RunService runs(s->ctx);
        QList<Run> seen;
        QString cur;
        int pages = 0;
        do {
            auto p = runs.list(s->actor(alice), {{}, projA, {}, {}, {}}, 2, cur);
            QVERIFY2(p.ok(), why(p).constData());
            seen << p->items;
            cur = p->nextCursor;
            ++pages;
        } while (!cur.isEmpty() && pages < 20);
        QCOMPARE(pages, 5);
        QCOMPARE(seen.size(), 9);
        QSet<QString> distinct;
        for (int i = 0; i < seen.size(); ++i) {
            distinct.insert(seen[i].id);
            if (i > 0) {
                const Run &a = seen[i - 1], &b = seen[i];
                QVERIFY(a.createdAt > b.createdAt || (a.createdAt == b.createdAt && a.id > b.id));
            }
        }
        QCOMPARE(distinct.size(), 9);
        // The newest millisecond holds r6, r7 and r8.
        const QSet<QString> newest{seen[0].name, seen[1].name, seen[2].name};
        QCOMPARE(newest, (QSet<QString>{S("r6"), S("r7"), S("r8")}));
    }

    void listMergesTheCallersWorkspaces()
    {
        WorkspaceService ws(s->ctx);
        const QString wsC = ws.create(s->actor(alice), S("C"))->id;
        const QString projC = ws.createProject(s->actor(alice), wsC, S("pc"))->id;
        QStringList expected;
        for (int i = 0; i < 8; ++i) {
            expected.prepend(sync(body(i % 3 ? projA : projC, S("m%1").arg(i))).id);
            if (i % 2)
                s->clock.advanceMs(1);
        }
        sync(body(projB, S("bob's")), bob);
        RunService runs(s->ctx);
        QStringList seen;
        QList<Run> rows;
        QString cur;
        do {
            auto p = runs.list(s->actor(alice), {}, 3, cur);
            QVERIFY2(p.ok(), why(p).constData());
            for (const auto &r : p->items)
                seen << r.id;
            rows << p->items;
            cur = p->nextCursor;
        } while (!cur.isEmpty() && seen.size() < 20);
        QCOMPARE(seen.size(), 8);
        // Newest first across both workspaces; ties within a millisecond by id.
        for (int i = 1; i < rows.size(); ++i)
            QVERIFY(rows[i - 1].createdAt > rows[i].createdAt ||
                    (rows[i - 1].createdAt == rows[i].createdAt && rows[i - 1].id > rows[i].id));
        QCOMPARE(QSet<QString>(seen.begin(), seen.end()),
                 QSet<QString>(expected.begin(), expected.end()));
        Actor scoped = s->actor(alice);
        scoped.keyWorkspaceId = wsC;
        auto onlyC = runs.list(scoped, {}, 50, {});
        QCOMPARE(onlyC->items.size(), 3);
        for (const auto &r : onlyC->items)
            QCOMPARE(r.workspaceId, wsC);
    }

    void otherWorkspacesRunsAreNotFound()
    {
        RunService runs(s->ctx);
        const Run run = sync(signedBody(S("secret"), false));
        const Actor b = s->actor(bob);
        QCOMPARE(runs.get(b, run.id).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.manifest(b, run.id).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.metricNames(b, run.id).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.metrics(b, run.id, {}, 50, {}).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.metricSeries(b, run.id, S("loss"), 10).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.log(b, run.id, 0).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.signature(b, run.id).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.complianceMapping(b, run.id).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.remove(b, run.id).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.list(b, {wsA, {}, {}, {}, {}}, 50, {}).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.list(b, {{}, projA, {}, {}, {}}, 50, {}).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.list(b, {}, 50, {})->items.size(), 0);
        // The same for alice through a key scoped to bob's... she has none there;
        // a key scoped to another of her own workspaces:
        WorkspaceService ws(s->ctx);
        Actor scoped = s->actor(alice);
        scoped.keyWorkspaceId = ws.create(s->actor(alice), S("C"))->id;
        QCOMPARE(runs.get(scoped, run.id).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.remove(scoped, run.id).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.get(s->actor(alice), S("not-a-uuid")).error().code, ErrorCode::NotFound);
        QCOMPARE(s->count(S("runs")), 1);
    }

    void getCarriesMetricNames()
    {
        RunService runs(s->ctx);
        const Run run = sync(body(projA, S("g")));
        auto got = runs.get(s->actor(alice), run.id);
        QVERIFY(got.ok());
        QCOMPARE(got->toJson().value(S("metric_names")).toArray(),
                 (QJsonArray{S("loss"), S("reward")}));
        QCOMPARE(runs.metricNames(s->actor(alice), run.id).value(),
                 (QStringList{S("loss"), S("reward")}));
        QVERIFY(!run.toJson().contains(S("metric_names")));
    }

    void removeDeletesRunAndItsRows()
    {
        RunService runs(s->ctx);
        const Run run = sync(signedBody(S("gone"), false));
        join(S("viewer"));
        QCOMPARE(runs.remove(s->actor(bob), run.id).error().code, ErrorCode::Forbidden);
        QVERIFY(runs.remove(s->actor(alice), run.id).ok());
        QCOMPARE(runs.get(s->actor(alice), run.id).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.remove(s->actor(alice), run.id).error().code, ErrorCode::NotFound);
        QCOMPARE(s->auditCount(S("run.delete")), 1);
        for (const char *t :
             {"runs", "run_metric_chunks", "run_metric_rollups", "run_logs", "run_signatures", "compliance_mappings"})
            QCOMPARE(s->count(S(t)), 0);
        // The client may sync the same client_run_id again: it is a new run.
        QVERIFY(sync(signedBody(S("gone"), false)).id != run.id);
    }

    void manifestRoundTrips()
    {
        RunService runs(s->ctx);
        QJsonObject b = body(projA, S("m"));
        const QJsonObject manifest{
            {S("env"), QJsonObject{{S("name"), S("cartpole")}, {S("steps"), 1000}}},
            {S("tags"), QJsonArray{S("a"), S("ü")}},
            {S("lr"), 0.0003}};
        b.insert(S("manifest"), manifest);
        const Run run = sync(b);
        QCOMPARE(runs.manifest(s->actor(alice), run.id).value(), manifest);
    }

    void metricsPageByNameAndStep()
    {
        QJsonArray points;
        for (int i = 0; i < 5; ++i) {
            points.append(QJsonObject{
                {S("name"), S("loss")}, {S("step"), i * 10}, {S("value"), 1.0 / (i + 1)}});
            points.append(
                QJsonObject{{S("name"), S("acc")}, {S("step"), i}, {S("value"), i * 0.1}});
        }
        QJsonObject b = body(projA, S("mp"));
        b.insert(S("metrics"), points);
        const Run run = sync(b);
        RunService runs(s->ctx);
        // One metric.
        QList<MetricPoint> loss;
        QString cur;
        do {
            auto p = runs.metrics(s->actor(alice), run.id, S("loss"), 2, cur);
            QVERIFY2(p.ok(), why(p).constData());
            loss << p->items;
            cur = p->nextCursor;
        } while (!cur.isEmpty() && loss.size() < 20);
        QCOMPARE(loss.size(), 5);
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(loss[i].step, i * 10);
            QCOMPARE(loss[i].value, 1.0 / (i + 1));
        }
        // Every metric, ordered by name then step, pages crossing names.
        QStringList all;
        cur.clear();
        QString firstCursor;
        do {
            auto p = runs.metrics(s->actor(alice), run.id, {}, 3, cur);
            QVERIFY2(p.ok(), why(p).constData());
            for (const auto &m : p->items)
                all << m.name + S("/") + QString::number(m.step);
            cur = p->nextCursor;
            if (firstCursor.isEmpty())
                firstCursor = cur;
        } while (!cur.isEmpty() && all.size() < 20);
        QCOMPARE(all, (QStringList{S("acc/0"), S("acc/1"), S("acc/2"), S("acc/3"), S("acc/4"),
                                   S("loss/0"), S("loss/10"), S("loss/20"), S("loss/30"),
                                   S("loss/40")}));
        QCOMPARE((MetricPoint{S("loss"), 0, 1.25}.toJson().value(S("value")).toDouble()), 1.25);
        // A cursor of one metric is not valid for another.
        QCOMPARE(runs.metrics(s->actor(alice), run.id, S("loss"), 3, firstCursor).error().code,
                 ErrorCode::Validation);
        QCOMPARE(runs.metrics(s->actor(alice), run.id, {}, 0, {}).error().code,
                 ErrorCode::Validation);
    }

    void metricSeriesIsDownsampledKeepingEnds()
    {
        const int n = 5000;
        QJsonArray points;
        for (int i = 0; i < n; ++i)
            points.append(QJsonObject{{S("name"), S("loss")},
                                      {S("step"), i},
                                      {S("value"), std::sin(i / 50.0) + (i == 2345 ? 10 : 0)}});
        QJsonObject b = body(projA, S("series"));
        b.insert(S("metrics"), points);
        const Run run = sync(b);
        RunService runs(s->ctx);
        auto series = runs.metricSeries(s->actor(alice), run.id, S("loss"), 200);
        QVERIFY2(series.ok(), why(series).constData());
        QVERIFY(series->size() <= 200);
        QVERIFY(series->size() >= 150);
        QCOMPARE(series->first().step, 0);
        QCOMPARE(series->last().step, n - 1);
        bool spike = false;
        for (int i = 0; i < series->size(); ++i) {
            if (i > 0)
                QVERIFY(series->at(i).step > series->at(i - 1).step);
            spike = spike || series->at(i).step == 2345;
        }
        QVERIFY(spike); // LTTB keeps a lone outlier
        auto whole = runs.metricSeries(s->actor(alice), run.id, S("reward"), 200);
        QCOMPARE(whole->size(), 0);
        QCOMPARE(runs.metricSeries(s->actor(alice), run.id, S("loss"), 1).error().code,
                 ErrorCode::Validation);
        QCOMPARE(runs.metricSeries(s->actor(alice), run.id, {}, 100).error().code,
                 ErrorCode::Validation);
    }

    void rollupLevelsKeepEveryBucketsExtremes()
    {
        QList<SeriesPoint> points;
        for (int i = 0; i < 10000; ++i)
            points.append({qint64(i) * 2, std::sin(i / 30.0) + ((i * 7919) % 13) * 0.01});
        QCOMPARE(rollup::build(points.mid(0, int(rollup::kMinPoints))).size(), 0);
        const QList<rollup::Level> levels = rollup::build(points);
        // 10,000 points: 625, 157, 40 and 10 buckets at levels 4, 6, 8, 10; level 12 would have 3.
        QList<int> ks;
        for (const auto &l : levels)
            ks.append(l.level);
        QCOMPARE(ks, (QList<int>{4, 6, 8, 10}));
        for (const auto &l : levels) {
            const QList<SeriesPoint> kept = rollup::unpack(l.data);
            QCOMPARE(kept, rollup::m4(points, qsizetype(1) << l.level));
            const qsizetype size = qsizetype(1) << l.level;
            QVERIFY(kept.size() <= 4 * ((points.size() + size - 1) / size));
            // Each bucket's first, last, lowest and highest value are kept, in step order.
            qsizetype at = 0;
            for (qsizetype b = 0; b < points.size(); b += size) {
                const auto bucket = points.mid(b, size);
                double lo = bucket.first().value, hi = lo;
                for (const auto &p : bucket) {
                    lo = std::min(lo, p.value);
                    hi = std::max(hi, p.value);
                }
                QList<SeriesPoint> mine;
                while (at < kept.size() && kept.at(at).step <= bucket.last().step)
                    mine.append(kept.at(at++));
                QCOMPARE(mine.first(), bucket.first());
                QCOMPARE(mine.last(), bucket.last());
                bool hasLo = false, hasHi = false;
                for (const auto &p : mine) {
                    QVERIFY(bucket.contains(p));
                    hasLo = hasLo || p.value == lo;
                    hasHi = hasHi || p.value == hi;
                }
                QVERIFY(hasLo && hasHi);
            }
            QCOMPARE(at, kept.size());
        }
        QCOMPARE(rollup::unpack(rollup::pack(points)), points);
        QVERIFY(rollup::unpack(QByteArray(15, 'x')).isEmpty());
        // The coarsest level with at least 2 * maxPoints buckets, else none.
        QCOMPARE(rollup::choose(10000, ks, 100), 4);  // 625 buckets >= 200; level 6 has 157
        QCOMPARE(rollup::choose(10000, ks, 21), 6);   // 157 >= 42; level 8 has 40
        QCOMPARE(rollup::choose(10000, ks, 20), 8);   // 40 >= 40
        QCOMPARE(rollup::choose(10000, ks, 5), 10);   // 10 >= 10
        QCOMPARE(rollup::choose(10000, ks, 313), -1); // 625 < 626: every point
        QCOMPARE(rollup::choose(10000, {}, 20), -1);
    }

    void longSeriesIsThinnedFromItsRollupExactly()
    {
        // 40,000 points sent out of order, with outliers: the rollup is written
        // at sync, and a chart is LTTB over the M4 points of the chosen level.
        const int n = 40000;
        QList<SeriesPoint> points;
        for (int i = 0; i < n; ++i)
            points.append({qint64(i) * 5, std::cos(i / 400.0) * 3 + double((qint64(i) * 104729) % 97) / 97.0 +
                                             (i % 9973 == 17 ? 25.0 : 0.0)});
        QJsonArray sent;
        for (int i = 0; i < n; ++i) {
            const auto &p = points.at((i * 7) % n); // 7 is prime to 40,000: a permutation
            sent.append(QJsonObject{{S("name"), S("loss")}, {S("step"), p.step}, {S("value"), p.value}});
        }
        sent.append(QJsonObject{{S("name"), S("short")}, {S("step"), 1}, {S("value"), 2}});
        QJsonObject b = body(projA, S("long-series"));
        b.insert(S("metrics"), sent);
        const Run run = sync(b);
        // Levels 4, 6, ..., 12 of "loss" (ceil(40000 / 2^14) = 3 < 4); none for "short".
        QCOMPARE(s->count(S("run_metric_rollups")), 5);
        RunService runs(s->ctx);
        auto thin = [&](int maxPoints) {
            auto r = runs.metricSeries(s->actor(alice), run.id, S("loss"), maxPoints);
            if (!r.ok())
                qFatal("series: %s", why(r).constData());
            return *r;
        };
        // 500 points: level 4 has 2,500 buckets >= 1,000, level 6 625 < 1,000.
        QCOMPARE(thin(500), downsample::lttb(rollup::m4(points, 16), 500));
        // 2,000 points: no level has 4,000 buckets; every point, as without a rollup.
        QCOMPARE(thin(2000), downsample::lttb(points, 2000));
        // 10 points: level 10 (40 buckets >= 20; level 12 has 10).
        QCOMPARE(thin(10), downsample::lttb(rollup::m4(points, 1024), 10));
        // The outliers survive the thinning to 500 as they do without a rollup.
        const auto five = thin(500);
        for (int i = 17; i < n; i += 9973) {
            bool kept = false;
            for (const auto &p : five)
                kept = kept || p.step == qint64(i) * 5;
            QVERIFY2(kept, qPrintable(S("outlier at %1").arg(i)));
        }
        // Rebuilding from the stored points gives the same rows; deleting the
        // run deletes them.
        QVERIFY(runs.rebuildRollups(run.id).ok());
        QCOMPARE(s->count(S("run_metric_rollups")), 5);
        QCOMPARE(thin(500), downsample::lttb(rollup::m4(points, 16), 500));
        QVERIFY(runs.remove(s->actor(alice), run.id).ok());
        QCOMPARE(s->count(S("run_metric_rollups")), 0);
    }

    void lttbBounds_data()
    {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("maxPoints");
        QTest::newRow("fits") << 10 << 10;
        QTest::newRow("two") << 100 << 2;
        QTest::newRow("three") << 100 << 3;
        QTest::newRow("just over") << 11 << 10;
        QTest::newRow("long") << 100003 << 997;
    }
    void lttbBounds()
    {
        QFETCH(int, n);
        QFETCH(int, maxPoints);
        QList<SeriesPoint> in;
        for (int i = 0; i < n; ++i)
            in.append({qint64(i) * 3, double((i * 7919) % 101)});
        const auto out = downsample::lttb(in, maxPoints);
        QCOMPARE(out.size(), std::min(n, maxPoints));
        QCOMPARE(out.first().step, in.first().step);
        QCOMPARE(out.last().step, in.last().step);
        for (int i = 1; i < out.size(); ++i)
            QVERIFY(out[i].step > out[i - 1].step);
    }

    void logSlicesByUtf8Bytes()
    {
        // "é" and "€" are 2 and 3 bytes in UTF-8.
        const QString text = S("abé€xyz\n") + QString(100, QLatin1Char('L'));
        QJsonObject b = body(projA, S("log"));
        b.insert(S("log"), text);
        const Run run = sync(b);
        QCOMPARE(run.logBytes, text.toUtf8().size());
        RunService runs(s->ctx);
        auto first = runs.log(s->actor(alice), run.id, 0, 4); // "ab" + "é" = 4 bytes
        QVERIFY2(first.ok(), why(first).constData());
        QCOMPARE(first->content, S("abé"));
        QCOMPARE(first->totalBytes, text.toUtf8().size());
        QCOMPARE(first->nextOffset, 4);
        auto second = runs.log(s->actor(alice), run.id, 4, 2); // "€" does not fit in 2: taken whole
        QCOMPARE(second->content, S("€"));
        QCOMPARE(second->nextOffset, 7);
        auto inside = runs.log(s->actor(alice), run.id, 5, 3); // inside "€": starts after it
        QCOMPARE(inside->offset, 7);
        QCOMPARE(inside->content, S("xyz"));
        // Whole log by pages.
        QString joined;
        qint64 off = 0;
        int pages = 0;
        while (off >= 0 && pages < 100) {
            auto p = runs.log(s->actor(alice), run.id, off, 7);
            QVERIFY(p.ok());
            joined += p->content;
            off = p->nextOffset;
            ++pages;
        }
        QCOMPARE(joined, text);
        auto end = runs.log(s->actor(alice), run.id, 10000, 10);
        QVERIFY(end->content.isEmpty());
        QCOMPARE(end->toJson().value(S("next_offset")).type(), QJsonValue::Null);
        QCOMPARE(runs.log(s->actor(alice), run.id, -1).error().code, ErrorCode::Validation);
        QCOMPARE(runs.log(s->actor(alice), run.id, 0, 0).error().code, ErrorCode::Validation);
        // A run without a log answers an empty log.
        const Run bare = sync(QJsonObject{
            {S("project_id"), projA}, {S("client_run_id"), S("nolog")}, {S("name"), S("n")}});
        auto none = runs.log(s->actor(alice), bare.id, 0);
        QCOMPARE(none->totalBytes, 0);
        QVERIFY(none->content.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestRuns)
#include "tst_runs.moc"
