// SPDX-License-Identifier: Apache-2.0
// The shares route family over HTTP against the real server: share management,
// reliability consents, the eleven public states on both public endpoints
// (CONTRACT.md section 4) and the bundled share page /r/{token}.
#include "TestServer.h"

#include "core/Services.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QRegularExpression>
#include <QUrl>

using namespace wfx;

namespace {

QString S(const char *s) { return QString::fromLatin1(s); }

struct Resp
{
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
    QList<QByteArray> all(const QByteArray &name) const
    {
        QList<QByteArray> out;
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                out << h.second;
        }
        return out;
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QString code() const { return json().value(S("error")).toObject().value(S("code")).toString(); }
    QJsonArray details() const { return json().value(S("error")).toObject().value(S("details")).toArray(); }
    bool hasDetail(const QString &field, const QString &issue) const
    {
        for (const auto &d : details()) {
            const QJsonObject o = d.toObject();
            if (o.value(S("field")).toString() == field && (issue.isEmpty() || o.value(S("issue")).toString() == issue))
                return true;
        }
        return false;
    }
};

struct Client
{
    QString id, email, key, session, csrf, workspace, project, run;
};

// Messages of one logging category, captured from every thread.
QMutex g_logMutex;
QStringList g_shareLog;
QtMessageHandler g_previousHandler = nullptr;
void captureHandler(QtMsgType type, const QMessageLogContext &ctx, const QString &msg)
{
    if (ctx.category && QLatin1String(ctx.category) == QLatin1String("wfx.server.shares")) {
        QMutexLocker lock(&g_logMutex);
        g_shareLog << msg;
    }
    if (g_previousHandler)
        g_previousHandler(type, ctx, msg);
}

} // namespace

class TestShareRoutes : public QObject
{
    Q_OBJECT

    std::unique_ptr<wfxtest::TestServer> srv;
    Client a, b;
    static constexpr int kReadLimit = 5;
    static constexpr int kPasswordAttempts = 2;

    Resp call(const QByteArray &method, const QString &path, const QByteArray &body = {},
              const QList<QPair<QByteArray, QByteArray>> &headers = {}, bool json = true)
    {
        QByteArray req = method + ' ' + QUrl(path).toEncoded() + " HTTP/1.1\r\n" + srv->hostHeader() + "Connection: close\r\n";
        for (const auto &h : headers)
            req += h.first + ": " + h.second + "\r\n";
        if (!body.isEmpty() || method == "POST") {
            if (json)
                req += "Content-Type: application/json\r\n";
            req += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        }
        req += "\r\n" + body;
        const QByteArray raw = srv->raw(req, 10000);
        Resp r;
        const qsizetype end = raw.indexOf("\r\n\r\n");
        if (end < 0)
            return r;
        const QList<QByteArray> lines = raw.left(end).split('\n');
        r.status = lines.value(0).mid(9, 3).toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon > 0)
                r.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
        }
        r.body = raw.mid(end + 4);
        return r;
    }
    static QByteArray js(const QJsonObject &o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }
    Resp api(const Client &u, const QByteArray &method, const QString &path, const QJsonObject &body = {})
    {
        return call(method, path, body.isEmpty() ? QByteArray() : js(body), {{"Authorization", "Bearer " + u.key.toLatin1()}});
    }
    Resp apiRaw(const Client &u, const QByteArray &method, const QString &path, const QByteArray &body)
    {
        return call(method, path, body, {{"Authorization", "Bearer " + u.key.toLatin1()}});
    }
    Resp web(const Client &u, const QByteArray &method, const QString &path, const QJsonObject &body = {})
    {
        QList<QPair<QByteArray, QByteArray>> h{{"Cookie", "wfx_session=" + u.session.toLatin1() + "; wfx_csrf=" + u.csrf.toLatin1()}};
        if (method != "GET")
            h.append({"X-CSRF-Token", u.csrf.toLatin1()});
        return call(method, path, body.isEmpty() ? QByteArray() : js(body), h);
    }
    static QString publicPath(const QString &ep, const QString &token)
    {
        return (ep == QLatin1String("r") ? S("/api/public/r/") : S("/api/public/shares/"))
            + QString::fromLatin1(QUrl::toPercentEncoding(token));
    }
    Resp readShare(const QString &ep, const QString &token, const std::optional<QByteArray> &password = std::nullopt,
                   const QList<QPair<QByteArray, QByteArray>> &extra = {})
    {
        auto h = extra;
        if (password)
            h.append({"X-Share-Password", *password});
        return call("GET", publicPath(ep, token), {}, h);
    }

    Client signup(const QString &email)
    {
        Client u;
        u.email = email;
        Resp r = call("POST", S("/api/auth/signup"),
                      js({{S("email"), email}, {S("password"), S("correct horse battery")}}));
        if (r.status != 201)
            qFatal("signup failed: %d %s", r.status, r.body.constData());
        u.id = r.json().value(S("user")).toObject().value(S("id")).toString();
        for (const QByteArray &c : r.all("Set-Cookie")) {
            const QByteArray kv = c.split(';').value(0);
            const qsizetype eq = kv.indexOf('=');
            if (kv.left(eq) == "wfx_session")
                u.session = QString::fromLatin1(kv.mid(eq + 1));
            else if (kv.left(eq) == "wfx_csrf")
                u.csrf = QString::fromLatin1(kv.mid(eq + 1));
        }
        Resp k = web(u, "POST", S("/api/cloud/api-keys"), {{S("name"), S("tests")}});
        if (k.status != 201)
            qFatal("api key failed: %d %s", k.status, k.body.constData());
        u.key = k.json().value(S("secret")).toString();
        u.workspace = api(u, "POST", S("/api/workspaces"), {{S("name"), email}}).json()
                          .value(S("workspace")).toObject().value(S("id")).toString();
        u.project = api(u, "POST", S("/api/projects"), {{S("workspace_id"), u.workspace}, {S("name"), S("p")}}).json()
                        .value(S("project")).toObject().value(S("id")).toString();
        u.run = syncRun(u);
        return u;
    }

    // Runs are synced through the model layer (the run routes are another family's).
    QString syncRun(const Client &u, const QJsonObject &over = {})
    {
        QJsonObject body{{S("project_id"), u.project},
                         {S("client_run_id"), ids::newUuid()},
                         {S("name"), S("dreamer-v3-seed-1")},
                         {S("status"), S("completed")},
                         {S("started_at"), S("2026-11-01T10:00:00Z")},
                         {S("finished_at"), S("2026-11-01T11:00:00Z")},
                         {S("manifest"), QJsonObject{{S("env"), S("atari")}, {S("seed"), 1}}},
                         {S("metrics"), QJsonArray{QJsonObject{{S("name"), S("loss")}, {S("step"), 0}, {S("value"), 1.25}},
                                                   QJsonObject{{S("name"), S("loss")}, {S("step"), 1}, {S("value"), 0.5}}}}};
        for (auto it = over.begin(); it != over.end(); ++it)
            body.insert(it.key(), it.value());
        auto r = srv->server->services().runs.sync(Actor::user(u.id, S("127.0.0.1")), body);
        if (!r)
            qFatal("sync failed: %s", qPrintable(r.error().message));
        return r->run.id;
    }

    // An artifact of the run: pending, or uploaded and committed.
    QString artifact(const Client &u, const QString &run, bool commit, const QByteArray &data = "weights")
    {
        Resp init = api(u, "POST", S("/api/sync/artifacts/initiate"),
                        {{S("run_id"), run}, {S("name"), S("policy.ckpt")}, {S("size_bytes"), double(data.size())},
                         {S("sha256"), crypto::sha256Hex(data)}});
        if (init.status != 201)
            qFatal("initiate failed: %s", init.body.constData());
        const QString id = init.json().value(S("artifact")).toObject().value(S("id")).toString();
        if (!commit)
            return id;
        const QUrl url(init.json().value(S("upload")).toObject().value(S("parts")).toArray().at(0).toObject()
                           .value(S("url")).toString());
        if (call("PUT", url.path(), data, {}, false).status != 200)
            qFatal("part upload failed");
        if (api(u, "POST", S("/api/sync/artifacts/commit"), {{S("artifact_id"), id}}).status != 200)
            qFatal("commit failed");
        return id;
    }

    struct Made
    {
        QJsonObject share;
        QString token;
        QJsonObject body;
    };
    Made makeShare(const Client &u, const QString &run, const QJsonObject &extra = {})
    {
        QJsonObject body{{S("run_id"), run}};
        for (auto it = extra.begin(); it != extra.end(); ++it)
            body.insert(it.key(), it.value());
        Resp r = api(u, "POST", S("/api/shares"), body);
        if (r.status != 201)
            qFatal("share create failed: %d %s", r.status, r.body.constData());
        return {r.json().value(S("share")).toObject(), r.json().value(S("token")).toString(), r.json()};
    }
    QString futureTime(qint64 ms) { return ids::formatTime(srv->store.clock.nowMs() + ms); }

    static void endpoints()
    {
        QTest::addColumn<QString>("ep");
        QTest::newRow("shares") << S("shares");
        QTest::newRow("r") << S("r");
    }
    static void expectNoStore(const Resp &r)
    {
        QCOMPARE(r.header("Cache-Control"), QByteArray("no-store"));
    }
    static void expectReadHeaders(const Resp &r, int remaining)
    {
        QCOMPARE(r.header("RateLimit-Limit"), QByteArray::number(kReadLimit));
        QCOMPARE(r.header("RateLimit-Remaining"), QByteArray::number(remaining));
        QVERIFY(r.header("RateLimit-Reset").toInt() >= 1);
        QCOMPARE(r.header("RateLimit-Policy"), "\"share-read\";q=" + QByteArray::number(kReadLimit) + ";w=60");
        QCOMPARE(r.header("RateLimit"), "\"share-read\";r=" + QByteArray::number(remaining) + ";t=" + r.header("RateLimit-Reset"));
    }

private slots:
    void initTestCase() { wfxtest::useFastPasswordHashing(); }

    void init()
    {
        ServerConfig cfg;
        cfg.shareReadLimit = kReadLimit;
        cfg.sharePasswordAttempts = kPasswordAttempts;
        srv = std::make_unique<wfxtest::TestServer>(cfg);
        a = signup(S("alice@example.com"));
        b = signup(S("bob@example.com"));
    }
    void cleanup() { srv.reset(); }

    // ------------------------------------------------------------------ management

    void createAnswersShareTokenAndAbsoluteUrl()
    {
        Resp r = api(a, "POST", S("/api/shares"), {{S("run_id"), a.run}});
        QCOMPARE(r.status, 201);
        const QJsonObject share = r.json().value(S("share")).toObject();
        const QString token = r.json().value(S("token")).toString();
        QVERIFY(ids::isUuid(share.value(S("id")).toString()));
        QCOMPARE(share.value(S("run_id")).toString(), a.run);
        QCOMPARE(share.value(S("workspace_id")).toString(), a.workspace);
        QCOMPARE(share.value(S("state")).toString(), S("active"));
        QCOMPARE(share.value(S("has_password")), QJsonValue(false));
        QVERIFY(share.value(S("expires_at")).isNull());
        QVERIFY(share.value(S("artifact_id")).isNull());
        const QString prefix = share.value(S("token_prefix")).toString();
        QVERIFY(!prefix.isEmpty() && prefix.size() < token.size() && token.startsWith(prefix));
        QCOMPARE(r.json().value(S("url")).toString(), S("http://127.0.0.1:") + QString::number(srv->port) + S("/r/") + token);
        QCOMPARE(srv->store.auditCount(S("share.create")), 1);
    }

    void createWithPasswordExpiryAndArtifact()
    {
        const QString art = artifact(a, a.run, true);
        const QString at = futureTime(3'600'000);
        Resp r = api(a, "POST", S("/api/shares"), {{S("run_id"), a.run}, {S("password"), S("open sesame!")},
                                                   {S("expires_at"), at}, {S("artifact_id"), art}});
        QCOMPARE(r.status, 201);
        const QJsonObject share = r.json().value(S("share")).toObject();
        QCOMPARE(share.value(S("has_password")), QJsonValue(true));
        QCOMPARE(share.value(S("expires_at")).toString(), at);
        QCOMPARE(share.value(S("artifact_id")).toString(), art);
        QVERIFY(!r.body.contains("open sesame!"));
    }

    void createNullOptionalFieldsAreAbsent()
    {
        Resp r = api(a, "POST", S("/api/shares"), {{S("run_id"), a.run}, {S("password"), QJsonValue::Null},
                                                   {S("expires_at"), QJsonValue::Null}, {S("artifact_id"), QJsonValue::Null}});
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json().value(S("share")).toObject().value(S("has_password")), QJsonValue(false));
    }

    void createRefusesBadInput_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("issue");
        auto row = [](const char *name, const QJsonObject &o, const char *field, const char *issue) {
            QTest::newRow(name) << QJsonDocument(o).toJson(QJsonDocument::Compact) << S(field) << S(issue);
        };
        const QString run = S("00000000-0000-4000-8000-000000000000");
        row("run_id missing", {}, "run_id", "required");
        row("run_id not a uuid", {{S("run_id"), S("run-1")}}, "run_id", "invalid");
        row("run_id a number", {{S("run_id"), 7}}, "run_id", "type");
        row("password short", {{S("run_id"), run}, {S("password"), S("1234567")}}, "password", "too_short");
        row("password long", {{S("run_id"), run}, {S("password"), QString(1025, QLatin1Char('p'))}}, "password", "too_long");
        row("password a number", {{S("run_id"), run}, {S("password"), 12345678}}, "password", "type");
        row("expires_at not a time", {{S("run_id"), run}, {S("expires_at"), S("tomorrow")}}, "expires_at", "invalid");
        row("expires_at a number", {{S("run_id"), run}, {S("expires_at"), 1}}, "expires_at", "type");
        row("artifact_id not a uuid", {{S("run_id"), run}, {S("artifact_id"), S("ckpt")}}, "artifact_id", "invalid");
        row("artifact_id an object", {{S("run_id"), run}, {S("artifact_id"), QJsonObject{}}}, "artifact_id", "type");
        QTest::newRow("malformed json") << QByteArray("{\"run_id\":") << S("body") << S("malformed_json");
    }
    void createRefusesBadInput()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, field);
        QFETCH(QString, issue);
        Resp r = apiRaw(a, "POST", S("/api/shares"), body);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.code(), S("validation_error"));
        QVERIFY2(r.hasDetail(field, issue), r.body.constData());
        QCOMPARE(srv->store.count(S("shares")), 0);
    }

    void createRefusesExpiryInThePast()
    {
        Resp r = api(a, "POST", S("/api/shares"), {{S("run_id"), a.run}, {S("expires_at"), futureTime(-1000)}});
        QCOMPARE(r.status, 422);
        QVERIFY(r.hasDetail(S("expires_at"), S("in_past")));
    }

    void createRefusesArtifactOfAnotherRun()
    {
        const QString other = syncRun(a);
        const QString art = artifact(a, other, false);
        Resp r = api(a, "POST", S("/api/shares"), {{S("run_id"), a.run}, {S("artifact_id"), art}});
        QCOMPARE(r.status, 422);
        QVERIFY(r.hasDetail(S("artifact_id"), S("not_in_run")));
    }

    void createNeedsCredentials()
    {
        Resp r = call("POST", S("/api/shares"), js({{S("run_id"), a.run}}));
        QCOMPARE(r.status, 401);
        QCOMPARE(r.code(), S("login_required"));
    }

    void listPagesNewestFirstWithoutTokens()
    {
        QStringList tokens;
        QStringList ids;
        for (int i = 0; i < 3; ++i) {
            Made m = makeShare(a, a.run);
            tokens << m.token;
            ids.prepend(m.share.value(S("id")).toString());
            srv->store.clock.advanceMs(1000);
        }
        makeShare(a, syncRun(a)); // another run: filtered out below
        Resp first = api(a, "GET", S("/api/shares?run_id=") + a.run + S("&limit=2"));
        QCOMPARE(first.status, 200);
        const QJsonArray items = first.json().value(S("items")).toArray();
        QCOMPARE(items.size(), 2);
        QCOMPARE(items.at(0).toObject().value(S("id")).toString(), ids.at(0));
        QCOMPARE(items.at(1).toObject().value(S("id")).toString(), ids.at(1));
        const QString cursor = first.json().value(S("next_cursor")).toString();
        QVERIFY(!cursor.isEmpty());
        Resp second = api(a, "GET", S("/api/shares?run_id=") + a.run + S("&limit=2&cursor=") + cursor);
        QCOMPARE(second.json().value(S("items")).toArray().size(), 1);
        QCOMPARE(second.json().value(S("items")).toArray().at(0).toObject().value(S("id")).toString(), ids.at(2));
        QVERIFY(second.json().value(S("next_cursor")).isNull());
        for (const QString &t : tokens) {
            QVERIFY(!first.body.contains(t.toLatin1()));
            QVERIFY(!second.body.contains(t.toLatin1()));
        }
        Resp ws = api(a, "GET", S("/api/shares?workspace_id=") + a.workspace);
        QCOMPARE(ws.json().value(S("items")).toArray().size(), 4);
    }

    void listRefusesBadQuery_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("field");
        QTest::newRow("limit 0") << S("limit=0") << S("limit");
        QTest::newRow("limit 201") << S("limit=201") << S("limit");
        QTest::newRow("empty limit") << S("limit=") << S("limit");
        QTest::newRow("foreign cursor") << S("cursor=bm90LW91cnM") << S("cursor");
        QTest::newRow("workspace_id not a uuid") << S("workspace_id=ws") << S("workspace_id");
        QTest::newRow("run_id not a uuid") << S("run_id=r") << S("run_id");
    }
    void listRefusesBadQuery()
    {
        QFETCH(QString, query);
        QFETCH(QString, field);
        Resp r = api(a, "GET", S("/api/shares?") + query);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.code(), S("validation_error"));
        QVERIFY2(r.hasDetail(field, {}), r.body.constData());
    }

    void listShowsExpiredState()
    {
        Made m = makeShare(a, a.run, {{S("expires_at"), futureTime(10'000)}});
        srv->store.clock.advanceMs(20'000);
        Resp r = api(a, "GET", S("/api/shares?run_id=") + a.run);
        QCOMPARE(r.json().value(S("items")).toArray().at(0).toObject().value(S("id")).toString(),
                 m.share.value(S("id")).toString());
        QCOMPARE(r.json().value(S("items")).toArray().at(0).toObject().value(S("state")).toString(), S("expired"));
    }

    void revokeAnswersRevokedShareOnce()
    {
        Made m = makeShare(a, a.run);
        const QString id = m.share.value(S("id")).toString();
        Resp r = api(a, "POST", S("/api/shares/") + id + S("/revoke"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(S("share")).toObject().value(S("state")).toString(), S("revoked"));
        QVERIFY(!r.json().value(S("share")).toObject().value(S("revoked_at")).isNull());
        QCOMPARE(api(a, "POST", S("/api/shares/") + id + S("/revoke")).status, 200); // again: nothing changes
        QCOMPARE(srv->store.auditCount(S("share.revoke")), 1);
        QCOMPARE(api(a, "POST", S("/api/shares/") + ids::newUuid() + S("/revoke")).status, 404);
    }

    void bffNamedRoutesCreateAndList()
    {
        Resp r = web(a, "POST", S("/api/cloud/shares"), {{S("run_id"), a.run}});
        QCOMPARE(r.status, 201);
        const QString id = r.json().value(S("share")).toObject().value(S("id")).toString();
        QVERIFY(r.json().value(S("url")).toString().endsWith(r.json().value(S("token")).toString()));
        Resp list = web(a, "GET", S("/api/cloud/shares"));
        QCOMPARE(list.status, 200);
        QCOMPARE(list.json().value(S("items")).toArray().at(0).toObject().value(S("id")).toString(), id);
        // Without the CSRF token the named route refuses.
        Resp noCsrf = call("POST", S("/api/cloud/shares"), js({{S("run_id"), a.run}}),
                           {{"Cookie", "wfx_session=" + a.session.toLatin1() + "; wfx_csrf=" + a.csrf.toLatin1()}});
        QCOMPARE(noCsrf.status, 403);
        QCOMPARE(noCsrf.code(), S("csrf_failed"));
    }

    // ------------------------------------------------------------------ other workspaces

    void otherWorkspacesAnswer404AndChangeNothing()
    {
        Made m = makeShare(a, a.run);
        const QString id = m.share.value(S("id")).toString();
        const QString consent = api(a, "POST", S("/api/shares/") + id + S("/reliability-consent"),
                                    {{S("subject"), S("eval-team")}, {S("scope"), S("benchmarks")}})
                                    .json().value(S("consent")).toObject().value(S("id")).toString();
        QVERIFY(ids::isUuid(consent));
        const QString consentPath = S("/api/shares/") + id + S("/reliability-consent/") + consent;
        const qint64 audits = srv->store.count(S("audit_log"));

        auto expect404 = [](const Resp &r) {
            QCOMPARE(r.status, 404);
            QCOMPARE(r.code(), S("not_found"));
        };
        expect404(api(b, "POST", S("/api/shares"), {{S("run_id"), a.run}}));
        expect404(api(b, "GET", S("/api/shares?workspace_id=") + a.workspace));
        expect404(api(b, "GET", S("/api/shares?run_id=") + a.run));
        expect404(api(b, "POST", S("/api/shares/") + id + S("/revoke")));
        expect404(api(b, "POST", S("/api/shares/") + id + S("/reliability-consent"),
                      {{S("subject"), S("x")}, {S("scope"), S("y")}}));
        expect404(api(b, "GET", consentPath + S("/export")));
        expect404(api(b, "POST", consentPath + S("/revoke")));
        expect404(api(b, "DELETE", consentPath));
        // Bob's own list does not show Alice's share.
        QVERIFY(!api(b, "GET", S("/api/shares")).body.contains(id.toLatin1()));

        QCOMPARE(srv->store.count(S("audit_log")), audits);
        QCOMPARE(srv->store.count(S("shares")), 1);
        Resp mine = api(a, "GET", S("/api/shares?run_id=") + a.run);
        QCOMPARE(mine.json().value(S("items")).toArray().at(0).toObject().value(S("state")).toString(), S("active"));
        Resp exported = api(a, "GET", consentPath + S("/export"));
        QCOMPARE(exported.status, 200);
        QCOMPARE(exported.json().value(S("consent")).toObject().value(S("state")).toString(), S("active"));
    }

    // ------------------------------------------------------------------ reliability consents

    void consentLifecycle()
    {
        Made m = makeShare(a, a.run);
        const QString id = m.share.value(S("id")).toString();
        Resp created = api(a, "POST", S("/api/shares/") + id + S("/reliability-consent"),
                           {{S("subject"), S("eval-team")}, {S("scope"), S("public-benchmarks")}});
        QCOMPARE(created.status, 201);
        const QJsonObject c = created.json().value(S("consent")).toObject();
        QCOMPARE(c.value(S("share_id")).toString(), id);
        QCOMPARE(c.value(S("subject")).toString(), S("eval-team"));
        QCOMPARE(c.value(S("scope")).toString(), S("public-benchmarks"));
        QCOMPARE(c.value(S("state")).toString(), S("active"));
        const QString path = S("/api/shares/") + id + S("/reliability-consent/") + c.value(S("id")).toString();

        Resp exported = api(a, "GET", path + S("/export"));
        QCOMPARE(exported.status, 200);
        QCOMPARE(exported.json().value(S("consent")).toObject(), c);
        QCOMPARE(exported.json().value(S("share")).toObject().value(S("id")).toString(), id);
        QVERIFY(ids::parseTime(exported.json().value(S("exported_at")).toString()).has_value());

        Resp revoked = api(a, "POST", path + S("/revoke"));
        QCOMPARE(revoked.status, 200);
        QCOMPARE(revoked.json().value(S("consent")).toObject().value(S("state")).toString(), S("revoked"));
        QCOMPARE(api(a, "POST", path + S("/revoke")).status, 200);

        QCOMPARE(api(a, "DELETE", path).status, 204);
        QCOMPARE(api(a, "GET", path + S("/export")).status, 404);
        QCOMPARE(api(a, "DELETE", path).status, 404);
    }

    void consentRefusedOnRevokedShare()
    {
        Made m = makeShare(a, a.run);
        const QString id = m.share.value(S("id")).toString();
        QCOMPARE(api(a, "POST", S("/api/shares/") + id + S("/revoke")).status, 200);
        Resp r = api(a, "POST", S("/api/shares/") + id + S("/reliability-consent"), {{S("subject"), S("s")}, {S("scope"), S("t")}});
        QCOMPARE(r.status, 409);
        QCOMPARE(r.code(), S("conflict"));
    }

    void consentRefusesBadInput_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("issue");
        auto row = [](const char *name, const QJsonObject &o, const char *field, const char *issue) {
            QTest::newRow(name) << QJsonDocument(o).toJson(QJsonDocument::Compact) << S(field) << S(issue);
        };
        row("subject missing", {{S("scope"), S("s")}}, "subject", "required");
        row("subject empty", {{S("subject"), S("")}, {S("scope"), S("s")}}, "subject", "required");
        row("subject too long", {{S("subject"), QString(201, QLatin1Char('x'))}, {S("scope"), S("s")}}, "subject", "too_long");
        row("subject a number", {{S("subject"), 1}, {S("scope"), S("s")}}, "subject", "type");
        row("scope missing", {{S("subject"), S("s")}}, "scope", "required");
        row("scope too long", {{S("subject"), S("s")}, {S("scope"), QString(201, QLatin1Char('x'))}}, "scope", "too_long");
        row("scope an array", {{S("subject"), S("s")}, {S("scope"), QJsonArray{}}}, "scope", "type");
    }
    void consentRefusesBadInput()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, field);
        QFETCH(QString, issue);
        Made m = makeShare(a, a.run);
        Resp r = apiRaw(a, "POST", S("/api/shares/") + m.share.value(S("id")).toString() + S("/reliability-consent"), body);
        QCOMPARE(r.status, 422);
        QVERIFY2(r.hasDetail(field, issue), r.body.constData());
        QCOMPARE(srv->store.count(S("reliability_consents")), 0);
    }

    // ------------------------------------------------------------------ the eleven public states

    void state1RateLimited_data() { endpoints(); }
    void state1RateLimited()
    {
        QFETCH(QString, ep);
        const QString other = ep == QLatin1String("r") ? S("shares") : S("r");
        Made m = makeShare(a, a.run);
        for (int i = 1; i <= kReadLimit; ++i) { // both endpoints count against the same share
            Resp r = readShare(i % 2 ? ep : other, m.token);
            QCOMPARE(r.status, 200);
            expectReadHeaders(r, kReadLimit - i);
        }
        for (const QString &e : {ep, other}) {
            Resp r = readShare(e, m.token);
            QCOMPARE(r.status, 429);
            QCOMPARE(r.code(), S("share_rate_limited"));
            expectNoStore(r);
            expectReadHeaders(r, 0);
            QVERIFY(r.header("Retry-After").toInt() >= 1);
            QCOMPARE(r.header("Retry-After"), r.header("RateLimit-Reset"));
        }
        // Another share keeps its own budget; the first is readable once its reads leave the window.
        QCOMPARE(readShare(ep, makeShare(a, a.run).token).status, 200);
        srv->store.clock.advanceMs(61'000);
        QCOMPARE(readShare(ep, m.token).status, 200);
    }

    void state1UnknownTokensShareOneBucket_data() { endpoints(); }
    void state1UnknownTokensShareOneBucket()
    {
        QFETCH(QString, ep);
        for (int i = 1; i <= kReadLimit; ++i)
            QCOMPARE(readShare(i % 2 ? ep : S("shares"), S("wfxs_") + QString(43, QLatin1Char('A' + i))).code(),
                     S("share_not_found"));
        Resp r = readShare(ep, S("garbage-token"));
        QCOMPARE(r.status, 429);
        QCOMPARE(r.code(), S("share_rate_limited"));
        QCOMPARE(readShare(ep, makeShare(a, a.run).token).status, 200); // a real share has its own bucket
    }

    void state2NotFound_data() { endpoints(); }
    void state2NotFound()
    {
        QFETCH(QString, ep);
        Made m = makeShare(a, a.run);
        QString mismatched = m.token;
        mismatched[mismatched.size() - 1] = mismatched.endsWith(QLatin1Char('A')) ? QLatin1Char('B') : QLatin1Char('A');
        int n = 0;
        for (const QString &t : QStringList{S("wfxs_") + QString(43, QLatin1Char('x')), S("not a*valid&token!"), mismatched}) {
            Resp r = readShare(ep, t);
            QCOMPARE(r.status, 404);
            QCOMPARE(r.code(), S("share_not_found"));
            QVERIFY(!r.json().value(S("error")).toObject().value(S("message")).toString().isEmpty());
            expectNoStore(r);
            expectReadHeaders(r, kReadLimit - ++n);
        }
    }

    void state3Revoked_data() { endpoints(); }
    void state3Revoked()
    {
        QFETCH(QString, ep);
        Made m = makeShare(a, a.run, {{S("password"), S("pass-word-1")}});
        QCOMPARE(api(a, "POST", S("/api/shares/") + m.share.value(S("id")).toString() + S("/revoke")).status, 200);
        Resp r = readShare(ep, m.token); // revoked comes before the password
        QCOMPARE(r.status, 410);
        QCOMPARE(r.code(), S("share_revoked"));
        expectNoStore(r);
        expectReadHeaders(r, kReadLimit - 1);
    }

    void state4Expired_data() { endpoints(); }
    void state4Expired()
    {
        QFETCH(QString, ep);
        Made m = makeShare(a, a.run, {{S("expires_at"), futureTime(30'000)}, {S("password"), S("pass-word-1")}});
        QCOMPARE(readShare(ep, m.token, QByteArray("pass-word-1")).status, 200);
        srv->store.clock.advanceMs(30'000);
        Resp r = readShare(ep, m.token); // expired comes before the password
        QCOMPARE(r.status, 410);
        QCOMPARE(r.code(), S("share_expired"));
        expectNoStore(r);
    }

    void state5PasswordLocked_data() { endpoints(); }
    void state5PasswordLocked()
    {
        QFETCH(QString, ep);
        Made m = makeShare(a, a.run, {{S("password"), S("pass-word-1")}});
        for (int i = 1; i <= kPasswordAttempts; ++i) // the last wrong one still answers 401
            QCOMPARE(readShare(ep, m.token, "wrong-" + QByteArray::number(i)).code(), S("share_wrong_password"));
        for (const std::optional<QByteArray> &pw : {std::optional<QByteArray>("pass-word-1"), std::optional<QByteArray>()}) {
            Resp r = readShare(ep, m.token, pw);
            QCOMPARE(r.status, 429);
            QCOMPARE(r.code(), S("share_password_locked"));
            expectNoStore(r);
            QCOMPARE(r.header("RateLimit-Remaining"), QByteArray("0"));
            QCOMPARE(r.header("RateLimit-Limit"), QByteArray::number(kPasswordAttempts));
            const QByteArray reset = r.header("RateLimit-Reset");
            QVERIFY(reset.toInt() >= 1);
            QCOMPARE(r.header("Retry-After"), reset);
            QVERIFY(r.header("RateLimit").startsWith(QByteArray("\"share-password\";r=0;t=" + reset)));
            QVERIFY(r.header("RateLimit-Policy").startsWith(QByteArray("\"share-password\";q=" + QByteArray::number(kPasswordAttempts))));
        }
    }

    void state6PasswordRequired_data() { endpoints(); }
    void state6PasswordRequired()
    {
        QFETCH(QString, ep);
        Made m = makeShare(a, a.run, {{S("password"), S("pass-word-1")}});
        for (const std::optional<QByteArray> &pw : {std::optional<QByteArray>(), std::optional<QByteArray>("")}) {
            Resp r = readShare(ep, m.token, pw);
            QCOMPARE(r.status, 401);
            QCOMPARE(r.code(), S("share_password_required"));
            expectNoStore(r);
            QVERIFY(r.header("RateLimit-Limit").size() > 0);
        }
    }

    void state7WrongPassword_data() { endpoints(); }
    void state7WrongPassword()
    {
        QFETCH(QString, ep);
        Made m = makeShare(a, a.run, {{S("password"), S("pass-word-1")}});
        Resp r = readShare(ep, m.token, QByteArray("pass-word-2"));
        QCOMPARE(r.status, 401);
        QCOMPARE(r.code(), S("share_wrong_password"));
        expectNoStore(r);
        expectReadHeaders(r, kReadLimit - 1);
        Resp right = readShare(ep, m.token, QByteArray("pass-word-1"));
        QCOMPARE(right.status, 200);
        QCOMPARE(right.header("Cache-Control"), QByteArray("private, no-store"));
    }

    void state8EvidenceUnverified_data() { endpoints(); }
    void state8EvidenceUnverified()
    {
        QFETCH(QString, ep);
        const QJsonObject badSig{{S("alg"), S("ed25519")},
                                 {S("public_key"), QString::fromLatin1(QByteArray(32, '\1').toBase64())},
                                 {S("sig"), QString::fromLatin1(QByteArray(64, '\2').toBase64())}};
        const QString run = syncRun(a, {{S("signature"), badSig}});
        Made m = makeShare(a, run, {{S("password"), S("pass-word-1")}, {S("artifact_id"), artifact(a, run, false)}});
        QCOMPARE(readShare(ep, m.token).code(), S("share_password_required")); // the password comes first
        Resp r = readShare(ep, m.token, QByteArray("pass-word-1"));             // evidence before the artifact
        QCOMPARE(r.status, 409);
        QCOMPARE(r.code(), S("evidence_unverified"));
        expectNoStore(r);
    }

    void state9ArtifactFiltered_data() { endpoints(); }
    void state9ArtifactFiltered()
    {
        QFETCH(QString, ep);
        const QString run = syncRun(a, {{S("manifest"), QJsonObject{{S("api_key"), S("x")}}}});
        Made m = makeShare(a, run, {{S("artifact_id"), artifact(a, run, false)}});
        Resp r = readShare(ep, m.token); // the artifact before the payload policy
        QCOMPARE(r.status, 409);
        QCOMPARE(r.code(), S("artifact_filtered"));
        expectNoStore(r);
        QVERIFY(!r.body.contains("policy.ckpt"));
    }

    void state10PayloadPolicy_data() { endpoints(); }
    void state10PayloadPolicy()
    {
        QFETCH(QString, ep);
        const QString run = syncRun(a, {{S("manifest"), QJsonObject{{S("nested"), QJsonObject{{S("Client_SECRET"), S("x")}}}}}});
        Made m = makeShare(a, run);
        {
            QMutexLocker lock(&g_logMutex);
            g_shareLog.clear();
        }
        g_previousHandler = qInstallMessageHandler(captureHandler);
        Resp r = readShare(ep, m.token);
        qInstallMessageHandler(g_previousHandler);
        QCOMPARE(r.status, 409);
        QCOMPARE(r.code(), S("public_payload_policy_rejected"));
        expectNoStore(r);
        // The administrator sees which field tripped the policy; the public never does.
        QVERIFY(!r.body.contains("Client_SECRET") && !r.body.contains("manifest"));
        QMutexLocker lock(&g_logMutex);
        QCOMPARE(g_shareLog.size(), 1);
        QVERIFY2(g_shareLog.first().contains(m.share.value(S("id")).toString())
                     && g_shareLog.first().contains(S("run.manifest.nested.Client_SECRET")),
                 qPrintable(g_shareLog.first()));
    }

    void state11Active_data() { endpoints(); }
    void state11Active()
    {
        QFETCH(QString, ep);
        const QByteArray data(3000, 'w');
        const QString art = artifact(a, a.run, true, data);
        Made m = makeShare(a, a.run, {{S("artifact_id"), art}, {S("expires_at"), futureTime(86'400'000)}});
        Resp r = readShare(ep, m.token);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("Cache-Control"), QByteArray("private, no-store"));
        QVERIFY(r.header("Content-Type").startsWith("application/json"));
        expectReadHeaders(r, kReadLimit - 1);
        QVERIFY(r.header("Retry-After").isEmpty());
        const QJsonObject run = r.json().value(S("run")).toObject();
        QCOMPARE(run.value(S("name")).toString(), S("dreamer-v3-seed-1"));
        QCOMPARE(run.value(S("status")).toString(), S("completed"));
        QCOMPARE(run.value(S("evidence")).toString(), S("unsigned"));
        QCOMPARE(ids::parseTime(run.value(S("started_at")).toString()), ids::parseTime(S("2026-11-01T10:00:00Z")));
        QCOMPARE(ids::parseTime(run.value(S("finished_at")).toString()), ids::parseTime(S("2026-11-01T11:00:00Z")));
        QCOMPARE(run.value(S("manifest")).toObject(), (QJsonObject{{S("env"), S("atari")}, {S("seed"), 1}}));
        QCOMPARE(run.value(S("metric_names")).toArray(), QJsonArray{S("loss")});
        QCOMPARE(run.value(S("metrics")).toObject().value(S("loss")).toArray(),
                 (QJsonArray{QJsonArray{0, 1.25}, QJsonArray{1, 0.5}}));
        QCOMPARE(r.json().value(S("artifact")).toObject(),
                 (QJsonObject{{S("name"), S("policy.ckpt")}, {S("size_bytes"), 3000}}));
        // Nothing of the share, its owner or any id.
        for (const QString &secret : {m.token, m.share.value(S("id")).toString(), m.share.value(S("token_prefix")).toString(),
                                      m.share.value(S("expires_at")).toString(), a.run, art, a.workspace, a.project, a.id,
                                      a.email}) {
            QVERIFY2(!r.body.contains(secret.toLatin1()), qPrintable(secret));
        }
        for (const char *key : {"\"id\"", "has_password", "token", "share_id"})
            QVERIFY(!r.body.contains(key));
    }

    void publicReadsIgnoreCookiesAndKeys_data() { endpoints(); }
    void publicReadsIgnoreCookiesAndKeys()
    {
        QFETCH(QString, ep);
        Made plain = makeShare(a, a.run);
        Made locked = makeShare(a, a.run, {{S("password"), S("pass-word-1")}});
        const QList<QPair<QByteArray, QByteArray>> owner{
            {"Cookie", "wfx_session=" + a.session.toLatin1() + "; wfx_csrf=" + a.csrf.toLatin1()}};
        const QList<QPair<QByteArray, QByteArray>> stranger{{"Authorization", "Bearer " + b.key.toLatin1()}};
        const QList<QPair<QByteArray, QByteArray>> badKey{{"Authorization", "Bearer wfx_nope"}};
        for (const Made *m : {&plain, &locked}) {
            const Resp anon = readShare(ep, m->token);
            for (const auto &h : {owner, stranger, badKey}) {
                const Resp other = readShare(ep, m->token, std::nullopt, h);
                QCOMPARE(other.status, anon.status);
                QCOMPARE(other.code(), anon.code());
                QCOMPARE(other.json().value(S("run")), anon.json().value(S("run")));
                QVERIFY(other.all("Set-Cookie").isEmpty());
            }
        }
    }

    // ------------------------------------------------------------------ the share page

    void sharePageIsStaticWithStrictHeaders()
    {
        Made m = makeShare(a, a.run);
        Resp page = call("GET", S("/r/") + m.token);
        QCOMPARE(page.status, 200);
        QCOMPARE(page.header("Content-Type"), QByteArray("text/html; charset=utf-8"));
        const QByteArray csp = page.header("Content-Security-Policy");
        QVERIFY(csp.contains("default-src 'self'"));
        QVERIFY(csp.contains("script-src 'self'"));
        QVERIFY(csp.contains("frame-ancestors 'none'"));
        QVERIFY(csp.contains("object-src 'none'"));
        QVERIFY(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval") && !csp.contains("http"));
        QCOMPARE(page.header("Cache-Control"), QByteArray("no-store"));
        QCOMPARE(page.header("X-Frame-Options"), QByteArray("DENY"));
        QCOMPARE(page.header("Referrer-Policy"), QByteArray("no-referrer"));
        // The token is never echoed: every link gets the same bytes.
        QVERIFY(!page.body.contains(m.token.toLatin1()));
        QCOMPARE(call("GET", S("/r/whatever")).body, page.body);
        // No inline script or style, nothing from another origin.
        static const QRegularExpression inlineScript(S("<script(?![^>]*\\bsrc=)[^>]*>"));
        QVERIFY(!inlineScript.match(QString::fromUtf8(page.body)).hasMatch());
        static const QRegularExpression handler(S("\\son[a-z]+\\s*="));
        QVERIFY(!page.body.contains("<style") && !page.body.contains(" style="));
        QVERIFY(!handler.match(QString::fromUtf8(page.body)).hasMatch());
        QVERIFY(!page.body.contains("http://") && !page.body.contains("https://") && !page.body.contains("//cdn"));
        QVERIFY(page.body.contains("src=\"/r/assets/share.js\""));
        QVERIFY(page.body.contains("href=\"/r/assets/share.css\""));
        // The password form has a labelled input.
        QVERIFY(page.body.contains("<label for=\"password-input\">"));
        QVERIFY(page.body.contains("id=\"password-input\""));
    }

    void sharePageDoesNotCountReads()
    {
        Made m = makeShare(a, a.run);
        for (int i = 0; i <= kReadLimit; ++i)
            QCOMPARE(call("GET", S("/r/") + m.token).status, 200);
        Resp r = readShare(S("r"), m.token);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("RateLimit-Remaining"), QByteArray::number(kReadLimit - 1));
    }

    void sharePageAssets()
    {
        Resp script = call("GET", S("/r/assets/share.js"));
        QCOMPARE(script.status, 200);
        QCOMPARE(script.header("Content-Type"), QByteArray("text/javascript; charset=utf-8"));
        QVERIFY(script.body.contains("/api/public/r/"));
        QVERIFY(script.body.contains("X-Share-Password"));
        QVERIFY(script.body.contains("location.pathname"));
        QVERIFY(!script.body.contains("innerHTML") && !script.body.contains("eval("));
        for (const char *code : {"share_password_required", "share_wrong_password", "share_revoked", "share_expired",
                                 "share_password_locked", "share_rate_limited", "share_not_found", "evidence_unverified",
                                 "artifact_filtered", "public_payload_policy_rejected"})
            QVERIFY2(script.body.contains(code), code);
        Resp style = call("GET", S("/r/assets/share.css"));
        QCOMPARE(style.status, 200);
        QCOMPARE(style.header("Content-Type"), QByteArray("text/css; charset=utf-8"));
        QVERIFY(!style.header("Content-Security-Policy").isEmpty());
        for (const char *missing : {"/r/assets/nope.js", "/r/assets/index.html", "/r/assets/..%2Fshare.js"}) {
            Resp r = call("GET", S(missing));
            QCOMPARE(r.status, 404);
            QCOMPARE(r.code(), S("not_found"));
        }
    }

    void sharePageRoutesArePublic()
    {
        // Cookies and keys change nothing, and no other method is served.
        Resp withKey = call("GET", S("/r/x"), {}, {{"Authorization", "Bearer wfx_nope"}});
        QCOMPARE(withKey.status, 200);
        Resp post = call("POST", S("/r/x"), "{}");
        QCOMPARE(post.status, 405);
    }
};

QTEST_GUILESS_MAIN(TestShareRoutes)
#include "tst_share_routes.moc"
