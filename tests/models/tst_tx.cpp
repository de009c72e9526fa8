// SPDX-License-Identifier: Apache-2.0
// Transactions that cannot be misused: a BEGIN the store refuses (SQLite locked
// by another writer, a PostgreSQL backend terminated) ends the call with a
// clean `unavailable` and nothing written, and the thread's next call works.
#include "TestStore.h"

#include "models/db/Row.h"
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

// A workspaces row as row::columns declares it.
struct WorkspaceProbe
{
    QString id, name, ownerId, plan;
    qint64 createdAt = 0;
};
constexpr auto kProbeColumns = row::columns(
    row::column("id", &WorkspaceProbe::id), row::column("name", &WorkspaceProbe::name),
    row::column("owner_id", &WorkspaceProbe::ownerId), row::column("plan", &WorkspaceProbe::plan),
    row::column("created_at", &WorkspaceProbe::createdAt));

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

    // begin() with an opening: what the opening returns comes with the
    // transaction; an opening's error ends the call and what it wrote is rolled back.
    void openingErrorRollsBack()
    {
        auto insertThen = [&](const Status &outcome) {
            return [&, outcome](Tx &tx) -> Result<QString> {
                const QString id = ids::newUuid();
                if (auto e = row::exec(
                        tx.conn(),
                        QStringLiteral("INSERT INTO workspaces (id, name, owner_id, plan, "
                                       "created_at) VALUES (:id, 'Opened', :o, 'free', 1)"),
                        {{QStringLiteral(":id"), id}, {QStringLiteral(":o"), alice}});
                    !e)
                    return e.error();
                if (!outcome)
                    return outcome.error();
                return id;
            };
        };
        {
            auto refused =
                Tx::begin(*s->db, &s->bus, insertThen(Error::forbidden(QStringLiteral("No."))));
            QVERIFY(!refused.ok());
            QCOMPARE(refused.error().code, ErrorCode::Forbidden);
            QCOMPARE(refused.error().message, QStringLiteral("No."));
        }
        QCOMPARE(countOther(QStringLiteral("workspaces")), 0);
        auto opened = Tx::begin(*s->db, &s->bus, insertThen(Ok{}));
        QVERIFY(opened.ok());
        auto &[tx, id] = *opened;
        QVERIFY(tx.commit().ok());
        QVERIFY(ids::isUuid(id));
        QCOMPARE(countOther(QStringLiteral("workspaces")), 1);
    }

    // One declaration of columns inserts a row and reads it back; first() and
    // all() read through the same statement path.
    void columnsInsertAndRead()
    {
        QCOMPARE(kProbeColumns.names(), QStringLiteral("id, name, owner_id, plan, created_at"));
        const WorkspaceProbe a{ids::newUuid(), QStringLiteral("Alpha"), alice,
                               QStringLiteral("free"), 10};
        const WorkspaceProbe b{ids::newUuid(), QStringLiteral("Beta"), alice, QStringLiteral("pro"),
                               20};
        QSqlDatabase conn = s->db->connection();
        QVERIFY(kProbeColumns.insert(conn, QStringLiteral("workspaces"), a).ok());
        QVERIFY(kProbeColumns.insert(conn, QStringLiteral("workspaces"), b).ok());
        QVERIFY(!kProbeColumns.insert(conn, QStringLiteral("workspaces"), a).ok()); // same id
        const QString select =
            QStringLiteral("SELECT ") + kProbeColumns.names() + QStringLiteral(" FROM workspaces");
        auto read = [](const Query &q) { return kProbeColumns.read(q); };
        auto one = row::first(conn, select + QStringLiteral(" WHERE id = :id"),
                              {{QStringLiteral(":id"), b.id}}, read);
        QVERIFY(one.ok() && one->has_value());
        QCOMPARE((*one)->name, b.name);
        QCOMPARE((*one)->plan, b.plan);
        QCOMPARE((*one)->createdAt, b.createdAt);
        auto none = row::first(conn, select + QStringLiteral(" WHERE id = :id"),
                               {{QStringLiteral(":id"), ids::newUuid()}}, read);
        QVERIFY(none.ok() && !none->has_value());
        auto both = row::all(conn, select + QStringLiteral(" ORDER BY created_at"), {}, read);
        QVERIFY(both.ok());
        QCOMPARE(both->size(), 2);
        QCOMPARE(both->at(0).id, a.id);
        QCOMPARE(both->at(1).ownerId, alice);
        QVERIFY(!row::all(conn, QStringLiteral("SELECT nope FROM workspaces"), {}, read).ok());
    }

    // What columns bind: a bool as 0 or 1, an absent optional as a NULL of its type.
    void bindableValues()
    {
        QCOMPARE(row::bindable(true), QVariant(1));
        QCOMPARE(row::bindable(false), QVariant(0));
        const QVariant absent = row::bindable(std::optional<double>());
        QVERIFY(absent.isNull());
        QCOMPARE(absent.metaType(), QMetaType::fromType<double>());
        QCOMPARE(row::bindable(std::optional<qint64>(7)), QVariant(qint64(7)));
        QCOMPARE(row::bindable(QJsonObject{{QStringLiteral("a"), 1}}),
                 QVariant(QStringLiteral("{\"a\":1}")));
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
