// SPDX-License-Identifier: Apache-2.0
// Billing over HTTP: checkout and portal (offline provider and the Stripe
// client against a fake Stripe), and the signed webhook.
#include "TestHttp.h"

#include "models/billing/BillingService.h"
#include "models/core/Ids.h"
#include "server/billing/StripeProvider.h"
#include "server/core/Services.h"

#include <QTcpServer>
#include <QTest>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

using namespace wfx;
using namespace wfxtest;

namespace {
const QByteArray kSecret = "whsec_routes_test";

// A stand-in for api.stripe.com: records each request and answers with the
// configured status and JSON body (or not at all when `silent`).
class FakeStripe : public QObject
{
public:
    struct Recorded
    {
        QByteArray method, path, authorization, contentType, body;
        QUrlQuery form() const { return QUrlQuery(QString::fromUtf8(body)); }
        QString field(const char *name) const
        {
            for (const auto &[k, v] :
                 QUrlQuery(QString::fromLatin1(body)).queryItems(QUrl::FullyDecoded)) {
                if (k == QLatin1String(name))
                    return v;
            }
            return {};
        }
    };

    FakeStripe()
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, this, [this, s] { serve(s); });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }
    QString baseUrl() const
    {
        return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort());
    }

    int status = 200;
    QJsonObject answer;
    bool silent = false;
    QList<Recorded> requests;

private:
    void serve(QTcpSocket *s)
    {
        QByteArray &buf = m_buffers[s];
        buf += s->readAll();
        const qsizetype headEnd = buf.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return;
        const QList<QByteArray> lines = buf.left(headEnd).split('\n');
        Recorded r;
        const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
        r.method = first.value(0);
        r.path = first.value(1);
        qsizetype length = 0;
        for (const QByteArray &l : lines.mid(1)) {
            const qsizetype colon = l.indexOf(':');
            const QByteArray name = l.left(colon).trimmed().toLower(),
                             value = l.mid(colon + 1).trimmed();
            if (name == "content-length")
                length = value.toLongLong();
            else if (name == "authorization")
                r.authorization = value;
            else if (name == "content-type")
                r.contentType = value;
        }
        if (buf.size() < headEnd + 4 + length)
            return;
        r.body = buf.mid(headEnd + 4, length);
        m_buffers.remove(s);
        requests.append(r);
        if (silent)
            return;
        const QByteArray body = QJsonDocument(answer).toJson(QJsonDocument::Compact);
        s->write("HTTP/1.1 " + QByteArray::number(status) +
                 " X\r\nContent-Type: application/json\r\nContent-Length: " +
                 QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
        s->disconnectFromHost();
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

QByteArray event(const QString &type, const QJsonObject &object, const QString &id = {})
{
    return QJsonDocument(
               QJsonObject{{u"id"_s, id.isEmpty() ? QString(u"evt_"_s + ids::newUuid()) : id},
                           {u"object"_s, u"event"_s},
                           {u"type"_s, type},
                           {u"data"_s, QJsonObject{{u"object"_s, object}}}})
        .toJson(QJsonDocument::Compact);
}

QByteArray checkoutCompleted(const QString &ws, const QString &plan,
                             const QString &customer = u"cus_test1"_s)
{
    return event(u"checkout.session.completed"_s,
                 {{u"id"_s, QString(u"cs_"_s + ids::newUuid())},
                  {u"object"_s, u"checkout.session"_s},
                  {u"client_reference_id"_s, ws},
                  {u"customer"_s, customer},
                  {u"subscription"_s, QString(u"sub_"_s + ids::newUuid())},
                  {u"metadata"_s, QJsonObject{{u"plan"_s, plan}}}});
}

QByteArray subscriptionDeleted(const QString &ws)
{
    return event(u"customer.subscription.deleted"_s,
                 {{u"id"_s, QString(u"sub_"_s + ids::newUuid())},
                  {u"object"_s, u"subscription"_s},
                  {u"status"_s, u"canceled"_s},
                  {u"metadata"_s, QJsonObject{{u"workspace_id"_s, ws}}}});
}
} // namespace

class TestBillingRoutes : public QObject
{
    Q_OBJECT

    std::unique_ptr<TestServer> srv;
    TestUser A, B;

    qint64 nowSecs() const { return srv->store.clock.nowMs() / 1000; }
    QString sign(const QByteArray &body, qint64 t = -1, const QByteArray &secret = kSecret) const
    {
        return BillingService::signHeader(body, secret, t < 0 ? nowSecs() : t);
    }
    static HttpResult webhook(HttpClient &c, const QByteArray &body, const QString &signature,
                              const QByteArray &contentType = "application/json")
    {
        QList<QPair<QByteArray, QByteArray>> h{{"Content-Type", contentType}};
        if (!signature.isNull())
            h.append({"Stripe-Signature", signature.toLatin1()});
        return c.request("POST", u"/api/billing/webhook"_s, body, h);
    }
    HttpResult webhook(const QByteArray &body, const QString &signature)
    {
        HttpClient anon(srv->port);
        return webhook(anon, body, signature);
    }
    QString plan(const QString &ws)
    {
        return A.api->get(u"/api/workspaces/"_s + ws)
            .object("workspace")
            .value(u"plan"_s)
            .toString();
    }
    int planChanges(const QString &ws)
    {
        return int(A.api->get(u"/api/audit/logs?action=billing.plan_change&workspace_id="_s + ws)
                       .items()
                       .size());
    }
    void join(TestServer &server, TestUser &owner, TestUser &who, const QString &ws,
              const QString &role)
    {
        const HttpResult inv =
            owner.api->post(u"/api/workspaces/"_s + ws + u"/invitations"_s,
                            QJsonObject{{u"email"_s, who.email}, {u"role"_s, role}});
        QCOMPARE(inv.status, 201);
        QVERIFY(server.server->services().workspaces.acceptInvitation(
            Actor::user(who.id), inv.json().value(u"token"_s).toString()));
    }

private slots:
    void initTestCase()
    {
        useFastPasswordHashing();
        ServerConfig cfg;
        cfg.webhookSecret = kSecret;
        srv = std::make_unique<TestServer>(cfg);
        A = signup(srv->port, u"billing-a"_s);
        B = signup(srv->port, u"billing-b"_s);
        QVERIFY(!A.secret.isEmpty() && !B.secret.isEmpty());
    }
    void cleanupTestCase()
    {
        A = {};
        B = {};
        srv.reset();
    }

    // ------------------------------------------------------------- checkout

    void offlineCheckoutAnswers201WithALocalLinkAndLeavesThePlan()
    {
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        const HttpResult r =
            A.api->post(u"/api/billing/checkout"_s,
                        QJsonObject{{u"workspace_id"_s, ws}, {u"plan"_s, u"pro"_s}});
        QCOMPARE(r.status, 201);
        const QJsonObject c = r.object("checkout");
        QCOMPARE(c.value(u"provider"_s).toString(), u"offline"_s);
        QCOMPARE(c.value(u"plan"_s).toString(), u"pro"_s);
        QCOMPARE(c.value(u"workspace_id"_s).toString(), ws);
        QVERIFY(c.value(u"url"_s).toString().startsWith(u"/billing/offline?"_s));
        QCOMPARE(r.json().value(u"url"_s).toString(), c.value(u"url"_s).toString());
        QVERIFY(c.value(u"url"_s).toString().contains(c.value(u"session_ref"_s).toString()));
        QCOMPARE(plan(ws), u"free"_s);
    }

    void badCheckoutInputIs422NamingTheField_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QJsonValue>("value");
        QTest::newRow("workspace_id missing")
            << u"workspace_id"_s << QJsonValue(QJsonValue::Undefined);
        QTest::newRow("workspace_id not an id") << u"workspace_id"_s << QJsonValue(u"ws"_s);
        QTest::newRow("plan missing") << u"plan"_s << QJsonValue(QJsonValue::Undefined);
        QTest::newRow("plan free") << u"plan"_s << QJsonValue(u"free"_s);
        QTest::newRow("plan unknown") << u"plan"_s << QJsonValue(u"gold"_s);
        QTest::newRow("plan a number") << u"plan"_s << QJsonValue(2);
        QTest::newRow("success_url too long")
            << u"success_url"_s
            << QJsonValue(u"https://x.example/"_s + QString(2040, QLatin1Char('a')));
        QTest::newRow("success_url a number") << u"success_url"_s << QJsonValue(1);
        QTest::newRow("success_url empty") << u"success_url"_s << QJsonValue(u""_s);
        QTest::newRow("cancel_url too long")
            << u"cancel_url"_s
            << QJsonValue(u"https://x.example/"_s + QString(2040, QLatin1Char('a')));
        QTest::newRow("cancel_url an object") << u"cancel_url"_s << QJsonValue(QJsonObject{});
    }
    void badCheckoutInputIs422NamingTheField()
    {
        QFETCH(QString, field);
        QFETCH(QJsonValue, value);
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        QJsonObject body{{u"workspace_id"_s, ws}, {u"plan"_s, u"pro"_s}};
        if (value.isUndefined())
            body.remove(field);
        else
            body.insert(field, value);
        const HttpResult r = A.api->post(u"/api/billing/checkout"_s, body);
        QCOMPARE(r.status, 422);
        QVERIFY2(r.fields().contains(field), r.body.constData());
    }

    void checkoutOfAnotherWorkspaceIs404AndOfAMemberIs403()
    {
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        const QJsonObject body{{u"workspace_id"_s, ws}, {u"plan"_s, u"pro"_s}};
        HttpResult r = B.api->post(u"/api/billing/checkout"_s, body);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.code(), u"not_found"_s);
        QCOMPARE(B.api->post(u"/api/billing/portal"_s, QJsonObject{{u"workspace_id"_s, ws}}).status,
                 404);
        join(*srv, A, B, ws, u"member"_s);
        r = B.api->post(u"/api/billing/checkout"_s, body);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.code(), u"forbidden"_s);
        QVERIFY(A.api->get(u"/api/audit/logs?action=billing.checkout&workspace_id="_s + ws)
                    .items()
                    .isEmpty());
    }

    void portalAnswersAUrl()
    {
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        const HttpResult r =
            A.api->post(u"/api/billing/portal"_s, QJsonObject{{u"workspace_id"_s, ws}});
        QCOMPARE(r.status, 200);
        QVERIFY(r.json().value(u"url"_s).toString().contains(ws));
    }

    void badPortalInputIs422()
    {
        for (const QJsonObject &body : {QJsonObject{}, QJsonObject{{u"workspace_id"_s, u"x"_s}},
                                        QJsonObject{{u"workspace_id"_s, 5}}}) {
            const HttpResult r = A.api->post(u"/api/billing/portal"_s, body);
            QCOMPARE(r.status, 422);
            QCOMPARE(r.fields(), QStringList{u"workspace_id"_s});
        }
    }

    void billingNeedsCredentials()
    {
        HttpClient anon(srv->port);
        QCOMPARE(anon.post(u"/api/billing/checkout"_s,
                           QJsonObject{{u"workspace_id"_s, ids::newUuid()}, {u"plan"_s, u"pro"_s}})
                     .status,
                 401);
        QCOMPARE(
            anon.post(u"/api/billing/portal"_s, QJsonObject{{u"workspace_id"_s, ids::newUuid()}})
                .status,
            401);
    }

    // -------------------------------------------------------------- webhook

    void signedCheckoutEventSetsThePlanOnceWithOneSystemEntry()
    {
        const QJsonObject created = createWorkspace(*A.api);
        const QString ws = created.value(u"id"_s).toString();
        const QByteArray body = checkoutCompleted(ws, u"pro"_s);
        HttpResult r = webhook(body, sign(body));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"received"_s).toBool(), true);
        QCOMPARE(r.json().value(u"duplicate"_s).toBool(), false);
        const QJsonObject got = A.api->get(u"/api/workspaces/"_s + ws).object("workspace");
        QCOMPARE(got.value(u"plan"_s).toString(), u"pro"_s);
        QVERIFY(got.value(u"limits"_s).toObject().value(u"runs"_s).toInteger() >
                created.value(u"limits"_s).toObject().value(u"runs"_s).toInteger());
        const QJsonArray entries =
            A.api->get(u"/api/audit/logs?action=billing.plan_change&workspace_id="_s + ws).items();
        QCOMPARE(entries.size(), 1);
        QVERIFY(entries[0].toObject().value(u"actor_id"_s).isNull());
        // The same event again: 200, applied once.
        r = webhook(body, sign(body));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"duplicate"_s).toBool(), true);
        QCOMPARE(planChanges(ws), 1);
    }

    void subscriptionDeletedReturnsToFree()
    {
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        const QByteArray up = checkoutCompleted(ws, u"team"_s);
        QCOMPARE(webhook(up, sign(up)).status, 200);
        QCOMPARE(plan(ws), u"team"_s);
        const QByteArray down = subscriptionDeleted(ws);
        QCOMPARE(webhook(down, sign(down)).status, 200);
        QCOMPARE(plan(ws), u"free"_s);
        QCOMPARE(webhook(up, sign(up)).status, 200); // an old event replayed changes nothing
        QCOMPARE(plan(ws), u"free"_s);
        QCOMPARE(planChanges(ws), 2);
    }

    void badSignaturesAre400AndApplyNothing_data()
    {
        QTest::addColumn<QString>("kind");
        for (const char *k :
             {"wrong secret", "stale", "future", "missing", "garbage", "zeros", "tampered body"})
            QTest::newRow(k) << QString::fromLatin1(k);
    }
    void badSignaturesAre400AndApplyNothing()
    {
        QFETCH(QString, kind);
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        QByteArray body = checkoutCompleted(ws, u"pro"_s);
        QString header;
        if (kind == QLatin1String("wrong secret"))
            header = sign(body, -1, "whsec_wrong");
        else if (kind == QLatin1String("stale"))
            header = sign(body, nowSecs() - 301);
        else if (kind == QLatin1String("future"))
            header = sign(body, nowSecs() + 301);
        else if (kind == QLatin1String("garbage"))
            header = u"garbage"_s;
        else if (kind == QLatin1String("zeros"))
            header = u"t=%1,v1=%2"_s.arg(nowSecs()).arg(QString(64, QLatin1Char('0')));
        else if (kind == QLatin1String("tampered body")) {
            header = sign(body);
            body.replace("\"pro\"", "\"team\"");
        }
        const HttpResult r = webhook(body, header);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.code(), u"invalid_signature"_s);
        QCOMPARE(plan(ws), u"free"_s);
        QCOMPARE(planChanges(ws), 0);
    }

    void aSignatureWithinTheToleranceVerifies()
    {
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        const QByteArray body = checkoutCompleted(ws, u"pro"_s);
        QCOMPARE(webhook(body, sign(body, nowSecs() - 290)).status, 200);
        QCOMPARE(plan(ws), u"pro"_s);
    }

    void theBodyIsNotValidatedBeforeTheSignature()
    {
        // Not JSON at all, with any content type: the signature is what fails.
        HttpClient anon(srv->port);
        HttpResult r = webhook(anon, "this is {not json", sign("something else"), "text/plain");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.code(), u"invalid_signature"_s);
        // Signed but not an event: refused after verification, as a validation error.
        r = webhook("[1,2]", sign("[1,2]"));
        QCOMPARE(r.status, 422);
    }

    void cookiesAndKeysChangeNothingForTheWebhook()
    {
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        const QByteArray body = checkoutCompleted(ws, u"pro"_s);
        A.web->sendCsrf = false;
        HttpResult r = webhook(*A.web, body,
                               u"t=%1,v1=%2"_s.arg(nowSecs()).arg(QString(64, QLatin1Char('0'))));
        QCOMPARE(r.code(), u"invalid_signature"_s);
        r = webhook(*A.web, body,
                    sign(body)); // a session cookie and no CSRF token: still the signature alone
        A.web->sendCsrf = true;
        QCOMPARE(r.status, 200);
        QCOMPARE(webhook(*A.api, body, u"garbage"_s).code(), u"invalid_signature"_s);
        QCOMPARE(plan(ws), u"pro"_s);
    }

    void withoutAConfiguredSecretEveryWebhookIsRefused()
    {
        TestServer bare; // no webhook secret
        HttpClient anon(bare.port);
        const QByteArray body = checkoutCompleted(ids::newUuid(), u"pro"_s);
        for (const QByteArray &secret : {QByteArray(), kSecret}) {
            const HttpResult r =
                webhook(anon, body,
                        BillingService::signHeader(body, secret, bare.store.clock.nowMs() / 1000));
            QCOMPARE(r.status, 400);
            QCOMPARE(r.code(), u"invalid_signature"_s);
        }
    }

    // --------------------------------------------------------------- Stripe

    void stripeCheckoutSpeaksStripesApi()
    {
        FakeStripe stripe;
        stripe.status = 200;
        stripe.answer = {{u"id"_s, u"cs_test_abc"_s},
                         {u"object"_s, u"checkout.session"_s},
                         {u"url"_s, u"https://checkout.stripe.com/c/pay/cs_test_abc"_s}};
        ServerConfig cfg;
        cfg.webhookSecret = kSecret;
        cfg.stripeSecretKey = "sk_test_routes";
        cfg.stripeBaseUrl = stripe.baseUrl();
        cfg.stripePrices = {{u"pro"_s, u"price_pro_1"_s}, {u"team"_s, u"price_team_1"_s}};
        TestServer server(cfg);
        TestUser owner = signup(server.port, u"stripe"_s);
        const QString ws = createWorkspace(*owner.api).value(u"id"_s).toString();
        const HttpResult r = owner.api->post(
            u"/api/billing/checkout"_s,
            QJsonObject{{u"workspace_id"_s, ws},
                        {u"plan"_s, u"pro"_s},
                        {u"success_url"_s, u"https://console.example/billing/done?x=1&y=2"_s},
                        {u"cancel_url"_s, u"https://console.example/billing"_s}});
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json().value(u"url"_s).toString(),
                 u"https://checkout.stripe.com/c/pay/cs_test_abc"_s);
        QCOMPARE(r.object("checkout").value(u"provider"_s).toString(), u"stripe"_s);
        QCOMPARE(r.object("checkout").value(u"session_ref"_s).toString(), u"cs_test_abc"_s);
        QCOMPARE(stripe.requests.size(), 1);
        const FakeStripe::Recorded &sent = stripe.requests[0];
        QCOMPARE(sent.method, QByteArray("POST"));
        QCOMPARE(sent.path, QByteArray("/v1/checkout/sessions"));
        QCOMPARE(sent.authorization, QByteArray("Bearer sk_test_routes"));
        QVERIFY(sent.contentType.startsWith("application/x-www-form-urlencoded"));
        QCOMPARE(sent.field("mode"), u"subscription"_s);
        QCOMPARE(sent.field("line_items[0][price]"), u"price_pro_1"_s);
        QCOMPARE(sent.field("line_items[0][quantity]"), u"1"_s);
        QCOMPARE(sent.field("client_reference_id"), ws);
        QCOMPARE(sent.field("metadata[plan]"), u"pro"_s);
        QCOMPARE(sent.field("metadata[workspace_id]"), ws);
        QCOMPARE(sent.field("subscription_data[metadata][workspace_id]"), ws);
        QCOMPARE(sent.field("success_url"), u"https://console.example/billing/done?x=1&y=2"_s);
        QCOMPARE(sent.field("cancel_url"), u"https://console.example/billing"_s);
        QVERIFY(!sent.body.contains("sk_test"));
    }

    void stripePortalNeedsACustomerThenSendsIt()
    {
        FakeStripe stripe;
        stripe.answer = {{u"id"_s, u"bps_1"_s},
                         {u"object"_s, u"billing_portal.session"_s},
                         {u"url"_s, u"https://billing.stripe.com/p/session/bps_1"_s}};
        ServerConfig cfg;
        cfg.webhookSecret = kSecret;
        cfg.stripeSecretKey = "sk_test_routes";
        cfg.stripeBaseUrl = stripe.baseUrl() + u"/"_s;
        TestServer server(cfg);
        TestUser owner = signup(server.port, u"stripe-portal"_s);
        const QString ws = createWorkspace(*owner.api).value(u"id"_s).toString();
        HttpResult r =
            owner.api->post(u"/api/billing/portal"_s, QJsonObject{{u"workspace_id"_s, ws}});
        QCOMPARE(r.status, 409);
        QCOMPARE(stripe.requests.size(), 0);
        HttpClient anon(server.port);
        const QByteArray paid = checkoutCompleted(ws, u"pro"_s, u"cus_portal42"_s);
        QCOMPARE(
            webhook(anon, paid,
                    BillingService::signHeader(paid, kSecret, server.store.clock.nowMs() / 1000))
                .status,
            200);
        r = owner.api->post(u"/api/billing/portal"_s, QJsonObject{{u"workspace_id"_s, ws}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"url"_s).toString(),
                 u"https://billing.stripe.com/p/session/bps_1"_s);
        QCOMPARE(stripe.requests.size(), 1);
        QCOMPARE(stripe.requests[0].path, QByteArray("/v1/billing_portal/sessions"));
        QCOMPARE(stripe.requests[0].field("customer"), u"cus_portal42"_s);
    }

    void stripeRefusalIs503AndNothingIsRecorded()
    {
        FakeStripe stripe;
        stripe.status = 400;
        stripe.answer = {{u"error"_s, QJsonObject{{u"type"_s, u"invalid_request_error"_s},
                                                  {u"message"_s, u"No such price"_s}}}};
        ServerConfig cfg;
        cfg.stripeSecretKey = "sk_test_routes";
        cfg.stripeBaseUrl = stripe.baseUrl();
        cfg.stripePrices = {{u"pro"_s, u"price_gone"_s}};
        TestServer server(cfg);
        TestUser owner = signup(server.port, u"stripe-refused"_s);
        const QString ws = createWorkspace(*owner.api).value(u"id"_s).toString();
        const HttpResult r = owner.api->post(
            u"/api/billing/checkout"_s, QJsonObject{{u"workspace_id"_s, ws},
                                                    {u"plan"_s, u"pro"_s},
                                                    {u"success_url"_s, u"https://c.example/ok"_s},
                                                    {u"cancel_url"_s, u"https://c.example/no"_s}});
        QCOMPARE(r.status, 503);
        QCOMPARE(r.code(), u"unavailable"_s);
        QCOMPARE(stripe.requests.size(), 1);
        QVERIFY(owner.api->get(u"/api/audit/logs?action=billing.checkout&workspace_id="_s + ws)
                    .items()
                    .isEmpty());
    }

    void stripeCheckoutNeedsAPriceAndReturnAddresses()
    {
        FakeStripe stripe;
        ServerConfig cfg;
        cfg.stripeSecretKey = "sk_test_routes";
        cfg.stripeBaseUrl = stripe.baseUrl();
        cfg.stripePrices = {{u"pro"_s, u"price_pro_1"_s}};
        TestServer server(cfg);
        TestUser owner = signup(server.port, u"stripe-input"_s);
        const QString ws = createWorkspace(*owner.api).value(u"id"_s).toString();
        HttpResult r = owner.api->post(u"/api/billing/checkout"_s,
                                       QJsonObject{{u"workspace_id"_s, ws},
                                                   {u"plan"_s, u"team"_s},
                                                   {u"success_url"_s, u"https://c.example/ok"_s},
                                                   {u"cancel_url"_s, u"https://c.example/no"_s}});
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{u"plan"_s});
        r = owner.api->post(u"/api/billing/checkout"_s,
                            QJsonObject{{u"workspace_id"_s, ws},
                                        {u"plan"_s, u"pro"_s},
                                        {u"cancel_url"_s, u"https://c.example/no"_s}});
        QCOMPARE(r.fields(), QStringList{u"success_url"_s});
        r = owner.api->post(u"/api/billing/checkout"_s,
                            QJsonObject{{u"workspace_id"_s, ws},
                                        {u"plan"_s, u"pro"_s},
                                        {u"success_url"_s, u"/relative"_s},
                                        {u"cancel_url"_s, u"https://c.example/no"_s}});
        QCOMPARE(r.fields(), QStringList{u"success_url"_s});
        QCOMPARE(stripe.requests.size(), 0);
    }

    void stripeThatDoesNotAnswerTimesOut()
    {
        FakeStripe stripe;
        stripe.silent = true;
        StripeProvider::Options o;
        o.secretKey = "sk_test_x";
        o.baseUrl = stripe.baseUrl();
        o.prices = {{u"pro"_s, u"price_pro_1"_s}};
        o.timeoutMs = 300;
        StripeProvider p(o);
        QElapsedTimer t;
        t.start();
        // The fake lives on this thread, which waits: the request is never read, as with a hung
        // peer.
        auto r = p.checkoutUrl(BillingWorkspace{ids::newUuid(), u"w"_s, u"free"_s, {}}, u"pro"_s,
                               u"https://c.example/ok"_s, u"https://c.example/no"_s);
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::Unavailable);
        QVERIFY(t.elapsed() < 5000);
    }

    void formEncodingEscapesReservedCharacters()
    {
        QCOMPARE(StripeProvider::encodeForm(
                     {{u"metadata[plan]"_s, u"a b&c=d+e"_s}, {u"x"_s, QString(QChar(0xE9))}}),
                 QByteArray("metadata%5Bplan%5D=a%20b%26c%3Dd%2Be&x=%C3%A9"));
    }
};

QTEST_MAIN(TestBillingRoutes)
#include "tst_billing_routes.moc"
