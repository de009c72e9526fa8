// SPDX-License-Identifier: Apache-2.0
// A fresh, migrated store per test on the backend of the current global data row
// ("sqlite", or "postgres" when WFX_TEST_PG_URL names a server).
#pragma once

#include "PgScratch.h"

#include "models/core/Clock.h"
#include "models/core/Context.h"
#include "models/core/Ids.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/db/Migrator.h"
#include "models/db/Tx.h"
#include "models/events/ChangeBus.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <QUrl>

#include <memory>

namespace wfxtest {

// Adds the "backend" column and a row per available backend. Call from
// initTestCase_data(). PostgreSQL is required when WFX_TEST_REQUIRE_PG=1.
inline void addBackends()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    if (!qEnvironmentVariableIsEmpty("WFX_TEST_PG_URL"))
        QTest::newRow("postgres") << QStringLiteral("postgres");
    else if (qEnvironmentVariableIntValue("WFX_TEST_REQUIRE_PG") == 1)
        qFatal("WFX_TEST_REQUIRE_PG=1 but WFX_TEST_PG_URL is not set");
}

// Cheap password hashing for tests; production keeps the OWASP parameters.
inline void useFastPasswordHashing()
{
    wfx::crypto::setDefaultScryptParams({1u << 10, 8, 1});
}

// A failed result as text for QVERIFY2: its code, message and every detail.
template <typename T> QByteArray why(const wfx::Result<T> &r)
{
    if (r.ok())
        return {};
    QString m = wfx::errorCodeName(r.error().code) + QStringLiteral(": ") + r.error().message;
    for (const auto &d : r.error().details)
        m += QStringLiteral(" [") + d.field + QLatin1Char(' ') + d.issue + QLatin1Char(']');
    return m.toUtf8();
}

class TestStore
{
public:
    // upToVersion > 0: only the migrations up to that one (an older store).
    explicit TestStore(const QString &backend, int upToVersion = 0) : clock(1'800'000'000'000LL)
    {
        if (backend == QLatin1String("postgres")) {
            m_pg = std::make_unique<PgScratch>();
            if (!m_pg->ok())
                qFatal("cannot create a test database on WFX_TEST_PG_URL: %s",
                       qPrintable(m_pg->error()));
            url = m_pg->url();
        } else {
            url = QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("store.db"));
        }
        auto opened = wfx::Database::open(url, dir.path());
        if (!opened)
            qFatal("cannot open test store: %s", qPrintable(opened.error().message));
        db = *opened;
        auto m = upToVersion > 0 ? wfx::Migrator(*db).runUpTo(upToVersion) : db->migrate();
        if (!m)
            qFatal("migration failed: %s", qPrintable(m.error().message));
        ctx = wfx::ModelContext{db, &clock, &bus};
    }
    ~TestStore()
    {
        // The console's panels run their store work on the global thread pool,
        // and a job may outlive the panel that started it (runAsync does not wait).
        // Such a job holds this store's clock and bus by pointer and its database:
        // it must end before they go (a job reading the clock after this
        // destructor was a use after free under ASan). waitForDone() also ends the
        // pool's threads, and with them their connections to this store, so
        // dropping a PostgreSQL scratch database kills no connection in use.
        QThreadPool::globalInstance()->waitForDone();
        db.reset();
        m_pg.reset(); // drops the database
    }

    // A user row straight into the store (accounts have their own tests).
    QString createUser(const QString &email, bool admin = false)
    {
        const QString id = wfx::ids::newUuid();
        wfx::Query q(db->connection(),
                     QStringLiteral("INSERT INTO users (id, email, password_hash, is_admin, "
                                    "created_at, password_changed_at) "
                                    "VALUES (:id, :e, 'x', :a, :t, :t)"));
        q.bind(QStringLiteral(":id"), id)
            .bind(QStringLiteral(":e"), email)
            .bind(QStringLiteral(":a"), admin ? 1 : 0)
            .bind(QStringLiteral(":t"), clock.nowMs());
        if (!q.exec())
            qFatal("createUser failed: %s", qPrintable(q.errorText()));
        return id;
    }
    wfx::Actor actor(const QString &userId)
    {
        return wfx::Actor::user(userId, QStringLiteral("127.0.0.1"));
    }
    qint64 count(const QString &table)
    {
        wfx::Query q(db->connection(), QStringLiteral("SELECT COUNT(*) FROM ") + table);
        return q.exec() && q.next() ? q.i64(0) : -1;
    }
    // Metric points stored (in run_metric_chunks, runs/MetricStore.h).
    qint64 metricPoints()
    {
        wfx::Query q(db->connection(),
                     QStringLiteral("SELECT COALESCE(SUM(points), 0) FROM run_metric_chunks"));
        return q.exec() && q.next() ? q.i64(0) : -1;
    }
    qint64 auditCount(const QString &action)
    {
        wfx::Query q(db->connection(),
                     QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = :a"));
        q.bind(QStringLiteral(":a"), action);
        return q.exec() && q.next() ? q.i64(0) : -1;
    }

    QTemporaryDir dir;
    QString url; // the store's, for a second Database::open as another process would
    wfx::ManualClock clock;
    wfx::ChangeBus bus;
    std::shared_ptr<wfx::Database> db;
    wfx::ModelContext ctx;

private:
    std::unique_ptr<PgScratch> m_pg;
};

} // namespace wfxtest
