// SPDX-License-Identifier: Apache-2.0
// The shares table: keyset pages of ShareService::list (every share on the
// instance for the system actor) loaded on the thread pool as the view scrolls.
#pragma once

#include "core/Context.h"
#include "shares/ShareService.h"

#include <QAbstractTableModel>
#include <QFutureWatcher>
#include <QHash>
#include <QList>

namespace wfx::ui {

class SharesModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { State, Run, Password, Expires, Created, Prefix, ColumnCount };
    enum Role { ShareIdRole = Qt::UserRole + 1 };
    static constexpr int kPageSize = 200;

    SharesModel(ModelContext ctx, Actor actor, QObject *parent = nullptr);
    ~SharesModel() override;
    static QString stateText(const QString &state);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    void reload();
    bool isLoading() const { return m_watcher != nullptr; }
    bool atEnd() const { return m_atEnd; }
    const Share &shareAt(int row) const { return m_rows.at(row); }
    int rowOf(const QString &shareId) const;
    QString runName(const QString &runId) const { return m_runNames.value(runId); }
    QString lastError() const { return m_lastError; }

signals:
    void loadingChanged(bool loading);
    void pageLoaded(const QString &error);

private:
    struct Fetched
    {
        quint64 generation = 0;
        Result<Page<Share>> page = Page<Share>{};
        QHash<QString, QString> runNames; // run id -> name, for this page
    };
    void finishFetch(const Fetched &fetched);

    ModelContext m_ctx;
    Actor m_actor;
    QList<Share> m_rows;
    QHash<QString, QString> m_runNames;
    QString m_cursor;
    bool m_atEnd = false;
    quint64 m_generation = 0;
    QFutureWatcher<Fetched> *m_watcher = nullptr;
    QString m_lastError;
};

} // namespace wfx::ui
