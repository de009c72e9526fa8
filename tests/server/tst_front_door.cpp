// SPDX-License-Identifier: Apache-2.0
// The front door (issue 12): access fails closed (a handler that never learnt
// who calls acts as nobody, not as the system), CSRF by double submit bound to
// the session, no dead-end links (the offline billing page), one artifact store
// probe, and the client address behind trusted proxies.
#include "TestHttp.h"

#include "server/core/ClientAddress.h"
#include "server/core/RouteTable.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QRegularExpression>
#include <QSqlQuery>
#include <QTest>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

using namespace wfx;
using namespace wfxtest;

namespace {

// A value the schema accepts, as far as a plain generator can tell: ids named in
// `ids` (by property name) point at real rows, so a handler that acted would act
// on something that exists.
QJsonValue example(const QJsonObject &schema, const QString &name,
                   const QHash<QString, QString> &ids)
{
    if (ids.contains(name))
        return ids.value(name);
    if (schema.contains(u"enum"_s))
        return schema.value(u"enum"_s).toArray().first();
    if (schema.contains(u"const"_s))
        return schema.value(u"const"_s);
    for (const char *alt : {"anyOf", "oneOf"}) {
        if (schema.contains(QString::fromLatin1(alt)))
            return example(schema.value(QString::fromLatin1(alt)).toArray().first().toObject(),
                           name, ids);
    }
    QString type = schema.value(u"type"_s).toString();
    if (schema.value(u"type"_s).isArray()) {
        for (const auto &t : schema.value(u"type"_s).toArray()) {
            if (t.toString() != QLatin1String("null"))
                type = t.toString();
        }
    }
    if (type == QLatin1String("object")) {
        QJsonObject o;
        const QJsonObject props = schema.value(u"properties"_s).toObject();
        for (const auto &req : schema.value(u"required"_s).toArray())
            o.insert(req.toString(),
                     example(props.value(req.toString()).toObject(), req.toString(), ids));
        return o;
    }
    if (type == QLatin1String("array")) {
        QJsonArray a;
        for (int i = 0; i < qMax(1, schema.value(u"minItems"_s).toInt()); ++i)
            a.append(example(schema.value(u"items"_s).toObject(), name, ids));
        return a;
    }
    if (type == QLatin1String("integer") || type == QLatin1String("number"))
        return qMax(1.0, schema.value(u"minimum"_s).toDouble());
    if (type == QLatin1String("boolean"))
        return true;
    const QString format = schema.value(u"format"_s).toString();
    if (format == QLatin1String("uuid"))
        return QUuid::createUuid().toString(QUuid::WithoutBraces);
    if (format == QLatin1String("date-time"))
        return u"2026-11-01T10:00:00Z"_s;
    if (format == QLatin1String("email"))
        return u"someone@example.test"_s;
    return QString(qMax(8, schema.value(u"minLength"_s).toInt()), QLatin1Char('a'));
}

qint64 rows(TestServer &srv, const char *table)
{
    QSqlQuery q(srv.store.db->connection());
    if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM %1").arg(QLatin1String(table))) || !q.next())
        return -1;
    return q.value(0).toLongLong();
}

// What a request with cookies says, as a raw exchange (the client controls every cookie).
QByteArray rawWithCookies(TestServer &srv, const QByteArray &method, const QByteArray &path,
                          const QByteArray &cookies, const QByteArray &csrfHeader,
                          const QByteArray &body)
{
    QByteArray req =
        method + ' ' + path + " HTTP/1.1\r\n" + srv.hostHeader() + "Connection: close\r\n";
    if (!cookies.isEmpty())
        req += "Cookie: " + cookies + "\r\n";
    if (!csrfHeader.isEmpty())
        req += "X-CSRF-Token: " + csrfHeader + "\r\n";
    req += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) +
           "\r\n\r\n" + body;
    return srv.raw(req);
}

// A finished run in a new project of `ws`, shared; the share's token (empty on failure).
QString sharedRun(HttpClient &api, const QString &ws)
{
    const QString project =
        api.post(u"/api/projects"_s, {{u"workspace_id"_s, ws}, {u"name"_s, u"p"_s}})
            .object("project")
            .value(u"id"_s)
            .toString();
    const QString run = api.post(u"/api/sync/runs"_s, {{u"project_id"_s, project},
                                                       {u"client_run_id"_s, u"c1"_s},
                                                       {u"name"_s, u"r"_s},
                                                       {u"status"_s, u"completed"_s}})
                            .object("run")
                            .value(u"id"_s)
                            .toString();
    return api.post(u"/api/shares"_s, {{u"run_id"_s, run}}).json().value(u"token"_s).toString();
}

int statusOf(const QByteArray &answer)
{
    return answer.mid(9, 3).toInt();
}

} // namespace

class TestFrontDoor : public QObject
{
    Q_OBJECT

    static QString backend()
    {
        QFETCH_GLOBAL(QString, backend);
        return backend;
    }

private slots:
    void initTestCase_data() { addBackends(); }

    // ------------------------------------------------------------ access fails closed

    void defaultActorIsNobody()
    {
        const Actor nobody;
        QVERIFY(!nobody.isSystem());
        QVERIFY(nobody.isAnonymous());
        QVERIFY(!nobody.isUser());
        QVERIFY(Actor::system().isSystem());
        QVERIFY(!Actor::system().isAnonymous());
        QVERIFY(Actor::user(u"u1"_s).isUser());
        HttpRequest req;
        QVERIFY(req.actor.isAnonymous());
    }

    // Every route that needs credentials, called straight at its handler with the
    // actor left as the dispatcher would leave it had it never authenticated: no
    // answer carries data and nothing is written. The same GETs as the system do
    // see the seeded data, so the walk would notice a handler acting as system.
    void everyProtectedRouteRefusesAnActorNobodySet()
    {
        TestServer srv({}, true, backend());
        TestUser admin = signup(srv.port, u"admin"_s);
        QVERIFY(admin.api);
        const QJsonObject ws = createWorkspace(*admin.api);
        const QString wsId = ws.value(u"id"_s).toString();
        const QJsonObject project =
            admin.api->post(u"/api/projects"_s, {{u"workspace_id"_s, wsId}, {u"name"_s, u"p"_s}})
                .object("project");
        const QString projectId = project.value(u"id"_s).toString();
        QVERIFY(!projectId.isEmpty());
        const HttpResult run = admin.api->post(
            u"/api/sync/runs"_s,
            {{u"project_id"_s, projectId},
             {u"client_run_id"_s, u"walk-1"_s},
             {u"name"_s, u"r"_s},
             {u"status"_s, u"completed"_s},
             {u"started_at"_s, u"2026-11-01T10:00:00Z"_s},
             {u"finished_at"_s, u"2026-11-01T11:00:00Z"_s},
             {u"manifest"_s, QJsonObject{{u"seed"_s, 1}}},
             {u"metrics"_s,
              QJsonArray{QJsonObject{{u"name"_s, u"loss"_s}, {u"step"_s, 0}, {u"value"_s, 1.0}}}},
             {u"log"_s, u"line\n"_s}});
        QCOMPARE(run.status, 201);
        const QString runId = run.object("run").value(u"id"_s).toString();
        const HttpResult share = admin.api->post(u"/api/shares"_s, {{u"run_id"_s, runId}});
        QCOMPARE(share.status, 201);
        const QString shareId = share.object("share").value(u"id"_s).toString();

        const QHash<QString, QString> ids{{u"workspace_id"_s, wsId},  {u"project_id"_s, projectId},
                                          {u"run_id"_s, runId},       {u"share_id"_s, shareId},
                                          {u"key_id"_s, admin.keyId}, {u"id"_s, wsId},
                                          {u"user_id"_s, admin.id}};
        const char *tables[] = {"workspaces", "projects",      "runs",      "shares",
                                "api_keys",   "memberships",   "audit_log", "invitations",
                                "artifacts",  "dsar_requests", "claims"};
        QHash<QString, qint64> before;
        for (const char *t : tables)
            before.insert(QLatin1String(t), rows(srv, t));

        int walked = 0, systemSaw = 0;
        for (const Route &route : srv.server->routes().routes()) {
            if (route.access != Access::Api && route.access != Access::Session)
                continue;
            HttpRequest req;
            req.method = route.method;
            req.path = route.path;
            req.remote = QHostAddress::LocalHost;
            req.routeTemplate = route.path;
            for (const QString &seg : route.segments) {
                if (seg.startsWith(QLatin1Char('{'))) {
                    const QString name = seg.mid(1, seg.size() - 2);
                    req.params.insert(
                        name, ids.value(name, QUuid::createUuid().toString(QUuid::WithoutBraces)));
                }
            }
            if (!route.requestSchema.isEmpty()) {
                req.json = example(route.requestSchema, {}, ids);
                req.body = QJsonDocument(req.json.toObject()).toJson(QJsonDocument::Compact);
                req.headers.append(
                    qMakePair(QByteArray("content-type"), QByteArray("application/json")));
            }
            QVERIFY(req.actor.isAnonymous());
            const HttpResponse r = route.handler(req);
            ++walked;
            const QString what = QString::fromLatin1(route.method) + QLatin1Char(' ') + route.path;
            if (r.status >= 200 && r.status < 300) {
                // A list may answer, empty: nobody is a member of nothing.
                const QJsonObject body = QJsonDocument::fromJson(r.body).object();
                QVERIFY2(body.contains(u"items"_s) && body.value(u"items"_s).toArray().isEmpty(),
                         qPrintable(what + u" answered "_s + QString::number(r.status) +
                                    u" to nobody: "_s + QString::fromUtf8(r.body.left(300))));
            }
            if (route.method == "GET") {
                HttpRequest asSystem = req;
                asSystem.actor = Actor::system();
                const HttpResponse sys = route.handler(asSystem);
                if (sys.status == 200 && sys.body != r.body)
                    ++systemSaw;
            }
        }
        QVERIFY(walked > 60);
        QVERIFY2(systemSaw > 5, qPrintable(QString::number(systemSaw)));
        for (const char *t : tables)
            QVERIFY2(rows(srv, t) == before.value(QLatin1String(t)), t);
    }

    // ------------------------------------------------------------ CSRF: double submit, bound to
    // the session

    void csrfNeedsTheCookieTheHeaderAndTheSession_data()
    {
        QTest::addColumn<bool>("cookie"); // wfx_csrf cookie sent
        QTest::addColumn<QString>(
            "header"); // "session": the session's token; "other": a foreign one; "": none
        QTest::addColumn<bool>(
            "cookieIsSessions"); // the cookie holds the session's token (else the foreign one)
        QTest::addColumn<int>("status");
        QTest::newRow("header and cookie: the session's") << true << u"session"_s << true << 201;
        QTest::newRow("header without the cookie") << false << u"session"_s << true << 403;
        QTest::newRow("cookie without the header") << true << u""_s << true << 403;
        QTest::newRow("header and cookie agree, not the session's")
            << true << u"other"_s << false << 403;
        QTest::newRow("header is the session's, cookie another")
            << true << u"session"_s << false << 403;
        QTest::newRow("cookie is the session's, header another")
            << true << u"other"_s << true << 403;
    }
    void csrfNeedsTheCookieTheHeaderAndTheSession()
    {
        QFETCH(bool, cookie);
        QFETCH(QString, header);
        QFETCH(bool, cookieIsSessions);
        QFETCH(int, status);
        TestServer srv({}, true, backend());
        TestUser u = signup(srv.port, u"csrf"_s);
        const QByteArray session = u.web->cookie("wfx_session");
        const QByteArray token = u.web->cookie("wfx_csrf");
        QVERIFY(!session.isEmpty() && !token.isEmpty());
        const QByteArray other = QByteArray(token.size(), 'A');
        QByteArray cookies = "wfx_session=" + session;
        if (cookie)
            cookies += "; wfx_csrf=" + (cookieIsSessions ? token : other);
        const QByteArray sent = header == QLatin1String("session") ? token
                                : header.isEmpty()                 ? QByteArray()
                                                                   : other;
        const qint64 before = rows(srv, "workspaces");
        // A named BFF route and, through the catch-all proxy, a Cloud route.
        for (const QByteArray &path :
             {QByteArray("/api/cloud/workspaces"), QByteArray("/api/workspaces")}) {
            const QByteArray answer =
                rawWithCookies(srv, "POST", path, cookies, sent, R"({"name":"w"})");
            QVERIFY2(statusOf(answer) == status, answer.constData());
            if (status == 403)
                QVERIFY(answer.contains("csrf_failed"));
        }
        QCOMPARE(rows(srv, "workspaces"), before + (status == 201 ? 2 : 0));
    }

    // ------------------------------------------------------------ no dead ends

    void everyBillingLinkLeadsToAPage()
    {
        TestServer srv({}, true, backend());
        TestUser admin = signup(srv.port, u"admin"_s); // the first account: instance administrator
        TestUser owner = signup(srv.port, u"owner"_s);
        QVERIFY(admin.api && owner.api);
        const QString ws = createWorkspace(*owner.api).value(u"id"_s).toString();
        const HttpResult checkout = owner.api->post(
            u"/api/billing/checkout"_s, {{u"workspace_id"_s, ws}, {u"plan"_s, u"team"_s}});
        QCOMPARE(checkout.status, 201);
        const HttpResult portal =
            owner.api->post(u"/api/billing/portal"_s, {{u"workspace_id"_s, ws}});
        QCOMPARE(portal.status, 200);
        const QUrl checkoutUrl(checkout.json().value(u"url"_s).toString());
        for (const QString &url :
             {checkoutUrl.toString(), portal.json().value(u"url"_s).toString()}) {
            HttpClient anyone(srv.port);
            const HttpResult page = anyone.get(url);
            QVERIFY2(page.status == 200, qPrintable(url));
            QVERIFY(page.header("Content-Type").startsWith("text/html"));
            QVERIFY(page.body.contains("made by its\n    administrator") ||
                    page.body.contains("made by its administrator"));
            // Its script and style sheet are served too.
            // (not a raw string: moc 6.4 loses the class after one with a delimiter)
            const QRegularExpression asset(u"(?:src|href)=\"(/[^\"]+)\""_s);
            auto it = asset.globalMatch(QString::fromUtf8(page.body));
            int assets = 0;
            while (it.hasNext()) {
                const QString a = it.next().captured(1);
                QVERIFY2(anyone.get(a).status == 200, qPrintable(a));
                ++assets;
            }
            QCOMPARE(assets, 2);
        }

        // The page's form: nobody signed in 401, the workspace's owner 403, the administrator
        // changes the plan.
        const QUrlQuery q(checkoutUrl);
        const QJsonObject apply{{u"workspace_id"_s, ws},
                                {u"plan"_s, u"team"_s},
                                {u"session_ref"_s, q.queryItemValue(u"session"_s)}};
        HttpClient nobody(srv.port);
        QCOMPARE(nobody.post(u"/api/cloud/billing/offline"_s, apply).status, 401);
        const HttpResult refused = owner.web->post(u"/api/cloud/billing/offline"_s, apply);
        QCOMPARE(refused.status, 403);
        QVERIFY(refused.json()
                    .value(u"error"_s)
                    .toObject()
                    .value(u"message"_s)
                    .toString()
                    .contains(u"administrator"_s));
        QCOMPARE(owner.api->get(u"/api/workspaces/"_s + ws)
                     .object("workspace")
                     .value(u"plan"_s)
                     .toString(),
                 u"free"_s);
        const HttpResult done = admin.web->post(u"/api/cloud/billing/offline"_s, apply);
        QVERIFY2(done.status == 200, done.body.constData());
        QCOMPARE(done.json().value(u"plan"_s).toString(), u"team"_s);
        QCOMPARE(owner.api->get(u"/api/workspaces/"_s + ws)
                     .object("workspace")
                     .value(u"plan"_s)
                     .toString(),
                 u"team"_s);
        QSqlQuery audit(srv.store.db->connection());
        QVERIFY(
            audit.exec(u"SELECT actor_id FROM audit_log WHERE action = 'billing.plan_change'"_s));
        QVERIFY(audit.next());
        QCOMPARE(audit.value(0).toString(), admin.id);
        QVERIFY(!audit.next());
        // The portal's way: the administrator sets a plan without a checkout.
        const HttpResult back = admin.web->post(u"/api/cloud/billing/offline"_s,
                                                {{u"workspace_id"_s, ws}, {u"plan"_s, u"free"_s}});
        QCOMPARE(back.status, 200);
        QCOMPARE(owner.api->get(u"/api/workspaces/"_s + ws)
                     .object("workspace")
                     .value(u"plan"_s)
                     .toString(),
                 u"free"_s);
    }

    // The other links handed out: the service info's docs and document, the BFF's
    // checkout and portal, and a share's page.
    void everyOtherLinkAnswers()
    {
        TestServer srv({}, true, backend());
        TestUser u = signup(srv.port, u"links"_s);
        QVERIFY(u.api);
        HttpClient anyone(srv.port);
        const QJsonObject info = anyone.get(u"/"_s).json();
        for (const char *key : {"docs", "openapi"})
            QVERIFY2(anyone.get(info.value(QLatin1String(key)).toString()).status == 200, key);
        const QString ws = createWorkspace(*u.api).value(u"id"_s).toString();
        const HttpResult checkout = u.web->post(u"/api/cloud/billing/checkout"_s,
                                                {{u"workspace_id"_s, ws}, {u"plan"_s, u"pro"_s}});
        QCOMPARE(checkout.status, 201);
        const HttpResult portal =
            u.web->post(u"/api/cloud/billing/portal"_s, {{u"workspace_id"_s, ws}});
        QCOMPARE(portal.status, 200);
        for (const HttpResult *r : {&checkout, &portal})
            QCOMPARE(anyone.get(r->json().value(u"url"_s).toString()).status, 200);
        const QString token = sharedRun(*u.api, ws);
        QVERIFY(!token.isEmpty());
        const HttpResult page = anyone.get(u"/r/"_s + token);
        QCOMPARE(page.status, 200);
        QVERIFY(page.header("Content-Type").startsWith("text/html"));
    }

    void healthR2AndStatusShareOneProbe()
    {
        TestServer srv({}, true, backend());
        HttpClient c(srv.port);
        QCOMPARE(c.get(u"/health/r2"_s).status, 200);
        // Where uploads stage their files is not writable: a file stands in the folder's place.
        const QString tmp = QDir(srv.store.dir.path()).filePath(u"blobs/tmp"_s);
        QDir(tmp).removeRecursively();
        QFile block(tmp);
        QVERIFY(block.open(QIODevice::WriteOnly));
        block.close();
        QCOMPARE(c.get(u"/health/r2"_s).status, 503);
        const QJsonArray components =
            c.get(u"/api/status"_s).json().value(u"components"_s).toArray();
        bool seen = false;
        for (const auto &comp : components) {
            if (comp.toObject().value(u"name"_s).toString() == QLatin1String("artifact_store")) {
                QCOMPARE(comp.toObject().value(u"status"_s).toString(), u"down"_s);
                seen = true;
            }
        }
        QVERIFY(seen);
    }

    // ------------------------------------------------------------ behind a load balancer

    void clientAddress_data()
    {
        QTest::addColumn<QString>("peer");
        QTest::addColumn<QStringList>("headers"); // "Name: value"
        QTest::addColumn<QString>("client");
        const QStringList none;
        QTest::newRow("untrusted peer, headers ignored")
            << u"198.51.100.7"_s << QStringList{u"X-Forwarded-For: 1.2.3.4"_s} << u"198.51.100.7"_s;
        QTest::newRow("trusted, no header") << u"10.0.0.2"_s << none << u"10.0.0.2"_s;
        QTest::newRow("xff one hop")
            << u"10.0.0.2"_s << QStringList{u"X-Forwarded-For: 203.0.113.9"_s} << u"203.0.113.9"_s;
        QTest::newRow("xff spoofed left part")
            << u"10.0.0.2"_s << QStringList{u"X-Forwarded-For: 6.6.6.6, 203.0.113.9"_s}
            << u"203.0.113.9"_s;
        QTest::newRow("xff through two proxies")
            << u"10.0.0.2"_s << QStringList{u"X-Forwarded-For: 203.0.113.9, 10.0.0.5"_s}
            << u"203.0.113.9"_s;
        QTest::newRow("xff two header lines")
            << u"10.0.0.2"_s
            << QStringList{u"X-Forwarded-For: 6.6.6.6"_s, u"X-Forwarded-For: 203.0.113.9"_s}
            << u"203.0.113.9"_s;
        QTest::newRow("xff all trusted")
            << u"10.0.0.2"_s << QStringList{u"X-Forwarded-For: 10.0.0.9, 10.0.0.5"_s}
            << u"10.0.0.9"_s;
        QTest::newRow("xff garbage hop")
            << u"10.0.0.2"_s << QStringList{u"X-Forwarded-For: 203.0.113.9, nonsense"_s}
            << u"10.0.0.2"_s;
        QTest::newRow("xff ipv6") << u"10.0.0.2"_s << QStringList{u"X-Forwarded-For: 2001:db8::7"_s}
                                  << u"2001:db8::7"_s;
        QTest::newRow("forwarded")
            << u"10.0.0.2"_s << QStringList{u"Forwarded: for=203.0.113.9;proto=https"_s}
            << u"203.0.113.9"_s;
        QTest::newRow("forwarded list")
            << u"10.0.0.2"_s << QStringList{u"Forwarded: for=6.6.6.6, For=\"203.0.113.9:4711\""_s}
            << u"203.0.113.9"_s;
        QTest::newRow("forwarded ipv6 quoted")
            << u"10.0.0.2"_s << QStringList{u"Forwarded: for=\"[2001:db8:cafe::17]:4711\""_s}
            << u"2001:db8:cafe::17"_s;
        QTest::newRow("forwarded unknown")
            << u"10.0.0.2"_s << QStringList{u"Forwarded: for=unknown"_s} << u"10.0.0.2"_s;
        QTest::newRow("both headers: ambiguous")
            << u"10.0.0.2"_s
            << QStringList{u"Forwarded: for=6.6.6.6"_s, u"X-Forwarded-For: 203.0.113.9"_s}
            << u"10.0.0.2"_s;
    }
    void clientAddress()
    {
        QFETCH(QString, peer);
        QFETCH(QStringList, headers);
        QFETCH(QString, client);
        HeaderList list;
        for (const QString &h : headers) {
            const qsizetype colon = h.indexOf(QLatin1Char(':'));
            list.append({h.left(colon).toLatin1(), h.mid(colon + 1).trimmed().toLatin1()});
        }
        const Subnets trusted{QHostAddress::parseSubnet(u"10.0.0.0/8"_s)};
        QCOMPARE(wfx::clientAddress(QHostAddress(peer), list, trusted), QHostAddress(client));
        QCOMPARE(wfx::clientAddress(QHostAddress(peer), list, {}), QHostAddress(peer));
    }

    // Public share reads count per client and share: behind a trusted proxy two
    // clients have a bucket each; without the setting, the header changes nothing.
    void shareReadBucketsFollowTheForwardedClient_data()
    {
        QTest::addColumn<bool>("trustLoopback");
        QTest::newRow("trusted proxy") << true;
        QTest::newRow("no trusted proxies") << false;
    }
    void shareReadBucketsFollowTheForwardedClient()
    {
        QFETCH(bool, trustLoopback);
        ServerConfig config;
        config.shareReadLimit = 2;
        if (trustLoopback)
            config.trustedProxies = {QHostAddress::parseSubnet(u"127.0.0.1/32"_s)};
        TestServer srv(config, true, backend());
        TestUser u = signup(srv.port, u"proxy"_s);
        const QString ws = createWorkspace(*u.api).value(u"id"_s).toString();
        const QString path = u"/api/public/shares/"_s + sharedRun(*u.api, ws);
        QVERIFY(path.size() > 30);
        HttpClient reader(srv.port);
        auto from = [&](const char *ip) {
            return reader.request("GET", path, {}, {{"X-Forwarded-For", QByteArray(ip)}}).status;
        };
        QCOMPARE(from("203.0.113.1"), 200);
        QCOMPARE(from("203.0.113.1"), 200);
        QCOMPARE(from("203.0.113.1"), 429);
        // Another client behind the same proxy.
        QCOMPARE(from("203.0.113.2"), trustLoopback ? 200 : 429);
    }
};

QTEST_GUILESS_MAIN(TestFrontDoor)
#include "tst_front_door.moc"
