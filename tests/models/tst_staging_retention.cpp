// SPDX-License-Identifier: Apache-2.0
// StagingRetention: what the store still holds under a project, on both backends.
#include "TestStore.h"

#include "runs/RunService.h"
#include "runs/StagingRetention.h"
#include "shares/ShareService.h"
#include "workspaces/WorkspaceService.h"

#include <QJsonArray>

using namespace wfx;

namespace {
QString S(const char *s) { return QString::fromLatin1(s); }
} // namespace

class TestStagingRetention : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, bob, ws, project;

    QString sync(const QString &clientRunId, int points)
    {
        QJsonArray metrics;
        for (int i = 0; i < points; ++i)
            metrics.append(QJsonObject{{S("name"), S("loss")}, {S("step"), i}, {S("value"), 1.0 / (i + 1)}});
        auto r = RunService(s->ctx).sync(Actor::user(alice), QJsonObject{{S("project_id"), project},
                                                                         {S("client_run_id"), clientRunId},
                                                                         {S("name"), clientRunId},
                                                                         {S("manifest"), QJsonObject{}},
                                                                         {S("metrics"), metrics},
                                                                         {S("log"), S("hello\n")}});
        if (!r)
            qFatal("sync failed: %s", qPrintable(r.error().message));
        return r->run.id;
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(S("alice@example.com"));
        bob = s->createUser(S("bob@example.com"));
        WorkspaceService w(s->ctx);
        ws = w.create(Actor::user(alice), S("lab"))->id;
        project = w.createProject(Actor::user(alice), ws, S("p"))->id;
    }
    void cleanup() { s.reset(); }

    void emptyProjectHoldsNothing()
    {
        auto p = StagingRetention(s->ctx).proof(Actor::user(alice), project);
        QVERIFY(p);
        QCOMPARE(p->value(S("runs")).toInt(), 0);
        QCOMPARE(p->value(S("metric_points")).toInt(), 0);
        QVERIFY(p->value(S("oldest_run_at")).isNull());
        QCOMPARE(p->value(S("digest")).toString().size(), 64);
    }

    void countsRunsPointsLogsAndActiveShares()
    {
        const QString run = sync(S("a"), 5);
        sync(S("b"), 7);
        auto share = ShareService(s->ctx).create(Actor::user(alice), ShareDraft{run, {}, {}, {}});
        QVERIFY(share);
        auto p = StagingRetention(s->ctx).proof(Actor::user(alice), project);
        QVERIFY(p);
        QCOMPARE(p->value(S("runs")).toInt(), 2);
        QCOMPARE(p->value(S("metric_points")).toInt(), 12);
        QCOMPARE(p->value(S("log_bytes")).toInt(), 12);
        QCOMPARE(p->value(S("active_shares")).toInt(), 1);
        QCOMPARE(p->value(S("workspace_id")).toString(), ws);
        QVERIFY(!p->value(S("oldest_run_at")).isNull());
        QVERIFY(ShareService(s->ctx).revoke(Actor::user(alice), share->share.id));
        QCOMPARE(StagingRetention(s->ctx).proof(Actor::user(alice), project)->value(S("active_shares")).toInt(), 0);
    }

    void digestChangesWithWhatIsHeld()
    {
        const QString before = StagingRetention(s->ctx).proof(Actor::user(alice), project)->value(S("digest")).toString();
        sync(S("a"), 1);
        const QString after = StagingRetention(s->ctx).proof(Actor::user(alice), project)->value(S("digest")).toString();
        QVERIFY(before != after);
    }

    void nonMemberAndUnknownProjectAreNotFound()
    {
        auto p = StagingRetention(s->ctx).proof(Actor::user(bob), project);
        QVERIFY(!p);
        QCOMPARE(p.error().code, ErrorCode::NotFound);
        QCOMPARE(StagingRetention(s->ctx).proof(Actor::user(alice), ids::newUuid()).error().code, ErrorCode::NotFound);
        QCOMPARE(StagingRetention(s->ctx).proof(Actor::user(alice), S("nope")).error().code, ErrorCode::NotFound);
    }

    void deletedProjectIsNotFound()
    {
        sync(S("a"), 3);
        QVERIFY(WorkspaceService(s->ctx).removeProject(Actor::user(alice), project));
        QCOMPARE(StagingRetention(s->ctx).proof(Actor::user(alice), project).error().code, ErrorCode::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestStagingRetention)
#include "tst_staging_retention.moc"
