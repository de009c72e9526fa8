// SPDX-License-Identifier: Apache-2.0
// Evidence packages and the staging fixture purge and retention proof, on
// SQLite and PostgreSQL (the HTTP side is in tests/server/tst_run_routes.cpp).
#include "TestStore.h"

#include "crypto/Crypto.h"
#include "crypto/Jcs.h"
#include "runs/EvidencePackager.h"
#include "runs/RunService.h"
#include "runs/StagingService.h"
#include "workspaces/WorkspaceService.h"

#include <QJsonArray>

using namespace wfx;

namespace {
QString S(const char *s)
{
    return QString::fromUtf8(s);
}
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
            {S("project_id"), projectId.isEmpty() ? project : projectId},
            {S("client_run_id"), clientRunId},
            {S("name"), QString(S("run ") + clientRunId)},
            {S("manifest"), QJsonObject{{S("k"), 1}}},
            {S("metrics"),
             QJsonArray{QJsonObject{{S("name"), S("a,b")}, {S("step"), 2}, {S("value"), 0.1}}}},
            {S("log"), S("hello")}};
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
        alice = s->createUser(S("alice@example.com"));
        bob = s->createUser(S("bob@example.com"));
        ws = WorkspaceService(s->ctx).create(s->actor(alice), S("A"))->id;
        project = WorkspaceService(s->ctx).createProject(s->actor(alice), ws, S("P"))->id;
    }
    void cleanup() { s.reset(); }

    void packageListsEverySumAndIsSigned()
    {
        const QString id = sync(S("c1"));
        EvidencePackager packager(s->ctx, kSeed);
        auto pkg = packager.build(s->actor(alice), id);
        QVERIFY(pkg.ok());
        QCOMPARE(pkg->sha256, crypto::sha256Hex(pkg->zip));
        QCOMPARE(pkg->index.value(S("files")).toArray().size(), 5);
        const auto pub = crypto::ed25519PublicFromPrivate(kSeed);
        QVERIFY(crypto::ed25519Verify(*pub, jcs::canonicalize(pkg->index),
                                      QByteArray::fromBase64(pkg->indexSig.toLatin1())));
        // The CSV quotes a name holding a comma.
        QVERIFY(pkg->zip.contains("name,step,value\r\n\"a,b\",2,0.1\r\n"));
        QCOMPARE(s->auditCount(S("run.evidence_export")), 1);
    }

    void packageOfAForeignRunIsNotFound()
    {
        const QString id = sync(S("c1"));
        auto pkg = EvidencePackager(s->ctx, kSeed).build(s->actor(bob), id);
        QVERIFY(!pkg.ok());
        QCOMPARE(pkg.error().code, ErrorCode::NotFound);
        QCOMPARE(s->auditCount(S("run.evidence_export")), 0);
    }

    void purgeTakesOnlyPrefixedRunsOfTheProject()
    {
        const QString other =
            WorkspaceService(s->ctx).createProject(s->actor(alice), ws, S("Q"))->id;
        const QString e1 = sync(S("e2e-1"));
        const QString keep = sync(S("E2E-2"));
        const QString wild = sync(S("e2e_3")); // '_' would match a LIKE 'e2e_%' pattern
        const QString elsewhere = sync(S("e2e-1"), other);
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
        QCOMPARE(s->auditCount(S("staging.e2e_purge")), 1);
        QVERIFY(staging.purgeE2eTree(s->actor(alice), project)->runs.isEmpty());
        QCOMPARE(s->auditCount(S("staging.e2e_purge")), 1);
    }

    void proofListsPurgedAndDeletedRunsNewestFirst()
    {
        const QString e1 = sync(S("e2e-1"));
        const QString manual = sync(S("m"));
        StagingService staging(s->ctx, kSeed);
        QVERIFY(staging.purgeE2eTree(s->actor(alice), project).ok());
        s->clock.advanceMs(5000);
        QVERIFY(RunService(s->ctx).remove(s->actor(alice), manual).ok());
        auto proof = staging.retentionProof(s->actor(alice), project);
        QVERIFY(proof.ok());
        const QJsonArray purged = proof->statement.value(S("purged")).toArray();
        QCOMPARE(purged.size(), 2);
        QCOMPARE(purged.at(0).toObject().value(S("id")).toString(), manual);
        QCOMPARE(purged.at(0).toObject().value(S("action")).toString(), S("run.delete"));
        QCOMPARE(purged.at(1).toObject().value(S("id")).toString(), e1);
        QCOMPARE(purged.at(1).toObject().value(S("client_run_id")).toString(), S("e2e-1"));
        const auto pub = crypto::ed25519PublicFromPrivate(kSeed);
        QVERIFY(crypto::ed25519Verify(*pub, jcs::canonicalize(proof->statement),
                                      QByteArray::fromBase64(proof->sig.toLatin1())));
        QCOMPARE(staging.retentionProof(s->actor(bob), project).error().code, ErrorCode::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestEvidence)
#include "tst_evidence.moc"
