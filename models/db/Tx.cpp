// SPDX-License-Identifier: Apache-2.0
#include "db/Tx.h"

#include "db/Database.h"
#include "events/ChangeBus.h"

#include <QLoggingCategory>
#include <QSqlError>

Q_DECLARE_LOGGING_CATEGORY(lcDb)

namespace wfx {

Query::Query(const QSqlDatabase &db, const QString &sql) : m_q(db), m_sql(sql)
{
    m_prepared = m_q.prepare(sql);
    if (!m_prepared)
        qCWarning(lcDb) << "prepare failed:" << m_q.lastError().text() << sql.left(120);
}

Query &Query::bind(const QString &name, const QVariant &v)
{
    m_q.bindValue(name, v);
    return *this;
}

bool Query::exec()
{
    if (!m_prepared)
        return false;
    if (!m_q.exec()) {
        if (!uniqueViolation())
            qCWarning(lcDb) << "query failed:" << m_q.lastError().text() << m_sql.left(120);
        return false;
    }
    return true;
}

bool Query::uniqueViolation() const
{
    const QString code = m_q.lastError().nativeErrorCode();
    // SQLite: 2067 UNIQUE, 1555 PRIMARY KEY (extended codes); PostgreSQL: 23505.
    return code == QLatin1String("2067") || code == QLatin1String("1555") || code == QLatin1String("23505")
        || (code == QLatin1String("19") && m_q.lastError().databaseText().contains(QLatin1String("UNIQUE")));
}

QString Query::errorText() const
{
    return m_q.lastError().text();
}

Error Query::error() const
{
    return Error::internal(QStringLiteral("Store error."));
}

Tx::Tx(Database &db, ChangeBus *bus) : m_db(db), m_bus(bus), m_conn(db.connection())
{
    QSqlQuery q(m_conn);
    m_began = q.exec(db.isPostgres() ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE"));
    if (!m_began)
        qCWarning(lcDb) << "begin failed:" << q.lastError().text();
}

Tx::~Tx()
{
    if (m_began && !m_done)
        rollback();
}

bool Tx::lockRow(const QString &table, const QString &id)
{
    if (!m_db.isPostgres())
        return true;
    // table is always a literal from our own code, never input.
    Query q(m_conn, QStringLiteral("SELECT 1 FROM ") + table + QStringLiteral(" WHERE id = :id FOR UPDATE"));
    q.bind(QStringLiteral(":id"), id);
    return q.exec();
}

Status Tx::commit()
{
    if (!m_began)
        return Error{ErrorCode::Unavailable, QStringLiteral("The store is not available.")};
    if (m_bus && m_db.isPostgres()) {
        for (const auto &c : std::as_const(m_changes))
            m_bus->notifyInTransaction(m_conn, c.first, c.second);
    }
    QSqlQuery q(m_conn);
    m_done = true;
    if (!q.exec(QStringLiteral("COMMIT"))) {
        qCWarning(lcDb) << "commit failed:" << q.lastError().text();
        QSqlQuery(m_conn).exec(QStringLiteral("ROLLBACK"));
        return Error{ErrorCode::Conflict, QStringLiteral("The change could not be saved; try again.")};
    }
    if (m_bus) {
        for (const auto &c : std::as_const(m_changes))
            m_bus->announceLocal(c.first, c.second);
    }
    return Ok{};
}

void Tx::rollback()
{
    m_done = true;
    QSqlQuery(m_conn).exec(QStringLiteral("ROLLBACK"));
}

} // namespace wfx
