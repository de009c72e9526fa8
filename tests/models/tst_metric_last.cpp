// SPDX-License-Identifier: Apache-2.0
// Each run's last value per metric (run_metric_last, migration metric_last):
// kept by metricstore::add as runs grow, the runs list's metric filter and
// order with keyset paging, the expression parser, and the migration's data
// step. Both backends.
#include "TestStore.h"

#include "models/core/Ids.h"
#include "models/core/JsonWriter.h"
#include "models/db/Migrator.h"
#include "models/runs/MetricFilter.h"
#include "models/runs/MetricStore.h"
#include "models/runs/RunService.h"
#include "models/workspaces/WorkspaceService.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

using namespace wfx;
using wfxtest::why;

namespace {

QJsonArray point(const QString &name, qint64 step, double value)
{
    return QJsonArray{
        QJsonObject{{u"name"_s, name}, {u"step"_s, double(step)}, {u"value"_s, value}}};
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

    Result<SyncResult> sync(const QString &project, const QString &clientRunId,
                            const QJsonArray &metrics)
    {
        QJsonObject b{
            {u"project_id"_s, project}, {u"client_run_id"_s, clientRunId}, {u"metrics"_s, metrics}};
        b.insert(u"name"_s, clientRunId);
        b.insert(u"status"_s, u"running"_s);
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
        Query q(s->db->connection(),
                u"SELECT step, value FROM run_metric_last WHERE run_id = :r AND name = :n"_s);
        q.bind(u":r"_s, runId).bind(u":n"_s, name);
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
            if (o.value(u"items"_s).toArray() != expected ||
                o.value(u"next_cursor"_s).toString() != page->nextCursor)
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
        alice = s->createUser(u"alice@example.com"_s);
        WorkspaceService w(s->ctx);
        ws = w.create(s->actor(alice), u"A"_s)->id;
        ws2 = w.create(s->actor(alice), u"B"_s)->id;
        proj = w.createProject(s->actor(alice), ws, u"p"_s)->id;
        proj2 = w.createProject(s->actor(alice), ws2, u"q"_s)->id;
    }
    void cleanup() { s.reset(); }

    void aLaterHigherStepMovesTheLastValueALowerOneDoesNot()
    {
        auto r1 = sync(proj, u"g"_s, concat(point(u"loss"_s, 10, 1.0), point(u"loss"_s, 20, 0.5)));
        QVERIFY2(r1.ok(), why(r1).constData());
        const QString id = r1->run.id;
        QCOMPARE(last(id, u"loss"_s), (std::pair<qint64, double>{20, 0.5}));
        // A late batch with lower steps only: stored, the last value stays.
        auto r2 = sync(proj, u"g"_s, concat(point(u"loss"_s, 5, 9.0), point(u"loss"_s, 15, 8.0)));
        QVERIFY2(r2.ok(), why(r2).constData());
        QCOMPARE(r2->run.metricCount, 4);
        QCOMPARE(last(id, u"loss"_s), (std::pair<qint64, double>{20, 0.5}));
        // The stored step again with another value: ignored, the value stays.
        QVERIFY(sync(proj, u"g"_s, point(u"loss"_s, 20, 7.0)).ok());
        QCOMPARE(last(id, u"loss"_s), (std::pair<qint64, double>{20, 0.5}));
        // A higher step: the last value follows; a new series gets its own row.
        QVERIFY(
            sync(proj, u"g"_s, concat(point(u"loss"_s, 30, 0.25), point(u"acc"_s, 3, 0.9))).ok());
        QCOMPARE(last(id, u"loss"_s), (std::pair<qint64, double>{30, 0.25}));
        QCOMPARE(last(id, u"acc"_s), (std::pair<qint64, double>{3, 0.9}));
        // Points out of order in one batch: the highest step wins, not the last sent.
        QVERIFY(sync(proj, u"g"_s, concat(point(u"loss"_s, 50, 0.125), point(u"loss"_s, 40, 3.0)))
                    .ok());
        QCOMPARE(last(id, u"loss"_s), (std::pair<qint64, double>{50, 0.125}));
        // What the comparison shows agrees.
        auto sums = RunService(s->ctx).metricSummaries(s->actor(alice), id);
        QVERIFY(sums.ok());
        QCOMPARE(sums->size(), 2);
        QCOMPARE(sums->at(1).name, u"loss"_s);
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
            pts.append(QJsonObject{
                {u"name"_s, u"loss"_s}, {u"step"_s, i}, {u"value"_s, (i % 977) - 300.5 + i / 7.0}});
        const QString id = run(proj, u"long"_s, pts);
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
        const QString mallory = s->createUser(u"mallory@example.com"_s);
        QCOMPARE(RunService(s->ctx).metricSummaries(s->actor(mallory), id).error().code,
                 ErrorCode::NotFound);
    }

    void filtersAndOrdersByTheLastValueWithKeysetPages()
    {
        // Seven runs over two workspaces; "none" has no loss.
        const double losses[] = {0.5, 0.05, 0.2, 0.01, 0.05, 0.3};
        for (int i = 0; i < 6; ++i)
            run(i % 2 ? proj2 : proj, u"r%1"_s.arg(i),
                concat(point(u"loss"_s, 100, losses[i]), point(u"eval/return"_s, 7, 10.0 * i)));
        run(proj, u"none"_s, point(u"acc"_s, 1, 1.0));
        // Newest first, filtered: the same order as without the filter.
        QCOMPARE(names(where(u"loss < 0.1"_s), 2), (QStringList{u"r4"_s, u"r3"_s, u"r1"_s}));
        QCOMPARE(names(where(u"loss<=0.05"_s), 50), (QStringList{u"r4"_s, u"r3"_s, u"r1"_s}));
        QCOMPARE(names(where(u"loss = 0.05"_s), 1), (QStringList{u"r4"_s, u"r1"_s}));
        QCOMPARE(names(where(u"loss != 0.05"_s), 3),
                 (QStringList{u"r5"_s, u"r3"_s, u"r2"_s, u"r0"_s}));
        QCOMPARE(names(where(u"eval/return >= 30"_s), 2), (QStringList{u"r5"_s, u"r4"_s, u"r3"_s}));
        QCOMPARE(names(where(u"nothing > 0"_s), 2), QStringList{});
        // By the metric, over both workspaces, in pages of 1, 2 and 4; ties by id.
        QStringList byLoss = names(where({}, u"loss"_s), 50);
        QCOMPARE(byLoss.size(), 6);
        QCOMPARE(byLoss.first(), u"r3"_s);
        QCOMPARE(QSet<QString>(byLoss.begin() + 1, byLoss.begin() + 3),
                 (QSet<QString>{u"r1"_s, u"r4"_s}));
        QCOMPARE(byLoss.mid(3), (QStringList{u"r2"_s, u"r5"_s, u"r0"_s}));
        for (int limit : {1, 2, 4})
            QCOMPARE(names(where({}, u"loss"_s), limit), byLoss);
        QStringList reversed(byLoss.rbegin(), byLoss.rend());
        for (int limit : {1, 3, 50})
            QCOMPARE(names(where({}, u"loss"_s, true), limit), reversed);
        // Filter and order on one metric: the filter is the order's range.
        QCOMPARE(names(where(u"loss > 0.04"_s, u"loss"_s), 1), byLoss.mid(1));
        QCOMPARE(names(where(u"loss > 0.04"_s, u"loss"_s, true), 2), reversed.mid(0, 5));
        // Filter on one metric, order by another.
        QCOMPARE(names(where(u"loss < 0.1"_s, u"eval/return"_s, true), 1),
                 (QStringList{u"r4"_s, u"r3"_s, u"r1"_s}));
        // One workspace and one project.
        RunFilter inWs = where(u"loss < 1"_s, u"loss"_s);
        inWs.workspaceId = ws2;
        QCOMPARE(names(inWs, 1), (QStringList{u"r3"_s, u"r1"_s, u"r5"_s}));
        inWs.workspaceId.clear();
        inWs.projectId = proj;
        QCOMPARE(names(inWs, 2), (QStringList{u"r4"_s, u"r2"_s, u"r0"_s}));
        // The system actor (the console) sees every run in one range.
        RunFilter all = where({}, u"loss"_s);
        auto page = RunService(s->ctx).list(Actor::system(), all, 50, {});
        QVERIFY(page.ok());
        QCOMPARE(page->items.size(), 6);
        QCOMPARE(page->items.first().name, u"r3"_s);
    }

    void aCursorBelongsToItsOrder()
    {
        for (int i = 0; i < 3; ++i)
            run(proj, u"r%1"_s.arg(i), point(u"loss"_s, 1, i));
        RunService runs(s->ctx);
        auto byLoss = runs.list(s->actor(alice), where({}, u"loss"_s), 1, {});
        QVERIFY(byLoss.ok());
        QVERIFY(!byLoss->nextCursor.isEmpty());
        auto newest = runs.list(s->actor(alice), {}, 1, {});
        QVERIFY(newest.ok());
        // A newest-first cursor with the metric order, the metric order's cursor
        // with newest first, another metric or the other direction: refused.
        for (const auto &[f, c] : {std::pair{where({}, u"loss"_s), newest->nextCursor},
                                   std::pair{RunFilter{}, byLoss->nextCursor},
                                   std::pair{where({}, u"acc"_s), byLoss->nextCursor},
                                   std::pair{where({}, u"loss"_s, true), byLoss->nextCursor}}) {
            auto r = runs.list(s->actor(alice), f, 1, c);
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, ErrorCode::Validation);
            QCOMPARE(r.error().details.value(0).field, u"cursor"_s);
        }
    }

    void deletingARunDeletesItsLastValues()
    {
        const QString id =
            run(proj, u"gone"_s, concat(point(u"loss"_s, 1, 1.0), point(u"acc"_s, 1, 1.0)));
        run(proj, u"kept"_s, point(u"loss"_s, 1, 1.0));
        QCOMPARE(s->count(u"run_metric_last"_s), 3);
        QVERIFY(RunService(s->ctx).remove(s->actor(alice), id).ok());
        QCOMPARE(s->count(u"run_metric_last"_s), 1);
        QCOMPARE(names(where(u"loss > 0"_s), 5), QStringList{u"kept"_s});
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
        QTest::newRow("lt") << u"loss < 0.1"_s << u"loss"_s << int(O::Less) << 0.1 << int(P::None);
        QTest::newRow("no spaces")
            << u"loss<=1e-3"_s << u"loss"_s << int(O::LessEqual) << 1e-3 << int(P::None);
        QTest::newRow("slash") << u"eval/return >= 200"_s << u"eval/return"_s
                               << int(O::GreaterEqual) << 200.0 << int(P::None);
        QTest::newRow("dots, spaces") << u"  train.loss avg > -2.5 "_s << u"train.loss avg"_s
                                      << int(O::Greater) << -2.5 << int(P::None);
        QTest::newRow("eq") << u"acc = .5"_s << u"acc"_s << int(O::Equal) << 0.5 << int(P::None);
        QTest::newRow("eqeq") << u"acc == 1"_s << u"acc"_s << int(O::Equal) << 1.0 << int(P::None);
        QTest::newRow("ne") << u"acc != 1"_s << u"acc"_s << int(O::NotEqual) << 1.0 << int(P::None);
        QTest::newRow("quoted") << u"\"a<b \\\"x\\\"\" >= 3"_s << u"a<b \"x\""_s
                                << int(O::GreaterEqual) << 3.0 << int(P::None);
        QTest::newRow("empty") << u"  "_s << QString() << 0 << 0.0 << int(P::Empty);
        QTest::newRow("no name") << u"< 3"_s << QString() << 0 << 0.0 << int(P::MissingName);
        QTest::newRow("no op") << u"loss 3"_s << QString() << 0 << 0.0 << int(P::MissingOp);
        QTest::newRow("no value") << u"loss <"_s << QString() << 0 << 0.0 << int(P::MissingValue);
        QTest::newRow("bad value") << u"loss < abc"_s << QString() << 0 << 0.0 << int(P::BadValue);
        QTest::newRow("comma") << u"loss < 0,1"_s << QString() << 0 << 0.0 << int(P::BadValue);
        QTest::newRow("inf") << u"loss < inf"_s << QString() << 0 << 0.0 << int(P::BadValue);
        QTest::newRow("nan") << u"loss < nan"_s << QString() << 0 << 0.0 << int(P::BadValue);
        QTest::newRow("=<") << u"loss =< 1"_s << QString() << 0 << 0.0 << int(P::BadValue);
        QTest::newRow("open quote")
            << u"\"loss < 1"_s << QString() << 0 << 0.0 << int(P::Unterminated);
        QTest::newRow("long") << QString(201, QLatin1Char('x')) + u" < 1"_s << QString() << 0 << 0.0
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
            version = Migrator(*probe.db).versionNamed(u"metric_last"_s);
        }
        QVERIFY(version > 1);
        s.reset();
        s = std::make_unique<wfxtest::TestStore>(backend, version - 1);
        alice = s->createUser(u"alice@example.com"_s);
        WorkspaceService w(s->ctx);
        auto createdWs = w.create(s->actor(alice), u"A"_s);
        QVERIFY2(createdWs.ok(), why(createdWs).constData());
        ws = createdWs->id;
        auto createdProj = w.createProject(s->actor(alice), ws, u"p"_s);
        QVERIFY2(createdProj.ok(), why(createdProj).constData());
        proj = createdProj->id;
        // Runs written by the program before metric_last: chunks, no last values.
        QStringList runs;
        for (int i = 0; i < 5; ++i) {
            const QString id = ids::newUuid();
            Query q(s->db->connection(),
                    u"INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, "
                    "status, created_at, evidence) VALUES (:id, :p, :w, :c, :n, 'running', "
                    ":t, 'unsigned')"_s);
            q.bind(u":id"_s, id)
                .bind(u":p"_s, proj)
                .bind(u":w"_s, ws)
                .bind(u":c"_s, id)
                .bind(u":n"_s, u"r%1"_s.arg(i))
                .bind(u":t"_s, s->clock.nowMs() + i);
            QVERIFY2(q.exec(), qPrintable(q.errorText()));
            // Two batches, the second's steps below the first's: the last is step 9000 + i.
            QList<MetricInput> a, b;
            for (int k = 0; k < 5000; ++k)
                a.append({u"loss"_s, 4000 + k + i, 1.0 / (k + 1) + i});
            for (int k = 0; k < 3000; ++k)
                b.append({u"loss"_s, k, 100.0 + k});
            b.append({u"acc"_s, 7, 0.5 * i});
            for (const auto &batch : {a, b}) {
                auto added =
                    metricstore::add(s->db->connection(), id, batch, metricstore::Rollups::Rebuild,
                                     metricstore::Stored::Maybe, metricstore::LastValues::Skip);
                QVERIFY2(added.ok(), why(added).constData());
            }
            runs << id;
        }
        // Half way (a stop after two runs), then the rest at the next start.
        Migrator m(*s->db);
        m.stopDataStepsAfter(2);
        QVERIFY(m.runUpTo(version).ok());
        QCOMPARE(s->count(u"run_metric_last"_s), 4);
        QCOMPARE(s->count(u"run_metric_last_pending"_s), 3);
        QVERIFY(Migrator(*s->db).run().ok());
        QSqlQuery gone(s->db->connection());
        QVERIFY(!gone.exec(u"SELECT COUNT(*) FROM run_metric_last_pending"_s));
        QCOMPARE(s->count(u"run_metric_last"_s), 10);
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(last(runs[i], u"loss"_s),
                     (std::pair<qint64, double>{8999 + i, 1.0 / 5000 + i}));
            QCOMPARE(last(runs[i], u"acc"_s), (std::pair<qint64, double>{7, 0.5 * i}));
        }
        // And the list filters on them.
        QCOMPARE(names(where(u"loss < 2"_s, u"loss"_s), 2), (QStringList{u"r0"_s, u"r1"_s}));
        // Running again changes nothing.
        QVERIFY(Migrator(*s->db).run().ok());
        QCOMPARE(s->count(u"run_metric_last"_s), 10);
    }
};

QTEST_GUILESS_MAIN(TestMetricLast)
#include "tst_metric_last.moc"
