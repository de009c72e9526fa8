// SPDX-License-Identifier: Apache-2.0
// The panels' short lists (workspaces, projects, members, invitations, billing
// events, reservations, the DSAR queue): a table model over rows of text, each row
// with an id and the values the panel acts on, and the tree-like view they show in.
// Long lists page through KeysetTableModel instead.
#pragma once

#include <QAbstractTableModel>
#include <QColor>
#include <QHash>
#include <QStringList>

class QAbstractItemView;
class QTreeView;
class QWidget;

namespace wfx::ui {

class TextRowsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Role { IdRole = Qt::UserRole + 1 };

    struct Row
    {
        QString id;
        QStringList texts;             // one per column
        QStringList values;            // what the panel needs of the row beside its id
        QHash<int, QString> toolTips;  // by column
        QHash<int, QColor> foreground; // by column
    };

    explicit TextRowsModel(QStringList headers, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Replaces every row (a model reset: views lose their current row; the panel
    // selects again by id).
    void setRows(QList<Row> rows);
    const Row &rowAt(int row) const { return m_rows.at(row); }
    QString text(int row, int column) const { return m_rows.at(row).texts.value(column); }
    int rowOf(const QString &id) const;

private:
    QStringList m_headers;
    QList<Row> m_rows;
};

// A view over a new model with these column headers: whole rows, one at a time,
// the column `stretch` taking the width left and the others their contents' width.
QTreeView *newTextRowsView(QWidget *parent, const QStringList &headers, const QString &objectName,
                           const QString &accessibleName, int stretch = 0);
// The model of a view made by newTextRowsView.
TextRowsModel *textRows(const QAbstractItemView *view);
// The id of the view's current row, and a column's text of it (empty: none).
QString currentRowId(const QAbstractItemView *view);
QString currentRowText(const QAbstractItemView *view, int column = 0);
// Makes the row with that id current; false when no row has it.
bool setCurrentRowId(QAbstractItemView *view, const QString &id);

} // namespace wfx::ui
