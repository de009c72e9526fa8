// SPDX-License-Identifier: Apache-2.0
// The Billing panel: plan, usage bars against caps, open reservations,
// checkout and portal links opened through an injected opener, and the
// webhook events with whether each applied. Runs on SQLite and PostgreSQL.
#include "TestStore.h"

#include "models/billing/BillingService.h"
#include "models/billing/OfflineBillingProvider.h"
#include "models/usage/UsageService.h"
#include "models/workspaces/WorkspaceService.h"
#include "server/core/JsonReader.h"
#include "ui/billing/BillingPanel.h"

#include <QComboBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTest>
#include <QTreeView>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

using namespace wfx;
using wfx::ui::BillingPanel;

namespace {
} // namespace

class TestBillingPanel : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, lab, vision;
    QList<QUrl> opened;

    static bool idle(BillingPanel &p)
    {
        return QTest::qWaitFor([&] { return !p.isBusy(); }, 10000);
    }
    static void click(QWidget &w, const char *name)
    {
        auto *b = w.findChild<QPushButton *>(QString::fromLatin1(name));
        QVERIFY2(b, name);
        QTest::mouseClick(b, Qt::LeftButton);
    }
    std::unique_ptr<BillingPanel> open()
    {
        auto p = std::make_unique<BillingPanel>(s->ctx, Actor::system(),
                                                std::make_shared<OfflineBillingProvider>(),
                                                [] { return u"http://127.0.0.1:8787"_s; });
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
        alice = s->createUser(u"alice@example.com"_s);
        WorkspaceService ws(s->ctx);
        lab = ws.create(s->actor(alice), u"Lab"_s)->id;
        s->clock.advanceMs(1);
        vision = ws.create(s->actor(alice), u"Vision"_s)->id;
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
        auto committed = usage.reserve(s->actor(alice), lab, u"runs"_s, 250, u"k1"_s);
        QVERIFY(committed.ok());
        QVERIFY(usage.commit(s->actor(alice), committed->reservation.id).ok());
        QVERIFY(usage.reserve(s->actor(alice), lab, u"runs"_s, 100, u"k2"_s).ok());
        QVERIFY(usage.reserve(s->actor(alice), vision, u"compute_seconds"_s, 7200, u"k3"_s).ok());
        auto p = open();
        QVERIFY(p->selectWorkspace(lab));
        QVERIFY(idle(*p));
        QCOMPARE(p->usagePercent(u"runs"_s), 35);
        const QString runsText = u"250 used + 100 reserved of %1"_s.arg(QLocale().toString(1000));
        QVERIFY2(p->usageText(u"runs"_s).contains(runsText), qPrintable(p->usageText(u"runs"_s)));
        QCOMPARE(p->usagePercent(u"compute_seconds"_s), 0);
        QCOMPARE(p->reservations()->model()->rowCount(), 1);
        QCOMPARE(p->reservations()->model()->index(0, 2).data().toString(), u"k2"_s);
        QVERIFY(p->findChild<QLabel *>(u"planLabel"_s)->text().contains(u"free"_s));

        // Keyboard: the workspace chooser moves to Vision.
        QComboBox *chooser = p->workspaceChooser();
        chooser->setFocus();
        QTest::keyClick(chooser, chooser->currentIndex() == 0 ? Qt::Key_Down : Qt::Key_Up);
        QCOMPARE(chooser->currentData().toString(), vision);
        QVERIFY(idle(*p));
        QCOMPARE(p->usagePercent(u"runs"_s), 0);
        QCOMPARE(p->reservations()->model()->rowCount(), 1);
        QCOMPARE(p->reservations()->model()->index(0, 2).data().toString(), u"k3"_s);
        QVERIFY(p->usageText(u"compute_seconds"_s).contains(u"2 h reserved"_s));

        // Live: a reservation made elsewhere shows up.
        QVERIFY(usage.reserve(s->actor(alice), vision, u"runs"_s, 10, u"k4"_s).ok());
        QVERIFY(QTest::qWaitFor([&] { return p->reservations()->model()->rowCount() == 2; }, 5000));
        QCOMPARE(p->usagePercent(u"runs"_s), 1);
    }

    void checkoutOpensTheProvidersPageAndRecordsIt()
    {
        auto p = open();
        QVERIFY(p->selectWorkspace(lab));
        QVERIFY(idle(*p));
        auto *plan = p->findChild<QComboBox *>(u"targetPlan"_s);
        plan->setCurrentIndex(plan->findData(u"team"_s));
        click(*p, "checkout");
        QVERIFY(QTest::qWaitFor([&] { return opened.size() == 1; }, 5000));
        const QUrl url = opened.first();
        QCOMPARE(url.scheme(), u"http"_s);
        QCOMPARE(url.host(), u"127.0.0.1"_s);
        QCOMPARE(url.path(), u"/billing/offline"_s);
        const QUrlQuery q(url);
        QCOMPARE(q.queryItemValue(u"workspace_id"_s), lab);
        QCOMPARE(q.queryItemValue(u"plan"_s), u"team"_s);
        Query row(
            s->db->connection(),
            u"SELECT plan, status, provider_ref FROM billing_subscriptions WHERE workspace_id = :w"_s);
        row.bind(u":w"_s, lab);
        QVERIFY(row.exec() && row.next());
        QCOMPARE(row.str(0), u"team"_s);
        QCOMPARE(row.str(1), u"checkout_pending"_s);
        QCOMPARE(row.str(2), q.queryItemValue(u"session"_s));
        QCOMPARE(s->auditCount(u"billing.checkout"_s), 1);
        QVERIFY(p->statusText().contains(url.toString()));
    }

    void portalOpensTheProvidersPage()
    {
        auto p = open();
        QVERIFY(p->selectWorkspace(vision));
        QVERIFY(idle(*p));
        click(*p, "portal");
        QVERIFY(QTest::qWaitFor([&] { return opened.size() == 1; }, 5000));
        QCOMPARE(QUrlQuery(opened.first()).queryItemValue(u"workspace_id"_s), vision);
        QCOMPARE(opened.first().host(), u"127.0.0.1"_s);
    }

    void listsWebhookEventsAndWhetherTheyApplied()
    {
        const QByteArray secret("whsec_test");
        BillingService billing(s->ctx, std::make_shared<OfflineBillingProvider>());
        auto deliver = [&](const QJsonObject &ev) {
            const QByteArray raw = QJsonDocument(ev).toJson(QJsonDocument::Compact);
            return billing.handleWebhook(
                raw, BillingService::signHeader(raw, secret, s->clock.nowSecs()), secret,
                &JsonReader::read);
        };
        const QJsonObject object{{u"id"_s, u"cs_1"_s},
                                 {u"client_reference_id"_s, lab},
                                 {u"customer"_s, u"cus_1"_s},
                                 {u"metadata"_s, QJsonObject{{u"plan"_s, u"pro"_s}}}};
        QVERIFY(deliver({{u"id"_s, u"evt_applied"_s},
                         {u"type"_s, u"checkout.session.completed"_s},
                         {u"created"_s, double(s->clock.nowSecs())},
                         {u"data"_s, QJsonObject{{u"object"_s, object}}}})
                    .ok());
        auto p = open();
        QTreeView *events = p->events();
        QCOMPARE(events->model()->rowCount(), 1);
        QCOMPARE(events->model()->index(0, 5).data().toString(), u"evt_applied"_s);
        QCOMPARE(events->model()->index(0, 3).data().toString(), u"Yes"_s);
        QCOMPARE(events->model()->index(0, 2).data().toString(), u"Lab"_s);
        // The applied event changed the plan; an ignored event arrives live.
        QVERIFY(p->selectWorkspace(lab));
        QVERIFY(QTest::qWaitFor(
            [&] { return p->findChild<QLabel *>(u"planLabel"_s)->text().contains(u"pro"_s); },
            5000));
        s->clock.advanceMs(1000);
        QVERIFY(
            deliver({{u"id"_s, u"evt_ignored"_s},
                     {u"type"_s, u"customer.created"_s},
                     {u"created"_s, double(s->clock.nowSecs())},
                     {u"data"_s, QJsonObject{{u"object"_s, QJsonObject{{u"id"_s, u"cus_9"_s}}}}}})
                .ok());
        QVERIFY(QTest::qWaitFor([&] { return events->model()->rowCount() == 2; }, 5000));
        QCOMPARE(events->model()->index(0, 5).data().toString(), u"evt_ignored"_s);
        QCOMPARE(events->model()->index(0, 3).data().toString(), u"No"_s);
    }
};

QTEST_MAIN(TestBillingPanel)
#include "tst_billing_panel.moc"
