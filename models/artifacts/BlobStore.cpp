// SPDX-License-Identifier: Apache-2.0
#include "models/artifacts/BlobStore.h"

#include "models/core/Ids.h"
#include "models/crypto/Crypto.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QLoggingCategory>

#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcBlobs, "wfx.models.artifacts", QtInfoMsg)

namespace wfx {

namespace {

constexpr qint64 kChunk = 1 << 20; // streaming buffer: memory stays bounded

Error unavailable(const QString &what)
{
    return Error{ErrorCode::Unavailable, u"The artifact store is not available (%1)."_s.arg(what)};
}

Error mismatch(const QString &reason, const QString &msg)
{
    Error e = Error::conflict(msg);
    e.extra.insert(u"reason"_s, reason);
    return e;
}

// Data and metadata of an open file reach the disk.
bool syncFile(QFile &f)
{
    return f.flush() && ::fsync(f.handle()) == 0;
}

// The rename that placed a file survives a crash only once its folder is synced.
void syncDir(const QString &dir)
{
    const int fd = ::open(QFile::encodeName(dir).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

// POSIX rename: atomic, and replaces an existing target (QFile::rename refuses to).
bool renameOver(const QString &from, const QString &to)
{
    return std::rename(QFile::encodeName(from).constData(), QFile::encodeName(to).constData()) == 0;
}

QString tempName()
{
    return crypto::sha256Hex(crypto::randomBytes(16)).left(32) + u".tmp"_s;
}
} // namespace

BlobStore::BlobStore(const QString &dataDir, const QString &blobDir)
    : m_blobRoot(QDir::cleanPath(blobDir.isEmpty() ? dataDir + u"/blobs"_s : blobDir)),
      m_uploadRoot(QDir::cleanPath(dataDir + u"/uploads"_s))
{
}

bool BlobStore::isSha256Hex(const QString &s)
{
    if (s.size() != 64)
        return false;
    for (const QChar c : s) {
        const ushort u = c.unicode();
        if (!((u >= '0' && u <= '9') || (u >= 'a' && u <= 'f')))
            return false;
    }
    return true;
}

QString BlobStore::blobPath(const QString &sha256) const
{
    if (!isSha256Hex(sha256))
        return {};
    return m_blobRoot + u"/sha256/"_s + sha256.left(2) + QLatin1Char('/') + sha256.mid(2, 2) +
           QLatin1Char('/') + sha256;
}

bool BlobStore::hasBlob(const QString &sha256) const
{
    const QString p = blobPath(sha256);
    return !p.isEmpty() && QFileInfo(p).isFile();
}

QString BlobStore::uploadDir(const QString &artifactId) const
{
    if (!ids::isUuid(artifactId))
        return {};
    return m_uploadRoot + QLatin1Char('/') + artifactId;
}

QString BlobStore::tempDir() const
{
    return m_blobRoot + u"/tmp"_s;
}

QString BlobStore::partPath(const QString &artifactId, qint64 number) const
{
    const QString dir = uploadDir(artifactId);
    if (dir.isEmpty() || number <= 0)
        return {};
    return dir + QLatin1Char('/') + QString::number(number);
}

Status BlobStore::health() const
{
    // The one probe of the artifact store: /health/r2, /api/status and /metrics all ask it.
    // A random payload is written, flushed to the disk, read back and removed.
    if (!QDir().mkpath(tempDir()))
        return unavailable(u"cannot create the blob folder"_s);
    QFile probe(tempDir() + QLatin1Char('/') + tempName());
    if (!probe.open(QIODevice::ReadWrite | QIODevice::NewOnly))
        return unavailable(u"blob folder not writable"_s);
    const QByteArray payload = crypto::randomBytes(16);
    bool ok = probe.write(payload) == payload.size() && syncFile(probe);
    if (ok) {
        probe.seek(0);
        ok = probe.readAll() == payload;
    }
    probe.close();
    probe.remove();
    if (!ok)
        return unavailable(u"blob folder not writable or did not read back what was written"_s);
    return Ok{};
}

Result<StagedPart> BlobStore::stagePart(const QString &artifactId, qint64 number,
                                        const QByteArray &bytes) const
{
    const QString dir = uploadDir(artifactId);
    if (dir.isEmpty() || number <= 0)
        return Error::notFound(u"Artifact"_s);
    if (!QDir().mkpath(dir))
        return unavailable(u"cannot create the upload folder"_s);
    StagedPart p;
    p.artifactId = artifactId;
    p.number = number;
    p.tempPath = dir + QLatin1Char('/') + QString::number(number) + QLatin1Char('.') + tempName();
    QFile f(p.tempPath);
    if (!f.open(QIODevice::WriteOnly | QIODevice::NewOnly))
        return unavailable(u"cannot write the part"_s);
    const bool ok = f.write(bytes) == bytes.size() && syncFile(f);
    f.close();
    if (!ok) {
        QFile::remove(p.tempPath);
        return unavailable(u"cannot write the part"_s);
    }
    p.size = bytes.size();
    p.sha256 =
        QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
    return p;
}

Status BlobStore::placePart(const StagedPart &part) const
{
    const QString target = partPath(part.artifactId, part.number);
    if (target.isEmpty() || part.tempPath.isEmpty())
        return Error::internal();
    if (!renameOver(part.tempPath, target)) {
        QFile::remove(part.tempPath);
        return unavailable(u"cannot place the part"_s);
    }
    syncDir(uploadDir(part.artifactId));
    return Ok{};
}

void BlobStore::discard(const StagedPart &part) const
{
    if (!part.tempPath.isEmpty())
        QFile::remove(part.tempPath);
}

Result<StoredBlob> BlobStore::assemble(const QString &artifactId, qint64 parts, qint64 expectedSize,
                                       const QString &expectedSha256) const
{
    const QString finalPath = blobPath(expectedSha256);
    if (uploadDir(artifactId).isEmpty() || finalPath.isEmpty() || parts <= 0 || expectedSize < 0)
        return Error::internal();
    if (!QDir().mkpath(tempDir()))
        return unavailable(u"cannot create the blob folder"_s);
    const QString tempPath = tempDir() + QLatin1Char('/') + tempName();
    QFile out(tempPath);
    if (!out.open(QIODevice::WriteOnly | QIODevice::NewOnly))
        return unavailable(u"cannot write the blob"_s);
    auto fail = [&](const Error &e) -> Error {
        out.close();
        QFile::remove(tempPath);
        return e;
    };

    QCryptographicHash hash(QCryptographicHash::Sha256);
    QByteArray buf;
    qint64 total = 0;
    for (qint64 n = 1; n <= parts; ++n) {
        QFile in(partPath(artifactId, n));
        if (!in.open(QIODevice::ReadOnly)) {
            Error e = mismatch(u"part_missing"_s, u"Part %1 has not been uploaded."_s.arg(n));
            e.extra.insert(u"part"_s, double(n));
            return fail(e);
        }
        while (true) {
            buf.resize(kChunk);
            const qint64 got = in.read(buf.data(), kChunk);
            if (got < 0)
                return fail(unavailable(u"cannot read a part"_s));
            if (got == 0)
                break;
            total += got;
            if (total > expectedSize)
                return fail(mismatch(
                    u"size_mismatch"_s,
                    u"The parts hold more than the declared %1 bytes."_s.arg(expectedSize)));
            hash.addData(QByteArrayView(buf.constData(), got));
            if (out.write(buf.constData(), got) != got)
                return fail(unavailable(u"cannot write the blob"_s));
        }
    }
    if (total != expectedSize)
        return fail(mismatch(
            u"size_mismatch"_s,
            u"The parts hold %1 bytes, not the declared %2."_s.arg(total).arg(expectedSize)));
    const QString actual = QString::fromLatin1(hash.result().toHex());
    if (actual != expectedSha256)
        return fail(mismatch(u"sha256_mismatch"_s,
                             u"The SHA-256 of the parts does not match the declared one."_s));
    if (!syncFile(out))
        return fail(unavailable(u"cannot write the blob"_s));
    out.close();

    const QString dir = QFileInfo(finalPath).path();
    if (!QDir().mkpath(dir)) {
        QFile::remove(tempPath);
        return unavailable(u"cannot create the blob folder"_s);
    }
    if (QFileInfo(finalPath).isFile() && QFileInfo(finalPath).size() == expectedSize) {
        // Same address, same bytes: the blob is already stored.
        QFile::remove(tempPath);
    } else if (!renameOver(tempPath, finalPath)) {
        QFile::remove(tempPath);
        return unavailable(u"cannot place the blob"_s);
    } else {
        syncDir(dir);
    }
    return StoredBlob{expectedSha256, expectedSize, finalPath};
}

void BlobStore::removeUpload(const QString &artifactId) const
{
    const QString dir = uploadDir(artifactId);
    if (!dir.isEmpty() && QFileInfo(dir).isDir() && !QDir(dir).removeRecursively())
        qCWarning(lcBlobs) << "could not remove upload folder of artifact" << artifactId;
}

QStringList BlobStore::uploadIds() const
{
    QStringList out;
    const auto entries = QDir(m_uploadRoot).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &e : entries) {
        if (ids::isUuid(e))
            out.append(e);
    }
    return out;
}

int BlobStore::removeStaleTemp(qint64 nowMs, qint64 ageMs) const
{
    int removed = 0;
    const auto entries = QDir(tempDir()).entryInfoList(QDir::Files);
    for (const QFileInfo &fi : entries) {
        if (fi.lastModified().toMSecsSinceEpoch() < nowMs - ageMs && QFile::remove(fi.filePath()))
            ++removed;
    }
    return removed;
}

} // namespace wfx
