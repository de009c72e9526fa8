// SPDX-License-Identifier: Apache-2.0
// Transactions that cannot be misused: a BEGIN the store refuses (SQLite locked
// by another writer, a PostgreSQL backend terminated) ends the call with a
// clean `unavailable` and nothing written, and the thread's next call works.
#include "TestStore.h"

#include "models/workspaces/WorkspaceService.h"

#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlQuery>

#include <functional>
#include <type_traits>
#include <utility>

using namespace wfx;

// Code outside Tx gets a transaction only through begin(), as a Result to handle.
static_assert(!std::is_constructible_v<Tx, Database &>);
static_assert(!std::is_constructible_v<Tx, Database &, ChangeBus *>);
static_assert(!std::is_default_constructible_v<Tx>);
static_assert(std::is_same_v<decltype(Tx::begin(std::declval<Database &>())), Result<Tx>>);

namespace {

// Runs once when the store layer reports that BEGIN failed: the moment after
// which the old Tx let the call go on in autocommit.
std::function<void()> g_onBeginFailed;
QtMessageHandler g_previous = nullptr;

void watchBeginFailures(QtMsgType type, const QMessageLogContext &ctx, const QString &msg)
{
    if (g_onBeginFailed && msg.contains(QLatin1String("begin failed"))) {
        auto f = std::exchange(g_onBeginFailed, nullptr);
        f();
    }
    if (g_previous)
        g_previous(type, ctx, msg);
}

} // namespace

class TestTx : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice;
    QString backend;

    // A second connection of our own, outside the thread's pooled one: it
    // holds the SQLite write lock, or terminates the PostgreSQL backend, and
    // counts rows whatever state the service's connection is in.
    QSqlDatabase other() { return s->db->openDedicated(QStringLiteral("tst-tx-other")); }
    qint64 countOther(const QString &table)
    {
        QSqlQuery q(other());
        return q.exec(QStringLiteral("SELECT COUNT(*) FROM ") + table) && q.next()
                   ? q.value(0).toLongLong()
                   : -1;
    }
    qint64 auditOther(const QString &action)
    {
        QSqlQuery q(other());
        q.prepare(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = :a"));
        q.bindValue(QStringLiteral(":a"), action);
        return q.exec() && q.next() ? q.value(0).toLongLong() : -1;
    }
    // A workspace created while the store refuses BEGIN: a clean `unavailable`,
    // no row, no audit entry; then, the store back (lock released, or for
    // PostgreSQL a fresh connection on this thread instead of the dead one
    // forever), the same call succeeds.
    void createRefusedThenWorks()
    {
        WorkspaceService ws(s->ctx);
        auto w = ws.create(s->actor(alice), QStringLiteral("Lab"));
        QVERIFY(!w.ok());
        QCOMPARE(errorCodeName(w.error().code), QStringLiteral("unavailable"));
        QCOMPARE(errorHttpStatus(w.error().code), 503);
        if (backend == QLatin1String("sqlite"))
            unlockSqliteStore();
        QCOMPARE(countOther(QStringLiteral("workspaces")), 0);
        QCOMPARE(countOther(QStringLiteral("memberships")), 0);
        QCOMPARE(auditOther(QStringLiteral("workspace.create")), 0);

        auto again = ws.create(s->actor(alice), QStringLiteral("Second try"));
        QVERIFY2(again.ok(), qPrintable(again.ok() ? QString() : again.error().message));
        QCOMPARE(countOther(QStringLiteral("workspaces")), 1);
        QCOMPARE(auditOther(QStringLiteral("workspace.create")), 1);
    }
    // SQLite: another connection takes the write lock, and the service's
    // connection gives up waiting for it after a few milliseconds (not the
    // product's 10 s).
    void lockSqliteStore()
    {
        QSqlQuery(s->db->connection()).exec(QStringLiteral("PRAGMA busy_timeout = 20"));
        QVERIFY(QSqlQuery(other()).exec(QStringLiteral("BEGIN IMMEDIATE")));
    }
    void unlockSqliteStore() { QSqlQuery(other()).exec(QStringLiteral("ROLLBACK")); }
    // PostgreSQL: the server ends the backend of this thread's connection and
    // waits until it is gone.
    void terminateBackend()
    {
        QSqlQuery pid(s->db->connection());
        QVERIFY(pid.exec(QStringLiteral("SELECT pg_backend_pid()")) && pid.next());
        QSqlQuery kill(other());
        kill.prepare(QStringLiteral("SELECT pg_terminate_backend(:p, 5000)"));
        kill.bindValue(QStringLiteral(":p"), pid.value(0).toLongLong());
        QVERIFY(kill.exec() && kill.next() && kill.value(0).toBool());
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void initTestCase() { g_previous = qInstallMessageHandler(watchBeginFailures); }
    void cleanupTestCase() { qInstallMessageHandler(g_previous); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        this->backend = backend;
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(QStringLiteral("alice@example.com"));
    }
    void cleanup()
    {
        g_onBeginFailed = nullptr;
        if (s)
            s->db->releaseDedicated(QStringLiteral("tst-tx-other"));
        s.reset();
    }

    // The store refuses BEGIN for the whole call: 503 `unavailable`, not an
    // internal error from a statement that ran without a transaction.
    void refusedBeginWritesNothing()
    {
        if (backend == QLatin1String("sqlite"))
            lockSqliteStore();
        else
            terminateBackend();
        createRefusedThenWorks();
    }

    // The lock goes away right after BEGIN gave up, as when a long writer
    // finishes: a call that went on regardless would write its rows in
    // autocommit and then report a failure for them.
    void lockFreedAfterRefusedBeginWritesNothing()
    {
        if (backend != QLatin1String("sqlite"))
            QSKIP("SQLite's write lock; PostgreSQL's refusal is a dead connection (above)");
        lockSqliteStore();
        g_onBeginFailed = [this] { unlockSqliteStore(); };
        createRefusedThenWorks();
        QVERIFY(!g_onBeginFailed); // BEGIN was refused, and the lock freed then
    }

    // Health probes on a thread whose PostgreSQL connection died recover too.
    void pingReconnectsAfterTerminatedBackend()
    {
        if (backend != QLatin1String("postgres"))
            QSKIP("PostgreSQL only");
        QVERIFY(s->db->ping());
        terminateBackend();
        QVERIFY(!s->db->ping()); // the probe that finds the connection dead
        QVERIFY(s->db->ping());
    }

    // A Tx handed on (moved) keeps its transaction: the moved-from one neither
    // rolls back nor commits, and a second commit is refused.
    void movedTxCommitsOnce()
    {
        auto began = Tx::begin(*s->db, &s->bus);
        QVERIFY(began.ok());
        Tx tx = std::move(began).value();
        Query q =
            tx.query(QStringLiteral("INSERT INTO workspaces (id, name, owner_id, plan, created_at) "
                                    "VALUES (:id, 'Moved', :o, 'free', 1)"));
        q.bind(QStringLiteral(":id"), ids::newUuid()).bind(QStringLiteral(":o"), alice);
        QVERIFY(q.exec());
        QVERIFY(tx.commit().ok());
        QVERIFY(!tx.commit().ok());
        QCOMPARE(countOther(QStringLiteral("workspaces")), 1);
    }

    // Leaving scope without commit rolls back.
    void uncommittedTxRollsBack()
    {
        {
            auto began = Tx::begin(*s->db, &s->bus);
            QVERIFY(began.ok());
            Query q = began->query(
                QStringLiteral("INSERT INTO workspaces (id, name, owner_id, plan, created_at) "
                               "VALUES (:id, 'Dropped', :o, 'free', 1)"));
            q.bind(QStringLiteral(":id"), ids::newUuid()).bind(QStringLiteral(":o"), alice);
            QVERIFY(q.exec());
        }
        QCOMPARE(countOther(QStringLiteral("workspaces")), 0);
    }
};

QTEST_GUILESS_MAIN(TestTx)
#include "tst_tx.moc"
