// SPDX-License-Identifier: Apache-2.0
// A run synced over HTTP (POST /api/sync/runs with a Bearer API key, to the real
// server running in-process on the same store) shows up in the open Runs panel
// within a second, by the change bus alone. Runs on SQLite and PostgreSQL.
#include "TestHttp.h"

#include "runs/RunDetailsDialog.h"
#include "runs/RunService.h"
#include "runs/RunsModel.h"
#include "runs/RunsPanel.h"

#include <QApplication>
#include <QLabel>
#include <QPlainTextEdit>
#include <QtCharts/QChart>
#include <QScrollBar>
#include <QTableView>
#include <QTest>

using namespace wfx;
using wfx::ui::RunDetailsDialog;
using wfx::ui::RunsModel;
using wfx::ui::RunsPanel;

namespace {
QString S(const char *s)
{
    return QString::fromUtf8(s);
}

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
        return QJsonObject{{S("project_id"), projectId},
                           {S("client_run_id"), clientRunId},
                           {S("name"), name},
                           {S("status"), S("completed")},
                           {S("manifest"), QJsonObject{{S("algo"), S("dreamer-v3")}}},
                           {S("metrics"), QJsonArray{QJsonObject{{S("name"), S("loss")}, {S("step"), 0}, {S("value"), 1.25}}}},
                           {S("log"), S("epoch 1 done\n")}};
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void initTestCase() { wfxtest::useFastPasswordHashing(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        srv = std::make_unique<wfxtest::TestServer>(ServerConfig{}, true, backend);
        user = wfxtest::signup(srv->port, S("live"));
        QVERIFY(user.api);
        const QJsonObject ws = wfxtest::createWorkspace(*user.api, S("Robotics lab"));
        QVERIFY(!ws.isEmpty());
        const wfxtest::HttpResult p = user.api->post(
            S("/api/projects"), QJsonObject{{S("workspace_id"), ws.value(S("id"))}, {S("name"), S("dreamer")}});
        QCOMPARE(p.status, 201);
        projectId = p.object("project").value(S("id")).toString();
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

        const wfxtest::HttpResult r = user.api->post(S("/api/sync/runs"), runBody(S("c-1"), S("synced-over-http")));
        QCOMPARE(r.status, 201);
        const QString runId = r.object("run").value(S("id")).toString();
        QVERIFY(!runId.isEmpty());
        QCOMPARE(srv->store.count(S("runs")), 1); // the effect is in the store

        // The spec: visible in the open panel within one second, with no user action.
        QTRY_VERIFY_WITH_TIMEOUT(rowNamed(m, S("synced-over-http")) >= 0, 1000);
        QCOMPARE(m->runAt(rowNamed(m, S("synced-over-http"))).id, runId);
        QVERIFY(!panel.hasPendingRefresh());

        // A second run arrives too, newest first. The test clock stands still and
        // runs are ordered by (created_at, id): let time pass, or the order of two
        // runs created in the same millisecond is the order of their random ids.
        srv->store.clock.advanceMs(1000);
        QCOMPARE(user.api->post(S("/api/sync/runs"), runBody(S("c-2"), S("second-run"))).status, 201);
        QTRY_VERIFY_WITH_TIMEOUT(m->rowCount() == 2 && m->runAt(0).name == S("second-run"), 1000);

        // The same client_run_id again is idempotent: no second row appears.
        QCOMPARE(user.api->post(S("/api/sync/runs"), runBody(S("c-2"), S("second-run"))).status, 200);
        QTest::qWait(RunsPanel::kLiveDebounceMs * 2);
        QTRY_COMPARE_WITH_TIMEOUT(m->isLoading(), false, 5000);
        QCOMPARE(m->rowCount(), 2);
        QCOMPARE(srv->store.count(S("runs")), 2);
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
        QJsonObject first = runBody(S("grow"), S("growing-run"));
        first.insert(S("status"), S("running"));
        QCOMPARE(user.api->post(S("/api/sync/runs"), first).status, 201);
        QTRY_VERIFY_WITH_TIMEOUT(rowNamed(m, S("growing-run")) >= 0, 1000);
        QCOMPARE(m->runAt(rowNamed(m, S("growing-run"))).status, S("running"));
        QCOMPARE(m->runAt(rowNamed(m, S("growing-run"))).metricCount, 1);
        for (int batch = 1; batch <= 3; ++batch) {
            QJsonArray points;
            for (int step = batch * 10; step < batch * 10 + 10; ++step)
                points.append(QJsonObject{{S("name"), S("loss")}, {S("step"), step}, {S("value"), 1.0 / step}});
            QJsonObject body{{S("project_id"), projectId}, {S("client_run_id"), S("grow")}, {S("metrics"), points}};
            if (batch == 3)
                body.insert(S("status"), S("completed"));
            QCOMPARE(user.api->post(S("/api/sync/runs"), body).status, 200);
            QTRY_VERIFY_WITH_TIMEOUT(rowNamed(m, S("growing-run")) >= 0 &&
                                         m->runAt(rowNamed(m, S("growing-run"))).metricCount == 1 + batch * 10,
                                     1000);
        }
        QCOMPARE(m->runAt(rowNamed(m, S("growing-run"))).status, S("completed"));
        QCOMPARE(m->rowCount(), 1);
    }

    // The open run details follow a growing run: status, point count, a new
    // series in the list and on the chart, the log's new lines.
    void growingRunFollowsInItsOpenDetails()
    {
        QJsonObject first = runBody(S("grow-details"), S("growing-details"));
        first.insert(S("status"), S("running"));
        const wfxtest::HttpResult created = user.api->post(S("/api/sync/runs"), first);
        QCOMPARE(created.status, 201);
        auto run = RunService(srv->store.ctx).get(Actor::system(), created.object("run").value(S("id")).toString());
        QVERIFY(run.ok());
        RunDetailsDialog dialog(srv->store.ctx, Actor::system(), run.value());
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTRY_VERIFY_WITH_TIMEOUT(dialog.isLoaded(), 5000);
        auto *points = dialog.findChild<QLabel *>(S("metricPoints"));
        auto *status = dialog.findChild<QLabel *>(S("status"));
        QVERIFY(points && status);
        QCOMPARE(points->text(), QLocale().toString(1));

        QJsonArray batch;
        for (int step = 1; step <= 20; ++step)
            batch.append(QJsonObject{{S("name"), S("reward")}, {S("step"), step}, {S("value"), step * 0.5}});
        const QString log = S("epoch 1 done\n");
        QCOMPARE(user.api->post(S("/api/sync/runs"),
                                QJsonObject{{S("project_id"), projectId},
                                            {S("client_run_id"), S("grow-details")},
                                            {S("status"), S("completed")},
                                            {S("metrics"), batch},
                                            {S("log"), S("epoch 2 done\n")},
                                            {S("log_offset"), double(log.toUtf8().size())}})
                     .status,
                 200);
        QTRY_COMPARE_WITH_TIMEOUT(points->text(), QLocale().toString(21), 2000);
        QCOMPARE(status->text(), RunsModel::statusText(S("completed")));
        QTRY_VERIFY_WITH_TIMEOUT(dialog.logView()->toPlainText() == S("epoch 1 done\nepoch 2 done\n"), 2000);
        // The new series joined the list and the chart (two lines now: loss and reward).
        QTRY_COMPARE_WITH_TIMEOUT(dialog.chart()->series().size(), 2, 2000);
        dialog.close();
    }

    void runSyncedWhileScrolledDownOffersRefresh()
    {
        // Enough rows to scroll: the panel must not jump away from what the user reads.
        for (int i = 0; i < 60; ++i)
            QCOMPARE(user.api->post(S("/api/sync/runs"), runBody(S("old-%1").arg(i), S("old-%1").arg(i))).status, 201);
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
        QCOMPARE(user.api->post(S("/api/sync/runs"), runBody(S("late"), S("late-run"))).status, 201);
        QTRY_VERIFY_WITH_TIMEOUT(panel.hasPendingRefresh(), 1000);
        QCOMPARE(rowNamed(m, S("late-run")), -1);
        QTest::keyClick(panel.view(), Qt::Key_Home, Qt::ControlModifier);
        QTRY_VERIFY_WITH_TIMEOUT(rowNamed(m, S("late-run")) == 0, 1000);
        QVERIFY(!panel.hasPendingRefresh());
    }
};

QTEST_MAIN(TestRunsLive)
#include "tst_runs_live.moc"
