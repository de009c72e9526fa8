// SPDX-License-Identifier: Apache-2.0
// The Billing panel: plan, usage bars against caps, open reservations,
// checkout and portal links opened through an injected opener, and the
// webhook events with whether each applied. Runs on SQLite and PostgreSQL.
#include "TestStore.h"

#include "billing/BillingPanel.h"
#include "billing/BillingService.h"
#include "billing/OfflineBillingProvider.h"
#include "core/JsonReader.h"
#include "usage/UsageService.h"
#include "workspaces/WorkspaceService.h"

#include <QComboBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTest>
#include <QTreeWidget>
#include <QUrlQuery>

using namespace wfx;
using wfx::ui::BillingPanel;

namespace {
QString S(const char *s)
{
    return QString::fromUtf8(s);
}
} // namespace

class TestBillingPanel : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, lab, vision;
    QList<QUrl> opened;

    static bool idle(BillingPanel &p) { return QTest::qWaitFor([&] { return !p.isBusy(); }, 10000); }
    static void click(QWidget &w, const char *name)
    {
        auto *b = w.findChild<QPushButton *>(QString::fromLatin1(name));
        QVERIFY2(b, name);
        QTest::mouseClick(b, Qt::LeftButton);
    }
    std::unique_ptr<BillingPanel> open()
    {
        auto p = std::make_unique<BillingPanel>(s->ctx, Actor::system(), std::make_shared<OfflineBillingProvider>(),
                                                [] { return S("http://127.0.0.1:8787"); });
        p->setUrlOpener([this](const QUrl &url) {
            opened.append(url);
            return true;
        });
        p->resize(1000, 700);
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
        WorkspaceService ws(s->ctx);
        lab = ws.create(s->actor(alice), S("Lab"))->id;
        s->clock.advanceMs(1);
        vision = ws.create(s->actor(alice), S("Vision"))->id;
        opened.clear();
    }
    void cleanup()
    {
        QTest::qWait(0);
        s.reset();
    }

    void showsUsageAgainstCapsAndOpenReservations()
    {
        UsageService usage(s->ctx);
        // Free plan: 1000 runs. 250 committed and 100 reserved: 35%.
        auto committed = usage.reserve(s->actor(alice), lab, S("runs"), 250, S("k1"));
        QVERIFY(committed.ok());
        QVERIFY(usage.commit(s->actor(alice), committed->reservation.id).ok());
        QVERIFY(usage.reserve(s->actor(alice), lab, S("runs"), 100, S("k2")).ok());
        QVERIFY(usage.reserve(s->actor(alice), vision, S("compute_seconds"), 7200, S("k3")).ok());
        auto p = open();
        QVERIFY(p->selectWorkspace(lab));
        QVERIFY(idle(*p));
        QCOMPARE(p->usagePercent(S("runs")), 35);
        const QString runsText = S("250 used + 100 reserved of %1").arg(QLocale().toString(1000));
        QVERIFY2(p->usageText(S("runs")).contains(runsText), qPrintable(p->usageText(S("runs"))));
        QCOMPARE(p->usagePercent(S("compute_seconds")), 0);
        QCOMPARE(p->reservations()->topLevelItemCount(), 1);
        QCOMPARE(p->reservations()->topLevelItem(0)->text(2), S("k2"));
        QVERIFY(p->findChild<QLabel *>(S("planLabel"))->text().contains(S("free")));

        // Keyboard: the workspace chooser moves to Vision.
        QComboBox *chooser = p->workspaceChooser();
        chooser->setFocus();
        QTest::keyClick(chooser, chooser->currentIndex() == 0 ? Qt::Key_Down : Qt::Key_Up);
        QCOMPARE(chooser->currentData().toString(), vision);
        QVERIFY(idle(*p));
        QCOMPARE(p->usagePercent(S("runs")), 0);
        QCOMPARE(p->reservations()->topLevelItemCount(), 1);
        QCOMPARE(p->reservations()->topLevelItem(0)->text(2), S("k3"));
        QVERIFY(p->usageText(S("compute_seconds")).contains(S("2 h reserved")));

        // Live: a reservation made elsewhere shows up.
        QVERIFY(usage.reserve(s->actor(alice), vision, S("runs"), 10, S("k4")).ok());
        QVERIFY(QTest::qWaitFor([&] { return p->reservations()->topLevelItemCount() == 2; }, 5000));
        QCOMPARE(p->usagePercent(S("runs")), 1);
    }

    void checkoutOpensTheProvidersPageAndRecordsIt()
    {
        auto p = open();
        QVERIFY(p->selectWorkspace(lab));
        QVERIFY(idle(*p));
        auto *plan = p->findChild<QComboBox *>(S("targetPlan"));
        plan->setCurrentIndex(plan->findData(S("team")));
        click(*p, "checkout");
        QVERIFY(QTest::qWaitFor([&] { return opened.size() == 1; }, 5000));
        const QUrl url = opened.first();
        QCOMPARE(url.scheme(), S("http"));
        QCOMPARE(url.host(), S("127.0.0.1"));
        QCOMPARE(url.path(), S("/billing/offline"));
        const QUrlQuery q(url);
        QCOMPARE(q.queryItemValue(S("workspace_id")), lab);
        QCOMPARE(q.queryItemValue(S("plan")), S("team"));
        Query row(s->db->connection(), S("SELECT plan, status, provider_ref FROM billing_subscriptions WHERE workspace_id = :w"));
        row.bind(S(":w"), lab);
        QVERIFY(row.exec() && row.next());
        QCOMPARE(row.str(0), S("team"));
        QCOMPARE(row.str(1), S("checkout_pending"));
        QCOMPARE(row.str(2), q.queryItemValue(S("session")));
        QCOMPARE(s->auditCount(S("billing.checkout")), 1);
        QVERIFY(p->statusText().contains(url.toString()));
    }

    void portalOpensTheProvidersPage()
    {
        auto p = open();
        QVERIFY(p->selectWorkspace(vision));
        QVERIFY(idle(*p));
        click(*p, "portal");
        QVERIFY(QTest::qWaitFor([&] { return opened.size() == 1; }, 5000));
        QCOMPARE(QUrlQuery(opened.first()).queryItemValue(S("workspace_id")), vision);
        QCOMPARE(opened.first().host(), S("127.0.0.1"));
    }

    void listsWebhookEventsAndWhetherTheyApplied()
    {
        const QByteArray secret("whsec_test");
        BillingService billing(s->ctx, std::make_shared<OfflineBillingProvider>());
        auto deliver = [&](const QJsonObject &ev) {
            const QByteArray raw = QJsonDocument(ev).toJson(QJsonDocument::Compact);
            return billing.handleWebhook(raw, BillingService::signHeader(raw, secret, s->clock.nowSecs()), secret,
                                         &JsonReader::read);
        };
        const QJsonObject object{{S("id"), S("cs_1")},
                                 {S("client_reference_id"), lab},
                                 {S("customer"), S("cus_1")},
                                 {S("metadata"), QJsonObject{{S("plan"), S("pro")}}}};
        QVERIFY(deliver({{S("id"), S("evt_applied")},
                         {S("type"), S("checkout.session.completed")},
                         {S("created"), double(s->clock.nowSecs())},
                         {S("data"), QJsonObject{{S("object"), object}}}})
                    .ok());
        auto p = open();
        QTreeWidget *events = p->events();
        QCOMPARE(events->topLevelItemCount(), 1);
        QCOMPARE(events->topLevelItem(0)->text(5), S("evt_applied"));
        QCOMPARE(events->topLevelItem(0)->text(3), S("Yes"));
        QCOMPARE(events->topLevelItem(0)->text(2), S("Lab"));
        // The applied event changed the plan; an ignored event arrives live.
        QVERIFY(p->selectWorkspace(lab));
        QVERIFY(QTest::qWaitFor([&] { return p->findChild<QLabel *>(S("planLabel"))->text().contains(S("pro")); }, 5000));
        s->clock.advanceMs(1000);
        QVERIFY(deliver({{S("id"), S("evt_ignored")},
                         {S("type"), S("customer.created")},
                         {S("created"), double(s->clock.nowSecs())},
                         {S("data"), QJsonObject{{S("object"), QJsonObject{{S("id"), S("cus_9")}}}}}})
                    .ok());
        QVERIFY(QTest::qWaitFor([&] { return events->topLevelItemCount() == 2; }, 5000));
        QCOMPARE(events->topLevelItem(0)->text(5), S("evt_ignored"));
        QCOMPARE(events->topLevelItem(0)->text(3), S("No"));
    }
};

QTEST_MAIN(TestBillingPanel)
#include "tst_billing_panel.moc"
