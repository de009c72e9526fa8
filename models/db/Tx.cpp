// SPDX-License-Identifier: Apache-2.0
#include "models/db/Tx.h"

#include "models/db/Database.h"
#include "models/events/ChangeBus.h"

#include <QLoggingCategory>
#include <QSqlError>

#include <algorithm>

Q_DECLARE_LOGGING_CATEGORY(lcDb)

namespace wfx {

Query::Query(const QSqlDatabase &db, const QString &sql)
    : m_stmt(statements::acquire(db, sql)), m_sql(sql)
{
    if (m_stmt) {
        m_prepared = true;
        m_bound.resize(m_stmt->names.size());
        std::fill(m_bound.begin(), m_bound.end(), false);
        return;
    }
    m_own = QSqlQuery(db);
    m_own.setForwardOnly(true); // rows are read once, in order: no client-side row cache
    m_prepared = m_own.prepare(sql);
    if (!m_prepared)
        qCWarning(lcDb) << "prepare failed:" << m_own.lastError().text() << sql.left(120);
}

Query::~Query()
{
    if (m_stmt)
        statements::release(*m_stmt);
}

Query::Query(Query &&other) noexcept
    : m_own(std::move(other.m_own)), m_stmt(std::move(other.m_stmt)),
      m_bound(std::move(other.m_bound)), m_sql(std::move(other.m_sql)), m_prepared(other.m_prepared)
{
    other.m_stmt.reset();
}

Query &Query::bind(const QString &name, const QVariant &v)
{
    if (m_stmt) {
        const qsizetype i = m_stmt->names.indexOf(name);
        if (i < 0) {
            m_stmt->names.append(name);
            m_bound.append(true);
        } else {
            m_bound[i] = true;
        }
    }
    q().bindValue(name, v);
    return *this;
}

bool Query::exec()
{
    if (!m_prepared)
        return false;
    if (m_stmt) {
        // A placeholder an earlier use bound and this one did not is NULL, as
        // on a freshly prepared statement.
        for (qsizetype i = 0; i < m_bound.size(); ++i) {
            if (!m_bound[i])
                m_stmt->query.bindValue(m_stmt->names[i], QVariant());
        }
    }
    if (!q().exec()) {
        if (!uniqueViolation())
            qCWarning(lcDb) << "query failed:" << q().lastError().text() << m_sql.left(120);
        return false;
    }
    return true;
}

bool Query::uniqueViolation() const
{
    const QSqlError e = q().lastError();
    const QString code = e.nativeErrorCode();
    // SQLite: 2067 UNIQUE, 1555 PRIMARY KEY (extended codes); PostgreSQL: 23505.
    return code == QLatin1String("2067") || code == QLatin1String("1555") ||
           code == QLatin1String("23505") ||
           (code == QLatin1String("19") && e.databaseText().contains(QLatin1String("UNIQUE")));
}

QString Query::errorText() const
{
    return q().lastError().text();
}

Error Query::error() const
{
    return Error::internal(QStringLiteral("Store error."));
}

Result<Tx> Tx::begin(Database &db, ChangeBus *bus)
{
    QSqlDatabase conn = db.connection();
    {
        QSqlQuery q(conn);
        if (q.exec(db.isPostgres() ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE")))
            return Tx(db, bus, std::move(conn));
        qCWarning(lcDb) << "begin failed:" << q.lastError().text();
    }
    // A healthy PostgreSQL connection does not refuse BEGIN: the backend is gone
    // (terminated, restarted) or the session is unusable. SQLite's refusal is a
    // busy store, and its connection stays good.
    if (db.isPostgres())
        db.closeConnection();
    return Error{ErrorCode::Unavailable, QStringLiteral("The store is not available.")};
}

Tx::Tx(Tx &&other) noexcept
    : m_db(other.m_db), m_bus(other.m_bus), m_conn(std::move(other.m_conn)), m_done(other.m_done),
      m_changes(std::move(other.m_changes))
{
    other.m_done = true;
}

Tx::~Tx()
{
    if (!m_done)
        rollback();
}

bool Tx::lockRow(const QString &table, const QString &id)
{
    if (!m_db->isPostgres())
        return true;
    // table is always a literal from our own code, never input.
    Query q(m_conn, QStringLiteral("SELECT 1 FROM ") + table +
                        QStringLiteral(" WHERE id = :id FOR UPDATE"));
    q.bind(QStringLiteral(":id"), id);
    return q.exec();
}

Status Tx::commit()
{
    if (m_done)
        return Error::internal(); // committed or rolled back already: a bug, not the store
    if (m_bus && m_db->isPostgres()) {
        for (const auto &c : std::as_const(m_changes))
            m_bus->notifyInTransaction(m_conn, c.first, c.second);
    }
    QSqlQuery q(m_conn);
    m_done = true;
    if (!q.exec(QStringLiteral("COMMIT"))) {
        qCWarning(lcDb) << "commit failed:" << q.lastError().text();
        // A PostgreSQL connection that cannot even roll back is gone (the
        // server rolled back for us): the thread's next request opens another.
        if (!QSqlQuery(m_conn).exec(QStringLiteral("ROLLBACK")) && m_db->isPostgres())
            m_db->closeConnection();
        return Error{ErrorCode::Conflict,
                     QStringLiteral("The change could not be saved; try again.")};
    }
    if (m_bus) {
        for (const auto &c : std::as_const(m_changes))
            m_bus->announceLocal(c.first, c.second);
    }
    return Ok{};
}

void Tx::rollback()
{
    if (m_done)
        return;
    m_done = true;
    QSqlQuery(m_conn).exec(QStringLiteral("ROLLBACK"));
}

} // namespace wfx
