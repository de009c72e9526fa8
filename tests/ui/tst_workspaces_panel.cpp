// SPDX-License-Identifier: Apache-2.0
// The Workspaces panel: create for a chosen owner, rename, delete with a
// confirmation that counts what goes, projects, member roles, ownership
// transfer, invitations shown once, and live updates. Effects are checked in
// the store. Runs on SQLite and PostgreSQL.
#include "TestStore.h"

#include "models/crypto/Crypto.h"
#include "models/workspaces/WorkspaceService.h"
#include "ui/common/Confirm.h"
#include "ui/common/ErrorText.h"
#include "ui/common/Translations.h"
#include "ui/workspaces/WorkspacesPanel.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTest>
#include <QTreeView>

using namespace Qt::StringLiterals;

using namespace wfx;
using wfx::ui::Confirm;
using wfx::ui::WorkspacesPanel;

namespace {
} // namespace

class TestWorkspacesPanel : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, bob;

    static bool idle(WorkspacesPanel &p)
    {
        return QTest::qWaitFor([&] { return !p.isBusy(); }, 10000);
    }
    template <typename T> static T *child(QWidget &w, const char *name)
    {
        auto *c = w.findChild<T *>(QString::fromLatin1(name));
        if (!c)
            qFatal("no child %s", name);
        return c;
    }
    static void click(QWidget &w, const char *button)
    {
        QTest::mouseClick(child<QPushButton>(w, button), Qt::LeftButton);
    }
    static QString cell(const QTreeView *t, int row, int column)
    {
        return t->model()->index(row, column).data().toString();
    }
    static int rows(const QTreeView *t) { return t->model()->rowCount(); }
    // The row whose first column reads `text` (-1: none).
    static int rowWithText(const QTreeView *t, const QString &text)
    {
        for (int i = 0; i < rows(t); ++i)
            if (cell(t, i, 0) == text)
                return i;
        return -1;
    }
    static bool hasRow(const QTreeView *t, const QString &text)
    {
        return rowWithText(t, text) >= 0;
    }
    static void makeCurrent(QTreeView *t, const QString &text)
    {
        QVERIFY(hasRow(t, text));
        t->setCurrentIndex(t->model()->index(rowWithText(t, text), 0));
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
        return q.exec() && q.next() ? q.str(0) : u"<none>"_s;
    }
    void addRuns(const QString &ws, const QString &project, int n)
    {
        for (int i = 0; i < n; ++i) {
            Query q(
                s->db->connection(),
                u"INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, status, "
                "created_at, evidence) VALUES (:id, :p, :w, :c, :c, 'completed', 1, 'unsigned')"_s);
            q.bind(u":id"_s, ids::newUuid())
                .bind(u":p"_s, project)
                .bind(u":w"_s, ws)
                .bind(u":c"_s, QString(project + QString::number(i)));
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
        alice = s->createUser(u"alice@example.com"_s);
        bob = s->createUser(u"bob@example.com"_s);
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
        QTest::keyClicks(name, u"Robotics lab"_s);
        click(*p, "createWorkspace");
        QVERIFY(QTest::qWaitFor([&] { return !p->selectedWorkspaceId().isEmpty(); }, 5000));
        const QString id = p->selectedWorkspaceId();
        QCOMPARE(text(u"SELECT owner_id FROM workspaces WHERE id = :w"_s, u":w"_s, id), bob);
        QCOMPARE(text(u"SELECT name FROM workspaces WHERE id = :w"_s, u":w"_s, id),
                 u"Robotics lab"_s);
        QCOMPARE(
            text(
                u"SELECT actor_id FROM audit_log WHERE action = 'workspace.create' AND target_id = :w"_s,
                u":w"_s, id),
            bob);
        QVERIFY(hasRow(p->workspaceList(), u"Robotics lab"_s));
    }

    void deleteConfirmationCountsProjectsAndRuns()
    {
        WorkspaceService ws(s->ctx);
        const QString w = ws.create(s->actor(alice), u"Vision"_s)->id;
        const QString p1 = ws.createProject(s->actor(alice), w, u"vit"_s)->id;
        QVERIFY(ws.createProject(s->actor(alice), w, u"detr"_s).ok());
        addRuns(w, p1, 3);
        auto p = open();
        QVERIFY(p->selectWorkspace(w));
        QVERIFY(idle(*p));
        Confirm::setNextAnswer(false);
        click(*p, "deleteWorkspace");
        QVERIFY(idle(*p));
        QVERIFY2(Confirm::lastText().contains(u"“Vision”"_s), qPrintable(Confirm::lastText()));
        QVERIFY2(Confirm::lastText().contains(u"2 project"_s), qPrintable(Confirm::lastText()));
        QVERIFY2(Confirm::lastText().contains(u"3 run"_s), qPrintable(Confirm::lastText()));
        QCOMPARE(scalar(u"SELECT COUNT(*) FROM workspaces WHERE id = :w"_s, u":w"_s, w),
                 1); // said no
        Confirm::setNextAnswer(true);
        click(*p, "deleteWorkspace");
        QVERIFY(QTest::qWaitFor([&] { return !hasRow(p->workspaceList(), u"Vision"_s); }, 5000));
        QCOMPARE(scalar(u"SELECT COUNT(*) FROM workspaces WHERE id = :w"_s, u":w"_s, w), 0);
        QCOMPARE(scalar(u"SELECT COUNT(*) FROM runs WHERE workspace_id = :w"_s, u":w"_s, w), 0);
        QCOMPARE(s->auditCount(u"workspace.delete"_s), 1);
    }

    void renamesTheWorkspaceAndManagesProjects()
    {
        WorkspaceService ws(s->ctx);
        const QString w = ws.create(s->actor(alice), u"Lab"_s)->id;
        auto p = open();
        // Keyboard: the list takes focus and Down selects the first workspace.
        p->workspaceList()->setFocus();
        QTest::keyClick(p->workspaceList(), Qt::Key_Down);
        QCOMPARE(p->selectedWorkspaceId(), w);
        QVERIFY(idle(*p));
        auto *name = child<QLineEdit>(*p, "workspaceName");
        QCOMPARE(name->text(), u"Lab"_s);
        name->selectAll();
        QTest::keyClicks(name, u"Robotics"_s);
        click(*p, "renameWorkspace");
        QVERIFY(idle(*p));
        QCOMPARE(text(u"SELECT name FROM workspaces WHERE id = :w"_s, u":w"_s, w), u"Robotics"_s);

        auto *projectName = child<QLineEdit>(*p, "projectName");
        QTest::keyClicks(projectName, u"dreamer"_s);
        click(*p, "createProject");
        auto *projects = child<QTreeView>(*p, "projectList");
        QVERIFY(QTest::qWaitFor([&] { return hasRow(projects, u"dreamer"_s); }, 5000));
        QCOMPARE(
            scalar(u"SELECT COUNT(*) FROM projects WHERE workspace_id = :w AND name = 'dreamer'"_s,
                   u":w"_s, w),
            1);

        makeCurrent(projects, u"dreamer"_s);
        projectName->selectAll();
        QTest::keyClicks(projectName, u"dreamer-v3"_s);
        click(*p, "renameProject");
        QVERIFY(QTest::qWaitFor([&] { return hasRow(projects, u"dreamer-v3"_s); }, 5000));
        QCOMPARE(
            scalar(
                u"SELECT COUNT(*) FROM projects WHERE workspace_id = :w AND name = 'dreamer-v3'"_s,
                u":w"_s, w),
            1);

        makeCurrent(projects, u"dreamer-v3"_s);
        Confirm::setNextAnswer(true);
        click(*p, "deleteProject");
        QVERIFY(QTest::qWaitFor([&] { return rows(projects) == 0; }, 5000));
        QVERIFY(Confirm::lastText().contains(u"dreamer-v3"_s));
        QCOMPARE(scalar(u"SELECT COUNT(*) FROM projects WHERE workspace_id = :w"_s, u":w"_s, w), 0);
    }

    void changesRolesTransfersOwnershipAndRemovesMembers()
    {
        WorkspaceService ws(s->ctx);
        const QString w = ws.create(s->actor(alice), u"Lab"_s)->id;
        auto inv = ws.invite(s->actor(alice), w, u"bob@example.com"_s, u"member"_s);
        QVERIFY(ws.acceptInvitation(s->actor(bob), inv->token).ok());
        auto p = open();
        QVERIFY(p->selectWorkspace(w));
        QVERIFY(idle(*p));
        auto *members = child<QTreeView>(*p, "memberList");
        QCOMPARE(rows(members), 2);
        makeCurrent(members, u"bob@example.com"_s);
        auto *role = child<QComboBox>(*p, "memberRole");
        role->setCurrentIndex(role->findData(u"viewer"_s));
        click(*p, "changeRole");
        QVERIFY(idle(*p));
        const QString roleSql = u"SELECT role FROM memberships WHERE user_id = :u"_s;
        QCOMPARE(text(roleSql, u":u"_s, bob), u"viewer"_s);

        makeCurrent(members, u"bob@example.com"_s);
        Confirm::setNextAnswer(true);
        click(*p, "transferOwnership");
        QVERIFY(idle(*p));
        QVERIFY(Confirm::lastText().contains(u"bob@example.com"_s));
        QCOMPARE(text(u"SELECT owner_id FROM workspaces WHERE id = :w"_s, u":w"_s, w), bob);
        QCOMPARE(text(roleSql, u":u"_s, bob), u"owner"_s);
        QCOMPARE(text(roleSql, u":u"_s, alice), u"admin"_s);

        QVERIFY(QTest::qWaitFor([&] { return hasRow(members, u"alice@example.com"_s); }, 5000));
        makeCurrent(members, u"alice@example.com"_s);
        Confirm::setNextAnswer(true);
        click(*p, "removeMember");
        QVERIFY(QTest::qWaitFor([&] { return rows(members) == 1; }, 5000));
        QCOMPARE(scalar(u"SELECT COUNT(*) FROM memberships WHERE user_id = :u"_s, u":u"_s, alice),
                 0);
        QCOMPARE(s->auditCount(u"member.remove"_s), 1);
    }

    void invitationTokenIsShownOnceAndRevocable()
    {
        WorkspaceService ws(s->ctx);
        const QString w = ws.create(s->actor(alice), u"Lab"_s)->id;
        auto p = open();
        QVERIFY(p->selectWorkspace(w));
        QVERIFY(idle(*p));
        auto *email = child<QLineEdit>(*p, "inviteEmail");
        QTest::keyClicks(email, u"carol@example.com"_s);
        QTest::keyClick(email, Qt::Key_Return);
        QVERIFY(QTest::qWaitFor([&] { return !p->shownInvitationToken().isEmpty(); }, 5000));
        const QString token = p->shownInvitationToken();
        QVERIFY(token.startsWith(u"wfxinv_"_s));
        // Stored only as its hash.
        QCOMPARE(text(u"SELECT email FROM invitations WHERE token_hash = :h"_s, u":h"_s,
                      crypto::sha256Hex(token.toUtf8())),
                 u"carol@example.com"_s);
        click(*p, "copyInvitationToken");
        QCOMPARE(QApplication::clipboard()->text(), token);
        // The live refresh after the change keeps it; choosing another workspace drops it.
        QTest::qWait(WorkspacesPanel::kLiveDebounceMs + 100);
        QVERIFY(idle(*p));
        QCOMPARE(p->shownInvitationToken(), token);

        auto *invitations = child<QTreeView>(*p, "invitationList");
        QVERIFY(QTest::qWaitFor([&] { return rows(invitations) == 1; }, 5000));
        invitations->setCurrentIndex(invitations->model()->index(0, 0));
        Confirm::setNextAnswer(true);
        click(*p, "revokeInvitation");
        QVERIFY(QTest::qWaitFor(
            [&] { return rows(invitations) == 1 && cell(invitations, 0, 2) == u"Revoked"_s; },
            5000));
        QCOMPARE(
            scalar(
                u"SELECT COUNT(*) FROM invitations WHERE workspace_id = :w AND revoked_at IS NOT NULL"_s,
                u":w"_s, w),
            1);
        QVERIFY(!ws.acceptInvitation(s->actor(bob), token).ok());

        const QString other = ws.create(s->actor(alice), u"Other"_s)->id;
        QVERIFY(QTest::qWaitFor([&] { return p->selectWorkspace(other); }, 5000));
        QVERIFY(p->shownInvitationToken().isEmpty());
    }

    // A refused action says what failed and why in the console's language, by the
    // error's code; the model's English message is not shown.
    void aRefusedActionSaysWhyInTheConsolesLanguage()
    {
        WorkspaceService ws(s->ctx);
        const QString w = ws.create(s->actor(alice), u"Lab"_s)->id;
        auto inv = ws.invite(s->actor(alice), w, u"bob@example.com"_s, u"viewer"_s);
        QVERIFY(ws.acceptInvitation(s->actor(bob), inv->token).ok());
        const auto refused = ws.rename(s->actor(bob), w, u"Mine"_s);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, ErrorCode::Forbidden);

        QVERIFY(ui::Translations::install(u"de"_s));
        WorkspacesPanel p(s->ctx, s->actor(bob));
        p.show();
        QVERIFY(QTest::qWaitForWindowExposed(&p) && idle(p));
        QVERIFY(p.selectWorkspace(w));
        QVERIFY(idle(p));
        auto *name = child<QLineEdit>(p, "workspaceName");
        name->selectAll();
        QTest::keyClicks(name, u"Mine"_s);
        click(p, "renameWorkspace");
        QVERIFY(idle(p));
        const QString shown = child<QLabel>(p, "workspacesStatus")->text();
        const QString expected = ui::ErrorText::failure(
            QCoreApplication::translate("wfx::ui::WorkspacesPanel", "Cannot rename the workspace"),
            refused.error());
        QVERIFY(ui::Translations::install(u"en"_s));
        QCOMPARE(shown, expected);
        QVERIFY2(!shown.contains(refused.error().message), qPrintable(shown));
        QVERIFY2(shown != ui::ErrorText::failure(u"Cannot rename the workspace"_s, refused.error()),
                 qPrintable(shown)); // German, not English
        QCOMPARE(text(u"SELECT name FROM workspaces WHERE id = :w"_s, u":w"_s, w), u"Lab"_s);
    }

    void workspacesCreatedElsewhereAppearByThemselves()
    {
        auto p = open();
        QCOMPARE(rows(p->workspaceList()), 0);
        WorkspaceService ws(s->ctx);
        QVERIFY(ws.create(s->actor(alice), u"Arrived"_s).ok());
        QVERIFY(QTest::qWaitFor([&] { return hasRow(p->workspaceList(), u"Arrived"_s); }, 5000));
    }
};

QTEST_MAIN(TestWorkspacesPanel)
#include "tst_workspaces_panel.moc"
