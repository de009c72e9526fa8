// SPDX-License-Identifier: Apache-2.0
// The Workspaces panel: create for a chosen owner, rename, delete with a
// confirmation that counts what goes, projects, member roles, ownership
// transfer, invitations shown once, and live updates. Effects are checked in
// the store. Runs on SQLite and PostgreSQL.
#include "TestStore.h"

#include "common/Confirm.h"
#include "crypto/Crypto.h"
#include "workspaces/WorkspaceService.h"
#include "workspaces/WorkspacesPanel.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTest>
#include <QTreeWidget>

using namespace wfx;
using wfx::ui::Confirm;
using wfx::ui::WorkspacesPanel;

namespace {
QString S(const char *s)
{
    return QString::fromUtf8(s);
}
} // namespace

class TestWorkspacesPanel : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, bob;

    static bool idle(WorkspacesPanel &p) { return QTest::qWaitFor([&] { return !p.isBusy(); }, 10000); }
    template<typename T>
    static T *child(QWidget &w, const char *name)
    {
        auto *c = w.findChild<T *>(QString::fromLatin1(name));
        if (!c)
            qFatal("no child %s", name);
        return c;
    }
    static void click(QWidget &w, const char *button) { QTest::mouseClick(child<QPushButton>(w, button), Qt::LeftButton); }
    static QTreeWidgetItem *rowWithText(QTreeWidget *t, const QString &text)
    {
        for (int i = 0; i < t->topLevelItemCount(); ++i)
            if (t->topLevelItem(i)->text(0) == text)
                return t->topLevelItem(i);
        return nullptr;
    }
    qint64 scalar(const QString &sql, const QString &bind, const QString &value)
    {
        Query q(s->db->connection(), sql);
        q.bind(bind, value);
        return q.exec() && q.next() ? q.i64(0) : -1;
    }
    QString text(const QString &sql, const QString &bind, const QString &value)
    {
        Query q(s->db->connection(), sql);
        q.bind(bind, value);
        return q.exec() && q.next() ? q.str(0) : S("<none>");
    }
    void addRuns(const QString &ws, const QString &project, int n)
    {
        for (int i = 0; i < n; ++i) {
            Query q(s->db->connection(), S("INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, status, "
                                           "created_at, evidence) VALUES (:id, :p, :w, :c, :c, 'completed', 1, 'unsigned')"));
            q.bind(S(":id"), ids::newUuid()).bind(S(":p"), project).bind(S(":w"), ws)
                .bind(S(":c"), QString(project + QString::number(i)));
            QVERIFY2(q.exec(), qPrintable(q.errorText()));
        }
    }
    // A panel on screen with its first load done.
    std::unique_ptr<WorkspacesPanel> open()
    {
        auto p = std::make_unique<WorkspacesPanel>(s->ctx, Actor::system());
        p->resize(1000, 650);
        p->show();
        if (!QTest::qWaitForWindowExposed(p.get()) || !idle(*p))
            qFatal("panel did not load");
        return p;
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(S("alice@example.com"));
        bob = s->createUser(S("bob@example.com"));
    }
    void cleanup()
    {
        QTest::qWait(0);
        s.reset();
    }

    void createsAWorkspaceOwnedByTheChosenUser()
    {
        auto p = open();
        auto *owner = child<QComboBox>(*p, "workspaceOwner");
        QCOMPARE(owner->count(), 2); // ordered by email
        QCOMPARE(owner->itemData(1).toString(), bob);
        owner->setFocus();
        QTest::keyClick(owner, Qt::Key_Down);
        QCOMPARE(owner->currentData().toString(), bob);
        auto *name = child<QLineEdit>(*p, "workspaceName");
        name->clear();
        QTest::keyClicks(name, S("Robotics lab"));
        click(*p, "createWorkspace");
        QVERIFY(QTest::qWaitFor([&] { return !p->selectedWorkspaceId().isEmpty(); }, 5000));
        const QString id = p->selectedWorkspaceId();
        QCOMPARE(text(S("SELECT owner_id FROM workspaces WHERE id = :w"), S(":w"), id), bob);
        QCOMPARE(text(S("SELECT name FROM workspaces WHERE id = :w"), S(":w"), id), S("Robotics lab"));
        QCOMPARE(text(S("SELECT actor_id FROM audit_log WHERE action = 'workspace.create' AND target_id = :w"), S(":w"), id), bob);
        QVERIFY(rowWithText(p->workspaceList(), S("Robotics lab")));
    }

    void deleteConfirmationCountsProjectsAndRuns()
    {
        WorkspaceService ws(s->ctx);
        const QString w = ws.create(s->actor(alice), S("Vision"))->id;
        const QString p1 = ws.createProject(s->actor(alice), w, S("vit"))->id;
        QVERIFY(ws.createProject(s->actor(alice), w, S("detr")).ok());
        addRuns(w, p1, 3);
        auto p = open();
        QVERIFY(p->selectWorkspace(w));
        QVERIFY(idle(*p));
        Confirm::setNextAnswer(false);
        click(*p, "deleteWorkspace");
        QVERIFY(idle(*p));
        QVERIFY2(Confirm::lastText().contains(S("“Vision”")), qPrintable(Confirm::lastText()));
        QVERIFY2(Confirm::lastText().contains(S("2 project")), qPrintable(Confirm::lastText()));
        QVERIFY2(Confirm::lastText().contains(S("3 run")), qPrintable(Confirm::lastText()));
        QCOMPARE(scalar(S("SELECT COUNT(*) FROM workspaces WHERE id = :w"), S(":w"), w), 1); // said no
        Confirm::setNextAnswer(true);
        click(*p, "deleteWorkspace");
        QVERIFY(QTest::qWaitFor([&] { return !rowWithText(p->workspaceList(), S("Vision")); }, 5000));
        QCOMPARE(scalar(S("SELECT COUNT(*) FROM workspaces WHERE id = :w"), S(":w"), w), 0);
        QCOMPARE(scalar(S("SELECT COUNT(*) FROM runs WHERE workspace_id = :w"), S(":w"), w), 0);
        QCOMPARE(s->auditCount(S("workspace.delete")), 1);
    }

    void renamesTheWorkspaceAndManagesProjects()
    {
        WorkspaceService ws(s->ctx);
        const QString w = ws.create(s->actor(alice), S("Lab"))->id;
        auto p = open();
        // Keyboard: the list takes focus and Down selects the first workspace.
        p->workspaceList()->setFocus();
        QTest::keyClick(p->workspaceList(), Qt::Key_Down);
        QCOMPARE(p->selectedWorkspaceId(), w);
        QVERIFY(idle(*p));
        auto *name = child<QLineEdit>(*p, "workspaceName");
        QCOMPARE(name->text(), S("Lab"));
        name->selectAll();
        QTest::keyClicks(name, S("Robotics"));
        click(*p, "renameWorkspace");
        QVERIFY(idle(*p));
        QCOMPARE(text(S("SELECT name FROM workspaces WHERE id = :w"), S(":w"), w), S("Robotics"));

        auto *projectName = child<QLineEdit>(*p, "projectName");
        QTest::keyClicks(projectName, S("dreamer"));
        click(*p, "createProject");
        auto *projects = child<QTreeWidget>(*p, "projectList");
        QVERIFY(QTest::qWaitFor([&] { return rowWithText(projects, S("dreamer")); }, 5000));
        QCOMPARE(scalar(S("SELECT COUNT(*) FROM projects WHERE workspace_id = :w AND name = 'dreamer'"), S(":w"), w), 1);

        projects->setCurrentItem(rowWithText(projects, S("dreamer")));
        projectName->selectAll();
        QTest::keyClicks(projectName, S("dreamer-v3"));
        click(*p, "renameProject");
        QVERIFY(QTest::qWaitFor([&] { return rowWithText(projects, S("dreamer-v3")); }, 5000));
        QCOMPARE(scalar(S("SELECT COUNT(*) FROM projects WHERE workspace_id = :w AND name = 'dreamer-v3'"), S(":w"), w), 1);

        projects->setCurrentItem(rowWithText(projects, S("dreamer-v3")));
        Confirm::setNextAnswer(true);
        click(*p, "deleteProject");
        QVERIFY(QTest::qWaitFor([&] { return projects->topLevelItemCount() == 0; }, 5000));
        QVERIFY(Confirm::lastText().contains(S("dreamer-v3")));
        QCOMPARE(scalar(S("SELECT COUNT(*) FROM projects WHERE workspace_id = :w"), S(":w"), w), 0);
    }

    void changesRolesTransfersOwnershipAndRemovesMembers()
    {
        WorkspaceService ws(s->ctx);
        const QString w = ws.create(s->actor(alice), S("Lab"))->id;
        auto inv = ws.invite(s->actor(alice), w, S("bob@example.com"), S("member"));
        QVERIFY(ws.acceptInvitation(s->actor(bob), inv->token).ok());
        auto p = open();
        QVERIFY(p->selectWorkspace(w));
        QVERIFY(idle(*p));
        auto *members = child<QTreeWidget>(*p, "memberList");
        QCOMPARE(members->topLevelItemCount(), 2);
        members->setCurrentItem(rowWithText(members, S("bob@example.com")));
        auto *role = child<QComboBox>(*p, "memberRole");
        role->setCurrentIndex(role->findData(S("viewer")));
        click(*p, "changeRole");
        QVERIFY(idle(*p));
        const QString roleSql = S("SELECT role FROM memberships WHERE user_id = :u");
        QCOMPARE(text(roleSql, S(":u"), bob), S("viewer"));

        members->setCurrentItem(rowWithText(members, S("bob@example.com")));
        Confirm::setNextAnswer(true);
        click(*p, "transferOwnership");
        QVERIFY(idle(*p));
        QVERIFY(Confirm::lastText().contains(S("bob@example.com")));
        QCOMPARE(text(S("SELECT owner_id FROM workspaces WHERE id = :w"), S(":w"), w), bob);
        QCOMPARE(text(roleSql, S(":u"), bob), S("owner"));
        QCOMPARE(text(roleSql, S(":u"), alice), S("admin"));

        QVERIFY(QTest::qWaitFor([&] { return rowWithText(members, S("alice@example.com")); }, 5000));
        members->setCurrentItem(rowWithText(members, S("alice@example.com")));
        Confirm::setNextAnswer(true);
        click(*p, "removeMember");
        QVERIFY(QTest::qWaitFor([&] { return members->topLevelItemCount() == 1; }, 5000));
        QCOMPARE(scalar(S("SELECT COUNT(*) FROM memberships WHERE user_id = :u"), S(":u"), alice), 0);
        QCOMPARE(s->auditCount(S("member.remove")), 1);
    }

    void invitationTokenIsShownOnceAndRevocable()
    {
        WorkspaceService ws(s->ctx);
        const QString w = ws.create(s->actor(alice), S("Lab"))->id;
        auto p = open();
        QVERIFY(p->selectWorkspace(w));
        QVERIFY(idle(*p));
        auto *email = child<QLineEdit>(*p, "inviteEmail");
        QTest::keyClicks(email, S("carol@example.com"));
        QTest::keyClick(email, Qt::Key_Return);
        QVERIFY(QTest::qWaitFor([&] { return !p->shownInvitationToken().isEmpty(); }, 5000));
        const QString token = p->shownInvitationToken();
        QVERIFY(token.startsWith(S("wfxinv_")));
        // Stored only as its hash.
        QCOMPARE(text(S("SELECT email FROM invitations WHERE token_hash = :h"), S(":h"), crypto::sha256Hex(token.toUtf8())),
                 S("carol@example.com"));
        click(*p, "copyInvitationToken");
        QCOMPARE(QApplication::clipboard()->text(), token);
        // The live refresh after the change keeps it; choosing another workspace drops it.
        QTest::qWait(WorkspacesPanel::kLiveDebounceMs + 100);
        QVERIFY(idle(*p));
        QCOMPARE(p->shownInvitationToken(), token);

        auto *invitations = child<QTreeWidget>(*p, "invitationList");
        QVERIFY(QTest::qWaitFor([&] { return invitations->topLevelItemCount() == 1; }, 5000));
        invitations->setCurrentItem(invitations->topLevelItem(0));
        Confirm::setNextAnswer(true);
        click(*p, "revokeInvitation");
        QVERIFY(QTest::qWaitFor([&] { return invitations->topLevelItemCount() == 1
                                             && invitations->topLevelItem(0)->text(2) == S("Revoked"); }, 5000));
        QCOMPARE(scalar(S("SELECT COUNT(*) FROM invitations WHERE workspace_id = :w AND revoked_at IS NOT NULL"), S(":w"), w), 1);
        QVERIFY(!ws.acceptInvitation(s->actor(bob), token).ok());

        const QString other = ws.create(s->actor(alice), S("Other"))->id;
        QVERIFY(QTest::qWaitFor([&] { return p->selectWorkspace(other); }, 5000));
        QVERIFY(p->shownInvitationToken().isEmpty());
    }

    void workspacesCreatedElsewhereAppearByThemselves()
    {
        auto p = open();
        QCOMPARE(p->workspaceList()->topLevelItemCount(), 0);
        WorkspaceService ws(s->ctx);
        QVERIFY(ws.create(s->actor(alice), S("Arrived")).ok());
        QVERIFY(QTest::qWaitFor([&] { return rowWithText(p->workspaceList(), S("Arrived")); }, 5000));
    }
};

QTEST_MAIN(TestWorkspacesPanel)
#include "tst_workspaces_panel.moc"
