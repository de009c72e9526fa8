// SPDX-License-Identifier: Apache-2.0
#include "models/artifacts/ArtifactService.h"

#include "models/artifacts/BlobStore.h"
#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/Keyset.h"
#include "models/core/Shape.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"

#include <QJsonArray>
#include <QLoggingCategory>

#include <initializer_list>
#include <optional>
#include <utility>

using namespace Qt::StringLiterals;

Q_DECLARE_LOGGING_CATEGORY(lcBlobs)

namespace wfx {

namespace {

const QString kArtifact = QStringLiteral("Artifact");
const QString kRun = QStringLiteral("Run");
const QString kColumns = QStringLiteral("id, run_id, workspace_id, name, size_bytes, sha256, "
                                        "content_type, state, part_size, created_at, "
                                        "committed_at, upload_expires_at");

Artifact readArtifact(const Query &q)
{
    Artifact a;
    row::read(q, a.id, a.runId, a.workspaceId, a.name, a.sizeBytes, a.sha256, a.contentType,
              a.state, a.partSize, a.createdAt, a.committedAt, a.uploadExpiresAt);
    return a;
}

Result<Artifact> loadArtifact(const QSqlDatabase &conn, const QString &id)
{
    if (!ids::isUuid(id))
        return Error::notFound(kArtifact);
    return row::one(conn, u"SELECT "_s + kColumns + u" FROM artifacts WHERE id = :id"_s, id,
                    kArtifact, readArtifact);
}

// The artifact, if the actor holds at least `minimum` in its workspace.
Result<Artifact> loadVisible(const QSqlDatabase &conn, const Actor &actor, const QString &id,
                             Role minimum)
{
    auto a = loadArtifact(conn, id);
    if (!a)
        return a.error();
    if (auto r = access::requireRole(conn, actor, a->workspaceId, minimum, kArtifact); !r)
        return r.error();
    return a;
}

// The artifact, if the actor may change it (Member, not restricted).
Result<Artifact> loadChangeable(const QSqlDatabase &conn, const Actor &actor, const QString &id)
{
    auto a = loadVisible(conn, actor, id, Role::Member);
    if (!a)
        return a.error();
    if (auto w = access::requireWritable(conn, actor); !w)
        return w.error();
    return a;
}

Result<QString> runWorkspace(const QSqlDatabase &conn, const QString &runId)
{
    return row::workspaceOf(conn, u"runs"_s, runId, kRun);
}

qint64 partCount(qint64 size, qint64 partSize)
{
    return size <= 0 ? 1 : (size + partSize - 1) / partSize;
}

// type/subtype with parameters, printable ASCII only: it ends up in a response header.
bool validContentType(const QString &s)
{
    for (const QChar c : s) {
        if (c.unicode() < 0x20 || c.unicode() > 0x7e)
            return false;
    }
    const qsizetype slash = s.indexOf(QLatin1Char('/'));
    return slash > 0 && slash < s.size() - 1;
}

// The answer to finishing an upload as `end` (committed, aborted) when there
// is nothing to do: the lookup's error, the artifact when it already is `end`,
// conflict in any state but pending. nullopt: pending, to be finished.
std::optional<Result<Artifact>> finishedAnswer(const Result<Artifact> &a, const QString &end)
{
    if (!a || a->state == end)
        return a;
    if (a->state != QLatin1String("pending"))
        return Error::conflict(
            u"Only a pending upload can be %1; this artifact is %2."_s.arg(end, a->state));
    return std::nullopt;
}

// Ends a pending upload: `update` moves the artifact's row out of pending, and
// the parts recorded for it go.
Status endUpload(Tx &tx, const QString &id, const QString &update,
                 std::initializer_list<std::pair<QString, QVariant>> values)
{
    if (auto u = row::exec(tx.conn(), update, values); !u)
        return u;
    return row::exec(tx.conn(), u"DELETE FROM artifact_parts WHERE artifact_id = :id"_s,
                     {{u":id"_s, id}});
}

Error uploadNotFound()
{
    return Error::notFound(u"Upload"_s);
}
} // namespace

QJsonObject Artifact::toJson() const
{
    return shape::toJson<kArtifactFields>(*this);
}

QJsonObject UploadedPart::toJson() const
{
    return {{u"number"_s, double(number)}, {u"size"_s, double(size)}, {u"sha256"_s, sha256}};
}

Result<InitiatedUpload> ArtifactService::initiate(const Actor &actor, const QString &runId,
                                                  const QString &name, qint64 sizeBytes,
                                                  const QString &sha256, const QString &contentType)
{
    Error invalid{ErrorCode::Validation, u"The artifact is not valid."_s};
    if (!ids::isUuid(runId))
        invalid.details.append({u"run_id"_s, runId.isEmpty() ? u"required"_s : u"invalid"_s});
    if (name.trimmed().isEmpty())
        invalid.details.append({u"name"_s, u"required"_s});
    else if (name.size() > kMaxNameLength)
        invalid.details.append({u"name"_s, u"too_long"_s});
    else if (shape::hasControl(name))
        invalid.details.append({u"name"_s, u"invalid"_s});
    if (sizeBytes < 0)
        invalid.details.append({u"size_bytes"_s, u"invalid"_s});
    else if (sizeBytes > m_opt.maxSizeBytes ||
             partCount(sizeBytes, m_opt.partSize) > m_opt.maxParts)
        invalid.details.append({u"size_bytes"_s, u"too_large"_s});
    if (!BlobStore::isSha256Hex(sha256))
        invalid.details.append({u"sha256"_s, sha256.isEmpty() ? u"required"_s : u"invalid"_s});
    const QString type = contentType.isEmpty() ? u"application/octet-stream"_s : contentType;
    if (type.size() > kMaxContentTypeLength)
        invalid.details.append({u"content_type"_s, u"too_long"_s});
    else if (!validContentType(type))
        invalid.details.append({u"content_type"_s, u"invalid"_s});
    if (!invalid.details.isEmpty()) {
        if (invalid.details.size() == 1)
            invalid.message = u"Invalid %1."_s.arg(invalid.details.first().field);
        return invalid;
    }

    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    auto ws = runWorkspace(tx.conn(), runId);
    if (!ws)
        return ws.error();
    if (auto r = access::requireWrite(tx.conn(), actor, *ws, Role::Member, kRun); !r)
        return r.error();

    const qint64 now = m_ctx.clock->nowMs();
    InitiatedUpload out;
    out.uploadToken = crypto::randomToken(u"wfxup_"_s, 32);
    out.partSize = m_opt.partSize;
    out.parts = partCount(sizeBytes, m_opt.partSize);
    out.expiresAt = now + m_opt.uploadTtlMs;
    Artifact &a = out.artifact;
    a.id = ids::newUuid();
    a.runId = runId;
    a.workspaceId = *ws;
    a.name = name;
    a.sizeBytes = sizeBytes;
    a.sha256 = sha256;
    a.contentType = type;
    a.state = u"pending"_s;
    a.partSize = m_opt.partSize;
    a.createdAt = now;
    a.uploadExpiresAt = out.expiresAt;

    Query ins = tx.query(
        u"INSERT INTO artifacts (id, run_id, workspace_id, name, size_bytes, sha256, content_type, "
        "state, part_size, upload_token_hash, upload_expires_at, created_at) "
        "VALUES (:id, :r, :w, :n, :sz, :sha, :ct, 'pending', :ps, :h, :x, :t)"_s);
    ins.bind(u":id"_s, a.id)
        .bind(u":r"_s, runId)
        .bind(u":w"_s, a.workspaceId)
        .bind(u":n"_s, name)
        .bind(u":sz"_s, sizeBytes)
        .bind(u":sha"_s, sha256)
        .bind(u":ct"_s, type)
        .bind(u":ps"_s, a.partSize)
        .bind(u":h"_s, crypto::sha256Hex(out.uploadToken.toUtf8()))
        .bind(u":x"_s, out.expiresAt)
        .bind(u":t"_s, now);
    if (!ins.exec())
        return ins.error();
    if (auto c = AuditService::commit(tx, now, actor, u"artifact.initiate"_s, a.workspaceId,
                                      u"artifact"_s, a.id,
                                      {{u"run_id"_s, runId},
                                       {u"name"_s, name},
                                       {u"size_bytes"_s, double(sizeBytes)},
                                       {u"sha256"_s, sha256}});
        !c)
        return c.error();
    return out;
}

Result<UploadedPart> ArtifactService::putPart(const QString &uploadToken, const QString &artifactId,
                                              qint64 partNumber, const QByteArray &bytes)
{
    if (uploadToken.isEmpty() || !ids::isUuid(artifactId))
        return uploadNotFound();
    const QString tokenHash = crypto::sha256Hex(uploadToken.toUtf8());
    const QString pendingSql = u"SELECT size_bytes, part_size, upload_expires_at FROM artifacts "
                               "WHERE id = :id AND upload_token_hash = :h AND state = 'pending'"_s;
    qint64 parts = 0, partSize = 0;
    {
        Query q(m_ctx.db->connection(), pendingSql);
        q.bind(u":id"_s, artifactId).bind(u":h"_s, tokenHash);
        if (!q.exec())
            return q.error();
        if (!q.next() || q.isNull(2) || q.i64(2) <= m_ctx.clock->nowMs())
            return uploadNotFound();
        partSize = q.i64(1);
        parts = partCount(q.i64(0), partSize);
    }
    if (partNumber < 1 || partNumber > parts) {
        Error e = Error::validation(u"part_number"_s, u"out_of_range"_s,
                                    u"The part number must be between 1 and %1."_s.arg(parts));
        return e;
    }
    if (bytes.size() > partSize) {
        Error e{ErrorCode::PayloadTooLarge, u"A part holds at most %1 bytes."_s.arg(partSize)};
        e.extra.insert(u"part_size"_s, double(partSize));
        return e;
    }

    // The slow part (write and sync) happens before the transaction; only the
    // rename into place runs while the artifact row is held.
    auto staged = m_blobs.stagePart(artifactId, partNumber, bytes);
    if (!staged)
        return staged.error();
    const qint64 now = m_ctx.clock->nowMs();
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began) {
        m_blobs.discard(*staged);
        return began.error();
    }
    Tx &tx = *began;
    if (!tx.lockRow(u"artifacts"_s, artifactId)) {
        m_blobs.discard(*staged);
        return Error::internal();
    }
    {
        // The upload may have been committed, aborted or expired meanwhile.
        Query q = tx.query(pendingSql);
        q.bind(u":id"_s, artifactId).bind(u":h"_s, tokenHash);
        if (!q.exec()) {
            m_blobs.discard(*staged);
            return q.error();
        }
        if (!q.next() || q.isNull(2) || q.i64(2) <= now) {
            m_blobs.discard(*staged);
            return uploadNotFound();
        }
    }
    if (auto p = m_blobs.placePart(*staged); !p)
        return p.error();
    Query ins = tx.query(
        u"INSERT INTO artifact_parts (artifact_id, number, size, sha256, received_at) "
        "VALUES (:a, :n, :s, :h, :t) ON CONFLICT (artifact_id, number) DO UPDATE SET "
        "size = excluded.size, sha256 = excluded.sha256, received_at = excluded.received_at"_s);
    ins.bind(u":a"_s, artifactId)
        .bind(u":n"_s, partNumber)
        .bind(u":s"_s, staged->size)
        .bind(u":h"_s, staged->sha256)
        .bind(u":t"_s, now);
    if (!ins.exec())
        return ins.error();
    if (auto c = tx.commit(); !c)
        return c.error();
    return UploadedPart{partNumber, staged->size, staged->sha256};
}

Result<Artifact> ArtifactService::commit(const Actor &actor, const QString &artifactId)
{
    QSqlDatabase conn = m_ctx.db->connection();
    const QString committed = u"committed"_s;
    auto a = loadChangeable(conn, actor, artifactId);
    if (auto answer = finishedAnswer(a, committed))
        return *answer;
    if (a->uploadExpiresAt <= m_ctx.clock->nowMs())
        return Error::conflict(u"The upload expired; initiate it again."_s);

    // Cheap checks on the recorded parts before any byte is read.
    const qint64 parts = partCount(a->sizeBytes, a->partSize);
    {
        Query q(
            conn,
            u"SELECT number, size FROM artifact_parts WHERE artifact_id = :a ORDER BY number"_s);
        q.bind(u":a"_s, a->id);
        if (!q.exec())
            return q.error();
        QJsonArray missing;
        qint64 expect = 1, recorded = 0;
        auto noteMissing = [&](qint64 upTo) {
            for (; expect < upTo; ++expect) {
                if (missing.size() < 100)
                    missing.append(double(expect));
            }
        };
        while (q.next()) {
            const qint64 n = q.i64(0);
            if (n < 1 || n > parts)
                continue;
            noteMissing(n);
            expect = n + 1;
            recorded += q.i64(1);
        }
        noteMissing(parts + 1);
        if (!missing.isEmpty()) {
            Error e = Error::conflict(u"Some parts have not been uploaded."_s);
            e.extra.insert(u"reason"_s, u"part_missing"_s);
            e.extra.insert(u"missing_parts"_s, missing);
            return e;
        }
        if (recorded != a->sizeBytes) {
            Error e = Error::conflict(
                u"The parts hold %1 bytes, not the declared %2."_s.arg(recorded).arg(a->sizeBytes));
            e.extra.insert(u"reason"_s, u"size_mismatch"_s);
            return e;
        }
    }

    // Streams the parts into the blob store, outside any transaction; the blob
    // is content-addressed and verified, so a concurrent part upload cannot make
    // it hold anything but the declared bytes.
    auto blob = m_blobs.assemble(a->id, parts, a->sizeBytes, a->sha256);
    if (!blob)
        return blob.error();

    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (!tx.lockRow(u"artifacts"_s, a->id))
        return Error::internal();
    // Committed already: a concurrent commit won.
    auto cur = loadVisible(tx.conn(), actor, artifactId, Role::Member);
    if (auto answer = finishedAnswer(cur, committed))
        return *answer;
    const qint64 now = m_ctx.clock->nowMs();
    if (auto e = endUpload(
            tx, a->id,
            u"UPDATE artifacts SET state = 'committed', committed_at = :t, upload_token_hash = "
            "NULL, upload_expires_at = NULL WHERE id = :id AND state = 'pending'"_s,
            {{u":t"_s, now}, {u":id"_s, a->id}});
        !e)
        return e.error();
    if (auto c = AuditService::commit(
            tx, now, actor, u"artifact.commit"_s, cur->workspaceId, u"artifact"_s, a->id,
            {{u"size_bytes"_s, double(cur->sizeBytes)}, {u"sha256"_s, cur->sha256}});
        !c)
        return c.error();
    m_blobs.removeUpload(a->id);
    cur->state = committed;
    cur->committedAt = now;
    cur->uploadExpiresAt = 0;
    return cur;
}

Result<Artifact> ArtifactService::abort(const Actor &actor, const QString &artifactId)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (ids::isUuid(artifactId) && !tx.lockRow(u"artifacts"_s, artifactId))
        return Error::internal();
    const QString aborted = u"aborted"_s;
    auto a = loadChangeable(tx.conn(), actor, artifactId);
    if (auto answer = finishedAnswer(a, aborted))
        return *answer;
    const qint64 now = m_ctx.clock->nowMs();
    if (auto e = endUpload(tx, a->id,
                           u"UPDATE artifacts SET state = 'aborted', upload_token_hash = NULL, "
                           u"upload_expires_at = NULL "
                           "WHERE id = :id AND state = 'pending'"_s,
                           {{u":id"_s, a->id}});
        !e)
        return e.error();
    if (auto c = AuditService::commit(tx, now, actor, u"artifact.abort"_s, a->workspaceId,
                                      u"artifact"_s, a->id);
        !c)
        return c.error();
    m_blobs.removeUpload(a->id);
    a->state = aborted;
    a->uploadExpiresAt = 0;
    return a;
}

Result<Artifact> ArtifactService::get(const Actor &actor, const QString &artifactId)
{
    return loadVisible(m_ctx.db->connection(), actor, artifactId, Role::Viewer);
}

Result<ArtifactDownload> ArtifactService::open(const Actor &actor, const QString &artifactId)
{
    auto a = get(actor, artifactId);
    if (!a)
        return a.error();
    if (a->state != QLatin1String("committed"))
        return Error::notFound(kArtifact);
    const QString path = m_blobs.blobPath(a->sha256);
    if (!m_blobs.hasBlob(a->sha256)) {
        qCWarning(lcBlobs) << "blob of committed artifact" << a->id << "is missing from the store";
        return Error{ErrorCode::Unavailable, u"The artifact's bytes are not available."_s};
    }
    return ArtifactDownload{*a, path, a->sizeBytes, a->sha256};
}

Result<Page<Artifact>> ArtifactService::list(const Actor &actor, const QString &runId, int limit,
                                             const QString &cursorText)
{
    if (limit < 1 || limit > cursor::kMaxLimit)
        return Error::validation(u"limit"_s, u"out_of_range"_s,
                                 u"limit must be between 1 and %1."_s.arg(cursor::kMaxLimit));
    if (!ids::isUuid(runId))
        return Error::notFound(kRun);
    auto keyset = Keyset::parse(cursorText, u"created_at"_s, u"id"_s);
    if (!keyset)
        return keyset.error();
    QSqlDatabase conn = m_ctx.db->connection();
    auto ws = runWorkspace(conn, runId);
    if (!ws)
        return ws.error();
    if (auto r = access::requireRole(conn, actor, *ws, Role::Viewer, kRun); !r)
        return r.error();
    return row::page<Artifact>(
        conn, u"SELECT "_s + kColumns + u" FROM artifacts WHERE run_id = :r"_s, *keyset, limit,
        [&](Query &q) { q.bind(u":r"_s, runId); }, readArtifact);
}

Result<int> ArtifactService::sweepStaleUploads(qint64 nowMs)
{
    constexpr int kBatch = 200;
    int aborted = 0;
    while (true) {
        QStringList stale;
        {
            Query q(
                m_ctx.db->connection(),
                u"SELECT id FROM artifacts WHERE state = 'pending' AND upload_expires_at <= :now "
                "ORDER BY upload_expires_at, id LIMIT :lim"_s);
            q.bind(u":now"_s, nowMs).bind(u":lim"_s, kBatch);
            if (!q.exec())
                return q.error();
            while (q.next())
                stale.append(q.str(0));
        }
        for (const QString &id : std::as_const(stale)) {
            auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
            if (!began)
                return began.error();
            Tx &tx = *began;
            if (!tx.lockRow(u"artifacts"_s, id))
                return Error::internal();
            auto a = loadArtifact(tx.conn(), id);
            if (!a)
                return a.error();
            if (a->state != QLatin1String("pending") || a->uploadExpiresAt > nowMs)
                continue; // committed, aborted or renewed meanwhile
            Query u = tx.query(u"UPDATE artifacts SET state = 'aborted', upload_token_hash = NULL, "
                               "upload_expires_at = NULL WHERE id = :id AND state = 'pending'"_s);
            u.bind(u":id"_s, id);
            Query d = tx.query(u"DELETE FROM artifact_parts WHERE artifact_id = :id"_s);
            d.bind(u":id"_s, id);
            if (!u.exec())
                return u.error();
            if (!d.exec())
                return d.error();
            if (auto c = AuditService::commit(tx, nowMs, Actor::system(), u"artifact.abort"_s,
                                              a->workspaceId, u"artifact"_s, id,
                                              {{u"reason"_s, u"upload_expired"_s}});
                !c)
                return c.error();
            m_blobs.removeUpload(id);
            ++aborted;
        }
        if (stale.size() < kBatch)
            break;
    }

    // Upload folders that outlived their artifact (a crash between commit and cleanup).
    const QStringList dirs = m_blobs.uploadIds();
    for (const QString &id : dirs) {
        Query q(m_ctx.db->connection(), u"SELECT state FROM artifacts WHERE id = :id"_s);
        q.bind(u":id"_s, id);
        if (!q.exec())
            return q.error();
        if (!q.next() || q.str(0) != QLatin1String("pending"))
            m_blobs.removeUpload(id);
    }
    m_blobs.removeStaleTemp(nowMs, m_opt.uploadTtlMs);
    return aborted;
}

} // namespace wfx
