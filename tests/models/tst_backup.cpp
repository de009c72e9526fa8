// SPDX-License-Identifier: Apache-2.0
// Backup and restore on SQLite (PostgreSQL is refused: pg_dump's job).
#include "TestStore.h"

#include "models/artifacts/ArtifactService.h"
#include "models/artifacts/BlobStore.h"
#include "models/audit/AuditService.h"
#include "models/backup/BackupService.h"
#include "models/runs/MetricStore.h"
#include "models/runs/RunService.h"
#include "models/shares/ShareService.h"
#include "models/workspaces/WorkspaceService.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QProcess>
#include <QSqlRecord>
#include <QStandardPaths>
#include <QThread>

#include <atomic>
#include <thread>

using namespace wfx;

namespace {
QString L(const char *s)
{
    return QString::fromLatin1(s);
}

template <typename T> QByteArray why(const Result<T> &r)
{
    return r.ok() ? QByteArray() : r.error().message.toUtf8();
}

// Every user table of a SQLite store.
QStringList tablesOf(const QSqlDatabase &db)
{
    QStringList out;
    QSqlQuery q(db);
    q.exec(L("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
             "ORDER BY name"));
    while (q.next())
        out << q.value(0).toString();
    return out;
}

// Every row of a table, each as one string of typed values, sorted.
QStringList rowsOf(const QSqlDatabase &db, const QString &table)
{
    QStringList out;
    QSqlQuery q(db);
    if (!q.exec(L("SELECT * FROM ") + table))
        qFatal("cannot read %s", qPrintable(table));
    while (q.next()) {
        QStringList cells;
        for (int i = 0; i < q.record().count(); ++i) {
            const QVariant v = q.value(i);
            const QString text = v.typeId() == QMetaType::QByteArray
                                     ? QString::fromLatin1(v.toByteArray().toHex())
                                     : v.toString();
            cells << (v.isNull() ? L("NULL")
                                 : QString::fromLatin1(v.typeName()) + QLatin1Char(':') + text);
        }
        out << cells.join(QLatin1Char('|'));
    }
    out.sort();
    return out;
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

struct Restored
{
    std::shared_ptr<Database> db;
    ManualClock clock{1'800'000'000'000LL};
    ChangeBus bus;
    ModelContext ctx() { return ModelContext{db, &clock, &bus}; }
};
} // namespace

class TestBackup : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    std::unique_ptr<QTemporaryDir> out;
    QString alice, bob, ws, project, run, artifactSha;
    QByteArray artifactBytes;

    QJsonObject syncBody(const QString &clientRunId, int points)
    {
        QJsonArray metrics;
        for (int i = 0; i < points; ++i)
            metrics.append(
                QJsonObject{{L("name"), L("loss")}, {L("step"), i}, {L("value"), 1.0 / (1 + i)}});
        return QJsonObject{{L("project_id"), project},
                           {L("client_run_id"), clientRunId},
                           {L("name"), clientRunId},
                           {L("status"), L("completed")},
                           {L("manifest"), QJsonObject{{L("seed"), 1}}},
                           {L("metrics"), metrics},
                           {L("log"), L("line one\nline two\n")}};
    }

    // An instance with one of everything, made through the services.
    void populate()
    {
        alice = s->createUser(L("alice@example.com"));
        bob = s->createUser(L("bob@example.com"));
        WorkspaceService workspaces(s->ctx);
        auto w = workspaces.create(s->actor(alice), L("Lab"));
        QVERIFY2(w.ok(), why(w).constData());
        ws = w->id;
        auto p = workspaces.createProject(s->actor(alice), ws, L("dreamer"));
        QVERIFY2(p.ok(), why(p).constData());
        project = p->id;
        auto r = RunService(s->ctx).sync(s->actor(alice), syncBody(L("seed-1"), 300));
        QVERIFY2(r.ok(), why(r).constData());
        run = r->run.id;
        // A series long enough for a chart rollup (run_metric_rollups rows).
        auto longRun = RunService(s->ctx).sync(s->actor(alice), syncBody(L("long-1"), 5000));
        QVERIFY2(longRun.ok(), why(longRun).constData());
        QVERIFY(s->count(L("run_metric_rollups")) > 0);
        QVERIFY(workspaces.invite(s->actor(alice), ws, L("bob@example.com"), L("member")).ok());

        BlobStore blobs(s->dir.path());
        ArtifactService artifacts(s->ctx, blobs);
        artifactBytes = crypto::randomBytes(300'000);
        artifactSha = crypto::sha256Hex(artifactBytes);
        auto up = artifacts.initiate(s->actor(alice), run, L("model.bin"), artifactBytes.size(),
                                     artifactSha);
        QVERIFY2(up.ok(), why(up).constData());
        for (qint64 n = 1; n <= up->parts; ++n)
            QVERIFY(artifacts
                        .putPart(up->uploadToken, up->artifact.id, n,
                                 artifactBytes.mid(int((n - 1) * up->partSize), int(up->partSize)))
                        .ok());
        auto committed = artifacts.commit(s->actor(alice), up->artifact.id);
        QVERIFY2(committed.ok(), why(committed).constData());
        auto share =
            ShareService(s->ctx).create(s->actor(alice), ShareDraft{run, {}, {}, up->artifact.id});
        QVERIFY2(share.ok(), why(share).constData());
        QVERIFY(s->count(L("audit_log")) >= 5);
    }

    QString archive(const QString &name = L("instance.wfxbackup")) { return out->filePath(name); }

    Result<BackupSummary> backup(const QString &path)
    {
        return BackupService(s->ctx, s->dir.path()).backup(path);
    }

    std::unique_ptr<Restored> open(const QString &dataDir)
    {
        auto r = std::make_unique<Restored>();
        auto opened = Database::open(L("sqlite:"), dataDir);
        if (!opened)
            qFatal("restored store does not open: %s", qPrintable(opened.error().message));
        r->db = *opened;
        return r;
    }

private slots:
    void init()
    {
        s = std::make_unique<wfxtest::TestStore>(L("sqlite"));
        out = std::make_unique<QTemporaryDir>();
        populate();
    }
    void cleanup()
    {
        s.reset();
        out.reset();
    }

    void roundTripRestoresEveryRowAndBlob()
    {
        auto b = backup(archive());
        QVERIFY2(b.ok(), why(b).constData());
        QCOMPARE(b->blobCount, 1);
        QCOMPARE(b->blobBytes, artifactBytes.size());
        QCOMPARE(b->schemaVersion, s->db->schemaVersion());
        QCOMPARE(b->archiveBytes, QFileInfo(archive()).size());

        const QString target = out->filePath(L("restored"));
        auto r = BackupService::restore(archive(), target);
        QVERIFY2(r.ok(), why(r).constData());
        QCOMPARE(r->files, 2);
        QCOMPARE(r->schemaVersion, b->schemaVersion);

        auto restored = open(target);
        const QStringList tables = tablesOf(s->db->connection());
        QVERIFY(tables.contains(L("runs")) && tables.contains(L("audit_log")) &&
                tables.contains(L("shares")));
        QCOMPARE(tablesOf(restored->db->connection()), tables);
        for (const QString &t : tables)
            QVERIFY2(rowsOf(restored->db->connection(), t) == rowsOf(s->db->connection(), t),
                     qPrintable(t));

        const AuditVerdict v = AuditService(restored->ctx()).verify();
        QVERIFY2(v.ok, qPrintable(v.reason));
        QCOMPARE(v.checked, s->count(L("audit_log")));
        QCOMPARE(readAll(BlobStore(target).blobPath(artifactSha)), artifactBytes);
    }

    void backupWhileAnotherConnectionWritesIsAConsistentSnapshot()
    {
        // Enough rows that the snapshot takes a while; the writer is another
        // store handle (its own connection), as a running server would be.
        {
            // Values that do not compress: about 9 MB of chunks.
            QList<MetricInput> bulk;
            quint64 x = 0x9e3779b97f4a7c15ULL;
            for (int i = 0; i < 1'000'000; ++i) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                bulk.append({L("bulk"), i, double(x >> 11) * 0x1p-53});
            }
            auto added =
                metricstore::add(s->db->connection(), run, bulk, metricstore::Rollups::Keep);
            QVERIFY(added.ok());
        }
        auto writerDb =
            Database::open(L("sqlite:") + s->dir.filePath(L("store.db")), s->dir.path());
        QVERIFY(writerDb.ok());
        std::atomic<bool> stop{false};
        std::atomic<int> written{0};
        std::atomic<int> failures{0};
        std::thread writer([&, db = *writerDb] {
            SystemClock clock;
            ChangeBus bus;
            RunService runs(ModelContext{db, &clock, &bus});
            for (int i = 0; !stop; ++i) {
                if (runs.sync(Actor::user(alice, L("127.0.0.1")), syncBody(L("w-%1").arg(i), 40))
                        .ok())
                    ++written;
                else
                    ++failures;
            }
        });
        while (written < 3)
            QThread::msleep(5);
        const int before = written;
        auto b = backup(archive());
        const int during = written - before;
        QThread::msleep(50);
        stop = true;
        writer.join();
        QVERIFY2(b.ok(), why(b).constData());
        QCOMPARE(failures.load(), 0);
        QVERIFY2(during > 0, "the writer wrote nothing while the backup ran");

        const QString target = out->filePath(L("restored"));
        auto r = BackupService::restore(archive(), target);
        QVERIFY2(r.ok(), why(r).constData());
        auto restored = open(target);
        QSqlDatabase rc = restored->db->connection();
        QSqlDatabase sc = s->db->connection();

        // A point in time: every restored row exists in the live store (only
        // the audit chain head moves in place), and the writes after it are missing.
        for (const QString &t : tablesOf(sc)) {
            const QStringList live = rowsOf(sc, t);
            const QSet<QString> liveSet(live.cbegin(), live.cend());
            const QStringList snap = rowsOf(rc, t);
            for (const QString &row : snap)
                QVERIFY2(t == L("audit_head") || liveSet.contains(row),
                         qPrintable(t + L(": ") + row.left(200)));
        }
        const qint64 restoredRuns = [&] {
            QSqlQuery q(rc);
            q.exec(L("SELECT COUNT(*) FROM runs"));
            q.next();
            return q.value(0).toLongLong();
        }();
        QVERIFY(restoredRuns >= 1 + before);
        QVERIFY(restoredRuns < s->count(L("runs")));
        // No run without all its metrics, and the chain verifies up to its head.
        QSqlQuery torn(rc);
        QVERIFY(torn.exec(L("SELECT COUNT(*) FROM runs r WHERE r.client_run_id LIKE 'w-%' AND "
                            "(SELECT COALESCE(SUM(m.points), 0) FROM run_metric_chunks m WHERE "
                            "m.run_id = r.id) <> 40")));
        QVERIFY(torn.next());
        QCOMPARE(torn.value(0).toLongLong(), 0);
        const AuditVerdict v = AuditService(restored->ctx()).verify();
        QVERIFY2(v.ok, qPrintable(v.reason));
        QSqlQuery head(rc);
        QVERIFY(head.exec(L(
            "SELECT h.seq = (SELECT MAX(seq) FROM audit_log), "
            "h.hash = (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1) FROM audit_head h")));
        QVERIFY(head.next());
        QVERIFY(head.value(0).toBool() && head.value(1).toBool());
        QCOMPARE(readAll(BlobStore(target).blobPath(artifactSha)), artifactBytes);
    }

    void archiveIsAPlainTarWithTheManifestLast()
    {
        QVERIFY(backup(archive()).ok());
        const QString tar = QStandardPaths::findExecutable(L("tar"));
        if (tar.isEmpty())
            QSKIP("tar is not installed");
        QProcess p;
        p.start(tar, {L("-tf"), archive()});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 0);
        const QStringList names = QString::fromUtf8(p.readAllStandardOutput())
                                      .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(names, (QStringList{L("store.db"),
                                     L("blobs/sha256/") + artifactSha.left(2) + QLatin1Char('/') +
                                         artifactSha.mid(2, 2) + QLatin1Char('/') + artifactSha,
                                     L("manifest.json")}));
    }

    void backupRefusesAnExistingArchive()
    {
        QFile f(archive());
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("keep me");
        f.close();
        auto b = backup(archive());
        QVERIFY(!b.ok());
        QCOMPARE(b.error().code, ErrorCode::Conflict);
        QCOMPARE(readAll(archive()), QByteArray("keep me"));
    }

    void restoreRefusesAFolderThatIsNotEmpty()
    {
        QVERIFY(backup(archive()).ok());
        const QString target = out->filePath(L("busy"));
        QVERIFY(QDir().mkpath(target));
        QFile f(target + L("/notes.txt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        auto r = BackupService::restore(archive(), target);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Conflict);
        QCOMPARE(QDir(target).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
                 QStringList{L("notes.txt")});
    }

    void restoreRejectsADamagedArchiveAndLeavesNothing()
    {
        QVERIFY(backup(archive()).ok());
        QByteArray bytes = readAll(archive());
        // One byte in the middle of the artifact's bytes (its tar entry follows the store's).
        const qsizetype at = bytes.indexOf(artifactBytes.left(64));
        QVERIFY(at > 0);
        bytes[at + 1000] = char(bytes[at + 1000] ^ 0x01);
        QFile f(archive(L("damaged.wfxbackup")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes);
        f.close();
        const QString target = out->filePath(L("restored"));
        auto r = BackupService::restore(archive(L("damaged.wfxbackup")), target);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Validation);
        QVERIFY2(r.error().message.contains(L("SHA-256")), qPrintable(r.error().message));
        QVERIFY(QDir(target)
                    .entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)
                    .isEmpty());
    }

    void restoreRejectsATruncatedArchive()
    {
        QVERIFY(backup(archive()).ok());
        const QByteArray bytes = readAll(archive());
        QFile f(archive(L("cut.wfxbackup")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes.left(bytes.size() - 3000)); // loses the manifest and the end marker
        f.close();
        const QString target = out->filePath(L("restored"));
        auto r = BackupService::restore(archive(L("cut.wfxbackup")), target);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Validation);
        QVERIFY(QDir(target)
                    .entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)
                    .isEmpty());
    }

    void postgresStoreIsRefusedWithPgDumpAdvice()
    {
        if (qEnvironmentVariableIsEmpty("WFX_TEST_PG_URL"))
            QSKIP("WFX_TEST_PG_URL is not set");
        wfxtest::TestStore pg(L("postgres"));
        auto b = BackupService(pg.ctx, pg.dir.path()).backup(archive());
        QVERIFY(!b.ok());
        QCOMPARE(b.error().code, ErrorCode::Unsupported);
        QVERIFY2(b.error().message.contains(L("pg_dump")), qPrintable(b.error().message));
        QVERIFY(!QFile::exists(archive()));
    }
};

QTEST_GUILESS_MAIN(TestBackup)
#include "tst_backup.moc"
