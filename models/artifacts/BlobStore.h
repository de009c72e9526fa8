// SPDX-License-Identifier: Apache-2.0
// Content-addressed bytes on disk: committed blobs under blobs/sha256/ab/cd/<hex>,
// upload parts under uploads/<artifact id>/<part number>. Only validated UUIDs,
// integers and hex digests ever become path components; names never do.
#pragma once

#include "models/core/Result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace wfx {

// A part written and synced to a temporary file, not yet in place.
struct StagedPart
{
    QString artifactId;
    qint64 number = 0;
    QString tempPath;
    qint64 size = 0;
    QString sha256; // lowercase hex
};

struct StoredBlob
{
    QString sha256;
    qint64 size = 0;
    QString path;
};

class BlobStore
{
public:
    // blobDir empty: <dataDir>/blobs. Parts always live in <dataDir>/uploads.
    explicit BlobStore(const QString &dataDir, const QString &blobDir = {});

    QString blobRoot() const { return m_blobRoot; }
    QString uploadRoot() const { return m_uploadRoot; }

    static bool isSha256Hex(const QString &s);
    // Empty when sha256 is not 64 lowercase hex digits.
    QString blobPath(const QString &sha256) const;
    bool hasBlob(const QString &sha256) const;
    // Empty when the id is not a UUID or the number is not positive.
    QString partPath(const QString &artifactId, qint64 number) const;

    // Writable check of the blob folder (a probe file is written and removed).
    Status health() const;

    // Writes the bytes to a temporary file beside the part's place and syncs it.
    Result<StagedPart> stagePart(const QString &artifactId, qint64 number,
                                 const QByteArray &bytes) const;
    // Moves a staged part into place atomically; an earlier part of that number is replaced.
    Status placePart(const StagedPart &part) const;
    void discard(const StagedPart &part) const;

    // Concatenates parts 1..parts in order, streaming while hashing, into a
    // temporary file, and moves it into the blob store only when both the size
    // and the SHA-256 match what was declared (else conflict, nothing stored).
    Result<StoredBlob> assemble(const QString &artifactId, qint64 parts, qint64 expectedSize,
                                const QString &expectedSha256) const;

    // Removes the artifact's upload folder and everything in it.
    void removeUpload(const QString &artifactId) const;
    // Artifact ids that have an upload folder (UUID-named folders only).
    QStringList uploadIds() const;
    // Removes assembly leftovers older than `ageMs` (a crash mid-commit); returns how many.
    int removeStaleTemp(qint64 nowMs, qint64 ageMs) const;

private:
    QString uploadDir(const QString &artifactId) const;
    QString tempDir() const;

    QString m_blobRoot;
    QString m_uploadRoot;
};

} // namespace wfx
