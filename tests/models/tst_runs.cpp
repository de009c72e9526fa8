// SPDX-License-Identifier: Apache-2.0
#include "TestStore.h"

#include "models/audit/AuditService.h"
#include "models/crypto/Jcs.h"
#include "models/runs/Downsample.h"
#include "models/runs/GroupCommit.h"
#include "models/runs/MetricStore.h"
#include "models/runs/RunService.h"
#include "models/runs/SeriesRollup.h"
#include "models/workspaces/WorkspaceService.h"

#include <QJsonArray>
#include <QSet>
#include <QSqlDriver>

#include <sqlite3.h>

#include <atomic>
#include <cmath>
#include <latch>
#include <mutex>
#include <thread>

using namespace Qt::StringLiterals;

using namespace wfx;
using wfxtest::why;

namespace {

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
                     const QString &name = u"dreamer-v3-seed-1"_s)
    {
        return QJsonObject{
            {u"project_id"_s, project},
            {u"client_run_id"_s, clientRunId},
            {u"name"_s, name},
            {u"status"_s, u"completed"_s},
            {u"started_at"_s, u"2026-11-01T10:00:00Z"_s},
            {u"finished_at"_s, u"2026-11-01T11:00:00Z"_s},
            {u"manifest"_s, QJsonObject{{u"algo"_s, u"dreamer-v3"_s}, {u"seed"_s, 1}}},
            {u"metrics"_s,
             QJsonArray{QJsonObject{{u"name"_s, u"loss"_s}, {u"step"_s, 0}, {u"value"_s, 1.25}},
                        QJsonObject{{u"name"_s, u"loss"_s}, {u"step"_s, 1}, {u"value"_s, 0.75}},
                        QJsonObject{{u"name"_s, u"reward"_s}, {u"step"_s, 0}, {u"value"_s, 3}}}},
            {u"log"_s, u"first line\nsecond line\n"_s}};
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
        const QJsonObject manifest{{u"model"_s, u"dreamer-v3"_s},
                                   {u"seed"_s, 7},
                                   {u"nested"_s, QJsonObject{{u"b"_s, 1}, {u"a"_s, u"é"_s}}}};
        const auto key = crypto::ed25519Generate();
        const QByteArray sig = crypto::ed25519Sign(key.privateKey, jcs::canonicalize(manifest));
        QJsonObject signedManifest = manifest;
        if (tamper)
            signedManifest.insert(u"seed"_s, 8);
        b.insert(u"manifest"_s, signedManifest);
        b.insert(u"signature"_s,
                 QJsonObject{{u"alg"_s, u"ed25519"_s},
                             {u"public_key"_s, QString::fromLatin1(key.publicKey.toBase64())},
                             {u"sig"_s, QString::fromLatin1(sig.toBase64())}});
        return b;
    }
    // bob joins alice's workspace with a role.
    void join(const QString &role)
    {
        WorkspaceService ws(s->ctx);
        auto inv = ws.invite(s->actor(alice), wsA, u"bob@example.com"_s, role);
        QVERIFY(inv.ok());
        QVERIFY(ws.acceptInvitation(s->actor(bob), inv->token).ok());
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(u"alice@example.com"_s);
        bob = s->createUser(u"bob@example.com"_s);
        WorkspaceService ws(s->ctx);
        wsA = ws.create(s->actor(alice), u"A"_s)->id;
        projA = ws.createProject(s->actor(alice), wsA, u"pa"_s)->id;
        wsB = ws.create(s->actor(bob), u"B"_s)->id;
        projB = ws.createProject(s->actor(bob), wsB, u"pb"_s)->id;
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
            b.remove(u"log"_s);
            QJsonArray metrics;
            for (int i = 0; i < 100; ++i)
                metrics.append(QJsonObject{
                    {u"name"_s, u"loss"_s}, {u"step"_s, i}, {u"value"_s, 1.0 / (i + 1)}});
            b.insert(u"metrics"_s, metrics);
            seen.clear();
            QCOMPARE(sqlite3_trace_v2(handle, SQLITE_TRACE_STMT, trace, &seen), SQLITE_OK);
            RunService runs(s->ctx);
            auto r = runs.sync(s->actor(alice), b);
            sqlite3_trace_v2(handle, 0, nullptr, nullptr);
            QVERIFY2(r.ok(), why(r).constData());
        };
        syncOne(u"count-1"_s);
        // BEGIN; project, membership, restriction; INSERT run; the series' last
        // value (run_metric_last); one chunk; the rollup levels; compliance in
        // one INSERT; the audit chain (3); COMMIT.
        QVERIFY2(seen.size() == 12, qPrintable(seen.join(QLatin1Char('\n'))));
        // A retry of the same client_run_id: the insert finds the run stored,
        // which is locked and compared (its manifest and signature, the chunks
        // the points fall in) and left as it is: nothing is written.
        syncOne(u"count-1"_s);
        QVERIFY2(seen.size() <= 9, qPrintable(seen.join(QLatin1Char('\n'))));
    }

    void syncStoresRunMetricsLogAndAudit()
    {
        RunService runs(s->ctx);
        const qint64 auditBefore = s->count(u"audit_log"_s);
        auto r = runs.sync(s->actor(alice), body(projA, u"c-1"_s));
        QVERIFY2(r.ok(), why(r).constData());
        QVERIFY(r->created);
        const Run &run = r->run;
        QVERIFY(ids::isUuid(run.id));
        QCOMPARE(run.workspaceId, wsA);
        QCOMPARE(run.evidence, u"unsigned"_s);
        QCOMPARE(run.metricCount, 3);
        const QJsonObject j = run.toJson();
        for (const char *k :
             {"id", "project_id", "workspace_id", "client_run_id", "name", "status", "started_at",
              "finished_at", "created_at", "evidence", "metric_count"})
            QVERIFY2(j.contains(QString::fromUtf8(k)), k);
        QCOMPARE(j.value(u"started_at"_s).toString(), u"2026-11-01T10:00:00.000Z"_s);
        QCOMPARE(s->count(u"runs"_s), 1);
        QCOMPARE(s->metricPoints(), 3);
        QCOMPARE(s->count(u"run_logs"_s), 1);
        QCOMPARE(s->count(u"run_signatures"_s), 0);
        QCOMPARE(s->count(u"compliance_mappings"_s), 4);
        QCOMPARE(s->auditCount(u"run.sync"_s), 1);
        QCOMPARE(s->count(u"audit_log"_s), auditBefore + 1);
        Query a(s->db->connection(),
                u"SELECT workspace_id, target_id FROM audit_log WHERE action = 'run.sync'"_s);
        QVERIFY(a.exec() && a.next());
        QCOMPARE(a.str(0), wsA);
        QCOMPARE(a.str(1), run.id);
    }

    void syncDefaultsAndOptionalFields()
    {
        RunService runs(s->ctx);
        auto r = runs.sync(s->actor(alice), QJsonObject{{u"project_id"_s, projA},
                                                        {u"client_run_id"_s, u"min"_s},
                                                        {u"name"_s, u"bare"_s}});
        QVERIFY2(r.ok(), why(r).constData());
        QCOMPARE(r->run.status, u"completed"_s);
        QVERIFY(!r->run.startedAt);
        QCOMPARE(r->run.toJson().value(u"finished_at"_s).type(), QJsonValue::Null);
        QCOMPARE(r->run.metricCount, 0);
        QCOMPARE(runs.manifest(s->actor(alice), r->run.id).value(), QJsonObject());
        QCOMPARE(s->count(u"run_logs"_s), 0);
    }

    void syncSameClientRunIdReturnsExistingAndWritesNothing()
    {
        RunService runs(s->ctx);
        auto first = runs.sync(s->actor(alice), body(projA, u"c-1"_s));
        QVERIFY(first.ok());
        const qint64 audit = s->count(u"audit_log"_s);
        s->clock.advanceMs(5000);
        auto again = runs.sync(s->actor(alice), body(projA, u"c-1"_s));
        QVERIFY2(again.ok(), why(again).constData());
        QVERIFY(!again->created);
        QCOMPARE(again->run.id, first->run.id);
        QCOMPARE(again->run.name, first->run.name);
        QCOMPARE(again->run.createdAt, first->run.createdAt);
        // The run is completed, so frozen (CONTRACT.md 3, Runs that grow): a
        // sync that would change it is a conflict and changes nothing.
        QJsonObject changed = body(projA, u"c-1"_s, u"another name"_s);
        changed.insert(u"metrics"_s, QJsonArray());
        auto refused = runs.sync(s->actor(alice), changed);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, ErrorCode::Conflict);
        QCOMPARE(runs.get(s->actor(alice), first->run.id)->name, first->run.name);
        QCOMPARE(s->count(u"runs"_s), 1);
        QCOMPARE(s->metricPoints(), 3);
        QCOMPARE(s->count(u"audit_log"_s), audit);
    }

    void clientRunIdIsScopedPerProject()
    {
        WorkspaceService ws(s->ctx);
        const QString other = ws.createProject(s->actor(alice), wsA, u"other"_s)->id;
        const Run a = sync(body(projA, u"same"_s));
        const Run b = sync(body(other, u"same"_s));
        QVERIFY(a.id != b.id);
        QCOMPARE(s->count(u"runs"_s), 2);
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
                o.insert(u"name"_s, name);
            if (!step.isUndefined())
                o.insert(u"step"_s, step);
            if (!value.isUndefined())
                o.insert(u"value"_s, value);
            return o;
        };
        const QJsonObject good = metric(u"loss"_s, 0, 1.0);
        QTest::newRow("project_id missing")
            << u"project_id"_s << gone << u"project_id"_s << u"required"_s;
        QTest::newRow("project_id number")
            << u"project_id"_s << QJsonValue(42) << u"project_id"_s << u"type"_s;
        QTest::newRow("project_id not uuid")
            << u"project_id"_s << QJsonValue(u"x"_s) << u"project_id"_s << u"invalid"_s;
        QTest::newRow("client_run_id null")
            << u"client_run_id"_s << null << u"client_run_id"_s << u"required"_s;
        QTest::newRow("client_run_id empty")
            << u"client_run_id"_s << QJsonValue(u""_s) << u"client_run_id"_s << u"required"_s;
        QTest::newRow("client_run_id long")
            << u"client_run_id"_s << QJsonValue(QString(201, QLatin1Char('c')))
            << u"client_run_id"_s << u"too_long"_s;
        QTest::newRow("client_run_id number")
            << u"client_run_id"_s << QJsonValue(7) << u"client_run_id"_s << u"type"_s;
        QTest::newRow("name missing") << u"name"_s << gone << u"name"_s << u"required"_s;
        QTest::newRow("log_offset type")
            << u"log_offset"_s << QJsonValue(u"3"_s) << u"log_offset"_s << u"type"_s;
        QTest::newRow("log_offset negative")
            << u"log_offset"_s << QJsonValue(-1) << u"log_offset"_s << u"invalid"_s;
        QTest::newRow("log_offset fraction")
            << u"log_offset"_s << QJsonValue(1.5) << u"log_offset"_s << u"invalid"_s;
        QTest::newRow("name blank")
            << u"name"_s << QJsonValue(u"   "_s) << u"name"_s << u"required"_s;
        QTest::newRow("name control")
            << u"name"_s << QJsonValue(u"a\u0001"_s) << u"name"_s << u"invalid"_s;
        QTest::newRow("status unknown")
            << u"status"_s << QJsonValue(u"done"_s) << u"status"_s << u"invalid"_s;
        QTest::newRow("status type") << u"status"_s << QJsonValue(true) << u"status"_s << u"type"_s;
        QTest::newRow("started_at text")
            << u"started_at"_s << QJsonValue(u"yesterday"_s) << u"started_at"_s << u"invalid"_s;
        QTest::newRow("started_at no zone")
            << u"started_at"_s << QJsonValue(u"2026-11-01T10:00:00"_s) << u"started_at"_s
            << u"invalid"_s;
        QTest::newRow("finished before started")
            << u"finished_at"_s << QJsonValue(u"2026-11-01T09:00:00Z"_s) << u"finished_at"_s
            << u"invalid"_s;
        QTest::newRow("manifest array")
            << u"manifest"_s << QJsonValue(QJsonArray{1}) << u"manifest"_s << u"type"_s;
        QTest::newRow("manifest too big")
            << u"manifest"_s
            << QJsonValue(QJsonObject{{u"x"_s, QString(300 * 1024, QLatin1Char('m'))}})
            << u"manifest"_s << u"too_long"_s;
        QTest::newRow("metrics object")
            << u"metrics"_s << QJsonValue(QJsonObject()) << u"metrics"_s << u"type"_s;
        QTest::newRow("metric not object")
            << u"metrics"_s << QJsonValue(QJsonArray{good, 3}) << u"metrics.1"_s << u"type"_s;
        QTest::newRow("step text")
            << u"metrics"_s << QJsonValue(QJsonArray{good, metric(u"loss"_s, u"one"_s, 0.5)})
            << u"metrics.1.step"_s << u"type"_s;
        QTest::newRow("step negative")
            << u"metrics"_s << QJsonValue(QJsonArray{metric(u"loss"_s, -1, 0.5)})
            << u"metrics.0.step"_s << u"invalid"_s;
        QTest::newRow("step fraction")
            << u"metrics"_s << QJsonValue(QJsonArray{metric(u"loss"_s, 1.5, 0.5)})
            << u"metrics.0.step"_s << u"invalid"_s;
        QTest::newRow("step missing")
            << u"metrics"_s << QJsonValue(QJsonArray{metric(u"loss"_s, gone, 0.5)})
            << u"metrics.0.step"_s << u"required"_s;
        QTest::newRow("value text")
            << u"metrics"_s << QJsonValue(QJsonArray{metric(u"loss"_s, 0, u"x"_s)})
            << u"metrics.0.value"_s << u"type"_s;
        QTest::newRow("value missing")
            << u"metrics"_s << QJsonValue(QJsonArray{metric(u"loss"_s, 0, gone)})
            << u"metrics.0.value"_s << u"required"_s;
        QTest::newRow("name empty") << u"metrics"_s << QJsonValue(QJsonArray{metric(u""_s, 0, 1)})
                                    << u"metrics.0.name"_s << u"required"_s;
        QTest::newRow("name long")
            << u"metrics"_s << QJsonValue(QJsonArray{metric(QString(201, QLatin1Char('n')), 0, 1)})
            << u"metrics.0.name"_s << u"too_long"_s;
        QTest::newRow("duplicate point") << u"metrics"_s << QJsonValue(QJsonArray{good, good})
                                         << u"metrics.1"_s << u"duplicate"_s;
        QTest::newRow("log type") << u"log"_s << QJsonValue(42) << u"log"_s << u"type"_s;
        QTest::newRow("log nul") << u"log"_s << QJsonValue(QString(u"a"_s) + QChar(0) + u"b"_s)
                                 << u"log"_s << u"invalid"_s;
        QTest::newRow("log too big")
            << u"log"_s << QJsonValue(QString(1024 * 1024 + 1, QLatin1Char('l'))) << u"log"_s
            << u"too_long"_s;
        QTest::newRow("log too big in utf8")
            << u"log"_s << QJsonValue(QString(400 * 1024, QChar(0x20AC))) << u"log"_s
            << u"too_long"_s;
        QTest::newRow("signature text")
            << u"signature"_s << QJsonValue(u"sig"_s) << u"signature"_s << u"type"_s;
        QTest::newRow("signature alg")
            << u"signature"_s
            << QJsonValue(QJsonObject{
                   {u"alg"_s, u"rsa"_s}, {u"public_key"_s, u"AA=="_s}, {u"sig"_s, u"AA=="_s}})
            << u"signature.alg"_s << u"invalid"_s;
        QTest::newRow("signature sig missing")
            << u"signature"_s
            << QJsonValue(QJsonObject{{u"alg"_s, u"ed25519"_s}, {u"public_key"_s, u"AA=="_s}})
            << u"signature.sig"_s << u"required"_s;
    }
    void validation()
    {
        QFETCH(QString, field);
        QFETCH(QJsonValue, value);
        QFETCH(QString, path);
        QFETCH(QString, issue);
        QJsonObject b = body(projA, u"v"_s);
        if (value.isUndefined())
            b.remove(field);
        else
            b.insert(field, value);
        RunService runs(s->ctx);
        auto r = runs.sync(s->actor(alice), b);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Validation);
        QVERIFY2(hasDetail(r.error(), path, issue), why(r).constData());
        QCOMPARE(s->count(u"runs"_s), 0);
        QCOMPARE(s->auditCount(u"run.sync"_s), 0);
    }

    void validationReportsEveryBadField()
    {
        QJsonObject b{
            {u"client_run_id"_s, 5},
            {u"status"_s, u"nope"_s},
            {u"metrics"_s,
             QJsonArray{QJsonObject{{u"name"_s, u"loss"_s}, {u"step"_s, u"x"_s}, {u"value"_s, 1}},
                        QJsonObject{{u"name"_s, 3}, {u"step"_s, 0}, {u"value"_s, u"y"_s}}}}};
        RunService runs(s->ctx);
        auto r = runs.sync(s->actor(alice), b);
        QVERIFY(!r.ok());
        const Error &e = r.error();
        QVERIFY(hasDetail(e, u"project_id"_s, u"required"_s));
        QVERIFY(hasDetail(e, u"client_run_id"_s, u"type"_s));
        // name may be left out of a later sync: only a first sync needs it (tst_growing_runs).
        QVERIFY(hasDetail(e, u"status"_s, u"invalid"_s));
        QVERIFY(hasDetail(e, u"metrics.0.step"_s, u"type"_s));
        QVERIFY(hasDetail(e, u"metrics.1.name"_s, u"type"_s));
        QVERIFY(hasDetail(e, u"metrics.1.value"_s, u"type"_s));
        QCOMPARE(e.details.size(), 6);
    }

    void tooManyMetricPointsIsRefused()
    {
        QJsonArray points;
        for (int i = 0; i <= int(SyncRequest::kMaxMetricPoints); ++i)
            points.append(QJsonObject{{u"name"_s, u"m"_s}, {u"step"_s, i}, {u"value"_s, 0.0}});
        QJsonObject b = body(projA, u"big"_s);
        b.insert(u"metrics"_s, points);
        RunService runs(s->ctx);
        auto r = runs.sync(s->actor(alice), b);
        QVERIFY(!r.ok());
        QVERIFY(hasDetail(r.error(), u"metrics"_s, u"too_long"_s));
    }

    void manyMetricPointsAreStoredInChunks()
    {
        // Two series of more than one chunk each.
        const int n = int(metricstore::kChunkPoints) * 2 + 7;
        QJsonArray points;
        for (int i = 0; i < n; ++i)
            points.append(QJsonObject{
                {u"name"_s, i % 2 ? u"a"_s : u"b"_s}, {u"step"_s, i}, {u"value"_s, i * 0.5}});
        QJsonObject b = body(projA, u"chunks"_s);
        b.insert(u"metrics"_s, points);
        const Run run = sync(b);
        QCOMPARE(run.metricCount, n);
        QCOMPARE(s->metricPoints(), n);
        QCOMPARE(s->count(u"run_metric_chunks"_s), 4);
        auto a = metricstore::series(s->db->connection(), run.id, u"a"_s);
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
            points.append(
                QJsonObject{{u"name"_s, u"m"_s}, {u"step"_s, i * 3}, {u"value"_s, i / 7.0}});
        QJsonObject b = body(projA, u"shapes"_s);
        b.insert(u"metrics"_s, points);
        const Run run = sync(b);
        auto stored = metricstore::series(s->db->connection(), run.id, u"m"_s);
        QVERIFY(stored.ok());
        int i = 0;
        for (const chunk::Point &p : *stored) {
            QCOMPARE(p.step, qint64(i) * 3);
            QCOMPARE(p.value, i / 7.0);
            ++i;
        }
        QCOMPARE(i, n);
        QCOMPARE(s->count(u"run_metric_rollups"_s), 0); // short series keep no rollup
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
        while ([&] {
            std::lock_guard lock(m);
            return batches.isEmpty();
        }())
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
                    QJsonObject b = kind == 0   ? body(projA, u"shared"_s)
                                    : kind == 1 ? body(projB, u"not-mine-%1-%2"_s.arg(t).arg(i))
                                                : body(projA, u"own-%1-%2"_s.arg(t).arg(i));
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
        QCOMPARE(s->count(u"runs"_s), own + 1);
        QCOMPARE(s->metricPoints(), 3 * (own + 1));
        QCOMPARE(s->auditCount(u"run.sync"_s), own + 1);
        const AuditVerdict v = AuditService(s->ctx).verify();
        QVERIFY2(v.ok, qPrintable(v.reason));
    }

    void syncNeedsAccessToTheProject()
    {
        RunService runs(s->ctx);
        // Unknown project, and a project of a workspace alice is not in.
        QCOMPARE(runs.sync(s->actor(alice), body(ids::newUuid(), u"x"_s)).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(runs.sync(s->actor(alice), body(projB, u"x"_s)).error().code, ErrorCode::NotFound);
        // A key scoped to another of alice's workspaces does not reach projA.
        WorkspaceService ws(s->ctx);
        const QString wsC = ws.create(s->actor(alice), u"C"_s)->id;
        Actor scoped = s->actor(alice);
        scoped.keyWorkspaceId = wsC;
        QCOMPARE(runs.sync(scoped, body(projA, u"x"_s)).error().code, ErrorCode::NotFound);
        QCOMPARE(s->count(u"runs"_s), 0);
        QCOMPARE(s->auditCount(u"run.sync"_s), 0);
    }

    void viewerCannotSync()
    {
        join(u"viewer"_s);
        RunService runs(s->ctx);
        QCOMPARE(runs.sync(s->actor(bob), body(projA, u"x"_s)).error().code, ErrorCode::Forbidden);
        QCOMPARE(s->count(u"runs"_s), 0);
    }

    void restrictedUserCannotSync()
    {
        Query q(s->db->connection(), u"UPDATE users SET restricted = 1 WHERE id = :u"_s);
        q.bind(u":u"_s, alice);
        QVERIFY(q.exec());
        RunService runs(s->ctx);
        QCOMPARE(runs.sync(s->actor(alice), body(projA, u"x"_s)).error().code,
                 ErrorCode::Forbidden);
        QCOMPARE(s->count(u"runs"_s), 0);
    }

    void evidenceVerifiedForJcsSignature()
    {
        RunService runs(s->ctx);
        const Run run = sync(signedBody(u"signed"_s, false));
        QCOMPARE(run.evidence, u"verified"_s);
        QCOMPARE(runs.get(s->actor(alice), run.id)->evidence, u"verified"_s);
        auto sig = runs.signature(s->actor(alice), run.id);
        QVERIFY2(sig.ok(), why(sig).constData());
        QVERIFY(sig->present);
        QVERIFY(sig->verified);
        QCOMPARE(sig->alg, u"ed25519"_s);
        const QJsonObject m = runs.manifest(s->actor(alice), run.id).value();
        QCOMPARE(sig->signedSha256, crypto::sha256Hex(jcs::canonicalize(m)));
        const QJsonObject j = sig->toJson();
        QCOMPARE(j.value(u"evidence"_s).toString(), u"verified"_s);
        QVERIFY(!j.value(u"public_key"_s).toString().isEmpty());
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
        const Run run = sync(signedBody(u"tampered"_s, true));
        QCOMPARE(run.evidence, u"unverified"_s);
        auto sig = runs.signature(s->actor(alice), run.id);
        QVERIFY(sig->present);
        QVERIFY(!sig->verified);
        QCOMPARE(s->count(u"run_signatures"_s), 1);
        const auto mapping = runs.complianceMapping(s->actor(alice), run.id);
        QVERIFY(mapping.ok());
        for (const auto &c : mapping.value()) {
            if (c.control == QLatin1String("integrity.signature"))
                QCOMPARE(c.status, u"not_satisfied"_s);
        }
    }

    void evidenceUnverifiedForUndecodableSignature_data()
    {
        QTest::addColumn<QString>("publicKey");
        QTest::addColumn<QString>("sig");
        const QString key32 = QString::fromLatin1(QByteArray(32, 'k').toBase64());
        const QString sig64 = QString::fromLatin1(QByteArray(64, 's').toBase64());
        QTest::newRow("key not base64") << u"not base64!"_s << sig64;
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
        QJsonObject b = body(projA, u"odd"_s);
        b.insert(
            u"signature"_s,
            QJsonObject{{u"alg"_s, u"ed25519"_s}, {u"public_key"_s, publicKey}, {u"sig"_s, sig}});
        RunService runs(s->ctx);
        auto r = runs.sync(s->actor(alice), b);
        QVERIFY2(r.ok(), why(r).constData());
        QCOMPARE(r->run.evidence, u"unverified"_s);
        QCOMPARE(runs.signature(s->actor(alice), r->run.id)->publicKey, publicKey);
    }

    void unsignedRunSignatureReadSaysUnsigned()
    {
        RunService runs(s->ctx);
        const Run run = sync(body(projA, u"u"_s));
        auto sig = runs.signature(s->actor(alice), run.id);
        QVERIFY(sig.ok());
        QVERIFY(!sig->present);
        QCOMPARE(sig->toJson().value(u"evidence"_s).toString(), u"unsigned"_s);
        QCOMPARE(sig->toJson().value(u"signature"_s).type(), QJsonValue::Null);
    }

    void complianceMappingFollowsTheRun()
    {
        RunService runs(s->ctx);
        const Run full = sync(body(projA, u"full"_s));
        auto m = runs.complianceMapping(s->actor(alice), full.id);
        QVERIFY(m.ok());
        QMap<QString, QString> status;
        for (const auto &c : *m) {
            QCOMPARE(c.framework, RunService::kFramework);
            QVERIFY(!c.evidence.isEmpty());
            status.insert(c.control, c.status);
        }
        QCOMPARE(status.value(u"integrity.signature"_s), u"not_satisfied"_s);
        QCOMPARE(status.value(u"provenance.manifest"_s), u"satisfied"_s);
        QCOMPARE(status.value(u"reproducibility.metrics"_s), u"satisfied"_s);
        QCOMPARE(status.value(u"audit.logged"_s), u"satisfied"_s);
        const Run bare = sync(QJsonObject{
            {u"project_id"_s, projA}, {u"client_run_id"_s, u"bare"_s}, {u"name"_s, u"b"_s}});
        QMap<QString, QString> bareStatus;
        const auto bareMapping = runs.complianceMapping(s->actor(alice), bare.id);
        QVERIFY(bareMapping.ok());
        for (const auto &c : bareMapping.value())
            bareStatus.insert(c.control, c.status);
        QCOMPARE(bareStatus.value(u"provenance.manifest"_s), u"not_satisfied"_s);
        QCOMPARE(bareStatus.value(u"reproducibility.metrics"_s), u"not_satisfied"_s);
    }

    void concurrentSyncsOfOneClientRunIdCreateOneRun()
    {
        constexpr int kThreads = 6;
        const QJsonObject b = body(projA, u"race"_s);
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
        QCOMPARE(s->count(u"runs"_s), 1);
        QCOMPARE(s->metricPoints(), 3);
        QCOMPARE(s->auditCount(u"run.sync"_s), 1);
    }

    void listFilters()
    {
        RunService runs(s->ctx);
        WorkspaceService ws(s->ctx);
        const QString other = ws.createProject(s->actor(alice), wsA, u"other"_s)->id;
        QJsonObject failedRun = body(projA, u"f"_s, u"Cartpole failed"_s);
        failedRun.insert(u"status"_s, u"failed"_s);
        const Run f = sync(failedRun);
        const Run c = sync(body(projA, u"c"_s, u"dreamer 100%"_s));
        const Run o = sync(body(other, u"o"_s, u"other project"_s));
        const Run v = sync(signedBody(u"v"_s, false));
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
        QCOMPARE(ids({wsA, {}, u"failed"_s, {}, {}}), QStringList{f.id});
        QCOMPARE(ids({{}, projA, u"failed"_s, {}, {}}), QStringList{f.id});
        QCOMPARE(ids({{}, {}, {}, u"verified"_s, {}}), QStringList{v.id});
        QCOMPARE(ids({{}, {}, {}, u"unsigned"_s, {}}).size(), 3);
        QCOMPARE(ids({{}, {}, {}, {}, u"CARTPOLE"_s}), QStringList{f.id});
        QCOMPARE(ids({{}, {}, {}, {}, u"100%"_s}), QStringList{c.id}); // % is literal
        QCOMPARE(ids({{}, {}, {}, {}, u"_"_s}).size(), 0);             // _ is literal
        QCOMPARE(runs.list(s->actor(alice), {wsB, {}, {}, {}, {}}, 50, {}).error().code,
                 ErrorCode::NotFound);
    }

    void listRefusesBadInput()
    {
        RunService runs(s->ctx);
        QCOMPARE(runs.list(s->actor(alice), {}, 0, {}).error().code, ErrorCode::Validation);
        QCOMPARE(runs.list(s->actor(alice), {}, 201, {}).error().code, ErrorCode::Validation);
        QCOMPARE(runs.list(s->actor(alice), {}, 50, u"bogus"_s).error().code,
                 ErrorCode::Validation);
        auto bad = runs.list(s->actor(alice), {u"x"_s, {}, u"done"_s, u"maybe"_s, {}}, 50, {});
        QCOMPARE(bad.error().code, ErrorCode::Validation);
        QVERIFY(hasDetail(bad.error(), u"workspace_id"_s, u"invalid"_s));
        QVERIFY(hasDetail(bad.error(), u"status"_s, u"invalid"_s));
        QVERIFY(hasDetail(bad.error(), u"evidence"_s, u"invalid"_s));
    }

    void listKeysetPagingAcrossEqualTimestamps()
    {
        for (int i = 0; i < 9; ++i) {
            sync(body(projA, u"k%1"_s.arg(i), u"r%1"_s.arg(i)));
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
        QCOMPARE(newest, (QSet<QString>{u"r6"_s, u"r7"_s, u"r8"_s}));
    }

    void listMergesTheCallersWorkspaces()
    {
        WorkspaceService ws(s->ctx);
        const QString wsC = ws.create(s->actor(alice), u"C"_s)->id;
        const QString projC = ws.createProject(s->actor(alice), wsC, u"pc"_s)->id;
        QStringList expected;
        for (int i = 0; i < 8; ++i) {
            expected.prepend(sync(body(i % 3 ? projA : projC, u"m%1"_s.arg(i))).id);
            if (i % 2)
                s->clock.advanceMs(1);
        }
        sync(body(projB, u"bob's"_s), bob);
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
        const Run run = sync(signedBody(u"secret"_s, false));
        const Actor b = s->actor(bob);
        QCOMPARE(runs.get(b, run.id).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.manifest(b, run.id).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.metricNames(b, run.id).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.metrics(b, run.id, {}, 50, {}).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.metricSeries(b, run.id, u"loss"_s, 10).error().code, ErrorCode::NotFound);
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
        scoped.keyWorkspaceId = ws.create(s->actor(alice), u"C"_s)->id;
        QCOMPARE(runs.get(scoped, run.id).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.remove(scoped, run.id).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.get(s->actor(alice), u"not-a-uuid"_s).error().code, ErrorCode::NotFound);
        QCOMPARE(s->count(u"runs"_s), 1);
    }

    void getCarriesMetricNames()
    {
        RunService runs(s->ctx);
        const Run run = sync(body(projA, u"g"_s));
        auto got = runs.get(s->actor(alice), run.id);
        QVERIFY(got.ok());
        QCOMPARE(got->toJson().value(u"metric_names"_s).toArray(),
                 (QJsonArray{u"loss"_s, u"reward"_s}));
        QCOMPARE(runs.metricNames(s->actor(alice), run.id).value(),
                 (QStringList{u"loss"_s, u"reward"_s}));
        QVERIFY(!run.toJson().contains(u"metric_names"_s));
    }

    void removeDeletesRunAndItsRows()
    {
        RunService runs(s->ctx);
        const Run run = sync(signedBody(u"gone"_s, false));
        join(u"viewer"_s);
        QCOMPARE(runs.remove(s->actor(bob), run.id).error().code, ErrorCode::Forbidden);
        QVERIFY(runs.remove(s->actor(alice), run.id).ok());
        QCOMPARE(runs.get(s->actor(alice), run.id).error().code, ErrorCode::NotFound);
        QCOMPARE(runs.remove(s->actor(alice), run.id).error().code, ErrorCode::NotFound);
        QCOMPARE(s->auditCount(u"run.delete"_s), 1);
        for (const char *t : {"runs", "run_metric_chunks", "run_metric_rollups", "run_logs",
                              "run_signatures", "compliance_mappings"})
            QCOMPARE(s->count(QString::fromUtf8(t)), 0);
        // The client may sync the same client_run_id again: it is a new run.
        QVERIFY(sync(signedBody(u"gone"_s, false)).id != run.id);
    }

    void manifestRoundTrips()
    {
        RunService runs(s->ctx);
        QJsonObject b = body(projA, u"m"_s);
        const QJsonObject manifest{
            {u"env"_s, QJsonObject{{u"name"_s, u"cartpole"_s}, {u"steps"_s, 1000}}},
            {u"tags"_s, QJsonArray{u"a"_s, u"ü"_s}},
            {u"lr"_s, 0.0003}};
        b.insert(u"manifest"_s, manifest);
        const Run run = sync(b);
        QCOMPARE(runs.manifest(s->actor(alice), run.id).value(), manifest);
    }

    void metricsPageByNameAndStep()
    {
        QJsonArray points;
        for (int i = 0; i < 5; ++i) {
            points.append(QJsonObject{
                {u"name"_s, u"loss"_s}, {u"step"_s, i * 10}, {u"value"_s, 1.0 / (i + 1)}});
            points.append(
                QJsonObject{{u"name"_s, u"acc"_s}, {u"step"_s, i}, {u"value"_s, i * 0.1}});
        }
        QJsonObject b = body(projA, u"mp"_s);
        b.insert(u"metrics"_s, points);
        const Run run = sync(b);
        RunService runs(s->ctx);
        // One metric.
        QList<MetricPoint> loss;
        QString cur;
        do {
            auto p = runs.metrics(s->actor(alice), run.id, u"loss"_s, 2, cur);
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
                all << m.name + u"/"_s + QString::number(m.step);
            cur = p->nextCursor;
            if (firstCursor.isEmpty())
                firstCursor = cur;
        } while (!cur.isEmpty() && all.size() < 20);
        QCOMPARE(all, (QStringList{u"acc/0"_s, u"acc/1"_s, u"acc/2"_s, u"acc/3"_s, u"acc/4"_s,
                                   u"loss/0"_s, u"loss/10"_s, u"loss/20"_s, u"loss/30"_s,
                                   u"loss/40"_s}));
        QCOMPARE((MetricPoint{u"loss"_s, 0, 1.25}.toJson().value(u"value"_s).toDouble()), 1.25);
        // A cursor of one metric is not valid for another.
        QCOMPARE(runs.metrics(s->actor(alice), run.id, u"loss"_s, 3, firstCursor).error().code,
                 ErrorCode::Validation);
        QCOMPARE(runs.metrics(s->actor(alice), run.id, {}, 0, {}).error().code,
                 ErrorCode::Validation);
    }

    void metricSeriesIsDownsampledKeepingEnds()
    {
        const int n = 5000;
        QJsonArray points;
        for (int i = 0; i < n; ++i)
            points.append(QJsonObject{{u"name"_s, u"loss"_s},
                                      {u"step"_s, i},
                                      {u"value"_s, std::sin(i / 50.0) + (i == 2345 ? 10 : 0)}});
        QJsonObject b = body(projA, u"series"_s);
        b.insert(u"metrics"_s, points);
        const Run run = sync(b);
        RunService runs(s->ctx);
        auto series = runs.metricSeries(s->actor(alice), run.id, u"loss"_s, 200);
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
        auto whole = runs.metricSeries(s->actor(alice), run.id, u"reward"_s, 200);
        QCOMPARE(whole->size(), 0);
        // The published minimum (GET /api/runs/{run_id}/metrics?max_points) holds here too.
        for (const int tooFew : {1, RunService::kMinSeriesPoints - 1})
            QCOMPARE(runs.metricSeries(s->actor(alice), run.id, u"loss"_s, tooFew).error().code,
                     ErrorCode::Validation);
        QVERIFY(
            runs.metricSeries(s->actor(alice), run.id, u"loss"_s, RunService::kMinSeriesPoints));
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
            points.append({qint64(i) * 5, std::cos(i / 400.0) * 3 +
                                              double((qint64(i) * 104729) % 97) / 97.0 +
                                              (i % 9973 == 17 ? 25.0 : 0.0)});
        QJsonArray sent;
        for (int i = 0; i < n; ++i) {
            const auto &p = points.at((i * 7) % n); // 7 is prime to 40,000: a permutation
            sent.append(
                QJsonObject{{u"name"_s, u"loss"_s}, {u"step"_s, p.step}, {u"value"_s, p.value}});
        }
        sent.append(QJsonObject{{u"name"_s, u"short"_s}, {u"step"_s, 1}, {u"value"_s, 2}});
        QJsonObject b = body(projA, u"long-series"_s);
        b.insert(u"metrics"_s, sent);
        const Run run = sync(b);
        // Levels 4, 6, ..., 12 of "loss" (ceil(40000 / 2^14) = 3 < 4); none for "short".
        QCOMPARE(s->count(u"run_metric_rollups"_s), 5);
        RunService runs(s->ctx);
        auto thin = [&](int maxPoints) {
            auto r = runs.metricSeries(s->actor(alice), run.id, u"loss"_s, maxPoints);
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
            QVERIFY2(kept, qPrintable(u"outlier at %1"_s.arg(i)));
        }
        // Rebuilding from the stored points gives the same rows; deleting the
        // run deletes them.
        QVERIFY(runs.rebuildRollups(run.id).ok());
        QCOMPARE(s->count(u"run_metric_rollups"_s), 5);
        QCOMPARE(thin(500), downsample::lttb(rollup::m4(points, 16), 500));
        QVERIFY(runs.remove(s->actor(alice), run.id).ok());
        QCOMPARE(s->count(u"run_metric_rollups"_s), 0);
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
        const QString text = u"abé€xyz\n"_s + QString(100, QLatin1Char('L'));
        QJsonObject b = body(projA, u"log"_s);
        b.insert(u"log"_s, text);
        const Run run = sync(b);
        QCOMPARE(run.logBytes, text.toUtf8().size());
        RunService runs(s->ctx);
        auto first = runs.log(s->actor(alice), run.id, 0, 4); // "ab" + "é" = 4 bytes
        QVERIFY2(first.ok(), why(first).constData());
        QCOMPARE(first->content, u"abé"_s);
        QCOMPARE(first->totalBytes, text.toUtf8().size());
        QCOMPARE(first->nextOffset, 4);
        auto second = runs.log(s->actor(alice), run.id, 4, 2); // "€" does not fit in 2: taken whole
        QCOMPARE(second->content, u"€"_s);
        QCOMPARE(second->nextOffset, 7);
        auto inside = runs.log(s->actor(alice), run.id, 5, 3); // inside "€": starts after it
        QCOMPARE(inside->offset, 7);
        QCOMPARE(inside->content, u"xyz"_s);
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
        QCOMPARE(end->toJson().value(u"next_offset"_s).type(), QJsonValue::Null);
        QCOMPARE(runs.log(s->actor(alice), run.id, -1).error().code, ErrorCode::Validation);
        QCOMPARE(runs.log(s->actor(alice), run.id, 0, 0).error().code, ErrorCode::Validation);
        // A run without a log answers an empty log.
        const Run bare = sync(QJsonObject{
            {u"project_id"_s, projA}, {u"client_run_id"_s, u"nolog"_s}, {u"name"_s, u"n"_s}});
        auto none = runs.log(s->actor(alice), bare.id, 0);
        QCOMPARE(none->totalBytes, 0);
        QVERIFY(none->content.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestRuns)
#include "tst_runs.moc"
