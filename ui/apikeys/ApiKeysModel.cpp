// SPDX-License-Identifier: Apache-2.0
#include "ui/apikeys/ApiKeysModel.h"

#include "ui/common/Async.h"
#include "ui/common/CollectAll.h"
#include "ui/common/ErrorText.h"

#include <QDateTime>
#include <QLocale>

namespace wfx::ui {

ApiKeysModel::ApiKeysModel(ModelContext ctx, Actor actor, QObject *parent)
    : QAbstractTableModel(parent), m_ctx(std::move(ctx)), m_actor(std::move(actor))
{
}

int ApiKeysModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ApiKeysModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ApiKeysModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ApiKey &k = m_rows.at(index.row());
    if (role == KeyIdRole)
        return k.id;
    const QLocale l;
    if (role == Qt::DisplayRole) {
        switch (Column(index.column())) {
        case Name:
            return k.name;
        case Prefix:
            return tr("%1…").arg(k.prefix);
        case Scope:
            return k.workspaceId.isEmpty() ? tr("All of the user's workspaces")
                                           : m_workspaceNames.value(k.workspaceId, k.workspaceId);
        case Created:
            return l.toString(QDateTime::fromMSecsSinceEpoch(k.createdAt), QLocale::ShortFormat);
        case LastUsed:
            return k.lastUsedAt > 0 ? l.toString(QDateTime::fromMSecsSinceEpoch(k.lastUsedAt),
                                                 QLocale::ShortFormat)
                                    : tr("Never");
        case ColumnCount:
            break;
        }
    } else if (role == Qt::ToolTipRole && index.column() == Prefix) {
        return tr("The start of the secret; the secret itself is not stored");
    }
    return {};
}

QVariant ApiKeysModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case Name:
        return tr("Name");
    case Prefix:
        return tr("Key");
    case Scope:
        return tr("Scope");
    case Created:
        return tr("Created");
    case LastUsed:
        return tr("Last used");
    case ColumnCount:
        break;
    }
    return {};
}

void ApiKeysModel::setUser(const QString &userId)
{
    m_userId = userId;
    reload();
}

void ApiKeysModel::setWorkspaceNames(const QHash<QString, QString> &names)
{
    m_workspaceNames = names;
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, Scope), index(rowCount() - 1, Scope), {Qt::DisplayRole});
}

void ApiKeysModel::reload()
{
    const quint64 generation = ++m_generation;
    if (m_userId.isEmpty()) {
        beginResetModel();
        m_rows.clear();
        endResetModel();
        return;
    }
    m_loading = true;
    runAsync(
        this,
        [ctx = m_ctx, actor = m_actor, user = m_userId] {
            ApiKeyService keys(ctx);
            return collectAll([&](const QString &cursor) {
                return keys.listForUser(actor, user, kCollectAllPage, cursor);
            });
        },
        [this, generation](const Result<QList<ApiKey>> &r) {
            if (generation != m_generation)
                return; // a newer load is on its way
            m_loading = false;
            beginResetModel();
            m_rows = r ? r.value() : QList<ApiKey>{};
            m_lastError = r ? QString() : ErrorText::of(r.error());
            endResetModel();
            emit loaded(m_lastError);
        });
}

int ApiKeysModel::rowOf(const QString &keyId) const
{
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows.at(i).id == keyId)
            return i;
    return -1;
}

} // namespace wfx::ui
