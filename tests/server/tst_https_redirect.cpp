// SPDX-License-Identifier: Apache-2.0
// Plain HTTP next to TLS (--http-redirect-port): every request answers 308 to
// the same path and query on https, with a validated host, Connection: close
// and no body read; the connection guard's head limits apply; the option is
// refused without TLS or on the main port.
#include "TestServer.h"

#include "server/core/HttpsRedirect.h"
#include "server/core/TlsFiles.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

using namespace wfxtest;

namespace {

wfx::ServerConfig tlsConfig(const QTemporaryDir &dir)
{
    wfx::ServerConfig config;
    QString error;
    if (!wfx::TlsFiles::ensureSelfSigned(dir.path(), &config.tlsCertFile, &config.tlsKeyFile,
                                         &error))
        qFatal("no self-signed certificate: %s", qPrintable(error));
    config.tls = true;
    config.httpRedirectPort = 0; // a free port
    return config;
}

QByteArray headerValue(const QByteArray &answer, const QByteArray &name)
{
    for (const QByteArray &line : answer.split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().toLower() == name)
            return line.mid(colon + 1).trimmed();
    }
    return {};
}
} // namespace

class TestHttpsRedirect : public QObject
{
    Q_OBJECT

private slots:
    void locationKeepsPathAndQueryAndOnlyAValidHost_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("host");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("name and port")
            << QByteArray("/api/runs?limit=5&x=%2F") << QByteArray("console.example.org:8080")
            << QByteArray("https://console.example.org:9443/api/runs?limit=5&x=%2F");
        QTest::newRow("upper case name") << QByteArray("/") << QByteArray("Console.Example.ORG")
                                         << QByteArray("https://console.example.org:9443/");
        QTest::newRow("ipv4") << QByteArray("/r/tok") << QByteArray("192.168.1.20:80")
                              << QByteArray("https://192.168.1.20:9443/r/tok");
        QTest::newRow("ipv6") << QByteArray("/a") << QByteArray("[::1]:8080")
                              << QByteArray("https://[::1]:9443/a");
        QTest::newRow("absolute-form target")
            << QByteArray("http://other.example/x?y=1") << QByteArray("localhost")
            << QByteArray("https://localhost:9443/x?y=1");
        QTest::newRow("asterisk target")
            << QByteArray("*") << QByteArray("localhost") << QByteArray("https://localhost:9443/");
        QTest::newRow("no host") << QByteArray("/a") << QByteArray()
                                 << QByteArray("https://127.0.0.1:9443/a");
        QTest::newRow("host with a path") << QByteArray("/a") << QByteArray("evil.example/x")
                                          << QByteArray("https://127.0.0.1:9443/a");
        QTest::newRow("host with markup")
            << QByteArray("/a") << QByteArray("<script>alert(1)</script>")
            << QByteArray("https://127.0.0.1:9443/a");
        QTest::newRow("host with userinfo") << QByteArray("/a") << QByteArray("user@evil.example")
                                            << QByteArray("https://127.0.0.1:9443/a");
        QTest::newRow("host with a space")
            << QByteArray("/a") << QByteArray("a b") << QByteArray("https://127.0.0.1:9443/a");
        QTest::newRow("host with control bytes")
            << QByteArray("/a") << QByteArray("a\x01z") << QByteArray("https://127.0.0.1:9443/a");
        QTest::newRow("non-numeric port") << QByteArray("/a") << QByteArray("localhost:80x")
                                          << QByteArray("https://127.0.0.1:9443/a");
        QTest::newRow("bad ipv6") << QByteArray("/a") << QByteArray("[zz::1]")
                                  << QByteArray("https://127.0.0.1:9443/a");
        QTest::newRow("label too long")
            << QByteArray("/a") << QByteArray(64, 'a') << QByteArray("https://127.0.0.1:9443/a");
        QTest::newRow("non-ascii target") << QByteArray("/caf\xc3\xa9") << QByteArray("localhost")
                                          << QByteArray("https://localhost:9443/");
    }
    void locationKeepsPathAndQueryAndOnlyAValidHost()
    {
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, host);
        QFETCH(QByteArray, expected);
        QCOMPARE(wfx::HttpsRedirect::location(target, host, QHostAddress::LocalHost, 9443),
                 expected);
    }

    void standardPortIsLeftOut()
    {
        QCOMPARE(wfx::HttpsRedirect::location("/x", "example.org", QHostAddress::LocalHost, 443),
                 QByteArray("https://example.org/x"));
        QCOMPARE(wfx::HttpsRedirect::location("/x", "", QHostAddress(u"::1"_s), 8443),
                 QByteArray("https://[::1]:8443/x"));
    }

    void plainHttpGetsAPermanentRedirectToHttps()
    {
        QTemporaryDir dir;
        TestServer server(tlsConfig(dir));
        const quint16 redirect = server.server->redirectPort();
        QVERIFY(redirect != 0);
        QVERIFY(redirect != server.port);
        bool closed = false;
        const QByteArray answer =
            TestServer::rawTo(redirect,
                              "GET /api/runs?limit=5&cursor=a%2Bb HTTP/1.1\r\nHost: localhost:" +
                                  QByteArray::number(redirect) + "\r\nUser-Agent: t\r\n\r\n",
                              3000, &closed);
        QVERIFY2(answer.startsWith("HTTP/1.1 308 Permanent Redirect\r\n"), answer.constData());
        QCOMPARE(headerValue(answer, "location"),
                 "https://localhost:" + QByteArray::number(server.port) +
                     "/api/runs?limit=5&cursor=a%2Bb");
        QCOMPARE(headerValue(answer, "connection"), QByteArray("close"));
        QCOMPARE(headerValue(answer, "content-length"), QByteArray("0"));
        QVERIFY2(closed, "the server closes after the redirect");

        // Where it points is the TLS server.
        QSslSocket tls;
        QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
        conf.setCaCertificates({server.server->tlsConfiguration().localCertificate()});
        tls.setSslConfiguration(conf);
        tls.connectToHostEncrypted(u"127.0.0.1"_s, server.port, u"localhost"_s);
        QVERIFY2(tls.waitForEncrypted(5000), qPrintable(tls.errorString()));
        tls.write("GET /healthz HTTP/1.1\r\n" + server.hostHeader() + "Connection: close\r\n\r\n");
        QVERIFY(TestServer::readAll(tls, 3000).startsWith("HTTP/1.1 200 "));
    }

    void aClientFollowsTheRedirectToTheTlsServer()
    {
        QTemporaryDir dir;
        TestServer server(tlsConfig(dir));
        QNetworkAccessManager nam;
        QNetworkRequest req(
            QUrl(u"http://localhost:%1/healthz?probe=1"_s.arg(server.server->redirectPort())));
        req.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::NoLessSafeRedirectPolicy);
        QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
        conf.setCaCertificates({server.server->tlsConfiguration().localCertificate()});
        req.setSslConfiguration(conf);
        QNetworkReply *reply = nam.get(req);
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10'000);
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->url(), QUrl(u"https://localhost:%1/healthz?probe=1"_s.arg(server.port)));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QVERIFY(reply->readAll().contains("\"ok\""));
        delete reply;
    }

    void anArbitraryHostIsNeverReflected()
    {
        QTemporaryDir dir;
        TestServer server(tlsConfig(dir));
        const QByteArray expected = "https://127.0.0.1:" + QByteArray::number(server.port) + "/x";
        for (const QByteArray &host :
             {QByteArray("evil.example\">"), QByteArray("evil.example/%0d%0aSet-Cookie:a=b"),
              QByteArray("a\tb")}) {
            // A Host value that is not uri-host[:port] is refused by the guard's
            // strict head (RFC 9112 3.2) before any redirect is built.
            const QByteArray answer = TestServer::rawTo(
                server.server->redirectPort(), "GET /x HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
            QVERIFY2(answer.startsWith("HTTP/1.1 400 "), answer.constData());
            QCOMPARE(headerValue(answer, "location"), QByteArray());
            QVERIFY(!answer.contains("Set-Cookie"));
        }
        // Two Host headers: refused as well.
        const QByteArray twice =
            TestServer::rawTo(server.server->redirectPort(),
                              "GET /x HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n");
        QVERIFY2(twice.startsWith("HTTP/1.1 400 "), twice.constData());
        QCOMPARE(headerValue(twice, "location"), QByteArray());
        // HTTP/1.0 without a Host header.
        const QByteArray old =
            TestServer::rawTo(server.server->redirectPort(), "GET /x HTTP/1.0\r\n\r\n");
        QVERIFY2(old.startsWith("HTTP/1.1 308 "), old.constData());
        QCOMPARE(headerValue(old, "location"), expected);
    }

    void aBodyIsNeverRead()
    {
        QTemporaryDir dir;
        TestServer server(tlsConfig(dir));
        // A declared 100 GB upload, of which a few bytes arrive: answered at once, not refused as
        // too large.
        bool closed = false;
        const QByteArray answer = TestServer::rawTo(
            server.server->redirectPort(),
            "POST /api/sync/runs?x=1 HTTP/1.1\r\nHost: localhost\r\n"
            "Content-Type: application/json\r\nContent-Length: 100000000000\r\n\r\n{\"a\":",
            6000, &closed);
        QVERIFY2(answer.startsWith("HTTP/1.1 308 "), answer.constData());
        QCOMPARE(headerValue(answer, "location"),
                 "https://localhost:" + QByteArray::number(server.port) + "/api/sync/runs?x=1");
        QVERIFY(closed);
    }

    void headLimitsOfTheGuardApply()
    {
        QTemporaryDir dir;
        wfx::ServerConfig config = tlsConfig(dir);
        config.guard.maxHeadBytes = 1024;
        config.guard.headTimeoutMs = 300;
        TestServer server(config);
        const QByteArray big = TestServer::rawTo(
            server.server->redirectPort(),
            "GET / HTTP/1.1\r\nHost: localhost\r\nX-Pad: " + QByteArray(4096, 'a') + "\r\n\r\n");
        QVERIFY2(big.startsWith("HTTP/1.1 431 "), big.constData());
        QVERIFY(headerValue(big, "location").isEmpty());
        // A head that never ends.
        const QByteArray slow = TestServer::rawTo(server.server->redirectPort(),
                                                  "GET / HTTP/1.1\r\nHost: localh", 5000);
        QVERIFY2(slow.startsWith("HTTP/1.1 408 "), slow.constData());
    }

    void refusedWithoutTlsOrOnTheMainPort()
    {
        TestStore store(u"sqlite"_s);
        wfx::ServerConfig plain;
        plain.port = 0;
        plain.dataDir = store.dir.path();
        plain.httpRedirectPort = 0;
        plain.signingKey = wfx::crypto::randomBytes(32);
        wfx::ApiServer a(store.ctx, plain);
        QCOMPARE(a.start(), quint16(0));
        QVERIFY2(a.lastError().contains(u"TLS"_s), qPrintable(a.lastError()));

        QTemporaryDir dir;
        wfx::ServerConfig same = tlsConfig(dir);
        same.dataDir = store.dir.path();
        same.signingKey = wfx::crypto::randomBytes(32);
        same.port = 0;
        {
            // A taken port: the main port of another server.
            TestServer other(tlsConfig(dir));
            same.httpRedirectPort = other.port;
            wfx::ApiServer b(store.ctx, same);
            QCOMPARE(b.start(), quint16(0));
            QVERIFY2(b.lastError().contains(u"redirect"_s), qPrintable(b.lastError()));
            QVERIFY(!b.isRunning());
        }
        same.port = 18'443;
        same.httpRedirectPort = 18'443;
        wfx::ApiServer c(store.ctx, same);
        QCOMPARE(c.start(), quint16(0));
        QVERIFY2(c.lastError().contains(u"main port"_s), qPrintable(c.lastError()));
    }
};

QTEST_GUILESS_MAIN(TestHttpsRedirect)
#include "tst_https_redirect.moc"
