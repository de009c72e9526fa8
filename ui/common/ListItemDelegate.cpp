// SPDX-License-Identifier: Apache-2.0
#include "ui/common/ListItemDelegate.h"

#include <QApplication>
#include <QPainter>
#include <QStyle>
#include <QTextLayout>

namespace wfx::ui {

namespace {

// Lays `text` out on one line and draws it aligned in `rect`, placed as the
// common style places it; returns false, drawing nothing, when it does not fit
// (unless `always`).
bool drawLine(QPainter *painter, const QString &text, const QStyleOptionViewItem &opt,
              const QRect &rect, Qt::Alignment align, bool always)
{
    QTextLayout layout(text, opt.font);
    QTextOption textOption;
    textOption.setWrapMode(QTextOption::NoWrap);
    textOption.setTextDirection(opt.direction);
    layout.setTextOption(textOption);
    layout.beginLayout();
    QTextLine line = layout.createLine();
    layout.endLayout();
    if (!line.isValid())
        return true; // nothing to draw
    const qreal width = line.naturalTextWidth();
    if (!always && width > rect.width())
        return false;
    qreal x = rect.left();
    if (align & Qt::AlignRight)
        x = rect.right() + 1 - width;
    else if (align & Qt::AlignHCenter)
        x = rect.left() + (rect.width() - width) / 2;
    // Whole pixels, as QStyle::alignedRect places the common style's text.
    const int height = qRound(line.height());
    int y = rect.top();
    if (align & Qt::AlignBottom)
        y = rect.bottom() + 1 - height;
    else if (!(align & Qt::AlignTop))
        y = rect.top() + (rect.height() - height) / 2;
    layout.draw(painter, QPointF(x, y));
    return true;
}

} // namespace

void ListItemDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                             const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    if ((opt.features &
         (QStyleOptionViewItem::HasDecoration | QStyleOptionViewItem::HasCheckIndicator)) ||
        (opt.features & QStyleOptionViewItem::WrapText)) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    const QWidget *widget = opt.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    const QString text = opt.text;
    // Background, selection and focus frame, as the style draws them, without the text.
    opt.text.clear();
    opt.features &= ~QStyleOptionViewItem::HasDisplay;
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
    if (text.isEmpty())
        return;

    // The text rectangle and colour the common style uses (viewItemDrawText).
    const int margin = style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, widget) + 1;
    const QRect rect = opt.rect.adjusted(margin, 0, -margin, 0);
    QPalette::ColorGroup group =
        (opt.state & QStyle::State_Enabled) ? QPalette::Normal : QPalette::Disabled;
    if (group == QPalette::Normal && !(opt.state & QStyle::State_Active))
        group = QPalette::Inactive;
    const QPalette::ColorRole role =
        (opt.state & QStyle::State_Selected) ? QPalette::HighlightedText : QPalette::Text;
    const Qt::Alignment align = QStyle::visualAlignment(opt.direction, opt.displayAlignment);

    painter->save();
    painter->setPen(opt.palette.color(group, role));
    painter->setFont(opt.font);

    // One layout, drawn as it is when it fits (nearly always); else the elided text's.
    QString shown = text;
    shown.replace(QLatin1Char('\n'), QChar::LineSeparator);
    if (!drawLine(painter, shown, opt, rect, align, false))
        drawLine(painter, opt.fontMetrics.elidedText(shown, opt.textElideMode, rect.width()), opt,
                 rect, align, true);
    painter->restore();
}

} // namespace wfx::ui
