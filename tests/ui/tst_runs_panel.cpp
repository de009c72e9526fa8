// SPDX-License-Identifier: Apache-2.0
// The Runs panel: RunsModel paging (checked by QAbstractItemModelTester), filters,
// live updates from the change bus, and the details dialog (manifest, metrics,
// log, evidence, delete with confirmation). Runs on SQLite and PostgreSQL.
#include "TestStore.h"

#include "models/crypto/Jcs.h"
#include "models/runs/RunService.h"
#include "models/workspaces/WorkspaceService.h"
#include "ui/common/Confirm.h"
#include "ui/runs/RunDetailsDialog.h"
#include "ui/runs/RunsModel.h"
#include "ui/runs/RunsPanel.h"

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

using namespace Qt::StringLiterals;

using namespace wfx;
using wfx::ui::RunsModel;
using wfx::ui::RunsPanel;

namespace {
} // namespace

class TestRunsPanel : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, wsA, projA, projA2, wsB, projB;

    // `count` runs straight into the store in one transaction (fast), newest
    // last: created_at = base + i. No change-bus announcement.
    void insertRuns(const QString &ws, const QString &project, int count, const QString &prefix,
                    const QString &status = u"completed"_s, const QString &evidence = u"unsigned"_s,
                    qint64 base = 1'700'000'000'000LL)
    {
        auto began = Tx::begin(*s->db);
        QVERIFY(began.ok());
        Tx &tx = *began;
        for (int i = 0; i < count; ++i) {
            Query q = tx.query(
                u"INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, "
                "status, created_at, evidence) VALUES (:id, :p, :w, :c, :n, :s, :t, :e)"_s);
            q.bind(u":id"_s, ids::newUuid())
                .bind(u":p"_s, project)
                .bind(u":w"_s, ws)
                .bind(u":c"_s, QString(prefix + QString::number(i)))
                .bind(u":n"_s, QString(prefix + u"-"_s +
                                       QString::number(i).rightJustified(4, QLatin1Char('0'))))
                .bind(u":s"_s, status)
                .bind(u":t"_s, base + i)
                .bind(u":e"_s, evidence);
            QVERIFY2(q.exec(), qPrintable(q.errorText()));
        }
        QVERIFY(tx.commit().ok());
    }

    QJsonObject body(const QString &clientRunId, const QString &name, bool sign = false,
                     bool tamper = false)
    {
        QJsonArray metrics;
        for (int step = 0; step < 50; ++step) {
            metrics.append(QJsonObject{
                {u"name"_s, u"loss"_s}, {u"step"_s, step}, {u"value"_s, 2.0 / (step + 1)}});
            metrics.append(
                QJsonObject{{u"name"_s, u"reward"_s}, {u"step"_s, step}, {u"value"_s, step * 0.5}});
        }
        const QJsonObject manifest{
            {u"algo"_s, u"dreamer-v3"_s},
            {u"seed"_s, 7},
            {u"env"_s, QJsonObject{{u"name"_s, u"atari-pong"_s}, {u"frames"_s, 4}}}};
        QJsonObject b{{u"project_id"_s, projA},
                      {u"client_run_id"_s, clientRunId},
                      {u"name"_s, name},
                      {u"status"_s, u"completed"_s},
                      {u"manifest"_s, manifest},
                      {u"metrics"_s, metrics},
                      {u"log"_s, u"epoch 1 started\nwarning: replay buffer low\nepoch 1 done\n"_s}};
        if (sign) {
            const auto key = crypto::ed25519Generate();
            const QByteArray sig = crypto::ed25519Sign(key.privateKey, jcs::canonicalize(manifest));
            if (tamper) {
                QJsonObject m = manifest;
                m.insert(u"seed"_s, 8);
                b.insert(u"manifest"_s, m);
            }
            b.insert(u"signature"_s,
                     QJsonObject{{u"alg"_s, u"ed25519"_s},
                                 {u"public_key"_s, QString::fromLatin1(key.publicKey.toBase64())},
                                 {u"sig"_s, QString::fromLatin1(sig.toBase64())}});
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
        alice = s->createUser(u"alice@example.com"_s);
        WorkspaceService ws(s->ctx);
        wsA = ws.create(s->actor(alice), u"Robotics lab"_s)->id;
        projA = ws.createProject(s->actor(alice), wsA, u"dreamer"_s)->id;
        projA2 = ws.createProject(s->actor(alice), wsA, u"muzero"_s)->id;
        wsB = ws.create(s->actor(alice), u"Vision"_s)->id;
        projB = ws.createProject(s->actor(alice), wsB, u"vit"_s)->id;
    }
    void cleanup()
    {
        QTest::qWait(0);
        s.reset();
    }

    void modelPagesThroughAllRunsNewestFirst()
    {
        insertRuns(wsA, projA, 1000, u"run"_s);
        RunsModel model(s->ctx, Actor::system());
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.reload();
        QVERIFY(waitIdle(&model));
        QCOMPARE(model.rowCount(), RunsModel::kPageSize); // one page, no more until asked
        QVERIFY(model.canFetchMore({}));
        // The tester checks every insertion (and itself asks for more on each).
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(loadAll(&model));
        QCOMPARE(model.rowCount(), 1000);
        QCOMPARE(inserted.count(), 5); // one insert per 200-row page
        QVERIFY(!model.canFetchMore({}));
        // Newest first: created_at = base + i, so run-0999 leads and run-0000 ends.
        QCOMPARE(model.index(0, RunsModel::Name).data().toString(), u"run-0999"_s);
        QCOMPARE(model.index(999, RunsModel::Name).data().toString(), u"run-0000"_s);
        for (int r = 1; r < model.rowCount(); ++r)
            QVERIFY(model.runAt(r - 1).createdAt > model.runAt(r).createdAt);
    }

    void fetchMoreWhileLoadingDoesNothing()
    {
        insertRuns(wsA, projA, 450, u"run"_s);
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
        insertRuns(wsA, projA, 30, u"dreamer"_s, u"completed"_s, u"verified"_s);
        insertRuns(wsA, projA2, 20, u"muzero"_s, u"failed"_s, u"unsigned"_s);
        insertRuns(wsB, projB, 10, u"vit"_s, u"running"_s, u"unverified"_s);
        RunsPanel panel(s->ctx, Actor::system());
        panel.resize(900, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        RunsModel *m = panel.model();
        QAbstractItemModelTester tester(m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 60);

        auto *workspace = panel.findChild<QComboBox *>(u"workspaceFilter"_s);
        QVERIFY(QTest::qWaitFor([&] { return workspace->count() == 3; }));
        workspace->setCurrentIndex(workspace->findData(wsB));
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 10);
        QCOMPARE(m->index(0, RunsModel::Project).data().toString(), u"vit"_s);

        workspace->setCurrentIndex(workspace->findData(wsA));
        auto *project = panel.findChild<QComboBox *>(u"projectFilter"_s);
        QVERIFY(QTest::qWaitFor([&] { return project->isEnabled() && project->count() == 3; }));
        project->setCurrentIndex(project->findData(projA2));
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 20);

        project->setCurrentIndex(0);
        auto *status = panel.findChild<QComboBox *>(u"statusFilter"_s);
        status->setCurrentIndex(status->findData(u"completed"_s));
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 30);

        status->setCurrentIndex(0);
        workspace->setCurrentIndex(0);
        auto *evidence = panel.findChild<QComboBox *>(u"evidenceFilter"_s);
        evidence->setCurrentIndex(evidence->findData(u"unverified"_s));
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 10);
        QCOMPARE(m->index(0, RunsModel::Evidence).data().toString(), u"Signature mismatch"_s);
    }

    void textFilterIsDebouncedAndMatchesNames()
    {
        insertRuns(wsA, projA, 15, u"dreamer"_s);
        insertRuns(wsA, projA, 5, u"muzero"_s);
        RunsPanel panel(s->ctx, Actor::system());
        panel.show();
        RunsModel *m = panel.model();
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 20);
        QSignalSpy reset(m, &QAbstractItemModel::modelReset);
        auto *text = panel.findChild<QLineEdit *>(u"textFilter"_s);
        text->setFocus();
        QTest::keyClicks(text, u"muz"_s);
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
        insertRuns(wsA, projA, 3, u"old"_s);
        RunsPanel panel(s->ctx, Actor::system());
        panel.show();
        RunsModel *m = panel.model();
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 3);
        s->clock.advanceMs(1000); // newer than the inserted runs
        const Run run = sync(body(u"c-live"_s, u"live-run"_s));
        QVERIFY(QTest::qWaitFor([&] { return m->rowCount() == 4 && !m->isLoading(); }, 5000));
        QCOMPARE(m->index(0, RunsModel::Name).data().toString(), u"live-run"_s);
        QCOMPARE(m->runAt(0).id, run.id);
    }

    void changesWhileScrolledDownShowARefreshBar()
    {
        insertRuns(wsA, projA, 400, u"run"_s);
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
        sync(body(u"c-new"_s, u"new-run"_s));
        QVERIFY(QTest::qWaitFor([&] { return panel.hasPendingRefresh(); }, 5000));
        QCOMPARE(m->rowCount(), rowsBefore); // the user's place is kept
        QCOMPARE(bar->value(), 50);
        auto *refresh = panel.findChild<QPushButton *>(u"refreshRuns"_s);
        QTest::mouseClick(refresh, Qt::LeftButton);
        QVERIFY(waitIdle(m));
        QVERIFY(!panel.hasPendingRefresh());
        QCOMPARE(m->index(0, RunsModel::Name).data().toString(), u"new-run"_s);
    }

    void detailsShowManifestMetricsLogAndEvidence()
    {
        sync(body(u"c-1"_s, u"signed-run"_s, true));
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
        QList<QStandardItem *> env = manifest->findItems(u"env"_s);
        QCOMPARE(env.size(), 1);
        QCOMPARE(env.first()->rowCount(), 2);
        QCOMPARE(manifest->findItems(u"seed"_s).size(), 1);

        // Metrics: both series charted (the first kDefaultSeries are checked).
        QVERIFY(QTest::qWaitFor([&] { return dialog->chart()->series().size() == 2; }, 5000));
        auto *loss = qobject_cast<QLineSeries *>(dialog->chart()->series().at(0));
        QVERIFY(loss);
        QCOMPARE(loss->name(), u"loss"_s);
        QCOMPARE(loss->count(), 50);

        // Log with search.
        QVERIFY(QTest::qWaitFor([&] { return !dialog->logView()->toPlainText().isEmpty(); }, 5000));
        QVERIFY(dialog->logView()->toPlainText().contains(u"replay buffer low"_s));
        auto *search = dialog->findChild<QLineEdit *>(u"logSearch"_s);
        QTest::keyClicks(search, u"warning"_s);
        QCOMPARE(dialog->logView()->textCursor().selectedText(), u"warning"_s);

        auto *evidence = dialog->findChild<QLabel *>(u"evidence"_s);
        QCOMPARE(evidence->text(),
                 u"Signed with Ed25519 and the signature matches the manifest."_s);
        dialog->close();
    }

    void evidenceIsExplainedInWords_data()
    {
        QTest::addColumn<QString>("evidence");
        QTest::addColumn<QString>("text");
        QTest::newRow("verified")
            << u"verified"_s << u"Signed with Ed25519 and the signature matches the manifest."_s;
        QTest::newRow("unverified")
            << u"unverified"_s << u"A signature was sent but does not match the manifest."_s;
        QTest::newRow("unsigned") << u"unsigned"_s << u"No signature was sent."_s;
    }
    void evidenceIsExplainedInWords()
    {
        QFETCH(QString, evidence);
        QFETCH(QString, text);
        QCOMPARE(ui::RunDetailsDialog::evidenceExplanation(evidence), text);
    }

    void tamperedSignatureIsExplainedAsMismatch()
    {
        const Run run = sync(body(u"c-t"_s, u"tampered"_s, true, true));
        QCOMPARE(run.evidence, u"unverified"_s);
        ui::RunDetailsDialog dialog(s->ctx, Actor::system(), run);
        QVERIFY(QTest::qWaitFor([&] { return dialog.isLoaded(); }, 5000));
        QCOMPARE(dialog.findChild<QLabel *>(u"evidence"_s)->text(),
                 u"A signature was sent but does not match the manifest."_s);
        QVERIFY(dialog.findChild<QLabel *>(u"signatureDetails"_s)->text().contains(u"ed25519"_s));
    }

    void deleteAsksNamingTheRunAndCancelKeepsIt()
    {
        const Run run = sync(body(u"c-d"_s, u"keep-me"_s));
        ui::RunDetailsDialog dialog(s->ctx, Actor::system(), run);
        QSignalSpy deleted(&dialog, &ui::RunDetailsDialog::runDeleted);
        ui::Confirm::setNextAnswer(false);
        QTest::mouseClick(dialog.findChild<QPushButton *>(u"deleteRun"_s), Qt::LeftButton);
        QVERIFY(ui::Confirm::lastText().contains(u"keep-me"_s));
        QTest::qWait(100);
        QCOMPARE(deleted.count(), 0);
        QCOMPARE(s->count(u"runs"_s), 1);
    }

    void deleteConfirmedRemovesTheRunFromStoreAndList()
    {
        sync(body(u"c-a"_s, u"first"_s));
        s->clock.advanceMs(1000);
        const Run doomed = sync(body(u"c-b"_s, u"doomed"_s));
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
        QTest::mouseClick(dialog->findChild<QPushButton *>(u"deleteRun"_s), Qt::LeftButton);
        QVERIFY(ui::Confirm::lastText().contains(u"doomed"_s));
        QVERIFY(deleted.wait(5000));
        QCOMPARE(s->count(u"runs"_s), 1);
        QCOMPARE(s->auditCount(u"run.delete"_s), 1);
        QVERIFY(QTest::qWaitFor([&] { return m->rowCount() == 1 && !m->isLoading(); }, 5000));
        QCOMPARE(m->index(0, RunsModel::Name).data().toString(), u"first"_s);
    }
};

QTEST_MAIN(TestRunsPanel)
#include "tst_runs_panel.moc"
