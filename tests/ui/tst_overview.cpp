// SPDX-License-Identifier: Apache-2.0
// The Overview panel and the main window, over a fake ServerControl.
#include "FakeServerControl.h"
#include "TestStore.h"

#include "ui/MainWindow.h"
#include "ui/apikeys/ApiKeysPanel.h"
#include "ui/audit/AuditPanel.h"
#include "ui/billing/BillingPanel.h"
#include "ui/dsar/DsarPanel.h"
#include "ui/overview/OverviewPanel.h"
#include "ui/runs/RunsPanel.h"
#include "ui/settings/SettingsPanel.h"
#include "ui/shares/SharesPanel.h"
#include "ui/workspaces/WorkspacesPanel.h"

#include <QApplication>
#include <QClipboard>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QTest>

using namespace Qt::StringLiterals;

using namespace wfx;
using wfx::ui::OverviewPanel;

namespace {
QString labelText(QWidget *w, const char *name)
{
    auto *l = w->findChild<QLabel *>(QString::fromLatin1(name));
    return l ? l->text() : u"<missing>"_s;
}
} // namespace

class TestOverview : public QObject
{
    Q_OBJECT

private slots:
    void showsAddressAndCopyPutsItOnTheClipboard()
    {
        wfxtest::FakeServerControl server;
        server.addr = u"http://127.0.0.1:43117"_s;
        OverviewPanel panel(&server);
        panel.show();
        QCOMPARE(labelText(&panel, "address"), u"http://127.0.0.1:43117"_s);
        QTest::mouseClick(panel.findChild<QPushButton *>(u"copyAddress"_s), Qt::LeftButton);
        QCOMPARE(QGuiApplication::clipboard()->text(), u"http://127.0.0.1:43117"_s);
    }

    void stopAndStartDriveTheServer()
    {
        wfxtest::FakeServerControl server;
        OverviewPanel panel(&server);
        panel.show();
        auto *start = panel.findChild<QPushButton *>(u"startServer"_s);
        auto *stop = panel.findChild<QPushButton *>(u"stopServer"_s);
        QCOMPARE(labelText(&panel, "state"), u"Running"_s);
        QVERIFY(!start->isEnabled());
        QTest::mouseClick(stop, Qt::LeftButton);
        QCOMPARE(server.stops, 1);
        QCOMPARE(labelText(&panel, "state"), u"Stopped"_s);
        QCOMPARE(labelText(&panel, "uptime"), u"Not running"_s);
        QVERIFY(start->isEnabled());
        QVERIFY(!stop->isEnabled());
        QTest::mouseClick(start, Qt::LeftButton);
        QCOMPARE(server.starts, 1);
        QCOMPARE(labelText(&panel, "state"), u"Running"_s);
    }

    void failedStartSaysSo()
    {
        wfxtest::FakeServerControl server;
        server.running = false;
        server.startSucceeds = false;
        OverviewPanel panel(&server);
        QTest::mouseClick(panel.findChild<QPushButton *>(u"startServer"_s), Qt::LeftButton);
        QVERIFY(labelText(&panel, "state").contains(u"could not listen"_s));
    }

    void storeSizeAndHealthArriveFromTheWorker()
    {
        wfxtest::FakeServerControl server;
        server.size = 3 * 1024 * 1024;
        server.healthy = false;
        OverviewPanel panel(&server);
        QCOMPARE(labelText(&panel, "store"), u"SQLite /var/lib/worldflux/store.db"_s);
        QTRY_VERIFY(labelText(&panel, "storeSize").contains(u"3"_s));
        QVERIFY(labelText(&panel, "storeSize").contains(u"MiB"_s));
        QVERIFY(labelText(&panel, "artifacts").startsWith(u"Unavailable"_s));
    }

    void requestRateIsSampledEverySecond()
    {
        wfxtest::FakeServerControl server;
        server.requests = 100;
        OverviewPanel panel(&server);
        server.requests = 105; // five requests during the first second
        QTRY_VERIFY_WITH_TIMEOUT(!panel.rateSamples().isEmpty(), 3000);
        QCOMPARE(panel.rateSamples().first(), 5.0);
        QTRY_VERIFY_WITH_TIMEOUT(panel.rateSamples().size() >= 2, 3000);
        QCOMPARE(panel.rateSamples().at(1), 0.0);
    }

    void mainWindowSwitchesPanelsWithCtrlDigits()
    {
        wfxtest::TestStore store(u"sqlite"_s);
        wfxtest::FakeServerControl server;
        ui::MainWindow window(store.ctx, Actor::system(), &server);
        window.show();
        QVERIFY(QTest::qWaitForWindowActive(&window) || QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.currentArea(), ui::MainWindow::Overview);
        QCOMPARE(window.navigation()->count(), int(ui::MainWindow::AreaCount));
        QTest::keyClick(&window, Qt::Key_3, Qt::ControlModifier);
        QCOMPARE(window.currentArea(), ui::MainWindow::Runs);
        QVERIFY(qobject_cast<ui::RunsPanel *>(window.panel(ui::MainWindow::Runs)));
        QTest::keyClick(&window, Qt::Key_5, Qt::ControlModifier);
        QCOMPARE(window.currentArea(), ui::MainWindow::ApiKeys);
        QVERIFY(qobject_cast<ui::ApiKeysPanel *>(window.panel(ui::MainWindow::ApiKeys)));
        QVERIFY(qobject_cast<ui::SharesPanel *>(window.panel(ui::MainWindow::Shares)));
        QTest::keyClick(&window, Qt::Key_6, Qt::ControlModifier);
        QCOMPARE(window.currentArea(), ui::MainWindow::Billing);
        QVERIFY(qobject_cast<ui::BillingPanel *>(window.panel(ui::MainWindow::Billing)));
        QVERIFY(qobject_cast<ui::WorkspacesPanel *>(window.panel(ui::MainWindow::Workspaces)));
        QVERIFY(qobject_cast<ui::DsarPanel *>(window.panel(ui::MainWindow::Dsar)));
        QVERIFY(qobject_cast<ui::AuditPanel *>(window.panel(ui::MainWindow::Audit)));
        QTest::keyClick(&window, Qt::Key_9, Qt::ControlModifier);
        QCOMPARE(window.currentArea(), ui::MainWindow::Settings);
        // Without a settings backend the Settings panel says it has nothing to show.
        auto *settings = qobject_cast<ui::SettingsPanel *>(window.panel(ui::MainWindow::Settings));
        QVERIFY(settings);
        QVERIFY(settings->findChild<QLabel *>(u"settingsUnavailable"_s));
        QTest::keyClick(&window, Qt::Key_1, Qt::ControlModifier);
        QCOMPARE(window.currentArea(), ui::MainWindow::Overview);
        // Every navigation entry has an accessible name.
        for (int i = 0; i < window.navigation()->count(); ++i)
            QVERIFY(
                !window.navigation()->item(i)->data(Qt::AccessibleTextRole).toString().isEmpty());
    }
};

QTEST_MAIN(TestOverview)
#include "tst_overview.moc"
