// SPDX-License-Identifier: Apache-2.0
// The settings table: precedence flags > file > environment > defaults,
// typed parsing with the source named in errors, masking of secrets, and the
// JSON log line.
#include "Config.h"
#include "JsonLog.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

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
    static ConfigSources sources(const QHash<QString, QString> &flags = {}, const QString &file = {},
                                 const QHash<QString, QString> &env = {})
    {
        ConfigSources s;
        s.flags = flags;
        s.file = file;
        for (auto it = env.begin(); it != env.end(); ++it)
            s.env.insert(it.key(), it.value());
        return s;
    }
    static QString S(const char *s) { return QString::fromLatin1(s); }

private slots:
    void defaultsApplyWhenNothingIsSet()
    {
        const ResolvedConfig c = Config::resolve(sources());
        QVERIFY2(c.ok(), qPrintable(c.error));
        QCOMPARE(c.values.port, quint16(8787));
        QCOMPARE(c.values.listen, S("127.0.0.1"));
        QCOMPARE(c.values.threads, 4);
        QCOMPARE(c.values.maxBody, qint64(1048576));
        QCOMPARE(c.values.shareReadLimit, 120);
        QCOMPARE(c.values.sharePasswordAttempts, 5);
        QCOMPARE(c.values.logFormat, S("plain"));
        QVERIFY(c.values.webhookSecret.isEmpty());
        QCOMPARE(c.origin.value(S("port")), S("default"));
    }

    void environmentBeatsDefaults()
    {
        const ResolvedConfig c = Config::resolve(sources({}, {}, {{S("WFX_PORT"), S("9001")},
                                                                  {S("WFX_SHARE_READ_LIMIT"), S("7")}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        QCOMPARE(c.values.port, quint16(9001));
        QCOMPARE(c.values.shareReadLimit, 7);
        QCOMPARE(c.origin.value(S("port")), S("env WFX_PORT"));
    }

    void fileBeatsEnvironment()
    {
        const QString ini = writeIni("port=9100\nthreads=2\n");
        const ResolvedConfig c = Config::resolve(sources({}, ini, {{S("WFX_PORT"), S("9001")}, {S("WFX_THREADS"), S("8")}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        QCOMPARE(c.values.port, quint16(9100));
        QCOMPARE(c.values.threads, 2);
        QCOMPARE(c.origin.value(S("port")), S("file ") + ini);
    }

    void flagBeatsFileAndEnvironment()
    {
        const QString ini = writeIni("port=9100\nlog-format=json\n");
        const ResolvedConfig c = Config::resolve(sources({{S("port"), S("9200")}}, ini, {{S("WFX_PORT"), S("9001")}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        QCOMPARE(c.values.port, quint16(9200));
        QCOMPARE(c.origin.value(S("port")), S("flag --port"));
        QCOMPARE(c.values.logFormat, S("json")); // the file still sets what the flags leave alone
    }

    void listsComeFromTheFileWithCommas()
    {
        const QString ini = writeIni("public-hosts=console.example.org, other.example.org\n");
        const ResolvedConfig c = Config::resolve(sources({}, ini));
        QVERIFY2(c.ok(), qPrintable(c.error));
        QCOMPARE(c.values.publicHosts, (QStringList{S("console.example.org"), S("other.example.org")}));
    }

    void invalidValueNamesItsSource()
    {
        const ResolvedConfig c = Config::resolve(sources({}, {}, {{S("WFX_PORT"), S("70000")}}));
        QVERIFY(!c.ok());
        QVERIFY2(c.error.contains(S("port")) && c.error.contains(S("env WFX_PORT")), qPrintable(c.error));
    }

    void unknownFileKeyIsRefused()
    {
        const ResolvedConfig c = Config::resolve(sources({}, writeIni("prot=1\n")));
        QVERIFY(!c.ok());
        QVERIFY2(c.error.contains(S("prot")), qPrintable(c.error));
    }

    void missingExplicitFileIsAnError()
    {
        ConfigSources s = sources({}, m_dir.filePath(S("absent.ini")));
        QVERIFY(Config::resolve(s).ok()); // the default location may be absent
        s.fileRequired = true;              // --config FILE must exist
        QVERIFY(!Config::resolve(s).ok());
    }

    void logFormatIsPlainOrJson()
    {
        QVERIFY(!Config::resolve(sources({{S("log-format"), S("xml")}})).ok());
        QVERIFY(Config::resolve(sources({{S("log-format"), S("JSON")}})).ok());
    }

    void metricsSubnetsAreChecked()
    {
        QVERIFY(!Config::resolve(sources({{S("metrics-allow"), S("10.0.0.0/8,banana")}})).ok());
        const ResolvedConfig c = Config::resolve(sources({{S("metrics-allow"), S("10.0.0.0/8")}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        ServerConfig sc;
        QString error;
        QVERIFY(c.values.toServerConfig(&sc, &error));
        QCOMPARE(sc.metricsAllow.size(), 1);
        QVERIFY(QHostAddress(S("10.1.2.3")).isInSubnet(sc.metricsAllow.first()));
    }

    void serverConfigCarriesEveryLimit()
    {
        const ResolvedConfig c = Config::resolve(sources({{S("max-body"), S("2048")}, {S("part-size"), S("131072")},
                                                          {S("share-password-attempts"), S("3")},
                                                          {S("stripe-prices"), S("pro=price_1,team=price_2")}},
                                                         {}, {{S("WFX_BILLING_WEBHOOK_SECRET"), S("whsec_abcdefgh12345678")}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        ServerConfig sc;
        QString error;
        QVERIFY(c.values.toServerConfig(&sc, &error));
        QCOMPARE(sc.maxJsonBody, qint64(2048));
        QCOMPARE(sc.partSize, qint64(131072));
        QCOMPARE(sc.sharePasswordAttempts, 3);
        QCOMPARE(sc.webhookSecret, QByteArray("whsec_abcdefgh12345678"));
        QCOMPARE(sc.stripePrices.value(S("team")), S("price_2"));
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
        ResolvedConfig c = Config::resolve(sources({}, ini, {{S("WFX_HTTP_REDIRECT_PORT"), S("8080")}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        QCOMPARE(c.values.httpRedirectPort, quint16(8081));
        QCOMPARE(c.origin.value(S("http-redirect-port")), S("file ") + ini);
        QVERIFY(c.describe().contains(S("http-redirect-port = 8081  (file ") + ini + S(")")));
        c = Config::resolve(sources({{S("http-redirect-port"), S("8082")}}, ini, {{S("WFX_HTTP_REDIRECT_PORT"), S("8080")}}));
        QCOMPARE(c.values.httpRedirectPort, quint16(8082));
        QVERIFY2(c.values.toServerConfig(&sc, &error), qPrintable(error));
        QCOMPARE(sc.httpRedirectPort, 8082);
        c = Config::resolve(sources({}, {}, {{S("WFX_HTTP_REDIRECT_PORT"), S("8080")}, {S("WFX_TLS_CERT"), S("/c.pem")},
                                             {S("WFX_TLS_KEY"), S("/k.pem")}}));
        QCOMPARE(c.origin.value(S("http-redirect-port")), S("env WFX_HTTP_REDIRECT_PORT"));
        QVERIFY2(c.values.toServerConfig(&sc, &error), qPrintable(error));
        QCOMPARE(sc.httpRedirectPort, 8080);
        QVERIFY(!Config::resolve(sources({{S("http-redirect-port"), S("65536")}})).ok());

        // Without TLS there is nothing to redirect to.
        c = Config::resolve(sources({{S("http-redirect-port"), S("8080")}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        error.clear();
        QVERIFY(!c.values.toServerConfig(&sc, &error));
        QVERIFY2(error.contains(S("tls")), qPrintable(error));
        // Nor on the main port.
        c = Config::resolve(sources({{S("http-redirect-port"), S("8787")}, {S("tls-self-signed"), S("true")}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        error.clear();
        QVERIFY(!c.values.toServerConfig(&sc, &error));
        QVERIFY2(error.contains(S("main port")), qPrintable(error));
    }

    void secretsAreMasked()
    {
        QCOMPARE(Config::mask(QString()), S("(unset)"));
        QCOMPARE(Config::mask(S("whsec_abcdefgh12345678")), S("whsec_") + QChar(0x2026) + S("(set)"));
        QCOMPARE(Config::mask(S("sk_live_abcdefgh12345678")), S("sk_live_") + QChar(0x2026) + S("(set)"));
        QCOMPARE(Config::mask(S("plainsecretvalue")), S("(set)"));
    }

    void printedConfigMasksSecretsAndNamesSources()
    {
        const QString secret = S("whsec_abcdefgh12345678");
        const ResolvedConfig c = Config::resolve(sources({{S("threads"), S("3")}}, {},
                                                         {{S("WFX_BILLING_WEBHOOK_SECRET"), secret}}));
        QVERIFY2(c.ok(), qPrintable(c.error));
        const QString text = c.describe();
        QVERIFY(!text.contains(secret));
        QVERIFY(!text.contains(S("abcdefgh")));
        QVERIFY2(text.contains(S("webhook-secret = whsec_") + QChar(0x2026) + S("(set)  (env WFX_BILLING_WEBHOOK_SECRET)")),
                 qPrintable(text));
        QVERIFY2(text.contains(S("stripe-secret-key = (unset)  (default)")), qPrintable(text));
        QVERIFY2(text.contains(S("threads = 3  (flag --threads)")), qPrintable(text));
        QVERIFY2(text.contains(S("port = 8787  (default)")), qPrintable(text));
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
        const QByteArray line = JsonLog::line(QtInfoMsg, "wfx.server.access", S("GET /healthz 200 0.10ms id=1\n\"x\""), 0);
        QVERIFY(!line.contains('\n'));
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        QCOMPARE(o.value(S("time")).toString(), S("1970-01-01T00:00:00.000Z"));
        QCOMPARE(o.value(S("level")).toString(), S("info"));
        QCOMPARE(o.value(S("category")).toString(), S("wfx.server.access"));
        QCOMPARE(o.value(S("message")).toString(), S("GET /healthz 200 0.10ms id=1\n\"x\""));
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"
