// SPDX-License-Identifier: Apache-2.0
// Each run's last value per metric (run_metric_last, migration metric_last):
// kept by metricstore::add as runs grow, the runs list's metric filter and
// order with keyset paging, the expression parser, and the migration's data
// step. Both backends.
#include "TestStore.h"

#include "db/Migrator.h"
#include "core/Ids.h"
#include "core/JsonWriter.h"
#include "runs/MetricFilter.h"
#include "runs/MetricStore.h"
#include "runs/RunService.h"
#include "workspaces/WorkspaceService.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlQuery>

using namespace wfx;
using wfxtest::why;

namespace {
QString S(const char *s)
{
    return QString::fromUtf8(s);
}

QJsonArray point(const QString &name, qint64 step, double value)
{
    return QJsonArray{QJsonObject{{S("name"), name}, {S("step"), double(step)}, {S("value"), value}}};
}

QJsonArray concat(QJsonArray a, const QJsonArray &b)
{
    for (const auto &v : b)
        a.append(v);
    return a;
}
} // namespace

class TestMetricLast : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, ws, ws2, proj, proj2;

    Result<SyncResult> sync(const QString &project, const QString &clientRunId, const QJsonArray &metrics)
    {
        QJsonObject b{{S("project_id"), project}, {S("client_run_id"), clientRunId}, {S("metrics"), metrics}};
        b.insert(S("name"), clientRunId);
        b.insert(S("status"), S("running"));
        return RunService(s->ctx).sync(s->actor(alice), b);
    }
    QString run(const QString &project, const QString &name, const QJsonArray &metrics)
    {
        s->clock.advanceMs(10);
        auto r = sync(project, name, metrics);
        if (!r)
            qFatal("sync: %s", qPrintable(r.error().message));
        return r->run.id;
    }
    // (step, value) of run_metric_last, or (-1, 0).
    std::pair<qint64, double> last(const QString &runId, const QString &name)
    {
        Query q(s->db->connection(), S("SELECT step, value FROM run_metric_last WHERE run_id = :r AND name = :n"));
        q.bind(S(":r"), runId).bind(S(":n"), name);
        if (!q.exec() || !q.next())
            return {-1, 0};
        return {q.i64(0), q.dbl(1)};
    }
    // Names of every run of a listing, page by page (limit each), checking
    // that list() and writeList() agree page for page.
    QStringList names(const RunFilter &f, int limit, QString *error = nullptr)
    {
        QStringList out;
        QString cursor;
        RunService runs(s->ctx);
        for (int pages = 0; pages < 100; ++pages) {
            auto page = runs.list(s->actor(alice), f, limit, cursor);
            if (!page) {
                qWarning() << "list:" << page.error().message;
                if (error)
                    *error = page.error().message;
                return {};
            }
            JsonWriter w;
            if (!runs.writeList(w, s->actor(alice), f, limit, cursor))
                qFatal("writeList");
            const QJsonObject o = QJsonDocument::fromJson(w.take()).object();
            QJsonArray expected;
            for (const Run &r : std::as_const(page->items)) {
                out << r.name;
                expected.append(r.toJson());
            }
            if (o.value(S("items")).toArray() != expected ||
                o.value(S("next_cursor")).toString() != page->nextCursor)
                qFatal("writeList differs from list");
            cursor = page->nextCursor;
            if (cursor.isEmpty())
                break;
        }
        return out;
    }
    static RunFilter where(const QString &expr, const QString &order = {}, bool desc = false)
    {
        RunFilter f;
        if (!expr.isEmpty()) {
            auto p = metricfilter::parse(expr);
            if (!p.condition)
                qFatal("parse %s", qPrintable(expr));
            f.metric = p.condition;
        }
        f.orderMetric = order;
        f.orderDescending = desc;
        return f;
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
        ws2 = w.create(s->actor(alice), S("B"))->id;
        proj = w.createProject(s->actor(alice), ws, S("p"))->id;
        proj2 = w.createProject(s->actor(alice), ws2, S("q"))->id;
    }
    void cleanup() { s.reset(); }

    void aLaterHigherStepMovesTheLastValueALowerOneDoesNot()
    {
        auto r1 = sync(proj, S("g"), concat(point(S("loss"), 10, 1.0), point(S("loss"), 20, 0.5)));
        QVERIFY2(r1.ok(), why(r1).constData());
        const QString id = r1->run.id;
        QCOMPARE(last(id, S("loss")), (std::pair<qint64, double>{20, 0.5}));
        // A late batch with lower steps only: stored, the last value stays.
        auto r2 = sync(proj, S("g"), concat(point(S("loss"), 5, 9.0), point(S("loss"), 15, 8.0)));
        QVERIFY2(r2.ok(), why(r2).constData());
        QCOMPARE(r2->run.metricCount, 4);
        QCOMPARE(last(id, S("loss")), (std::pair<qint64, double>{20, 0.5}));
        // The stored step again with another value: ignored, the value stays.
        QVERIFY(sync(proj, S("g"), point(S("loss"), 20, 7.0)).ok());
        QCOMPARE(last(id, S("loss")), (std::pair<qint64, double>{20, 0.5}));
        // A higher step: the last value follows; a new series gets its own row.
        QVERIFY(sync(proj, S("g"), concat(point(S("loss"), 30, 0.25), point(S("acc"), 3, 0.9))).ok());
        QCOMPARE(last(id, S("loss")), (std::pair<qint64, double>{30, 0.25}));
        QCOMPARE(last(id, S("acc")), (std::pair<qint64, double>{3, 0.9}));
        // Points out of order in one batch: the highest step wins, not the last sent.
        QVERIFY(sync(proj, S("g"), concat(point(S("loss"), 50, 0.125), point(S("loss"), 40, 3.0))).ok());
        QCOMPARE(last(id, S("loss")), (std::pair<qint64, double>{50, 0.125}));
        // What the comparison shows agrees.
        auto sums = RunService(s->ctx).metricSummaries(s->actor(alice), id);
        QVERIFY(sums.ok());
        QCOMPARE(sums->size(), 2);
        QCOMPARE(sums->at(1).name, S("loss"));
        QCOMPARE(sums->at(1).last, 0.125);
        QCOMPARE(sums->at(1).lastStep, 50);
        QCOMPARE(sums->at(1).min, 0.125);
        QCOMPARE(sums->at(1).max, 9.0);
        QCOMPARE(sums->at(1).points, 7);
    }

    void summariesOfALongSeriesComeFromItsRollup()
    {
        QJsonArray pts;
        for (int i = 0; i < 20000; ++i)
            pts.append(QJsonObject{{S("name"), S("loss")}, {S("step"), i}, {S("value"), (i % 977) - 300.5 + i / 7.0}});
        const QString id = run(proj, S("long"), pts);
        double lo = 1e300, hi = -1e300;
        for (int i = 0; i < 20000; ++i) {
            lo = std::min(lo, (i % 977) - 300.5 + i / 7.0);
            hi = std::max(hi, (i % 977) - 300.5 + i / 7.0);
        }
        auto sums = RunService(s->ctx).metricSummaries(s->actor(alice), id);
        QVERIFY(sums.ok());
        QCOMPARE(sums->size(), 1);
        QCOMPARE(sums->at(0).min, lo);
        QCOMPARE(sums->at(0).max, hi);
        QCOMPARE(sums->at(0).last, (19999 % 977) - 300.5 + 19999 / 7.0);
        QCOMPARE(sums->at(0).points, 20000);
        // Another workspace's run is not found.
        const QString mallory = s->createUser(S("mallory@example.com"));
        QCOMPARE(RunService(s->ctx).metricSummaries(s->actor(mallory), id).error().code, ErrorCode::NotFound);
    }

    void filtersAndOrdersByTheLastValueWithKeysetPages()
    {
        // Seven runs over two workspaces; "none" has no loss.
        const double losses[] = {0.5, 0.05, 0.2, 0.01, 0.05, 0.3};
        for (int i = 0; i < 6; ++i)
            run(i % 2 ? proj2 : proj, S("r%1").arg(i),
                concat(point(S("loss"), 100, losses[i]), point(S("eval/return"), 7, 10.0 * i)));
        run(proj, S("none"), point(S("acc"), 1, 1.0));
        // Newest first, filtered: the same order as without the filter.
        QCOMPARE(names(where(S("loss < 0.1")), 2), (QStringList{S("r4"), S("r3"), S("r1")}));
        QCOMPARE(names(where(S("loss<=0.05")), 50), (QStringList{S("r4"), S("r3"), S("r1")}));
        QCOMPARE(names(where(S("loss = 0.05")), 1), (QStringList{S("r4"), S("r1")}));
        QCOMPARE(names(where(S("loss != 0.05")), 3), (QStringList{S("r5"), S("r3"), S("r2"), S("r0")}));
        QCOMPARE(names(where(S("eval/return >= 30")), 2), (QStringList{S("r5"), S("r4"), S("r3")}));
        QCOMPARE(names(where(S("nothing > 0")), 2), QStringList{});
        // By the metric, over both workspaces, in pages of 1, 2 and 4; ties by id.
        QStringList byLoss = names(where({}, S("loss")), 50);
        QCOMPARE(byLoss.size(), 6);
        QCOMPARE(byLoss.first(), S("r3"));
        QCOMPARE(QSet<QString>(byLoss.begin() + 1, byLoss.begin() + 3), (QSet<QString>{S("r1"), S("r4")}));
        QCOMPARE(byLoss.mid(3), (QStringList{S("r2"), S("r5"), S("r0")}));
        for (int limit : {1, 2, 4})
            QCOMPARE(names(where({}, S("loss")), limit), byLoss);
        QStringList reversed(byLoss.rbegin(), byLoss.rend());
        for (int limit : {1, 3, 50})
            QCOMPARE(names(where({}, S("loss"), true), limit), reversed);
        // Filter and order on one metric: the filter is the order's range.
        QCOMPARE(names(where(S("loss > 0.04"), S("loss")), 1), byLoss.mid(1));
        QCOMPARE(names(where(S("loss > 0.04"), S("loss"), true), 2), reversed.mid(0, 5));
        // Filter on one metric, order by another.
        QCOMPARE(names(where(S("loss < 0.1"), S("eval/return"), true), 1), (QStringList{S("r4"), S("r3"), S("r1")}));
        // One workspace and one project.
        RunFilter inWs = where(S("loss < 1"), S("loss"));
        inWs.workspaceId = ws2;
        QCOMPARE(names(inWs, 1), (QStringList{S("r3"), S("r1"), S("r5")}));
        inWs.workspaceId.clear();
        inWs.projectId = proj;
        QCOMPARE(names(inWs, 2), (QStringList{S("r4"), S("r2"), S("r0")}));
        // The system actor (the console) sees every run in one range.
        RunFilter all = where({}, S("loss"));
        auto page = RunService(s->ctx).list(Actor::system(), all, 50, {});
        QVERIFY(page.ok());
        QCOMPARE(page->items.size(), 6);
        QCOMPARE(page->items.first().name, S("r3"));
    }

    void aCursorBelongsToItsOrder()
    {
        for (int i = 0; i < 3; ++i)
            run(proj, S("r%1").arg(i), point(S("loss"), 1, i));
        RunService runs(s->ctx);
        auto byLoss = runs.list(s->actor(alice), where({}, S("loss")), 1, {});
        QVERIFY(byLoss.ok());
        QVERIFY(!byLoss->nextCursor.isEmpty());
        auto newest = runs.list(s->actor(alice), {}, 1, {});
        QVERIFY(newest.ok());
        // A newest-first cursor with the metric order, the metric order's cursor
        // with newest first, another metric or the other direction: refused.
        for (const auto &[f, c] : {std::pair{where({}, S("loss")), newest->nextCursor},
                                   std::pair{RunFilter{}, byLoss->nextCursor},
                                   std::pair{where({}, S("acc")), byLoss->nextCursor},
                                   std::pair{where({}, S("loss"), true), byLoss->nextCursor}}) {
            auto r = runs.list(s->actor(alice), f, 1, c);
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, ErrorCode::Validation);
            QCOMPARE(r.error().details.value(0).field, S("cursor"));
        }
    }

    void deletingARunDeletesItsLastValues()
    {
        const QString id = run(proj, S("gone"), concat(point(S("loss"), 1, 1.0), point(S("acc"), 1, 1.0)));
        run(proj, S("kept"), point(S("loss"), 1, 1.0));
        QCOMPARE(s->count(S("run_metric_last")), 3);
        QVERIFY(RunService(s->ctx).remove(s->actor(alice), id).ok());
        QCOMPARE(s->count(S("run_metric_last")), 1);
        QCOMPARE(names(where(S("loss > 0")), 5), QStringList{S("kept")});
    }

    void parsesExpressions_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("op");
        QTest::addColumn<double>("value");
        QTest::addColumn<int>("problem");
        using P = metricfilter::Problem;
        using O = MetricCondition;
        QTest::newRow("lt") << S("loss < 0.1") << S("loss") << int(O::Less) << 0.1 << int(P::None);
        QTest::newRow("no spaces") << S("loss<=1e-3") << S("loss") << int(O::LessEqual) << 1e-3 << int(P::None);
        QTest::newRow("slash") << S("eval/return >= 200") << S("eval/return") << int(O::GreaterEqual) << 200.0
                               << int(P::None);
        QTest::newRow("dots, spaces") << S("  train.loss avg > -2.5 ") << S("train.loss avg") << int(O::Greater)
                                      << -2.5 << int(P::None);
        QTest::newRow("eq") << S("acc = .5") << S("acc") << int(O::Equal) << 0.5 << int(P::None);
        QTest::newRow("eqeq") << S("acc == 1") << S("acc") << int(O::Equal) << 1.0 << int(P::None);
        QTest::newRow("ne") << S("acc != 1") << S("acc") << int(O::NotEqual) << 1.0 << int(P::None);
        QTest::newRow("quoted") << S("\"a<b \\\"x\\\"\" >= 3") << S("a<b \"x\"") << int(O::GreaterEqual) << 3.0
                                << int(P::None);
        QTest::newRow("empty") << S("  ") << QString() << 0 << 0.0 << int(P::Empty);
        QTest::newRow("no name") << S("< 3") << QString() << 0 << 0.0 << int(P::MissingName);
        QTest::newRow("no op") << S("loss 3") << QString() << 0 << 0.0 << int(P::MissingOp);
        QTest::newRow("no value") << S("loss <") << QString() << 0 << 0.0 << int(P::MissingValue);
        QTest::newRow("bad value") << S("loss < abc") << QString() << 0 << 0.0 << int(P::BadValue);
        QTest::newRow("comma") << S("loss < 0,1") << QString() << 0 << 0.0 << int(P::BadValue);
        QTest::newRow("inf") << S("loss < inf") << QString() << 0 << 0.0 << int(P::BadValue);
        QTest::newRow("nan") << S("loss < nan") << QString() << 0 << 0.0 << int(P::BadValue);
        QTest::newRow("=<") << S("loss =< 1") << QString() << 0 << 0.0 << int(P::BadValue);
        QTest::newRow("open quote") << S("\"loss < 1") << QString() << 0 << 0.0 << int(P::Unterminated);
        QTest::newRow("long") << QString(201, QLatin1Char('x')) + S(" < 1") << QString() << 0 << 0.0
                              << int(P::TooLong);
    }
    void parsesExpressions()
    {
        QFETCH(QString, text);
        QFETCH(QString, name);
        QFETCH(int, op);
        QFETCH(double, value);
        QFETCH(int, problem);
        const auto p = metricfilter::parse(text);
        QCOMPARE(int(p.problem), problem);
        if (problem != int(metricfilter::Problem::None)) {
            QVERIFY(!p.condition);
            QVERIFY(!metricfilter::describe(p).isEmpty());
            return;
        }
        QVERIFY(p.condition);
        QCOMPARE(p.condition->name, name);
        QCOMPARE(int(p.condition->op), op);
        QCOMPARE(p.condition->value, value);
        // Written back, it reads the same.
        QCOMPARE(metricfilter::parse(p.condition->toText()).condition, p.condition);
    }

    void theMigrationFillsTheLastValuesOfAnOlderStore()
    {
        QFETCH_GLOBAL(QString, backend);
        int version = 0;
        {
            wfxtest::TestStore probe(backend, 1);
            version = Migrator(*probe.db).versionNamed(S("metric_last"));
        }
        QVERIFY(version > 1);
        s.reset();
        s = std::make_unique<wfxtest::TestStore>(backend, version - 1);
        alice = s->createUser(S("alice@example.com"));
        WorkspaceService w(s->ctx);
        auto createdWs = w.create(s->actor(alice), S("A"));
        QVERIFY2(createdWs.ok(), why(createdWs).constData());
        ws = createdWs->id;
        auto createdProj = w.createProject(s->actor(alice), ws, S("p"));
        QVERIFY2(createdProj.ok(), why(createdProj).constData());
        proj = createdProj->id;
        // Runs written by the program before metric_last: chunks, no last values.
        QStringList runs;
        for (int i = 0; i < 5; ++i) {
            const QString id = ids::newUuid();
            Query q(s->db->connection(), S("INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, "
                                           "status, created_at, evidence) VALUES (:id, :p, :w, :c, :n, 'running', "
                                           ":t, 'unsigned')"));
            q.bind(S(":id"), id).bind(S(":p"), proj).bind(S(":w"), ws).bind(S(":c"), id).bind(S(":n"), S("r%1").arg(i))
                .bind(S(":t"), s->clock.nowMs() + i);
            QVERIFY2(q.exec(), qPrintable(q.errorText()));
            // Two batches, the second's steps below the first's: the last is step 9000 + i.
            QList<MetricInput> a, b;
            for (int k = 0; k < 5000; ++k)
                a.append({S("loss"), 4000 + k + i, 1.0 / (k + 1) + i});
            for (int k = 0; k < 3000; ++k)
                b.append({S("loss"), k, 100.0 + k});
            b.append({S("acc"), 7, 0.5 * i});
            for (const auto &batch : {a, b}) {
                auto added = metricstore::add(s->db->connection(), id, batch, metricstore::Rollups::Rebuild,
                                              metricstore::Stored::Maybe, metricstore::LastValues::Skip);
                QVERIFY2(added.ok(), why(added).constData());
            }
            runs << id;
        }
        // Half way (a stop after two runs), then the rest at the next start.
        Migrator m(*s->db);
        m.stopDataStepsAfter(2);
        QVERIFY(m.runUpTo(version).ok());
        QCOMPARE(s->count(S("run_metric_last")), 4);
        QCOMPARE(s->count(S("run_metric_last_pending")), 3);
        QVERIFY(Migrator(*s->db).run().ok());
        QSqlQuery gone(s->db->connection());
        QVERIFY(!gone.exec(S("SELECT COUNT(*) FROM run_metric_last_pending")));
        QCOMPARE(s->count(S("run_metric_last")), 10);
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(last(runs[i], S("loss")), (std::pair<qint64, double>{8999 + i, 1.0 / 5000 + i}));
            QCOMPARE(last(runs[i], S("acc")), (std::pair<qint64, double>{7, 0.5 * i}));
        }
        // And the list filters on them.
        QCOMPARE(names(where(S("loss < 2"), S("loss")), 2), (QStringList{S("r0"), S("r1")}));
        // Running again changes nothing.
        QVERIFY(Migrator(*s->db).run().ok());
        QCOMPARE(s->count(S("run_metric_last")), 10);
    }
};

QTEST_GUILESS_MAIN(TestMetricLast)
#include "tst_metric_last.moc"
