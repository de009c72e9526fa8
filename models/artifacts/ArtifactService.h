// SPDX-License-Identifier: Apache-2.0
// Artifacts of runs: multipart upload (initiate, parts by capability token,
// commit with size and SHA-256 verification, abort), download of committed
// bytes, and the sweep of uploads that were never finished.
#pragma once

#include "models/core/Context.h"
#include "models/core/Cursor.h"
#include "models/core/Result.h"
#include "models/core/Shape.h"

#include <QByteArray>
#include <QJsonObject>

namespace wfx {

class BlobStore;

struct Artifact
{
    QString id, runId, workspaceId, name, sha256, contentType,
        state; // pending, committed, aborted, deleted
    qint64 sizeBytes = 0;
    qint64 partSize = 0;
    qint64 createdAt = 0;
    qint64 committedAt = 0;     // 0: not committed
    qint64 uploadExpiresAt = 0; // 0: no upload open
    // {id, run_id, workspace_id, name, size_bytes, sha256, content_type, state,
    //  created_at, committed_at (null until committed)}
    QJsonObject toJson() const;
};

inline constexpr auto kArtifactFields = std::tuple{
    shape::field("id", &Artifact::id, shape::uuid()),
    shape::field("run_id", &Artifact::runId, shape::uuid()),
    shape::field("workspace_id", &Artifact::workspaceId, shape::uuid()),
    shape::field("name", &Artifact::name, shape::text()),
    shape::field("size_bytes", &Artifact::sizeBytes, shape::integer()),
    shape::field("sha256", &Artifact::sha256, shape::text()),
    shape::field("content_type", &Artifact::contentType, shape::text()),
    shape::field("state", &Artifact::state, shape::text()),
    shape::field("created_at", &Artifact::createdAt, shape::instant()),
    shape::field("committed_at", &Artifact::committedAt, shape::instant().orNull()),
};

struct InitiatedUpload
{
    Artifact artifact;
    QString uploadToken; // capability for putPart, shown once; only its SHA-256 is stored
    qint64 partSize = 0;
    qint64 parts = 0; // max(1, ceil(size / part_size)), numbered 1..parts
    qint64 expiresAt = 0;
};

struct UploadedPart
{
    qint64 number = 0;
    qint64 size = 0;
    QString sha256;
    QJsonObject toJson() const; // {number, size, sha256}
};

// What the server needs to stream a committed artifact (ETag = "sha256", Range).
struct ArtifactDownload
{
    Artifact artifact;
    QString path;
    qint64 size = 0;
    QString sha256;
    QString etag() const { return QLatin1Char('"') + sha256 + QLatin1Char('"'); }
};

class ArtifactService
{
public:
    struct Options
    {
        qint64 maxSizeBytes = 64LL << 30;        // 64 GiB
        qint64 partSize = 8LL << 20;             // 8 MiB
        qint64 uploadTtlMs = 24LL * 3600 * 1000; // part URLs expire after 24 h
        qint64 maxParts = 10000;
    };

    static constexpr int kMaxNameLength = 255;
    static constexpr int kMaxContentTypeLength = 255;

    ArtifactService(ModelContext ctx, BlobStore &blobs)
        : ArtifactService(std::move(ctx), blobs, Options{})
    {
    }
    ArtifactService(ModelContext ctx, BlobStore &blobs, Options options)
        : m_ctx(std::move(ctx)), m_blobs(blobs), m_opt(options)
    {
    }

    // Member role in the run's workspace. contentType empty: application/octet-stream.
    Result<InitiatedUpload> initiate(const Actor &actor, const QString &runId, const QString &name,
                                     qint64 sizeBytes, const QString &sha256,
                                     const QString &contentType = {});
    // No actor: the upload token is the credential. Unknown, expired or not
    // pending: not_found. Over part_size: payload_too_large. Last one wins.
    Result<UploadedPart> putPart(const QString &uploadToken, const QString &artifactId,
                                 qint64 partNumber, const QByteArray &bytes);
    // Verifies every part, the total size and the SHA-256 (conflict, nothing
    // committed, the upload stays pending) before the bytes enter the blob store.
    // Committing a committed artifact again returns it unchanged.
    Result<Artifact> commit(const Actor &actor, const QString &artifactId);
    // Pending -> aborted, its parts removed. Aborting again returns it unchanged.
    Result<Artifact> abort(const Actor &actor, const QString &artifactId);

    Result<Artifact> get(const Actor &actor, const QString &artifactId);
    // Committed artifacts only; anything else not_found.
    Result<ArtifactDownload> open(const Actor &actor, const QString &artifactId);
    // Newest first.
    Result<Page<Artifact>> list(const Actor &actor, const QString &runId, int limit,
                                const QString &cursor);

    // Pending uploads whose token expired become aborted (audited as the system)
    // and their parts are removed, as are upload folders no pending artifact
    // owns and assembly leftovers. Returns the number of uploads aborted.
    Result<int> sweepStaleUploads(qint64 nowMs);

    const Options &options() const { return m_opt; }

private:
    ModelContext m_ctx;
    BlobStore &m_blobs;
    Options m_opt;
};

} // namespace wfx
