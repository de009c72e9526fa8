// SPDX-License-Identifier: Apache-2.0
// A run's metric curves on one chart: step numbers on x, nice ticks in the
// console's locale, a hover read-out of the nearest point, a log-scale y axis
// and an optional smoothing (exponential moving average, the raw line faint).
#pragma once

#include <QList>
#include <QPointF>
#include <QString>
#include <QWidget>

class QChart;
class QCheckBox;
class QDoubleSpinBox;
class QLabel;

namespace wfx::ui {

class ChartView;

class MetricChart : public QWidget
{
    Q_OBJECT
public:
    struct Line
    {
        QString name;
        QList<QPointF> points; // (step, value) in step order
    };

    explicit MetricChart(QWidget *parent = nullptr);

    void setLines(QList<Line> lines);
    // The value axis' title; empty (the default): the lines' names, which is
    // right when each line is a metric, not when each is a run (a comparison).
    void setValueTitle(const QString &title);

    // TensorBoard's smoothing: an exponential moving average of weight
    // `weight` (0 = none), debiased so the first points are not pulled to 0;
    // non-finite values, and a constant series, pass through unchanged.
    static QList<QPointF> smoothed(const QList<QPointF> &points, double weight);

    QChart *chart() const { return m_chart; }
    ChartView *view() const { return m_view; }
    QCheckBox *logScale() const { return m_logScale; }
    QDoubleSpinBox *smoothing() const { return m_smoothing; }
    // Says which points a log scale leaves out; empty otherwise.
    QString note() const;

signals:
    void drawn();

private:
    void draw();
    QString readout(int line, bool smoothedLine, QPointF point) const;

    QList<Line> m_lines;
    QString m_valueTitle;
    QChart *m_chart = nullptr;
    ChartView *m_view = nullptr;
    QCheckBox *m_logScale = nullptr;
    QDoubleSpinBox *m_smoothing = nullptr;
    QLabel *m_note = nullptr;
};

} // namespace wfx::ui
