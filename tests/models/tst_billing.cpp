// SPDX-License-Identifier: Apache-2.0
#include "TestStore.h"

#include "models/billing/BillingService.h"
#include "models/billing/OfflineBillingProvider.h"
#include "models/workspaces/WorkspaceService.h"
#include "server/core/JsonReader.h" // the server's reader, which the webhook route hands in

#include <QJsonDocument>
#include <QUrlQuery>

#include <atomic>
#include <thread>

using namespace wfx;

class TestBilling : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, bob, wsId;
    const QByteArray secret = QByteArrayLiteral("whsec_test_secret");

    BillingService service()
    {
        return BillingService(s->ctx, std::make_shared<OfflineBillingProvider>());
    }
    qint64 nowSecs() { return s->clock.nowSecs(); }
    static QByteArray body(const QJsonObject &o)
    {
        return QJsonDocument(o).toJson(QJsonDocument::Compact);
    }
    QByteArray checkoutEvent(const QString &id, const QString &ws, const QString &plan,
                             qint64 created)
    {
        return body(
            {{QStringLiteral("id"), id},
             {QStringLiteral("type"), QStringLiteral("checkout.session.completed")},
             {QStringLiteral("created"), double(created)},
             {QStringLiteral("data"),
              QJsonObject{{QStringLiteral("object"),
                           QJsonObject{{QStringLiteral("id"), QString(QStringLiteral("cs_") + id)},
                                       {QStringLiteral("client_reference_id"), ws},
                                       {QStringLiteral("customer"), QStringLiteral("cus_123")},
                                       {QStringLiteral("subscription"), QStringLiteral("sub_123")},
                                       {QStringLiteral("metadata"),
                                        QJsonObject{{QStringLiteral("plan"), plan}}}}}}}});
    }
    QByteArray subscriptionEvent(const QString &id, const QString &type, const QJsonObject &object,
                                 qint64 created)
    {
        return body({{QStringLiteral("id"), id},
                     {QStringLiteral("type"), type},
                     {QStringLiteral("created"), double(created)},
                     {QStringLiteral("data"), QJsonObject{{QStringLiteral("object"), object}}}});
    }
    QJsonObject subscription(const QString &ws, const QString &plan,
                             const QString &status = QStringLiteral("active"))
    {
        QJsonObject meta{{QStringLiteral("workspace_id"), ws}};
        if (!plan.isEmpty())
            meta.insert(QStringLiteral("plan"), plan);
        return {{QStringLiteral("id"), QStringLiteral("sub_123")},
                {QStringLiteral("status"), status},
                {QStringLiteral("metadata"), meta}};
    }
    Result<BillingEvent> deliver(BillingService &b, const QByteArray &raw)
    {
        return b.handleWebhook(raw, BillingService::signHeader(raw, secret, nowSecs()), secret,
                               &JsonReader::read);
    }
    QString plan()
    {
        Query q(s->db->connection(), QStringLiteral("SELECT plan FROM workspaces WHERE id = :w"));
        q.bind(QStringLiteral(":w"), wsId);
        return q.exec() && q.next() ? q.str(0) : QString();
    }
    void addMember(const QString &user, const QString &role)
    {
        Query q(s->db->connection(),
                QStringLiteral("INSERT INTO memberships (workspace_id, user_id, role, created_at) "
                               "VALUES (:w, :u, :r, 0)"));
        q.bind(QStringLiteral(":w"), wsId)
            .bind(QStringLiteral(":u"), user)
            .bind(QStringLiteral(":r"), role);
        QVERIFY(q.exec());
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(QStringLiteral("alice@example.com"));
        bob = s->createUser(QStringLiteral("bob@example.com"));
        auto w = WorkspaceService(s->ctx).create(s->actor(alice), QStringLiteral("Lab"));
        QVERIFY(w.ok());
        wsId = w->id;
    }
    void cleanup() { s.reset(); }

    void signature_data()
    {
        QTest::addColumn<int>("skew");      // seconds the header time lies from now
        QTest::addColumn<QString>("shape"); // how the header is built
        QTest::addColumn<bool>("valid");
        QTest::newRow("good") << 0 << QStringLiteral("good") << true;
        QTest::newRow("edge-old") << -300 << QStringLiteral("good") << true;
        QTest::newRow("edge-future") << 300 << QStringLiteral("good") << true;
        QTest::newRow("stale") << -301 << QStringLiteral("good") << false;
        QTest::newRow("future") << 301 << QStringLiteral("good") << false;
        QTest::newRow("wrong-secret") << 0 << QStringLiteral("wrong-secret") << false;
        QTest::newRow("tampered-body") << 0 << QStringLiteral("tampered") << false;
        QTest::newRow("several-v1-one-good") << 0 << QStringLiteral("several") << true;
        QTest::newRow("several-v1-none-good") << 0 << QStringLiteral("several-bad") << false;
        QTest::newRow("missing-header") << 0 << QStringLiteral("missing") << false;
        QTest::newRow("no-v1") << 0 << QStringLiteral("no-v1") << false;
        QTest::newRow("no-t") << 0 << QStringLiteral("no-t") << false;
        // The first t counts even when empty; a good t after it does not rescue the header.
        QTest::newRow("empty-first-t") << 0 << QStringLiteral("empty-first-t") << false;
        QTest::newRow("not-hex") << 0 << QStringLiteral("not-hex") << false;
        QTest::newRow("v0-only") << 0 << QStringLiteral("v0") << false;
        QTest::newRow("empty-secret") << 0 << QStringLiteral("empty-secret") << false;
    }
    void signature()
    {
        QFETCH(int, skew);
        QFETCH(QString, shape);
        QFETCH(bool, valid);
        BillingService b = service();
        const QByteArray raw =
            checkoutEvent(QStringLiteral("evt_1"), wsId, QStringLiteral("pro"), nowSecs());
        const qint64 t = nowSecs() + skew;
        const QString good = BillingService::signHeader(raw, secret, t);
        const QString goodSig = good.mid(good.indexOf(QLatin1String("v1=")) + 3);
        const QString ts = QStringLiteral("t=%1").arg(t);
        const QString other = BillingService::signHeader(raw, QByteArrayLiteral("other"), t);
        const QString otherSig = other.mid(other.indexOf(QLatin1String("v1=")) + 3);
        QString header;
        QByteArray key = secret;
        QByteArray sent = raw;
        if (shape == QLatin1String("good"))
            header = good;
        else if (shape == QLatin1String("wrong-secret"))
            header = other;
        else if (shape == QLatin1String("tampered"))
            header = good, sent.replace("pro", "team");
        else if (shape == QLatin1String("several"))
            header = ts + QStringLiteral(",v1=") + otherSig + QStringLiteral(", v1=") + goodSig +
                     QStringLiteral(",v0=ab");
        else if (shape == QLatin1String("several-bad"))
            header = ts + QStringLiteral(",v1=") + otherSig + QStringLiteral(",v1=") +
                     QString(64, QLatin1Char('0'));
        else if (shape == QLatin1String("no-v1"))
            header = ts;
        else if (shape == QLatin1String("no-t"))
            header = QStringLiteral("v1=") + goodSig;
        else if (shape == QLatin1String("empty-first-t"))
            header = QStringLiteral("t=,v1=") + goodSig + QLatin1Char(',') + ts;
        else if (shape == QLatin1String("not-hex"))
            header = ts + QStringLiteral(",v1=") + QString(64, QLatin1Char('z'));
        else if (shape == QLatin1String("v0"))
            header = ts + QStringLiteral(",v0=") + goodSig;
        else if (shape == QLatin1String("empty-secret"))
            header = BillingService::signHeader(raw, QByteArray(), t), key = QByteArray();
        auto r = b.handleWebhook(sent, header, key, &JsonReader::read);
        QCOMPARE(r.ok(), valid);
        if (valid) {
            QCOMPARE(plan(), QStringLiteral("pro"));
            QCOMPARE(s->count(QStringLiteral("billing_events")), 1);
        } else {
            QCOMPARE(r.error().code, ErrorCode::InvalidSignature);
            QCOMPARE(errorHttpStatus(r.error().code), 400);
            QCOMPARE(plan(), QStringLiteral("free"));
            QCOMPARE(s->count(QStringLiteral("billing_events")), 0);
            QCOMPARE(s->auditCount(QStringLiteral("billing.plan_change")), 0);
        }
    }

    void checkoutCompletedSetsPlanAndAuditsOnce()
    {
        BillingService b = service();
        auto r = deliver(
            b, checkoutEvent(QStringLiteral("evt_1"), wsId, QStringLiteral("pro"), nowSecs()));
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().message));
        QVERIFY(r->applied);
        QVERIFY(!r->duplicate);
        QCOMPARE(plan(), QStringLiteral("pro"));
        auto ws = WorkspaceService(s->ctx).get(s->actor(alice), wsId);
        QCOMPARE(ws->limits,
                 WorkspaceService::planLimits(s->db->connection(), QStringLiteral("pro")));
        Query q(s->db->connection(),
                QStringLiteral("SELECT actor_id, workspace_id, detail FROM audit_log WHERE action "
                               "= 'billing.plan_change'"));
        QVERIFY(q.exec() && q.next());
        QVERIFY(q.isNull(0));
        QCOMPARE(q.str(1), wsId);
        const QJsonObject d = QJsonDocument::fromJson(q.str(2).toUtf8()).object();
        QCOMPARE(d.value(QStringLiteral("from")).toString(), QStringLiteral("free"));
        QCOMPARE(d.value(QStringLiteral("to")).toString(), QStringLiteral("pro"));
        QCOMPARE(d.value(QStringLiteral("event_id")).toString(), QStringLiteral("evt_1"));
        QVERIFY(!q.next());
        Query c(
            s->db->connection(),
            QStringLiteral("SELECT customer_ref FROM billing_customers WHERE workspace_id = :w"));
        c.bind(QStringLiteral(":w"), wsId);
        QVERIFY(c.exec() && c.next());
        QCOMPARE(c.str(0), QStringLiteral("cus_123"));
    }

    void redeliveryIsAppliedOnce()
    {
        BillingService b = service();
        const QByteArray raw =
            checkoutEvent(QStringLiteral("evt_1"), wsId, QStringLiteral("pro"), nowSecs());
        QVERIFY(deliver(b, raw).ok());
        // Someone moves the plan meanwhile; the redelivery must not set it back.
        Query u(s->db->connection(),
                QStringLiteral("UPDATE workspaces SET plan = 'team' WHERE id = :w"));
        u.bind(QStringLiteral(":w"), wsId);
        QVERIFY(u.exec());
        auto again = deliver(b, raw);
        QVERIFY(again.ok());
        QVERIFY(again->duplicate);
        QVERIFY(again->applied);
        QCOMPARE(plan(), QStringLiteral("team"));
        QCOMPARE(s->count(QStringLiteral("billing_events")), 1);
        QCOMPARE(s->auditCount(QStringLiteral("billing.plan_change")), 1);
    }

    void subscriptionDeletedReturnsToFree()
    {
        BillingService b = service();
        QVERIFY(deliver(b, checkoutEvent(QStringLiteral("evt_1"), wsId, QStringLiteral("team"),
                                         nowSecs()))
                    .ok());
        auto r = deliver(b, subscriptionEvent(QStringLiteral("evt_2"),
                                              QStringLiteral("customer.subscription.deleted"),
                                              subscription(wsId, {}, QStringLiteral("canceled")),
                                              nowSecs() + 1));
        QVERIFY(r.ok());
        QVERIFY(r->applied);
        QCOMPARE(plan(), QStringLiteral("free"));
        QCOMPARE(s->auditCount(QStringLiteral("billing.plan_change")), 2);
    }

    void subscriptionUpdatedSetsPlanFromMetadataOrItems()
    {
        BillingService b = service();
        QVERIFY(deliver(b, subscriptionEvent(QStringLiteral("evt_1"),
                                             QStringLiteral("customer.subscription.created"),
                                             subscription(wsId, QStringLiteral("pro")), nowSecs()))
                    .ok());
        QCOMPARE(plan(), QStringLiteral("pro"));
        QJsonObject sub = subscription(wsId, {});
        sub.insert(QStringLiteral("items"),
                   QJsonObject{{QStringLiteral("data"),
                                QJsonArray{QJsonObject{{QStringLiteral("price"),
                                                        QJsonObject{{QStringLiteral("lookup_key"),
                                                                     QStringLiteral("team")}}}}}}});
        QVERIFY(deliver(b, subscriptionEvent(QStringLiteral("evt_2"),
                                             QStringLiteral("customer.subscription.updated"), sub,
                                             nowSecs() + 1))
                    .ok());
        QCOMPARE(plan(), QStringLiteral("team"));
        QCOMPARE(s->auditCount(QStringLiteral("billing.plan_change")), 2);
    }

    void olderEventAfterNewerAppliesNothing()
    {
        BillingService b = service();
        const qint64 t0 = nowSecs();
        QVERIFY(deliver(b, checkoutEvent(QStringLiteral("evt_1"), wsId, QStringLiteral("pro"), t0))
                    .ok());
        QVERIFY(deliver(b, subscriptionEvent(QStringLiteral("evt_3"),
                                             QStringLiteral("customer.subscription.deleted"),
                                             subscription(wsId, {}), t0 + 20))
                    .ok());
        QCOMPARE(plan(), QStringLiteral("free"));
        // evt_2 was created between them but arrives last.
        auto late =
            deliver(b, subscriptionEvent(QStringLiteral("evt_2"),
                                         QStringLiteral("customer.subscription.updated"),
                                         subscription(wsId, QStringLiteral("team")), t0 + 10));
        QVERIFY(late.ok());
        QVERIFY(!late->applied);
        QCOMPARE(plan(), QStringLiteral("free"));
        QCOMPARE(s->auditCount(QStringLiteral("billing.plan_change")), 2);
        QCOMPARE(s->count(QStringLiteral("billing_events")), 3);
    }

    void samePlanAgainWritesNoAuditEntry()
    {
        BillingService b = service();
        QVERIFY(deliver(b, checkoutEvent(QStringLiteral("evt_1"), wsId, QStringLiteral("pro"),
                                         nowSecs()))
                    .ok());
        auto r =
            deliver(b, subscriptionEvent(QStringLiteral("evt_2"),
                                         QStringLiteral("customer.subscription.updated"),
                                         subscription(wsId, QStringLiteral("pro")), nowSecs()));
        QVERIFY(r.ok());
        QVERIFY(r->applied);
        QCOMPARE(s->auditCount(QStringLiteral("billing.plan_change")), 1);
    }

    void unknownWorkspacePlanOrTypeIsRecordedNotApplied()
    {
        BillingService b = service();
        auto unknownWs = deliver(b, checkoutEvent(QStringLiteral("evt_1"), ids::newUuid(),
                                                  QStringLiteral("pro"), nowSecs()));
        QVERIFY(unknownWs.ok());
        QVERIFY(!unknownWs->applied);
        auto notUuid = deliver(b, checkoutEvent(QStringLiteral("evt_2"), QStringLiteral("x'; DROP"),
                                                QStringLiteral("pro"), nowSecs()));
        QVERIFY(notUuid.ok());
        QVERIFY(notUuid->workspaceId.isEmpty());
        auto badPlan = deliver(
            b, checkoutEvent(QStringLiteral("evt_3"), wsId, QStringLiteral("platinum"), nowSecs()));
        QVERIFY(badPlan.ok());
        QVERIFY(!badPlan->applied);
        auto other = deliver(b, subscriptionEvent(QStringLiteral("evt_4"),
                                                  QStringLiteral("invoice.paid"), {}, nowSecs()));
        QVERIFY(other.ok());
        QVERIFY(!other->applied);
        QCOMPARE(plan(), QStringLiteral("free"));
        QCOMPARE(s->count(QStringLiteral("billing_events")), 4);
        QCOMPARE(s->auditCount(QStringLiteral("billing.plan_change")), 0);
        Query q(s->db->connection(),
                QStringLiteral(
                    "SELECT COUNT(*) FROM billing_events WHERE applied = 0 AND outcome <> ''"));
        QVERIFY(q.exec() && q.next());
        QCOMPARE(q.i64(0), 4);
    }

    void malformedBodiesAreRefused_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<int>("code");
        QTest::newRow("not-json") << QByteArrayLiteral("{nope") << int(ErrorCode::Validation);
        QTest::newRow("array") << QByteArrayLiteral("[1,2]") << int(ErrorCode::Validation);
        // RFC 8259 exactly (the reader handed in): no unknown escapes, no duplicate keys.
        QTest::newRow("unknown-escape")
            << QByteArrayLiteral("{\"id\":\"evt_\\x41\",\"type\":\"x\"}")
            << int(ErrorCode::Validation);
        QTest::newRow("duplicate-key")
            << QByteArrayLiteral("{\"id\":\"e1\",\"type\":\"x\",\"id\":\"e2\"}")
            << int(ErrorCode::Validation);
        QTest::newRow("no-id") << QByteArrayLiteral("{\"type\":\"x\"}")
                               << int(ErrorCode::Validation);
        QTest::newRow("id-number")
            << QByteArrayLiteral("{\"id\":5,\"type\":\"x\"}") << int(ErrorCode::Validation);
        QTest::newRow("bad-created")
            << QByteArrayLiteral("{\"id\":\"e\",\"type\":\"x\",\"created\":\"soon\"}")
            << int(ErrorCode::Validation);
        QTest::newRow("too-large") << (QByteArrayLiteral("{\"id\":\"e\",\"pad\":\"") +
                                       QByteArray(1024 * 1024, 'a') + "\"}")
                                   << int(ErrorCode::Validation);
    }
    void malformedBodiesAreRefused()
    {
        QFETCH(QByteArray, raw);
        QFETCH(int, code);
        BillingService b = service();
        auto r = deliver(b, raw);
        QVERIFY(!r.ok());
        QCOMPARE(int(r.error().code), code);
        QCOMPARE(s->count(QStringLiteral("billing_events")), 0);
    }

    void eventWithoutCreatedIsOrderedByReceipt()
    {
        BillingService b = service();
        QJsonObject ev{
            {QStringLiteral("id"), QStringLiteral("evt_1")},
            {QStringLiteral("type"), QStringLiteral("checkout.session.completed")},
            {QStringLiteral("data"),
             QJsonObject{
                 {QStringLiteral("object"),
                  QJsonObject{{QStringLiteral("client_reference_id"), wsId},
                              {QStringLiteral("metadata"),
                               QJsonObject{{QStringLiteral("plan"), QStringLiteral("pro")}}}}}}}};
        auto r = deliver(b, body(ev));
        QVERIFY(r.ok());
        QCOMPARE(r->eventCreated, s->clock.nowMs());
        QCOMPARE(plan(), QStringLiteral("pro"));
    }

    void concurrentRedeliveriesApplyOnce()
    {
        const QByteArray raw =
            checkoutEvent(QStringLiteral("evt_1"), wsId, QStringLiteral("pro"), nowSecs());
        const QString header = BillingService::signHeader(raw, secret, nowSecs());
        std::atomic<int> ok{0};
        std::vector<std::thread> pool;
        for (int i = 0; i < 6; ++i) {
            pool.emplace_back([&] {
                BillingService b(s->ctx, std::make_shared<OfflineBillingProvider>());
                if (b.handleWebhook(raw, header, secret, &JsonReader::read).ok())
                    ++ok;
            });
        }
        for (auto &t : pool)
            t.join();
        QCOMPARE(ok.load(), 6);
        QCOMPARE(s->count(QStringLiteral("billing_events")), 1);
        QCOMPARE(s->auditCount(QStringLiteral("billing.plan_change")), 1);
    }

    void checkoutNeedsOwnerOrAdminAndAPaidPlan()
    {
        BillingService b = service();
        addMember(bob, QStringLiteral("member"));
        QCOMPARE(b.checkout(s->actor(bob), wsId, QStringLiteral("pro")).error().code,
                 ErrorCode::Forbidden);
        const QString carol = s->createUser(QStringLiteral("carol@example.com"));
        QCOMPARE(b.checkout(s->actor(carol), wsId, QStringLiteral("pro")).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(b.checkout(s->actor(alice), wsId, QStringLiteral("free")).error().code,
                 ErrorCode::Validation);
        QCOMPARE(b.checkout(s->actor(alice), wsId, QStringLiteral("platinum")).error().code,
                 ErrorCode::Validation);
        QCOMPARE(s->auditCount(QStringLiteral("billing.checkout")), 0);
        Query q(s->db->connection(),
                QStringLiteral("UPDATE memberships SET role = 'admin' WHERE user_id = :u"));
        q.bind(QStringLiteral(":u"), bob);
        QVERIFY(q.exec());
        QVERIFY(b.checkout(s->actor(bob), wsId, QStringLiteral("pro")).ok());
    }

    void offlineCheckoutRecordsPendingAndAdminConfirms()
    {
        BillingService b = service();
        auto c = b.checkout(s->actor(alice), wsId, QStringLiteral("team"),
                            QStringLiteral("https://x/ok"));
        QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().message));
        QCOMPARE(c->provider, QStringLiteral("offline"));
        QVERIFY(c->url.startsWith(QStringLiteral("/billing/offline?")));
        const QUrlQuery query(QUrl(c->url).query());
        QCOMPARE(query.queryItemValue(QStringLiteral("session")), c->sessionRef);
        QCOMPARE(query.queryItemValue(QStringLiteral("plan")), QStringLiteral("team"));
        QCOMPARE(plan(), QStringLiteral("free")); // nothing changes before payment is confirmed
        QCOMPARE(s->auditCount(QStringLiteral("billing.checkout")), 1);

        QCOMPARE(b.completeOfflineCheckout(s->actor(alice), c->sessionRef).error().code,
                 ErrorCode::Forbidden);
        Actor admin = s->actor(bob);
        admin.instanceAdmin = true;
        QCOMPARE(b.completeOfflineCheckout(admin, QStringLiteral("offcs_unknown")).error().code,
                 ErrorCode::NotFound);
        QVERIFY(b.completeOfflineCheckout(admin, c->sessionRef).ok());
        QCOMPARE(plan(), QStringLiteral("team"));
        QVERIFY(b.completeOfflineCheckout(admin, c->sessionRef).ok());
        QCOMPARE(s->auditCount(QStringLiteral("billing.plan_change")), 1);
        Query q(
            s->db->connection(),
            QStringLiteral("SELECT actor_id FROM audit_log WHERE action = 'billing.plan_change'"));
        QVERIFY(q.exec() && q.next());
        QCOMPARE(q.str(0), bob);
    }

    void portalForOwnerNotForOutsider()
    {
        BillingService b = service();
        auto p = b.portal(s->actor(alice), wsId);
        QVERIFY(p.ok());
        QVERIFY(p->contains(wsId));
        QCOMPARE(b.portal(s->actor(bob), wsId).error().code, ErrorCode::NotFound);
    }

    void webhookEventsForAdminsPaged()
    {
        BillingService b = service();
        for (int i = 0; i < 5; ++i) {
            QVERIFY(deliver(b, checkoutEvent(QStringLiteral("evt_%1").arg(i), wsId,
                                             QStringLiteral("pro"), nowSecs()))
                        .ok());
            s->clock.advanceMs(1000);
        }
        QCOMPARE(b.webhookEvents(s->actor(alice), 50, {}).error().code, ErrorCode::Forbidden);
        auto page = b.webhookEvents(Actor::system(), 2, {});
        QVERIFY(page.ok());
        QCOMPARE(page->items.size(), 2);
        QCOMPARE(page->items[0].eventId, QStringLiteral("evt_4"));
        QStringList all;
        QString cur = page->nextCursor;
        for (const auto &e : page->items)
            all << e.eventId;
        while (!cur.isEmpty()) {
            auto p = b.webhookEvents(Actor::system(), 2, cur);
            QVERIFY(p.ok());
            for (const auto &e : p->items)
                all << e.eventId;
            cur = p->nextCursor;
        }
        QCOMPARE(all, (QStringList{QStringLiteral("evt_4"), QStringLiteral("evt_3"),
                                   QStringLiteral("evt_2"), QStringLiteral("evt_1"),
                                   QStringLiteral("evt_0")}));
        const QJsonObject j = page->items[0].toJson();
        for (const char *k :
             {"event_id", "type", "created", "received_at", "workspace_id", "applied", "outcome"})
            QVERIFY2(j.contains(QLatin1String(k)), k);
    }

    // The checkout's and the event's JSON, byte for byte (they come from field tables).
    void checkoutAndEventJsonBytes()
    {
        const CheckoutSession c{QStringLiteral("8f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"),
                                QStringLiteral("pro"), QStringLiteral("offline"),
                                QStringLiteral("cs_1"), QStringLiteral("https://pay/\"x\"")};
        QCOMPARE(body(c.toJson()),
                 QByteArray("{\"plan\":\"pro\",\"provider\":\"offline\",\"session_ref\":"
                            "\"cs_1\",\"url\":\"https://pay/\\\"x\\\"\",\"workspace_id\":"
                            "\"8f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b\"}"));
        BillingEvent e;
        e.eventId = QStringLiteral("evt_1");
        e.type = QStringLiteral("checkout.session.completed");
        e.eventCreated = 1'800'000'000'000LL;
        e.receivedAt = 1'800'000'000'123LL;
        e.outcome = QStringLiteral("ignored");
        e.duplicate = true;
        const QString shape =
            QStringLiteral("{\"applied\":%1,\"created\":\"%2\",\"event_id\":\"evt_1\","
                           "\"outcome\":\"ignored\",\"received_at\":\"%3\","
                           "\"type\":\"checkout.session.completed\",\"workspace_id\":%4}");
        const QString created = ids::formatTime(e.eventCreated);
        const QString received = ids::formatTime(e.receivedAt);
        QCOMPARE(QString::fromUtf8(body(e.toJson())),
                 shape.arg(QStringLiteral("false"), created, received, QStringLiteral("null")));
        e.applied = true;
        e.workspaceId = QStringLiteral("8f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b");
        QCOMPARE(QString::fromUtf8(body(e.toJson())),
                 shape.arg(QStringLiteral("true"), created, received,
                           QStringLiteral("\"8f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b\"")));
    }
};

QTEST_GUILESS_MAIN(TestBilling)
#include "tst_billing.moc"
