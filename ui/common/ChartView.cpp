// SPDX-License-Identifier: Apache-2.0
#include "ui/common/ChartView.h"

#include <QGraphicsEllipseItem>
#include <QGraphicsRectItem>
#include <QGraphicsSimpleTextItem>
#include <QMouseEvent>
#include <QPen>
#include <QtCharts/QXYSeries>

#include <algorithm>
#include <limits>

namespace wfx::ui {

namespace {

const char kSkipped[] = "wfxSkipInReadout";
constexpr double kMaxDistance = 40; // pixels: farther than this, no read-out

} // namespace

ChartView::ChartView(QChart *chart, QWidget *parent) : QChartView(chart, parent)
{
    setRenderHint(QPainter::Antialiasing);
    viewport()->setMouseTracking(true);
    m_dot = new QGraphicsEllipseItem(-4, -4, 8, 8, chart);
    m_box = new QGraphicsRectItem(chart);
    m_text = new QGraphicsSimpleTextItem(m_box);
    m_dot->setZValue(20);
    m_box->setZValue(21);
    const QPalette pal = palette();
    m_box->setBrush(pal.color(QPalette::ToolTipBase));
    m_box->setPen(QPen(pal.color(QPalette::ToolTipText), 0.5));
    m_text->setBrush(pal.color(QPalette::ToolTipText));
    m_text->setPos(6, 4);
    m_dot->setPen(QPen(pal.color(QPalette::ToolTipText), 1.5));
    hideReadout();
}

void ChartView::skipInReadout(QAbstractSeries *series)
{
    series->setProperty(kSkipped, true);
}

QString ChartView::readoutText() const
{
    return m_box->isVisible() ? m_text->text() : QString();
}

QRectF ChartView::readoutRect() const
{
    return m_box->isVisible() ? m_box->mapRectToParent(m_box->rect()) : QRectF();
}

void ChartView::mouseMoveEvent(QMouseEvent *event)
{
    QChartView::mouseMoveEvent(event);
    showReadout(chart()->mapFromScene(mapToScene(event->position().toPoint())));
}

void ChartView::leaveEvent(QEvent *event)
{
    hideReadout();
    QChartView::leaveEvent(event);
}

void ChartView::showReadout(QPointF chartPos)
{
    if (!m_readout || !chart()->plotArea().contains(chartPos)) {
        hideReadout();
        return;
    }
    const QXYSeries *best = nullptr;
    QPointF bestPoint, bestPos;
    double bestDistance = std::numeric_limits<double>::max();
    const auto all = chart()->series();
    for (QAbstractSeries *s : all) {
        auto *xy = qobject_cast<QXYSeries *>(s);
        if (!xy || !xy->isVisible() || xy->property(kSkipped).toBool() || xy->count() == 0)
            continue;
        // Points are in x order: look at the two beside the mouse's x.
        const QList<QPointF> points = xy->points();
        const double x = chart()->mapToValue(chartPos, xy).x();
        const auto it = std::lower_bound(points.cbegin(), points.cend(), x,
                                         [](QPointF p, double v) { return p.x() < v; });
        const qsizetype i = it - points.cbegin();
        for (qsizetype j : {i - 1, i}) {
            if (j < 0 || j >= points.size())
                continue;
            const QPointF pos = chart()->mapToPosition(points.at(j), xy);
            const double d = QLineF(pos, chartPos).length();
            if (d < bestDistance) {
                bestDistance = d;
                best = xy;
                bestPoint = points.at(j);
                bestPos = pos;
            }
        }
    }
    if (!best || bestDistance > kMaxDistance) {
        hideReadout();
        return;
    }
    const QString text = m_readout(*best, bestPoint);
    const bool changed = !m_box->isVisible() || m_text->text() != text;
    m_text->setText(text);
    const QRectF textRect = m_text->boundingRect();
    const QSizeF size(textRect.width() + 12, textRect.height() + 8);
    // Beside the point, kept inside the plot.
    const QRectF plot = chart()->plotArea();
    QPointF at = bestPos + QPointF(12, -12 - size.height());
    if (at.x() + size.width() > plot.right())
        at.setX(bestPos.x() - 12 - size.width());
    if (at.y() < plot.top())
        at.setY(bestPos.y() + 12);
    at.setX(std::clamp(at.x(), plot.left(), std::max(plot.left(), plot.right() - size.width())));
    at.setY(std::clamp(at.y(), plot.top(), std::max(plot.top(), plot.bottom() - size.height())));
    m_box->setRect(QRectF(QPointF(0, 0), size));
    m_box->setPos(at);
    m_dot->setPos(bestPos);
    m_dot->setVisible(true);
    m_box->setVisible(true);
    if (changed)
        emit readoutChanged(text);
}

void ChartView::hideReadout()
{
    const bool wasShown = m_box->isVisible();
    m_box->setVisible(false);
    m_dot->setVisible(false);
    if (wasShown)
        emit readoutChanged(QString());
}

} // namespace wfx::ui
