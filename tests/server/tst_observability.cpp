// SPDX-License-Identifier: Apache-2.0
// Operations: the access log (route templates, never tokens), X-Request-Id,
// GET /metrics (Prometheus text format, loopback only unless configured) and
// serving over TLS with a self-signed certificate.
#include "TestHttp.h"

#include "models/core/Ids.h"
#include "server/core/Metrics.h"
#include "server/core/RouteTable.h"
#include "server/core/Services.h"
#include "server/core/TlsFiles.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QMutex>
#include <QRegularExpression>
#include <QSslKey>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

using namespace wfxtest;

namespace {

QMutex g_logMutex;
QStringList g_accessLines;
QtMessageHandler g_previous = nullptr;

void captureAccess(QtMsgType type, const QMessageLogContext &ctx, const QString &msg)
{
    if (ctx.category && qstrcmp(ctx.category, "wfx.server.access") == 0) {
        QMutexLocker lock(&g_logMutex);
        g_accessLines << msg;
        return;
    }
    if (g_previous)
        g_previous(type, ctx, msg);
}

QStringList accessLines()
{
    QMutexLocker lock(&g_logMutex);
    return g_accessLines;
}

// A well-formed share token (wfxs_ + 43 base64url characters) that names no share.
QString someToken()
{
    return u"wfxs_"_s + QString::fromLatin1(wfx::crypto::randomBytes(32).toBase64(
                            QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

// The HTTP answer on an encrypted connection that trusts only `ca`.
QByteArray tlsExchange(quint16 port, const QList<QSslCertificate> &ca, const QByteArray &request,
                       bool *encrypted)
{
    QSslSocket s;
    QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
    conf.setCaCertificates(ca);
    conf.setPeerVerifyMode(QSslSocket::VerifyPeer);
    s.setSslConfiguration(conf);
    s.connectToHostEncrypted(u"127.0.0.1"_s, port, u"localhost"_s); // verified against the SAN
    *encrypted = s.waitForEncrypted(5000);
    if (!*encrypted) {
        qWarning() << "handshake failed" << s.errorString() << s.sslHandshakeErrors();
        return {};
    }
    s.write(request);
    s.waitForBytesWritten(2000);
    return TestServer::readAll(s, 3000);
}

// A run of the user's in a fresh workspace and project (synced through the model); its id, empty on
// failure.
QString syncedRun(TestServer &server, const TestUser &u)
{
    if (!u.api)
        return {};
    const QJsonObject ws = createWorkspace(*u.api);
    const QString project =
        u.api
            ->post(u"/api/projects"_s,
                   QJsonObject{{u"workspace_id"_s, ws.value(u"id"_s)}, {u"name"_s, u"p"_s}})
            .object("project")
            .value(u"id"_s)
            .toString();
    const QJsonObject runBody{{u"project_id"_s, project},
                              {u"client_run_id"_s, wfx::ids::newUuid()},
                              {u"name"_s, u"r"_s},
                              {u"status"_s, u"completed"_s},
                              {u"started_at"_s, u"2026-11-01T10:00:00Z"_s},
                              {u"finished_at"_s, u"2026-11-01T11:00:00Z"_s}};
    auto synced =
        server.server->services().runs.sync(wfx::Actor::user(u.id, u"127.0.0.1"_s), runBody);
    if (!synced)
        qWarning() << "sync failed" << synced.error().message;
    return synced ? synced->run.id : QString();
}

} // namespace

class TestObservability : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        useFastPasswordHashing();
        g_previous = qInstallMessageHandler(captureAccess);
    }
    void cleanupTestCase() { qInstallMessageHandler(g_previous); }
    void init()
    {
        QMutexLocker lock(&g_logMutex);
        g_accessLines.clear();
    }

    void accessLogNamesTheRouteTemplateNotTheToken()
    {
        TestServer server;
        HttpClient c(server.port);
        const QString token = someToken();
        const HttpResult r = c.get(u"/api/public/shares/"_s + token);
        QCOMPARE(r.status, 404);
        const QByteArray id = r.header("X-Request-Id");
        QVERIFY(!id.isEmpty());
        QTRY_VERIFY(!accessLines().isEmpty());
        const QStringList lines = accessLines();
        QString line;
        for (const QString &l : lines) {
            if (l.contains(QString::fromLatin1(id)))
                line = l;
        }
        QVERIFY2(!line.isEmpty(), qPrintable(lines.join(QLatin1Char('\n'))));
        QVERIFY2(line.startsWith(u"GET /api/public/shares/{token} 404 "_s), qPrintable(line));
        for (const QString &l : lines)
            QVERIFY2(!l.contains(token) && !l.contains(token.mid(5, 10)), qPrintable(l));
    }

    void accessLogNeverCarriesHeadersOrQueries()
    {
        TestServer server;
        HttpClient c(server.port, u"wfx_secretbearervalue123"_s);
        c.get(u"/api/runs?cursor=sekritcursor"_s);
        c.get(u"/no/such/path/wfxs_abcdef"_s);
        QTRY_COMPARE(accessLines().size(), 2);
        const QStringList lines = accessLines();
        QVERIFY2(lines[0].startsWith(u"GET /api/runs 401 "_s), qPrintable(lines[0]));
        QVERIFY2(lines[1].startsWith(u"GET - 404 "_s),
                 qPrintable(lines[1])); // unmatched: no raw path
        for (const QString &l : lines)
            QVERIFY(!l.contains(u"secretbearer"_s) && !l.contains(u"sekrit"_s) &&
                    !l.contains(u"wfxs_"_s));
    }

    void requestIdsDiffer()
    {
        TestServer server;
        HttpClient c(server.port);
        const QByteArray a = c.get(u"/healthz"_s).header("X-Request-Id");
        const QByteArray b = c.get(u"/healthz"_s).header("X-Request-Id");
        QVERIFY(!a.isEmpty());
        QVERIFY(a != b);
    }

    void metricsSpeakPrometheusText()
    {
        TestServer server;
        HttpClient c(server.port);
        QCOMPARE(c.get(u"/healthz"_s).status, 200);
        QCOMPARE(c.get(u"/healthz"_s).status, 200);
        QCOMPARE(c.get(u"/api/public/shares/"_s + someToken()).status, 404);
        const HttpResult m = c.get(u"/metrics"_s);
        QCOMPARE(m.status, 200);
        QVERIFY2(m.header("Content-Type").startsWith("text/plain; version=0.0.4"),
                 m.header("Content-Type").constData());

        static const QRegularExpression sample(QStringLiteral(
            R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (-?[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?|\+Inf|NaN)$)"));
        static const QRegularExpression meta(
            QStringLiteral(R"(^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$)"));
        QHash<QString, QString> types;
        QHash<QString, double> values; // name{labels} -> value
        const QStringList lines = QString::fromUtf8(m.body).split(QLatin1Char('\n'));
        QVERIFY(m.body.endsWith('\n'));
        for (const QString &l : lines.mid(0, lines.size() - 1)) {
            if (l.startsWith(QLatin1Char('#'))) {
                const auto mm = meta.match(l);
                QVERIFY2(mm.hasMatch(), qPrintable(l));
                if (mm.captured(1) == QLatin1String("TYPE")) {
                    QVERIFY2(QStringList({u"counter"_s, u"gauge"_s, u"histogram"_s})
                                 .contains(mm.captured(3)),
                             qPrintable(l));
                    types.insert(mm.captured(2), mm.captured(3));
                }
                continue;
            }
            const auto sm = sample.match(l);
            QVERIFY2(sm.hasMatch(), qPrintable(l));
            QString family = sm.captured(1);
            for (const char *suffix : {"_bucket", "_sum", "_count"}) {
                if (family.endsWith(QLatin1String(suffix)) &&
                    types.value(family.chopped(qstrlen(suffix))) == QLatin1String("histogram"))
                    family.chop(qstrlen(suffix));
            }
            QVERIFY2(types.contains(family), qPrintable(u"no TYPE before "_s + l));
            values.insert(sm.captured(1) + sm.captured(2), sm.captured(3).toDouble());
        }
        QCOMPARE(types.value(u"wfx_http_requests_total"_s), u"counter"_s);
        QCOMPARE(types.value(u"wfx_http_request_duration_seconds"_s), u"histogram"_s);
        QCOMPARE(values.value(
                     uR"(wfx_http_requests_total{route="/healthz",method="GET",status="200"})"_s),
                 2.0);
        QCOMPARE(
            values.value(
                uR"(wfx_http_requests_total{route="/api/public/shares/{token}",method="GET",status="404"})"_s),
            1.0);
        QCOMPARE(values.value(uR"(wfx_http_request_duration_seconds_count{route="/healthz"})"_s),
                 2.0);
        QCOMPARE(values.value(
                     uR"(wfx_http_request_duration_seconds_bucket{route="/healthz",le="+Inf"})"_s),
                 2.0);
        double previous = 0;
        for (double le : wfx::Metrics::kBuckets) {
            const QString key =
                uR"(wfx_http_request_duration_seconds_bucket{route="/healthz",le=")"_s +
                QString::number(le, 'g', 12) + u"\"}"_s;
            QVERIFY2(values.contains(key), qPrintable(key));
            QVERIFY(values.value(key) >= previous);
            previous = values.value(key);
        }
        QCOMPARE(values.value(u"wfx_store_up"_s), 1.0);
        QCOMPARE(values.value(u"wfx_artifact_store_up"_s), 1.0);
        QVERIFY(values.contains(uR"(wfx_shares{state="active"})"_s));
        QCOMPARE(values.value(u"wfx_rate_limited_total"_s), 0.0);
        for (const QString &k : values.keys())
            QVERIFY2(!k.contains(u"wfxs_"_s), qPrintable(k));
    }

    void metricsCountSharesByState()
    {
        TestServer server;
        TestUser u = signup(server.port, u"metrics"_s);
        const QString runId = syncedRun(server, u);
        QVERIFY(!runId.isEmpty());
        const HttpResult share = u.api->post(u"/api/shares"_s, QJsonObject{{u"run_id"_s, runId}});
        QVERIFY2(share.status == 201, share.body.constData());
        HttpClient c(server.port);
        const QByteArray body = c.get(u"/metrics"_s).body;
        QVERIFY2(body.contains("wfx_shares{state=\"active\"} 1\n"), body.constData());
        QVERIFY(body.contains("wfx_shares{state=\"revoked\"} 0\n"));
    }

    void streamedDownloadIsCountedWhenItsLastByteIsOut()
    {
        TestServer server;
        TestUser u = signup(server.port, u"stream"_s);
        const QString runId = syncedRun(server, u);
        QVERIFY(!runId.isEmpty());
        const wfx::Actor actor = wfx::Actor::user(u.id, u"127.0.0.1"_s);
        // Larger than every loopback socket buffer on the way: the server cannot
        // have written it all while the client reads nothing.
        QByteArray bytes(24 * 1024 * 1024, Qt::Uninitialized);
        for (qsizetype i = 0; i < bytes.size(); ++i)
            bytes[i] = char(i * 7 + (i >> 12));
        auto &artifacts = server.server->services().artifacts;
        auto up = artifacts.initiate(actor, runId, u"big.bin"_s, bytes.size(),
                                     wfx::crypto::sha256Hex(bytes));
        QVERIFY(up);
        for (qint64 n = 1; n <= up->parts; ++n)
            QVERIFY(artifacts.putPart(up->uploadToken, up->artifact.id, n,
                                      bytes.mid((n - 1) * up->partSize, up->partSize)));
        QVERIFY(artifacts.commit(actor, up->artifact.id));

        auto downloads = [&] { // answered downloads; a route without answers has no line yet
            HttpClient c(server.port);
            const QByteArray body = c.get(u"/metrics"_s).body;
            static const QByteArray key =
                "wfx_http_request_duration_seconds_count{route=\"/api/artifacts/{artifact_id}\"} ";
            const qsizetype at = body.indexOf(key);
            return at < 0 ? 0
                          : body.mid(at + key.size(), body.indexOf('\n', at) - at - key.size())
                                .toInt();
        };
        QCOMPARE(downloads(), 0);

        QTcpSocket s;
        s.setReadBufferSize(64 * 1024); // reads no more than this until told to
        s.connectToHost(QHostAddress::LocalHost, server.port);
        QVERIFY(s.waitForConnected(2000));
        s.write("GET /api/artifacts/" + up->artifact.id.toLatin1() + " HTTP/1.1\r\n" +
                server.hostHeader() + "Authorization: Bearer " + u.secret.toLatin1() + "\r\n\r\n");
        QVERIFY(s.waitForReadyRead(5000));
        const QByteArray first = s.peek(4096);
        QVERIFY(first.startsWith("HTTP/1.1 200 "));
        const qint64 expected = first.indexOf("\r\n\r\n") + 4 + bytes.size();
        QVERIFY(expected > bytes.size());
        // The handler has returned and the head is here, but the body is still on its way.
        QCOMPARE(downloads(), 0);

        s.setReadBufferSize(0);
        qint64 received = 0;
        QElapsedTimer t;
        t.start();
        while (received < expected && t.elapsed() < 30'000) {
            if (s.bytesAvailable() || s.waitForReadyRead(1000))
                received += s.readAll().size();
        }
        QCOMPARE(received, expected); // the head and every byte of the body
        QTRY_COMPARE_WITH_TIMEOUT(downloads(), 1, 5000);
    }

    void rateLimitedAnswersAreCounted()
    {
        wfx::ServerConfig config;
        config.shareReadLimit = 1;
        TestServer server(config);
        HttpClient c(server.port);
        const QString token = someToken();
        int limited = 0;
        for (int i = 0; i < 4; ++i)
            limited += c.get(u"/api/public/shares/"_s + token).status == 429 ? 1 : 0;
        QVERIFY(limited > 0);
        const QByteArray body = c.get(u"/metrics"_s).body;
        QVERIFY2(body.contains(
                     QByteArray("wfx_rate_limited_total " + QByteArray::number(limited) + "\n")),
                 body.constData());
        QVERIFY(body.contains(
            QByteArray("route=\"/api/public/shares/{token}\",method=\"GET\",status=\"429\"} " +
                       QByteArray::number(limited) + "\n")));
    }

    void metricsRefuseOtherClientsUnlessAllowed()
    {
        wfx::ServerConfig config;
        config.metricsAllow = {QHostAddress::parseSubnet(u"10.0.0.0/8"_s)};
        TestServer server(config);
        const wfx::Route *metrics = nullptr;
        for (const wfx::Route &r : server.server->routes().routes()) {
            if (r.path == QLatin1String("/metrics"))
                metrics = &r;
        }
        QVERIFY(metrics);
        QCOMPARE(metrics->access, wfx::Access::Public);
        wfx::HttpRequest req;
        req.method = "GET";
        req.remote = QHostAddress(u"192.168.1.20"_s);
        QCOMPARE(metrics->handler(req).status, 404);
        req.remote = QHostAddress(u"10.2.3.4"_s);
        QCOMPARE(metrics->handler(req).status, 200);
        req.remote = QHostAddress(u"::1"_s);
        QCOMPARE(metrics->handler(req).status, 200);
    }

    void selfSignedCertificateIsKeptWithAPrivateKey()
    {
        QTemporaryDir dir;
        QString cert, key, error;
        QVERIFY2(wfx::TlsFiles::ensureSelfSigned(dir.path(), &cert, &key, &error),
                 qPrintable(error));
        QCOMPARE(QFileInfo(key).permissions() &
                     (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
                 QFile::Permissions());
        QSslConfiguration first;
        QVERIFY2(wfx::TlsFiles::load(cert, key, &first, &error), qPrintable(error));
        const QSslCertificate c = first.localCertificate();
        const auto san = c.subjectAlternativeNames();
        QVERIFY(san.values(QSsl::DnsEntry).contains(u"localhost"_s));
        QVERIFY(san.values(QSsl::IpAddressEntry).contains(u"127.0.0.1"_s));
        QCOMPARE(first.privateKey().algorithm(), QSsl::Ec);
        // A second start keeps the same certificate.
        QString cert2, key2;
        QVERIFY(wfx::TlsFiles::ensureSelfSigned(dir.path(), &cert2, &key2, &error));
        QSslConfiguration second;
        QVERIFY(wfx::TlsFiles::load(cert2, key2, &second, &error));
        QCOMPARE(wfx::TlsFiles::fingerprint(second), wfx::TlsFiles::fingerprint(first));
        QCOMPARE(wfx::TlsFiles::fingerprint(first).size(), 32 * 3 - 1);
    }

    void servesHttpsWithSecureCookies()
    {
        QTemporaryDir dir;
        wfx::ServerConfig config;
        QString error;
        QVERIFY2(wfx::TlsFiles::ensureSelfSigned(dir.path(), &config.tlsCertFile,
                                                 &config.tlsKeyFile, &error),
                 qPrintable(error));
        config.tls = true;
        TestServer server(config);
        QVERIFY(server.server->baseUrl().startsWith(u"https://"_s));
        const QList<QSslCertificate> ca = QSslCertificate::fromPath(config.tlsCertFile);
        QCOMPARE(ca.size(), 1);

        bool encrypted = false;
        const QByteArray health = tlsExchange(server.port, ca,
                                              "GET /healthz HTTP/1.1\r\n" + server.hostHeader() +
                                                  "Connection: close\r\n\r\n",
                                              &encrypted);
        QVERIFY(encrypted);
        QVERIFY2(health.startsWith("HTTP/1.1 200 "), health.constData());
        QVERIFY(health.contains("X-Request-Id: "));
        QVERIFY(health.contains("{\"status\":\"ok\"}"));

        const QByteArray body =
            R"({"email":"tls-user@example.test","password":"correct horse battery staple"})";
        const QByteArray signup = tlsExchange(
            server.port, ca,
            "POST /api/auth/signup HTTP/1.1\r\n" + server.hostHeader() +
                "Content-Type: application/json\r\nContent-Length: " +
                QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body,
            &encrypted);
        QVERIFY2(signup.startsWith("HTTP/1.1 201 "), signup.constData());
        int cookies = 0;
        for (const QByteArray &line : signup.split('\n')) {
            if (!line.toLower().startsWith("set-cookie:"))
                continue;
            ++cookies;
            QVERIFY2(line.contains("; Secure") || line.contains(";Secure"), line.constData());
        }
        QVERIFY(cookies >= 1);
    }

    void plaintextOnTheTlsPortGetsNoHttpAnswer()
    {
        QTemporaryDir dir;
        wfx::ServerConfig config;
        QString error;
        QVERIFY(wfx::TlsFiles::ensureSelfSigned(dir.path(), &config.tlsCertFile, &config.tlsKeyFile,
                                                &error));
        config.tls = true;
        TestServer server(config);
        const QByteArray answer =
            server.raw("GET /healthz HTTP/1.1\r\n" + server.hostHeader() + "\r\n", 1500);
        QVERIFY2(!answer.contains("HTTP/1.1 200"), answer.constData());
    }
};

QTEST_GUILESS_MAIN(TestObservability)
#include "tst_observability.moc"
