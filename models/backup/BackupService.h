// SPDX-License-Identifier: Apache-2.0
// Backup and restore of an instance on SQLite: one tar archive holding a
// consistent snapshot of the store (VACUUM INTO, taken inside one read
// transaction while the server may keep writing), every committed artifact
// blob the snapshot refers to, and last a manifest with the SHA-256 of each
// file. Restore goes into an empty data folder only and verifies every sum
// before anything is put in place. PostgreSQL stores are refused: pg_dump.
#pragma once

#include "models/core/Context.h"
#include "models/core/Result.h"

#include <QJsonObject>
#include <QString>

namespace wfx {

struct BackupSummary
{
    QString archivePath;
    qint64 archiveBytes = 0;
    qint64 storeBytes = 0; // the snapshot's size
    qint64 blobCount = 0;
    qint64 blobBytes = 0;
    int schemaVersion = 0;
    qint64 createdAt = 0;
    // {archive, archive_bytes, store_bytes, blob_count, blob_bytes, schema_version, created_at}
    QJsonObject toJson() const;
};

struct RestoreSummary
{
    QString dataDir;
    qint64 files = 0;
    qint64 bytes = 0;
    int schemaVersion = 0;
    qint64 createdAt = 0; // when the backup was taken
    // {data_dir, files, bytes, schema_version, backup_created_at}
    QJsonObject toJson() const;
};

class BackupService
{
public:
    // dataDir: the instance's data folder (blobs live in <dataDir>/blobs).
    BackupService(ModelContext ctx, QString dataDir)
        : m_ctx(std::move(ctx)), m_dataDir(std::move(dataDir))
    {
    }

    static constexpr int kFormatVersion = 1;
    static QString formatName() { return QStringLiteral("worldflux-console-backup"); }
    static QString manifestName() { return QStringLiteral("manifest.json"); }
    static QString storeName() { return QStringLiteral("store.db"); }

    // Writes the archive to archivePath (which must not exist) through a
    // temporary file renamed into place once complete. SQLite only.
    Result<BackupSummary> backup(const QString &archivePath);

    // Unpacks an archive into dataDir (created when missing; refused unless
    // empty), verifying sizes and SHA-256 sums against the manifest and each
    // blob's content against its name, then checks the restored store opens
    // with the schema version the manifest names. On any failure nothing is
    // left behind in dataDir.
    static Result<RestoreSummary> restore(const QString &archivePath, const QString &dataDir);

private:
    ModelContext m_ctx;
    QString m_dataDir;
};

} // namespace wfx
