// SPDX-License-Identifier: Apache-2.0
// The dispatcher's parts on their own: each guard (Host, Origin, CSRF, Bearer,
// session), the guards each access policy chooses, the route table's query
// checks and typed values, and the proxy allowlist as a property of its routes.
// The authenticator is a fake: no store is involved.
#include "server/core/Dispatcher.h"
#include "server/core/Guards.h"
#include "server/core/OpenApi.h"
#include "server/core/RouteTable.h"
#include "server/core/Schema.h"
#include "server/routes/RouteUtil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace wfx;
using namespace Qt::StringLiterals;

namespace {

constexpr quint16 kPort = 8787;
const QString kRunId = u"0b8f6c1e-3a52-4c1e-9d0a-6f1e2b3c4d5e"_s;

// One API key ("good-key") and one session ("session-1", CSRF token "csrf-1").
class FakeAuthenticator final : public Authenticator
{
public:
    Result<Actor> bearer(const QString &secret, const QString &) override
    {
        if (secret != u"good-key"_s)
            return Error{ErrorCode::LoginRequired, {}};
        Actor actor;
        actor.userId = u"key-user"_s;
        return actor;
    }
    std::optional<SessionAuth> session(const QString &token, const QString &) override
    {
        if (token != u"session-1"_s)
            return std::nullopt;
        SessionAuth auth;
        auth.actor.userId = u"session-user"_s;
        auth.csrfToken = u"csrf-1"_s;
        return auth;
    }
};

DispatchConfig config()
{
    DispatchConfig c;
    c.port = kPort;
    c.publicHostNames = {u"console.example"_s};
    return c;
}

HttpRequest request(const QByteArray &method, const QString &target, HeaderList headers = {})
{
    HttpRequest req;
    req.method = method;
    const QUrl url(target);
    req.path = url.path();
    req.urlQuery = QUrlQuery(url);
    req.headers = std::move(headers);
    req.headers.append({"host", "127.0.0.1:" + QByteArray::number(kPort)});
    req.remote = QHostAddress(u"192.0.2.7"_s);
    return req;
}

int statusOf(const Refusal &refusal)
{
    return refusal ? refusal->status : 0;
}

QJsonObject errorOf(const HttpResponse &resp)
{
    return QJsonDocument::fromJson(resp.body).object().value(u"error"_s).toObject();
}

// A resource and its service, for the route helpers (server/routes/RouteUtil.h).
struct Thing
{
    QString id;
    QJsonObject toJson() const { return {{u"id"_s, id}}; }
};
struct Things
{
    Result<Thing> get(const Actor &, const QString &id) const
    {
        if (id != u"known"_s)
            return Error::notFound(u"Thing"_s);
        return Thing{id};
    }
};

} // namespace

class TestGuards : public QObject
{
    Q_OBJECT

    FakeAuthenticator m_auth;

private slots:
    // ------------------------------------------------------------------ Host
    void hostNamesThisServer_data()
    {
        QTest::addColumn<QByteArray>("host");
        QTest::addColumn<int>("status");
        QTest::newRow("loopback with port") << QByteArray("127.0.0.1:8787") << 0;
        QTest::newRow("localhost") << QByteArray("LocalHost:8787") << 0;
        QTest::newRow("IPv6 loopback") << QByteArray("[::1]:8787") << 0;
        QTest::newRow("no port") << QByteArray("127.0.0.1") << 0;
        QTest::newRow("configured name") << QByteArray("console.example:8787") << 0;
        QTest::newRow("another name") << QByteArray("rebind.example:8787") << 421;
        QTest::newRow("another port") << QByteArray("127.0.0.1:9999") << 421;
        QTest::newRow("unclosed bracket") << QByteArray("[::1:8787") << 421;
    }
    void hostNamesThisServer()
    {
        QFETCH(QByteArray, host);
        QFETCH(int, status);
        const Guards guards(&m_auth, config());
        HttpRequest req = request("GET", u"/"_s);
        req.headers = {{"host", host}};
        QCOMPARE(statusOf(guards.host(req)), status);
    }

    void missingHostIsMisdirected()
    {
        const Guards guards(&m_auth, config());
        HttpRequest req = request("GET", u"/"_s);
        req.headers.clear();
        const Refusal refused = guards.host(req);
        QCOMPARE(statusOf(refused), 421);
        QCOMPARE(errorOf(*refused).value(u"code"_s).toString(), u"misdirected_request"_s);
    }

    // ---------------------------------------------------------------- Origin
    void originMustBeThisServer_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<int>("status");
        QTest::newRow("none") << QByteArray() << QByteArray() << 0;
        QTest::newRow("same origin")
            << QByteArray("origin") << QByteArray("http://127.0.0.1:8787") << 0;
        QTest::newRow("configured name")
            << QByteArray("origin") << QByteArray("http://console.example:8787") << 0;
        QTest::newRow("another site")
            << QByteArray("origin") << QByteArray("http://evil.example:8787") << 403;
        QTest::newRow("another port")
            << QByteArray("origin") << QByteArray("http://127.0.0.1:1") << 403;
        QTest::newRow("another scheme")
            << QByteArray("origin") << QByteArray("https://127.0.0.1:8787") << 403;
        QTest::newRow("opaque") << QByteArray("origin") << QByteArray("null") << 403;
        QTest::newRow("cross-site fetch")
            << QByteArray("sec-fetch-site") << QByteArray("cross-site") << 403;
        QTest::newRow("same-site fetch")
            << QByteArray("sec-fetch-site") << QByteArray("same-origin") << 0;
    }
    void originMustBeThisServer()
    {
        QFETCH(QByteArray, header);
        QFETCH(QByteArray, value);
        QFETCH(int, status);
        const Guards guards(&m_auth, config());
        HeaderList headers;
        if (!header.isEmpty())
            headers.append({header, value});
        const Refusal refused = guards.origin(request("POST", u"/api/x"_s, headers));
        QCOMPARE(statusOf(refused), status);
        if (refused)
            QCOMPARE(errorOf(*refused).value(u"code"_s).toString(), u"csrf_failed"_s);
    }

    // ------------------------------------------------------------------ CSRF
    void csrfIsDoubleSubmitted_data()
    {
        QTest::addColumn<QByteArray>("sent");
        QTest::addColumn<QByteArray>("cookie");
        QTest::addColumn<QString>("sessionToken"); // empty: no session behind the cookie
        QTest::addColumn<int>("status");
        QTest::newRow("cookie matches") << QByteArray("abc") << QByteArray("abc") << QString() << 0;
        QTest::newRow("nothing sent") << QByteArray() << QByteArray("abc") << QString() << 403;
        QTest::newRow("nothing at all") << QByteArray() << QByteArray() << QString() << 403;
        QTest::newRow("cookie differs")
            << QByteArray("abc") << QByteArray("abd") << QString() << 403;
        QTest::newRow("session matches")
            << QByteArray("csrf-1") << QByteArray("csrf-1") << u"csrf-1"_s << 0;
        QTest::newRow("planted cookie")
            << QByteArray("planted") << QByteArray("planted") << u"csrf-1"_s << 403;
    }
    void csrfIsDoubleSubmitted()
    {
        QFETCH(QByteArray, sent);
        QFETCH(QByteArray, cookie);
        QFETCH(QString, sessionToken);
        QFETCH(int, status);
        HeaderList headers;
        if (!sent.isEmpty())
            headers.append({"x-csrf-token", sent});
        if (!cookie.isEmpty())
            headers.append({"cookie", "wfx_csrf=" + cookie});
        const HttpRequest req = request("POST", u"/api/auth/logout"_s, headers);
        const Refusal refused = Guards::csrf(req, sessionToken.isEmpty() ? nullptr : &sessionToken);
        QCOMPARE(statusOf(refused), status);
        if (refused)
            QCOMPARE(errorOf(*refused).value(u"code"_s).toString(), u"csrf_failed"_s);
    }

    // ---------------------------------------------------------------- Bearer
    void bearerNamesTheCaller_data()
    {
        QTest::addColumn<QByteArray>("authorization");
        QTest::addColumn<int>("status");
        QTest::newRow("none") << QByteArray() << 401;
        QTest::newRow("another scheme") << QByteArray("Basic good-key") << 401;
        QTest::newRow("unknown key") << QByteArray("Bearer bad-key") << 401;
        QTest::newRow("good key") << QByteArray("Bearer good-key") << 0;
        QTest::newRow("good key, padded") << QByteArray("Bearer  good-key ") << 0;
    }
    void bearerNamesTheCaller()
    {
        QFETCH(QByteArray, authorization);
        QFETCH(int, status);
        const Guards guards(&m_auth, config());
        HeaderList headers;
        if (!authorization.isEmpty())
            headers.append({"authorization", authorization});
        HttpRequest req = request("GET", u"/api/runs"_s, headers);
        const Refusal refused = guards.bearer(req);
        QCOMPARE(statusOf(refused), status);
        if (refused) {
            QCOMPARE(errorOf(*refused).value(u"code"_s).toString(), u"login_required"_s);
            QVERIFY(req.actor.isAnonymous());
        } else {
            QCOMPARE(req.actor.userId, u"key-user"_s);
            QCOMPARE(req.actor.ip, u"192.0.2.7"_s);
            QVERIFY(!req.viaSession);
        }
    }

    // --------------------------------------------------------------- Session
    void sessionIsTheCookiesLiveSession()
    {
        const Guards guards(&m_auth, config());
        QVERIFY(!guards.session(request("GET", u"/"_s)));
        QVERIFY(!guards.session(request("GET", u"/"_s, {{"cookie", "wfx_session=stale"}})));
        HttpRequest req = request("GET", u"/"_s, {{"cookie", "wfx_session=session-1"}});
        const auto session = guards.session(req);
        QVERIFY(session);
        QCOMPARE(session->csrfToken, u"csrf-1"_s);
        QVERIFY(req.actor.isAnonymous()); // looking the session up does not sign in
        Guards::actAs(req, *session);
        QCOMPARE(req.actor.userId, u"session-user"_s);
        QCOMPARE(req.actor.ip, u"192.0.2.7"_s);
        QVERIFY(req.viaSession);
        QCOMPARE(req.sessionToken, u"session-1"_s);
    }

    // ------------------------------------------- the guards each policy chooses
    void accessPolicyChoosesItsGuards_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArrayList>("headers"); // "name: value"
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("actor");

        const QByteArray session = "cookie: wfx_session=session-1; wfx_csrf=csrf-1";
        const QByteArray token = "x-csrf-token: csrf-1";
        const QByteArray foreign = "origin: http://evil.example";
        QTest::newRow("public, nothing")
            << QByteArray("GET") << u"/open"_s << QByteArrayList{} << 200 << QString();
        QTest::newRow("public, another site")
            << QByteArray("GET") << u"/open"_s << QByteArrayList{foreign} << 200 << QString();
        QTest::newRow("api, nothing")
            << QByteArray("GET") << u"/api/thing"_s << QByteArrayList{} << 401 << QString();
        QTest::newRow("api, key") << QByteArray("GET") << u"/api/thing"_s
                                  << QByteArrayList{"authorization: Bearer good-key"} << 200
                                  << u"key-user"_s;
        QTest::newRow("session route, nothing")
            << QByteArray("POST") << u"/api/cloud/thing"_s << QByteArrayList{} << 401 << QString();
        QTest::newRow("session route, stale cookie")
            << QByteArray("POST") << u"/api/cloud/thing"_s
            << QByteArrayList{"cookie: wfx_session=stale; wfx_csrf=csrf-1", token} << 401
            << QString();
        QTest::newRow("session route, no token") << QByteArray("POST") << u"/api/cloud/thing"_s
                                                 << QByteArrayList{session} << 403 << QString();
        QTest::newRow("session route, another site")
            << QByteArray("POST") << u"/api/cloud/thing"_s
            << QByteArrayList{session, token, foreign} << 403 << QString();
        QTest::newRow("session route, signed in")
            << QByteArray("POST") << u"/api/cloud/thing"_s << QByteArrayList{session, token} << 200
            << u"session-user"_s;
        QTest::newRow("session route, safe method without token")
            << QByteArray("GET") << u"/api/cloud/thing"_s << QByteArrayList{session} << 200
            << u"session-user"_s;
        QTest::newRow("auth flow, nothing")
            << QByteArray("POST") << u"/api/auth/thing"_s << QByteArrayList{} << 200 << QString();
        QTest::newRow("auth flow, another site") << QByteArray("POST") << u"/api/auth/thing"_s
                                                 << QByteArrayList{foreign} << 403 << QString();
        QTest::newRow("auth flow, session without token")
            << QByteArray("POST") << u"/api/auth/thing"_s << QByteArrayList{session} << 403
            << QString();
        QTest::newRow("auth flow, session with token")
            << QByteArray("POST") << u"/api/auth/thing"_s << QByteArrayList{session, token} << 200
            << u"session-user"_s;
        QTest::newRow("auth flow, stale session, cookie token")
            << QByteArray("POST") << u"/api/auth/thing"_s
            << QByteArrayList{"cookie: wfx_session=stale; wfx_csrf=csrf-1", token} << 200
            << QString();
        QTest::newRow("auth flow exempt, session without token")
            << QByteArray("POST") << u"/api/auth/open"_s << QByteArrayList{session} << 200
            << QString();
        QTest::newRow("auth flow exempt, another site")
            << QByteArray("POST") << u"/api/auth/open"_s << QByteArrayList{foreign} << 403
            << QString();
    }
    void accessPolicyChoosesItsGuards()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArrayList, headers);
        QFETCH(int, status);
        QFETCH(QString, actor);

        RouteTable routes;
        QString seen;
        const auto handler = [&seen](HttpRequest &req) {
            seen = req.actor.userId;
            return HttpResponse::json(200, QJsonObject{});
        };
        routes.route("GET", u"/open"_s, Access::Public, u"t"_s, u"open"_s).handle(handler);
        routes.route("GET", u"/api/thing"_s, Access::Api, u"t"_s, u"api"_s).handle(handler);
        for (const char *m : {"GET", "POST"})
            routes.route(m, u"/api/cloud/thing"_s, Access::Session, u"t"_s, u"bff"_s)
                .handle(handler);
        routes.route("POST", u"/api/auth/thing"_s, Access::AuthFlow, u"t"_s, u"auth"_s)
            .handle(handler);
        routes.route("POST", u"/api/auth/open"_s, Access::AuthFlow, u"t"_s, u"auth"_s)
            .csrfExempt()
            .handle(handler);
        const Dispatcher dispatcher(routes, &m_auth, config());

        HeaderList list;
        for (const QByteArray &h : std::as_const(headers)) {
            const qsizetype colon = h.indexOf(':');
            list.append({h.left(colon), h.mid(colon + 1).trimmed()});
        }
        HttpRequest req = request(method, path, list);
        const HttpResponse resp = dispatcher.handle(req);
        QCOMPARE(resp.status, status);
        QCOMPARE(seen, actor);
    }

    // ------------------------------------------------------- declared queries
    void queryIsCheckedBeforeTheHandler_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("issue");
        QTest::addColumn<QString>("message");

        QTest::newRow("nothing") << QString() << 200 << QString() << QString() << QString();
        QTest::newRow("all good") << u"n=7&id=%1&word=b&text=abc&limit=5"_s.arg(kRunId) << 200
                                  << QString() << QString() << QString();
        QTest::newRow("unknown ignored")
            << u"whatever=1"_s << 200 << QString() << QString() << QString();
        QTest::newRow("below minimum") << u"n=2"_s << 422 << u"n"_s << u"out_of_range"_s
                                       << u"n must be a whole number from 3 to 10."_s;
        QTest::newRow("above maximum") << u"n=11"_s << 422 << u"n"_s << u"out_of_range"_s
                                       << u"n must be a whole number from 3 to 10."_s;
        QTest::newRow("not a number") << u"n=seven"_s << 422 << u"n"_s << u"out_of_range"_s
                                      << u"n must be a whole number from 3 to 10."_s;
        QTest::newRow("plus sign") << u"n=+5"_s << 422 << u"n"_s << u"out_of_range"_s
                                   << u"n must be a whole number from 3 to 10."_s;
        QTest::newRow("space") << u"n=%205"_s << 422 << u"n"_s << u"out_of_range"_s
                               << u"n must be a whole number from 3 to 10."_s;
        QTest::newRow("trailing nul") << u"n=5%00"_s << 422 << u"n"_s << u"out_of_range"_s
                                      << u"n must be a whole number from 3 to 10."_s;
        QTest::newRow("arabic-indic digit") << u"n=%D9%A5"_s << 422 << u"n"_s << u"out_of_range"_s
                                            << u"n must be a whole number from 3 to 10."_s;
        QTest::newRow("leading zero") << u"n=05"_s << 200 << QString() << QString() << QString();
        QTest::newRow("given twice")
            << u"n=5&n=6"_s << 422 << u"n"_s << u"repeated"_s << u"n is given more than once."_s;
        QTest::newRow("limit twice") << u"limit=5&limit=5"_s << 422 << u"limit"_s << u"repeated"_s
                                     << u"limit is given more than once."_s;
        QTest::newRow("bad uuid") << u"id=xyz"_s << 422 << u"id"_s << u"invalid"_s
                                  << u"id must be a lowercase UUID."_s;
        QTest::newRow("upper-case uuid") << u"id=%1"_s.arg(kRunId.toUpper()) << 422 << u"id"_s
                                         << u"invalid"_s << u"id must be a lowercase UUID."_s;
        QTest::newRow("not in the enum")
            << u"word=z"_s << 422 << u"word"_s << u"invalid"_s << u"word is one of a, b."_s;
        QTest::newRow("too long") << u"text=abcdef"_s << 422 << u"text"_s << u"too_long"_s
                                  << u"At most 5 characters."_s;
        QTest::newRow("empty") << u"text="_s << 422 << u"text"_s << u"required"_s
                               << u"text must not be empty."_s;
        QTest::newRow("bad time") << u"from=yesterday"_s << 422 << u"from"_s << u"invalid"_s
                                  << u"from must be an RFC 3339 time."_s;
        QTest::newRow("limit 0") << u"limit=0"_s << 422 << u"limit"_s << u"out_of_range"_s
                                 << u"limit must be a whole number from 1 to 200."_s;
        QTest::newRow("limit 201") << u"limit=201"_s << 422 << u"limit"_s << u"out_of_range"_s
                                   << u"limit must be a whole number from 1 to 200."_s;
        QTest::newRow("unknown cursor")
            << u"cursor=bogus"_s << 422 << u"cursor"_s << u"invalid"_s << u"Unknown cursor."_s;
        QTest::newRow("empty cursor")
            << u"cursor="_s << 422 << u"cursor"_s << u"invalid"_s << u"Unknown cursor."_s;
        QTest::newRow("own check")
            << u"text=odd"_s << 422 << u"text"_s << u"odd"_s << u"Not that one."_s;
    }
    void queryIsCheckedBeforeTheHandler()
    {
        QFETCH(QString, query);
        QFETCH(int, status);
        QFETCH(QString, field);
        QFETCH(QString, issue);
        QFETCH(QString, message);

        RouteTable routes;
        int calls = 0;
        routes.route("GET", u"/open"_s, Access::Public, u"t"_s, u"open"_s)
            .query(u"n"_s, schema::integer(3, 10))
            .query(u"id"_s, schema::uuid())
            .query(u"word"_s, schema::enumOf({u"a"_s, u"b"_s}))
            .query(u"text"_s, schema::string(1, 5), Presence::Optional,
                   [](const QString &value) -> Status {
                       if (value == u"odd"_s)
                           return Error::validation(u"text"_s, u"odd"_s, u"Not that one."_s);
                       return Ok{};
                   })
            .query(u"from"_s, schema::dateTime())
            .paged()
            .handle([&calls](HttpRequest &) {
                ++calls;
                return HttpResponse::json(200, QJsonObject{});
            });
        const Dispatcher dispatcher(routes, &m_auth, config());
        HttpRequest req = request("GET", u"/open?"_s + query);
        const HttpResponse resp = dispatcher.handle(req);
        QCOMPARE(resp.status, status);
        QCOMPARE(calls, status == 200 ? 1 : 0);
        if (status != 200) {
            const QJsonObject error = errorOf(resp);
            QCOMPARE(error.value(u"code"_s).toString(), u"validation_error"_s);
            QCOMPARE(error.value(u"message"_s).toString(), message);
            const QJsonObject detail = error.value(u"details"_s).toArray().first().toObject();
            QCOMPARE(detail.value(u"field"_s).toString(), field);
            QCOMPARE(detail.value(u"issue"_s).toString(), issue);
        }
    }

    void requiredQueryIsRequired()
    {
        RouteTable routes;
        routes.route("GET", u"/open"_s, Access::Public, u"t"_s, u"open"_s)
            .query(u"workspace_id"_s, schema::uuid(), Presence::Required)
            .handle([](HttpRequest &) { return HttpResponse::json(200, QJsonObject{}); });
        const Dispatcher dispatcher(routes, &m_auth, config());
        HttpRequest missing = request("GET", u"/open"_s);
        const HttpResponse resp = dispatcher.handle(missing);
        QCOMPARE(resp.status, 422);
        const QJsonObject detail = errorOf(resp).value(u"details"_s).toArray().first().toObject();
        QCOMPARE(detail.value(u"field"_s).toString(), u"workspace_id"_s);
        QCOMPARE(detail.value(u"issue"_s).toString(), u"required"_s);
        HttpRequest given = request("GET", u"/open?workspace_id="_s + kRunId);
        QCOMPARE(dispatcher.handle(given).status, 200);
    }

    void pathParameterIsCheckedBeforeTheHandler()
    {
        RouteTable routes;
        int calls = 0;
        routes.route("PUT", u"/parts/{number}"_s, Access::Public, u"t"_s, u"part"_s)
            .pathParam(u"number"_s, schema::integer(1, 10))
            .handle([&calls](HttpRequest &) {
                ++calls;
                return HttpResponse::json(200, QJsonObject{});
            });
        const Dispatcher dispatcher(routes, &m_auth, config());
        for (const QString &bad : {u"0"_s, u"11"_s, u"two"_s}) {
            HttpRequest req = request("PUT", u"/parts/"_s + bad);
            const HttpResponse resp = dispatcher.handle(req);
            QCOMPARE(resp.status, 422);
            const QJsonObject detail =
                errorOf(resp).value(u"details"_s).toArray().first().toObject();
            QCOMPARE(detail.value(u"field"_s).toString(), u"number"_s);
            QCOMPARE(detail.value(u"issue"_s).toString(), u"out_of_range"_s);
        }
        QCOMPARE(calls, 0);
        HttpRequest good = request("PUT", u"/parts/10"_s);
        QCOMPARE(dispatcher.handle(good).status, 200);
        QCOMPARE(calls, 1);
    }

    void handlerReadsTypedValues()
    {
        RouteTable routes;
        QJsonObject seen;
        routes.route("GET", u"/open"_s, Access::Public, u"t"_s, u"open"_s)
            .query(u"offset"_s, schema::integer(0, 9007199254740991))
            .query(u"name"_s, schema::string(1, 50))
            .paged()
            .handle([&seen](HttpRequest &req) {
                const HttpRequest::Page page = req.page();
                seen = QJsonObject{{u"offset"_s, double(req.query<qint64>(u"offset"_s, -1))},
                                   {u"name"_s, req.query<QString>(u"name"_s, u"none"_s)},
                                   {u"limit"_s, page.limit},
                                   {u"cursor"_s, page.cursor}};
                return HttpResponse::json(200, QJsonObject{});
            });
        const Dispatcher dispatcher(routes, &m_auth, config());
        HttpRequest defaults = request("GET", u"/open"_s);
        QCOMPARE(dispatcher.handle(defaults).status, 200);
        QCOMPARE(seen, (QJsonObject{{u"offset"_s, -1},
                                    {u"name"_s, u"none"_s},
                                    {u"limit"_s, 50},
                                    {u"cursor"_s, QString()}}));
        HttpRequest given = request("GET", u"/open?offset=9007199254740991&name=a%20b&limit=7"_s);
        QCOMPARE(dispatcher.handle(given).status, 200);
        QCOMPARE(seen.value(u"offset"_s).toDouble(), 9007199254740991.0);
        QCOMPARE(seen.value(u"name"_s).toString(), u"a b"_s);
        QCOMPARE(seen.value(u"limit"_s).toInt(), 7);
    }

    // /openapi.json lists the 422 the query check answers without the route saying it.
    void queryParametersDocumentTheir422()
    {
        RouteTable routes;
        const auto ok = [](HttpRequest &) { return HttpResponse::json(200, QJsonObject{}); };
        routes.route("GET", u"/asked"_s, Access::Public, u"t"_s, u"asked"_s)
            .query(u"n"_s, schema::integer(1, 10))
            .handle(ok);
        routes.route("GET", u"/plain"_s, Access::Public, u"t"_s, u"plain"_s).handle(ok);
        const QJsonObject paths = openApiDocument(routes).value(u"paths"_s).toObject();
        const auto responses = [&paths](const QString &path) {
            return paths.value(path)[u"get"_s][u"responses"_s].toObject();
        };
        QVERIFY(responses(u"/asked"_s).contains(u"422"_s));
        QVERIFY(!responses(u"/plain"_s).contains(u"422"_s));
    }

    // routeutil::addRead: the resource the path's parameter names, as {"<key>": ...}, or 404.
    void readAnswersTheResourceOfThePath()
    {
        RouteTable routes;
        Things things;
        routeutil::addRead(routes, u"/things/{thing_id}/label"_s, u"t"_s, u"Get a thing"_s,
                           routeutil::Proxy::Off,
                           {u"thing"_s, schema::object({{u"id"_s, schema::string(), true}})},
                           things, &Things::get);
        const Dispatcher dispatcher(routes, &m_auth, config());
        HttpRequest known =
            request("GET", u"/things/known/label"_s, {{"authorization", "Bearer good-key"}});
        const HttpResponse found = dispatcher.handle(known);
        QCOMPARE(found.status, 200);
        QCOMPARE(QJsonDocument::fromJson(found.body).object(),
                 (QJsonObject{{u"thing"_s, QJsonObject{{u"id"_s, u"known"_s}}}}));
        HttpRequest other =
            request("GET", u"/things/other/label"_s, {{"authorization", "Bearer good-key"}});
        const HttpResponse missing = dispatcher.handle(other);
        QCOMPARE(missing.status, 404);
        QCOMPARE(errorOf(missing).value(u"code"_s).toString(), u"not_found"_s);
        const QJsonObject op = openApiDocument(routes)
                                   .value(u"paths"_s)[u"/things/{thing_id}/label"_s][u"get"_s]
                                   .toObject();
        QVERIFY(op.value(u"responses"_s).toObject().contains(u"404"_s));
        QCOMPARE(op.value(u"parameters"_s)[0][u"name"_s].toString(), u"thing_id"_s);
    }

    // ------------------------------------------------------- the BFF proxy
    void proxyPassesOnlyDeclaredRoutes_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("target");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("allow");

        QTest::newRow("proxied") << QByteArray("GET") << u"/api/items/%1"_s.arg(kRunId) << 200
                                 << QByteArray();
        QTest::newRow("passed-on query")
            << QByteArray("GET") << u"/api/items/%1?limit=5"_s.arg(kRunId) << 200 << QByteArray();
        QTest::newRow("declared, not passed on")
            << QByteArray("GET") << u"/api/items/%1?name=x"_s.arg(kRunId) << 422 << QByteArray();
        QTest::newRow("undeclared query")
            << QByteArray("GET") << u"/api/items/%1?zzz=1"_s.arg(kRunId) << 422 << QByteArray();
        QTest::newRow("bad value of a passed-on query")
            << QByteArray("GET") << u"/api/items/%1?limit=0"_s.arg(kRunId) << 422 << QByteArray();
        QTest::newRow("id not a UUID")
            << QByteArray("GET") << u"/api/items/not-a-uuid"_s << 404 << QByteArray();
        QTest::newRow("method not proxied")
            << QByteArray("DELETE") << u"/api/items/%1"_s.arg(kRunId) << 405
            << QByteArray("GET, HEAD");
        QTest::newRow("route not proxied")
            << QByteArray("GET") << u"/api/secret"_s << 404 << QByteArray();
        QTest::newRow("no route") << QByteArray("GET") << u"/api/nothing"_s << 404 << QByteArray();
    }
    void proxyPassesOnlyDeclaredRoutes()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, target);
        QFETCH(int, status);
        QFETCH(QByteArray, allow);

        RouteTable routes;
        const auto ok = [](HttpRequest &req) {
            return HttpResponse::json(req.viaSession ? 200 : 500, QJsonObject{});
        };
        routes.route("GET", u"/api/items/{item_id}"_s, Access::Api, u"t"_s, u"item"_s)
            .query(u"name"_s, schema::string(1, 10))
            .paged()
            .proxied({u"limit"_s})
            .handle(ok);
        routes.route("DELETE", u"/api/items/{item_id}"_s, Access::Api, u"t"_s, u"delete"_s)
            .handle(ok);
        routes.route("GET", u"/api/secret"_s, Access::Api, u"t"_s, u"secret"_s).handle(ok);
        const Dispatcher dispatcher(routes, &m_auth, config());

        HttpRequest req = request(
            method, target,
            {{"cookie", "wfx_session=session-1; wfx_csrf=csrf-1"}, {"x-csrf-token", "csrf-1"}});
        const HttpResponse resp = dispatcher.handle(req);
        QCOMPARE(resp.status, status);
        QByteArray sentAllow;
        for (const auto &h : resp.headers) {
            if (h.first == "Allow")
                sentAllow = h.second;
        }
        QCOMPARE(sentAllow, allow);
    }
};

QTEST_GUILESS_MAIN(TestGuards)
#include "tst_guards.moc"
