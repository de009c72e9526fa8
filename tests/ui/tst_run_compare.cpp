// SPDX-License-Identifier: Apache-2.0
// Runs side by side and the metric filter of the Runs panel, driven by input
// events on the real widgets: Ctrl+clicks select runs, the Compare button opens
// the comparison (charts, values, manifest differences); typing a condition in
// the metric field filters, the order box orders by the metric. SQLite and
// PostgreSQL.
#include "TestStore.h"

#include "models/runs/RunService.h"
#include "models/workspaces/WorkspaceService.h"
#include "ui/runs/MetricChart.h"
#include "ui/runs/RunCompareDialog.h"
#include "ui/runs/RunsModel.h"
#include "ui/runs/RunsPanel.h"

#include <QComboBox>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTest>
#include <QtCharts/QAbstractAxis>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>

using namespace Qt::StringLiterals;

using namespace wfx;
using wfx::ui::RunCompareDialog;
using wfx::ui::RunsModel;
using wfx::ui::RunsPanel;

namespace {
} // namespace

class TestRunCompare : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, ws, proj;

    // A run with `loss` falling to `last` over `steps` steps, `lr` in its
    // manifest, and `reward` only when withReward.
    Run sync(const QString &name, double last, int steps, double lr, bool withReward)
    {
        QJsonArray metrics;
        for (int i = 0; i < steps; ++i) {
            metrics.append(QJsonObject{{u"name"_s, u"loss"_s},
                                       {u"step"_s, i},
                                       {u"value"_s, last + double(steps - 1 - i) / steps}});
            if (withReward)
                metrics.append(
                    QJsonObject{{u"name"_s, u"reward"_s}, {u"step"_s, i}, {u"value"_s, i * 0.5}});
        }
        const QJsonObject body{
            {u"project_id"_s, proj},
            {u"client_run_id"_s, name},
            {u"name"_s, name},
            {u"status"_s, u"completed"_s},
            {u"manifest"_s, QJsonObject{{u"algo"_s, u"dreamer-v3"_s},
                                        {u"optim"_s, QJsonObject{{u"lr"_s, lr}, {u"beta"_s, 0.9}}},
                                        {u"layers"_s, QJsonArray{64, withReward ? 64 : 128}}}},
            {u"metrics"_s, metrics}};
        s->clock.advanceMs(1000);
        auto r = RunService(s->ctx).sync(s->actor(alice), body);
        if (!r)
            qFatal("sync: %s", qPrintable(r.error().message));
        return r->run;
    }
    static bool idle(RunsModel *m)
    {
        return QTest::qWaitFor([m] { return !m->isLoading(); }, 10000);
    }
    static QStringList names(RunsModel *m)
    {
        QStringList out;
        for (int r = 0; r < m->rowCount(); ++r)
            out << m->runAt(r).name;
        return out;
    }
    static void ctrlClickRow(QTableView *view, int row)
    {
        const QRect rect = view->visualRect(view->model()->index(row, RunsModel::Name));
        QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::ControlModifier, rect.center());
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(u"alice@example.com"_s);
        WorkspaceService w(s->ctx);
        ws = w.create(s->actor(alice), u"Lab"_s)->id;
        proj = w.createProject(s->actor(alice), ws, u"dreamer"_s)->id;
    }
    void cleanup() { s.reset(); }

    void typingAConditionFiltersAndTheOrderBoxOrders()
    {
        sync(u"a"_s, 0.5, 10, 1e-3, true);
        sync(u"b"_s, 0.05, 10, 1e-3, true);
        sync(u"c"_s, 0.2, 10, 1e-3, true);
        RunsPanel panel(s->ctx, s->actor(alice));
        panel.resize(1000, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        RunsModel *m = panel.model();
        QVERIFY(idle(m));
        QCOMPARE(names(m), (QStringList{u"c"_s, u"b"_s, u"a"_s}));

        auto *field = panel.findChild<QLineEdit *>(u"metricFilter"_s);
        auto *order = panel.findChild<QComboBox *>(u"runOrder"_s);
        auto *error = panel.findChild<QLabel *>(u"metricFilterError"_s);
        QVERIFY(field && order && error);
        QTest::keyClicks(field, u"loss < 0.3"_s);
        QTest::keyClick(field, Qt::Key_Return);
        QVERIFY(idle(m));
        QCOMPARE(names(m), (QStringList{u"c"_s, u"b"_s}));
        QVERIFY(error->isHidden());

        // Lowest first, by the metric the filter names.
        order->setFocus();
        QTest::keyClick(order, Qt::Key_Down);
        QCOMPARE(order->currentIndex(), 1);
        QVERIFY(idle(m));
        QCOMPARE(names(m), (QStringList{u"b"_s, u"c"_s}));
        QTest::keyClick(order, Qt::Key_Down);
        QVERIFY(idle(m));
        QCOMPARE(names(m), (QStringList{u"c"_s, u"b"_s}));

        // A name alone orders without filtering.
        field->clear();
        QTest::keyClicks(field, u"loss"_s);
        QTest::keyClick(field, Qt::Key_Return);
        QVERIFY(idle(m));
        QCOMPARE(names(m), (QStringList{u"a"_s, u"c"_s, u"b"_s}));

        // A bad expression says what is wrong and leaves the list as it was.
        field->clear();
        QTest::keyClicks(field, u"loss < abc"_s);
        QTest::keyClick(field, Qt::Key_Return);
        QVERIFY(!error->isHidden());
        QVERIFY2(error->text().contains(u"abc"_s), qPrintable(error->text()));
        QCOMPARE(panel.metricFilterError(), error->text());
        QVERIFY(idle(m));
        QCOMPARE(names(m), (QStringList{u"a"_s, u"c"_s, u"b"_s}));
        QTest::keyClick(field, Qt::Key_Backspace);
        QTest::keyClick(field, Qt::Key_Backspace);
        QTest::keyClick(field, Qt::Key_Backspace);
        QTest::keyClicks(field, u"0.1"_s);
        QTest::keyClick(field, Qt::Key_Return);
        QVERIFY(error->isHidden());
        QVERIFY(idle(m));
        QCOMPARE(names(m), QStringList{u"b"_s});
    }

    void ctrlClickedRunsCompareSideBySide()
    {
        sync(u"seed-1"_s, 0.5, 5000, 1e-3, true); // long enough for a rollup
        sync(u"seed-2"_s, 0.25, 40, 3e-4, false);
        sync(u"other"_s, 0.1, 10, 1e-3, true);
        RunsPanel panel(s->ctx, s->actor(alice));
        panel.resize(1000, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(idle(panel.model()));
        QCOMPARE(names(panel.model()), (QStringList{u"other"_s, u"seed-2"_s, u"seed-1"_s}));
        auto *compare = panel.findChild<QPushButton *>(u"compareRuns"_s);
        QVERIFY(compare);
        QVERIFY(!compare->isEnabled());

        QTableView *view = panel.view();
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {},
                          view->visualRect(view->model()->index(1, RunsModel::Name)).center());
        QVERIFY(!compare->isEnabled()); // one run: nothing to compare
        ctrlClickRow(view, 2);
        QVERIFY(compare->isEnabled());
        QTest::mouseClick(compare, Qt::LeftButton);
        auto *dialog = panel.findChild<RunCompareDialog *>();
        QVERIFY(dialog);
        QVERIFY(QTest::qWaitFor([dialog] { return !dialog->isLoading(); }, 20000));

        // One chart per metric, a line per run that has it.
        const auto charts = dialog->charts();
        QCOMPARE(charts.size(), 2);
        QCOMPARE(charts[0]->chart()->title(), u"loss"_s);
        // The value axis names the metric (the lines are runs).
        QCOMPARE(charts[0]->chart()->axes(Qt::Vertical).value(0)->titleText(), u"loss"_s);
        QCOMPARE(charts[0]->chart()->series().size(), 2);
        QCOMPARE(charts[1]->chart()->title(), u"reward"_s);
        QCOMPARE(charts[1]->chart()->series().size(), 1);
        auto *lossOf1 = qobject_cast<QLineSeries *>(charts[0]->chart()->series().at(1));
        QCOMPARE(lossOf1->name(), u"seed-1"_s);
        QVERIFY(lossOf1->count() <= RunCompareDialog::kSeriesPoints);
        QCOMPARE(lossOf1->at(lossOf1->count() - 1), QPointF(4999, 0.5));

        // Values: metric x run, in the table's run order; "—" where a run lacks it.
        QTableWidget *t = dialog->summaryTable();
        QCOMPARE(t->rowCount(), 4);
        auto text = [t](int r, int c) { return t->item(r, c)->text(); };
        QCOMPARE(text(0, 0), u"loss"_s);
        QCOMPARE(text(0, 1), u"seed-2"_s);
        QCOMPARE(text(0, 2), QLocale().toString(0.25, 'g', 6));
        QCOMPARE(text(0, 3), QLocale().toString(0.25, 'g', 6));
        QCOMPARE(text(0, 4), QLocale().toString(0.25 + 39.0 / 40, 'g', 6));
        QCOMPARE(text(1, 1), u"seed-1"_s);
        QCOMPARE(text(1, 4), QLocale().toString(0.5 + 4999.0 / 5000, 'g', 6));
        QCOMPARE(text(1, 5), QLocale().toString(4999));
        QCOMPARE(text(2, 0), u"reward"_s);
        QCOMPARE(text(2, 2), u"—"_s);
        QCOMPARE(text(3, 2), QLocale().toString(2499.5, 'g', 6));

        // Manifest: only the keys that differ, flattened.
        QTableWidget *mf = dialog->manifestTable();
        QStringList keys;
        for (int r = 0; r < mf->rowCount(); ++r)
            keys << mf->item(r, 0)->text();
        QCOMPARE(keys, (QStringList{u"layers.1"_s, u"optim.lr"_s}));
        QCOMPARE(mf->item(1, 1)->text(), u"0.0003"_s);
        QCOMPARE(mf->item(1, 2)->text(), u"0.001"_s);

        // The tabs are reachable by clicks.
        QTabWidget *tabs = dialog->tabs();
        QTest::mouseClick(tabs->tabBar(), Qt::LeftButton, {}, tabs->tabBar()->tabRect(2).center());
        QCOMPARE(tabs->currentWidget(), mf);
        dialog->close();
    }

    void moreThanTwentyRunsCannotBeCompared()
    {
        for (int i = 0; i < RunCompareDialog::kMaxRuns + 1; ++i)
            sync(u"r%1"_s.arg(i), 0.1 * i, 3, 1e-3, false);
        RunsPanel panel(s->ctx, s->actor(alice));
        panel.resize(1000, 900);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(idle(panel.model()));
        auto *compare = panel.findChild<QPushButton *>(u"compareRuns"_s);
        QTableView *view = panel.view();
        view->setFocus();
        QTest::keyClick(view, Qt::Key_Home);
        QTest::keyClick(view, Qt::Key_A, Qt::ControlModifier); // select all
        QCOMPARE(view->selectionModel()->selectedRows().size(), RunCompareDialog::kMaxRuns + 1);
        QVERIFY(!compare->isEnabled());
        QVERIFY(!panel.compareSelected());
        ctrlClickRow(view, 0); // one fewer: 20
        QVERIFY(compare->isEnabled());
    }

    void flattensManifestsToDottedKeys()
    {
        const QJsonObject o{
            {u"a"_s,
             QJsonObject{{u"b"_s, 1}, {u"c"_s, QJsonArray{u"x"_s, QJsonObject{{u"d"_s, true}}}}}},
            {u"e"_s, QJsonObject{}},
            {u"f"_s, u"1"_s},
            {u"g"_s, QJsonValue::Null}};
        const auto flat = RunCompareDialog::flatten(o);
        QCOMPARE(flat.keys(),
                 (QStringList{u"a.b"_s, u"a.c.0"_s, u"a.c.1.d"_s, u"e"_s, u"f"_s, u"g"_s}));
        QCOMPARE(flat.value(u"a.b"_s), u"1"_s);
        QCOMPARE(flat.value(u"a.c.0"_s), u"\"x\""_s);
        QCOMPARE(flat.value(u"e"_s), u"{}"_s);
        QCOMPARE(flat.value(u"f"_s), u"\"1\""_s);
        QCOMPARE(flat.value(u"g"_s), u"null"_s);
        RunCompareDialog::RunData x, y;
        x.manifest = flat;
        y.manifest = flat;
        y.manifest.insert(u"a.b"_s, u"2"_s);
        y.manifest.remove(u"g"_s);
        QCOMPARE(RunCompareDialog::differingKeys({x, y}), (QStringList{u"a.b"_s, u"g"_s}));
    }
};

QTEST_MAIN(TestRunCompare)
#include "tst_run_compare.moc"
