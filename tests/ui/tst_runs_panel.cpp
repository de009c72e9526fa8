// SPDX-License-Identifier: Apache-2.0
// The Runs panel: RunsModel paging (checked by QAbstractItemModelTester), filters,
// live updates from the change bus, and the details dialog (manifest, metrics,
// log, evidence, delete with confirmation). Runs on SQLite and PostgreSQL.
#include "TestStore.h"

#include "common/Confirm.h"
#include "crypto/Jcs.h"
#include "runs/RunDetailsDialog.h"
#include "runs/RunService.h"
#include "runs/RunsModel.h"
#include "runs/RunsPanel.h"
#include "workspaces/WorkspaceService.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTableView>
#include <QTest>
#include <QtCharts/QChart>
#include <QtCharts/QLineSeries>

using namespace wfx;
using wfx::ui::RunsModel;
using wfx::ui::RunsPanel;

namespace {
QString S(const char *s)
{
    return QString::fromUtf8(s);
}
} // namespace

class TestRunsPanel : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, wsA, projA, projA2, wsB, projB;

    // `count` runs straight into the store in one transaction (fast), newest
    // last: created_at = base + i. No change-bus announcement.
    void insertRuns(const QString &ws, const QString &project, int count, const QString &prefix,
                    const QString &status = S("completed"), const QString &evidence = S("unsigned"),
                    qint64 base = 1'700'000'000'000LL)
    {
        auto began = Tx::begin(*s->db);
        QVERIFY(began.ok());
        Tx &tx = *began;
        for (int i = 0; i < count; ++i) {
            Query q = tx.query(S("INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, "
                                 "status, created_at, evidence) VALUES (:id, :p, :w, :c, :n, :s, :t, :e)"));
            q.bind(S(":id"), ids::newUuid()).bind(S(":p"), project).bind(S(":w"), ws)
                .bind(S(":c"), QString(prefix + QString::number(i)))
                .bind(S(":n"), QString(prefix + S("-") + QString::number(i).rightJustified(4, QLatin1Char('0'))))
                .bind(S(":s"), status).bind(S(":t"), base + i).bind(S(":e"), evidence);
            QVERIFY2(q.exec(), qPrintable(q.errorText()));
        }
        QVERIFY(tx.commit().ok());
    }

    QJsonObject body(const QString &clientRunId, const QString &name, bool sign = false,
                     bool tamper = false)
    {
        QJsonArray metrics;
        for (int step = 0; step < 50; ++step) {
            metrics.append(QJsonObject{{S("name"), S("loss")}, {S("step"), step}, {S("value"), 2.0 / (step + 1)}});
            metrics.append(QJsonObject{{S("name"), S("reward")}, {S("step"), step}, {S("value"), step * 0.5}});
        }
        const QJsonObject manifest{{S("algo"), S("dreamer-v3")},
                                   {S("seed"), 7},
                                   {S("env"), QJsonObject{{S("name"), S("atari-pong")}, {S("frames"), 4}}}};
        QJsonObject b{{S("project_id"), projA},
                      {S("client_run_id"), clientRunId},
                      {S("name"), name},
                      {S("status"), S("completed")},
                      {S("manifest"), manifest},
                      {S("metrics"), metrics},
                      {S("log"), S("epoch 1 started\nwarning: replay buffer low\nepoch 1 done\n")}};
        if (sign) {
            const auto key = crypto::ed25519Generate();
            const QByteArray sig = crypto::ed25519Sign(key.privateKey, jcs::canonicalize(manifest));
            if (tamper) {
                QJsonObject m = manifest;
                m.insert(S("seed"), 8);
                b.insert(S("manifest"), m);
            }
            b.insert(S("signature"),
                     QJsonObject{{S("alg"), S("ed25519")},
                                 {S("public_key"), QString::fromLatin1(key.publicKey.toBase64())},
                                 {S("sig"), QString::fromLatin1(sig.toBase64())}});
        }
        return b;
    }
    Run sync(const QJsonObject &b)
    {
        RunService runs(s->ctx);
        auto r = runs.sync(s->actor(alice), b);
        if (!r.ok())
            qFatal("sync failed: %s", qPrintable(r.error().message));
        return r->run;
    }
    static bool waitIdle(RunsModel *m, int timeoutMs = 10000)
    {
        return QTest::qWaitFor([m] { return !m->isLoading(); }, timeoutMs);
    }
    // Fetches pages until the model has every row.
    static bool loadAll(RunsModel *m)
    {
        for (int guard = 0; guard < 10000; ++guard) {
            if (!waitIdle(m))
                return false;
            if (!m->canFetchMore({}))
                return true;
            m->fetchMore({});
        }
        return false;
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(S("alice@example.com"));
        WorkspaceService ws(s->ctx);
        wsA = ws.create(s->actor(alice), S("Robotics lab"))->id;
        projA = ws.createProject(s->actor(alice), wsA, S("dreamer"))->id;
        projA2 = ws.createProject(s->actor(alice), wsA, S("muzero"))->id;
        wsB = ws.create(s->actor(alice), S("Vision"))->id;
        projB = ws.createProject(s->actor(alice), wsB, S("vit"))->id;
    }
    void cleanup()
    {
        QTest::qWait(0);
        s.reset();
    }

    void modelPagesThroughAllRunsNewestFirst()
    {
        insertRuns(wsA, projA, 1000, S("run"));
        RunsModel model(s->ctx, Actor::system());
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.reload();
        QVERIFY(waitIdle(&model));
        QCOMPARE(model.rowCount(), RunsModel::kPageSize); // one page, no more until asked
        QVERIFY(model.canFetchMore({}));
        // The tester checks every insertion (and itself asks for more on each).
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(loadAll(&model));
        QCOMPARE(model.rowCount(), 1000);
        QCOMPARE(inserted.count(), 5); // one insert per 200-row page
        QVERIFY(!model.canFetchMore({}));
        // Newest first: created_at = base + i, so run-0999 leads and run-0000 ends.
        QCOMPARE(model.index(0, RunsModel::Name).data().toString(), S("run-0999"));
        QCOMPARE(model.index(999, RunsModel::Name).data().toString(), S("run-0000"));
        for (int r = 1; r < model.rowCount(); ++r)
            QVERIFY(model.runAt(r - 1).createdAt > model.runAt(r).createdAt);
    }

    void fetchMoreWhileLoadingDoesNothing()
    {
        insertRuns(wsA, projA, 450, S("run"));
        RunsModel model(s->ctx, Actor::system());
        QSignalSpy loaded(&model, &RunsModel::pageLoaded);
        model.reload();
        QVERIFY(model.isLoading());
        model.fetchMore({});
        model.fetchMore({});
        QVERIFY(waitIdle(&model));
        QTest::qWait(50);
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(model.rowCount(), 200);
    }

    void filtersChangeTheRows()
    {
        insertRuns(wsA, projA, 30, S("dreamer"), S("completed"), S("verified"));
        insertRuns(wsA, projA2, 20, S("muzero"), S("failed"), S("unsigned"));
        insertRuns(wsB, projB, 10, S("vit"), S("running"), S("unverified"));
        RunsPanel panel(s->ctx, Actor::system());
        panel.resize(900, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        RunsModel *m = panel.model();
        QAbstractItemModelTester tester(m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 60);

        auto *workspace = panel.findChild<QComboBox *>(S("workspaceFilter"));
        QVERIFY(QTest::qWaitFor([&] { return workspace->count() == 3; }));
        workspace->setCurrentIndex(workspace->findData(wsB));
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 10);
        QCOMPARE(m->index(0, RunsModel::Project).data().toString(), S("vit"));

        workspace->setCurrentIndex(workspace->findData(wsA));
        auto *project = panel.findChild<QComboBox *>(S("projectFilter"));
        QVERIFY(QTest::qWaitFor([&] { return project->isEnabled() && project->count() == 3; }));
        project->setCurrentIndex(project->findData(projA2));
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 20);

        project->setCurrentIndex(0);
        auto *status = panel.findChild<QComboBox *>(S("statusFilter"));
        status->setCurrentIndex(status->findData(S("completed")));
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 30);

        status->setCurrentIndex(0);
        workspace->setCurrentIndex(0);
        auto *evidence = panel.findChild<QComboBox *>(S("evidenceFilter"));
        evidence->setCurrentIndex(evidence->findData(S("unverified")));
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 10);
        QCOMPARE(m->index(0, RunsModel::Evidence).data().toString(), S("Signature mismatch"));
    }

    void textFilterIsDebouncedAndMatchesNames()
    {
        insertRuns(wsA, projA, 15, S("dreamer"));
        insertRuns(wsA, projA, 5, S("muzero"));
        RunsPanel panel(s->ctx, Actor::system());
        panel.show();
        RunsModel *m = panel.model();
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 20);
        QSignalSpy reset(m, &QAbstractItemModel::modelReset);
        auto *text = panel.findChild<QLineEdit *>(S("textFilter"));
        text->setFocus();
        QTest::keyClicks(text, S("muz"));
        // Typed three characters: one reload, after the pause, not one per key.
        QCOMPARE(reset.count(), 0);
        QVERIFY(QTest::qWaitFor([&] { return reset.count() == 1; }, 2000));
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 5);
        QTest::qWait(RunsPanel::kTextDebounceMs + 100);
        QCOMPARE(reset.count(), 1);
    }

    void runSyncedWhilePanelIsOpenAppearsByItself()
    {
        insertRuns(wsA, projA, 3, S("old"));
        RunsPanel panel(s->ctx, Actor::system());
        panel.show();
        RunsModel *m = panel.model();
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 3);
        s->clock.advanceMs(1000); // newer than the inserted runs
        const Run run = sync(body(S("c-live"), S("live-run")));
        QVERIFY(QTest::qWaitFor([&] { return m->rowCount() == 4 && !m->isLoading(); }, 5000));
        QCOMPARE(m->index(0, RunsModel::Name).data().toString(), S("live-run"));
        QCOMPARE(m->runAt(0).id, run.id);
    }

    void changesWhileScrolledDownShowARefreshBar()
    {
        insertRuns(wsA, projA, 400, S("run"));
        RunsPanel panel(s->ctx, Actor::system());
        panel.resize(800, 400);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        RunsModel *m = panel.model();
        QVERIFY(waitIdle(m));
        QScrollBar *bar = panel.view()->verticalScrollBar();
        QVERIFY(QTest::qWaitFor([&] { return bar->maximum() > 50; }));
        bar->setValue(50);
        const int rowsBefore = m->rowCount();
        s->clock.advanceMs(1000);
        sync(body(S("c-new"), S("new-run")));
        QVERIFY(QTest::qWaitFor([&] { return panel.hasPendingRefresh(); }, 5000));
        QCOMPARE(m->rowCount(), rowsBefore); // the user's place is kept
        QCOMPARE(bar->value(), 50);
        auto *refresh = panel.findChild<QPushButton *>(S("refreshRuns"));
        QTest::mouseClick(refresh, Qt::LeftButton);
        QVERIFY(waitIdle(m));
        QVERIFY(!panel.hasPendingRefresh());
        QCOMPARE(m->index(0, RunsModel::Name).data().toString(), S("new-run"));
    }

    void detailsShowManifestMetricsLogAndEvidence()
    {
        sync(body(S("c-1"), S("signed-run"), true));
        RunsPanel panel(s->ctx, Actor::system());
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(waitIdle(panel.model()));
        QCOMPARE(panel.model()->rowCount(), 1);
        // Keyboard: select the row and press Enter.
        panel.view()->setFocus();
        panel.view()->setCurrentIndex(panel.model()->index(0, 0));
        QTest::keyClick(panel.view(), Qt::Key_Return);
        auto *dialog = panel.findChild<ui::RunDetailsDialog *>();
        QVERIFY(dialog);
        QVERIFY(QTest::qWaitFor([&] { return dialog->isLoaded(); }, 5000));

        // Manifest tree: top-level keys, nested object expanded into children.
        QStandardItemModel *manifest = dialog->manifestModel();
        QCOMPARE(manifest->rowCount(), 3);
        QList<QStandardItem *> env = manifest->findItems(S("env"));
        QCOMPARE(env.size(), 1);
        QCOMPARE(env.first()->rowCount(), 2);
        QCOMPARE(manifest->findItems(S("seed")).size(), 1);

        // Metrics: both series charted (the first kDefaultSeries are checked).
        QVERIFY(QTest::qWaitFor([&] { return dialog->chart()->series().size() == 2; }, 5000));
        auto *loss = qobject_cast<QLineSeries *>(dialog->chart()->series().at(0));
        QVERIFY(loss);
        QCOMPARE(loss->name(), S("loss"));
        QCOMPARE(loss->count(), 50);

        // Log with search.
        QVERIFY(QTest::qWaitFor([&] { return !dialog->logView()->toPlainText().isEmpty(); }, 5000));
        QVERIFY(dialog->logView()->toPlainText().contains(S("replay buffer low")));
        auto *search = dialog->findChild<QLineEdit *>(S("logSearch"));
        QTest::keyClicks(search, S("warning"));
        QCOMPARE(dialog->logView()->textCursor().selectedText(), S("warning"));

        auto *evidence = dialog->findChild<QLabel *>(S("evidence"));
        QCOMPARE(evidence->text(),
                 S("Signed with Ed25519 and the signature matches the manifest."));
        dialog->close();
    }

    void evidenceIsExplainedInWords_data()
    {
        QTest::addColumn<QString>("evidence");
        QTest::addColumn<QString>("text");
        QTest::newRow("verified") << S("verified") << S("Signed with Ed25519 and the signature matches the manifest.");
        QTest::newRow("unverified") << S("unverified") << S("A signature was sent but does not match the manifest.");
        QTest::newRow("unsigned") << S("unsigned") << S("No signature was sent.");
    }
    void evidenceIsExplainedInWords()
    {
        QFETCH(QString, evidence);
        QFETCH(QString, text);
        QCOMPARE(ui::RunDetailsDialog::evidenceExplanation(evidence), text);
    }

    void tamperedSignatureIsExplainedAsMismatch()
    {
        const Run run = sync(body(S("c-t"), S("tampered"), true, true));
        QCOMPARE(run.evidence, S("unverified"));
        ui::RunDetailsDialog dialog(s->ctx, Actor::system(), run);
        QVERIFY(QTest::qWaitFor([&] { return dialog.isLoaded(); }, 5000));
        QCOMPARE(dialog.findChild<QLabel *>(S("evidence"))->text(),
                 S("A signature was sent but does not match the manifest."));
        QVERIFY(dialog.findChild<QLabel *>(S("signatureDetails"))->text().contains(S("ed25519")));
    }

    void deleteAsksNamingTheRunAndCancelKeepsIt()
    {
        const Run run = sync(body(S("c-d"), S("keep-me")));
        ui::RunDetailsDialog dialog(s->ctx, Actor::system(), run);
        QSignalSpy deleted(&dialog, &ui::RunDetailsDialog::runDeleted);
        ui::Confirm::setNextAnswer(false);
        QTest::mouseClick(dialog.findChild<QPushButton *>(S("deleteRun")), Qt::LeftButton);
        QVERIFY(ui::Confirm::lastText().contains(S("keep-me")));
        QTest::qWait(100);
        QCOMPARE(deleted.count(), 0);
        QCOMPARE(s->count(S("runs")), 1);
    }

    void deleteConfirmedRemovesTheRunFromStoreAndList()
    {
        sync(body(S("c-a"), S("first")));
        s->clock.advanceMs(1000);
        const Run doomed = sync(body(S("c-b"), S("doomed")));
        RunsPanel panel(s->ctx, Actor::system());
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        RunsModel *m = panel.model();
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 2);
        const int row = m->rowOf(doomed.id);
        QCOMPARE(row, 0);
        // Double-click the row to open the details.
        QTableView *view = panel.view();
        const QRect cell = view->visualRect(m->index(row, RunsModel::Name));
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, cell.center());
        QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, cell.center());
        QPointer<ui::RunDetailsDialog> dialog = panel.findChild<ui::RunDetailsDialog *>();
        QVERIFY(dialog);
        QCOMPARE(dialog->runId(), doomed.id);
        QSignalSpy deleted(dialog.data(), &ui::RunDetailsDialog::runDeleted);
        ui::Confirm::setNextAnswer(true);
        QTest::mouseClick(dialog->findChild<QPushButton *>(S("deleteRun")), Qt::LeftButton);
        QVERIFY(ui::Confirm::lastText().contains(S("doomed")));
        QVERIFY(deleted.wait(5000));
        QCOMPARE(s->count(S("runs")), 1);
        QCOMPARE(s->auditCount(S("run.delete")), 1);
        QVERIFY(QTest::qWaitFor([&] { return m->rowCount() == 1 && !m->isLoading(); }, 5000));
        QCOMPARE(m->index(0, RunsModel::Name).data().toString(), S("first"));
    }
};

QTEST_MAIN(TestRunsPanel)
#include "tst_runs_panel.moc"
