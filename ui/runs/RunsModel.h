// SPDX-License-Identifier: Apache-2.0
// The runs table: keyset pages of RunService::list loaded on the thread pool as
// the view scrolls (canFetchMore/fetchMore), so a million runs stay smooth.
#pragma once

#include "core/Context.h"
#include "runs/RunService.h"

#include <QAbstractTableModel>
#include <QFutureWatcher>
#include <QList>

namespace wfx::ui {

class RunsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Name, Status, Evidence, Project, Created, Metrics, ColumnCount };
    enum Role { RunIdRole = Qt::UserRole + 1 };
    static constexpr int kPageSize = 200;

    RunsModel(ModelContext ctx, Actor actor, QObject *parent = nullptr);
    // Words for a run's status and evidence, as the table shows them.
    static QString statusText(const QString &status);
    static QString evidenceText(const QString &evidence);
    ~RunsModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    // Rows come in the list's natural order, newest first (created_at, id
    // descending): the keyset the store pages on. Columns do not re-sort.
    bool canFetchMore(const QModelIndex &parent) const override;
    // Starts loading the next page off the GUI thread; a no-op while one loads.
    void fetchMore(const QModelIndex &parent) override;

    RunFilter filter() const { return m_filter; }
    // Resets to no rows and loads the first page for the new filter.
    void setFilter(const RunFilter &filter);
    // Drops the rows and loads the first page again (same filter).
    void reload();
    // Project names for the Project column (id -> name); unknown ids show the id.
    void setProjectNames(const QHash<QString, QString> &names);

    bool isLoading() const { return m_watcher != nullptr; }
    bool atEnd() const { return m_atEnd; }
    const Run &runAt(int row) const { return m_rows.at(row); }
    int rowOf(const QString &runId) const;
    QString lastError() const { return m_lastError; }

signals:
    void loadingChanged(bool loading);
    // A page arrived (or failed: error non-empty).
    void pageLoaded(const QString &error);

private:
    struct Fetched
    {
        quint64 generation = 0;
        Result<Page<Run>> page = Page<Run>{};
    };
    void finishFetch(const Fetched &fetched);

    ModelContext m_ctx;
    Actor m_actor;
    RunFilter m_filter;
    QList<Run> m_rows;
    QHash<QString, QString> m_projectNames;
    QString m_cursor;
    bool m_atEnd = false;
    quint64 m_generation = 0; // bumped by a reset: older answers are dropped
    QFutureWatcher<Fetched> *m_watcher = nullptr;
    QString m_lastError;
};

} // namespace wfx::ui
