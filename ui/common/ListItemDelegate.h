// SPDX-License-Identifier: Apache-2.0
// The delegate of the console's list tables: the style draws each cell's
// background, selection and focus as usual, and the text is laid out once
// (QStyledItemDelegate lays it out two or three times a cell: sizing, eliding,
// drawing). A full repaint of the Runs table scrolled through a million rows
// is one page of new rows each time, so this is most of the GUI thread's work
// per page. Cells with an icon or a check box are left to QStyledItemDelegate.
#pragma once

#include <QStyledItemDelegate>

namespace wfx::ui {

class ListItemDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
};

} // namespace wfx::ui
