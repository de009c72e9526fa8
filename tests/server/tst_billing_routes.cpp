// SPDX-License-Identifier: Apache-2.0
// Billing over HTTP: checkout and portal (offline provider and the Stripe
// client against a fake Stripe), and the signed webhook.
#include "TestHttp.h"

#include "billing/BillingService.h"
#include "billing/StripeProvider.h"
#include "core/Ids.h"
#include "core/Services.h"

#include <QTcpServer>
#include <QTest>
#include <QUrlQuery>

using namespace wfx;
using namespace wfxtest;

namespace {
QString S(const char *s) { return QString::fromLatin1(s); }
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
            for (const auto &[k, v] : QUrlQuery(QString::fromLatin1(body)).queryItems(QUrl::FullyDecoded)) {
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
    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()); }

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
            const QByteArray name = l.left(colon).trimmed().toLower(), value = l.mid(colon + 1).trimmed();
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
        s->write("HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Type: application/json\r\nContent-Length: "
                 + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
        s->disconnectFromHost();
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

QByteArray event(const QString &type, const QJsonObject &object, const QString &id = {})
{
    return QJsonDocument(QJsonObject{{S("id"), id.isEmpty() ? QString(S("evt_") + ids::newUuid()) : id},
                                     {S("object"), S("event")},
                                     {S("type"), type},
                                     {S("data"), QJsonObject{{S("object"), object}}}})
        .toJson(QJsonDocument::Compact);
}

QByteArray checkoutCompleted(const QString &ws, const QString &plan, const QString &customer = S("cus_test1"))
{
    return event(S("checkout.session.completed"),
                 {{S("id"), QString(S("cs_") + ids::newUuid())}, {S("object"), S("checkout.session")},
                  {S("client_reference_id"), ws}, {S("customer"), customer},
                  {S("subscription"), QString(S("sub_") + ids::newUuid())}, {S("metadata"), QJsonObject{{S("plan"), plan}}}});
}

QByteArray subscriptionDeleted(const QString &ws)
{
    return event(S("customer.subscription.deleted"),
                 {{S("id"), QString(S("sub_") + ids::newUuid())}, {S("object"), S("subscription")}, {S("status"), S("canceled")},
                  {S("metadata"), QJsonObject{{S("workspace_id"), ws}}}});
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
        return c.request("POST", S("/api/billing/webhook"), body, h);
    }
    HttpResult webhook(const QByteArray &body, const QString &signature)
    {
        HttpClient anon(srv->port);
        return webhook(anon, body, signature);
    }
    QString plan(const QString &ws) { return A.api->get(S("/api/workspaces/") + ws).object("workspace").value(S("plan")).toString(); }
    int planChanges(const QString &ws)
    {
        return int(A.api->get(S("/api/audit/logs?action=billing.plan_change&workspace_id=") + ws).items().size());
    }
    void join(TestServer &server, TestUser &owner, TestUser &who, const QString &ws, const QString &role)
    {
        const HttpResult inv = owner.api->post(S("/api/workspaces/") + ws + S("/invitations"),
                                               QJsonObject{{S("email"), who.email}, {S("role"), role}});
        QCOMPARE(inv.status, 201);
        QVERIFY(server.server->services().workspaces.acceptInvitation(Actor::user(who.id), inv.json().value(S("token")).toString()));
    }

private slots:
    void initTestCase()
    {
        useFastPasswordHashing();
        ServerConfig cfg;
        cfg.webhookSecret = kSecret;
        srv = std::make_unique<TestServer>(cfg);
        A = signup(srv->port, S("billing-a"));
        B = signup(srv->port, S("billing-b"));
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
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        const HttpResult r = A.api->post(S("/api/billing/checkout"), QJsonObject{{S("workspace_id"), ws}, {S("plan"), S("pro")}});
        QCOMPARE(r.status, 201);
        const QJsonObject c = r.object("checkout");
        QCOMPARE(c.value(S("provider")).toString(), S("offline"));
        QCOMPARE(c.value(S("plan")).toString(), S("pro"));
        QCOMPARE(c.value(S("workspace_id")).toString(), ws);
        QVERIFY(c.value(S("url")).toString().startsWith(S("/billing/offline?")));
        QCOMPARE(r.json().value(S("url")).toString(), c.value(S("url")).toString());
        QVERIFY(c.value(S("url")).toString().contains(c.value(S("session_ref")).toString()));
        QCOMPARE(plan(ws), S("free"));
    }

    void badCheckoutInputIs422NamingTheField_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QJsonValue>("value");
        QTest::newRow("workspace_id missing") << S("workspace_id") << QJsonValue(QJsonValue::Undefined);
        QTest::newRow("workspace_id not an id") << S("workspace_id") << QJsonValue(S("ws"));
        QTest::newRow("plan missing") << S("plan") << QJsonValue(QJsonValue::Undefined);
        QTest::newRow("plan free") << S("plan") << QJsonValue(S("free"));
        QTest::newRow("plan unknown") << S("plan") << QJsonValue(S("gold"));
        QTest::newRow("plan a number") << S("plan") << QJsonValue(2);
        QTest::newRow("success_url too long") << S("success_url") << QJsonValue(S("https://x.example/") + QString(2040, QLatin1Char('a')));
        QTest::newRow("success_url a number") << S("success_url") << QJsonValue(1);
        QTest::newRow("success_url empty") << S("success_url") << QJsonValue(S(""));
        QTest::newRow("cancel_url too long") << S("cancel_url") << QJsonValue(S("https://x.example/") + QString(2040, QLatin1Char('a')));
        QTest::newRow("cancel_url an object") << S("cancel_url") << QJsonValue(QJsonObject{});
    }
    void badCheckoutInputIs422NamingTheField()
    {
        QFETCH(QString, field);
        QFETCH(QJsonValue, value);
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        QJsonObject body{{S("workspace_id"), ws}, {S("plan"), S("pro")}};
        if (value.isUndefined())
            body.remove(field);
        else
            body.insert(field, value);
        const HttpResult r = A.api->post(S("/api/billing/checkout"), body);
        QCOMPARE(r.status, 422);
        QVERIFY2(r.fields().contains(field), r.body.constData());
    }

    void checkoutOfAnotherWorkspaceIs404AndOfAMemberIs403()
    {
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        const QJsonObject body{{S("workspace_id"), ws}, {S("plan"), S("pro")}};
        HttpResult r = B.api->post(S("/api/billing/checkout"), body);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.code(), S("not_found"));
        QCOMPARE(B.api->post(S("/api/billing/portal"), QJsonObject{{S("workspace_id"), ws}}).status, 404);
        join(*srv, A, B, ws, S("member"));
        r = B.api->post(S("/api/billing/checkout"), body);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.code(), S("forbidden"));
        QVERIFY(A.api->get(S("/api/audit/logs?action=billing.checkout&workspace_id=") + ws).items().isEmpty());
    }

    void portalAnswersAUrl()
    {
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        const HttpResult r = A.api->post(S("/api/billing/portal"), QJsonObject{{S("workspace_id"), ws}});
        QCOMPARE(r.status, 200);
        QVERIFY(r.json().value(S("url")).toString().contains(ws));
    }

    void badPortalInputIs422()
    {
        for (const QJsonObject &body : {QJsonObject{}, QJsonObject{{S("workspace_id"), S("x")}}, QJsonObject{{S("workspace_id"), 5}}}) {
            const HttpResult r = A.api->post(S("/api/billing/portal"), body);
            QCOMPARE(r.status, 422);
            QCOMPARE(r.fields(), QStringList{S("workspace_id")});
        }
    }

    void billingNeedsCredentials()
    {
        HttpClient anon(srv->port);
        QCOMPARE(anon.post(S("/api/billing/checkout"), QJsonObject{{S("workspace_id"), ids::newUuid()}, {S("plan"), S("pro")}}).status, 401);
        QCOMPARE(anon.post(S("/api/billing/portal"), QJsonObject{{S("workspace_id"), ids::newUuid()}}).status, 401);
    }

    // -------------------------------------------------------------- webhook

    void signedCheckoutEventSetsThePlanOnceWithOneSystemEntry()
    {
        const QJsonObject created = createWorkspace(*A.api);
        const QString ws = created.value(S("id")).toString();
        const QByteArray body = checkoutCompleted(ws, S("pro"));
        HttpResult r = webhook(body, sign(body));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(S("received")).toBool(), true);
        QCOMPARE(r.json().value(S("duplicate")).toBool(), false);
        const QJsonObject got = A.api->get(S("/api/workspaces/") + ws).object("workspace");
        QCOMPARE(got.value(S("plan")).toString(), S("pro"));
        QVERIFY(got.value(S("limits")).toObject().value(S("runs")).toInteger()
                > created.value(S("limits")).toObject().value(S("runs")).toInteger());
        const QJsonArray entries = A.api->get(S("/api/audit/logs?action=billing.plan_change&workspace_id=") + ws).items();
        QCOMPARE(entries.size(), 1);
        QVERIFY(entries[0].toObject().value(S("actor_id")).isNull());
        // The same event again: 200, applied once.
        r = webhook(body, sign(body));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(S("duplicate")).toBool(), true);
        QCOMPARE(planChanges(ws), 1);
    }

    void subscriptionDeletedReturnsToFree()
    {
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        const QByteArray up = checkoutCompleted(ws, S("team"));
        QCOMPARE(webhook(up, sign(up)).status, 200);
        QCOMPARE(plan(ws), S("team"));
        const QByteArray down = subscriptionDeleted(ws);
        QCOMPARE(webhook(down, sign(down)).status, 200);
        QCOMPARE(plan(ws), S("free"));
        QCOMPARE(webhook(up, sign(up)).status, 200); // an old event replayed changes nothing
        QCOMPARE(plan(ws), S("free"));
        QCOMPARE(planChanges(ws), 2);
    }

    void badSignaturesAre400AndApplyNothing_data()
    {
        QTest::addColumn<QString>("kind");
        for (const char *k : {"wrong secret", "stale", "future", "missing", "garbage", "zeros", "tampered body"})
            QTest::newRow(k) << S(k);
    }
    void badSignaturesAre400AndApplyNothing()
    {
        QFETCH(QString, kind);
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        QByteArray body = checkoutCompleted(ws, S("pro"));
        QString header;
        if (kind == QLatin1String("wrong secret"))
            header = sign(body, -1, "whsec_wrong");
        else if (kind == QLatin1String("stale"))
            header = sign(body, nowSecs() - 301);
        else if (kind == QLatin1String("future"))
            header = sign(body, nowSecs() + 301);
        else if (kind == QLatin1String("garbage"))
            header = S("garbage");
        else if (kind == QLatin1String("zeros"))
            header = S("t=%1,v1=%2").arg(nowSecs()).arg(QString(64, QLatin1Char('0')));
        else if (kind == QLatin1String("tampered body")) {
            header = sign(body);
            body.replace("\"pro\"", "\"team\"");
        }
        const HttpResult r = webhook(body, header);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.code(), S("invalid_signature"));
        QCOMPARE(plan(ws), S("free"));
        QCOMPARE(planChanges(ws), 0);
    }

    void aSignatureWithinTheToleranceVerifies()
    {
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        const QByteArray body = checkoutCompleted(ws, S("pro"));
        QCOMPARE(webhook(body, sign(body, nowSecs() - 290)).status, 200);
        QCOMPARE(plan(ws), S("pro"));
    }

    void theBodyIsNotValidatedBeforeTheSignature()
    {
        // Not JSON at all, with any content type: the signature is what fails.
        HttpClient anon(srv->port);
        HttpResult r = webhook(anon, "this is {not json", sign("something else"), "text/plain");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.code(), S("invalid_signature"));
        // Signed but not an event: refused after verification, as a validation error.
        r = webhook("[1,2]", sign("[1,2]"));
        QCOMPARE(r.status, 422);
    }

    void cookiesAndKeysChangeNothingForTheWebhook()
    {
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        const QByteArray body = checkoutCompleted(ws, S("pro"));
        A.web->sendCsrf = false;
        HttpResult r = webhook(*A.web, body, S("t=%1,v1=%2").arg(nowSecs()).arg(QString(64, QLatin1Char('0'))));
        QCOMPARE(r.code(), S("invalid_signature"));
        r = webhook(*A.web, body, sign(body)); // a session cookie and no CSRF token: still the signature alone
        A.web->sendCsrf = true;
        QCOMPARE(r.status, 200);
        QCOMPARE(webhook(*A.api, body, S("garbage")).code(), S("invalid_signature"));
        QCOMPARE(plan(ws), S("pro"));
    }

    void withoutAConfiguredSecretEveryWebhookIsRefused()
    {
        TestServer bare; // no webhook secret
        HttpClient anon(bare.port);
        const QByteArray body = checkoutCompleted(ids::newUuid(), S("pro"));
        for (const QByteArray &secret : {QByteArray(), kSecret}) {
            const HttpResult r = webhook(anon, body, BillingService::signHeader(body, secret, bare.store.clock.nowMs() / 1000));
            QCOMPARE(r.status, 400);
            QCOMPARE(r.code(), S("invalid_signature"));
        }
    }

    // --------------------------------------------------------------- Stripe

    void stripeCheckoutSpeaksStripesApi()
    {
        FakeStripe stripe;
        stripe.status = 200;
        stripe.answer = {{S("id"), S("cs_test_abc")}, {S("object"), S("checkout.session")},
                         {S("url"), S("https://checkout.stripe.com/c/pay/cs_test_abc")}};
        ServerConfig cfg;
        cfg.webhookSecret = kSecret;
        cfg.stripeSecretKey = "sk_test_routes";
        cfg.stripeBaseUrl = stripe.baseUrl();
        cfg.stripePrices = {{S("pro"), S("price_pro_1")}, {S("team"), S("price_team_1")}};
        TestServer server(cfg);
        TestUser owner = signup(server.port, S("stripe"));
        const QString ws = createWorkspace(*owner.api).value(S("id")).toString();
        const HttpResult r = owner.api->post(S("/api/billing/checkout"),
                                             QJsonObject{{S("workspace_id"), ws}, {S("plan"), S("pro")},
                                                         {S("success_url"), S("https://console.example/billing/done?x=1&y=2")},
                                                         {S("cancel_url"), S("https://console.example/billing")}});
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json().value(S("url")).toString(), S("https://checkout.stripe.com/c/pay/cs_test_abc"));
        QCOMPARE(r.object("checkout").value(S("provider")).toString(), S("stripe"));
        QCOMPARE(r.object("checkout").value(S("session_ref")).toString(), S("cs_test_abc"));
        QCOMPARE(stripe.requests.size(), 1);
        const FakeStripe::Recorded &sent = stripe.requests[0];
        QCOMPARE(sent.method, QByteArray("POST"));
        QCOMPARE(sent.path, QByteArray("/v1/checkout/sessions"));
        QCOMPARE(sent.authorization, QByteArray("Bearer sk_test_routes"));
        QVERIFY(sent.contentType.startsWith("application/x-www-form-urlencoded"));
        QCOMPARE(sent.field("mode"), S("subscription"));
        QCOMPARE(sent.field("line_items[0][price]"), S("price_pro_1"));
        QCOMPARE(sent.field("line_items[0][quantity]"), S("1"));
        QCOMPARE(sent.field("client_reference_id"), ws);
        QCOMPARE(sent.field("metadata[plan]"), S("pro"));
        QCOMPARE(sent.field("metadata[workspace_id]"), ws);
        QCOMPARE(sent.field("subscription_data[metadata][workspace_id]"), ws);
        QCOMPARE(sent.field("success_url"), S("https://console.example/billing/done?x=1&y=2"));
        QCOMPARE(sent.field("cancel_url"), S("https://console.example/billing"));
        QVERIFY(!sent.body.contains("sk_test"));
    }

    void stripePortalNeedsACustomerThenSendsIt()
    {
        FakeStripe stripe;
        stripe.answer = {{S("id"), S("bps_1")}, {S("object"), S("billing_portal.session")},
                         {S("url"), S("https://billing.stripe.com/p/session/bps_1")}};
        ServerConfig cfg;
        cfg.webhookSecret = kSecret;
        cfg.stripeSecretKey = "sk_test_routes";
        cfg.stripeBaseUrl = stripe.baseUrl() + S("/");
        TestServer server(cfg);
        TestUser owner = signup(server.port, S("stripe-portal"));
        const QString ws = createWorkspace(*owner.api).value(S("id")).toString();
        HttpResult r = owner.api->post(S("/api/billing/portal"), QJsonObject{{S("workspace_id"), ws}});
        QCOMPARE(r.status, 409);
        QCOMPARE(stripe.requests.size(), 0);
        HttpClient anon(server.port);
        const QByteArray paid = checkoutCompleted(ws, S("pro"), S("cus_portal42"));
        QCOMPARE(webhook(anon, paid, BillingService::signHeader(paid, kSecret, server.store.clock.nowMs() / 1000)).status, 200);
        r = owner.api->post(S("/api/billing/portal"), QJsonObject{{S("workspace_id"), ws}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(S("url")).toString(), S("https://billing.stripe.com/p/session/bps_1"));
        QCOMPARE(stripe.requests.size(), 1);
        QCOMPARE(stripe.requests[0].path, QByteArray("/v1/billing_portal/sessions"));
        QCOMPARE(stripe.requests[0].field("customer"), S("cus_portal42"));
    }

    void stripeRefusalIs503AndNothingIsRecorded()
    {
        FakeStripe stripe;
        stripe.status = 400;
        stripe.answer = {{S("error"), QJsonObject{{S("type"), S("invalid_request_error")}, {S("message"), S("No such price")}}}};
        ServerConfig cfg;
        cfg.stripeSecretKey = "sk_test_routes";
        cfg.stripeBaseUrl = stripe.baseUrl();
        cfg.stripePrices = {{S("pro"), S("price_gone")}};
        TestServer server(cfg);
        TestUser owner = signup(server.port, S("stripe-refused"));
        const QString ws = createWorkspace(*owner.api).value(S("id")).toString();
        const HttpResult r = owner.api->post(S("/api/billing/checkout"),
                                             QJsonObject{{S("workspace_id"), ws}, {S("plan"), S("pro")},
                                                         {S("success_url"), S("https://c.example/ok")},
                                                         {S("cancel_url"), S("https://c.example/no")}});
        QCOMPARE(r.status, 503);
        QCOMPARE(r.code(), S("unavailable"));
        QCOMPARE(stripe.requests.size(), 1);
        QVERIFY(owner.api->get(S("/api/audit/logs?action=billing.checkout&workspace_id=") + ws).items().isEmpty());
    }

    void stripeCheckoutNeedsAPriceAndReturnAddresses()
    {
        FakeStripe stripe;
        ServerConfig cfg;
        cfg.stripeSecretKey = "sk_test_routes";
        cfg.stripeBaseUrl = stripe.baseUrl();
        cfg.stripePrices = {{S("pro"), S("price_pro_1")}};
        TestServer server(cfg);
        TestUser owner = signup(server.port, S("stripe-input"));
        const QString ws = createWorkspace(*owner.api).value(S("id")).toString();
        HttpResult r = owner.api->post(S("/api/billing/checkout"), QJsonObject{{S("workspace_id"), ws}, {S("plan"), S("team")},
                                                                              {S("success_url"), S("https://c.example/ok")},
                                                                              {S("cancel_url"), S("https://c.example/no")}});
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{S("plan")});
        r = owner.api->post(S("/api/billing/checkout"), QJsonObject{{S("workspace_id"), ws}, {S("plan"), S("pro")},
                                                                    {S("cancel_url"), S("https://c.example/no")}});
        QCOMPARE(r.fields(), QStringList{S("success_url")});
        r = owner.api->post(S("/api/billing/checkout"), QJsonObject{{S("workspace_id"), ws}, {S("plan"), S("pro")},
                                                                    {S("success_url"), S("/relative")},
                                                                    {S("cancel_url"), S("https://c.example/no")}});
        QCOMPARE(r.fields(), QStringList{S("success_url")});
        QCOMPARE(stripe.requests.size(), 0);
    }

    void stripeThatDoesNotAnswerTimesOut()
    {
        FakeStripe stripe;
        stripe.silent = true;
        StripeProvider::Options o;
        o.secretKey = "sk_test_x";
        o.baseUrl = stripe.baseUrl();
        o.prices = {{S("pro"), S("price_pro_1")}};
        o.timeoutMs = 300;
        StripeProvider p(o);
        QElapsedTimer t;
        t.start();
        // The fake lives on this thread, which waits: the request is never read, as with a hung peer.
        auto r = p.checkoutUrl(BillingWorkspace{ids::newUuid(), S("w"), S("free"), {}}, S("pro"), S("https://c.example/ok"),
                               S("https://c.example/no"));
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::Unavailable);
        QVERIFY(t.elapsed() < 5000);
    }

    void formEncodingEscapesReservedCharacters()
    {
        QCOMPARE(StripeProvider::encodeForm({{S("metadata[plan]"), S("a b&c=d+e")}, {S("x"), QString(QChar(0xE9))}}),
                 QByteArray("metadata%5Bplan%5D=a%20b%26c%3Dd%2Be&x=%C3%A9"));
    }
};

QTEST_MAIN(TestBillingRoutes)
#include "tst_billing_routes.moc"
