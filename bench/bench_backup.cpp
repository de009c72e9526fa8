// SPDX-License-Identifier: Apache-2.0
// Backup benchmark (issue 6): fills an SQLite instance with N runs (M metric
// points each) and B committed artifact blobs, then times BackupService::backup
// and ::restore and prints the sizes. Usage:
//   bench_backup [--runs 100000] [--points-per-run 10] [--blobs 20] [--blob-kb 1024] [--dir DIR]
#include "models/artifacts/BlobStore.h"
#include "models/backup/BackupService.h"
#include "models/core/Clock.h"
#include "models/core/Context.h"
#include "models/core/Ids.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/events/ChangeBus.h"
#include "models/runs/MetricStore.h"
#include "models/workspaces/WorkspaceService.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <cstdio>

using namespace wfx;

namespace {

void die(const QString &msg)
{
    std::fprintf(stderr, "bench_backup: %s\n", qPrintable(msg));
    std::exit(1);
}

void exec(QSqlDatabase db, const QString &sql)
{
    QSqlQuery q(db);
    if (!q.exec(sql))
        die(q.lastError().text() + QStringLiteral(" in ") + sql.left(200));
}

double mib(qint64 bytes)
{
    return bytes / 1048576.0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser cli;
    cli.addHelpOption();
    QCommandLineOption runsOpt(QStringLiteral("runs"), QStringLiteral("runs to fill"),
                               QStringLiteral("N"), QStringLiteral("100000"));
    QCommandLineOption pointsOpt(QStringLiteral("points-per-run"),
                                 QStringLiteral("metric points per run"), QStringLiteral("N"),
                                 QStringLiteral("10"));
    QCommandLineOption blobsOpt(QStringLiteral("blobs"), QStringLiteral("committed artifacts"),
                                QStringLiteral("N"), QStringLiteral("20"));
    QCommandLineOption blobKbOpt(QStringLiteral("blob-kb"),
                                 QStringLiteral("size of each artifact in KiB"),
                                 QStringLiteral("N"), QStringLiteral("1024"));
    QCommandLineOption dirOpt(QStringLiteral("dir"),
                              QStringLiteral("parent folder for the instance and archive"),
                              QStringLiteral("DIR"));
    cli.addOptions({runsOpt, pointsOpt, blobsOpt, blobKbOpt, dirOpt});
    cli.process(app);
    const qint64 nRuns = cli.value(runsOpt).toLongLong();
    const qint64 nPoints = cli.value(pointsOpt).toLongLong();
    const int nBlobs = cli.value(blobsOpt).toInt();
    const qint64 blobBytes = cli.value(blobKbOpt).toLongLong() * 1024;

    QTemporaryDir tmp((cli.value(dirOpt).isEmpty() ? QDir::tempPath() : cli.value(dirOpt)) +
                      QStringLiteral("/wfx-bench-backup-XXXXXX"));
    if (!tmp.isValid())
        die(QStringLiteral("cannot create a work folder"));
    const QString dataDir = tmp.filePath(QStringLiteral("data"));
    QDir().mkpath(dataDir);
    auto opened = Database::open(QStringLiteral("sqlite:"), dataDir);
    if (!opened)
        die(opened.error().message);
    std::shared_ptr<Database> db = *opened;
    if (auto m = db->migrate(); !m)
        die(m.error().message);
    SystemClock clock;
    ChangeBus bus;
    ModelContext ctx{db, &clock, &bus};
    QSqlDatabase conn = db->connection();

    // The fill goes straight to SQL: set-up, not what is measured.
    const QString userId = ids::newUuid();
    exec(conn, QStringLiteral(
                   "INSERT INTO users (id, email, password_hash, created_at, password_changed_at) "
                   "VALUES ('%1', 'bench@example.com', 'x', 0, 0)")
                   .arg(userId));
    WorkspaceService workspaces(ctx);
    const Actor actor = Actor::user(userId);
    auto ws = workspaces.create(actor, QStringLiteral("bench"));
    auto project = workspaces.createProject(actor, ws->id, QStringLiteral("bench"));
    if (!ws || !project)
        die(QStringLiteral("cannot create the bench workspace"));
    QElapsedTimer fill;
    fill.start();
    const QString kUuidFmt = QStringLiteral("printf('%08x-0000-4000-8000-%012x', i, i)");
    exec(conn, QStringLiteral("BEGIN"));
    exec(conn, QStringLiteral(
                   "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %4) "
                   "INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, status, "
                   "created_at, manifest, evidence) "
                   "SELECT UUIDFMT, '%1', '%2', 'c' || i, 'run-' || i, 'completed', %3 + i, "
                   "'{\"algo\":\"dreamer-v3\",\"seed\":' || i || '}', 'unsigned' FROM n")
                   .arg(project->id, ws->id, QStringLiteral("1700000000000"))
                   .arg(nRuns)
                   .replace(QStringLiteral("UUIDFMT"), kUuidFmt));
    if (nPoints > 0) {
        // nPoints per run, as chunks (runs/MetricStore.h).
        QList<MetricInput> series;
        for (qint64 j = 0; j < nPoints; ++j)
            series.append({QStringLiteral("loss"), j, 1.0 / double(1 + j)});
        for (int i = 1; i <= nRuns; ++i) {
            const QString runId = QStringLiteral("%1-0000-4000-8000-%2")
                                      .arg(i, 8, 16, QLatin1Char('0'))
                                      .arg(i, 12, 16, QLatin1Char('0'));
            if (auto a = metricstore::add(conn, runId, series, metricstore::Rollups::Keep); !a)
                die(a.error().message);
        }
    }
    // Committed artifacts: the bytes in the blob store, a row each.
    BlobStore blobs(dataDir);
    for (int b = 0; b < nBlobs; ++b) {
        const QByteArray bytes = crypto::randomBytes(int(blobBytes));
        const QString hex = crypto::sha256Hex(bytes);
        const QString path = blobs.blobPath(hex);
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size())
            die(QStringLiteral("cannot write a blob"));
        exec(conn, QStringLiteral("INSERT INTO artifacts (id, run_id, workspace_id, name, "
                                  "size_bytes, sha256, content_type, "
                                  "state, part_size, created_at, committed_at) VALUES ('%1', '%2', "
                                  "'%3', 'model-%4.bin', %5, "
                                  "'%6', 'application/octet-stream', 'committed', %5, 0, 0)")
                       .arg(ids::newUuid(),
                            QStringLiteral("%1-0000-4000-8000-%2")
                                .arg(b + 1, 8, 16, QLatin1Char('0'))
                                .arg(b + 1, 12, 16, QLatin1Char('0')),
                            ws->id)
                       .arg(b)
                       .arg(blobBytes)
                       .arg(hex));
    }
    exec(conn, QStringLiteral("COMMIT"));
    exec(conn, QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    std::printf(
        "fill: %lld runs, %lld metric points, %d blobs x %lld KiB in %.1f s; store %.1f MiB\n",
        nRuns, nRuns * nPoints, nBlobs, blobBytes / 1024, fill.elapsed() / 1000.0,
        mib(db->sizeBytes()));
    std::fflush(stdout);

    const QString archive = tmp.filePath(QStringLiteral("instance.wfxbackup"));
    BackupService service(ctx, dataDir);
    QElapsedTimer t;
    t.start();
    auto b = service.backup(archive);
    const double backupS = t.nsecsElapsed() / 1e9;
    if (!b)
        die(b.error().message);
    std::printf(
        "backup:  %.2f s, archive %.1f MiB (store snapshot %.1f MiB, %lld blobs %.1f MiB)\n",
        backupS, mib(b->archiveBytes), mib(b->storeBytes), b->blobCount, mib(b->blobBytes));
    std::fflush(stdout);
    t.restart();
    auto r = BackupService::restore(archive, tmp.filePath(QStringLiteral("restored")));
    const double restoreS = t.nsecsElapsed() / 1e9;
    if (!r)
        die(r.error().message);
    std::printf("restore: %.2f s, %lld files, %.1f MiB verified\n", restoreS, r->files,
                mib(r->bytes));
    return 0;
}
