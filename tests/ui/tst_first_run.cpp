// SPDX-License-Identifier: Apache-2.0
// The first-run guide on an empty instance, driven by key and mouse events:
// it creates the administrator, a workspace with a project and an API key (the
// secret shown once), and the command it shows, run with curl against the real
// server in-process, syncs a run. Runs on SQLite and PostgreSQL.
#include "FakeServerControl.h"
#include "TestHttp.h"

#include "models/accounts/AccountService.h"
#include "models/accounts/ApiKeyService.h"
#include "models/runs/RunService.h"
#include "models/workspaces/WorkspaceService.h"
#include "ui/MainWindow.h"
#include "ui/common/ShownOnceDialog.h"
#include "ui/firstrun/FirstRunWizard.h"

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

using namespace Qt::StringLiterals;

using namespace wfx;
using wfx::ui::FirstRunWizard;

namespace {
} // namespace

class TestFirstRun : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestServer> srv;
    wfxtest::FakeServerControl control;

    static void type(QWizard *w, const char *objectName, const QString &text)
    {
        auto *e = w->currentPage()->findChild<QLineEdit *>(QString::fromUtf8(objectName));
        QVERIFY2(e, objectName);
        e->setFocus();
        QTest::keyClick(e, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClick(e, Qt::Key_Delete);
        QTest::keyClicks(e, text);
    }
    static void clickNext(QWizard *w)
    {
        QTest::mouseClick(w->button(QWizard::NextButton), Qt::LeftButton);
    }
    static QString status(QWizard *w, const char *objectName)
    {
        return w->currentPage()->findChild<QLabel *>(QString::fromUtf8(objectName))->text();
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void initTestCase() { wfxtest::useFastPasswordHashing(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        srv = std::make_unique<wfxtest::TestServer>(ServerConfig{}, true, backend);
        control.addr = u"http://127.0.0.1:%1"_s.arg(srv->port);
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
        type(w, "adminEmail", u"not-an-email"_s);
        type(w, "adminName", u"Ada Admin"_s);
        type(w, "adminPassword", u"correct horse battery"_s);
        type(w, "adminPassword2", u"correct horse battery"_s);
        clickNext(w);
        QCOMPARE(w->currentId(), int(FirstRunWizard::AdminPage));
        QVERIFY(status(w, "adminStatus").startsWith(u"Enter an email"_s));
        type(w, "adminEmail", u"ada@lab.example"_s);
        type(w, "adminPassword2", u"correct horse battery!"_s);
        clickNext(w);
        QCOMPARE(status(w, "adminStatus"), u"The two passwords differ."_s);
        type(w, "adminPassword", u"short"_s);
        type(w, "adminPassword2", u"short"_s);
        clickNext(w);
        QVERIFY(status(w, "adminStatus").startsWith(u"The password needs at least"_s));
        QCOMPARE(srv->store.count(u"users"_s), 0);
        type(w, "adminPassword", u"correct horse battery"_s);
        type(w, "adminPassword2", u"correct horse battery"_s);
        clickNext(w);
        QTRY_COMPARE_WITH_TIMEOUT(steps.count(), 1, 10000);
        QCOMPARE(steps.at(0).at(1).toString(), QString());
        QCOMPARE(w->currentId(), int(FirstRunWizard::WorkspacePage));
        // In the store: one user, an instance administrator, with that name and password.
        QCOMPARE(srv->store.count(u"users"_s), 1);
        AccountService accounts(srv->store.ctx);
        auto signedIn =
            accounts.login(u"ada@lab.example"_s, u"correct horse battery"_s, u"127.0.0.1"_s);
        QVERIFY(signedIn.ok());
        auto me = accounts.me(Actor::user(w->adminId()));
        QVERIFY(me.ok());
        QCOMPARE(me->displayName, u"Ada Admin"_s);
        {
            Query q(srv->store.db->connection(), u"SELECT is_admin FROM users WHERE id = :id"_s);
            q.bind(u":id"_s, w->adminId());
            QVERIFY(q.exec() && q.next());
            QCOMPARE(q.i64(0), 1);
        }

        // Workspace and its first project.
        type(w, "workspaceName", u"Robotics lab"_s);
        type(w, "projectName", u"dreamer"_s);
        clickNext(w);
        QTRY_COMPARE_WITH_TIMEOUT(steps.count(), 2, 10000);
        QCOMPARE(steps.at(1).at(1).toString(), QString());
        QCOMPARE(w->currentId(), int(FirstRunWizard::KeyPage));
        WorkspaceService ws(srv->store.ctx);
        auto workspace = ws.get(Actor::user(w->adminId()), w->workspaceId());
        QVERIFY(workspace.ok());
        QCOMPARE(workspace->name, u"Robotics lab"_s);
        QCOMPARE(srv->store.count(u"projects"_s), 1);

        // API key: the secret is shown once, in the dialog, with Copy.
        type(w, "keyName", u"lab workstation"_s);
        clickNext(w);
        QTRY_COMPARE_WITH_TIMEOUT(steps.count(), 3, 10000);
        QCOMPARE(steps.at(2).at(1).toString(), QString());
        QCOMPARE(srv->store.count(u"api_keys"_s), 1);
        QVERIFY(w->shownOnce());
        const QString secret = w->shownOnce()->value(u"keySecret"_s);
        QVERIFY(!secret.isEmpty());
        QVERIFY(w->shownOnce()->findChild<QPushButton *>(u"keySecretCopy"_s));
        w->shownOnce()->close();
        QCOMPARE(w->currentId(), int(FirstRunWizard::CommandPage));

        // The command: the server's real address and the key; Copy puts it on the clipboard.
        const QString command = w->command();
        QVERIFY(command.startsWith(u"curl "_s));
        QVERIFY(command.contains(control.addr + u"/api/sync/runs"_s));
        QVERIFY(command.contains(u"Bearer "_s + secret));
        QVERIFY(command.contains(w->projectId()));
        QTest::mouseClick(w->currentPage()->findChild<QPushButton *>(u"copyCommand"_s),
                          Qt::LeftButton);
        QCOMPARE(QGuiApplication::clipboard()->text(), command);
        // Beside it, where the Python example client is.
        const auto *python = w->currentPage()->findChild<QLabel *>(u"pythonExample"_s);
        QVERIFY(python);
        QVERIFY(python->text().contains(u"docs/examples/worldflux_client.py"_s));

        // Run exactly that command in a shell: the run is synced to this server.
        QVERIFY2(!QStandardPaths::findExecutable(u"curl"_s).isEmpty(),
                 "curl is needed to run the shown command");
        QProcess sh;
        sh.start(u"/bin/sh"_s, {u"-c"_s, command});
        QVERIFY(sh.waitForFinished(20000));
        const QByteArray out = sh.readAllStandardOutput();
        QVERIFY2(sh.exitCode() == 0, sh.readAllStandardError().constData());
        const QJsonObject run = QJsonDocument::fromJson(out).object().value(u"run"_s).toObject();
        QVERIFY2(!run.value(u"id"_s).toString().isEmpty(), out.constData());
        QCOMPARE(srv->store.count(u"runs"_s), 1);
        auto stored = RunService(srv->store.ctx)
                          .get(Actor::user(w->adminId()), run.value(u"id"_s).toString());
        QVERIFY(stored.ok());
        QCOMPARE(stored->projectId, w->projectId());
        QCOMPARE(stored->name, u"first-run"_s);

        QTest::mouseClick(w->button(QWizard::FinishButton), Qt::LeftButton);
        QTRY_VERIFY(!window.firstRunWizard());
    }

    void noGuideOnceAnAccountExists()
    {
        AccountService accounts(srv->store.ctx);
        QVERIFY(
            accounts.signup(u"ada@lab.example"_s, u"correct horse battery"_s, u"127.0.0.1"_s).ok());
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
