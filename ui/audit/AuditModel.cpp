// SPDX-License-Identifier: Apache-2.0
#include "ui/audit/AuditModel.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QLocale>
#include <QtConcurrent/QtConcurrentRun>

namespace wfx::ui {

AuditModel::AuditModel(ModelContext ctx, wfx::Actor actor, QObject *parent)
    : KeysetTableModel<AuditEntry>(std::move(ctx), std::move(actor), ColumnCount, parent)
{
}

QString AuditModel::actorName(const QString &actorId) const
{
    if (actorId.isEmpty())
        return tr("System");
    return m_userNames.value(actorId, actorId);
}

QVariant AuditModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AuditEntry &e = m_rows.at(index.row());
    if (role == SeqRole)
        return e.seq;
    if (role == Qt::DisplayRole) {
        switch (Column(index.column())) {
        case Seq:
            return e.seq;
        case Time:
            return QLocale().toString(QDateTime::fromMSecsSinceEpoch(e.at), QLocale::ShortFormat);
        case Actor:
            return actorName(e.actorId);
        case Action:
            return e.action;
        case Target:
            return e.targetId.isEmpty() ? e.targetType : tr("%1 %2").arg(e.targetType, e.targetId);
        case Workspace:
            return m_workspaceNames.value(e.workspaceId, e.workspaceId);
        case Detail:
            return e.detail.isEmpty()
                       ? QString()
                       : QString::fromUtf8(QJsonDocument(e.detail).toJson(QJsonDocument::Compact));
        case ColumnCount:
            break;
        }
    } else if (role == Qt::ToolTipRole) {
        if (index.column() == Time)
            return QDateTime::fromMSecsSinceEpoch(e.at).toString(Qt::ISODateWithMs);
        if (index.column() == Seq)
            return tr("Entry %1, hash %2").arg(e.seq).arg(e.hash);
        if (index.column() == Actor && !e.ip.isEmpty())
            return tr("From %1").arg(e.ip);
        if (index.column() == Detail)
            return data(index, Qt::DisplayRole);
        if (index.column() == Workspace || index.column() == Target)
            return index.column() == Workspace ? e.workspaceId : e.targetId;
    } else if (role == Qt::TextAlignmentRole && index.column() == Seq) {
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant AuditModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case Seq:
        return tr("#");
    case Time:
        return tr("Time");
    case Actor:
        return tr("Actor");
    case Action:
        return tr("Action");
    case Target:
        return tr("Target");
    case Workspace:
        return tr("Workspace");
    case Detail:
        return tr("Detail");
    case ColumnCount:
        break;
    }
    return {};
}

std::function<Result<Page<AuditEntry>>()> AuditModel::pageLoader(const QString &cursor) const
{
    return [ctx = m_ctx, actor = m_actor, filter = m_filter, cursor] {
        return AuditService(ctx).list(actor, filter, kPageSize, cursor);
    };
}

void AuditModel::setFilter(const AuditFilter &filter)
{
    m_filter = filter;
    reload();
}

void AuditModel::setUserNames(const QHash<QString, QString> &names)
{
    m_userNames = names;
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, Actor), index(rowCount() - 1, Actor), {Qt::DisplayRole});
}

void AuditModel::setWorkspaceNames(const QHash<QString, QString> &names)
{
    m_workspaceNames = names;
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, Workspace), index(rowCount() - 1, Workspace), {Qt::DisplayRole});
}

int AuditModel::rowOfSeq(qint64 seq) const
{
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows.at(i).seq == seq)
            return i;
    return -1;
}

} // namespace wfx::ui
