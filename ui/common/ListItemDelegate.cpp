// SPDX-License-Identifier: Apache-2.0
#include "common/ListItemDelegate.h"

#include <QApplication>
#include <QPainter>
#include <QStyle>
#include <QTextLayout>
#include <QtMath>

namespace wfx::ui {

void ListItemDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    if ((opt.features & (QStyleOptionViewItem::HasDecoration | QStyleOptionViewItem::HasCheckIndicator))
        || (opt.features & QStyleOptionViewItem::WrapText)) {
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
    QPalette::ColorGroup group = (opt.state & QStyle::State_Enabled) ? QPalette::Normal : QPalette::Disabled;
    if (group == QPalette::Normal && !(opt.state & QStyle::State_Active))
        group = QPalette::Inactive;
    const QPalette::ColorRole role = (opt.state & QStyle::State_Selected) ? QPalette::HighlightedText : QPalette::Text;
    const Qt::Alignment align = QStyle::visualAlignment(opt.direction, opt.displayAlignment);

    painter->save();
    painter->setPen(opt.palette.color(group, role));
    painter->setFont(opt.font);

    // One layout: drawn as it is when it fits, which is nearly always.
    QString shown = text;
    shown.replace(QLatin1Char('\n'), QChar::LineSeparator);
    QTextLayout layout(shown, opt.font, painter->device());
    QTextOption textOption;
    textOption.setWrapMode(QTextOption::NoWrap);
    textOption.setTextDirection(opt.direction);
    layout.setTextOption(textOption);
    layout.beginLayout();
    QTextLine line = layout.createLine();
    layout.endLayout();
    if (line.isValid() && line.naturalTextWidth() <= rect.width() && line.textLength() == shown.size()) {
        const qreal width = line.naturalTextWidth();
        qreal x = rect.left();
        if (align & Qt::AlignRight)
            x = rect.right() + 1 - width;
        else if (align & Qt::AlignHCenter)
            x = rect.left() + (rect.width() - width) / 2;
        // Whole pixels, as QStyle::alignedRect places the common style's text.
        const int height = qCeil(line.height());
        int y = rect.top();
        if (align & Qt::AlignBottom)
            y = rect.bottom() + 1 - height;
        else if (!(align & Qt::AlignTop))
            y = rect.top() + (rect.height() - height) / 2;
        layout.draw(painter, QPointF(x, y));
    } else {
        const QString elided = opt.fontMetrics.elidedText(shown, opt.textElideMode, rect.width());
        painter->drawText(rect, int(align) | Qt::TextSingleLine, elided);
    }
    painter->restore();
}

} // namespace wfx::ui
