// SPDX-License-Identifier: Apache-2.0
// The first-run guide on an empty instance, driven by key and mouse events:
// it creates the administrator, a workspace with a project and an API key (the
// secret shown once), and the command it shows, run with curl against the real
// server in-process, syncs a run. Runs on SQLite and PostgreSQL.
#include "FakeServerControl.h"
#include "TestHttp.h"

#include "MainWindow.h"
#include "accounts/AccountService.h"
#include "accounts/ApiKeyService.h"
#include "common/ShownOnceDialog.h"
#include "firstrun/FirstRunWizard.h"
#include "runs/RunService.h"
#include "workspaces/WorkspaceService.h"

#include <QAbstractButton>
#include <QApplication>
#include <QClipboard>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

using namespace wfx;
using wfx::ui::FirstRunWizard;

namespace {
QString S(const char *s)
{
    return QString::fromUtf8(s);
}
} // namespace

class TestFirstRun : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestServer> srv;
    wfxtest::FakeServerControl control;

    static void type(QWizard *w, const char *objectName, const QString &text)
    {
        auto *e = w->currentPage()->findChild<QLineEdit *>(S(objectName));
        QVERIFY2(e, objectName);
        e->setFocus();
        QTest::keyClick(e, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClick(e, Qt::Key_Delete);
        QTest::keyClicks(e, text);
    }
    static void clickNext(QWizard *w) { QTest::mouseClick(w->button(QWizard::NextButton), Qt::LeftButton); }
    static QString status(QWizard *w, const char *objectName)
    {
        return w->currentPage()->findChild<QLabel *>(S(objectName))->text();
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void initTestCase() { wfxtest::useFastPasswordHashing(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        srv = std::make_unique<wfxtest::TestServer>(ServerConfig{}, true, backend);
        control.addr = S("http://127.0.0.1:%1").arg(srv->port);
    }
    void cleanup()
    {
        QTest::qWait(0);
        srv.reset();
    }

    void guideCreatesEverythingAndItsCommandSyncs()
    {
        ui::MainWindow window(srv->store.ctx, Actor::system(), &control);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy checked(&window, &ui::MainWindow::firstRunChecked);
        window.checkFirstRun();
        QTRY_COMPARE_WITH_TIMEOUT(checked.count(), 1, 10000);
        QCOMPARE(checked.at(0).at(0).toBool(), true);
        FirstRunWizard *w = window.firstRunWizard();
        QVERIFY(w);
        QVERIFY(QTest::qWaitForWindowExposed(w));
        QSignalSpy steps(w, &FirstRunWizard::stepFinished);

        // Administrator: each field is validated before anything is stored.
        QCOMPARE(w->currentId(), int(FirstRunWizard::AdminPage));
        type(w, "adminEmail", S("not-an-email"));
        type(w, "adminName", S("Ada Admin"));
        type(w, "adminPassword", S("correct horse battery"));
        type(w, "adminPassword2", S("correct horse battery"));
        clickNext(w);
        QCOMPARE(w->currentId(), int(FirstRunWizard::AdminPage));
        QVERIFY(status(w, "adminStatus").startsWith(S("Enter an email")));
        type(w, "adminEmail", S("ada@lab.example"));
        type(w, "adminPassword2", S("correct horse battery!"));
        clickNext(w);
        QCOMPARE(status(w, "adminStatus"), S("The two passwords differ."));
        type(w, "adminPassword", S("short"));
        type(w, "adminPassword2", S("short"));
        clickNext(w);
        QVERIFY(status(w, "adminStatus").startsWith(S("The password needs at least")));
        QCOMPARE(srv->store.count(S("users")), 0);
        type(w, "adminPassword", S("correct horse battery"));
        type(w, "adminPassword2", S("correct horse battery"));
        clickNext(w);
        QTRY_COMPARE_WITH_TIMEOUT(steps.count(), 1, 10000);
        QCOMPARE(steps.at(0).at(1).toString(), QString());
        QCOMPARE(w->currentId(), int(FirstRunWizard::WorkspacePage));
        // In the store: one user, an instance administrator, with that name and password.
        QCOMPARE(srv->store.count(S("users")), 1);
        AccountService accounts(srv->store.ctx);
        auto signedIn = accounts.login(S("ada@lab.example"), S("correct horse battery"), S("127.0.0.1"));
        QVERIFY(signedIn.ok());
        auto me = accounts.me(Actor::user(w->adminId()));
        QVERIFY(me.ok());
        QCOMPARE(me->displayName, S("Ada Admin"));
        {
            Query q(srv->store.db->connection(), S("SELECT is_admin FROM users WHERE id = :id"));
            q.bind(S(":id"), w->adminId());
            QVERIFY(q.exec() && q.next());
            QCOMPARE(q.i64(0), 1);
        }

        // Workspace and its first project.
        type(w, "workspaceName", S("Robotics lab"));
        type(w, "projectName", S("dreamer"));
        clickNext(w);
        QTRY_COMPARE_WITH_TIMEOUT(steps.count(), 2, 10000);
        QCOMPARE(steps.at(1).at(1).toString(), QString());
        QCOMPARE(w->currentId(), int(FirstRunWizard::KeyPage));
        WorkspaceService ws(srv->store.ctx);
        auto workspace = ws.get(Actor::user(w->adminId()), w->workspaceId());
        QVERIFY(workspace.ok());
        QCOMPARE(workspace->name, S("Robotics lab"));
        QCOMPARE(srv->store.count(S("projects")), 1);

        // API key: the secret is shown once, in the dialog, with Copy.
        type(w, "keyName", S("lab workstation"));
        clickNext(w);
        QTRY_COMPARE_WITH_TIMEOUT(steps.count(), 3, 10000);
        QCOMPARE(steps.at(2).at(1).toString(), QString());
        QCOMPARE(srv->store.count(S("api_keys")), 1);
        QVERIFY(w->shownOnce());
        const QString secret = w->shownOnce()->value(S("keySecret"));
        QVERIFY(!secret.isEmpty());
        QVERIFY(w->shownOnce()->findChild<QPushButton *>(S("keySecretCopy")));
        w->shownOnce()->close();
        QCOMPARE(w->currentId(), int(FirstRunWizard::CommandPage));

        // The command: the server's real address and the key; Copy puts it on the clipboard.
        const QString command = w->command();
        QVERIFY(command.startsWith(S("curl ")));
        QVERIFY(command.contains(control.addr + S("/api/sync/runs")));
        QVERIFY(command.contains(S("Bearer ") + secret));
        QVERIFY(command.contains(w->projectId()));
        QTest::mouseClick(w->currentPage()->findChild<QPushButton *>(S("copyCommand")), Qt::LeftButton);
        QCOMPARE(QGuiApplication::clipboard()->text(), command);
        // Beside it, where the Python example client is.
        const auto *python = w->currentPage()->findChild<QLabel *>(S("pythonExample"));
        QVERIFY(python);
        QVERIFY(python->text().contains(S("docs/examples/worldflux_client.py")));

        // Run exactly that command in a shell: the run is synced to this server.
        QVERIFY2(!QStandardPaths::findExecutable(S("curl")).isEmpty(), "curl is needed to run the shown command");
        QProcess sh;
        sh.start(S("/bin/sh"), {S("-c"), command});
        QVERIFY(sh.waitForFinished(20000));
        const QByteArray out = sh.readAllStandardOutput();
        QVERIFY2(sh.exitCode() == 0, sh.readAllStandardError().constData());
        const QJsonObject run = QJsonDocument::fromJson(out).object().value(S("run")).toObject();
        QVERIFY2(!run.value(S("id")).toString().isEmpty(), out.constData());
        QCOMPARE(srv->store.count(S("runs")), 1);
        auto stored = RunService(srv->store.ctx).get(Actor::user(w->adminId()), run.value(S("id")).toString());
        QVERIFY(stored.ok());
        QCOMPARE(stored->projectId, w->projectId());
        QCOMPARE(stored->name, S("first-run"));

        QTest::mouseClick(w->button(QWizard::FinishButton), Qt::LeftButton);
        QTRY_VERIFY(!window.firstRunWizard());
    }

    void noGuideOnceAnAccountExists()
    {
        AccountService accounts(srv->store.ctx);
        QVERIFY(accounts.signup(S("ada@lab.example"), S("correct horse battery"), S("127.0.0.1")).ok());
        ui::MainWindow window(srv->store.ctx, Actor::system(), &control);
        QSignalSpy checked(&window, &ui::MainWindow::firstRunChecked);
        window.checkFirstRun();
        QTRY_COMPARE_WITH_TIMEOUT(checked.count(), 1, 10000);
        QCOMPARE(checked.at(0).at(0).toBool(), false);
        QVERIFY(!window.firstRunWizard());
    }
};

QTEST_MAIN(TestFirstRun)
#include "tst_first_run.moc"
