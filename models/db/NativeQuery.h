// SPDX-License-Identifier: Apache-2.0
// A statement run on the native handle under a QtSql connection (sqlite3 or
// PGconn, PLATFORM.md 4): typed binds and columns, text as the store's UTF-8
// bytes, no QVariant and no UTF-16 copy per value. For the hot read paths
// (run pages, share reads); Query stays for everything else. It shares the
// connection and so its transaction with Query and Tx.
//
// SQL is the same for both dialects, with positional placeholders $1, $2, ...
// (a placeholder may repeat). On a connection Database handed to this thread
// the statement is prepared once and kept with the connection (SQLite: a
// sqlite3_stmt; PostgreSQL: a named server-side statement).
//
// PostgreSQL: a QtSql result still pending on the connection is drained by a
// native call (PLATFORM.md); every Query made before on this connection must
// have ended (Query resets its statement when it ends).
#pragma once

#include "models/core/Result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QSqlDatabase>
#include <QVarLengthArray>

#include <memory>

namespace wfx {

struct NativeStatements;
struct NativeStatement;

class NativeQuery
{
public:
    NativeQuery(const QSqlDatabase &db, const char *sql);
    ~NativeQuery();
    NativeQuery(const NativeQuery &) = delete;
    NativeQuery &operator=(const NativeQuery &) = delete;

    // $n (1-based) as text (UTF-8), a 64-bit integer, a double, or NULL.
    NativeQuery &bind(int n, QByteArrayView utf8);
    NativeQuery &bind(int n, const QString &text) { return bind(n, QByteArrayView(text.toUtf8())); }
    NativeQuery &bind(int n, qint64 v);
    NativeQuery &bindReal(int n, double v);
    NativeQuery &bindNull(int n);

    bool exec();
    bool next();

    // Columns of the current row (0-based). text() is valid until next().
    bool isNull(int col) const;
    QByteArrayView text(int col) const;
    qint64 i64(int col) const;
    double dbl(int col) const;

    // Internal error for clients; the driver's message went to the log.
    Error error() const { return Error::internal(QStringLiteral("Store error.")); }
    QString errorText() const { return m_error; }

private:
    struct Param
    {
        enum Kind : quint8 { Null, Text, Int, Real } kind = Null;
        QByteArray text; // Text, and Int's and Real's decimal form on PostgreSQL (exec())
        qint64 i = 0;
        double d = 0;
    };
    // $n's slot, now of `kind`.
    Param &param(int n, Param::Kind kind);
    bool fail(const QString &what);

    QSqlDatabase m_db;
    const char *m_sql;
    bool m_postgres = false;
    void *m_handle = nullptr;                // sqlite3 * or PGconn *
    std::shared_ptr<NativeStatement> m_stmt; // prepared (cached or own)
    void *m_result = nullptr;                // PGresult *
    int m_row = -1, m_rows = 0;
    bool m_done = false;
    bool m_rowPending = false; // SQLite: exec() stepped onto the first row
    QVarLengthArray<Param, 8> m_params;
    QString m_error;
};

} // namespace wfx
