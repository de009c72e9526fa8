// SPDX-License-Identifier: Apache-2.0
// A run synced over HTTP (POST /api/sync/runs with a Bearer API key, to the real
// server running in-process on the same store) shows up in the open Runs panel
// within a second, by the change bus alone. Runs on SQLite and PostgreSQL.
#include "TestHttp.h"

#include "models/runs/RunService.h"
#include "ui/runs/RunDetailsDialog.h"
#include "ui/runs/RunsModel.h"
#include "ui/runs/RunsPanel.h"

#include <QApplication>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTableView>
#include <QTest>
#include <QtCharts/QChart>

using namespace Qt::StringLiterals;

using namespace wfx;
using wfx::ui::RunDetailsDialog;
using wfx::ui::RunsModel;
using wfx::ui::RunsPanel;

namespace {

int rowNamed(const RunsModel *m, const QString &name)
{
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->runAt(r).name == name)
            return r;
    return -1;
}
} // namespace

class TestRunsLive : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestServer> srv;
    wfxtest::TestUser user;
    QString projectId;

    QJsonObject runBody(const QString &clientRunId, const QString &name) const
    {
        return QJsonObject{
            {u"project_id"_s, projectId},
            {u"client_run_id"_s, clientRunId},
            {u"name"_s, name},
            {u"status"_s, u"completed"_s},
            {u"manifest"_s, QJsonObject{{u"algo"_s, u"dreamer-v3"_s}}},
            {u"metrics"_s,
             QJsonArray{QJsonObject{{u"name"_s, u"loss"_s}, {u"step"_s, 0}, {u"value"_s, 1.25}}}},
            {u"log"_s, u"epoch 1 done\n"_s}};
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void initTestCase() { wfxtest::useFastPasswordHashing(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        srv = std::make_unique<wfxtest::TestServer>(ServerConfig{}, true, backend);
        user = wfxtest::signup(srv->port, u"live"_s);
        QVERIFY(user.api);
        const QJsonObject ws = wfxtest::createWorkspace(*user.api, u"Robotics lab"_s);
        QVERIFY(!ws.isEmpty());
        const wfxtest::HttpResult p =
            user.api->post(u"/api/projects"_s, QJsonObject{{u"workspace_id"_s, ws.value(u"id"_s)},
                                                           {u"name"_s, u"dreamer"_s}});
        QCOMPARE(p.status, 201);
        projectId = p.object("project").value(u"id"_s).toString();
    }
    void cleanup()
    {
        QTest::qWait(0);
        user = {};
        srv.reset();
    }

    void runSyncedOverHttpAppearsWithinASecond()
    {
        RunsPanel panel(srv->store.ctx, Actor::system());
        panel.resize(900, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        RunsModel *m = panel.model();
        QVERIFY(QTest::qWaitFor([m] { return !m->isLoading(); }, 10000));
        QCOMPARE(m->rowCount(), 0);

        const wfxtest::HttpResult r =
            user.api->post(u"/api/sync/runs"_s, runBody(u"c-1"_s, u"synced-over-http"_s));
        QCOMPARE(r.status, 201);
        const QString runId = r.object("run").value(u"id"_s).toString();
        QVERIFY(!runId.isEmpty());
        QCOMPARE(srv->store.count(u"runs"_s), 1); // the effect is in the store

        // The spec: visible in the open panel within one second, with no user action.
        QTRY_VERIFY_WITH_TIMEOUT(rowNamed(m, u"synced-over-http"_s) >= 0, 1000);
        QCOMPARE(m->runAt(rowNamed(m, u"synced-over-http"_s)).id, runId);
        QVERIFY(!panel.hasPendingRefresh());

        // A second run arrives too, newest first. The test clock stands still and
        // runs are ordered by (created_at, id): let time pass, or the order of two
        // runs created in the same millisecond is the order of their random ids.
        srv->store.clock.advanceMs(1000);
        QCOMPARE(user.api->post(u"/api/sync/runs"_s, runBody(u"c-2"_s, u"second-run"_s)).status,
                 201);
        QTRY_VERIFY_WITH_TIMEOUT(m->rowCount() == 2 && m->runAt(0).name == u"second-run"_s, 1000);

        // The same client_run_id again is idempotent: no second row appears.
        QCOMPARE(user.api->post(u"/api/sync/runs"_s, runBody(u"c-2"_s, u"second-run"_s)).status,
                 200);
        QTest::qWait(RunsPanel::kLiveDebounceMs * 2);
        QTRY_COMPARE_WITH_TIMEOUT(m->isLoading(), false, 5000);
        QCOMPARE(m->rowCount(), 2);
        QCOMPARE(srv->store.count(u"runs"_s), 2);
    }

    // A run that grows while it trains (CONTRACT.md 3, Runs that grow): each
    // batch shows in the open panel, its status and point count with it.
    void growingRunFollowsInTheOpenPanel()
    {
        RunsPanel panel(srv->store.ctx, Actor::system());
        panel.resize(900, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        RunsModel *m = panel.model();
        QJsonObject first = runBody(u"grow"_s, u"growing-run"_s);
        first.insert(u"status"_s, u"running"_s);
        QCOMPARE(user.api->post(u"/api/sync/runs"_s, first).status, 201);
        QTRY_VERIFY_WITH_TIMEOUT(rowNamed(m, u"growing-run"_s) >= 0, 1000);
        QCOMPARE(m->runAt(rowNamed(m, u"growing-run"_s)).status, u"running"_s);
        QCOMPARE(m->runAt(rowNamed(m, u"growing-run"_s)).metricCount, 1);
        for (int batch = 1; batch <= 3; ++batch) {
            QJsonArray points;
            for (int step = batch * 10; step < batch * 10 + 10; ++step)
                points.append(QJsonObject{
                    {u"name"_s, u"loss"_s}, {u"step"_s, step}, {u"value"_s, 1.0 / step}});
            QJsonObject body{{u"project_id"_s, projectId},
                             {u"client_run_id"_s, u"grow"_s},
                             {u"metrics"_s, points}};
            if (batch == 3)
                body.insert(u"status"_s, u"completed"_s);
            QCOMPARE(user.api->post(u"/api/sync/runs"_s, body).status, 200);
            QTRY_VERIFY_WITH_TIMEOUT(rowNamed(m, u"growing-run"_s) >= 0 &&
                                         m->runAt(rowNamed(m, u"growing-run"_s)).metricCount ==
                                             1 + batch * 10,
                                     1000);
        }
        QCOMPARE(m->runAt(rowNamed(m, u"growing-run"_s)).status, u"completed"_s);
        QCOMPARE(m->rowCount(), 1);
    }

    // The open run details follow a growing run: status, point count, a new
    // series in the list and on the chart, the log's new lines.
    void growingRunFollowsInItsOpenDetails()
    {
        QJsonObject first = runBody(u"grow-details"_s, u"growing-details"_s);
        first.insert(u"status"_s, u"running"_s);
        const wfxtest::HttpResult created = user.api->post(u"/api/sync/runs"_s, first);
        QCOMPARE(created.status, 201);
        auto run = RunService(srv->store.ctx)
                       .get(Actor::system(), created.object("run").value(u"id"_s).toString());
        QVERIFY(run.ok());
        RunDetailsDialog dialog(srv->store.ctx, Actor::system(), run.value());
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTRY_VERIFY_WITH_TIMEOUT(dialog.isLoaded(), 5000);
        auto *points = dialog.findChild<QLabel *>(u"metricPoints"_s);
        auto *status = dialog.findChild<QLabel *>(u"status"_s);
        QVERIFY(points && status);
        QCOMPARE(points->text(), QLocale().toString(1));

        QJsonArray batch;
        for (int step = 1; step <= 20; ++step)
            batch.append(
                QJsonObject{{u"name"_s, u"reward"_s}, {u"step"_s, step}, {u"value"_s, step * 0.5}});
        const QString log = u"epoch 1 done\n"_s;
        QCOMPARE(user.api
                     ->post(u"/api/sync/runs"_s,
                            QJsonObject{{u"project_id"_s, projectId},
                                        {u"client_run_id"_s, u"grow-details"_s},
                                        {u"status"_s, u"completed"_s},
                                        {u"metrics"_s, batch},
                                        {u"log"_s, u"epoch 2 done\n"_s},
                                        {u"log_offset"_s, double(log.toUtf8().size())}})
                     .status,
                 200);
        QTRY_COMPARE_WITH_TIMEOUT(points->text(), QLocale().toString(21), 2000);
        QCOMPARE(status->text(), RunsModel::statusText(u"completed"_s));
        QTRY_VERIFY_WITH_TIMEOUT(
            dialog.logView()->toPlainText() == u"epoch 1 done\nepoch 2 done\n"_s, 2000);
        // The new series joined the list and the chart (two lines now: loss and reward).
        QTRY_COMPARE_WITH_TIMEOUT(dialog.chart()->series().size(), 2, 2000);
        dialog.close();
    }

    void runSyncedWhileScrolledDownOffersRefresh()
    {
        // Enough rows to scroll: the panel must not jump away from what the user reads.
        for (int i = 0; i < 60; ++i)
            QCOMPARE(
                user.api->post(u"/api/sync/runs"_s, runBody(u"old-%1"_s.arg(i), u"old-%1"_s.arg(i)))
                    .status,
                201);
        RunsPanel panel(srv->store.ctx, Actor::system());
        panel.resize(900, 400);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        RunsModel *m = panel.model();
        QTRY_COMPARE_WITH_TIMEOUT(m->rowCount(), 60, 10000);
        QScrollBar *bar = panel.view()->verticalScrollBar();
        QVERIFY(bar->maximum() > 0);
        panel.view()->setFocus();
        // In a table, End/Home move along the row's columns; Ctrl+End/Ctrl+Home go
        // to the last/first row (QTableView's keys).
        QTest::keyClick(panel.view(), Qt::Key_End, Qt::ControlModifier);
        QTRY_VERIFY(bar->value() > 0);

        srv->store.clock.advanceMs(1000); // newer than the 60 (same-time rows order by random id)
        QCOMPARE(user.api->post(u"/api/sync/runs"_s, runBody(u"late"_s, u"late-run"_s)).status,
                 201);
        QTRY_VERIFY_WITH_TIMEOUT(panel.hasPendingRefresh(), 1000);
        QCOMPARE(rowNamed(m, u"late-run"_s), -1);
        QTest::keyClick(panel.view(), Qt::Key_Home, Qt::ControlModifier);
        QTRY_VERIFY_WITH_TIMEOUT(rowNamed(m, u"late-run"_s) == 0, 1000);
        QVERIFY(!panel.hasPendingRefresh());
    }
};

QTEST_MAIN(TestRunsLive)
#include "tst_runs_live.moc"
