// SPDX-License-Identifier: Apache-2.0
// Evidence packages and the staging fixture purge and retention proof, on
// SQLite and PostgreSQL (the HTTP side is in tests/server/tst_run_routes.cpp).
#include "TestStore.h"

#include "models/crypto/Crypto.h"
#include "models/crypto/Jcs.h"
#include "models/runs/EvidencePackager.h"
#include "models/runs/RunService.h"
#include "models/runs/StagingService.h"
#include "models/workspaces/WorkspaceService.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

using namespace wfx;

namespace {
const QByteArray kSeed(32, '\x07');
} // namespace

class TestEvidence : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, bob, ws, project;

    QString sync(const QString &clientRunId, const QString &projectId = {})
    {
        const QJsonObject body{
            {u"project_id"_s, projectId.isEmpty() ? project : projectId},
            {u"client_run_id"_s, clientRunId},
            {u"name"_s, QString(u"run "_s + clientRunId)},
            {u"manifest"_s, QJsonObject{{u"k"_s, 1}}},
            {u"metrics"_s,
             QJsonArray{QJsonObject{{u"name"_s, u"a,b"_s}, {u"step"_s, 2}, {u"value"_s, 0.1}}}},
            {u"log"_s, u"hello"_s}};
        auto r = RunService(s->ctx).sync(s->actor(alice), body);
        s->clock.advanceMs(1000);
        return r ? r->run.id : QString();
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(u"alice@example.com"_s);
        bob = s->createUser(u"bob@example.com"_s);
        ws = WorkspaceService(s->ctx).create(s->actor(alice), u"A"_s)->id;
        project = WorkspaceService(s->ctx).createProject(s->actor(alice), ws, u"P"_s)->id;
    }
    void cleanup() { s.reset(); }

    void packageListsEverySumAndIsSigned()
    {
        const QString id = sync(u"c1"_s);
        EvidencePackager packager(s->ctx, kSeed);
        auto pkg = packager.build(s->actor(alice), id);
        QVERIFY(pkg.ok());
        QCOMPARE(pkg->sha256, crypto::sha256Hex(pkg->zip));
        QCOMPARE(pkg->index.value(u"files"_s).toArray().size(), 5);
        const auto pub = crypto::ed25519PublicFromPrivate(kSeed);
        QVERIFY(crypto::ed25519Verify(*pub, jcs::canonicalize(pkg->index),
                                      QByteArray::fromBase64(pkg->indexSig.toLatin1())));
        // The CSV quotes a name holding a comma.
        QVERIFY(pkg->zip.contains("name,step,value\r\n\"a,b\",2,0.1\r\n"));
        QCOMPARE(s->auditCount(u"run.evidence_export"_s), 1);
    }

    void packageOfAForeignRunIsNotFound()
    {
        const QString id = sync(u"c1"_s);
        auto pkg = EvidencePackager(s->ctx, kSeed).build(s->actor(bob), id);
        QVERIFY(!pkg.ok());
        QCOMPARE(pkg.error().code, ErrorCode::NotFound);
        QCOMPARE(s->auditCount(u"run.evidence_export"_s), 0);
    }

    void purgeTakesOnlyPrefixedRunsOfTheProject()
    {
        const QString other =
            WorkspaceService(s->ctx).createProject(s->actor(alice), ws, u"Q"_s)->id;
        const QString e1 = sync(u"e2e-1"_s);
        const QString keep = sync(u"E2E-2"_s);
        const QString wild = sync(u"e2e_3"_s); // '_' would match a LIKE 'e2e_%' pattern
        const QString elsewhere = sync(u"e2e-1"_s, other);
        StagingService staging(s->ctx, kSeed);
        QCOMPARE(staging.purgeE2eTree(s->actor(bob), project).error().code, ErrorCode::NotFound);
        auto purge = staging.purgeE2eTree(s->actor(alice), project);
        QVERIFY(purge.ok());
        QCOMPARE(purge->runs.size(), 1);
        QCOMPARE(purge->runs.at(0).id, e1);
        RunService runs(s->ctx);
        QVERIFY(!runs.get(s->actor(alice), e1).ok());
        QVERIFY(runs.get(s->actor(alice), keep).ok());
        QVERIFY(runs.get(s->actor(alice), wild).ok());
        QVERIFY(runs.get(s->actor(alice), elsewhere).ok());
        QCOMPARE(s->auditCount(u"staging.e2e_purge"_s), 1);
        QVERIFY(staging.purgeE2eTree(s->actor(alice), project)->runs.isEmpty());
        QCOMPARE(s->auditCount(u"staging.e2e_purge"_s), 1);
    }

    void proofListsPurgedAndDeletedRunsNewestFirst()
    {
        const QString e1 = sync(u"e2e-1"_s);
        const QString manual = sync(u"m"_s);
        StagingService staging(s->ctx, kSeed);
        QVERIFY(staging.purgeE2eTree(s->actor(alice), project).ok());
        s->clock.advanceMs(5000);
        QVERIFY(RunService(s->ctx).remove(s->actor(alice), manual).ok());
        auto proof = staging.retentionProof(s->actor(alice), project);
        QVERIFY(proof.ok());
        const QJsonArray purged = proof->statement.value(u"purged"_s).toArray();
        QCOMPARE(purged.size(), 2);
        QCOMPARE(purged.at(0).toObject().value(u"id"_s).toString(), manual);
        QCOMPARE(purged.at(0).toObject().value(u"action"_s).toString(), u"run.delete"_s);
        QCOMPARE(purged.at(1).toObject().value(u"id"_s).toString(), e1);
        QCOMPARE(purged.at(1).toObject().value(u"client_run_id"_s).toString(), u"e2e-1"_s);
        const auto pub = crypto::ed25519PublicFromPrivate(kSeed);
        QVERIFY(crypto::ed25519Verify(*pub, jcs::canonicalize(proof->statement),
                                      QByteArray::fromBase64(proof->sig.toLatin1())));
        QCOMPARE(staging.retentionProof(s->actor(bob), project).error().code, ErrorCode::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestEvidence)
#include "tst_evidence.moc"
