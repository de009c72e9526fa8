// SPDX-License-Identifier: Apache-2.0
// A chart view with a hover read-out: as the mouse moves over the plot, the
// nearest point of the chart's lines is marked and described in words.
#pragma once

#include <QtCharts/QChartView>

#include <functional>

class QAbstractSeries;
class QGraphicsEllipseItem;
class QGraphicsRectItem;
class QGraphicsSimpleTextItem;
class QXYSeries;

namespace wfx::ui {

class ChartView : public QChartView
{
    Q_OBJECT
public:
    // The words for a point: its series and its (x, y) in the series' values.
    using Readout = std::function<QString(const QXYSeries &series, QPointF point)>;

    explicit ChartView(QChart *chart, QWidget *parent = nullptr);

    void setReadout(Readout readout) { m_readout = std::move(readout); }
    // A series the read-out passes over (the faint raw line under a smoothed one).
    static void skipInReadout(QAbstractSeries *series);

    // What the read-out says now; empty when the mouse is not over a point.
    QString readoutText() const;
    // The read-out's box, in the chart's coordinates; empty when hidden.
    QRectF readoutRect() const;

signals:
    void readoutChanged(const QString &text);

protected:
    void mouseMoveEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;

private:
    void showReadout(QPointF chartPos);
    void hideReadout();

    Readout m_readout;
    QGraphicsRectItem *m_box = nullptr;
    QGraphicsSimpleTextItem *m_text = nullptr;
    QGraphicsEllipseItem *m_dot = nullptr;
};

} // namespace wfx::ui
