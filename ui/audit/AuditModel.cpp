// SPDX-License-Identifier: Apache-2.0
#include "audit/AuditModel.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QLocale>
#include <QtConcurrent/QtConcurrentRun>

namespace wfx::ui {

AuditModel::AuditModel(ModelContext ctx, wfx::Actor actor, QObject *parent)
    : QAbstractTableModel(parent), m_ctx(std::move(ctx)), m_actor(std::move(actor))
{
}

AuditModel::~AuditModel()
{
    // The worker reads the store through m_ctx: let it finish before we go.
    if (m_watcher)
        m_watcher->waitForFinished();
}

int AuditModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int AuditModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
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
            return e.detail.isEmpty() ? QString()
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

bool AuditModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_atEnd;
}

void AuditModel::fetchMore(const QModelIndex &parent)
{
    if (parent.isValid() || m_atEnd || m_watcher)
        return;
    m_watcher = new QFutureWatcher<Fetched>(this);
    auto *watcher = m_watcher;
    connect(watcher, &QFutureWatcher<Fetched>::finished, this, [this, watcher] {
        const Fetched fetched = watcher->result();
        watcher->deleteLater();
        if (m_watcher == watcher)
            m_watcher = nullptr;
        finishFetch(fetched);
    });
    watcher->setFuture(QtConcurrent::run([ctx = m_ctx, actor = m_actor, filter = m_filter, cursor = m_cursor,
                                          generation = m_generation]() {
        AuditService audit(ctx);
        return Fetched{generation, audit.list(actor, filter, kPageSize, cursor)};
    }));
    emit loadingChanged(true);
}

void AuditModel::finishFetch(const Fetched &fetched)
{
    if (fetched.generation == m_generation) {
        if (!fetched.page.ok()) {
            m_atEnd = true; // stop paging on an error
            m_lastError = fetched.page.error().message;
        } else {
            const Page<AuditEntry> &page = fetched.page.value();
            m_cursor = page.nextCursor;
            m_atEnd = page.nextCursor.isEmpty();
            m_lastError.clear();
            if (!page.items.isEmpty()) {
                const int first = int(m_rows.size());
                beginInsertRows({}, first, first + int(page.items.size()) - 1);
                m_rows.append(page.items);
                endInsertRows();
            }
        }
    }
    if (!m_watcher)
        emit loadingChanged(false);
    if (fetched.generation == m_generation)
        emit pageLoaded(m_lastError);
    if (fetched.generation != m_generation && !m_watcher)
        fetchMore({});
}

void AuditModel::setFilter(const AuditFilter &filter)
{
    m_filter = filter;
    reload();
}

void AuditModel::reload()
{
    beginResetModel();
    m_rows.clear();
    m_cursor.clear();
    m_atEnd = false;
    m_lastError.clear();
    ++m_generation;
    endResetModel();
    fetchMore({});
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
