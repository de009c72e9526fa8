// SPDX-License-Identifier: Apache-2.0
// One write transaction: statements, the audit entry and change announcements
// commit together or not at all.
#pragma once

#include "models/core/Result.h"
#include "models/db/Database.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStringList>
#include <QVarLengthArray>
#include <QVariant>

#include <initializer_list>
#include <memory>
#include <type_traits>
#include <utility>

namespace wfx {

class ChangeBus;

// A prepared statement with named bindings; errors are kept, not thrown. On a
// connection Database handed to this thread the statement is prepared once and
// reused (Database.h, statements::acquire); it is reset when the Query ends.
class Query
{
public:
    Query(const QSqlDatabase &db, const QString &sql);
    ~Query();
    Query(Query &&other) noexcept;
    Query(const Query &) = delete;
    Query &operator=(const Query &) = delete;
    Query &operator=(Query &&) = delete;

    Query &bind(const QString &name, const QVariant &v);
    bool exec();
    bool next() { return q().next(); }
    QVariant value(int i) const { return q().value(i); }
    QString str(int i) const { return q().value(i).toString(); }
    qint64 i64(int i) const { return q().value(i).toLongLong(); }
    double dbl(int i) const { return q().value(i).toDouble(); }
    bool isNull(int i) const { return q().isNull(i); }
    int rowsAffected() const { return q().numRowsAffected(); }
    bool uniqueViolation() const;
    QString errorText() const;
    // Internal error carrying the driver message for the log, not for clients.
    Error error() const;
    QSqlQuery &raw() { return q(); }

private:
    QSqlQuery &q() { return m_stmt ? m_stmt->query : m_own; }
    const QSqlQuery &q() const { return m_stmt ? m_stmt->query : m_own; }

    QSqlQuery m_own;
    std::shared_ptr<CachedStatement> m_stmt;
    QVarLengthArray<bool, 16> m_bound; // per m_stmt->names: bound in this use
    QString m_sql;
    bool m_prepared = false;
};

// A write transaction that has begun: the only way to get one is begin(), whose
// Result the caller must handle, so no statement made from a Tx can run in
// autocommit because BEGIN failed (the store busy, a PostgreSQL connection
// gone). Movable, so that begin() can hand it out without an allocation.
class Tx
{
public:
    // BEGIN (BEGIN IMMEDIATE on SQLite) on the calling thread's connection, or
    // `unavailable` (503: a busy or unreachable store is worth a retry). On
    // PostgreSQL a failed BEGIN closes the connection, so the thread's next
    // request opens a fresh one instead of failing on a dead one forever.
    [[nodiscard]] static Result<Tx> begin(Database &db, ChangeBus *bus = nullptr);
    // begin(), then `open(tx)` in the transaction: the checks and reads a change
    // starts from, returning a Result. The transaction with open's value
    // (Opened, below), or the first error (the transaction then rolled back).
    template <typename Open>
    [[nodiscard]] static auto begin(Database &db, ChangeBus *bus, const Open &open);
    ~Tx();
    Tx(Tx &&other) noexcept;
    Tx(const Tx &) = delete;
    Tx &operator=(const Tx &) = delete;
    Tx &operator=(Tx &&) = delete;

    Database &db() { return *m_db; }
    QSqlDatabase conn() const { return m_conn; }
    Query query(const QString &sql) { return Query(m_conn, sql); }
    // Serialises writers on one row on PostgreSQL (SELECT ... FOR UPDATE); SQLite
    // already serialises writers (BEGIN IMMEDIATE).
    bool lockRow(const QString &table, const QString &id);
    // Announced on the change bus once the commit succeeded.
    void announce(const QString &entity, const QString &id) { m_changes.append({entity, id}); }
    Status commit();
    void rollback();

private:
    Tx(Database &db, ChangeBus *bus, QSqlDatabase conn)
        : m_db(&db), m_bus(bus), m_conn(std::move(conn))
    {
    }

    Database *m_db;
    ChangeBus *m_bus;
    QSqlDatabase m_conn;
    bool m_done = false; // committed, rolled back or moved from
    QList<std::pair<QString, QString>> m_changes;
};

// A transaction that has begun and what its opening read and checked in it.
template <typename T> struct Opened
{
    Tx tx;
    T value;
};

namespace detail {
template <typename R> struct ResultValue;
template <typename T> struct ResultValue<Result<T>>
{
    using type = T;
};
} // namespace detail

template <typename Open> auto Tx::begin(Database &db, ChangeBus *bus, const Open &open)
{
    using T = typename detail::ResultValue<std::invoke_result_t<const Open &, Tx &>>::type;
    auto began = begin(db, bus);
    if (!began)
        return Result<Opened<T>>(began.error());
    auto value = open(*began);
    if (!value)
        return Result<Opened<T>>(value.error());
    return Result<Opened<T>>(Opened<T>{std::move(*began), std::move(*value)});
}

// Code outside Tx cannot make one without begin().
static_assert(!std::is_constructible_v<Tx, Database &>);
static_assert(!std::is_constructible_v<Tx, Database &, ChangeBus *>);
static_assert(std::is_nothrow_move_constructible_v<Tx>);

} // namespace wfx
