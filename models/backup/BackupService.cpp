// SPDX-License-Identifier: Apache-2.0
#include "models/backup/BackupService.h"

#include "models/artifacts/BlobStore.h"
#include "models/backup/TarReader.h"
#include "models/backup/TarWriter.h"
#include "models/core/Clock.h"
#include "models/db/Database.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMap>
#include <QSaveFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <atomic>

#include <unistd.h>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcBackup, "wfx.models.backup", QtInfoMsg)

namespace wfx {

namespace {

using S = QLatin1String;
std::atomic<quint64> g_nextConnection{1};
constexpr qint64 kMaxManifestBytes = 256LL << 20;

Error fail(ErrorCode code, const QString &msg)
{
    qCDebug(lcBackup).noquote() << msg; // the caller shows it
    return Error{code, msg};
}

// The archive name of a blob: blobs/sha256/ab/cd/<hex>, as BlobStore lays it out.
QString blobEntryName(const QString &hex)
{
    return QStringLiteral("blobs/sha256/") + hex.left(2) + QLatin1Char('/') + hex.mid(2, 2) +
           QLatin1Char('/') + hex;
}

// A read-only connection to a SQLite file that is not an instance store yet.
class SnapshotConnection
{
public:
    explicit SnapshotConnection(const QString &path)
        : m_name(QStringLiteral("wfx-backup-file-%1").arg(g_nextConnection++))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        m_open = db.open();
        if (!m_open)
            m_error = db.lastError().text();
    }
    ~SnapshotConnection()
    {
        {
            QSqlDatabase db = QSqlDatabase::database(m_name, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_name);
    }
    bool isOpen() const { return m_open; }
    QString error() const { return m_error; }
    QSqlDatabase db() const { return QSqlDatabase::database(m_name, false); }

    // The highest applied migration, -1 when unreadable.
    int schemaVersion() const
    {
        QSqlQuery q(db());
        return q.exec(QStringLiteral("SELECT MAX(version) FROM schema_migrations")) && q.next()
                   ? q.value(0).toInt()
                   : -1;
    }

private:
    QString m_name;
    bool m_open = false;
    QString m_error;
};

bool removeTree(const QString &path)
{
    QDir d(path);
    return !d.exists() || d.removeRecursively();
}

} // namespace

QJsonObject BackupSummary::toJson() const
{
    return QJsonObject{{u"archive"_s, archivePath},    {u"archive_bytes"_s, archiveBytes},
                       {u"store_bytes"_s, storeBytes}, {u"blob_count"_s, blobCount},
                       {u"blob_bytes"_s, blobBytes},   {u"schema_version"_s, schemaVersion},
                       {u"created_at"_s, createdAt}};
}

QJsonObject RestoreSummary::toJson() const
{
    return QJsonObject{{u"data_dir"_s, dataDir},
                       {u"files"_s, files},
                       {u"bytes"_s, bytes},
                       {u"schema_version"_s, schemaVersion},
                       {u"backup_created_at"_s, createdAt}};
}

Result<BackupSummary> BackupService::backup(const QString &archivePath)
{
    Database &db = *m_ctx.db;
    if (db.isPostgres())
        return fail(
            ErrorCode::Unsupported,
            QStringLiteral(
                "--backup covers SQLite stores only. For PostgreSQL take the store with pg_dump "
                "(pg_dump --format=custom --file=worldflux.dump postgresql://USER@HOST:PORT/DB) "
                "and copy %1 alongside it; see README, \"Backup and restore\".")
                .arg(QDir(m_dataDir).filePath(QStringLiteral("blobs"))));
    const QFileInfo target(archivePath);
    if (archivePath.isEmpty() || target.exists())
        return fail(
            ErrorCode::Conflict,
            QStringLiteral("%1 exists already; choose a new archive name.").arg(archivePath));
    if (!target.absoluteDir().exists())
        return fail(ErrorCode::Validation,
                    QStringLiteral("The folder of %1 does not exist.").arg(archivePath));

    // The snapshot goes beside the archive (same file system, and /tmp may be small).
    QTemporaryDir work(target.absolutePath() + QStringLiteral("/.wfx-backup-XXXXXX"));
    if (!work.isValid())
        return fail(ErrorCode::Internal, QStringLiteral("Cannot create a work folder beside %1: %2")
                                             .arg(archivePath, work.errorString()));
    const QString snapshotPath = work.filePath(storeName());

    // VACUUM INTO copies the store as one read transaction sees it: a consistent
    // point in time while other connections (other processes) keep writing (WAL).
    {
        const QString purpose = QStringLiteral("backup-%1").arg(g_nextConnection++);
        {
            QSqlDatabase conn = db.openDedicated(purpose);
            if (!conn.isOpen()) {
                db.releaseDedicated(purpose);
                return fail(ErrorCode::Unavailable,
                            QStringLiteral("Cannot open %1 for the backup.").arg(db.describe()));
            }
            QSqlQuery q(conn);
            q.prepare(QStringLiteral("VACUUM INTO ?"));
            q.addBindValue(snapshotPath);
            const bool ok = q.exec();
            const QString err = q.lastError().text();
            q.finish();
            conn.close();
            if (!ok) {
                db.releaseDedicated(purpose);
                return fail(ErrorCode::Internal,
                            QStringLiteral("The store snapshot failed: %1").arg(err));
            }
        }
        db.releaseDedicated(purpose);
    }

    BackupSummary summary;
    summary.archivePath = target.absoluteFilePath();
    summary.createdAt = m_ctx.clock->nowMs();
    QStringList blobs;
    {
        SnapshotConnection snap(snapshotPath);
        if (!snap.isOpen())
            return fail(ErrorCode::Internal,
                        QStringLiteral("Cannot read the store snapshot: %1").arg(snap.error()));
        summary.schemaVersion = snap.schemaVersion();
        QSqlQuery q(snap.db());
        if (!q.exec(QStringLiteral(
                "SELECT DISTINCT sha256 FROM artifacts WHERE state = 'committed' ORDER BY sha256")))
            return fail(ErrorCode::Internal,
                        QStringLiteral("Cannot list the artifacts of the snapshot: %1")
                            .arg(q.lastError().text()));
        while (q.next())
            blobs << q.value(0).toString();
    }

    // Stream everything into a temporary file that replaces nothing until complete.
    QSaveFile out(target.absoluteFilePath());
    if (!out.open(QIODevice::WriteOnly))
        return fail(ErrorCode::Internal,
                    QStringLiteral("Cannot write %1: %2").arg(archivePath, out.errorString()));
    TarWriter tar(&out, summary.createdAt / 1000);
    QJsonArray files;
    QByteArray sha;
    qint64 size = 0;
    if (!tar.addFile(storeName(), snapshotPath, &sha, &size))
        return fail(ErrorCode::Internal, tar.error());
    files.append(QJsonObject{
        {u"path"_s, storeName()}, {u"size"_s, size}, {u"sha256"_s, QString::fromLatin1(sha)}});
    summary.storeBytes = size;
    // Committed blobs never change or go away, so those the snapshot names are
    // all there; a blob whose bytes do not match its name is damage, not a backup.
    const BlobStore store(m_dataDir);
    for (const QString &hex : std::as_const(blobs)) {
        const QString path = store.blobPath(hex);
        if (path.isEmpty() || !QFileInfo(path).isFile())
            return fail(ErrorCode::Internal,
                        QStringLiteral("The committed blob %1 is missing from %2.")
                            .arg(hex, store.blobRoot()));
        if (!tar.addFile(blobEntryName(hex), path, &sha, &size))
            return fail(ErrorCode::Internal, tar.error());
        if (QString::fromLatin1(sha) != hex)
            return fail(ErrorCode::Internal,
                        QStringLiteral("The blob %1 is damaged: its bytes hash to %2.")
                            .arg(path, QString::fromLatin1(sha)));
        files.append(
            QJsonObject{{u"path"_s, blobEntryName(hex)}, {u"size"_s, size}, {u"sha256"_s, hex}});
        ++summary.blobCount;
        summary.blobBytes += size;
    }
    const QJsonObject manifest{{u"format"_s, formatName()},
                               {u"version"_s, kFormatVersion},
                               {u"app_version"_s, QStringLiteral(WFX_VERSION)},
                               {u"created_at"_s, summary.createdAt},
                               {u"schema_version"_s, summary.schemaVersion},
                               {u"files"_s, files}};
    if (!tar.addData(manifestName(), QJsonDocument(manifest).toJson(QJsonDocument::Indented)) ||
        !tar.finish())
        return fail(ErrorCode::Internal, tar.error());
    summary.archiveBytes = out.pos();
    if (!out.commit())
        return fail(ErrorCode::Internal,
                    QStringLiteral("Cannot write %1: %2").arg(archivePath, out.errorString()));
    qCInfo(lcBackup).noquote() << "backup written to" << summary.archivePath << summary.archiveBytes
                               << "bytes," << summary.blobCount << "blobs";
    return summary;
}

Result<RestoreSummary> BackupService::restore(const QString &archivePath, const QString &dataDir)
{
    QDir dir(dataDir);
    if (dataDir.isEmpty())
        return fail(ErrorCode::Validation,
                    QStringLiteral("--restore needs --data-dir, an empty folder."));
    if (dir.exists() &&
        !dir.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System)
             .isEmpty())
        return fail(ErrorCode::Conflict,
                    QStringLiteral("%1 is not empty: restore only into an empty data folder.")
                        .arg(dir.absolutePath()));
    QFile in(archivePath);
    if (!in.open(QIODevice::ReadOnly))
        return fail(ErrorCode::NotFound,
                    QStringLiteral("Cannot read %1: %2").arg(archivePath, in.errorString()));
    if (!QDir().mkpath(dir.absolutePath()))
        return fail(ErrorCode::Internal,
                    QStringLiteral("Cannot create %1.").arg(dir.absolutePath()));

    const QString stage = dir.absoluteFilePath(QStringLiteral(".restore-staging"));
    struct Cleanup
    {
        QString path;
        ~Cleanup() { removeTree(path); }
    } cleanup{stage};
    auto bad = [&](const QString &msg) {
        return fail(ErrorCode::Validation, QStringLiteral("%1: %2").arg(archivePath, msg));
    };

    struct Seen
    {
        qint64 size;
        QString sha256;
    };
    QMap<QString, Seen> seen;
    QByteArray manifestBytes;
    TarReader tar(&in);
    TarReader::Entry e;
    QByteArray buf(int(TarWriter::kChunk), Qt::Uninitialized);
    while (tar.next(&e)) {
        if (!manifestBytes.isEmpty())
            return bad(QStringLiteral("entries follow the manifest"));
        if (e.name == manifestName()) {
            if (e.size > kMaxManifestBytes)
                return bad(QStringLiteral("the manifest is implausibly large"));
            manifestBytes.resize(int(e.size));
            qint64 done = 0;
            while (done < e.size) {
                const qint64 got = tar.read(manifestBytes.data() + done, e.size - done);
                if (got <= 0)
                    return bad(tar.error());
                done += got;
            }
            if (manifestBytes.isEmpty())
                return bad(QStringLiteral("the manifest is empty"));
            continue;
        }
        // Only the store and content-addressed blob paths ever become files.
        const QString hex = e.name.section(QLatin1Char('/'), -1);
        const bool isStore = e.name == storeName();
        if (!isStore && !(BlobStore::isSha256Hex(hex) && e.name == blobEntryName(hex)))
            return bad(QStringLiteral("unexpected entry %1").arg(e.name));
        if (seen.contains(e.name))
            return bad(QStringLiteral("%1 appears twice").arg(e.name));
        const QString path = stage + QLatin1Char('/') + e.name;
        if (!QDir().mkpath(QFileInfo(path).absolutePath()))
            return fail(ErrorCode::Internal,
                        QStringLiteral("Cannot create folders in %1.").arg(stage));
        QFile out(path);
        if (!out.open(QIODevice::WriteOnly | QIODevice::NewOnly))
            return fail(ErrorCode::Internal,
                        QStringLiteral("Cannot write %1: %2").arg(path, out.errorString()));
        QCryptographicHash hash(QCryptographicHash::Sha256);
        qint64 got = 0;
        while ((got = tar.read(buf.data(), buf.size())) > 0) {
            hash.addData(QByteArrayView(buf.constData(), got));
            if (out.write(buf.constData(), got) != got)
                return fail(ErrorCode::Internal,
                            QStringLiteral("Cannot write %1: %2").arg(path, out.errorString()));
        }
        if (got < 0)
            return bad(tar.error());
        if (!out.flush() || ::fsync(out.handle()) != 0)
            return fail(ErrorCode::Internal,
                        QStringLiteral("Cannot write %1: %2").arg(path, out.errorString()));
        seen.insert(e.name, Seen{e.size, QString::fromLatin1(hash.result().toHex())});
    }
    if (!tar.error().isEmpty())
        return bad(tar.error());
    if (manifestBytes.isEmpty())
        return bad(QStringLiteral("no manifest: not a complete backup"));

    QJsonParseError perr;
    const QJsonObject manifest = QJsonDocument::fromJson(manifestBytes, &perr).object();
    if (perr.error != QJsonParseError::NoError ||
        manifest.value(u"format"_s).toString() != formatName())
        return bad(QStringLiteral("not a WorldFlux Console backup"));
    if (manifest.value(u"version"_s).toInt() != kFormatVersion)
        return bad(QStringLiteral("backup format version %1 is not supported (this build reads %2)")
                       .arg(manifest.value(u"version"_s).toInt())
                       .arg(kFormatVersion));
    const QJsonArray files = manifest.value(u"files"_s).toArray();
    if (files.size() != seen.size())
        return bad(QStringLiteral("the manifest lists %1 files, the archive holds %2")
                       .arg(files.size())
                       .arg(seen.size()));
    RestoreSummary summary;
    for (const QJsonValue &v : files) {
        const QJsonObject f = v.toObject();
        const QString name = f.value(u"path"_s).toString();
        const auto it = seen.constFind(name);
        if (it == seen.constEnd())
            return bad(QStringLiteral("%1 is listed in the manifest but missing").arg(name));
        if (it->size != f.value(u"size"_s).toInteger(-1) ||
            it->sha256 != f.value(u"sha256"_s).toString())
            return bad(QStringLiteral("%1 does not match its SHA-256 in the manifest").arg(name));
        if (name != storeName() && it->sha256 != name.section(QLatin1Char('/'), -1))
            return bad(QStringLiteral("%1 does not hash to its name").arg(name));
        ++summary.files;
        summary.bytes += it->size;
    }
    if (!seen.contains(storeName()))
        return bad(QStringLiteral("the archive holds no store"));

    // The store must open and say what the manifest says before it is put in place.
    summary.schemaVersion = manifest.value(u"schema_version"_s).toInt();
    summary.createdAt = manifest.value(u"created_at"_s).toInteger();
    {
        SnapshotConnection snap(stage + QLatin1Char('/') + storeName());
        if (!snap.isOpen())
            return bad(QStringLiteral("the store does not open: %1").arg(snap.error()));
        QSqlQuery q(snap.db());
        if (!q.exec(QStringLiteral("PRAGMA quick_check")) || !q.next() ||
            q.value(0).toString() != u"ok"_s)
            return bad(QStringLiteral("the store fails SQLite's integrity check"));
        q.finish();
        if (snap.schemaVersion() != summary.schemaVersion)
            return bad(QStringLiteral("the store's schema version differs from the manifest's"));
    }

    for (const QString &name : {storeName(), QStringLiteral("blobs")}) {
        const QString from = stage + QLatin1Char('/') + name;
        if (!QFileInfo::exists(from))
            continue;
        if (!QDir().rename(from, dir.absoluteFilePath(name))) {
            QFile::remove(dir.absoluteFilePath(storeName()));
            removeTree(dir.absoluteFilePath(QStringLiteral("blobs")));
            return fail(ErrorCode::Internal, QStringLiteral("Cannot move the restored %1 into %2.")
                                                 .arg(name, dir.absolutePath()));
        }
    }
    summary.dataDir = dir.absolutePath();
    qCInfo(lcBackup).noquote() << "restored" << archivePath << "into" << summary.dataDir;
    return summary;
}

} // namespace wfx
