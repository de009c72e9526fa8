// SPDX-License-Identifier: Apache-2.0
// Set-up shared by the C++ benchmarks: fail loudly, run raw SQL, open a
// migrated store with one user, workspace and project, and fill N runs into
// that project with SQL generated in the store (not the product path, not
// measured). Run i gets id printf('%08x-0000-4000-8000-%012x', i, i) on
// SQLite (md5(i)::uuid on PostgreSQL) and created_at = 1700000000000 + i.
#pragma once

#include "models/core/Clock.h"
#include "models/core/Context.h"
#include "models/core/Ids.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/events/ChangeBus.h"
#include "models/workspaces/WorkspaceService.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QUrl>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace wfx::bench {

[[noreturn]] inline void die(const QString &msg)
{
    std::fprintf(stderr, "bench: %s\n", qPrintable(msg));
    std::exit(1);
}

inline void exec(QSqlDatabase db, const QString &sql)
{
    QSqlQuery q(db);
    if (!q.exec(sql))
        die(q.lastError().text() + QStringLiteral(" in ") + sql.left(200));
}

// Runs one statement on the server of `admin` (a PostgreSQL URL), on a
// connection of its own.
inline void adminExec(const QUrl &admin, const QString &sql)
{
    {
        QSqlDatabase a =
            QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("bench-admin"));
        a.setHostName(admin.host());
        a.setPort(admin.port(5432));
        a.setUserName(admin.userName());
        a.setPassword(admin.password());
        a.setDatabaseName(admin.path().mid(1));
        if (!a.open())
            die(a.lastError().text());
        exec(a, sql);
    }
    QSqlDatabase::removeDatabase(QStringLiteral("bench-admin"));
}

// A fresh database wfx_bench_<random> on the server of `admin`; its URL.
inline QString createPgDatabase(const QUrl &admin, QString *name)
{
    if (admin.isEmpty())
        die(QStringLiteral("--pg URL (or WFX_TEST_PG_URL) is needed for PostgreSQL"));
    *name = QStringLiteral("wfx_bench_") + crypto::sha256Hex(crypto::randomBytes(8)).left(10);
    adminExec(admin, QStringLiteral("CREATE DATABASE ") + *name);
    QUrl u = admin;
    u.setPath(QLatin1Char('/') + *name);
    return u.toString();
}

// A migrated store (URL as Database::open takes it) with user bench@example.com
// owning workspace "bench" and its project "bench".
struct Store
{
    std::shared_ptr<Database> db;
    SystemClock clock;
    ChangeBus bus;
    ModelContext ctx;
    QString userId, workspaceId, projectId;
};

inline std::unique_ptr<Store> openStore(const QString &url, const QString &dir)
{
    auto opened = Database::open(url, dir);
    if (!opened)
        die(opened.error().message);
    auto s = std::make_unique<Store>();
    s->db = *opened;
    if (auto m = s->db->migrate(); !m)
        die(m.error().message);
    s->ctx = ModelContext{s->db, &s->clock, &s->bus};
    s->userId = ids::newUuid();
    exec(s->db->connection(),
         QStringLiteral(
             "INSERT INTO users (id, email, password_hash, created_at, password_changed_at) "
             "VALUES ('%1', 'bench@example.com', 'x', 0, 0)")
             .arg(s->userId));
    WorkspaceService workspaces(s->ctx);
    const Actor owner = Actor::user(s->userId);
    auto ws = workspaces.create(owner, QStringLiteral("bench"));
    if (!ws)
        die(ws.error().message);
    auto project = workspaces.createProject(owner, ws->id, QStringLiteral("bench"));
    if (!project)
        die(project.error().message);
    s->workspaceId = ws->id;
    s->projectId = project->id;
    return s;
}

// The SQLite expression of run i's id (formatted after arg(): '%0' would be taken as a marker).
inline QString sqliteRunIdExpr()
{
    return QStringLiteral("printf('%08x-0000-4000-8000-%012x', i, i)");
}

inline void fillRuns(QSqlDatabase conn, bool pg, const QString &projectId,
                     const QString &workspaceId, qint64 n)
{
    const QString base = QStringLiteral("1700000000000");
    if (pg) {
        exec(conn, QStringLiteral("INSERT INTO runs (id, project_id, workspace_id, client_run_id, "
                                  "name, status, created_at, manifest, evidence) "
                                  "SELECT md5(i::text)::uuid::text, '%1', '%2', 'c' || i, 'run-' "
                                  "|| i, 'completed', %3 + i, '{}', 'unsigned' "
                                  "FROM generate_series(1, %4) AS i")
                       .arg(projectId, workspaceId, base)
                       .arg(n));
        return;
    }
    exec(conn, QStringLiteral(
                   "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %4) "
                   "INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, status, "
                   "created_at, manifest, evidence) "
                   "SELECT UUIDFMT, '%1', '%2', 'c' || i, 'run-' || i, 'completed', %3 + i, '{}', "
                   "'unsigned' FROM n")
                   .arg(projectId, workspaceId, base)
                   .arg(n)
                   .replace(QStringLiteral("UUIDFMT"), sqliteRunIdExpr()));
}

} // namespace wfx::bench
