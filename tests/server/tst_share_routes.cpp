// SPDX-License-Identifier: Apache-2.0
// The shares route family over HTTP against the real server: share management,
// reliability consents, the eleven public states on both public endpoints
// (CONTRACT.md section 4) and the bundled share page /r/{token}.
#include "TestServer.h"

#include "server/core/Services.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QRegularExpression>
#include <QUrl>

using namespace Qt::StringLiterals;

using namespace wfx;

namespace {

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
    QString code() const { return json().value(u"error"_s).toObject().value(u"code"_s).toString(); }
    QJsonArray details() const
    {
        return json().value(u"error"_s).toObject().value(u"details"_s).toArray();
    }
    bool hasDetail(const QString &field, const QString &issue) const
    {
        for (const auto &d : details()) {
            const QJsonObject o = d.toObject();
            if (o.value(u"field"_s).toString() == field &&
                (issue.isEmpty() || o.value(u"issue"_s).toString() == issue))
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
        QByteArray req = method + ' ' + QUrl(path).toEncoded() + " HTTP/1.1\r\n" +
                         srv->hostHeader() + "Connection: close\r\n";
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
    static QByteArray js(const QJsonObject &o)
    {
        return QJsonDocument(o).toJson(QJsonDocument::Compact);
    }
    Resp api(const Client &u, const QByteArray &method, const QString &path,
             const QJsonObject &body = {})
    {
        return call(method, path, body.isEmpty() ? QByteArray() : js(body),
                    {{"Authorization", "Bearer " + u.key.toLatin1()}});
    }
    Resp apiRaw(const Client &u, const QByteArray &method, const QString &path,
                const QByteArray &body)
    {
        return call(method, path, body, {{"Authorization", "Bearer " + u.key.toLatin1()}});
    }
    Resp web(const Client &u, const QByteArray &method, const QString &path,
             const QJsonObject &body = {})
    {
        QList<QPair<QByteArray, QByteArray>> h{
            {"Cookie", "wfx_session=" + u.session.toLatin1() + "; wfx_csrf=" + u.csrf.toLatin1()}};
        if (method != "GET")
            h.append({"X-CSRF-Token", u.csrf.toLatin1()});
        return call(method, path, body.isEmpty() ? QByteArray() : js(body), h);
    }
    static QString publicPath(const QString &ep, const QString &token)
    {
        return (ep == QLatin1String("r") ? u"/api/public/r/"_s : u"/api/public/shares/"_s) +
               QString::fromLatin1(QUrl::toPercentEncoding(token));
    }
    Resp readShare(const QString &ep, const QString &token,
                   const std::optional<QByteArray> &password = std::nullopt,
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
        Resp r = call("POST", u"/api/auth/signup"_s,
                      js({{u"email"_s, email}, {u"password"_s, u"correct horse battery"_s}}));
        if (r.status != 201)
            qFatal("signup failed: %d %s", r.status, r.body.constData());
        u.id = r.json().value(u"user"_s).toObject().value(u"id"_s).toString();
        for (const QByteArray &c : r.all("Set-Cookie")) {
            const QByteArray kv = c.split(';').value(0);
            const qsizetype eq = kv.indexOf('=');
            if (kv.left(eq) == "wfx_session")
                u.session = QString::fromLatin1(kv.mid(eq + 1));
            else if (kv.left(eq) == "wfx_csrf")
                u.csrf = QString::fromLatin1(kv.mid(eq + 1));
        }
        Resp k = web(u, "POST", u"/api/cloud/api-keys"_s, {{u"name"_s, u"tests"_s}});
        if (k.status != 201)
            qFatal("api key failed: %d %s", k.status, k.body.constData());
        u.key = k.json().value(u"secret"_s).toString();
        u.workspace = api(u, "POST", u"/api/workspaces"_s, {{u"name"_s, email}})
                          .json()
                          .value(u"workspace"_s)
                          .toObject()
                          .value(u"id"_s)
                          .toString();
        u.project = api(u, "POST", u"/api/projects"_s,
                        {{u"workspace_id"_s, u.workspace}, {u"name"_s, u"p"_s}})
                        .json()
                        .value(u"project"_s)
                        .toObject()
                        .value(u"id"_s)
                        .toString();
        u.run = syncRun(u);
        return u;
    }

    // Runs are synced through the model layer (the run routes are another family's).
    QString syncRun(const Client &u, const QJsonObject &over = {})
    {
        QJsonObject body{
            {u"project_id"_s, u.project},
            {u"client_run_id"_s, ids::newUuid()},
            {u"name"_s, u"dreamer-v3-seed-1"_s},
            {u"status"_s, u"completed"_s},
            {u"started_at"_s, u"2026-11-01T10:00:00Z"_s},
            {u"finished_at"_s, u"2026-11-01T11:00:00Z"_s},
            {u"manifest"_s, QJsonObject{{u"env"_s, u"atari"_s}, {u"seed"_s, 1}}},
            {u"metrics"_s,
             QJsonArray{QJsonObject{{u"name"_s, u"loss"_s}, {u"step"_s, 0}, {u"value"_s, 1.25}},
                        QJsonObject{{u"name"_s, u"loss"_s}, {u"step"_s, 1}, {u"value"_s, 0.5}}}}};
        for (auto it = over.begin(); it != over.end(); ++it)
            body.insert(it.key(), it.value());
        auto r = srv->server->services().runs.sync(Actor::user(u.id, u"127.0.0.1"_s), body);
        if (!r)
            qFatal("sync failed: %s", qPrintable(r.error().message));
        return r->run.id;
    }

    // An artifact of the run: pending, or uploaded and committed.
    QString artifact(const Client &u, const QString &run, bool commit,
                     const QByteArray &data = "weights")
    {
        Resp init = api(u, "POST", u"/api/sync/artifacts/initiate"_s,
                        {{u"run_id"_s, run},
                         {u"name"_s, u"policy.ckpt"_s},
                         {u"size_bytes"_s, double(data.size())},
                         {u"sha256"_s, crypto::sha256Hex(data)}});
        if (init.status != 201)
            qFatal("initiate failed: %s", init.body.constData());
        const QString id = init.json().value(u"artifact"_s).toObject().value(u"id"_s).toString();
        if (!commit)
            return id;
        const QUrl url(init.json()
                           .value(u"upload"_s)
                           .toObject()
                           .value(u"parts"_s)
                           .toArray()
                           .at(0)
                           .toObject()
                           .value(u"url"_s)
                           .toString());
        if (call("PUT", url.path(), data, {}, false).status != 200)
            qFatal("part upload failed");
        if (api(u, "POST", u"/api/sync/artifacts/commit"_s, {{u"artifact_id"_s, id}}).status != 200)
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
        QJsonObject body{{u"run_id"_s, run}};
        for (auto it = extra.begin(); it != extra.end(); ++it)
            body.insert(it.key(), it.value());
        Resp r = api(u, "POST", u"/api/shares"_s, body);
        if (r.status != 201)
            qFatal("share create failed: %d %s", r.status, r.body.constData());
        return {r.json().value(u"share"_s).toObject(), r.json().value(u"token"_s).toString(),
                r.json()};
    }
    QString futureTime(qint64 ms) { return ids::formatTime(srv->store.clock.nowMs() + ms); }

    static void endpoints()
    {
        QTest::addColumn<QString>("ep");
        QTest::newRow("shares") << u"shares"_s;
        QTest::newRow("r") << u"r"_s;
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
        QCOMPARE(r.header("RateLimit-Policy"),
                 "\"share-read\";q=" + QByteArray::number(kReadLimit) + ";w=60");
        QCOMPARE(r.header("RateLimit"), "\"share-read\";r=" + QByteArray::number(remaining) +
                                            ";t=" + r.header("RateLimit-Reset"));
    }

private slots:
    void initTestCase() { wfxtest::useFastPasswordHashing(); }

    void init()
    {
        ServerConfig cfg;
        cfg.shareReadLimit = kReadLimit;
        cfg.sharePasswordAttempts = kPasswordAttempts;
        srv = std::make_unique<wfxtest::TestServer>(cfg);
        a = signup(u"alice@example.com"_s);
        b = signup(u"bob@example.com"_s);
    }
    void cleanup() { srv.reset(); }

    // ------------------------------------------------------------------ management

    void createAnswersShareTokenAndAbsoluteUrl()
    {
        Resp r = api(a, "POST", u"/api/shares"_s, {{u"run_id"_s, a.run}});
        QCOMPARE(r.status, 201);
        const QJsonObject share = r.json().value(u"share"_s).toObject();
        const QString token = r.json().value(u"token"_s).toString();
        QVERIFY(ids::isUuid(share.value(u"id"_s).toString()));
        QCOMPARE(share.value(u"run_id"_s).toString(), a.run);
        QCOMPARE(share.value(u"workspace_id"_s).toString(), a.workspace);
        QCOMPARE(share.value(u"state"_s).toString(), u"active"_s);
        QCOMPARE(share.value(u"has_password"_s), QJsonValue(false));
        QVERIFY(share.value(u"expires_at"_s).isNull());
        QVERIFY(share.value(u"artifact_id"_s).isNull());
        const QString prefix = share.value(u"token_prefix"_s).toString();
        QVERIFY(!prefix.isEmpty() && prefix.size() < token.size() && token.startsWith(prefix));
        QCOMPARE(r.json().value(u"url"_s).toString(),
                 u"http://127.0.0.1:"_s + QString::number(srv->port) + u"/r/"_s + token);
        QCOMPARE(srv->store.auditCount(u"share.create"_s), 1);
    }

    void createWithPasswordExpiryAndArtifact()
    {
        const QString art = artifact(a, a.run, true);
        const QString at = futureTime(3'600'000);
        Resp r = api(a, "POST", u"/api/shares"_s,
                     {{u"run_id"_s, a.run},
                      {u"password"_s, u"open sesame!"_s},
                      {u"expires_at"_s, at},
                      {u"artifact_id"_s, art}});
        QCOMPARE(r.status, 201);
        const QJsonObject share = r.json().value(u"share"_s).toObject();
        QCOMPARE(share.value(u"has_password"_s), QJsonValue(true));
        QCOMPARE(share.value(u"expires_at"_s).toString(), at);
        QCOMPARE(share.value(u"artifact_id"_s).toString(), art);
        QVERIFY(!r.body.contains("open sesame!"));
    }

    void createNullOptionalFieldsAreAbsent()
    {
        Resp r = api(a, "POST", u"/api/shares"_s,
                     {{u"run_id"_s, a.run},
                      {u"password"_s, QJsonValue::Null},
                      {u"expires_at"_s, QJsonValue::Null},
                      {u"artifact_id"_s, QJsonValue::Null}});
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json().value(u"share"_s).toObject().value(u"has_password"_s), QJsonValue(false));
    }

    void createRefusesBadInput_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("issue");
        auto row = [](const char *name, const QJsonObject &o, const char *field,
                      const char *issue) {
            QTest::newRow(name) << QJsonDocument(o).toJson(QJsonDocument::Compact)
                                << QString::fromLatin1(field) << QString::fromLatin1(issue);
        };
        const QString run = u"00000000-0000-4000-8000-000000000000"_s;
        row("run_id missing", {}, "run_id", "required");
        row("run_id not a uuid", {{u"run_id"_s, u"run-1"_s}}, "run_id", "invalid");
        row("run_id a number", {{u"run_id"_s, 7}}, "run_id", "type");
        row("password short", {{u"run_id"_s, run}, {u"password"_s, u"1234567"_s}}, "password",
            "too_short");
        row("password long", {{u"run_id"_s, run}, {u"password"_s, QString(1025, QLatin1Char('p'))}},
            "password", "too_long");
        row("password a number", {{u"run_id"_s, run}, {u"password"_s, 12345678}}, "password",
            "type");
        row("expires_at not a time", {{u"run_id"_s, run}, {u"expires_at"_s, u"tomorrow"_s}},
            "expires_at", "invalid");
        row("expires_at a number", {{u"run_id"_s, run}, {u"expires_at"_s, 1}}, "expires_at",
            "type");
        row("artifact_id not a uuid", {{u"run_id"_s, run}, {u"artifact_id"_s, u"ckpt"_s}},
            "artifact_id", "invalid");
        row("artifact_id an object", {{u"run_id"_s, run}, {u"artifact_id"_s, QJsonObject{}}},
            "artifact_id", "type");
        QTest::newRow("malformed json")
            << QByteArray("{\"run_id\":") << u"body"_s << u"malformed_json"_s;
    }
    void createRefusesBadInput()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, field);
        QFETCH(QString, issue);
        Resp r = apiRaw(a, "POST", u"/api/shares"_s, body);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.code(), u"validation_error"_s);
        QVERIFY2(r.hasDetail(field, issue), r.body.constData());
        QCOMPARE(srv->store.count(u"shares"_s), 0);
    }

    void createRefusesExpiryInThePast()
    {
        Resp r = api(a, "POST", u"/api/shares"_s,
                     {{u"run_id"_s, a.run}, {u"expires_at"_s, futureTime(-1000)}});
        QCOMPARE(r.status, 422);
        QVERIFY(r.hasDetail(u"expires_at"_s, u"in_past"_s));
    }

    void createRefusesArtifactOfAnotherRun()
    {
        const QString other = syncRun(a);
        const QString art = artifact(a, other, false);
        Resp r = api(a, "POST", u"/api/shares"_s, {{u"run_id"_s, a.run}, {u"artifact_id"_s, art}});
        QCOMPARE(r.status, 422);
        QVERIFY(r.hasDetail(u"artifact_id"_s, u"not_in_run"_s));
    }

    void createNeedsCredentials()
    {
        Resp r = call("POST", u"/api/shares"_s, js({{u"run_id"_s, a.run}}));
        QCOMPARE(r.status, 401);
        QCOMPARE(r.code(), u"login_required"_s);
    }

    void listPagesNewestFirstWithoutTokens()
    {
        QStringList tokens;
        QStringList ids;
        for (int i = 0; i < 3; ++i) {
            Made m = makeShare(a, a.run);
            tokens << m.token;
            ids.prepend(m.share.value(u"id"_s).toString());
            srv->store.clock.advanceMs(1000);
        }
        makeShare(a, syncRun(a)); // another run: filtered out below
        Resp first = api(a, "GET", u"/api/shares?run_id="_s + a.run + u"&limit=2"_s);
        QCOMPARE(first.status, 200);
        const QJsonArray items = first.json().value(u"items"_s).toArray();
        QCOMPARE(items.size(), 2);
        QCOMPARE(items.at(0).toObject().value(u"id"_s).toString(), ids.at(0));
        QCOMPARE(items.at(1).toObject().value(u"id"_s).toString(), ids.at(1));
        const QString cursor = first.json().value(u"next_cursor"_s).toString();
        QVERIFY(!cursor.isEmpty());
        Resp second =
            api(a, "GET", u"/api/shares?run_id="_s + a.run + u"&limit=2&cursor="_s + cursor);
        QCOMPARE(second.json().value(u"items"_s).toArray().size(), 1);
        QCOMPARE(
            second.json().value(u"items"_s).toArray().at(0).toObject().value(u"id"_s).toString(),
            ids.at(2));
        QVERIFY(second.json().value(u"next_cursor"_s).isNull());
        for (const QString &t : tokens) {
            QVERIFY(!first.body.contains(t.toLatin1()));
            QVERIFY(!second.body.contains(t.toLatin1()));
        }
        Resp ws = api(a, "GET", u"/api/shares?workspace_id="_s + a.workspace);
        QCOMPARE(ws.json().value(u"items"_s).toArray().size(), 4);
    }

    void listRefusesBadQuery_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("field");
        QTest::newRow("limit 0") << u"limit=0"_s << u"limit"_s;
        QTest::newRow("limit 201") << u"limit=201"_s << u"limit"_s;
        QTest::newRow("empty limit") << u"limit="_s << u"limit"_s;
        QTest::newRow("foreign cursor") << u"cursor=bm90LW91cnM"_s << u"cursor"_s;
        QTest::newRow("workspace_id not a uuid") << u"workspace_id=ws"_s << u"workspace_id"_s;
        QTest::newRow("run_id not a uuid") << u"run_id=r"_s << u"run_id"_s;
    }
    void listRefusesBadQuery()
    {
        QFETCH(QString, query);
        QFETCH(QString, field);
        Resp r = api(a, "GET", u"/api/shares?"_s + query);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.code(), u"validation_error"_s);
        QVERIFY2(r.hasDetail(field, {}), r.body.constData());
    }

    void listShowsExpiredState()
    {
        Made m = makeShare(a, a.run, {{u"expires_at"_s, futureTime(10'000)}});
        srv->store.clock.advanceMs(20'000);
        Resp r = api(a, "GET", u"/api/shares?run_id="_s + a.run);
        QCOMPARE(r.json().value(u"items"_s).toArray().at(0).toObject().value(u"id"_s).toString(),
                 m.share.value(u"id"_s).toString());
        QCOMPARE(r.json().value(u"items"_s).toArray().at(0).toObject().value(u"state"_s).toString(),
                 u"expired"_s);
    }

    void revokeAnswersRevokedShareOnce()
    {
        Made m = makeShare(a, a.run);
        const QString id = m.share.value(u"id"_s).toString();
        Resp r = api(a, "POST", u"/api/shares/"_s + id + u"/revoke"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"share"_s).toObject().value(u"state"_s).toString(), u"revoked"_s);
        QVERIFY(!r.json().value(u"share"_s).toObject().value(u"revoked_at"_s).isNull());
        QCOMPARE(api(a, "POST", u"/api/shares/"_s + id + u"/revoke"_s).status,
                 200); // again: nothing changes
        QCOMPARE(srv->store.auditCount(u"share.revoke"_s), 1);
        QCOMPARE(api(a, "POST", u"/api/shares/"_s + ids::newUuid() + u"/revoke"_s).status, 404);
    }

    void bffNamedRoutesCreateAndList()
    {
        Resp r = web(a, "POST", u"/api/cloud/shares"_s, {{u"run_id"_s, a.run}});
        QCOMPARE(r.status, 201);
        const QString id = r.json().value(u"share"_s).toObject().value(u"id"_s).toString();
        QVERIFY(
            r.json().value(u"url"_s).toString().endsWith(r.json().value(u"token"_s).toString()));
        Resp list = web(a, "GET", u"/api/cloud/shares"_s);
        QCOMPARE(list.status, 200);
        QCOMPARE(list.json().value(u"items"_s).toArray().at(0).toObject().value(u"id"_s).toString(),
                 id);
        // Without the CSRF token the named route refuses.
        Resp noCsrf = call("POST", u"/api/cloud/shares"_s, js({{u"run_id"_s, a.run}}),
                           {{"Cookie", "wfx_session=" + a.session.toLatin1() +
                                           "; wfx_csrf=" + a.csrf.toLatin1()}});
        QCOMPARE(noCsrf.status, 403);
        QCOMPARE(noCsrf.code(), u"csrf_failed"_s);
    }

    // ------------------------------------------------------------------ other workspaces

    void otherWorkspacesAnswer404AndChangeNothing()
    {
        Made m = makeShare(a, a.run);
        const QString id = m.share.value(u"id"_s).toString();
        const QString consent = api(a, "POST", u"/api/shares/"_s + id + u"/reliability-consent"_s,
                                    {{u"subject"_s, u"eval-team"_s}, {u"scope"_s, u"benchmarks"_s}})
                                    .json()
                                    .value(u"consent"_s)
                                    .toObject()
                                    .value(u"id"_s)
                                    .toString();
        QVERIFY(ids::isUuid(consent));
        const QString consentPath = u"/api/shares/"_s + id + u"/reliability-consent/"_s + consent;
        const qint64 audits = srv->store.count(u"audit_log"_s);

        auto expect404 = [](const Resp &r) {
            QCOMPARE(r.status, 404);
            QCOMPARE(r.code(), u"not_found"_s);
        };
        expect404(api(b, "POST", u"/api/shares"_s, {{u"run_id"_s, a.run}}));
        expect404(api(b, "GET", u"/api/shares?workspace_id="_s + a.workspace));
        expect404(api(b, "GET", u"/api/shares?run_id="_s + a.run));
        expect404(api(b, "POST", u"/api/shares/"_s + id + u"/revoke"_s));
        expect404(api(b, "POST", u"/api/shares/"_s + id + u"/reliability-consent"_s,
                      {{u"subject"_s, u"x"_s}, {u"scope"_s, u"y"_s}}));
        expect404(api(b, "GET", consentPath + u"/export"_s));
        expect404(api(b, "POST", consentPath + u"/revoke"_s));
        expect404(api(b, "DELETE", consentPath));
        // Bob's own list does not show Alice's share.
        QVERIFY(!api(b, "GET", u"/api/shares"_s).body.contains(id.toLatin1()));

        QCOMPARE(srv->store.count(u"audit_log"_s), audits);
        QCOMPARE(srv->store.count(u"shares"_s), 1);
        Resp mine = api(a, "GET", u"/api/shares?run_id="_s + a.run);
        QCOMPARE(
            mine.json().value(u"items"_s).toArray().at(0).toObject().value(u"state"_s).toString(),
            u"active"_s);
        Resp exported = api(a, "GET", consentPath + u"/export"_s);
        QCOMPARE(exported.status, 200);
        QCOMPARE(exported.json().value(u"consent"_s).toObject().value(u"state"_s).toString(),
                 u"active"_s);
    }

    // ------------------------------------------------------------------ reliability consents

    void consentLifecycle()
    {
        Made m = makeShare(a, a.run);
        const QString id = m.share.value(u"id"_s).toString();
        Resp created = api(a, "POST", u"/api/shares/"_s + id + u"/reliability-consent"_s,
                           {{u"subject"_s, u"eval-team"_s}, {u"scope"_s, u"public-benchmarks"_s}});
        QCOMPARE(created.status, 201);
        const QJsonObject c = created.json().value(u"consent"_s).toObject();
        QCOMPARE(c.value(u"share_id"_s).toString(), id);
        QCOMPARE(c.value(u"subject"_s).toString(), u"eval-team"_s);
        QCOMPARE(c.value(u"scope"_s).toString(), u"public-benchmarks"_s);
        QCOMPARE(c.value(u"state"_s).toString(), u"active"_s);
        const QString path =
            u"/api/shares/"_s + id + u"/reliability-consent/"_s + c.value(u"id"_s).toString();

        Resp exported = api(a, "GET", path + u"/export"_s);
        QCOMPARE(exported.status, 200);
        QCOMPARE(exported.json().value(u"consent"_s).toObject(), c);
        QCOMPARE(exported.json().value(u"share"_s).toObject().value(u"id"_s).toString(), id);
        QVERIFY(ids::parseTime(exported.json().value(u"exported_at"_s).toString()).has_value());

        Resp revoked = api(a, "POST", path + u"/revoke"_s);
        QCOMPARE(revoked.status, 200);
        QCOMPARE(revoked.json().value(u"consent"_s).toObject().value(u"state"_s).toString(),
                 u"revoked"_s);
        QCOMPARE(api(a, "POST", path + u"/revoke"_s).status, 200);

        QCOMPARE(api(a, "DELETE", path).status, 204);
        QCOMPARE(api(a, "GET", path + u"/export"_s).status, 404);
        QCOMPARE(api(a, "DELETE", path).status, 404);
    }

    void consentRefusedOnRevokedShare()
    {
        Made m = makeShare(a, a.run);
        const QString id = m.share.value(u"id"_s).toString();
        QCOMPARE(api(a, "POST", u"/api/shares/"_s + id + u"/revoke"_s).status, 200);
        Resp r = api(a, "POST", u"/api/shares/"_s + id + u"/reliability-consent"_s,
                     {{u"subject"_s, u"s"_s}, {u"scope"_s, u"t"_s}});
        QCOMPARE(r.status, 409);
        QCOMPARE(r.code(), u"conflict"_s);
    }

    void consentRefusesBadInput_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("issue");
        auto row = [](const char *name, const QJsonObject &o, const char *field,
                      const char *issue) {
            QTest::newRow(name) << QJsonDocument(o).toJson(QJsonDocument::Compact)
                                << QString::fromLatin1(field) << QString::fromLatin1(issue);
        };
        row("subject missing", {{u"scope"_s, u"s"_s}}, "subject", "required");
        row("subject empty", {{u"subject"_s, u""_s}, {u"scope"_s, u"s"_s}}, "subject", "required");
        row("subject too long",
            {{u"subject"_s, QString(201, QLatin1Char('x'))}, {u"scope"_s, u"s"_s}}, "subject",
            "too_long");
        row("subject a number", {{u"subject"_s, 1}, {u"scope"_s, u"s"_s}}, "subject", "type");
        row("scope missing", {{u"subject"_s, u"s"_s}}, "scope", "required");
        row("scope too long",
            {{u"subject"_s, u"s"_s}, {u"scope"_s, QString(201, QLatin1Char('x'))}}, "scope",
            "too_long");
        row("scope an array", {{u"subject"_s, u"s"_s}, {u"scope"_s, QJsonArray{}}}, "scope",
            "type");
    }
    void consentRefusesBadInput()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, field);
        QFETCH(QString, issue);
        Made m = makeShare(a, a.run);
        Resp r = apiRaw(a, "POST",
                        u"/api/shares/"_s + m.share.value(u"id"_s).toString() +
                            u"/reliability-consent"_s,
                        body);
        QCOMPARE(r.status, 422);
        QVERIFY2(r.hasDetail(field, issue), r.body.constData());
        QCOMPARE(srv->store.count(u"reliability_consents"_s), 0);
    }

    // ------------------------------------------------------------------ the eleven public states

    void state1RateLimited_data() { endpoints(); }
    void state1RateLimited()
    {
        QFETCH(QString, ep);
        const QString other = ep == QLatin1String("r") ? u"shares"_s : u"r"_s;
        Made m = makeShare(a, a.run);
        for (int i = 1; i <= kReadLimit; ++i) { // both endpoints count against the same share
            Resp r = readShare(i % 2 ? ep : other, m.token);
            QCOMPARE(r.status, 200);
            expectReadHeaders(r, kReadLimit - i);
        }
        for (const QString &e : {ep, other}) {
            Resp r = readShare(e, m.token);
            QCOMPARE(r.status, 429);
            QCOMPARE(r.code(), u"share_rate_limited"_s);
            expectNoStore(r);
            expectReadHeaders(r, 0);
            QVERIFY(r.header("Retry-After").toInt() >= 1);
            QCOMPARE(r.header("Retry-After"), r.header("RateLimit-Reset"));
        }
        // Another share keeps its own budget; the first is readable once its reads leave the
        // window.
        QCOMPARE(readShare(ep, makeShare(a, a.run).token).status, 200);
        srv->store.clock.advanceMs(61'000);
        QCOMPARE(readShare(ep, m.token).status, 200);
    }

    void state1UnknownTokensShareOneBucket_data() { endpoints(); }
    void state1UnknownTokensShareOneBucket()
    {
        QFETCH(QString, ep);
        for (int i = 1; i <= kReadLimit; ++i)
            QCOMPARE(
                readShare(i % 2 ? ep : u"shares"_s, u"wfxs_"_s + QString(43, QLatin1Char('A' + i)))
                    .code(),
                u"share_not_found"_s);
        Resp r = readShare(ep, u"garbage-token"_s);
        QCOMPARE(r.status, 429);
        QCOMPARE(r.code(), u"share_rate_limited"_s);
        QCOMPARE(readShare(ep, makeShare(a, a.run).token).status,
                 200); // a real share has its own bucket
    }

    void state2NotFound_data() { endpoints(); }
    void state2NotFound()
    {
        QFETCH(QString, ep);
        Made m = makeShare(a, a.run);
        QString mismatched = m.token;
        mismatched[mismatched.size() - 1] =
            mismatched.endsWith(QLatin1Char('A')) ? QLatin1Char('B') : QLatin1Char('A');
        int n = 0;
        for (const QString &t : QStringList{u"wfxs_"_s + QString(43, QLatin1Char('x')),
                                            u"not a*valid&token!"_s, mismatched}) {
            Resp r = readShare(ep, t);
            QCOMPARE(r.status, 404);
            QCOMPARE(r.code(), u"share_not_found"_s);
            QVERIFY(
                !r.json().value(u"error"_s).toObject().value(u"message"_s).toString().isEmpty());
            expectNoStore(r);
            expectReadHeaders(r, kReadLimit - ++n);
        }
    }

    void state3Revoked_data() { endpoints(); }
    void state3Revoked()
    {
        QFETCH(QString, ep);
        Made m = makeShare(a, a.run, {{u"password"_s, u"pass-word-1"_s}});
        QCOMPARE(
            api(a, "POST", u"/api/shares/"_s + m.share.value(u"id"_s).toString() + u"/revoke"_s)
                .status,
            200);
        Resp r = readShare(ep, m.token); // revoked comes before the password
        QCOMPARE(r.status, 410);
        QCOMPARE(r.code(), u"share_revoked"_s);
        expectNoStore(r);
        expectReadHeaders(r, kReadLimit - 1);
    }

    void state4Expired_data() { endpoints(); }
    void state4Expired()
    {
        QFETCH(QString, ep);
        Made m = makeShare(
            a, a.run, {{u"expires_at"_s, futureTime(30'000)}, {u"password"_s, u"pass-word-1"_s}});
        QCOMPARE(readShare(ep, m.token, QByteArray("pass-word-1")).status, 200);
        srv->store.clock.advanceMs(30'000);
        Resp r = readShare(ep, m.token); // expired comes before the password
        QCOMPARE(r.status, 410);
        QCOMPARE(r.code(), u"share_expired"_s);
        expectNoStore(r);
    }

    void state5PasswordLocked_data() { endpoints(); }
    void state5PasswordLocked()
    {
        QFETCH(QString, ep);
        Made m = makeShare(a, a.run, {{u"password"_s, u"pass-word-1"_s}});
        for (int i = 1; i <= kPasswordAttempts; ++i) // the last wrong one still answers 401
            QCOMPARE(readShare(ep, m.token, "wrong-" + QByteArray::number(i)).code(),
                     u"share_wrong_password"_s);
        for (const std::optional<QByteArray> &pw :
             {std::optional<QByteArray>("pass-word-1"), std::optional<QByteArray>()}) {
            Resp r = readShare(ep, m.token, pw);
            QCOMPARE(r.status, 429);
            QCOMPARE(r.code(), u"share_password_locked"_s);
            expectNoStore(r);
            QCOMPARE(r.header("RateLimit-Remaining"), QByteArray("0"));
            QCOMPARE(r.header("RateLimit-Limit"), QByteArray::number(kPasswordAttempts));
            const QByteArray reset = r.header("RateLimit-Reset");
            QVERIFY(reset.toInt() >= 1);
            QCOMPARE(r.header("Retry-After"), reset);
            QVERIFY(
                r.header("RateLimit").startsWith(QByteArray("\"share-password\";r=0;t=" + reset)));
            QVERIFY(r.header("RateLimit-Policy")
                        .startsWith(QByteArray("\"share-password\";q=" +
                                               QByteArray::number(kPasswordAttempts))));
        }
    }

    void state6PasswordRequired_data() { endpoints(); }
    void state6PasswordRequired()
    {
        QFETCH(QString, ep);
        Made m = makeShare(a, a.run, {{u"password"_s, u"pass-word-1"_s}});
        for (const std::optional<QByteArray> &pw :
             {std::optional<QByteArray>(), std::optional<QByteArray>("")}) {
            Resp r = readShare(ep, m.token, pw);
            QCOMPARE(r.status, 401);
            QCOMPARE(r.code(), u"share_password_required"_s);
            expectNoStore(r);
            QVERIFY(r.header("RateLimit-Limit").size() > 0);
        }
    }

    void state7WrongPassword_data() { endpoints(); }
    void state7WrongPassword()
    {
        QFETCH(QString, ep);
        Made m = makeShare(a, a.run, {{u"password"_s, u"pass-word-1"_s}});
        Resp r = readShare(ep, m.token, QByteArray("pass-word-2"));
        QCOMPARE(r.status, 401);
        QCOMPARE(r.code(), u"share_wrong_password"_s);
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
        const QJsonObject badSig{
            {u"alg"_s, u"ed25519"_s},
            {u"public_key"_s, QString::fromLatin1(QByteArray(32, '\1').toBase64())},
            {u"sig"_s, QString::fromLatin1(QByteArray(64, '\2').toBase64())}};
        const QString run = syncRun(a, {{u"signature"_s, badSig}});
        Made m = makeShare(
            a, run,
            {{u"password"_s, u"pass-word-1"_s}, {u"artifact_id"_s, artifact(a, run, false)}});
        QCOMPARE(readShare(ep, m.token).code(),
                 u"share_password_required"_s);                     // the password comes first
        Resp r = readShare(ep, m.token, QByteArray("pass-word-1")); // evidence before the artifact
        QCOMPARE(r.status, 409);
        QCOMPARE(r.code(), u"evidence_unverified"_s);
        expectNoStore(r);
    }

    void state9ArtifactFiltered_data() { endpoints(); }
    void state9ArtifactFiltered()
    {
        QFETCH(QString, ep);
        const QString run = syncRun(a, {{u"manifest"_s, QJsonObject{{u"api_key"_s, u"x"_s}}}});
        Made m = makeShare(a, run, {{u"artifact_id"_s, artifact(a, run, false)}});
        Resp r = readShare(ep, m.token); // the artifact before the payload policy
        QCOMPARE(r.status, 409);
        QCOMPARE(r.code(), u"artifact_filtered"_s);
        expectNoStore(r);
        QVERIFY(!r.body.contains("policy.ckpt"));
    }

    void state10PayloadPolicy_data() { endpoints(); }
    void state10PayloadPolicy()
    {
        QFETCH(QString, ep);
        const QString run =
            syncRun(a, {{u"manifest"_s,
                         QJsonObject{{u"nested"_s, QJsonObject{{u"Client_SECRET"_s, u"x"_s}}}}}});
        Made m = makeShare(a, run);
        {
            QMutexLocker lock(&g_logMutex);
            g_shareLog.clear();
        }
        g_previousHandler = qInstallMessageHandler(captureHandler);
        Resp r = readShare(ep, m.token);
        qInstallMessageHandler(g_previousHandler);
        QCOMPARE(r.status, 409);
        QCOMPARE(r.code(), u"public_payload_policy_rejected"_s);
        expectNoStore(r);
        // The administrator sees which field tripped the policy; the public never does.
        QVERIFY(!r.body.contains("Client_SECRET") && !r.body.contains("manifest"));
        QMutexLocker lock(&g_logMutex);
        QCOMPARE(g_shareLog.size(), 1);
        QVERIFY2(g_shareLog.first().contains(m.share.value(u"id"_s).toString()) &&
                     g_shareLog.first().contains(u"run.manifest.nested.Client_SECRET"_s),
                 qPrintable(g_shareLog.first()));
    }

    void state11Active_data() { endpoints(); }
    void state11Active()
    {
        QFETCH(QString, ep);
        const QByteArray data(3000, 'w');
        const QString art = artifact(a, a.run, true, data);
        Made m = makeShare(a, a.run,
                           {{u"artifact_id"_s, art}, {u"expires_at"_s, futureTime(86'400'000)}});
        Resp r = readShare(ep, m.token);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("Cache-Control"), QByteArray("private, no-store"));
        QVERIFY(r.header("Content-Type").startsWith("application/json"));
        expectReadHeaders(r, kReadLimit - 1);
        QVERIFY(r.header("Retry-After").isEmpty());
        const QJsonObject run = r.json().value(u"run"_s).toObject();
        QCOMPARE(run.value(u"name"_s).toString(), u"dreamer-v3-seed-1"_s);
        QCOMPARE(run.value(u"status"_s).toString(), u"completed"_s);
        QCOMPARE(run.value(u"evidence"_s).toString(), u"unsigned"_s);
        QCOMPARE(ids::parseTime(run.value(u"started_at"_s).toString()),
                 ids::parseTime(u"2026-11-01T10:00:00Z"_s));
        QCOMPARE(ids::parseTime(run.value(u"finished_at"_s).toString()),
                 ids::parseTime(u"2026-11-01T11:00:00Z"_s));
        QCOMPARE(run.value(u"manifest"_s).toObject(),
                 (QJsonObject{{u"env"_s, u"atari"_s}, {u"seed"_s, 1}}));
        QCOMPARE(run.value(u"metric_names"_s).toArray(), QJsonArray{u"loss"_s});
        QCOMPARE(run.value(u"metrics"_s).toObject().value(u"loss"_s).toArray(),
                 (QJsonArray{QJsonArray{0, 1.25}, QJsonArray{1, 0.5}}));
        QCOMPARE(r.json().value(u"artifact"_s).toObject(),
                 (QJsonObject{{u"name"_s, u"policy.ckpt"_s}, {u"size_bytes"_s, 3000}}));
        // Nothing of the share, its owner or any id.
        for (const QString &secret : {m.token, m.share.value(u"id"_s).toString(),
                                      m.share.value(u"token_prefix"_s).toString(),
                                      m.share.value(u"expires_at"_s).toString(), a.run, art,
                                      a.workspace, a.project, a.id, a.email}) {
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
        Made locked = makeShare(a, a.run, {{u"password"_s, u"pass-word-1"_s}});
        const QList<QPair<QByteArray, QByteArray>> owner{
            {"Cookie", "wfx_session=" + a.session.toLatin1() + "; wfx_csrf=" + a.csrf.toLatin1()}};
        const QList<QPair<QByteArray, QByteArray>> stranger{
            {"Authorization", "Bearer " + b.key.toLatin1()}};
        const QList<QPair<QByteArray, QByteArray>> badKey{{"Authorization", "Bearer wfx_nope"}};
        for (const Made *m : {&plain, &locked}) {
            const Resp anon = readShare(ep, m->token);
            for (const auto &h : {owner, stranger, badKey}) {
                const Resp other = readShare(ep, m->token, std::nullopt, h);
                QCOMPARE(other.status, anon.status);
                QCOMPARE(other.code(), anon.code());
                QCOMPARE(other.json().value(u"run"_s), anon.json().value(u"run"_s));
                QVERIFY(other.all("Set-Cookie").isEmpty());
            }
        }
    }

    // ------------------------------------------------------------------ the share page

    void sharePageIsStaticWithStrictHeaders()
    {
        Made m = makeShare(a, a.run);
        Resp page = call("GET", u"/r/"_s + m.token);
        QCOMPARE(page.status, 200);
        QCOMPARE(page.header("Content-Type"), QByteArray("text/html; charset=utf-8"));
        const QByteArray csp = page.header("Content-Security-Policy");
        QVERIFY(csp.contains("default-src 'self'"));
        QVERIFY(csp.contains("script-src 'self'"));
        QVERIFY(csp.contains("frame-ancestors 'none'"));
        QVERIFY(csp.contains("object-src 'none'"));
        QVERIFY(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval") &&
                !csp.contains("http"));
        QCOMPARE(page.header("Cache-Control"), QByteArray("no-store"));
        QCOMPARE(page.header("X-Frame-Options"), QByteArray("DENY"));
        QCOMPARE(page.header("Referrer-Policy"), QByteArray("no-referrer"));
        // The token is never echoed: every link gets the same bytes.
        QVERIFY(!page.body.contains(m.token.toLatin1()));
        QCOMPARE(call("GET", u"/r/whatever"_s).body, page.body);
        // No inline script or style, nothing from another origin.
        static const QRegularExpression inlineScript(u"<script(?![^>]*\\bsrc=)[^>]*>"_s);
        QVERIFY(!inlineScript.match(QString::fromUtf8(page.body)).hasMatch());
        static const QRegularExpression handler(u"\\son[a-z]+\\s*="_s);
        QVERIFY(!page.body.contains("<style") && !page.body.contains(" style="));
        QVERIFY(!handler.match(QString::fromUtf8(page.body)).hasMatch());
        QVERIFY(!page.body.contains("http://") && !page.body.contains("https://") &&
                !page.body.contains("//cdn"));
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
            QCOMPARE(call("GET", u"/r/"_s + m.token).status, 200);
        Resp r = readShare(u"r"_s, m.token);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("RateLimit-Remaining"), QByteArray::number(kReadLimit - 1));
    }

    void sharePageAssets()
    {
        Resp script = call("GET", u"/r/assets/share.js"_s);
        QCOMPARE(script.status, 200);
        QCOMPARE(script.header("Content-Type"), QByteArray("text/javascript; charset=utf-8"));
        QVERIFY(script.body.contains("/api/public/r/"));
        QVERIFY(script.body.contains("X-Share-Password"));
        QVERIFY(script.body.contains("location.pathname"));
        QVERIFY(!script.body.contains("innerHTML") && !script.body.contains("eval("));
        for (const char *code :
             {"share_password_required", "share_wrong_password", "share_revoked", "share_expired",
              "share_password_locked", "share_rate_limited", "share_not_found",
              "evidence_unverified", "artifact_filtered", "public_payload_policy_rejected"})
            QVERIFY2(script.body.contains(code), code);
        Resp style = call("GET", u"/r/assets/share.css"_s);
        QCOMPARE(style.status, 200);
        QCOMPARE(style.header("Content-Type"), QByteArray("text/css; charset=utf-8"));
        QVERIFY(!style.header("Content-Security-Policy").isEmpty());
        for (const char *missing :
             {"/r/assets/nope.js", "/r/assets/index.html", "/r/assets/..%2Fshare.js"}) {
            Resp r = call("GET", QString::fromLatin1(missing));
            QCOMPARE(r.status, 404);
            QCOMPARE(r.code(), u"not_found"_s);
        }
    }

    void sharePageRoutesArePublic()
    {
        // Cookies and keys change nothing, and no other method is served.
        Resp withKey = call("GET", u"/r/x"_s, {}, {{"Authorization", "Bearer wfx_nope"}});
        QCOMPARE(withKey.status, 200);
        Resp post = call("POST", u"/r/x"_s, "{}");
        QCOMPARE(post.status, 405);
    }
};

QTEST_GUILESS_MAIN(TestShareRoutes)
#include "tst_share_routes.moc"
