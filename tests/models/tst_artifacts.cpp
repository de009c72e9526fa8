// SPDX-License-Identifier: Apache-2.0
#include "TestStore.h"

#include "models/artifacts/ArtifactService.h"
#include "models/artifacts/BlobStore.h"
#include "models/artifacts/ByteRange.h"
#include "models/workspaces/WorkspaceService.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>
#include <QSet>

using namespace wfx;

namespace {
QString L(const char *s)
{
    return QString::fromLatin1(s);
}
QString hexOf(const QByteArray &b)
{
    return crypto::sha256Hex(b);
}

// Every regular file below `dir`.
QStringList filesUnder(const QString &dir)
{
    QStringList out;
    QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        out << it.next();
    return out;
}
} // namespace

class TestArtifacts : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    std::unique_ptr<BlobStore> blobs;
    std::unique_ptr<ArtifactService> svc;
    QString alice, bob, wsA, wsB, runA, runB;

    static ArtifactService::Options tinyParts()
    {
        ArtifactService::Options o;
        o.partSize = 4;
        o.maxSizeBytes = 1000;
        return o;
    }

    QString insertRun(const QString &workspaceId, const QString &projectId)
    {
        const QString id = ids::newUuid();
        Query q(
            s->db->connection(),
            L("INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, status, "
              "created_at, evidence) VALUES (:id, :p, :w, :c, 'run', 'running', :t, 'unsigned')"));
        q.bind(L(":id"), id)
            .bind(L(":p"), projectId)
            .bind(L(":w"), workspaceId)
            .bind(L(":c"), id)
            .bind(L(":t"), s->clock.nowMs());
        if (!q.exec())
            qFatal("insert run: %s", qPrintable(q.errorText()));
        return id;
    }

    QString artifactState(const QString &id)
    {
        Query q(s->db->connection(), L("SELECT state FROM artifacts WHERE id = :id"));
        q.bind(L(":id"), id);
        return q.exec() && q.next() ? q.str(0) : QString();
    }

    Result<InitiatedUpload> start(const QByteArray &data, const QString &name = L("model.bin"))
    {
        return svc->initiate(s->actor(alice), runA, name, data.size(), hexOf(data), {});
    }

    // Sends the parts of `data` in the given order (default 1..n).
    void sendParts(const InitiatedUpload &up, const QByteArray &data, QList<int> order = {})
    {
        if (order.isEmpty()) {
            for (int n = 1; n <= up.parts; ++n)
                order << n;
        }
        for (int n : std::as_const(order)) {
            const QByteArray part = data.mid((n - 1) * up.partSize, up.partSize);
            auto r = svc->putPart(up.uploadToken, up.artifact.id, n, part);
            QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().message));
        }
    }

    QString uploadDir(const QString &artifactId)
    {
        return blobs->uploadRoot() + QLatin1Char('/') + artifactId;
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        blobs = std::make_unique<BlobStore>(s->dir.path());
        svc = std::make_unique<ArtifactService>(s->ctx, *blobs, tinyParts());
        alice = s->createUser(L("alice@example.com"));
        bob = s->createUser(L("bob@example.com"));
        WorkspaceService ws(s->ctx);
        wsA = ws.create(s->actor(alice), L("A"))->id;
        wsB = ws.create(s->actor(bob), L("B"))->id;
        runA = insertRun(wsA, ws.createProject(s->actor(alice), wsA, L("p"))->id);
        runB = insertRun(wsB, ws.createProject(s->actor(bob), wsB, L("q"))->id);
    }
    void cleanup()
    {
        svc.reset();
        blobs.reset();
        s.reset();
    }

    void initiateShowsTokenOnceAndStoresItsHash()
    {
        const QByteArray data("0123456789");
        auto up = start(data);
        QVERIFY(up.ok());
        QVERIFY(up->uploadToken.startsWith(L("wfxup_")));
        QCOMPARE(up->partSize, 4);
        QCOMPARE(up->parts, 3);
        QCOMPARE(up->expiresAt, s->clock.nowMs() + 24LL * 3600 * 1000);
        QCOMPARE(up->artifact.state, L("pending"));
        QCOMPARE(up->artifact.contentType, L("application/octet-stream"));
        QCOMPARE(up->artifact.workspaceId, wsA);
        Query q(s->db->connection(), L("SELECT upload_token_hash FROM artifacts WHERE id = :id"));
        q.bind(L(":id"), up->artifact.id);
        QVERIFY(q.exec() && q.next());
        QCOMPARE(q.str(0), hexOf(up->uploadToken.toUtf8()));
        QCOMPARE(s->auditCount(L("artifact.initiate")), 1);
    }

    void defaultPartSizeIsEightMiB()
    {
        ArtifactService plain(s->ctx, *blobs);
        auto up = plain.initiate(s->actor(alice), runA, L("big"), 8388608LL * 2 + 1,
                                 QString(64, QLatin1Char('a')), {});
        QVERIFY(up.ok());
        QCOMPARE(up->partSize, 8388608);
        QCOMPARE(up->parts, 3);
        auto empty = plain.initiate(s->actor(alice), runA, L("empty"), 0, hexOf({}), {});
        QCOMPARE(empty->parts, 1);
        auto huge = plain.initiate(s->actor(alice), runA, L("huge"), (64LL << 30) + 1,
                                   QString(64, QLatin1Char('a')), {});
        QCOMPARE(huge.error().code, ErrorCode::Validation);
        QCOMPARE(huge.error().details.value(0).issue, L("too_large"));
    }

    void happyPathWithPartsOutOfOrder()
    {
        const QByteArray data("The quick brown fox!"); // 20 bytes: 5 parts of 4
        auto up = start(data);
        QVERIFY(up.ok());
        QCOMPARE(up->parts, 5);
        sendParts(*up, data, {3, 5, 1, 4, 2});
        QCOMPARE(s->count(L("artifact_parts")), 5);

        auto c = svc->commit(s->actor(alice), up->artifact.id);
        QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().message));
        QCOMPARE(c->state, L("committed"));
        QCOMPARE(c->committedAt, s->clock.nowMs());
        QCOMPARE(artifactState(up->artifact.id), L("committed"));
        QCOMPARE(s->auditCount(L("artifact.commit")), 1);
        QCOMPARE(s->count(L("artifact_parts")), 0);
        QVERIFY(!QFileInfo::exists(uploadDir(up->artifact.id)));

        auto dl = svc->open(s->actor(alice), up->artifact.id);
        QVERIFY(dl.ok());
        QCOMPARE(dl->size, data.size());
        QCOMPARE(dl->sha256, hexOf(data));
        QCOMPARE(dl->etag(), QLatin1Char('"') + hexOf(data) + QLatin1Char('"'));
        const QString sha = hexOf(data);
        QCOMPARE(dl->path, s->dir.path() + L("/blobs/sha256/") + sha.left(2) + QLatin1Char('/') +
                               sha.mid(2, 2) + QLatin1Char('/') + sha);
        QFile f(dl->path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), data);
    }

    void commitAgainReturnsItWithoutAudit()
    {
        const QByteArray data("abcdef");
        auto up = start(data);
        sendParts(*up, data);
        QVERIFY(svc->commit(s->actor(alice), up->artifact.id).ok());
        auto again = svc->commit(s->actor(alice), up->artifact.id);
        QVERIFY(again.ok());
        QCOMPARE(again->state, L("committed"));
        QCOMPARE(s->auditCount(L("artifact.commit")), 1);
    }

    void toJsonHasTheContractFields()
    {
        const QByteArray data("abc");
        auto up = start(data, L("weights.pt"));
        QJsonObject o = up->artifact.toJson();
        const QStringList keys{L("id"),         L("run_id"),      L("workspace_id"), L("name"),
                               L("size_bytes"), L("sha256"),      L("content_type"), L("state"),
                               L("created_at"), L("committed_at")};
        const QStringList have = o.keys();
        QCOMPARE(QSet<QString>(have.begin(), have.end()), QSet<QString>(keys.begin(), keys.end()));
        QVERIFY(o.value(L("committed_at")).isNull());
        QCOMPARE(o.value(L("size_bytes")).toInteger(), 3);
        QCOMPARE(o.value(L("created_at")).toString(), ids::formatTime(s->clock.nowMs()));
        sendParts(*up, data);
        s->clock.advanceMs(5);
        o = svc->commit(s->actor(alice), up->artifact.id)->toJson();
        QCOMPARE(o.value(L("state")).toString(), L("committed"));
        QCOMPARE(o.value(L("committed_at")).toString(), ids::formatTime(s->clock.nowMs()));
        const QJsonObject part = UploadedPart{2, 4, L("ab")}.toJson();
        QCOMPARE(part.value(L("number")).toInteger(), 2);
        QCOMPARE(part.value(L("size")).toInteger(), 4);
        QCOMPARE(part.value(L("sha256")).toString(), L("ab"));
    }

    void partSentAgainLastWins()
    {
        const QByteArray data("12345678");
        auto up = start(data);
        auto first = svc->putPart(up->uploadToken, up->artifact.id, 1, QByteArray("XXXX"));
        QVERIFY(first.ok());
        QCOMPARE(first->sha256, hexOf("XXXX"));
        auto second = svc->putPart(up->uploadToken, up->artifact.id, 1, QByteArray("1234"));
        QVERIFY(second.ok());
        QCOMPARE(second->number, 1);
        QCOMPARE(second->size, 4);
        QCOMPARE(second->sha256, hexOf("1234"));
        QCOMPARE(s->count(L("artifact_parts")), 1);
        QVERIFY(svc->putPart(up->uploadToken, up->artifact.id, 2, QByteArray("5678")).ok());
        auto c = svc->commit(s->actor(alice), up->artifact.id);
        QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().message));
        QFile f(svc->open(s->actor(alice), up->artifact.id)->path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), data);
    }

    void partOverPartSizeIsTooLarge()
    {
        const QByteArray data("12345678");
        auto up = start(data);
        auto r = svc->putPart(up->uploadToken, up->artifact.id, 1, QByteArray("12345"));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::PayloadTooLarge);
        QCOMPARE(errorHttpStatus(r.error().code), 413);
        QCOMPARE(errorCodeName(r.error().code), L("payload_too_large"));
        QCOMPARE(s->count(L("artifact_parts")), 0);
        QVERIFY(!QFileInfo::exists(blobs->partPath(up->artifact.id, 1)));
    }

    void partNumberOutOfRange_data()
    {
        QTest::addColumn<int>("number");
        QTest::newRow("zero") << 0;
        QTest::newRow("negative") << -1;
        QTest::newRow("past last") << 3;
    }
    void partNumberOutOfRange()
    {
        QFETCH(int, number);
        const QByteArray data("12345678");
        auto up = start(data);
        auto r = svc->putPart(up->uploadToken, up->artifact.id, number, QByteArray("1"));
        QCOMPARE(r.error().code, ErrorCode::Validation);
        QCOMPARE(r.error().details.value(0).field, L("part_number"));
        QCOMPARE(s->count(L("artifact_parts")), 0);
    }

    void missingPartIsConflict()
    {
        const QByteArray data("0123456789abcdef"); // 4 parts
        auto up = start(data);
        sendParts(*up, data, {1, 3});
        auto c = svc->commit(s->actor(alice), up->artifact.id);
        QVERIFY(!c.ok());
        QCOMPARE(c.error().code, ErrorCode::Conflict);
        QCOMPARE(c.error().extra.value(L("reason")).toString(), L("part_missing"));
        QCOMPARE(c.error().extra.value(L("missing_parts")).toArray(), (QJsonArray{2, 4}));
        QCOMPARE(artifactState(up->artifact.id), L("pending"));
        QCOMPARE(s->auditCount(L("artifact.commit")), 0);
        QVERIFY(filesUnder(blobs->blobRoot()).isEmpty());
        // The upload stays open: the rest can still come.
        sendParts(*up, data, {2, 4});
        QVERIFY(svc->commit(s->actor(alice), up->artifact.id).ok());
    }

    void sizeMismatchIsConflictAndNothingCommitted()
    {
        const QByteArray data("0123456789ab"); // 12 bytes: 3 full parts
        auto up = start(data);
        sendParts(*up, data, {1, 2});
        QVERIFY(svc->putPart(up->uploadToken, up->artifact.id, 3, QByteArray("89a"))
                    .ok()); // one byte short
        auto c = svc->commit(s->actor(alice), up->artifact.id);
        QVERIFY(!c.ok());
        QCOMPARE(c.error().code, ErrorCode::Conflict);
        QCOMPARE(c.error().extra.value(L("reason")).toString(), L("size_mismatch"));
        QCOMPARE(artifactState(up->artifact.id), L("pending"));
        QCOMPARE(s->auditCount(L("artifact.commit")), 0);
        QVERIFY(filesUnder(blobs->blobRoot()).isEmpty());
        QCOMPARE(svc->open(s->actor(alice), up->artifact.id).error().code, ErrorCode::NotFound);
        // The client re-uploads the part and commits.
        sendParts(*up, data, {3});
        QVERIFY(svc->commit(s->actor(alice), up->artifact.id).ok());
    }

    void sizeMismatchFoundWhileStreaming()
    {
        // The recorded part sizes agree with the declaration but a part file on
        // disk does not (e.g. changed behind our back): the streaming check catches it.
        const QByteArray data("01234567");
        auto up = start(data);
        sendParts(*up, data);
        QFile f(blobs->partPath(up->artifact.id, 2));
        QVERIFY(f.open(QIODevice::Append));
        f.write("!");
        f.close();
        auto c = svc->commit(s->actor(alice), up->artifact.id);
        QVERIFY(!c.ok());
        QCOMPARE(c.error().code, ErrorCode::Conflict);
        QCOMPARE(c.error().extra.value(L("reason")).toString(), L("size_mismatch"));
        QCOMPARE(artifactState(up->artifact.id), L("pending"));
        QVERIFY(filesUnder(blobs->blobRoot()).isEmpty());
    }

    void shaMismatchIsConflictAndNothingCommitted()
    {
        const QByteArray declared("abcdefgh");
        const QByteArray sent("abcdefgX");
        auto up = start(declared);
        sendParts(*up, sent);
        auto c = svc->commit(s->actor(alice), up->artifact.id);
        QVERIFY(!c.ok());
        QCOMPARE(c.error().code, ErrorCode::Conflict);
        QCOMPARE(c.error().extra.value(L("reason")).toString(), L("sha256_mismatch"));
        QCOMPARE(artifactState(up->artifact.id), L("pending"));
        QCOMPARE(s->auditCount(L("artifact.commit")), 0);
        QVERIFY(filesUnder(blobs->blobRoot()).isEmpty());
        QVERIFY(!blobs->hasBlob(hexOf(declared)));
        QVERIFY(!blobs->hasBlob(hexOf(sent)));
        // The parts are kept so the client may fix the one that was wrong.
        QVERIFY(QFileInfo::exists(blobs->partPath(up->artifact.id, 1)));
        sendParts(*up, declared, {2});
        QVERIFY(svc->commit(s->actor(alice), up->artifact.id).ok());
    }

    void abortRemovesParts()
    {
        const QByteArray data("0123456789");
        auto up = start(data);
        sendParts(*up, data);
        QVERIFY(QFileInfo::exists(uploadDir(up->artifact.id)));
        auto a = svc->abort(s->actor(alice), up->artifact.id);
        QVERIFY(a.ok());
        QCOMPARE(a->state, L("aborted"));
        QCOMPARE(artifactState(up->artifact.id), L("aborted"));
        QVERIFY(!QFileInfo::exists(uploadDir(up->artifact.id)));
        QCOMPARE(s->count(L("artifact_parts")), 0);
        QCOMPARE(s->auditCount(L("artifact.abort")), 1);
        QCOMPARE(svc->putPart(up->uploadToken, up->artifact.id, 1, QByteArray("0123")).error().code,
                 ErrorCode::NotFound);
        QVERIFY(!QFileInfo::exists(uploadDir(up->artifact.id)));
        QCOMPARE(svc->open(s->actor(alice), up->artifact.id).error().code, ErrorCode::NotFound);
        QCOMPARE(svc->commit(s->actor(alice), up->artifact.id).error().code, ErrorCode::Conflict);
        // Aborting again changes nothing and writes nothing.
        QCOMPARE(svc->abort(s->actor(alice), up->artifact.id)->state, L("aborted"));
        QCOMPARE(s->auditCount(L("artifact.abort")), 1);
    }

    void committedArtifactCannotBeAborted()
    {
        const QByteArray data("abc");
        auto up = start(data);
        sendParts(*up, data);
        QVERIFY(svc->commit(s->actor(alice), up->artifact.id).ok());
        QCOMPARE(svc->abort(s->actor(alice), up->artifact.id).error().code, ErrorCode::Conflict);
        QVERIFY(svc->open(s->actor(alice), up->artifact.id).ok());
    }

    void downloadOnlyWhenCommitted()
    {
        const QByteArray data("abcdefg");
        auto up = start(data);
        QCOMPARE(svc->open(s->actor(alice), up->artifact.id).error().code, ErrorCode::NotFound);
        sendParts(*up, data);
        QCOMPARE(svc->open(s->actor(alice), up->artifact.id).error().code, ErrorCode::NotFound);
        QVERIFY(svc->get(s->actor(alice), up->artifact.id).ok());
        QVERIFY(svc->commit(s->actor(alice), up->artifact.id).ok());
        QVERIFY(svc->open(s->actor(alice), up->artifact.id).ok());
        QCOMPARE(svc->open(s->actor(alice), ids::newUuid()).error().code, ErrorCode::NotFound);
        QCOMPARE(svc->open(s->actor(alice), L("../../etc/passwd")).error().code,
                 ErrorCode::NotFound);
    }

    void otherWorkspacesAreNotFound()
    {
        const QByteArray data("abcdefg");
        QCOMPARE(
            svc->initiate(s->actor(bob), runA, L("x"), data.size(), hexOf(data), {}).error().code,
            ErrorCode::NotFound);
        QCOMPARE(
            svc->initiate(s->actor(alice), ids::newUuid(), L("x"), 1, hexOf("x"), {}).error().code,
            ErrorCode::NotFound);
        auto up = start(data);
        sendParts(*up, data);
        const Actor b = s->actor(bob);
        QCOMPARE(svc->get(b, up->artifact.id).error().code, ErrorCode::NotFound);
        QCOMPARE(svc->commit(b, up->artifact.id).error().code, ErrorCode::NotFound);
        QCOMPARE(svc->abort(b, up->artifact.id).error().code, ErrorCode::NotFound);
        QCOMPARE(svc->list(b, runA, 50, {}).error().code, ErrorCode::NotFound);
        QCOMPARE(artifactState(up->artifact.id), L("pending"));
        QVERIFY(svc->commit(s->actor(alice), up->artifact.id).ok());
        QCOMPARE(svc->open(b, up->artifact.id).error().code, ErrorCode::NotFound);
        // Alice's key scoped to another workspace does not reach it either.
        WorkspaceService ws(s->ctx);
        Actor scoped = s->actor(alice);
        scoped.keyWorkspaceId = ws.create(s->actor(alice), L("C"))->id;
        QCOMPARE(svc->open(scoped, up->artifact.id).error().code, ErrorCode::NotFound);
        QCOMPARE(s->auditCount(L("artifact.abort")), 0);
    }

    void viewersReadButDoNotWrite()
    {
        WorkspaceService ws(s->ctx);
        auto inv = ws.invite(s->actor(alice), wsA, L("bob@example.com"), L("viewer"));
        QVERIFY(ws.acceptInvitation(s->actor(bob), inv->token).ok());
        const QByteArray data("abc");
        QCOMPARE(
            svc->initiate(s->actor(bob), runA, L("x"), data.size(), hexOf(data), {}).error().code,
            ErrorCode::Forbidden);
        auto up = start(data);
        sendParts(*up, data);
        QCOMPARE(svc->commit(s->actor(bob), up->artifact.id).error().code, ErrorCode::Forbidden);
        QCOMPARE(svc->abort(s->actor(bob), up->artifact.id).error().code, ErrorCode::Forbidden);
        QVERIFY(svc->get(s->actor(bob), up->artifact.id).ok());
        QCOMPARE(svc->list(s->actor(bob), runA, 50, {})->items.size(), 1);
    }

    void restrictedUserCannotUpload()
    {
        Query q(s->db->connection(), L("UPDATE users SET restricted = 1 WHERE id = :u"));
        q.bind(L(":u"), alice);
        QVERIFY(q.exec());
        auto up = start(QByteArray("abc"));
        QCOMPARE(up.error().code, ErrorCode::Forbidden);
        QCOMPARE(s->count(L("artifacts")), 0);
    }

    void expiredUploadTokenIsRefused()
    {
        const QByteArray data("0123456789");
        auto up = start(data);
        sendParts(*up, data, {1});
        s->clock.advanceMs(24LL * 3600 * 1000);
        QCOMPARE(svc->putPart(up->uploadToken, up->artifact.id, 2, QByteArray("4567")).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(s->count(L("artifact_parts")), 1);
        QCOMPARE(svc->commit(s->actor(alice), up->artifact.id).error().code, ErrorCode::Conflict);
        QCOMPARE(artifactState(up->artifact.id), L("pending"));
    }

    void unknownOrForeignTokenIsRefused()
    {
        const QByteArray data("01234567");
        auto one = start(data);
        auto two = start(data, L("other"));
        QCOMPARE(
            svc->putPart(two->uploadToken, one->artifact.id, 1, QByteArray("0123")).error().code,
            ErrorCode::NotFound);
        QCOMPARE(
            svc->putPart(L("wfxup_nope"), one->artifact.id, 1, QByteArray("0123")).error().code,
            ErrorCode::NotFound);
        QCOMPARE(svc->putPart(QString(), one->artifact.id, 1, QByteArray("0123")).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(
            svc->putPart(one->uploadToken, L("not-a-uuid"), 1, QByteArray("0123")).error().code,
            ErrorCode::NotFound);
        QCOMPARE(s->count(L("artifact_parts")), 0);
    }

    void tokenStopsWorkingAfterCommit()
    {
        const QByteArray data("abcd");
        auto up = start(data);
        sendParts(*up, data);
        QVERIFY(svc->commit(s->actor(alice), up->artifact.id).ok());
        QCOMPARE(svc->putPart(up->uploadToken, up->artifact.id, 1, QByteArray("zzzz")).error().code,
                 ErrorCode::NotFound);
        QFile f(svc->open(s->actor(alice), up->artifact.id)->path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), data);
    }

    void sweepAbortsExpiredUploads()
    {
        const QByteArray data("0123456789");
        auto stale = start(data);
        sendParts(*stale, data, {1, 2});
        s->clock.advanceMs(1000);
        auto fresh = start(data, L("fresh"));
        QCOMPARE(svc->sweepStaleUploads(s->clock.nowMs()).value(), 0);
        const qint64 at = stale->expiresAt;
        auto swept = svc->sweepStaleUploads(at);
        QVERIFY(swept.ok());
        QCOMPARE(*swept, 1);
        QCOMPARE(artifactState(stale->artifact.id), L("aborted"));
        QCOMPARE(artifactState(fresh->artifact.id), L("pending"));
        QVERIFY(!QFileInfo::exists(uploadDir(stale->artifact.id)));
        QCOMPARE(s->count(L("artifact_parts")), 0);
        Query q(s->db->connection(),
                L("SELECT actor_id, workspace_id FROM audit_log WHERE action = 'artifact.abort'"));
        QVERIFY(q.exec() && q.next());
        QVERIFY(q.isNull(0));
        QCOMPARE(q.str(1), wsA);
        QVERIFY(!q.next());
        // Nothing left to do: a second pass changes nothing.
        QCOMPARE(svc->sweepStaleUploads(at).value(), 0);
        QCOMPARE(s->auditCount(L("artifact.abort")), 1);
    }

    void sweepRemovesOrphanUploadFolders()
    {
        const QByteArray data("01234567");
        auto pending = start(data);
        sendParts(*pending, data, {1});
        const QString orphan = blobs->uploadRoot() + QLatin1Char('/') + ids::newUuid();
        QVERIFY(QDir().mkpath(orphan));
        QFile junk(orphan + L("/1"));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.close();
        QVERIFY(svc->sweepStaleUploads(s->clock.nowMs()).ok());
        QVERIFY(!QFileInfo::exists(orphan));
        QVERIFY(QFileInfo::exists(blobs->partPath(pending->artifact.id, 1)));
    }

    void validation_data()
    {
        QTest::addColumn<QString>("run");
        QTest::addColumn<QString>("name");
        QTest::addColumn<qint64>("size");
        QTest::addColumn<QString>("sha");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("issue");
        const QString sha = hexOf("x");
        QTest::newRow("run id") << L("nope") << L("a") << qint64(1) << sha << QString()
                                << L("run_id") << L("invalid");
        QTest::newRow("no run") << QString() << L("a") << qint64(1) << sha << QString()
                                << L("run_id") << L("required");
        QTest::newRow("empty name")
            << L("*") << QString() << qint64(1) << sha << QString() << L("name") << L("required");
        QTest::newRow("blank name")
            << L("*") << L("  ") << qint64(1) << sha << QString() << L("name") << L("required");
        QTest::newRow("long name") << L("*") << QString(256, QLatin1Char('n')) << qint64(1) << sha
                                   << QString() << L("name") << L("too_long");
        QTest::newRow("control") << L("*") << L("a\nb") << qint64(1) << sha << QString()
                                 << L("name") << L("invalid");
        QTest::newRow("negative") << L("*") << L("a") << qint64(-1) << sha << QString()
                                  << L("size_bytes") << L("invalid");
        QTest::newRow("too big") << L("*") << L("a") << qint64(1001) << sha << QString()
                                 << L("size_bytes") << L("too_large");
        QTest::newRow("upper sha") << L("*") << L("a") << qint64(1) << sha.toUpper() << QString()
                                   << L("sha256") << L("invalid");
        QTest::newRow("short sha") << L("*") << L("a") << qint64(1) << sha.left(63) << QString()
                                   << L("sha256") << L("invalid");
        QTest::newRow("no sha") << L("*") << L("a") << qint64(1) << QString() << QString()
                                << L("sha256") << L("required");
        QTest::newRow("type") << L("*") << L("a") << qint64(1) << sha << L("text")
                              << L("content_type") << L("invalid");
        QTest::newRow("type header")
            << L("*") << L("a") << qint64(1) << sha << L("text/plain\r\nX: y") << L("content_type")
            << L("invalid");
        QTest::newRow("long type") << L("*") << L("a") << qint64(1) << sha
                                   << QString(L("a/") + QString(254, QLatin1Char('b')))
                                   << L("content_type") << L("too_long");
    }
    void validation()
    {
        QFETCH(QString, run);
        QFETCH(QString, name);
        QFETCH(qint64, size);
        QFETCH(QString, sha);
        QFETCH(QString, type);
        QFETCH(QString, field);
        QFETCH(QString, issue);
        auto r = svc->initiate(s->actor(alice), run == L("*") ? runA : run, name, size, sha, type);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Validation);
        QCOMPARE(r.error().details.size(), 1);
        QCOMPARE(r.error().details.value(0).field, field);
        QCOMPARE(r.error().details.value(0).issue, issue);
        QCOMPARE(s->count(L("artifacts")), 0);
        QCOMPARE(s->auditCount(L("artifact.initiate")), 0);
    }

    void emptyArtifactHasOneEmptyPart()
    {
        auto up = start(QByteArray());
        QCOMPARE(up->parts, 1);
        auto p = svc->putPart(up->uploadToken, up->artifact.id, 1, QByteArray());
        QVERIFY(p.ok());
        QCOMPARE(p->size, 0);
        auto c = svc->commit(s->actor(alice), up->artifact.id);
        QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().message));
        QCOMPARE(QFileInfo(svc->open(s->actor(alice), up->artifact.id)->path).size(), 0);
    }

    void sameBytesShareOneBlob()
    {
        const QByteArray data("same bytes");
        auto one = start(data, L("one"));
        auto two = start(data, L("two"));
        sendParts(*one, data);
        sendParts(*two, data);
        QVERIFY(svc->commit(s->actor(alice), one->artifact.id).ok());
        QVERIFY(svc->commit(s->actor(alice), two->artifact.id).ok());
        QCOMPARE(svc->open(s->actor(alice), one->artifact.id)->path,
                 svc->open(s->actor(alice), two->artifact.id)->path);
        QCOMPARE(filesUnder(blobs->blobRoot()).size(), 1);
    }

    void namesAreNeverPaths()
    {
        const QByteArray data("evil");
        auto up = start(data, L("../../../../tmp/evil"));
        QVERIFY(up.ok());
        sendParts(*up, data);
        QVERIFY(svc->commit(s->actor(alice), up->artifact.id).ok());
        const QStringList files = filesUnder(s->dir.path());
        for (const QString &f : files)
            QVERIFY2(!f.contains(L("evil")), qPrintable(f));
        QVERIFY(blobs->partPath(L("../x"), 1).isEmpty());
        QVERIFY(blobs->partPath(ids::newUuid(), 0).isEmpty());
        QVERIFY(blobs->blobPath(L("../../etc/passwd")).isEmpty());
    }

    void listPagesNewestFirst()
    {
        QStringList made;
        for (int i = 0; i < 5; ++i) {
            made.prepend(start(QByteArray::number(i), L("a%1").arg(i))->artifact.id);
            if (i % 2)
                s->clock.advanceMs(1);
        }
        QStringList seen;
        QString cur;
        int pages = 0;
        do {
            auto p = svc->list(s->actor(alice), runA, 2, cur);
            QVERIFY(p.ok());
            for (const auto &a : p->items)
                seen << a.name;
            cur = p->nextCursor;
            ++pages;
        } while (!cur.isEmpty());
        QCOMPARE(pages, 3);
        QCOMPARE(seen.size(), 5);
        QCOMPARE(QSet<QString>(seen.begin(), seen.end()).size(), 5);
        QCOMPARE(seen.first(), L("a4"));
        QCOMPARE(svc->list(s->actor(alice), runA, 2, L("bogus")).error().code,
                 ErrorCode::Validation);
        QCOMPARE(svc->list(s->actor(alice), runA, 0, {}).error().code, ErrorCode::Validation);
        QCOMPARE(svc->list(s->actor(alice), runA, 201, {}).error().code, ErrorCode::Validation);
        QCOMPARE(svc->list(s->actor(alice), runB, 50, {}).error().code, ErrorCode::NotFound);
    }

    void blobStoreHealth()
    {
        QVERIFY(blobs->health().ok());
        QVERIFY(filesUnder(blobs->blobRoot()).isEmpty()); // the probe is removed
        const QString file = s->dir.filePath(L("not-a-folder"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        BlobStore broken(s->dir.path(), file + L("/blobs"));
        auto h = broken.health();
        QVERIFY(!h.ok());
        QCOMPARE(h.error().code, ErrorCode::Unavailable);
    }

    void parseRange_data()
    {
        QTest::addColumn<QString>("header");
        QTest::addColumn<qint64>("size");
        QTest::addColumn<int>("kind");
        QTest::addColumn<qint64>("start");
        QTest::addColumn<qint64>("end");
        const int full = int(ByteRange::Kind::Full), part = int(ByteRange::Kind::Partial),
                  bad = int(ByteRange::Kind::Unsatisfiable);
        QTest::newRow("none") << QString() << qint64(100) << full << qint64(0) << qint64(-1);
        QTest::newRow("first ten")
            << L("bytes=0-9") << qint64(100) << part << qint64(0) << qint64(9);
        QTest::newRow("suffix") << L("bytes=-5") << qint64(100) << part << qint64(95) << qint64(99);
        QTest::newRow("suffix longer than size")
            << L("bytes=-500") << qint64(100) << part << qint64(0) << qint64(99);
        QTest::newRow("open end") << L("bytes=5-") << qint64(100) << part << qint64(5)
                                  << qint64(99);
        QTest::newRow("end clamped")
            << L("bytes=90-200") << qint64(100) << part << qint64(90) << qint64(99);
        QTest::newRow("last byte")
            << L("bytes=99-99") << qint64(100) << part << qint64(99) << qint64(99);
        QTest::newRow("unit case")
            << L("Bytes=1-2") << qint64(100) << part << qint64(1) << qint64(2);
        QTest::newRow("multiple") << L("bytes=0-1,5-6") << qint64(100) << full << qint64(0)
                                  << qint64(-1);
        QTest::newRow("start beyond")
            << L("bytes=100-") << qint64(100) << bad << qint64(0) << qint64(-1);
        QTest::newRow("range beyond")
            << L("bytes=150-160") << qint64(100) << bad << qint64(0) << qint64(-1);
        QTest::newRow("huge start")
            << L("bytes=99999999999999999999-") << qint64(100) << bad << qint64(0) << qint64(-1);
        QTest::newRow("zero suffix")
            << L("bytes=-0") << qint64(100) << bad << qint64(0) << qint64(-1);
        QTest::newRow("empty file") << L("bytes=0-") << qint64(0) << bad << qint64(0) << qint64(-1);
        QTest::newRow("reversed") << L("bytes=9-0") << qint64(100) << full << qint64(0)
                                  << qint64(-1);
        QTest::newRow("other unit")
            << L("items=0-9") << qint64(100) << full << qint64(0) << qint64(-1);
        QTest::newRow("garbage") << L("bytes=a-b") << qint64(100) << full << qint64(0)
                                 << qint64(-1);
        QTest::newRow("no dash") << L("bytes=5") << qint64(100) << full << qint64(0) << qint64(-1);
        QTest::newRow("signed") << L("bytes=+1-2") << qint64(100) << full << qint64(0)
                                << qint64(-1);
    }
    void parseRange()
    {
        QFETCH(QString, header);
        QFETCH(qint64, size);
        QFETCH(int, kind);
        QFETCH(qint64, start);
        QFETCH(qint64, end);
        const ByteRange r = ByteRange::parse(header, size);
        QCOMPARE(int(r.kind), kind);
        if (r.kind == ByteRange::Kind::Partial) {
            QCOMPARE(r.start, start);
            QCOMPARE(r.end, end);
            QCOMPARE(r.length(), end - start + 1);
        }
    }

    void contentRangeHeader()
    {
        QCOMPARE(ByteRange::parse(L("bytes=0-9"), 100).contentRange(100), L("bytes 0-9/100"));
        QCOMPARE(ByteRange::parse(L("bytes=200-"), 100).contentRange(100), L("bytes */100"));
        QVERIFY(ByteRange::parse(QString(), 100).contentRange(100).isEmpty());
    }

    // An artifact's JSON, byte for byte (it comes from a field table).
    void artifactJsonBytes()
    {
        Artifact a;
        a.id = L("6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b");
        a.runId = L("7f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b");
        a.workspaceId = L("8f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b");
        a.name = L("w \"1\".pt");
        a.sha256 = QString(64, u'a');
        a.contentType = L("application/octet-stream");
        a.state = L("pending");
        a.sizeBytes = 3;
        a.partSize = 4;
        a.createdAt = 1'800'000'000'123LL;
        a.uploadExpiresAt = a.createdAt + 1;
        const QString shape =
            L("{\"committed_at\":%1,\"content_type\":\"application/octet-stream\","
              "\"created_at\":\"%2\",\"id\":\"6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b\","
              "\"name\":\"w \\\"1\\\".pt\",\"run_id\":\"7f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b\","
              "\"sha256\":\"%3\",\"size_bytes\":3,\"state\":\"%4\","
              "\"workspace_id\":\"8f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b\"}");
        auto bytes = [](const Artifact &x) {
            return QString::fromUtf8(QJsonDocument(x.toJson()).toJson(QJsonDocument::Compact));
        };
        const QString created = ids::formatTime(a.createdAt);
        QCOMPARE(bytes(a), shape.arg(L("null"), created, a.sha256, a.state));
        a.state = L("committed");
        a.committedAt = a.createdAt + 5;
        QCOMPARE(bytes(a), shape.arg(QString(u'"' + ids::formatTime(a.committedAt) + u'"'), created,
                                     a.sha256, a.state));
    }
};

QTEST_GUILESS_MAIN(TestArtifacts)
#include "tst_artifacts.moc"
