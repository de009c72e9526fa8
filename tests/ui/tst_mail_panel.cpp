// SPDX-License-Identifier: Apache-2.0
// The mail outbox panel: reset mails written while no mail transport is set
// are listed for the administrator (to, subject, created, not sent and why)
// with their stored body (the reset link withheld); sent ones show when. It is
// reachable from the window. Runs on SQLite and PostgreSQL.
#include "FakeServerControl.h"
#include "TestStore.h"

#include "models/accounts/AccountService.h"
#include "models/accounts/MailOutbox.h"
#include "ui/MainWindow.h"
#include "ui/mail/MailModel.h"
#include "ui/mail/MailPanel.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSet>
#include <QTableView>
#include <QTest>

using namespace Qt::StringLiterals;

using namespace wfx;
using wfx::ui::MailModel;
using wfx::ui::MailPanel;

namespace {

class RecordingTransport : public MailTransport
{
public:
    Status send(const MailMessage &m) override
    {
        sent.append(m);
        return Ok{};
    }
    QList<MailMessage> sent;
};
} // namespace

class TestMailPanel : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;

    static int rowTo(const MailModel *m, const QString &to)
    {
        for (int r = 0; r < m->rowCount(); ++r)
            if (m->entryAt(r).to == to)
                return r;
        return -1;
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void initTestCase() { wfxtest::useFastPasswordHashing(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        s->createUser(u"alice@example.com"_s, true);
        s->createUser(u"bob@example.com"_s);
    }
    void cleanup()
    {
        QTest::qWait(0);
        s.reset();
    }

    void listsUnsentResetMailsWithTheirBody()
    {
        // No transport: the message is kept, marked as not sent.
        AccountService noMail(s->ctx);
        QVERIFY(noMail.requestPasswordReset(u"bob@example.com"_s, u"192.0.2.1"_s).ok());
        // With a transport: delivered and marked sent.
        auto transport = std::make_shared<RecordingTransport>();
        auto outbox = std::make_shared<MailOutbox>(s->ctx, transport);
        s->clock.advanceMs(60'000);
        AccountService withMail(s->ctx, outbox);
        QVERIFY(withMail.requestPasswordReset(u"alice@example.com"_s, u"192.0.2.1"_s).ok());
        {
            auto sent = outbox->deliverPending();
            QVERIFY(sent.ok());
            QCOMPARE(sent.value(), 1);
        }
        QCOMPARE(s->count(u"mail_outbox"_s), 2);

        MailPanel panel(s->ctx, Actor::system());
        panel.resize(900, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        MailModel *m = panel.model();
        QAbstractItemModelTester tester(m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_COMPARE_WITH_TIMEOUT(m->rowCount(), 2, 10000);
        QCOMPARE(m->entryAt(0).to, u"alice@example.com"_s); // newest first
        const int bob = rowTo(m, u"bob@example.com"_s);
        QCOMPARE(m->index(bob, MailModel::Subject).data().toString(),
                 u"Reset your WorldFlux Console password"_s);
        QCOMPARE(m->index(bob, MailModel::State).data().toString(),
                 u"Not sent: No mail transport is configured."_s);
        QVERIFY(m->index(0, MailModel::State).data().toString().startsWith(u"Sent "_s));
        QVERIFY(!m->index(bob, MailModel::Created).data().toString().isEmpty());

        // Choosing a row with the keyboard shows its body; the link itself never reached the store.
        panel.view()->setFocus();
        QTest::keyClick(panel.view(), Qt::Key_Home);
        if (bob == 1)
            QTest::keyClick(panel.view(), Qt::Key_Down);
        QTRY_VERIFY(panel.bodyView()->toPlainText().contains(u"To: bob@example.com"_s));
        QVERIFY(panel.bodyView()->toPlainText().contains(u"[reset link withheld]"_s));
        QVERIFY(!panel.bodyView()->toPlainText().contains(u"wfxrst_"_s));

        // A later mail appears on Refresh.
        QVERIFY(noMail.requestPasswordReset(u"alice@example.com"_s, u"192.0.2.1"_s).ok());
        QTest::mouseClick(panel.findChild<QPushButton *>(u"refreshMail"_s), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(m->rowCount(), 3, 10000);
    }

    void onlyTheAdministratorMayReadIt()
    {
        const QString carol = s->createUser(u"carol@example.com"_s);
        QCOMPARE(MailOutbox::list(s->ctx, s->actor(carol), 10, {}).error().code,
                 ErrorCode::Forbidden);
        Actor admin = s->actor(carol);
        admin.instanceAdmin = true;
        QVERIFY(MailOutbox::list(s->ctx, admin, 10, {}).ok());
    }

    void pagesThroughTheOutbox()
    {
        AccountService noMail(s->ctx);
        for (int i = 0; i < 5; ++i) {
            s->clock.advanceMs(3600LL * 1000 + 1); // past the hourly cap on reset mails
            QVERIFY(noMail.requestPasswordReset(u"bob@example.com"_s, u"192.0.2.1"_s).ok());
        }
        QStringList seen;
        QString cursor;
        do {
            auto page = MailOutbox::list(s->ctx, Actor::system(), 2, cursor);
            QVERIFY(page.ok());
            for (const OutboxEntry &e : page->items)
                seen << e.id;
            cursor = page->nextCursor;
        } while (!cursor.isEmpty());
        QCOMPARE(seen.size(), 5);
        QCOMPARE(QSet<QString>(seen.begin(), seen.end()).size(), 5);
    }

    void reachableFromTheWindow()
    {
        wfxtest::FakeServerControl server;
        ui::MainWindow window(s->ctx, Actor::system(), &server);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTest::keyClick(&window, Qt::Key_0, Qt::ControlModifier);
        QCOMPARE(window.currentArea(), ui::MainWindow::Mail);
        QVERIFY(qobject_cast<MailPanel *>(window.panel(ui::MainWindow::Mail)));
        QCOMPARE(window.navigation()->currentItem()->text(), u"Mail outbox"_s);
    }
};

QTEST_MAIN(TestMailPanel)
#include "tst_mail_panel.moc"
