// SPDX-License-Identifier: Apache-2.0
// The audit table: keyset pages of AuditService::list (newest first) loaded on
// the thread pool as the view scrolls (canFetchMore/fetchMore).
#pragma once

#include "audit/AuditService.h"
#include "core/Context.h"

#include <QAbstractTableModel>
#include <QFutureWatcher>
#include <QHash>
#include <QList>

namespace wfx::ui {

class AuditModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Seq, Time, Actor, Action, Target, Workspace, Detail, ColumnCount };
    enum Role { SeqRole = Qt::UserRole + 1 };
    static constexpr int kPageSize = 200;

    AuditModel(ModelContext ctx, wfx::Actor actor, QObject *parent = nullptr);
    ~AuditModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    // Starts loading the next page off the GUI thread; a no-op while one loads.
    void fetchMore(const QModelIndex &parent) override;

    AuditFilter filter() const { return m_filter; }
    void setFilter(const AuditFilter &filter);
    void reload();
    // Emails for the Actor column (user id -> email); unknown ids show the id.
    void setUserNames(const QHash<QString, QString> &names);
    QString actorName(const QString &actorId) const;
    // Names for the Workspace column (id -> name); deleted workspaces show the id.
    void setWorkspaceNames(const QHash<QString, QString> &names);

    bool isLoading() const { return m_watcher != nullptr; }
    bool atEnd() const { return m_atEnd; }
    const AuditEntry &entryAt(int row) const { return m_rows.at(row); }
    int rowOfSeq(qint64 seq) const;
    QString lastError() const { return m_lastError; }

signals:
    void loadingChanged(bool loading);
    void pageLoaded(const QString &error);

private:
    struct Fetched
    {
        quint64 generation = 0;
        Result<Page<AuditEntry>> page = Page<AuditEntry>{};
    };
    void finishFetch(const Fetched &fetched);

    ModelContext m_ctx;
    wfx::Actor m_actor;
    AuditFilter m_filter;
    QList<AuditEntry> m_rows;
    QHash<QString, QString> m_userNames;
    QHash<QString, QString> m_workspaceNames;
    QString m_cursor;
    bool m_atEnd = false;
    quint64 m_generation = 0;
    QFutureWatcher<Fetched> *m_watcher = nullptr;
    QString m_lastError;
};

} // namespace wfx::ui
