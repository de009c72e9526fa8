// SPDX-License-Identifier: Apache-2.0
#include "ui/runs/MetricChart.h"

#include "ui/common/ChartView.h"
#include "ui/common/NiceTicks.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

namespace wfx::ui {

namespace {

constexpr TickRule kStepTicks{7, true};
constexpr double kRawOpacity = 0.25; // the raw line under a smoothed one
constexpr double kMargin = 0.05;     // of the values' span, above and below
const char kLineIndex[] = "wfxLineIndex";
const char kSmoothedLine[] = "wfxSmoothedLine";

QString valueText(double v)
{
    return QLocale().toString(v, 'g', 6);
}

} // namespace

MetricChart::MetricChart(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_chart = new QChart;
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chart->setLocalizeNumbers(true); // axis labels in the console's locale (1.000,5)
    m_chart->setBackgroundRoundness(0);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_view = new ChartView(m_chart, this);
    m_view->setRubberBand(QChartView::RectangleRubberBand);
    m_view->setAccessibleName(tr("Metric chart"));
    m_view->setReadout([this](const QXYSeries &s, QPointF p) {
        return readout(s.property(kLineIndex).toInt(), s.property(kSmoothedLine).toBool(), p);
    });
    layout->addWidget(m_view, 1);

    auto *row = new QHBoxLayout;
    m_logScale = new QCheckBox(tr("Lo&g scale"), this);
    m_logScale->setObjectName(QStringLiteral("logScale"));
    auto *smoothingLabel = new QLabel(tr("Smoot&hing:"), this);
    m_smoothing = new QDoubleSpinBox(this);
    m_smoothing->setObjectName(QStringLiteral("smoothing"));
    m_smoothing->setRange(0, 0.99);
    m_smoothing->setSingleStep(0.05);
    m_smoothing->setDecimals(2);
    m_smoothing->setToolTip(
        tr("Weight of the exponential moving average; 0 shows the values as logged"));
    smoothingLabel->setBuddy(m_smoothing);
    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("chartNote"));
    m_note->setWordWrap(true);
    row->addWidget(m_logScale);
    row->addSpacing(12);
    row->addWidget(smoothingLabel);
    row->addWidget(m_smoothing);
    row->addSpacing(12);
    row->addWidget(m_note, 1);
    layout->addLayout(row);

    connect(m_logScale, &QCheckBox::toggled, this, &MetricChart::draw);
    connect(m_smoothing, &QDoubleSpinBox::valueChanged, this, &MetricChart::draw);
}

QString MetricChart::note() const
{
    return m_note->text();
}

void MetricChart::setLines(QList<Line> lines)
{
    m_lines = std::move(lines);
    draw();
}

QList<QPointF> MetricChart::smoothed(const QList<QPointF> &points, double weight)
{
    QList<QPointF> out = points;
    const bool constant = std::all_of(points.cbegin(), points.cend(),
                                      [&](QPointF p) { return p.y() == points.constFirst().y(); });
    if (weight <= 0 || constant)
        return out;
    double last = 0;
    int accumulated = 0;
    for (QPointF &p : out) {
        if (!std::isfinite(p.y()))
            continue;
        last = last * weight + (1 - weight) * p.y();
        ++accumulated;
        p.setY(last / (1 - std::pow(weight, accumulated)));
    }
    return out;
}

void MetricChart::setValueTitle(const QString &title)
{
    m_valueTitle = title;
    draw();
}

void MetricChart::draw()
{
    m_chart->removeAllSeries();
    const auto axes = m_chart->axes();
    for (QAbstractAxis *a : axes) {
        m_chart->removeAxis(a);
        delete a;
    }
    const bool log = m_logScale->isChecked();
    const double weight =
        m_smoothing->value() < 0.005 ? 0.0 : m_smoothing->value(); // steps leave 1e-17

    auto *x = new QValueAxis;
    x->setTitleText(tr("Step"));
    keepTicksNice(x, kStepTicks);
    QAbstractAxis *y = nullptr;
    if (log) {
        y = new QLogValueAxis;
    } else {
        auto *linear = new QValueAxis;
        keepTicksNice(linear);
        y = linear;
    }
    QStringList names;
    for (const Line &line : m_lines)
        names << line.name;
    y->setTitleText(m_valueTitle.isEmpty() ? names.join(QStringLiteral(", ")) : m_valueTitle);
    m_chart->addAxis(x, Qt::AlignBottom);
    m_chart->addAxis(y, Qt::AlignLeft);

    double minX = 0, maxX = 0, minY = 0, maxY = 0;
    bool any = false;
    qsizetype leftOut = 0;
    // What a line can show: finite values, and on a log scale positive ones.
    auto shown = [&](const QList<QPointF> &points, bool count) {
        QList<QPointF> kept;
        kept.reserve(points.size());
        for (QPointF p : points) {
            if (!std::isfinite(p.y()))
                continue;
            if (log && p.y() <= 0) {
                leftOut += count ? 1 : 0;
                continue;
            }
            kept.append(p);
            if (!any) {
                minX = maxX = p.x();
                minY = maxY = p.y();
                any = true;
            }
            minX = std::min(minX, p.x());
            maxX = std::max(maxX, p.x());
            minY = std::min(minY, p.y());
            maxY = std::max(maxY, p.y());
        }
        return kept;
    };
    auto add = [&](const QString &name, const QList<QPointF> &points, int index,
                   bool smoothedLine) {
        auto *line = new QLineSeries;
        line->setName(name);
        line->replace(points);
        line->setProperty(kLineIndex, index);
        line->setProperty(kSmoothedLine, smoothedLine);
        m_chart->addSeries(line);
        line->attachAxis(x);
        line->attachAxis(y);
        return line;
    };
    QList<QLineSeries *> raw;
    for (int i = 0; i < m_lines.size(); ++i)
        raw.append(add(m_lines.at(i).name, shown(m_lines.at(i).points, true), i, false));
    // Smoothed lines over all raw ones, each in its raw line's colour; the raw
    // line stays, faint, without a legend entry or read-out.
    if (weight > 0) {
        for (int i = 0; i < m_lines.size(); ++i) {
            QLineSeries *s = add(m_lines.at(i).name,
                                 shown(smoothed(m_lines.at(i).points, weight), false), i, true);
            s->setColor(raw.at(i)->color());
            raw.at(i)->setOpacity(kRawOpacity);
            ChartView::skipInReadout(raw.at(i));
            const auto markers = m_chart->legend()->markers(raw.at(i));
            for (QLegendMarker *m : markers)
                m->setVisible(false);
        }
    }

    if (!any)
        minX = 0, maxX = 1, minY = log ? 1 : 0, maxY = log ? 10 : 1;
    // Steps edge to edge (one step alone gets its neighbours); values with a margin.
    if (maxX - minX < 1)
        minX -= 1, maxX += 1;
    x->setRange(minX, maxX);
    if (log) {
        setDecadeRange(static_cast<QLogValueAxis *>(y), minY, maxY);
    } else {
        const double margin =
            maxY > minY ? (maxY - minY) * kMargin : std::max(std::abs(minY) * 0.1, 0.5);
        static_cast<QValueAxis *>(y)->setRange(minY - margin, maxY + margin);
    }

    m_note->setText(leftOut > 0 ? tr("%n point(s) at or below zero left out: a log scale cannot "
                                     "show them.",
                                     nullptr, int(leftOut))
                                : QString());
    m_chart->legend()->setVisible(!m_lines.isEmpty());
    emit drawn();
}

QString MetricChart::readout(int line, bool smoothedLine, QPointF point) const
{
    if (line < 0 || line >= m_lines.size())
        return {};
    const Line &l = m_lines.at(line);
    const QString step = QLocale().toString(qint64(std::llround(point.x())));
    if (!smoothedLine)
        return tr("%1\nstep %2: %3").arg(l.name, step, valueText(point.y()));
    // The logged value at the same step, beside the smoothed one.
    const auto it = std::lower_bound(l.points.cbegin(), l.points.cend(), point.x(),
                                     [](QPointF p, double v) { return p.x() < v; });
    const double logged = it != l.points.cend() ? it->y() : point.y();
    return tr("%1\nstep %2: %3 smoothed, %4 logged")
        .arg(l.name, step, valueText(point.y()), valueText(logged));
}

} // namespace wfx::ui
