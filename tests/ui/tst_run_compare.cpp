// SPDX-License-Identifier: Apache-2.0
// Runs side by side and the metric filter of the Runs panel, driven by input
// events on the real widgets: Ctrl+clicks select runs, the Compare button opens
// the comparison (charts, values, manifest differences); typing a condition in
// the metric field filters, the order box orders by the metric. SQLite and
// PostgreSQL.
#include "TestStore.h"

#include "runs/MetricChart.h"
#include "runs/RunCompareDialog.h"
#include "runs/RunService.h"
#include "runs/RunsModel.h"
#include "runs/RunsPanel.h"
#include "workspaces/WorkspaceService.h"

#include <QComboBox>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTest>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QAbstractAxis>

using namespace wfx;
using wfx::ui::RunCompareDialog;
using wfx::ui::RunsModel;
using wfx::ui::RunsPanel;

namespace {
QString S(const char *s)
{
    return QString::fromUtf8(s);
}
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
            metrics.append(QJsonObject{{S("name"), S("loss")}, {S("step"), i},
                                       {S("value"), last + double(steps - 1 - i) / steps}});
            if (withReward)
                metrics.append(QJsonObject{{S("name"), S("reward")}, {S("step"), i}, {S("value"), i * 0.5}});
        }
        const QJsonObject body{{S("project_id"), proj},
                               {S("client_run_id"), name},
                               {S("name"), name},
                               {S("status"), S("completed")},
                               {S("manifest"), QJsonObject{{S("algo"), S("dreamer-v3")},
                                                           {S("optim"), QJsonObject{{S("lr"), lr}, {S("beta"), 0.9}}},
                                                           {S("layers"), QJsonArray{64, withReward ? 64 : 128}}}},
                               {S("metrics"), metrics}};
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
        alice = s->createUser(S("alice@example.com"));
        WorkspaceService w(s->ctx);
        ws = w.create(s->actor(alice), S("Lab"))->id;
        proj = w.createProject(s->actor(alice), ws, S("dreamer"))->id;
    }
    void cleanup() { s.reset(); }

    void typingAConditionFiltersAndTheOrderBoxOrders()
    {
        sync(S("a"), 0.5, 10, 1e-3, true);
        sync(S("b"), 0.05, 10, 1e-3, true);
        sync(S("c"), 0.2, 10, 1e-3, true);
        RunsPanel panel(s->ctx, s->actor(alice));
        panel.resize(1000, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        RunsModel *m = panel.model();
        QVERIFY(idle(m));
        QCOMPARE(names(m), (QStringList{S("c"), S("b"), S("a")}));

        auto *field = panel.findChild<QLineEdit *>(S("metricFilter"));
        auto *order = panel.findChild<QComboBox *>(S("runOrder"));
        auto *error = panel.findChild<QLabel *>(S("metricFilterError"));
        QVERIFY(field && order && error);
        QTest::keyClicks(field, S("loss < 0.3"));
        QTest::keyClick(field, Qt::Key_Return);
        QVERIFY(idle(m));
        QCOMPARE(names(m), (QStringList{S("c"), S("b")}));
        QVERIFY(error->isHidden());

        // Lowest first, by the metric the filter names.
        order->setFocus();
        QTest::keyClick(order, Qt::Key_Down);
        QCOMPARE(order->currentIndex(), 1);
        QVERIFY(idle(m));
        QCOMPARE(names(m), (QStringList{S("b"), S("c")}));
        QTest::keyClick(order, Qt::Key_Down);
        QVERIFY(idle(m));
        QCOMPARE(names(m), (QStringList{S("c"), S("b")}));

        // A name alone orders without filtering.
        field->clear();
        QTest::keyClicks(field, S("loss"));
        QTest::keyClick(field, Qt::Key_Return);
        QVERIFY(idle(m));
        QCOMPARE(names(m), (QStringList{S("a"), S("c"), S("b")}));

        // A bad expression says what is wrong and leaves the list as it was.
        field->clear();
        QTest::keyClicks(field, S("loss < abc"));
        QTest::keyClick(field, Qt::Key_Return);
        QVERIFY(!error->isHidden());
        QVERIFY2(error->text().contains(S("abc")), qPrintable(error->text()));
        QCOMPARE(panel.metricFilterError(), error->text());
        QVERIFY(idle(m));
        QCOMPARE(names(m), (QStringList{S("a"), S("c"), S("b")}));
        QTest::keyClick(field, Qt::Key_Backspace);
        QTest::keyClick(field, Qt::Key_Backspace);
        QTest::keyClick(field, Qt::Key_Backspace);
        QTest::keyClicks(field, S("0.1"));
        QTest::keyClick(field, Qt::Key_Return);
        QVERIFY(error->isHidden());
        QVERIFY(idle(m));
        QCOMPARE(names(m), QStringList{S("b")});
    }

    void ctrlClickedRunsCompareSideBySide()
    {
        sync(S("seed-1"), 0.5, 5000, 1e-3, true); // long enough for a rollup
        sync(S("seed-2"), 0.25, 40, 3e-4, false);
        sync(S("other"), 0.1, 10, 1e-3, true);
        RunsPanel panel(s->ctx, s->actor(alice));
        panel.resize(1000, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(idle(panel.model()));
        QCOMPARE(names(panel.model()), (QStringList{S("other"), S("seed-2"), S("seed-1")}));
        auto *compare = panel.findChild<QPushButton *>(S("compareRuns"));
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
        QCOMPARE(charts[0]->chart()->title(), S("loss"));
        // The value axis names the metric (the lines are runs).
        QCOMPARE(charts[0]->chart()->axes(Qt::Vertical).value(0)->titleText(), S("loss"));
        QCOMPARE(charts[0]->chart()->series().size(), 2);
        QCOMPARE(charts[1]->chart()->title(), S("reward"));
        QCOMPARE(charts[1]->chart()->series().size(), 1);
        auto *lossOf1 = qobject_cast<QLineSeries *>(charts[0]->chart()->series().at(1));
        QCOMPARE(lossOf1->name(), S("seed-1"));
        QVERIFY(lossOf1->count() <= RunCompareDialog::kSeriesPoints);
        QCOMPARE(lossOf1->at(lossOf1->count() - 1), QPointF(4999, 0.5));

        // Values: metric x run, in the table's run order; "—" where a run lacks it.
        QTableWidget *t = dialog->summaryTable();
        QCOMPARE(t->rowCount(), 4);
        auto text = [t](int r, int c) { return t->item(r, c)->text(); };
        QCOMPARE(text(0, 0), S("loss"));
        QCOMPARE(text(0, 1), S("seed-2"));
        QCOMPARE(text(0, 2), QLocale().toString(0.25, 'g', 6));
        QCOMPARE(text(0, 3), QLocale().toString(0.25, 'g', 6));
        QCOMPARE(text(0, 4), QLocale().toString(0.25 + 39.0 / 40, 'g', 6));
        QCOMPARE(text(1, 1), S("seed-1"));
        QCOMPARE(text(1, 4), QLocale().toString(0.5 + 4999.0 / 5000, 'g', 6));
        QCOMPARE(text(1, 5), QLocale().toString(4999));
        QCOMPARE(text(2, 0), S("reward"));
        QCOMPARE(text(2, 2), S("—"));
        QCOMPARE(text(3, 2), QLocale().toString(2499.5, 'g', 6));

        // Manifest: only the keys that differ, flattened.
        QTableWidget *mf = dialog->manifestTable();
        QStringList keys;
        for (int r = 0; r < mf->rowCount(); ++r)
            keys << mf->item(r, 0)->text();
        QCOMPARE(keys, (QStringList{S("layers.1"), S("optim.lr")}));
        QCOMPARE(mf->item(1, 1)->text(), S("0.0003"));
        QCOMPARE(mf->item(1, 2)->text(), S("0.001"));

        // The tabs are reachable by clicks.
        QTabWidget *tabs = dialog->tabs();
        QTest::mouseClick(tabs->tabBar(), Qt::LeftButton, {}, tabs->tabBar()->tabRect(2).center());
        QCOMPARE(tabs->currentWidget(), mf);
        dialog->close();
    }

    void moreThanTwentyRunsCannotBeCompared()
    {
        for (int i = 0; i < RunCompareDialog::kMaxRuns + 1; ++i)
            sync(S("r%1").arg(i), 0.1 * i, 3, 1e-3, false);
        RunsPanel panel(s->ctx, s->actor(alice));
        panel.resize(1000, 900);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(idle(panel.model()));
        auto *compare = panel.findChild<QPushButton *>(S("compareRuns"));
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
        const QJsonObject o{{S("a"), QJsonObject{{S("b"), 1}, {S("c"), QJsonArray{S("x"), QJsonObject{{S("d"), true}}}}}},
                            {S("e"), QJsonObject{}},
                            {S("f"), S("1")},
                            {S("g"), QJsonValue::Null}};
        const auto flat = RunCompareDialog::flatten(o);
        QCOMPARE(flat.keys(), (QStringList{S("a.b"), S("a.c.0"), S("a.c.1.d"), S("e"), S("f"), S("g")}));
        QCOMPARE(flat.value(S("a.b")), S("1"));
        QCOMPARE(flat.value(S("a.c.0")), S("\"x\""));
        QCOMPARE(flat.value(S("e")), S("{}"));
        QCOMPARE(flat.value(S("f")), S("\"1\""));
        QCOMPARE(flat.value(S("g")), S("null"));
        RunCompareDialog::RunData x, y;
        x.manifest = flat;
        y.manifest = flat;
        y.manifest.insert(S("a.b"), S("2"));
        y.manifest.remove(S("g"));
        QCOMPARE(RunCompareDialog::differingKeys({x, y}), (QStringList{S("a.b"), S("g")}));
    }
};

QTEST_MAIN(TestRunCompare)
#include "tst_run_compare.moc"
