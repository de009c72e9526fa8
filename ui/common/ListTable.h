// SPDX-License-Identifier: Apache-2.0
// The one way the console's list tables are set up: whole-row single
// selection, alternating rows, no wrapping, no row numbers, fixed row heights
// (no per-row measuring, so long lists scroll smoothly), and Tab leaving the
// table instead of walking its cells (arrow keys move within it), and a
// delegate that lays each cell's text out once (ListItemDelegate).
#pragma once

#include "ui/common/ListItemDelegate.h"

#include <QAbstractItemModel>
#include <QHeaderView>
#include <QTableView>

namespace wfx::ui {

inline QTableView *newListTable(QWidget *parent, QAbstractItemModel *model,
                                const QString &objectName, const QString &accessibleName)
{
    auto *view = new QTableView(parent);
    view->setObjectName(objectName);
    view->setAccessibleName(accessibleName);
    view->setModel(model);
    view->setItemDelegate(new ListItemDelegate(view));
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->setTabKeyNavigation(false);
    view->verticalHeader()->hide();
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 8);
    return view;
}

} // namespace wfx::ui
