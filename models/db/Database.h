// SPDX-License-Identifier: Apache-2.0
// One store (SQLite file or PostgreSQL database) with a connection per thread.
#pragma once

#include "models/core/Result.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QStringList>

#include <memory>

namespace wfx {

enum class Dialect { Sqlite, Postgres };

// A statement prepared once on one thread's connection and reused by Query
// (db/Tx.h) while that connection lives; `names` are the placeholders bound by
// name in any use so far, so a use that leaves one unbound gets NULL as a
// freshly prepared statement would.
struct CachedStatement
{
    QSqlQuery query;
    QStringList names;
    bool busy = false;
};

namespace statements {
// The calling thread's prepared `sql` on `db` if `db` is a connection Database
// handed to this thread and the statement is not in use; else null (the caller
// prepares its own). Released with release().
std::shared_ptr<CachedStatement> acquire(const QSqlDatabase &db, const QString &sql);
void release(CachedStatement &s);
} // namespace statements

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
    // Closes the calling thread's connection (PostgreSQL: found dead), so that
    // the next connection() opens a fresh one; its prepared statements go too.
    void closeConnection();
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
