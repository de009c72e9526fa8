// SPDX-License-Identifier: Apache-2.0
#include "models/db/Database.h"

#include "models/db/Migrator.h"
#include "models/db/NativeStatements.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QLoggingCategory>
#include <QMutex>
#include <QSet>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <QThread>
#include <QUrl>

#include <atomic>
#include <vector>

Q_LOGGING_CATEGORY(lcDb, "wfx.models.db", QtInfoMsg)

namespace wfx {

namespace {
std::atomic<quint64> g_nextInstance{1};
std::atomic<quint64> g_nextThread{1};
// Statements kept per connection: enough for every fixed statement of the
// product; SQL built with a variable number of rows beyond it is not kept.
constexpr qsizetype kMaxStatements = 256;

// One connection a Database opened for this thread, with its prepared statements.
struct ThreadConnection
{
    quint64 instance = 0;
    QString name;
    QSqlDatabase db;
    const QSqlDriver *driver = nullptr;
    QHash<QString, std::shared_ptr<CachedStatement>> statements;
    std::unique_ptr<NativeStatements>
        native; // NativeQuery's, finalised before the connection closes

    void drop()
    {
        native.reset();
        statements.clear();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
    }
};

// Instance numbers of the Databases alive, and how many have been destroyed:
// a thread whose count is behind drops its connections of destroyed ones the
// next time it asks for one (a pooled thread keeps running after the store it
// served is gone). Never destroyed, so usable from any thread at any time.
std::atomic<quint64> g_destroyed{0};
struct LiveInstances
{
    QMutex mutex;
    QSet<quint64> ids;
};
LiveInstances &liveInstances()
{
    static auto *live = new LiveInstances;
    return *live;
}

// Set when this thread's ThreadConnections has been destroyed (trivially
// destructible, so still readable afterwards).
thread_local bool t_connsGone = false;

// Connections this thread opened; removed when the Database is destroyed (on
// this thread, or by this thread on its next request) or when the thread
// ends. Found by the Database's instance number (requests) or the driver
// (statements), never by name through QSqlDatabase's global, locked registry.
//
// A QThread (every thread-pool thread) drops them on QThread::finished, from
// the thread itself and before QThread::wait() returns: thread_local
// destructors run only after that, so for a pool thread they could run while
// exit() is already destroying Qt SQL's globals and drivers (the application
// waits for the pool's threads with wait(), not with a join) and crash in
// removeDatabase().
struct ThreadConnections
{
    quint64 serial = g_nextThread++;
    quint64 seenDestroyed = 0;
    bool hooked = false;
    std::vector<std::unique_ptr<ThreadConnection>> conns;
    ~ThreadConnections()
    {
        dropAll();
        t_connsGone = true;
    }
    void dropAll()
    {
        for (auto &c : conns)
            c->drop();
        conns.clear();
    }
    // Drops the connections of Databases destroyed since the last look.
    void pruneDestroyed()
    {
        const quint64 destroyed = g_destroyed.load(std::memory_order_acquire);
        if (destroyed == seenDestroyed)
            return;
        seenDestroyed = destroyed;
        if (conns.empty())
            return;
        QSet<quint64> live;
        {
            LiveInstances &l = liveInstances();
            QMutexLocker lock(&l.mutex);
            live = l.ids;
        }
        for (auto it = conns.begin(); it != conns.end();) {
            if (!live.contains((*it)->instance)) {
                (*it)->drop();
                it = conns.erase(it);
            } else {
                ++it;
            }
        }
    }
    // On a QThread, drop this thread's connections when it finishes (once per
    // run of the thread: a pool may start an expired QThread again).
    void hookThreadEnd();
    ThreadConnection *byInstance(quint64 instance) const
    {
        for (const auto &c : conns) {
            if (c->instance == instance)
                return c.get();
        }
        return nullptr;
    }
};
thread_local ThreadConnections t_conns;

void ThreadConnections::hookThreadEnd()
{
    if (hooked)
        return;
    hooked = true;
    QThread *thread = QThread::currentThread();
    if (!thread)
        return;
    QObject::connect(
        thread, &QThread::finished, thread,
        [] {
            if (t_connsGone)
                return;
            t_conns.dropAll();
            t_conns.hooked = false;
        },
        Qt::ConnectionType(Qt::DirectConnection | Qt::SingleShotConnection));
}
} // namespace

namespace statements {
std::shared_ptr<CachedStatement> acquire(const QSqlDatabase &db, const QString &sql)
{
    const QSqlDriver *driver = db.driver();
    ThreadConnection *conn = nullptr;
    for (const auto &c : t_conns.conns) {
        if (c->driver == driver) {
            conn = c.get();
            break;
        }
    }
    if (!conn || !conn->db.isOpen())
        return {};
    if (auto it = conn->statements.constFind(sql); it != conn->statements.cend()) {
        if ((*it)->busy)
            return {}; // the same statement is open further up the stack
        (*it)->busy = true;
        return *it;
    }
    if (conn->statements.size() >= kMaxStatements)
        return {};
    auto s = std::make_shared<CachedStatement>();
    s->query = QSqlQuery(conn->db);
    s->query.setForwardOnly(true);
    if (!s->query.prepare(sql))
        return {}; // the caller prepares again and reports the error
    s->busy = true;
    conn->statements.insert(sql, s);
    return s;
}

NativeStatements *native(const QSqlDatabase &db)
{
    const QSqlDriver *driver = db.driver();
    for (const auto &c : t_conns.conns) {
        if (c->driver == driver) {
            if (!c->db.isOpen())
                return nullptr;
            if (!c->native)
                c->native = std::make_unique<NativeStatements>();
            return c->native.get();
        }
    }
    return nullptr;
}

void release(CachedStatement &s)
{
    s.query.finish(); // resets the statement: no read snapshot or lock stays behind
    s.busy = false;
}
} // namespace statements

Result<std::shared_ptr<Database>> Database::open(const QString &url, const QString &dataDir)
{
    std::shared_ptr<Database> db(new Database);
    db->m_instance = g_nextInstance++;
    {
        LiveInstances &l = liveInstances();
        QMutexLocker lock(&l.mutex);
        l.ids.insert(db->m_instance);
    }
    if (url.isEmpty() || url.startsWith(QLatin1String("sqlite:"))) {
        db->m_dialect = Dialect::Sqlite;
        QString path = url.mid(7);
        if (path == QLatin1String(":memory:"))
            return Error{
                ErrorCode::Validation,
                QStringLiteral(
                    "An in-memory SQLite store cannot be shared between threads; give a file.")};
        if (path.isEmpty())
            path = QDir(dataDir).filePath(QStringLiteral("store.db"));
        if (QFileInfo(path).isRelative())
            path = QDir(dataDir).filePath(path);
        QDir().mkpath(QFileInfo(path).absolutePath());
        db->m_sqlitePath = QFileInfo(path).absoluteFilePath();
        db->m_description = QStringLiteral("SQLite %1").arg(db->m_sqlitePath);
    } else if (url.startsWith(QLatin1String("postgresql://")) ||
               url.startsWith(QLatin1String("postgres://"))) {
        const QUrl u(url);
        if (!u.isValid() || u.host().isEmpty() || u.path().size() < 2)
            return Error{
                ErrorCode::Validation,
                QStringLiteral("Malformed PostgreSQL URL (postgresql://user:pass@host:port/db).")};
        db->m_dialect = Dialect::Postgres;
        db->m_pgHost = u.host();
        db->m_pgPort = u.port(5432);
        db->m_pgUser = u.userName();
        db->m_pgPassword = u.password();
        db->m_pgDb = u.path().mid(1);
        db->m_description = QStringLiteral("PostgreSQL %1:%2/%3")
                                .arg(db->m_pgHost)
                                .arg(db->m_pgPort)
                                .arg(db->m_pgDb);
    } else {
        return Error{ErrorCode::Validation,
                     QStringLiteral("Unknown database URL scheme; use sqlite: or postgresql://.")};
    }
    QString err;
    QSqlDatabase c = db->addConnection(QStringLiteral("wfx-%1-probe").arg(db->m_instance), &err);
    const bool ok = c.isOpen();
    c = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("wfx-%1-probe").arg(db->m_instance));
    if (!ok)
        return Error{ErrorCode::Unavailable,
                     QStringLiteral("Cannot open %1: %2").arg(db->m_description, err)};
    return db;
}

Database::~Database()
{
    {
        LiveInstances &l = liveInstances();
        QMutexLocker lock(&l.mutex);
        l.ids.remove(m_instance);
    }
    g_destroyed.fetch_add(1, std::memory_order_acq_rel);
    // This thread's connection now; other threads' on their next request or
    // when they end (a connection is used and closed only by its own thread).
    if (t_connsGone)
        return;
    for (auto it = t_conns.conns.begin(); it != t_conns.conns.end(); ++it) {
        if ((*it)->instance == m_instance) {
            (*it)->drop();
            t_conns.conns.erase(it);
            break;
        }
    }
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
                                    ? QStringList{QStringLiteral("PRAGMA journal_mode=WAL"),
                                                  QStringLiteral("PRAGMA foreign_keys=ON"),
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
    t_conns.pruneDestroyed();
    if (ThreadConnection *c = t_conns.byInstance(m_instance)) {
        if (c->db.isOpen())
            return c->db;
        c->native.reset(); // prepared on the connection that closed
        c->statements.clear();
        if (c->db.open())
            configure(c->db, nullptr);
        c->driver = c->db.driver();
        return c->db;
    }
    auto c = std::make_unique<ThreadConnection>();
    c->instance = m_instance;
    c->name = QStringLiteral("wfx-%1-%2").arg(m_instance).arg(t_conns.serial);
    c->db = addConnection(c->name, nullptr);
    c->driver = c->db.driver();
    t_conns.hookThreadEnd();
    t_conns.conns.push_back(std::move(c));
    return t_conns.conns.back()->db;
}

void Database::closeConnection()
{
    if (t_connsGone)
        return;
    if (ThreadConnection *c = t_conns.byInstance(m_instance)) {
        c->native.reset();
        c->statements.clear();
        c->db.close();
    }
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
    {
        QSqlQuery q(connection());
        if (q.exec(QStringLiteral("SELECT 1")) && q.next() && q.value(0).toInt() == 1)
            return true;
    }
    // A dead PostgreSQL connection would fail every probe until the thread
    // ends; the next probe opens a fresh one (ping runs outside transactions).
    if (isPostgres())
        closeConnection();
    return false;
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
