// SPDX-License-Identifier: Apache-2.0
#include "models/db/NativeQuery.h"

#include "models/db/NativeStatements.h"

#include <QLoggingCategory>
#include <QSqlDriver>
#include <QVariant>

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

Q_DECLARE_LOGGING_CATEGORY(lcDb)

namespace wfx {

struct NativeStatement
{
    sqlite3_stmt *sqlite = nullptr; // SQLite
    QByteArray pgName;              // PostgreSQL: the server-side statement's name
    bool cached = false;
    bool busy = false;
    ~NativeStatement()
    {
        if (sqlite)
            sqlite3_finalize(sqlite);
    }
};

NativeStatements::~NativeStatements() = default;

namespace {

void *nativeHandle(const QSqlDatabase &db, bool *postgres)
{
    const QSqlDriver *driver = db.driver();
    if (!driver)
        return nullptr;
    const QVariant v = driver->handle();
    const char *type = v.typeName();
    if (!v.isValid() || !type)
        return nullptr;
    if (std::strcmp(type, "sqlite3*") == 0) {
        *postgres = false;
        return *static_cast<sqlite3 *const *>(v.constData());
    }
    // QPSQL names it pg_conn* (PLATFORM.md); Qt's documentation says PGconn*.
    if (std::strcmp(type, "PGconn*") == 0 || std::strcmp(type, "pg_conn*") == 0) {
        *postgres = true;
        return *static_cast<PGconn *const *>(v.constData());
    }
    return nullptr;
}

// $n in `sql` as the SQLite parameter index; 0 when the statement lacks it.
int sqliteIndex(sqlite3_stmt *s, int n)
{
    char name[16];
    name[0] = '$';
    auto [end, ec] = std::to_chars(name + 1, name + sizeof name - 1, n);
    *end = '\0';
    return ec == std::errc() ? sqlite3_bind_parameter_index(s, name) : 0;
}

} // namespace

NativeQuery::NativeQuery(const QSqlDatabase &db, const char *sql) : m_db(db), m_sql(sql)
{
    m_handle = nativeHandle(db, &m_postgres);
}

NativeQuery::~NativeQuery()
{
    if (m_result)
        PQclear(static_cast<PGresult *>(m_result));
    if (m_stmt) {
        if (m_stmt->sqlite) {
            // Ends the read: no snapshot or lock stays behind.
            sqlite3_reset(m_stmt->sqlite);
            sqlite3_clear_bindings(m_stmt->sqlite);
        }
        m_stmt->busy = false;
    }
}

NativeQuery::Param &NativeQuery::param(int n, Param::Kind kind)
{
    Q_ASSERT(n >= 1 && n <= 64);
    if (m_params.size() < n)
        m_params.resize(n);
    Param &p = m_params[n - 1];
    p.kind = kind;
    return p;
}

NativeQuery &NativeQuery::bind(int n, QByteArrayView utf8)
{
    param(n, Param::Text).text = utf8.toByteArray();
    return *this;
}

NativeQuery &NativeQuery::bind(int n, qint64 v)
{
    param(n, Param::Int).i = v;
    return *this;
}

NativeQuery &NativeQuery::bindReal(int n, double v)
{
    param(n, Param::Real).d = v;
    return *this;
}

NativeQuery &NativeQuery::bindNull(int n)
{
    param(n, Param::Null);
    return *this;
}

bool NativeQuery::fail(const QString &what)
{
    m_error = what;
    qCWarning(lcDb) << "native query failed:" << what
                    << QByteArrayView(m_sql).first(
                           std::min<qsizetype>(120, qsizetype(std::strlen(m_sql))));
    return false;
}

bool NativeQuery::exec()
{
    if (!m_handle)
        return fail(QStringLiteral("no native handle (connection closed?)"));
    m_row = -1;
    m_done = false;
    m_rowPending = false;
    m_error.clear();
    NativeStatements *cache = statements::native(m_db);
    if (!m_stmt) {
        if (cache) {
            auto it = cache->bySql.find(m_sql);
            if (it != cache->bySql.end() && !it->second->busy)
                m_stmt = it->second;
        }
        if (!m_stmt) {
            auto s = std::make_shared<NativeStatement>();
            const bool keep = cache && !cache->bySql.contains(m_sql) &&
                              cache->bySql.size() < NativeStatements::kMax;
            if (!m_postgres) {
                const int rc =
                    sqlite3_prepare_v3(static_cast<sqlite3 *>(m_handle), m_sql, -1,
                                       keep ? SQLITE_PREPARE_PERSISTENT : 0, &s->sqlite, nullptr);
                if (rc != SQLITE_OK)
                    return fail(
                        QString::fromUtf8(sqlite3_errmsg(static_cast<sqlite3 *>(m_handle))));
            } else if (keep) {
                s->pgName = "wfxn_" + QByteArray::number(++cache->pgSerial);
                PGresult *r = PQprepare(static_cast<PGconn *>(m_handle), s->pgName.constData(),
                                        m_sql, 0, nullptr);
                const bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
                const QString msg =
                    ok ? QString()
                       : QString::fromUtf8(PQerrorMessage(static_cast<PGconn *>(m_handle)));
                PQclear(r);
                if (!ok)
                    return fail(msg);
            }
            if (keep) {
                s->cached = true;
                cache->bySql.emplace(m_sql, s);
            }
            m_stmt = std::move(s);
        }
        m_stmt->busy = true;
    }

    if (!m_postgres) {
        sqlite3_stmt *st = m_stmt->sqlite;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        for (int n = 1; n <= int(m_params.size()); ++n) {
            const int at = sqliteIndex(st, n);
            if (at == 0)
                continue;
            const Param &p = m_params[n - 1];
            int rc = SQLITE_OK;
            if (p.kind == Param::Text)
                rc = sqlite3_bind_text(st, at, p.text.constData(), int(p.text.size()),
                                       SQLITE_STATIC);
            else if (p.kind == Param::Int)
                rc = sqlite3_bind_int64(st, at, p.i);
            else if (p.kind == Param::Real)
                rc = sqlite3_bind_double(st, at, p.d);
            else
                rc = sqlite3_bind_null(st, at);
            if (rc != SQLITE_OK)
                return fail(QString::fromUtf8(sqlite3_errmsg(static_cast<sqlite3 *>(m_handle))));
        }
        // The first step runs now, so a statement fails at exec() on both dialects.
        const int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            m_rowPending = true;
            return true;
        }
        m_done = true;
        if (rc != SQLITE_DONE)
            return fail(QString::fromUtf8(sqlite3_errmsg(static_cast<sqlite3 *>(m_handle))));
        return true;
    }

    if (m_result) {
        PQclear(static_cast<PGresult *>(m_result));
        m_result = nullptr;
    }
    QVarLengthArray<const char *, 8> values(m_params.size());
    QVarLengthArray<int, 8> lengths(m_params.size());
    for (qsizetype i = 0; i < m_params.size(); ++i) {
        Param &p = m_params[i];
        // PostgreSQL takes every value as text; a double's 17 digits round-trip.
        if (p.kind == Param::Int)
            p.text = QByteArray::number(p.i);
        else if (p.kind == Param::Real)
            p.text = QByteArray::number(p.d, 'g', 17);
        values[i] = p.kind == Param::Null ? nullptr : p.text.constData();
        lengths[i] = p.kind == Param::Null ? 0 : int(p.text.size());
    }
    auto *conn = static_cast<PGconn *>(m_handle);
    PGresult *r = m_stmt->pgName.isEmpty()
                      ? PQexecParams(conn, m_sql, int(m_params.size()), nullptr, values.data(),
                                     lengths.data(), nullptr, 0)
                      : PQexecPrepared(conn, m_stmt->pgName.constData(), int(m_params.size()),
                                       values.data(), lengths.data(), nullptr, 0);
    const ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        const QString msg = QString::fromUtf8(r ? PQresultErrorMessage(r) : PQerrorMessage(conn));
        PQclear(r);
        return fail(msg.trimmed());
    }
    m_result = r;
    m_rows = PQntuples(r);
    return true;
}

bool NativeQuery::next()
{
    if (m_done || !m_stmt)
        return false;
    if (!m_postgres) {
        if (m_rowPending) {
            m_rowPending = false;
            return true;
        }
        const int rc = sqlite3_step(m_stmt->sqlite);
        if (rc == SQLITE_ROW)
            return true;
        m_done = true;
        if (rc != SQLITE_DONE)
            fail(QString::fromUtf8(sqlite3_errmsg(static_cast<sqlite3 *>(m_handle))));
        return false;
    }
    if (++m_row < m_rows)
        return true;
    m_done = true;
    return false;
}

bool NativeQuery::isNull(int col) const
{
    if (!m_postgres)
        return sqlite3_column_type(m_stmt->sqlite, col) == SQLITE_NULL;
    return PQgetisnull(static_cast<const PGresult *>(m_result), m_row, col) != 0;
}

QByteArrayView NativeQuery::text(int col) const
{
    if (!m_postgres) {
        // text first, then bytes: the documented order that yields the length of that text.
        const auto *t = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt->sqlite, col));
        return t ? QByteArrayView(t, sqlite3_column_bytes(m_stmt->sqlite, col)) : QByteArrayView();
    }
    const auto *r = static_cast<const PGresult *>(m_result);
    return QByteArrayView(PQgetvalue(r, m_row, col), PQgetlength(r, m_row, col));
}

qint64 NativeQuery::i64(int col) const
{
    if (!m_postgres)
        return sqlite3_column_int64(m_stmt->sqlite, col);
    const QByteArrayView t = text(col);
    qint64 v = 0;
    std::from_chars(t.data(), t.data() + t.size(), v);
    return v;
}

double NativeQuery::dbl(int col) const
{
    if (!m_postgres)
        return sqlite3_column_double(m_stmt->sqlite, col);
    const QByteArrayView t = text(col);
    if (t == "NaN")
        return std::numeric_limits<double>::quiet_NaN();
    if (t == "Infinity")
        return std::numeric_limits<double>::infinity();
    if (t == "-Infinity")
        return -std::numeric_limits<double>::infinity();
    double v = 0;
    std::from_chars(t.data(), t.data() + t.size(), v);
    return v;
}

} // namespace wfx
