// SPDX-License-Identifier: Apache-2.0
// The runs table: keyset pages of RunService::list loaded on the thread pool as
// the view scrolls (canFetchMore/fetchMore), so a million runs stay smooth.
#pragma once

#include "models/core/Context.h"
#include "models/runs/RunService.h"

#include "ui/common/KeysetTableModel.h"

#include <QHash>

#include <memory>

namespace wfx::ui {

class RunsModel : public KeysetTableModel<Run>
{
    Q_OBJECT
public:
    enum Column { Name, Status, Evidence, Project, Created, Metrics, ColumnCount };
    enum Role { RunIdRole = Qt::UserRole + 1 };

    RunsModel(ModelContext ctx, Actor actor, QObject *parent = nullptr);
    // Words for a run's status and evidence, as the table shows them.
    static QString statusText(const QString &status);
    static QString evidenceText(const QString &evidence);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    // Rows come in the list's natural order, newest first (created_at, id
    // descending): the keyset the store pages on. Columns do not re-sort.

    RunFilter filter() const { return m_filter; }
    // Resets to no rows and loads the first page for the new filter.
    void setFilter(const RunFilter &filter);
    // Project names for the Project column (id -> name); unknown ids show the id.
    void setProjectNames(const QHash<QString, QString> &names);

    const Run &runAt(int row) const { return m_rows.at(row); }
    int rowOf(const QString &runId) const;

protected:
    std::function<Result<Page<Run>>()> pageLoader(const QString &cursor) const override;

private:
    struct SharedStrings;

    RunFilter m_filter;
    QHash<QString, QString> m_projectNames;
    // Equal project, workspace, status, evidence and creator strings of the rows
    // share one copy (a million runs held their own: ~300 B a run).
    std::shared_ptr<SharedStrings> m_shared;
};

} // namespace wfx::ui
