// SPDX-License-Identifier: Apache-2.0
#include "TestStore.h"

#include "models/audit/AuditService.h"
#include "models/workspaces/WorkspaceService.h"

#include <QSet>
#include <QSignalSpy>

using namespace wfx;

class TestWorkspaces : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, bob;

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(QStringLiteral("alice@example.com"));
        bob = s->createUser(QStringLiteral("bob@example.com"));
    }
    void cleanup() { s.reset(); }

    void migrationsAreIdempotent()
    {
        const int v = s->db->schemaVersion();
        QVERIFY(v >= 1);
        QVERIFY(s->db->migrate().ok());
        QCOMPARE(s->db->schemaVersion(), v);
    }

    void createListGet()
    {
        WorkspaceService ws(s->ctx);
        QSignalSpy spy(&s->bus, &ChangeBus::changed);
        auto w = ws.create(s->actor(alice), QStringLiteral("  Lab  "));
        QVERIFY2(w.ok(), qPrintable(w.ok() ? QString() : w.error().message));
        QCOMPARE(w->name, QStringLiteral("Lab"));
        QCOMPARE(w->plan, QStringLiteral("free"));
        QCOMPARE(w->limits.size(), 3);
        QVERIFY(w->limits.value(QStringLiteral("runs")) > 0);
        QVERIFY(ids::isUuid(w->id));
        QVERIFY(spy.count() >= 1);
        QCOMPARE(s->auditCount(QStringLiteral("workspace.create")), 1);

        auto page = ws.list(s->actor(alice), 50, {});
        QVERIFY(page.ok());
        QCOMPARE(page->items.size(), 1);
        QCOMPARE(page->items[0].role, QStringLiteral("owner"));
        QVERIFY(ws.get(s->actor(alice), w->id).ok());
    }

    void validation_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("issue");
        QTest::newRow("empty") << QString() << QStringLiteral("required");
        QTest::newRow("blank") << QStringLiteral("   ") << QStringLiteral("required");
        QTest::newRow("long") << QString(201, QLatin1Char('x')) << QStringLiteral("too_long");
        QTest::newRow("control") << QStringLiteral("a\u0001b") << QStringLiteral("invalid");
    }
    void validation()
    {
        QFETCH(QString, name);
        QFETCH(QString, issue);
        WorkspaceService ws(s->ctx);
        auto w = ws.create(s->actor(alice), name);
        QVERIFY(!w.ok());
        QCOMPARE(w.error().code, ErrorCode::Validation);
        QCOMPARE(w.error().details.value(0).field, QStringLiteral("name"));
        QCOMPARE(w.error().details.value(0).issue, issue);
        QCOMPARE(s->count(QStringLiteral("workspaces")), 0);
        QCOMPARE(s->count(QStringLiteral("audit_log")), 0);
    }

    void otherWorkspacesAreNotFound()
    {
        WorkspaceService ws(s->ctx);
        auto w = ws.create(s->actor(alice), QStringLiteral("A"));
        QVERIFY(w.ok());
        QCOMPARE(ws.get(s->actor(bob), w->id).error().code, ErrorCode::NotFound);
        QCOMPARE(ws.rename(s->actor(bob), w->id, QStringLiteral("x")).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(ws.remove(s->actor(bob), w->id).error().code, ErrorCode::NotFound);
        QCOMPARE(ws.createProject(s->actor(bob), w->id, QStringLiteral("p")).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(ws.list(s->actor(bob), 50, {})->items.size(), 0);
        auto p = ws.createProject(s->actor(alice), w->id, QStringLiteral("p"));
        QVERIFY(p.ok());
        QCOMPARE(ws.getProject(s->actor(bob), p->id).error().code, ErrorCode::NotFound);
        QCOMPARE(ws.listProjects(s->actor(bob), {}, 50, {})->items.size(), 0);
        QCOMPARE(ws.get(s->actor(alice), w->id)->name, QStringLiteral("A"));
    }

    void scopedKeySeesOnlyItsWorkspace()
    {
        WorkspaceService ws(s->ctx);
        auto a = ws.create(s->actor(alice), QStringLiteral("A"));
        auto b = ws.create(s->actor(alice), QStringLiteral("B"));
        Actor scoped = s->actor(alice);
        scoped.keyWorkspaceId = a->id;
        QCOMPARE(ws.list(scoped, 50, {})->items.size(), 1);
        QCOMPARE(ws.get(scoped, b->id).error().code, ErrorCode::NotFound);
        QCOMPARE(ws.create(scoped, QStringLiteral("C")).error().code, ErrorCode::Forbidden);
    }

    void rolesAndInvitations()
    {
        WorkspaceService ws(s->ctx);
        auto w = ws.create(s->actor(alice), QStringLiteral("A"));
        auto inv = ws.invite(s->actor(alice), w->id, QStringLiteral("Bob@Example.com"),
                             QStringLiteral("viewer"));
        QVERIFY(inv.ok());
        QVERIFY(inv->token.startsWith(QStringLiteral("wfxinv_")));
        QCOMPARE(inv->invitation.email, QStringLiteral("bob@example.com"));
        auto joined = ws.acceptInvitation(s->actor(bob), inv->token);
        QVERIFY(joined.ok());
        QCOMPARE(joined->role, QStringLiteral("viewer"));
        // The token works once.
        QCOMPARE(ws.acceptInvitation(s->actor(bob), inv->token).error().code, ErrorCode::NotFound);
        // A viewer reads but cannot write.
        QVERIFY(ws.get(s->actor(bob), w->id).ok());
        QCOMPARE(ws.createProject(s->actor(bob), w->id, QStringLiteral("p")).error().code,
                 ErrorCode::Forbidden);
        QCOMPARE(ws.rename(s->actor(bob), w->id, QStringLiteral("x")).error().code,
                 ErrorCode::Forbidden);
        QVERIFY(ws.setMemberRole(s->actor(alice), w->id, bob, QStringLiteral("member")).ok());
        QVERIFY(ws.createProject(s->actor(bob), w->id, QStringLiteral("p")).ok());
        QCOMPARE(ws.members(s->actor(alice), w->id)->size(), 2);
    }

    void expiredInvitationIsRefused()
    {
        WorkspaceService ws(s->ctx);
        auto w = ws.create(s->actor(alice), QStringLiteral("A"));
        auto inv = ws.invite(s->actor(alice), w->id, QStringLiteral("bob@example.com"), {});
        s->clock.advanceMs(WorkspaceService::kInvitationTtlMs + 1);
        QCOMPARE(ws.acceptInvitation(s->actor(bob), inv->token).error().code, ErrorCode::NotFound);
        QCOMPARE(ws.invitations(s->actor(alice), w->id, 50, {})->items.value(0).state,
                 QStringLiteral("expired"));
    }

    void transferOwnership()
    {
        WorkspaceService ws(s->ctx);
        auto w = ws.create(s->actor(alice), QStringLiteral("A"));
        QCOMPARE(ws.transferOwnership(s->actor(alice), w->id, bob).error().code,
                 ErrorCode::Validation);
        auto inv = ws.invite(s->actor(alice), w->id, QStringLiteral("bob@example.com"),
                             QStringLiteral("member"));
        QVERIFY(ws.acceptInvitation(s->actor(bob), inv->token).ok());
        auto t = ws.transferOwnership(s->actor(alice), w->id, bob);
        QVERIFY(t.ok());
        QCOMPARE(t->ownerId, bob);
        QCOMPARE(ws.remove(s->actor(alice), w->id).error().code, ErrorCode::Forbidden);
        QVERIFY(ws.remove(s->actor(bob), w->id).ok());
        QCOMPARE(ws.get(s->actor(bob), w->id).error().code, ErrorCode::NotFound);
    }

    void keysetPaging()
    {
        WorkspaceService ws(s->ctx);
        auto w = ws.create(s->actor(alice), QStringLiteral("A"));
        for (int i = 0; i < 7; ++i) {
            QVERIFY(ws.createProject(s->actor(alice), w->id, QStringLiteral("p%1").arg(i)).ok());
            if (i % 2)
                s->clock.advanceMs(1); // some share a timestamp: the id breaks the tie
        }
        QStringList seen;
        QString cur;
        int pages = 0;
        do {
            auto p = ws.listProjects(s->actor(alice), w->id, 3, cur);
            QVERIFY(p.ok());
            for (const auto &x : p->items)
                seen << x.name;
            cur = p->nextCursor;
            ++pages;
        } while (!cur.isEmpty());
        QCOMPARE(pages, 3);
        QCOMPARE(seen.size(), 7);
        QCOMPARE(QSet<QString>(seen.begin(), seen.end()).size(), 7);
        QCOMPARE(seen.first(), QStringLiteral("p6"));
        QCOMPARE(ws.listProjects(s->actor(alice), w->id, 3, QStringLiteral("bogus")).error().code,
                 ErrorCode::Validation);
    }

    void auditChainVerifiesAndDetectsTampering()
    {
        WorkspaceService ws(s->ctx);
        auto w = ws.create(s->actor(alice), QStringLiteral("A"));
        for (int i = 0; i < 5; ++i)
            QVERIFY(ws.createProject(s->actor(alice), w->id, QStringLiteral("p%1").arg(i)).ok());
        AuditService audit(s->ctx);
        QVERIFY(audit.verify().ok);
        QCOMPARE(audit.verify().checked, 6);
        auto page = audit.list(s->actor(alice), {}, 50, {});
        QCOMPARE(page->items.size(), 6);
        QCOMPARE(page->items.first().action, QStringLiteral("project.create"));
        QCOMPARE(page->items.first().prevHash, page->items.at(1).hash);
        QCOMPARE(audit.list(s->actor(bob), {}, 50, {})->items.size(), 0);
        Query q(s->db->connection(),
                QStringLiteral("UPDATE audit_log SET action = 'x' WHERE seq = 3"));
        QVERIFY(q.exec());
        auto v = audit.verify();
        QVERIFY(!v.ok);
        QCOMPARE(v.firstBadSeq, 3);
    }

    void contentsCountsProjectsAndRuns()
    {
        WorkspaceService ws(s->ctx);
        auto w = ws.create(s->actor(alice), QStringLiteral("Lab"));
        auto other = ws.create(s->actor(alice), QStringLiteral("Other"));
        auto p1 = ws.createProject(s->actor(alice), w->id, QStringLiteral("p1"));
        QVERIFY(ws.createProject(s->actor(alice), w->id, QStringLiteral("p2")).ok());
        auto p3 = ws.createProject(s->actor(alice), other->id, QStringLiteral("p3"));
        auto addRun = [&](const QString &wsId, const QString &projectId, const QString &name) {
            Query q(s->db->connection(),
                    QStringLiteral("INSERT INTO runs (id, project_id, workspace_id, client_run_id, "
                                   "name, status, created_at, evidence) VALUES (:id, :p, :w, :c, "
                                   ":c, 'completed', 1, 'unsigned')"));
            q.bind(QStringLiteral(":id"), ids::newUuid())
                .bind(QStringLiteral(":p"), projectId)
                .bind(QStringLiteral(":w"), wsId)
                .bind(QStringLiteral(":c"), name);
            QVERIFY2(q.exec(), qPrintable(q.errorText()));
        };
        addRun(w->id, p1->id, QStringLiteral("a"));
        addRun(w->id, p1->id, QStringLiteral("b"));
        addRun(other->id, p3->id, QStringLiteral("c"));
        auto c = ws.contents(Actor::system(), w->id);
        QVERIFY(c.ok());
        QCOMPARE(c->projects, 2);
        QCOMPARE(c->runs, 2);
        QCOMPARE(ws.contents(s->actor(alice), other->id)->runs, 1);
        QCOMPARE(ws.contents(s->actor(bob), w->id).error().code, ErrorCode::NotFound);
        QCOMPARE(ws.contents(Actor::system(), ids::newUuid()).error().code, ErrorCode::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestWorkspaces)
#include "tst_workspaces.moc"
