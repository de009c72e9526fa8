// SPDX-License-Identifier: Apache-2.0
// The console's charts: the nice-tick rule (NiceTicks), the EMA smoothing, and
// each chart rendered offscreen with its axis labels read back from the scene
// (drawn, inside the chart, nice, integer steps, in the locale), the hover
// read-out driven by mouse moves, and the log-scale and smoothing controls.
// Runs on SQLite and PostgreSQL (the run details dialog reads a stored run).
#include "FakeServerControl.h"
#include "TestStore.h"

#include "models/runs/RunService.h"
#include "models/workspaces/WorkspaceService.h"
#include "ui/common/ChartView.h"
#include "ui/common/NiceTicks.h"
#include "ui/common/Translations.h"
#include "ui/overview/OverviewPanel.h"
#include "ui/runs/MetricChart.h"
#include "ui/runs/RunDetailsDialog.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QGraphicsScene>
#include <QGraphicsTextItem>
#include <QJsonArray>
#include <QLabel>
#include <QTabWidget>
#include <QTest>
#include <QTimer>
#include <QtCharts/QChart>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

using namespace wfx;
using wfx::ui::ChartView;
using wfx::ui::MetricChart;

namespace {

// The numbers an axis shows: label items of the chart's scene that read as a
// number in the current locale, below the plot (x) or left of it (y).
struct AxisLabels
{
    QStringList texts;
    QList<double> values; // ascending
    bool insideChart = true;
};

AxisLabels axisLabels(QChart *chart, Qt::Orientation orientation)
{
    const QRectF plot = chart->mapRectToScene(chart->plotArea());
    const QRectF whole = chart->mapRectToScene(chart->rect());
    AxisLabels out;
    const auto items = chart->scene()->items();
    for (QGraphicsItem *item : items) {
        auto *text = qobject_cast<QGraphicsTextItem *>(item->toGraphicsObject());
        if (!text || !text->isVisible())
            continue;
        bool ok = false;
        const double v = QLocale().toDouble(text->toPlainText(), &ok);
        if (!ok)
            continue;
        const QRectF r = text->sceneBoundingRect();
        const QPointF c = r.center();
        const bool isX =
            c.y() > plot.bottom() && c.x() >= plot.left() - 1 && c.x() <= plot.right() + 1;
        const bool isY =
            c.x() < plot.left() && c.y() >= plot.top() - 1 && c.y() <= plot.bottom() + 1;
        if (orientation == Qt::Horizontal ? !isX : !isY)
            continue;
        out.texts << text->toPlainText();
        out.values << v;
        out.insideChart = out.insideChart && whole.contains(r);
    }
    std::sort(out.values.begin(), out.values.end());
    return out;
}

// Evenly spaced by 1, 2 or 5 times a power of ten, each a multiple of it.
bool nice(const QList<double> &values, QString *why)
{
    if (values.size() < 2) {
        *why = u"fewer than two labels"_s;
        return false;
    }
    const double d = values.at(1) - values.at(0);
    const double mantissa = d / std::pow(10.0, std::floor(std::log10(d)));
    if (!(std::abs(mantissa - 1) < 1e-6 || std::abs(mantissa - 2) < 1e-6 ||
          std::abs(mantissa - 5) < 1e-6)) {
        *why = u"interval %1 is not 1, 2 or 5 x 10^n"_s.arg(d);
        return false;
    }
    for (int i = 0; i < values.size(); ++i) {
        const double k = values.at(i) / d;
        if (std::abs(k - std::round(k)) > 1e-6 ||
            (i > 0 && std::abs(values.at(i) - values.at(i - 1) - d) > d * 1e-6)) {
            *why = u"label %1 is off the %2 grid"_s.arg(values.at(i)).arg(d);
            return false;
        }
    }
    return true;
}

bool shown(QWidget &w)
{
    w.resize(900, 600);
    w.show();
    return QTest::qWaitForWindowExposed(&w);
}

// Moves the mouse to `pos` over the view, from elsewhere (a move to where the
// mouse already is, as a previous test left it, is no move).
void hover(ChartView *view, QPoint pos)
{
    QTest::mouseMove(view->viewport(), pos + QPoint(30, 30));
    QTest::mouseMove(view->viewport(), pos);
}

// The chart's layout has caught up with its axes (their labels are drawn).
bool laidOut(QChart *chart)
{
    return !axisLabels(chart, Qt::Horizontal).values.isEmpty() &&
           !axisLabels(chart, Qt::Vertical).values.isEmpty();
}

#define VERIFY_NICE(values)                                                                        \
    do {                                                                                           \
        QString why;                                                                               \
        QVERIFY2(nice(values, &why), qPrintable(why));                                             \
    } while (false)

QPoint viewPos(ChartView *view, QPointF value, QAbstractSeries *series)
{
    QChart *chart = view->chart();
    return view->mapFromScene(chart->mapToScene(chart->mapToPosition(value, series)));
}

QList<QPointF> curve(int steps, qint64 stride, double (*f)(double))
{
    QList<QPointF> points;
    for (int i = 0; i < steps; ++i)
        points.append(QPointF(double(i * stride), f(double(i) / steps)));
    return points;
}

double lossCurve(double t)
{
    return 2.5 * std::exp(-3 * t);
}
double returnCurve(double t)
{
    return 18 * (1 - std::exp(-4 * t)) - 0.797;
}

} // namespace

class TestCharts : public QObject
{
    Q_OBJECT
    QLocale m_locale;

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void initTestCase()
    {
        m_locale = QLocale();
        QVERIFY(ui::Translations::install(u"en"_s)); // English plural forms
    }
    void init() { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }
    void cleanup() { QLocale::setDefault(m_locale); }

    void niceTicks_data()
    {
        QTest::addColumn<double>("lo");
        QTest::addColumn<double>("hi");
        QTest::addColumn<int>("maxTicks");
        QTest::addColumn<bool>("integers");
        QTest::addColumn<double>("first");
        QTest::addColumn<double>("last");
        QTest::addColumn<double>("interval");
        QTest::addColumn<int>("decimals");
        QTest::newRow("the screenshot's returns")
            << -0.797 << 20.1 << 6 << false << 0.0 << 20.0 << 5.0 << 0;
        QTest::newRow("steps") << 0.0 << 199000.0 << 7 << true << 0.0 << 150000.0 << 50000.0 << 0;
        QTest::newRow("unit range") << 0.0 << 1.0 << 6 << false << 0.0 << 1.0 << 0.2 << 1;
        QTest::newRow("small values")
            << 0.0012 << 0.0047 << 6 << false << 0.002 << 0.004 << 0.001 << 3;
        QTest::newRow("five minutes") << 0.0 << 300.0 << 7 << true << 0.0 << 300.0 << 50.0 << 0;
        QTest::newRow("one step") << 5.0 << 5.0 << 6 << true << 4.0 << 6.0 << 1.0 << 0;
        QTest::newRow("one negative value")
            << -3.0 << -3.0 << 6 << false << -3.4 << -2.6 << 0.2 << 1;
        QTest::newRow("not a number") << qQNaN() << 1.0 << 6 << false << 0.0 << 1.0 << 0.2 << 1;
        QTest::newRow("large offset") << 1e6 << 1e6 + 3 << 6 << false << 1e6 << 1e6 + 3 << 1.0 << 0;
        QTest::newRow("ends a hair off a tick")
            << 0.1 << 0.3 << 6 << false << 0.1 << 0.3 << 0.05 << 2;
        QTest::newRow("integers never split") << 0.0 << 3.0 << 10 << true << 0.0 << 3.0 << 1.0 << 0;
        QTest::newRow("reversed bounds") << 10.0 << 0.0 << 6 << false << 0.0 << 10.0 << 2.0 << 0;
    }
    void niceTicks()
    {
        QFETCH(double, lo);
        QFETCH(double, hi);
        QFETCH(int, maxTicks);
        QFETCH(bool, integers);
        const ui::NiceTicks t = ui::niceTicks(lo, hi, ui::TickRule{maxTicks, integers});
        QFETCH(double, first);
        QFETCH(double, last);
        QFETCH(double, interval);
        QFETCH(int, decimals);
        QVERIFY2(qFuzzyCompare(1 + t.first, 1 + first), qPrintable(QString::number(t.first)));
        QVERIFY2(qFuzzyCompare(1 + t.last, 1 + last), qPrintable(QString::number(t.last)));
        QVERIFY2(qFuzzyCompare(t.interval, interval), qPrintable(QString::number(t.interval)));
        QCOMPARE(t.decimals, decimals);
        QVERIFY(std::llround((t.last - t.first) / t.interval) + 1 <= maxTicks);
    }

    void niceCeilingAndDecades()
    {
        QCOMPARE(ui::niceCeiling(210), 250.0);
        QCOMPARE(ui::niceCeiling(70), 80.0);
        QCOMPARE(ui::niceCeiling(30), 30.0);
        QCOMPARE(ui::niceCeiling(12), 15.0);
        QCOMPARE(ui::niceCeiling(1), 1.0);
        QCOMPARE(ui::niceCeiling(0.13), 0.15);
        QCOMPARE(ui::decadeRange(0.2, 0.9), std::make_pair(0.1, 1.0));
        QCOMPARE(ui::decadeRange(0.05, 50), std::make_pair(0.01, 100.0));
        QCOMPARE(ui::decadeRange(1, 1), std::make_pair(1.0, 10.0));
        QCOMPARE(ui::decadeRange(0, 5), std::make_pair(1.0, 10.0));
    }

    void smoothingIsTensorBoardsDebiasedEma()
    {
        const QList<QPointF> raw{{0, 1}, {1, 2}, {2, qQNaN()}, {3, 3}};
        const QList<QPointF> s = MetricChart::smoothed(raw, 0.5);
        QCOMPARE(s.size(), 4);
        QCOMPARE(s.at(0).y(), 1.0);           // 0.5 / (1 - 0.5)
        QCOMPARE(s.at(1).y(), 1.25 / 0.75);   // (0.25 + 1) / (1 - 0.25)
        QVERIFY(std::isnan(s.at(2).y()));     // passes through, uncounted
        QCOMPARE(s.at(3).y(), 2.125 / 0.875); // (0.625 + 1.5) / (1 - 0.125)
        QCOMPARE(s.at(3).x(), 3.0);
        QCOMPARE(MetricChart::smoothed(raw.mid(0, 2), 0), raw.mid(0, 2));
        const QList<QPointF> flat{{0, 4}, {1, 4}, {2, 4}};
        QCOMPARE(MetricChart::smoothed(flat, 0.9), flat);
    }

    void overviewRateChartHasNumbersOnBothAxes()
    {
        wfxtest::FakeServerControl server;
        ui::OverviewPanel panel(&server);
        QVERIFY(shown(panel));
        auto *view = panel.findChild<ChartView *>();
        QVERIFY(view);
        QChart *chart = view->chart();
        QTRY_VERIFY(!axisLabels(chart, Qt::Horizontal).values.isEmpty());
        const AxisLabels x = axisLabels(chart, Qt::Horizontal);
        QCOMPARE(x.values, (QList<double>{0, 50, 100, 150, 200, 250, 300}));
        QVERIFY(x.insideChart);
        const AxisLabels y = axisLabels(chart, Qt::Vertical);
        VERIFY_NICE(y.values);
        QVERIFY(y.insideChart);
        QCOMPARE(chart->axes(Qt::Horizontal).first()->titleText(), u"seconds ago"_s);
        QCOMPARE(chart->axes(Qt::Vertical).first()->titleText(), u"requests/s"_s);
    }

    void overviewHoverReadsTheNearestSample()
    {
        wfxtest::FakeServerControl server;
        server.requests = 100;
        ui::OverviewPanel panel(&server);
        QVERIFY(shown(panel));
        server.requests = 112; // twelve requests in a second
        QTRY_VERIFY_WITH_TIMEOUT(panel.rateSamples().contains(12.0), 5000);
        // Hold the samples still while the mouse reads them.
        const auto timers = panel.findChildren<QTimer *>();
        for (QTimer *t : timers)
            if (t->interval() == ui::OverviewPanel::kSampleMs)
                t->stop();
        auto *view = panel.findChild<ChartView *>();
        QAbstractSeries *series = view->chart()->series().first();
        QTRY_VERIFY(laidOut(view->chart()));
        // Twelve requests/s lift the y axis to the nice tick above them, 15.
        QCOMPARE(static_cast<QValueAxis *>(view->chart()->axes(Qt::Vertical).first())->max(), 15.0);
        VERIFY_NICE(axisLabels(view->chart(), Qt::Vertical).values);
        const QList<double> rates = panel.rateSamples();
        const int secondsAgo = int(rates.size() - 1 - rates.lastIndexOf(12.0));
        hover(view, viewPos(view, QPointF(secondsAgo, 12), series) + QPoint(-3, 2));
        QTRY_COMPARE(view->readoutText(), u"%1 s ago: 12.0 requests/s"_s.arg(secondsAgo));
    }

    void metricChartAxes_data()
    {
        QTest::addColumn<QLocale>("locale");
        QTest::addColumn<QString>("step50k");
        QTest::newRow("en") << QLocale(QLocale::English, QLocale::UnitedStates) << u"50,000"_s;
        QTest::newRow("de") << QLocale(QLocale::German, QLocale::Germany) << u"50.000"_s;
    }
    void metricChartAxes()
    {
        QFETCH(QLocale, locale);
        QFETCH(QString, step50k);
        QLocale::setDefault(locale);
        MetricChart chart;
        QVERIFY(shown(chart));
        chart.setLines({{u"loss"_s, curve(200, 1000, lossCurve)},
                        {u"episode_return"_s, curve(200, 1000, returnCurve)}});
        QTRY_VERIFY(!axisLabels(chart.chart(), Qt::Horizontal).values.isEmpty());
        const AxisLabels x = axisLabels(chart.chart(), Qt::Horizontal);
        QCOMPARE(x.values, (QList<double>{0, 50000, 100000, 150000}));
        QVERIFY2(x.texts.contains(step50k), qPrintable(x.texts.join(u" | "_s)));
        QVERIFY(x.insideChart);
        const AxisLabels y = axisLabels(chart.chart(), Qt::Vertical);
        VERIFY_NICE(y.values);
        QVERIFY(y.values.size() >= 3);
        QVERIFY(y.insideChart);
        QCOMPARE(chart.chart()->axes(Qt::Horizontal).first()->titleText(), u"Step"_s);
        QCOMPARE(chart.chart()->axes(Qt::Vertical).first()->titleText(), u"loss, episode_return"_s);

        // Zoomed in, the ticks are nice again for the new range, steps still whole.
        chart.chart()->zoom(8);
        QTRY_VERIFY(axisLabels(chart.chart(), Qt::Horizontal).values != x.values);
        const AxisLabels zx = axisLabels(chart.chart(), Qt::Horizontal);
        VERIFY_NICE(zx.values);
        for (double v : zx.values)
            QCOMPARE(v, std::round(v));
        QTRY_VERIFY(axisLabels(chart.chart(), Qt::Vertical).values.size() >= 2);
        VERIFY_NICE(axisLabels(chart.chart(), Qt::Vertical).values);
    }

    void hoverReadsOutTheNearestPoint()
    {
        MetricChart chart;
        QVERIFY(shown(chart));
        const QList<QPointF> loss{{0, 2.0}, {1000, 1.5}, {2000, 1.25}, {3000, 1.0}};
        chart.setLines({{u"loss"_s, loss}});
        ChartView *view = chart.view();
        QAbstractSeries *series = chart.chart()->series().first();
        QTRY_VERIFY(laidOut(chart.chart())); // positions are read from the drawn chart
        hover(view, viewPos(view, loss.at(2), series) + QPoint(4, -3));
        QTRY_COMPARE(view->readoutText(), u"loss\nstep 2,000: 1.25"_s);
        QVERIFY(chart.chart()->plotArea().contains(view->readoutRect()));
        hover(view, viewPos(view, loss.at(0), series) + QPoint(2, 2));
        QTRY_COMPARE(view->readoutText(), u"loss\nstep 0: 2"_s);
        // Off the plot: no read-out.
        hover(view, QPoint(2, 2));
        QTRY_COMPARE(view->readoutText(), QString());
    }

    void logScaleLeavesOutWhatItCannotShow()
    {
        MetricChart chart;
        QVERIFY(shown(chart));
        chart.setLines({{u"grad_norm"_s, {{0, -1}, {1, 0}, {2, 0.5}, {3, 5}, {4, 50}}}});
        QVERIFY(chart.note().isEmpty());
        QTest::mouseClick(chart.logScale(), Qt::LeftButton);
        QVERIFY(chart.logScale()->isChecked());
        auto *log = qobject_cast<QLogValueAxis *>(chart.chart()->axes(Qt::Vertical).first());
        QVERIFY(log);
        QVERIFY2(std::abs(log->min() / 0.1 - 1) < 1e-6, qPrintable(QString::number(log->min())));
        QVERIFY2(std::abs(log->max() / 100 - 1) < 1e-6, qPrintable(QString::number(log->max())));
        QCOMPARE(static_cast<QLineSeries *>(chart.chart()->series().first())->count(), 3);
        QCOMPARE(chart.note(),
                 u"2 points at or below zero left out: a log scale cannot show them."_s);
        QTRY_COMPARE(axisLabels(chart.chart(), Qt::Vertical).values,
                     (QList<double>{0.1, 1, 10, 100}));
        QVERIFY(axisLabels(chart.chart(), Qt::Vertical).insideChart);

        QTest::mouseClick(chart.logScale(), Qt::LeftButton);
        QVERIFY(qobject_cast<QValueAxis *>(chart.chart()->axes(Qt::Vertical).first()));
        QCOMPARE(static_cast<QLineSeries *>(chart.chart()->series().first())->count(), 5);
        QVERIFY(chart.note().isEmpty());
    }

    void smoothingDrawsTheAverageOverTheFaintRawLine()
    {
        MetricChart chart;
        QVERIFY(shown(chart));
        const QList<QPointF> loss = curve(50, 10, lossCurve);
        chart.setLines({{u"loss"_s, loss}, {u"episode_return"_s, curve(50, 10, returnCurve)}});
        QCOMPARE(chart.chart()->series().size(), 2);
        chart.smoothing()->setFocus();
        for (int i = 0; i < 12; ++i) // 12 x 0.05
            QTest::keyClick(chart.smoothing(), Qt::Key_Up);
        QCOMPARE(chart.smoothing()->value(), 0.6);
        const auto series = chart.chart()->series();
        QCOMPARE(series.size(), 4);
        auto *raw = static_cast<QLineSeries *>(series.at(0));
        auto *smooth = static_cast<QLineSeries *>(series.at(2));
        QCOMPARE(raw->points(), loss);
        QCOMPARE(smooth->name(), u"loss"_s);
        QCOMPARE(smooth->points(), MetricChart::smoothed(loss, 0.6));
        QCOMPARE(smooth->color(), raw->color());
        QVERIFY(raw->opacity() < 0.5);
        QCOMPARE(smooth->opacity(), 1.0);
        QVERIFY(!chart.chart()->legend()->markers(raw).first()->isVisible());
        QTRY_VERIFY(chart.chart()->legend()->markers(smooth).first()->isVisible());

        // The read-out names the smoothed value and the logged one.
        ChartView *view = chart.view();
        QTRY_VERIFY(laidOut(chart.chart()));
        const QPointF p = smooth->points().at(20);
        hover(view, viewPos(view, p, smooth));
        QTRY_VERIFY(!view->readoutText().isEmpty());
        QCOMPARE(view->readoutText(), u"loss\nstep 200: %1 smoothed, %2 logged"_s.arg(
                                          QLocale().toString(p.y(), 'g', 6),
                                          QLocale().toString(loss.at(20).y(), 'g', 6)));

        for (int i = 0; i < 12; ++i)
            QTest::keyClick(chart.smoothing(), Qt::Key_Down);
        QCOMPARE(chart.smoothing()->value(), 0.0);
        QCOMPARE(chart.chart()->series().size(), 2);
        QCOMPARE(chart.chart()->series().first()->opacity(), 1.0);
    }

    void runDetailsChartShowsStepNumbers()
    {
        QFETCH_GLOBAL(QString, backend);
        wfxtest::TestStore store(backend);
        const QString alice = store.createUser(u"alice@example.com"_s);
        WorkspaceService ws(store.ctx);
        const QString wsId = ws.create(store.actor(alice), u"Robotics lab"_s)->id;
        const QString project = ws.createProject(store.actor(alice), wsId, u"dreamer"_s)->id;
        QJsonArray metrics;
        for (int step = 0; step < 120; ++step)
            metrics.append(QJsonObject{{u"name"_s, u"loss"_s},
                                       {u"step"_s, step * 250},
                                       {u"value"_s, lossCurve(step / 120.0) - 0.797}});
        RunService runs(store.ctx);
        auto synced = runs.sync(store.actor(alice), QJsonObject{{u"project_id"_s, project},
                                                                {u"client_run_id"_s, u"c-1"_s},
                                                                {u"name"_s, u"charted"_s},
                                                                {u"status"_s, u"completed"_s},
                                                                {u"metrics"_s, metrics}});
        QVERIFY2(synced.ok(), synced.ok() ? "" : qPrintable(synced.error().message));
        {
            ui::RunDetailsDialog dialog(store.ctx, Actor::system(), synced->run);
            dialog.tabs()->setCurrentIndex(2);
            dialog.show();
            QVERIFY(QTest::qWaitForWindowExposed(&dialog));
            QVERIFY(QTest::qWaitFor([&] { return dialog.chart()->series().size() == 1; }, 5000));
            QTRY_VERIFY(!axisLabels(dialog.chart(), Qt::Horizontal).values.isEmpty());
            const AxisLabels x = axisLabels(dialog.chart(), Qt::Horizontal);
            VERIFY_NICE(x.values);
            for (double v : x.values)
                QCOMPARE(v, std::round(v));
            QVERIFY2(x.texts.contains(u"10,000"_s), qPrintable(x.texts.join(u" | "_s)));
            QVERIFY(x.insideChart);
            const AxisLabels y = axisLabels(dialog.chart(), Qt::Vertical);
            VERIFY_NICE(y.values);
            QVERIFY(y.insideChart);
            QCOMPARE(dialog.chart()->axes(Qt::Vertical).first()->titleText(), u"loss"_s);
        }
        QTest::qWait(0);
    }
};

QTEST_MAIN(TestCharts)
#include "tst_charts.moc"
