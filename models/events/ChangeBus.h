// SPDX-License-Identifier: Apache-2.0
// Announces committed changes (entity, id) so open panels refresh; on PostgreSQL
// the announcement crosses processes with LISTEN/NOTIFY.
#pragma once

#include <QObject>
#include <QSqlDatabase>
#include <QString>

#include <memory>

namespace wfx {

class Database;

class ChangeBus : public QObject
{
    Q_OBJECT
public:
    explicit ChangeBus(QObject *parent = nullptr);
    ~ChangeBus() override;

    // Thread-safe; called by Tx after a successful commit.
    void announceLocal(const QString &entity, const QString &id);
    // Called by Tx inside the transaction on PostgreSQL; delivered at commit.
    void notifyInTransaction(const QSqlDatabase &conn, const QString &entity, const QString &id);
    // Start listening for other processes' changes (PostgreSQL only; a no-op on
    // SQLite). Must be called in the thread this object lives in.
    bool listen(const std::shared_ptr<Database> &db);
    QString processTag() const { return m_tag; }

signals:
    void changed(const QString &entity, const QString &id, bool fromOtherProcess);

private:
    QString m_tag; // tells our own NOTIFYs apart from other processes'
    std::shared_ptr<Database> m_listenDb;
};

} // namespace wfx
