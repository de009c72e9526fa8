// SPDX-License-Identifier: Apache-2.0
// The settings table: precedence flags > file > environment > defaults,
// typed parsing with the source named in errors, masking of secrets, and the
// JSON log line.
#include "app/Config.h"
#include "app/JsonLog.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

using namespace wfx;

class TestConfig : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    QString writeIni(const QByteArray &text)
    {
        static int n = 0;
        const QString path = m_dir.filePath(QStringLiteral("c%1.ini").arg(++n));
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            qFatal("cannot write the ini file");
        f.write(text);
        return path;
    }
    static ConfigSources sources(const QHash<QString, QString> &flags = {},
                                 const QString &file = {}, const QHash<QString, QString> &env = {})
    {
        ConfigSources s;
        s.flags = flags;
        s.file = file;
        for (auto it = env.begin(); it != env.end(); ++it)
            s.env.insert(it.key(), it.value());
        return s;
    }

private slots:
    void defaultsApplyWhenNothingIsSet()
    {
        const ResolvedConfig c = Config::resolve(sources());
        QVERIFY2(c.ok(), qPrintable(c.error));
        QCOMPARE(c.values.port, quint16(8787));
        QCOMPARE(c.values.listen, u"127.0.0.1"_s);
        QCOMPARE(c.values.threads, 4);
        QCOMPARE(c.values.maxBody, qint64(1048576));
        QCOMPARE(c.values.shareReadLimit, 120);
        QCOMPARE(c.values.sharePasswordAttempts, 5);
        QCOMPARE(c.values.logFormat, u"plain"_s);
        QVERIFY(c.values.webhookSecret.isEmpty());
        QCOMPARE(c.origin.value(u"port"_s), u"default"_s);
    }

    void environmentBeatsDefaults()
    {
        const ResolvedConfig c = Config::resolve(
            sources({}, {}, {{u"WFX_PORT"_s, u"9001"_s}, {u"WFX_SHARE_READ_LIMIT"_s, u"7"_s}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        QCOMPARE(c.values.port, quint16(9001));
        QCOMPARE(c.values.shareReadLimit, 7);
        QCOMPARE(c.origin.value(u"port"_s), u"env WFX_PORT"_s);
    }

    void fileBeatsEnvironment()
    {
        const QString ini = writeIni("port=9100\nthreads=2\n");
        const ResolvedConfig c = Config::resolve(
            sources({}, ini, {{u"WFX_PORT"_s, u"9001"_s}, {u"WFX_THREADS"_s, u"8"_s}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        QCOMPARE(c.values.port, quint16(9100));
        QCOMPARE(c.values.threads, 2);
        QCOMPARE(c.origin.value(u"port"_s), u"file "_s + ini);
    }

    void flagBeatsFileAndEnvironment()
    {
        const QString ini = writeIni("port=9100\nlog-format=json\n");
        const ResolvedConfig c =
            Config::resolve(sources({{u"port"_s, u"9200"_s}}, ini, {{u"WFX_PORT"_s, u"9001"_s}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        QCOMPARE(c.values.port, quint16(9200));
        QCOMPARE(c.origin.value(u"port"_s), u"flag --port"_s);
        QCOMPARE(c.values.logFormat, u"json"_s); // the file still sets what the flags leave alone
    }

    void listsComeFromTheFileWithCommas()
    {
        const QString ini = writeIni("public-hosts=console.example.org, other.example.org\n");
        const ResolvedConfig c = Config::resolve(sources({}, ini));
        QVERIFY2(c.ok(), qPrintable(c.error));
        QCOMPARE(c.values.publicHosts,
                 (QStringList{u"console.example.org"_s, u"other.example.org"_s}));
    }

    void invalidValueNamesItsSource()
    {
        const ResolvedConfig c = Config::resolve(sources({}, {}, {{u"WFX_PORT"_s, u"70000"_s}}));
        QVERIFY(!c.ok());
        QVERIFY2(c.error.contains(u"port"_s) && c.error.contains(u"env WFX_PORT"_s),
                 qPrintable(c.error));
    }

    void unknownFileKeyIsRefused()
    {
        const ResolvedConfig c = Config::resolve(sources({}, writeIni("prot=1\n")));
        QVERIFY(!c.ok());
        QVERIFY2(c.error.contains(u"prot"_s), qPrintable(c.error));
    }

    void missingExplicitFileIsAnError()
    {
        ConfigSources s = sources({}, m_dir.filePath(u"absent.ini"_s));
        QVERIFY(Config::resolve(s).ok()); // the default location may be absent
        s.fileRequired = true;            // --config FILE must exist
        QVERIFY(!Config::resolve(s).ok());
    }

    void logFormatIsPlainOrJson()
    {
        QVERIFY(!Config::resolve(sources({{u"log-format"_s, u"xml"_s}})).ok());
        QVERIFY(Config::resolve(sources({{u"log-format"_s, u"JSON"_s}})).ok());
    }

    void metricsSubnetsAreChecked()
    {
        QVERIFY(!Config::resolve(sources({{u"metrics-allow"_s, u"10.0.0.0/8,banana"_s}})).ok());
        const ResolvedConfig c = Config::resolve(sources({{u"metrics-allow"_s, u"10.0.0.0/8"_s}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        ServerConfig sc;
        QString error;
        QVERIFY(c.values.toServerConfig(&sc, &error));
        QCOMPARE(sc.metricsAllow.size(), 1);
        QVERIFY(QHostAddress(u"10.1.2.3"_s).isInSubnet(sc.metricsAllow.first()));
    }

    void serverConfigCarriesEveryLimit()
    {
        const ResolvedConfig c = Config::resolve(
            sources({{u"max-body"_s, u"2048"_s},
                     {u"part-size"_s, u"131072"_s},
                     {u"share-password-attempts"_s, u"3"_s},
                     {u"stripe-prices"_s, u"pro=price_1,team=price_2"_s}},
                    {}, {{u"WFX_BILLING_WEBHOOK_SECRET"_s, u"whsec_abcdefgh12345678"_s}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        ServerConfig sc;
        QString error;
        QVERIFY(c.values.toServerConfig(&sc, &error));
        QCOMPARE(sc.maxJsonBody, qint64(2048));
        QCOMPARE(sc.partSize, qint64(131072));
        QCOMPARE(sc.sharePasswordAttempts, 3);
        QCOMPARE(sc.webhookSecret, QByteArray("whsec_abcdefgh12345678"));
        QCOMPARE(sc.stripePrices.value(u"team"_s), u"price_2"_s);
    }

    void httpRedirectPortFollowsThePrecedenceAndNeedsTls()
    {
        // Off by default.
        ServerConfig sc;
        QString error;
        QVERIFY(Config::resolve(sources()).values.toServerConfig(&sc, &error));
        QCOMPARE(sc.httpRedirectPort, -1);
        // flag > file > environment, like every other row.
        const QString ini = writeIni("http-redirect-port=8081\ntls-self-signed=true\n");
        ResolvedConfig c =
            Config::resolve(sources({}, ini, {{u"WFX_HTTP_REDIRECT_PORT"_s, u"8080"_s}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        QCOMPARE(c.values.httpRedirectPort, quint16(8081));
        QCOMPARE(c.origin.value(u"http-redirect-port"_s), u"file "_s + ini);
        QVERIFY(c.describe().contains(u"http-redirect-port = 8081  (file "_s + ini + u")"_s));
        c = Config::resolve(sources({{u"http-redirect-port"_s, u"8082"_s}}, ini,
                                    {{u"WFX_HTTP_REDIRECT_PORT"_s, u"8080"_s}}));
        QCOMPARE(c.values.httpRedirectPort, quint16(8082));
        QVERIFY2(c.values.toServerConfig(&sc, &error), qPrintable(error));
        QCOMPARE(sc.httpRedirectPort, 8082);
        c = Config::resolve(sources({}, {},
                                    {{u"WFX_HTTP_REDIRECT_PORT"_s, u"8080"_s},
                                     {u"WFX_TLS_CERT"_s, u"/c.pem"_s},
                                     {u"WFX_TLS_KEY"_s, u"/k.pem"_s}}));
        QCOMPARE(c.origin.value(u"http-redirect-port"_s), u"env WFX_HTTP_REDIRECT_PORT"_s);
        QVERIFY2(c.values.toServerConfig(&sc, &error), qPrintable(error));
        QCOMPARE(sc.httpRedirectPort, 8080);
        QVERIFY(!Config::resolve(sources({{u"http-redirect-port"_s, u"65536"_s}})).ok());

        // Without TLS there is nothing to redirect to.
        c = Config::resolve(sources({{u"http-redirect-port"_s, u"8080"_s}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        error.clear();
        QVERIFY(!c.values.toServerConfig(&sc, &error));
        QVERIFY2(error.contains(u"tls"_s), qPrintable(error));
        // Nor on the main port.
        c = Config::resolve(
            sources({{u"http-redirect-port"_s, u"8787"_s}, {u"tls-self-signed"_s, u"true"_s}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        error.clear();
        QVERIFY(!c.values.toServerConfig(&sc, &error));
        QVERIFY2(error.contains(u"main port"_s), qPrintable(error));
    }

    void secretsAreMasked()
    {
        QCOMPARE(Config::mask(QString()), u"(unset)"_s);
        QCOMPARE(Config::mask(u"whsec_abcdefgh12345678"_s),
                 u"whsec_"_s + QChar(0x2026) + u"(set)"_s);
        QCOMPARE(Config::mask(u"sk_live_abcdefgh12345678"_s),
                 u"sk_live_"_s + QChar(0x2026) + u"(set)"_s);
        QCOMPARE(Config::mask(u"plainsecretvalue"_s), u"(set)"_s);
    }

    void printedConfigMasksSecretsAndNamesSources()
    {
        const QString secret = u"whsec_abcdefgh12345678"_s;
        const ResolvedConfig c = Config::resolve(
            sources({{u"threads"_s, u"3"_s}}, {}, {{u"WFX_BILLING_WEBHOOK_SECRET"_s, secret}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        const QString text = c.describe();
        QVERIFY(!text.contains(secret));
        QVERIFY(!text.contains(u"abcdefgh"_s));
        QVERIFY2(text.contains(u"webhook-secret = whsec_"_s + QChar(0x2026) +
                               u"(set)  (env WFX_BILLING_WEBHOOK_SECRET)"_s),
                 qPrintable(text));
        QVERIFY2(text.contains(u"stripe-secret-key = (unset)  (default)"_s), qPrintable(text));
        QVERIFY2(text.contains(u"threads = 3  (flag --threads)"_s), qPrintable(text));
        QVERIFY2(text.contains(u"port = 8787  (default)"_s), qPrintable(text));
    }

    void everyKeyHasAFlagAndAValidDefault()
    {
        QSet<QString> flags;
        for (const ConfigKey &k : configKeys()) {
            QVERIFY(k.flag && *k.flag);
            QVERIFY2(!flags.contains(QString::fromLatin1(k.flag)), k.flag);
            flags.insert(QString::fromLatin1(k.flag));
            AppConfig scratch;
            QString why;
            QVERIFY2(k.apply(scratch, QString::fromLatin1(k.defaultValue), &why), k.key);
        }
    }

    void jsonLogLineIsOneObject()
    {
        const QByteArray line = JsonLog::line(QtInfoMsg, "wfx.server.access",
                                              u"GET /healthz 200 0.10ms id=1\n\"x\""_s, 0);
        QVERIFY(!line.contains('\n'));
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        QCOMPARE(o.value(u"time"_s).toString(), u"1970-01-01T00:00:00.000Z"_s);
        QCOMPARE(o.value(u"level"_s).toString(), u"info"_s);
        QCOMPARE(o.value(u"category"_s).toString(), u"wfx.server.access"_s);
        QCOMPARE(o.value(u"message"_s).toString(), u"GET /healthz 200 0.10ms id=1\n\"x\""_s);
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"
