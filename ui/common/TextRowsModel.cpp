// SPDX-License-Identifier: Apache-2.0
#include "ui/common/TextRowsModel.h"

#include <QHeaderView>
#include <QTreeView>

namespace wfx::ui {

TextRowsModel::TextRowsModel(QStringList headers, QObject *parent)
    : QAbstractTableModel(parent), m_headers(std::move(headers))
{
}

int TextRowsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TextRowsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_headers.size());
}

QVariant TextRowsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return row.texts.value(index.column());
    case Qt::ToolTipRole:
        if (const auto it = row.toolTips.constFind(index.column()); it != row.toolTips.cend())
            return *it;
        return {};
    case Qt::ForegroundRole:
        if (const auto it = row.foreground.constFind(index.column()); it != row.foreground.cend())
            return *it;
        return {};
    case IdRole:
        return row.id;
    default:
        return {};
    }
}

QVariant TextRowsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section >= 0 &&
        section < m_headers.size())
        return m_headers.at(section);
    return QAbstractTableModel::headerData(section, orientation, role);
}

void TextRowsModel::setRows(QList<Row> rows)
{
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

int TextRowsModel::rowOf(const QString &id) const
{
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows.at(i).id == id)
            return i;
    return -1;
}

QTreeView *newTextRowsView(QWidget *parent, const QStringList &headers, const QString &objectName,
                           const QString &accessibleName, int stretch)
{
    auto *view = new QTreeView(parent);
    view->setObjectName(objectName);
    view->setAccessibleName(accessibleName);
    view->setModel(new TextRowsModel(headers, view));
    view->setRootIsDecorated(false);
    view->setItemsExpandable(false);
    view->setUniformRowHeights(true);
    view->setAlternatingRowColors(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->header()->setStretchLastSection(false);
    view->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    view->header()->setSectionResizeMode(stretch, QHeaderView::Stretch);
    return view;
}

TextRowsModel *textRows(const QAbstractItemView *view)
{
    return qobject_cast<TextRowsModel *>(view->model());
}

QString currentRowId(const QAbstractItemView *view)
{
    const QModelIndex current = view->currentIndex();
    return current.isValid() ? current.siblingAtColumn(0).data(TextRowsModel::IdRole).toString()
                             : QString();
}

QString currentRowText(const QAbstractItemView *view, int column)
{
    const QModelIndex current = view->currentIndex();
    return current.isValid() ? current.siblingAtColumn(column).data().toString() : QString();
}

bool setCurrentRowId(QAbstractItemView *view, const QString &id)
{
    const TextRowsModel *model = textRows(view);
    const int row = model ? model->rowOf(id) : -1;
    if (row < 0)
        return false;
    view->setCurrentIndex(model->index(row, 0));
    return true;
}

} // namespace wfx::ui
