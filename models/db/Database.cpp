// SPDX-License-Identifier: Apache-2.0
#include "db/Database.h"

#include "db/Migrator.h"

#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <QUrl>

#include <atomic>

Q_LOGGING_CATEGORY(lcDb, "wfx.models.db", QtInfoMsg)

namespace wfx {

namespace {
std::atomic<quint64> g_nextInstance{1};
std::atomic<quint64> g_nextThread{1};

// Connections this thread opened; removed when the thread ends.
struct ThreadConnections
{
    quint64 serial = g_nextThread++;
    QStringList names;
    ~ThreadConnections()
    {
        for (const QString &n : std::as_const(names))
            QSqlDatabase::removeDatabase(n);
    }
};
thread_local ThreadConnections t_conns;
} // namespace

Result<std::shared_ptr<Database>> Database::open(const QString &url, const QString &dataDir)
{
    std::shared_ptr<Database> db(new Database);
    db->m_instance = g_nextInstance++;
    if (url.isEmpty() || url.startsWith(QLatin1String("sqlite:"))) {
        db->m_dialect = Dialect::Sqlite;
        QString path = url.mid(7);
        if (path == QLatin1String(":memory:"))
            return Error{ErrorCode::Validation, QStringLiteral("An in-memory SQLite store cannot be shared between threads; give a file.")};
        if (path.isEmpty())
            path = QDir(dataDir).filePath(QStringLiteral("store.db"));
        if (QFileInfo(path).isRelative())
            path = QDir(dataDir).filePath(path);
        QDir().mkpath(QFileInfo(path).absolutePath());
        db->m_sqlitePath = QFileInfo(path).absoluteFilePath();
        db->m_description = QStringLiteral("SQLite %1").arg(db->m_sqlitePath);
    } else if (url.startsWith(QLatin1String("postgresql://")) || url.startsWith(QLatin1String("postgres://"))) {
        const QUrl u(url);
        if (!u.isValid() || u.host().isEmpty() || u.path().size() < 2)
            return Error{ErrorCode::Validation, QStringLiteral("Malformed PostgreSQL URL (postgresql://user:pass@host:port/db).")};
        db->m_dialect = Dialect::Postgres;
        db->m_pgHost = u.host();
        db->m_pgPort = u.port(5432);
        db->m_pgUser = u.userName();
        db->m_pgPassword = u.password();
        db->m_pgDb = u.path().mid(1);
        db->m_description = QStringLiteral("PostgreSQL %1:%2/%3").arg(db->m_pgHost).arg(db->m_pgPort).arg(db->m_pgDb);
    } else {
        return Error{ErrorCode::Validation, QStringLiteral("Unknown database URL scheme; use sqlite: or postgresql://.")};
    }
    QString err;
    QSqlDatabase c = db->addConnection(QStringLiteral("wfx-%1-probe").arg(db->m_instance), &err);
    const bool ok = c.isOpen();
    c = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("wfx-%1-probe").arg(db->m_instance));
    if (!ok)
        return Error{ErrorCode::Unavailable, QStringLiteral("Cannot open %1: %2").arg(db->m_description, err)};
    return db;
}

Database::~Database()
{
    const QString name = QStringLiteral("wfx-%1-%2").arg(m_instance).arg(t_conns.serial);
    if (t_conns.names.removeAll(name) > 0)
        QSqlDatabase::removeDatabase(name);
}

QSqlDatabase Database::addConnection(const QString &name, QString *error)
{
    QSqlDatabase db;
    if (m_dialect == Dialect::Sqlite) {
        db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(m_sqlitePath);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
    } else {
        db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        db.setHostName(m_pgHost);
        db.setPort(m_pgPort);
        db.setUserName(m_pgUser);
        db.setPassword(m_pgPassword);
        db.setDatabaseName(m_pgDb);
        db.setConnectOptions(QStringLiteral("connect_timeout=5"));
    }
    if (!db.open()) {
        if (error)
            *error = db.lastError().text();
        qCWarning(lcDb) << "cannot open" << m_description << db.lastError().text();
        return db;
    }
    if (!configure(db, error))
        db.close();
    return db;
}

bool Database::configure(QSqlDatabase &db, QString *error)
{
    QSqlQuery q(db);
    const QStringList pragmas = m_dialect == Dialect::Sqlite
        ? QStringList{QStringLiteral("PRAGMA journal_mode=WAL"), QStringLiteral("PRAGMA foreign_keys=ON"),
                      QStringLiteral("PRAGMA synchronous=NORMAL")}
        : QStringList{QStringLiteral("SET TIME ZONE 'UTC'")};
    for (const QString &p : pragmas) {
        if (!q.exec(p)) {
            if (error)
                *error = q.lastError().text();
            return false;
        }
    }
    return true;
}

QSqlDatabase Database::connection()
{
    const QString name = QStringLiteral("wfx-%1-%2").arg(m_instance).arg(t_conns.serial);
    if (QSqlDatabase::contains(name)) {
        QSqlDatabase db = QSqlDatabase::database(name, false);
        if (db.isOpen())
            return db;
        if (db.open()) {
            configure(db, nullptr);
            return db;
        }
        return db;
    }
    t_conns.names.append(name);
    return addConnection(name, nullptr);
}

QSqlDatabase Database::openDedicated(const QString &purpose)
{
    const QString name = QStringLiteral("wfx-%1-%2").arg(m_instance).arg(purpose);
    if (QSqlDatabase::contains(name))
        return QSqlDatabase::database(name);
    return addConnection(name, nullptr);
}

void Database::releaseDedicated(const QString &purpose)
{
    QSqlDatabase::removeDatabase(QStringLiteral("wfx-%1-%2").arg(m_instance).arg(purpose));
}

Status Database::migrate()
{
    return Migrator(*this).run();
}

int Database::schemaVersion()
{
    return Migrator(*this).currentVersion();
}

bool Database::ping()
{
    QSqlQuery q(connection());
    return q.exec(QStringLiteral("SELECT 1")) && q.next() && q.value(0).toInt() == 1;
}

qint64 Database::sizeBytes()
{
    if (m_dialect == Dialect::Sqlite) {
        qint64 total = QFileInfo(m_sqlitePath).size();
        const QFileInfo wal(m_sqlitePath + QStringLiteral("-wal"));
        if (wal.exists())
            total += wal.size();
        return total;
    }
    QSqlQuery q(connection());
    if (q.exec(QStringLiteral("SELECT pg_database_size(current_database())")) && q.next())
        return q.value(0).toLongLong();
    return -1;
}

} // namespace wfx
