// SPDX-License-Identifier: Apache-2.0
// One store (SQLite file or PostgreSQL database) with a connection per thread.
#pragma once

#include "core/Result.h"

#include <QSqlDatabase>
#include <QString>

#include <memory>

namespace wfx {

enum class Dialect { Sqlite, Postgres };

class Database
{
public:
    // url: "sqlite:" (file store.db in dataDir), "sqlite:/abs/path.db", "sqlite::memory:"
    // is refused (connections per thread need one file), or
    // "postgresql://user:pass@host:port/dbname".
    static Result<std::shared_ptr<Database>> open(const QString &url, const QString &dataDir);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    Dialect dialect() const { return m_dialect; }
    bool isPostgres() const { return m_dialect == Dialect::Postgres; }
    // The calling thread's open connection (opened on first use).
    QSqlDatabase connection();
    // A fresh connection for the caller to own (LISTEN), removed with releaseDedicated().
    QSqlDatabase openDedicated(const QString &purpose);
    void releaseDedicated(const QString &purpose);

    Status migrate();
    int schemaVersion();
    bool ping();
    // Human description without credentials: "SQLite /path/store.db" or "PostgreSQL host:port/db".
    QString describe() const { return m_description; }
    QString sqlitePath() const { return m_sqlitePath; }
    // Bytes used by the store (file size or pg_database_size), -1 if unknown.
    qint64 sizeBytes();

private:
    Database() = default;
    bool configure(QSqlDatabase &db, QString *error);
    QSqlDatabase addConnection(const QString &name, QString *error);

    Dialect m_dialect = Dialect::Sqlite;
    quint64 m_instance = 0;
    QString m_sqlitePath;
    QString m_pgHost, m_pgUser, m_pgPassword, m_pgDb;
    int m_pgPort = 5432;
    QString m_description;
};

} // namespace wfx
