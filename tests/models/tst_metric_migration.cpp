// SPDX-License-Identifier: Apache-2.0
// Metric points in chunks (runs/MetricStore.h) on SQLite and PostgreSQL: adding
// to a run's series (overlaps, repeats, rollups), reads that merge overlapping
// chunks, and the migration of a store written before chunks (one row per point
// in run_metrics): bit for bit, resumable, and after a kill -9 of the program
// half way through a million points.
#include "TestStore.h"

#include "models/db/Migrator.h"
#include "models/runs/MetricStore.h"
#include "models/runs/RunService.h"
#include "models/runs/SeriesRollup.h"
#include "models/workspaces/WorkspaceService.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>

#include <csignal>
#include <cstring>
#include <limits>
#include <map>
#include <vector>

using namespace wfx;

namespace {
QString L(const char *s)
{
    return QString::fromLatin1(s);
}

quint64 bits(double v)
{
    quint64 b;
    std::memcpy(&b, &v, 8);
    return b;
}

double fromBits(quint64 b)
{
    double v;
    std::memcpy(&v, &b, 8);
    return v;
}

struct Row
{
    QString run, name;
    qint64 step;
    quint64 bits;
    bool operator==(const Row &o) const = default;
};
} // namespace

class TestMetricMigration : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, ws, project;
    int oldVersion = 0;

    void openStore(int upTo)
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend, upTo);
        alice = s->createUser(L("alice@example.com"));
        WorkspaceService w(s->ctx);
        auto created = w.create(s->actor(alice), L("Lab"));
        QVERIFY(created.ok());
        ws = created->id;
        auto p = w.createProject(s->actor(alice), ws, L("P"));
        QVERIFY(p.ok());
        project = p->id;
    }
    // A store as the program wrote it before chunks.
    void openOldStore()
    {
        QFETCH_GLOBAL(QString, backend);
        {
            wfxtest::TestStore probe(backend, 1);
            oldVersion = Migrator(*probe.db).versionNamed(L("metric_chunks")) - 1;
        }
        QVERIFY(oldVersion >= 1);
        openStore(oldVersion);
        QVERIFY(tableExists(L("run_metrics")));
        QVERIFY(!tableExists(L("run_metric_chunks")));
    }
    QString addRun(const QString &name)
    {
        const QString id = ids::newUuid();
        Query q(s->db->connection(),
                L("INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, status, "
                  "started_at, finished_at, created_at, evidence) VALUES "
                  "(:id, :p, :w, :c, :n, 'completed', :s, NULL, :t, 'unsigned')"));
        q.bind(L(":id"), id)
            .bind(L(":p"), project)
            .bind(L(":w"), ws)
            .bind(L(":c"), id)
            .bind(L(":n"), name)
            .bind(L(":s"), s->clock.nowMs() - 1000)
            .bind(L(":t"), s->clock.nowMs());
        if (!q.exec())
            qFatal("addRun: %s", qPrintable(q.errorText()));
        return id;
    }
    bool tableExists(const QString &table)
    {
        QSqlQuery q(s->db->connection());
        const bool ok = q.exec(L("SELECT COUNT(*) FROM ") + table);
        return ok;
    }
    void oldPoint(const QString &run, const QString &name, qint64 step, double value)
    {
        QSqlQuery q(s->db->connection());
        q.prepare(L("INSERT INTO run_metrics (run_id, name, step, value) VALUES (:r, :n, :s, :v)"));
        q.bindValue(L(":r"), run);
        q.bindValue(L(":n"), name);
        q.bindValue(L(":s"), step);
        q.bindValue(L(":v"), value);
        QVERIFY2(q.exec(), qPrintable(q.lastError().text()));
    }
    // `n` noisy points (full 53-bit mantissas) of series `name`, made by the store.
    void oldNoisySeries(const QString &run, const QString &name, qint64 n)
    {
        QSqlQuery q(s->db->connection());
        const QString sql = s->db->isPostgres()
                                ? L("INSERT INTO run_metrics (run_id, name, step, value) SELECT "
                                    "'%1', '%2', 3 * j + 1, "
                                    "(random() - 0.5) * 1000 FROM generate_series(0, %3 - 1) AS j")
                                : L("WITH RECURSIVE s(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM "
                                    "s WHERE j < %3 - 1) "
                                    "INSERT INTO run_metrics (run_id, name, step, value) SELECT "
                                    "'%1', '%2', 3 * j + 1, "
                                    "random() / 9223372036854775807.0 * 500 FROM s");
        QVERIFY2(q.exec(sql.arg(run, name).arg(n)), qPrintable(q.lastError().text()));
    }
    // Every point of run_metrics, the way the old program read them.
    std::vector<Row> oldRows()
    {
        std::vector<Row> out;
        QSqlQuery q(s->db->connection());
        q.setForwardOnly(true);
        if (!q.exec(
                L("SELECT run_id, name, step, value FROM run_metrics ORDER BY run_id, name, step")))
            qFatal("oldRows: %s", qPrintable(q.lastError().text()));
        while (q.next())
            out.push_back({q.value(0).toString(), q.value(1).toString(), q.value(2).toLongLong(),
                           bits(q.value(3).toDouble())});
        return out;
    }
    // Every point of the given runs, from the chunks, in the same order.
    std::vector<Row> chunkRows(QStringList runs)
    {
        std::sort(runs.begin(), runs.end());
        std::vector<Row> out;
        for (const QString &run : std::as_const(runs)) {
            auto v = metricstore::visit(s->db->connection(), run,
                                        [&](const QString &name, const chunk::Point &p) {
                                            out.push_back({run, name, p.step, bits(p.value)});
                                        });
            if (!v)
                qFatal("visit: %s", qPrintable(v.error().message));
        }
        return out;
    }
    // Same rows; on mismatch, says where.
    static bool same(const std::vector<Row> &a, const std::vector<Row> &b, QString *why)
    {
        if (a.size() != b.size()) {
            *why = L("%1 points before, %2 after").arg(a.size()).arg(b.size());
            return false;
        }
        for (size_t i = 0; i < a.size(); ++i) {
            if (!(a[i] == b[i])) {
                *why = L("point %1: %2 %3 %4 %5 vs %6 %7 %8 %9")
                           .arg(i)
                           .arg(a[i].run, a[i].name)
                           .arg(a[i].step)
                           .arg(a[i].bits, 16, 16, QLatin1Char('0'))
                           .arg(b[i].run, b[i].name)
                           .arg(b[i].step)
                           .arg(b[i].bits, 16, 16, QLatin1Char('0'));
                return false;
            }
        }
        return true;
    }
    qint64 scalar(const QString &sql)
    {
        QSqlQuery q(s->db->connection());
        if (!q.exec(sql) || !q.next())
            return -1;
        return q.value(0).toLongLong();
    }
    std::vector<chunk::Point> read(const QString &run, const QString &name,
                                   std::optional<qint64> after = {}, qsizetype limit = -1)
    {
        auto r = metricstore::series(s->db->connection(), run, name, after, limit);
        if (!r)
            qFatal("series: %s", qPrintable(r.error().message));
        return *r;
    }
    qsizetype add(const QString &run, const QList<MetricInput> &points)
    {
        auto began = Tx::begin(*s->db);
        if (!began)
            qFatal("begin");
        auto n = metricstore::add(began->conn(), run, points);
        if (!n)
            qFatal("add: %s", qPrintable(n.error().message));
        if (!began->commit())
            qFatal("commit");
        return *n;
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void cleanup() { s.reset(); }

    // ---------------------------------------------------------------- the store

    void addingToASeriesKeepsStoredValuesAndMergesOverlaps()
    {
        openStore(0);
        const QString run = addRun(L("grows"));
        QList<MetricInput> first;
        for (int i = 0; i < 100; ++i)
            first.append({L("loss"), 10 * i, double(i)}); // steps 0, 10, ..., 990
        QCOMPARE(add(run, first), qsizetype(100));
        // A late retried batch: steps below and between the stored ones, two
        // already stored (their stored values stay), one repeated in the batch
        // (the first one given wins), one after the end.
        const QList<MetricInput> late{{L("loss"), 995, -1.0}, {L("loss"), 5, 0.5},
                                      {L("loss"), 10, 999.0}, {L("loss"), 15, 1.5},
                                      {L("loss"), 5, 77.0},   {L("loss"), 990, 999.0},
                                      {L("loss"), -3, -0.0}};
        QCOMPARE(add(run, late), qsizetype(4));
        QCOMPARE(add(run, late), qsizetype(0)); // all stored now
        const auto pts = read(run, L("loss"));
        QCOMPARE(qsizetype(pts.size()), qsizetype(104));
        for (size_t i = 1; i < pts.size(); ++i)
            QVERIFY(pts[i - 1].step < pts[i].step);
        std::map<qint64, quint64> byStep;
        for (const auto &p : pts)
            byStep[p.step] = bits(p.value);
        QCOMPARE(byStep.at(10), bits(1.0));
        QCOMPARE(byStep.at(990), bits(99.0));
        QCOMPARE(byStep.at(5), bits(0.5));
        QCOMPARE(byStep.at(15), bits(1.5));
        QCOMPARE(byStep.at(995), bits(-1.0));
        QCOMPARE(byStep.at(-3), bits(-0.0));
        QCOMPARE(*metricstore::count(s->db->connection(), run, L("loss")), qint64(104));
        // The late points below the end became a chunk of their own, overlapping
        // the first: the reads above merged them.
        QVERIFY(scalar(L("SELECT COUNT(*) FROM run_metric_chunks")) >= 2);
        // Aggregates follow the step, not the order of writing.
        QCOMPARE(bits(**metricstore::aggregate(s->db->connection(), run, L("loss"), L("last"))),
                 bits(-1.0));
        QCOMPARE(**metricstore::aggregate(s->db->connection(), run, L("loss"), L("min")), -1.0);
        QCOMPARE(**metricstore::aggregate(s->db->connection(), run, L("loss"), L("max")), 99.0);
        QVERIFY(!*metricstore::aggregate(s->db->connection(), run, L("none"), L("max")));
    }

    void pagedReadsMergeOverlappingChunks()
    {
        openStore(0);
        const QString run = addRun(L("paged"));
        // Even steps in one batch, odd steps in later ones: every chunk overlaps.
        QList<MetricInput> even, odd;
        for (int i = 0; i < 3 * metricstore::kChunkPoints; i += 2)
            even.append({L("m"), i, i * 0.25});
        for (int i = 1; i < 3 * metricstore::kChunkPoints; i += 2)
            odd.append({L("m"), i, i * 0.25});
        add(run, even);
        add(run, odd.mid(0, odd.size() / 2));
        add(run, odd.mid(odd.size() / 2));
        const auto all = read(run, L("m"));
        QCOMPARE(qsizetype(all.size()), 3 * metricstore::kChunkPoints);
        for (qsizetype i = 0; i < qsizetype(all.size()); ++i) {
            QCOMPARE(all[size_t(i)].step, qint64(i));
            QCOMPARE(all[size_t(i)].value, i * 0.25);
        }
        // Pages from any step: the same points as the whole read.
        for (const qint64 after :
             {qint64(-1), qint64(0), qint64(4095), qint64(7000), qint64(12286)}) {
            const auto page = read(run, L("m"), after, 1000);
            const qint64 expected =
                std::min<qint64>(1000, 3 * metricstore::kChunkPoints - 1 - after);
            QCOMPARE(qint64(page.size()), expected);
            for (qsizetype i = 0; i < qsizetype(page.size()); ++i)
                QCOMPARE(page[size_t(i)].step, after + 1 + i);
        }
        // The API's page walks the same points.
        RunService runs(s->ctx);
        QString cursor;
        qint64 seen = 0;
        do {
            auto p = runs.metrics(s->actor(alice), run, QString(), 200, cursor);
            QVERIFY(p.ok());
            for (const auto &m : p->items)
                QCOMPARE(m.step, seen++);
            cursor = p->nextCursor;
        } while (!cursor.isEmpty());
        QCOMPARE(seen, 3 * metricstore::kChunkPoints);
    }

    void rollupsFollowAddedPoints()
    {
        openStore(0);
        const QString run = addRun(L("long"));
        QList<MetricInput> first;
        for (int i = 0; i < 3000; ++i)
            first.append({L("loss"), 2 * i, 1.0 / (1 + i)});
        add(run, first);
        QCOMPARE(scalar(L("SELECT COUNT(*) FROM run_metric_rollups")),
                 0); // 3,000 points: no rollup yet
        // A later sync takes the series past the rollup threshold, partly below its end.
        QList<MetricInput> more;
        for (int i = 0; i < 3000; ++i)
            more.append({L("loss"), 2 * i + 1, -1.0 / (1 + i)});
        add(run, more);
        QVERIFY(scalar(L("SELECT COUNT(*) FROM run_metric_rollups")) > 0);
        const auto all = read(run, L("loss"));
        QCOMPARE(qsizetype(all.size()), qsizetype(6000));
        const QList<rollup::Level> expected = rollup::build(metricstore::toSeriesPoints(all));
        QSqlQuery q(s->db->connection());
        QVERIFY(q.exec(L("SELECT level, points, data FROM run_metric_rollups ORDER BY level")));
        int i = 0;
        for (; q.next(); ++i) {
            QVERIFY(i < expected.size());
            QCOMPARE(q.value(0).toInt(), expected.at(i).level);
            QCOMPARE(q.value(1).toLongLong(), qint64(6000));
            QCOMPARE(q.value(2).toByteArray(), expected.at(i).data);
        }
        QCOMPARE(i, expected.size());
        // One point after the end: the rollup stays over the prefix it covers
        // (readers add the newer points, metricstore::level()).
        add(run, {{L("loss"), 20000, 3.0}});
        QCOMPARE(scalar(L("SELECT COUNT(*) FROM run_metric_rollups")), qint64(expected.size()));
        QCOMPARE(scalar(L("SELECT MIN(points) FROM run_metric_rollups")), qint64(6000));
        // Doubled since: built again over everything, the levels replaced, not added to.
        QList<MetricInput> doubling;
        for (int i = 0; i < 6001; ++i)
            doubling.append({L("loss"), 20001 + i, 0.5});
        add(run, doubling);
        const QList<rollup::Level> again =
            rollup::build(metricstore::toSeriesPoints(read(run, L("loss"))));
        QCOMPARE(scalar(L("SELECT COUNT(*) FROM run_metric_rollups")), qint64(again.size()));
        QCOMPARE(scalar(L("SELECT MIN(points) FROM run_metric_rollups")), qint64(12002));
    }

    // ---------------------------------------------------------------- migration

    void migrationKeepsEveryPointBitForBit()
    {
        openOldStore();
        const QString a = addRun(L("a")), b = addRun(L("b")), c = addRun(L("empty"));
        Q_UNUSED(c);
        // Bit patterns of every class the old table could hold (SQLite turns a
        // NaN into NULL, which run_metrics refuses; PostgreSQL keeps NaN).
        QList<double> special{0.0,
                              -0.0,
                              1.0,
                              -1.0,
                              std::numeric_limits<double>::denorm_min(),
                              -std::numeric_limits<double>::denorm_min(),
                              std::numeric_limits<double>::min(),
                              std::numeric_limits<double>::max(),
                              -std::numeric_limits<double>::max(),
                              std::numeric_limits<double>::infinity(),
                              -std::numeric_limits<double>::infinity(),
                              fromBits(0x000fffffffffffffULL),
                              0.1,
                              1.0 / 3.0,
                              1e300,
                              -1e-300,
                              double(float(0.7f))};
        if (s->db->isPostgres())
            special.append(std::numeric_limits<double>::quiet_NaN());
        qint64 step = std::numeric_limits<qint64>::min();
        for (double v : special) {
            oldPoint(a, L("special"), step, v);
            step = step / 2 + 17; // huge gaps, negative steps, then small ones
        }
        oldPoint(a, L("special"), std::numeric_limits<qint64>::max(), 42.0);
        for (int i = 0; i < 5; ++i)
            oldPoint(a, L("repeated"), i * 1'000'000'007LL, 0.5); // the same value again and again
        oldNoisySeries(b, L("loss"), metricstore::kChunkPoints * 2 + 5); // more than one chunk
        oldNoisySeries(b, L("acc"), 10);
        const std::vector<Row> before = oldRows();
        QCOMPARE(qsizetype(before.size()),
                 qsizetype(special.size() + 1 + 5 + metricstore::kChunkPoints * 2 + 5 + 10));

        QVERIFY(s->db->migrate().ok());
        QVERIFY(!tableExists(L("run_metrics")));
        QCOMPARE(s->db->schemaVersion(), Migrator(*s->db).latestVersion());
        QString why;
        QVERIFY2(same(before, chunkRows({a, b, c}), &why), qPrintable(why));
        QCOMPARE(s->metricPoints(), qint64(before.size()));
        QCOMPARE(scalar(L("SELECT COUNT(*) FROM run_metric_chunks WHERE run_id = '") + b +
                        L("' AND name = 'loss'")),
                 qint64(3));
        // Migrating again changes nothing.
        QVERIFY(s->db->migrate().ok());
        QVERIFY2(same(before, chunkRows({a, b, c}), &why), qPrintable(why));
    }

    void migrationStoppedHalfWayFinishesNextTime()
    {
        openOldStore();
        QStringList runs;
        for (int r = 0; r < 5; ++r) {
            runs << addRun(L("r%1").arg(r));
            oldNoisySeries(runs.last(), L("loss"), 300);
            oldNoisySeries(runs.last(), L("acc"), 50);
        }
        const std::vector<Row> before = oldRows();
        Migrator half(*s->db);
        half.stopDataStepsAfter(2);
        QVERIFY(half.run().ok());
        // Half way: two runs in chunks and gone from run_metrics, three still there.
        QVERIFY(tableExists(L("run_metrics")));
        QCOMPARE(scalar(L("SELECT COUNT(DISTINCT run_id) FROM run_metric_chunks")), qint64(2));
        QCOMPARE(scalar(L("SELECT COUNT(DISTINCT run_id) FROM run_metrics")), qint64(3));
        QCOMPARE(scalar(L("SELECT COUNT(*) FROM run_metrics")) + s->metricPoints(),
                 qint64(before.size()));
        QVERIFY(s->db->migrate().ok());
        QVERIFY(!tableExists(L("run_metrics")));
        QString why;
        QVERIFY2(same(before, chunkRows(runs), &why), qPrintable(why));
    }

    // A million points in 20 runs; the program is killed (SIGKILL) while it
    // migrates them, then started again: it finishes before it listens.
    void killedMidMigrationFinishesAtNextStart()
    {
        openOldStore();
        QStringList runs;
        for (int r = 0; r < 20; ++r) {
            runs << addRun(L("big%1").arg(r));
            oldNoisySeries(runs.last(), L("loss"), 25'000);
            oldNoisySeries(runs.last(), L("reward"), 25'000);
        }
        QElapsedTimer t;
        t.start();
        const std::vector<Row> before = oldRows();
        QCOMPARE(qsizetype(before.size()), qsizetype(1'000'000));
        qInfo("old store filled and read in %lld ms", qint64(t.elapsed()));

        QTemporaryDir dataDir;
        const QStringList args{L("--headless"), L("--port"),     L("0"), L("--data-dir"),
                               dataDir.path(),  L("--database"), s->url};
        QProcess child;
        child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        child.start(QStringLiteral(WFX_CONSOLE_BIN), args);
        QVERIFY(child.waitForStarted(10'000));
        // Kill it once some runs are in chunks and before all are.
        qint64 moved = 0;
        t.restart();
        while (child.state() == QProcess::Running && t.elapsed() < 120'000) {
            moved = tableExists(L("run_metric_chunks"))
                        ? scalar(L("SELECT COUNT(DISTINCT run_id) FROM run_metric_chunks"))
                        : 0;
            if (moved >= 3)
                break;
            QThread::msleep(2);
        }
        QCOMPARE(child.state(), QProcess::Running);
        ::kill(pid_t(child.processId()), SIGKILL);
        QVERIFY(child.waitForFinished(10'000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        qInfo("killed after %lld of 20 runs, %lld ms into the migration", moved,
              qint64(t.elapsed()));
        // Half way: what is in chunks is gone from run_metrics, nothing lost.
        QVERIFY(tableExists(L("run_metrics")));
        const qint64 left = scalar(L("SELECT COUNT(*) FROM run_metrics"));
        QVERIFY(left > 0);
        QCOMPARE(left + s->metricPoints(), qint64(before.size()));

        // The next start finishes the migration before it serves.
        t.restart();
        QProcess again;
        again.setProcessChannelMode(QProcess::MergedChannels);
        again.start(QStringLiteral(WFX_CONSOLE_BIN), args);
        QVERIFY(again.waitForStarted(10'000));
        bool listening = false;
        QByteArray out;
        while (!listening && again.state() == QProcess::Running && t.elapsed() < 120'000) {
            again.waitForReadyRead(200);
            out += again.readAll();
            listening = out.contains("listening on ");
        }
        QVERIFY2(listening, out.constData());
        QVERIFY(!tableExists(L("run_metrics")));
        QVERIFY2(out.contains("/ ") && out.contains("runs in chunks"),
                 out.constData()); // progress was logged
        qInfo("second start migrated the rest and listened after %lld ms", qint64(t.elapsed()));
        again.terminate();
        QVERIFY(again.waitForFinished(30'000));

        t.restart();
        QString why;
        QVERIFY2(same(before, chunkRows(runs), &why), qPrintable(why));
        qInfo("1,000,000 points compared bit for bit in %lld ms", qint64(t.elapsed()));
    }
};

QTEST_GUILESS_MAIN(TestMetricMigration)
#include "tst_metric_migration.moc"
