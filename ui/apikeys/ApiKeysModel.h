// SPDX-License-Identifier: Apache-2.0
// The live API keys of one user (ApiKeyService::listForUser), loaded on the
// thread pool. A user holds few keys: each load fetches every page.
#pragma once

#include "models/accounts/ApiKeyService.h"
#include "models/core/Context.h"

#include <QAbstractTableModel>
#include <QHash>

namespace wfx::ui {

class ApiKeysModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Name, Prefix, Scope, Created, LastUsed, ColumnCount };
    enum Role { KeyIdRole = Qt::UserRole + 1 };

    ApiKeysModel(ModelContext ctx, Actor actor, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    QString userId() const { return m_userId; }
    void setUser(const QString &userId);
    void reload();
    void setWorkspaceNames(const QHash<QString, QString> &names);
    bool isLoading() const { return m_loading; }
    const ApiKey &keyAt(int row) const { return m_rows.at(row); }
    int rowOf(const QString &keyId) const;
    QString lastError() const { return m_lastError; }

signals:
    void loaded(const QString &error);

private:
    ModelContext m_ctx;
    Actor m_actor;
    QString m_userId;
    QList<ApiKey> m_rows;
    QHash<QString, QString> m_workspaceNames;
    quint64 m_generation = 0;
    bool m_loading = false;
    QString m_lastError;
};

} // namespace wfx::ui
