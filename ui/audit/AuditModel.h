// SPDX-License-Identifier: Apache-2.0
// The audit table: keyset pages of AuditService::list (newest first) loaded on
// the thread pool as the view scrolls (canFetchMore/fetchMore).
#pragma once

#include "models/audit/AuditService.h"
#include "models/core/Context.h"

#include "ui/common/KeysetTableModel.h"

#include <QHash>
#include <QList>

namespace wfx::ui {

class AuditModel : public KeysetTableModel<AuditEntry>
{
    Q_OBJECT
public:
    enum Column { Seq, Time, Actor, Action, Target, Workspace, Detail, ColumnCount };
    enum Role { SeqRole = Qt::UserRole + 1 };

    AuditModel(ModelContext ctx, wfx::Actor actor, QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    AuditFilter filter() const { return m_filter; }
    void setFilter(const AuditFilter &filter);
    // Emails for the Actor column (user id -> email); unknown ids show the id.
    void setUserNames(const QHash<QString, QString> &names);
    QString actorName(const QString &actorId) const;
    // Names for the Workspace column (id -> name); deleted workspaces show the id.
    void setWorkspaceNames(const QHash<QString, QString> &names);

    const AuditEntry &entryAt(int row) const { return m_rows.at(row); }
    int rowOfSeq(qint64 seq) const;

protected:
    std::function<Result<Page<AuditEntry>>()> pageLoader(const QString &cursor) const override;

private:
    AuditFilter m_filter;
    QHash<QString, QString> m_userNames;
    QHash<QString, QString> m_workspaceNames;
};

} // namespace wfx::ui
