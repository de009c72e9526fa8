// SPDX-License-Identifier: Apache-2.0
#include "Config.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QHostAddress>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>

#include <memory>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {

// The help texts and the reasons a value is refused are shown by the console's
// Settings panel too: translated there (the command line runs before a translator
// is installed, so --help and its errors stay English).
QString translated(const char *s)
{
    return QCoreApplication::translate("wfx::Config", s);
}

bool parseInt(const QString &v, qint64 min, qint64 max, qint64 *out, QString *error)
{
    bool ok = false;
    const qint64 n = v.trimmed().toLongLong(&ok);
    if (!ok || n < min || n > max) {
        *error =
            translated(QT_TRANSLATE_NOOP("wfx::Config", "must be a whole number from %1 to %2"))
                .arg(min)
                .arg(max);
        return false;
    }
    *out = n;
    return true;
}

template <typename T>
bool intInto(T &field, const QString &v, qint64 min, qint64 max, QString *error)
{
    qint64 n = 0;
    if (!parseInt(v, min, max, &n, error))
        return false;
    field = T(n);
    return true;
}

bool parseBool(const QString &v, bool *out, QString *error)
{
    const QString t = v.trimmed().toLower();
    if (t == QLatin1String("1") || t == QLatin1String("true") || t == QLatin1String("yes") ||
        t == QLatin1String("on")) {
        *out = true;
        return true;
    }
    if (t.isEmpty() || t == QLatin1String("0") || t == QLatin1String("false") ||
        t == QLatin1String("no") || t == QLatin1String("off")) {
        *out = false;
        return true;
    }
    *error = translated(QT_TRANSLATE_NOOP("wfx::Config", "must be true or false"));
    return false;
}

QStringList list(const QString &v)
{
    QStringList out;
    for (const QString &item : v.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        if (!item.trimmed().isEmpty())
            out << item.trimmed();
    }
    return out;
}

// A comma separated list of subnets (10.0.0.0/8, ::1/128, 192.0.2.7) into `field`.
bool subnetsInto(QStringList &field, const QString &v, QString *e)
{
    const QStringList nets = list(v);
    for (const QString &n : nets) {
        if (QHostAddress::parseSubnet(n).first.isNull()) {
            *e = translated(QT_TRANSLATE_NOOP("wfx::Config", "has %1, which is not a subnet"))
                     .arg(n);
            return false;
        }
    }
    field = nets;
    return true;
}

QList<QPair<QHostAddress, int>> subnets(const QStringList &nets)
{
    QList<QPair<QHostAddress, int>> out;
    for (const QString &n : nets)
        out.append(QHostAddress::parseSubnet(n));
    return out;
}

constexpr qint64 kMiB = 1024 * 1024;

} // namespace

const QList<ConfigKey> &configKeys()
{
    static const QList<ConfigKey> keys{
        {"listen", "WFX_LISTEN", "listen", "ADDR", "127.0.0.1", false,
         QT_TRANSLATE_NOOP("wfx::Config", "Listen address (an IP address)."),
         [](AppConfig &c, const QString &v, QString *e) {
             if (QHostAddress(v.trimmed()).isNull()) {
                 *e = translated(QT_TRANSLATE_NOOP("wfx::Config", "is not an IP address"));
                 return false;
             }
             c.listen = v.trimmed();
             return true;
         }},
        {"port", "WFX_PORT", "port", "N", "8787", false,
         QT_TRANSLATE_NOOP("wfx::Config", "TCP port; 0 picks a free one."),
         [](AppConfig &c, const QString &v, QString *e) {
             return intInto(c.port, v, 0, 65535, e);
         }},
        {"data-dir", "WFX_DATA_DIR", "data-dir", "DIR", "", false,
         QT_TRANSLATE_NOOP("wfx::Config", "Data folder (store, artifacts, TLS files, secrets "
                                          "fallback); empty: the platform data folder."),
         [](AppConfig &c, const QString &v, QString *) {
             c.dataDir = v.trimmed();
             return true;
         }},
        {"database", "WFX_DATABASE", "database", "URL", "sqlite:", false,
         QT_TRANSLATE_NOOP("wfx::Config", "sqlite: (store.db in the data folder), sqlite:/path.db, "
                                          "or postgresql://user:pass@host:port/db."),
         [](AppConfig &c, const QString &v, QString *) {
             c.database = v.trimmed();
             return true;
         }},
        {"public-hosts", "WFX_PUBLIC_HOSTS", "public-hosts", "NAMES", "", false,
         QT_TRANSLATE_NOOP("wfx::Config",
                           "Host names besides loopback the server answers for (comma separated)."),
         [](AppConfig &c, const QString &v, QString *) {
             c.publicHosts = list(v.toLower());
             return true;
         }},
        {"threads", "WFX_THREADS", "threads", "N", "4", false,
         QT_TRANSLATE_NOOP("wfx::Config", "Serving threads."),
         [](AppConfig &c, const QString &v, QString *e) {
             return intInto(c.threads, v, 1, 256, e);
         }},
        {"max-body", "WFX_MAX_BODY", "max-body", "BYTES", "1048576", false,
         QT_TRANSLATE_NOOP("wfx::Config", "Largest JSON request body."),
         [](AppConfig &c, const QString &v, QString *e) {
             return intInto(c.maxBody, v, 1024, 64 * kMiB, e);
         }},
        {"part-size", "WFX_PART_SIZE", "part-size", "BYTES", "8388608", false,
         QT_TRANSLATE_NOOP("wfx::Config", "Artifact upload part size."),
         [](AppConfig &c, const QString &v, QString *e) {
             return intInto(c.partSize, v, 64 * 1024, 1024 * kMiB, e);
         }},
        {"share-read-limit", "WFX_SHARE_READ_LIMIT", "share-read-limit", "N", "120", false,
         QT_TRANSLATE_NOOP("wfx::Config", "Public share reads per client and minute."),
         [](AppConfig &c, const QString &v, QString *e) {
             return intInto(c.shareReadLimit, v, 1, 1'000'000, e);
         }},
        {"share-password-attempts", "WFX_SHARE_PASSWORD_ATTEMPTS", "share-password-attempts", "N",
         "5", false,
         QT_TRANSLATE_NOOP("wfx::Config", "Wrong share passwords per client before 429."),
         [](AppConfig &c, const QString &v, QString *e) {
             return intInto(c.sharePasswordAttempts, v, 1, 10'000, e);
         }},
        {"run-max-points", "WFX_RUN_MAX_POINTS", "run-max-points", "N", "10000000", false,
         QT_TRANSLATE_NOOP("wfx::Config",
                           "Metric points one run may hold in all its syncs together."),
         [](AppConfig &c, const QString &v, QString *e) {
             return intInto(c.runMaxPoints, v, 1, 1'000'000'000, e);
         }},
        {"run-max-log-bytes", "WFX_RUN_MAX_LOG_BYTES", "run-max-log-bytes", "BYTES", "67108864",
         false,
         QT_TRANSLATE_NOOP("wfx::Config",
                           "Bytes of log one run may hold in all its syncs together."),
         [](AppConfig &c, const QString &v, QString *e) {
             return intInto(c.runMaxLogBytes, v, 1024, 1024 * kMiB, e);
         }},
        {"webhook-secret", "WFX_BILLING_WEBHOOK_SECRET", "webhook-secret", "SECRET", "", true,
         QT_TRANSLATE_NOOP("wfx::Config", "Stripe webhook signing secret (whsec_...)."),
         [](AppConfig &c, const QString &v, QString *) {
             c.webhookSecret = v.trimmed().toUtf8();
             return true;
         }},
        {"sendmail", "WFX_SENDMAIL", "sendmail", "COMMAND", "", false,
         QT_TRANSLATE_NOOP(
             "wfx::Config",
             "Command that sends a mail read from stdin; empty: mails stay in the outbox."),
         [](AppConfig &c, const QString &v, QString *) {
             c.sendmail = v.trimmed();
             return true;
         }},
        {"stripe-secret-key", "WFX_STRIPE_SECRET_KEY", "stripe-secret-key", "KEY", "", true,
         QT_TRANSLATE_NOOP("wfx::Config",
                           "Stripe secret key; empty: the offline billing provider."),
         [](AppConfig &c, const QString &v, QString *) {
             c.stripeSecretKey = v.trimmed().toUtf8();
             return true;
         }},
        {"stripe-base-url", "WFX_STRIPE_BASE_URL", "stripe-base-url", "URL",
         "https://api.stripe.com", false, QT_TRANSLATE_NOOP("wfx::Config", "Stripe API base URL."),
         [](AppConfig &c, const QString &v, QString *) {
             c.stripeBaseUrl = v.trimmed();
             return true;
         }},
        {"stripe-prices", "WFX_STRIPE_PRICES", "stripe-prices", "PLAN=PRICE,...", "", false,
         QT_TRANSLATE_NOOP("wfx::Config",
                           "Stripe price id per plan, e.g. pro=price_1,team=price_2."),
         [](AppConfig &c, const QString &v, QString *e) {
             for (const QString &pair : list(v)) {
                 if (pair.indexOf(QLatin1Char('=')) <= 0) {
                     *e = translated(QT_TRANSLATE_NOOP(
                         "wfx::Config", "must be plan=price pairs separated by commas"));
                     return false;
                 }
             }
             c.stripePrices = v.trimmed();
             return true;
         }},
        {"e2e-fixtures", "WORLDFLUX_WEB_E2E_FIXTURES", "e2e-fixtures", nullptr, "false", false,
         QT_TRANSLATE_NOOP("wfx::Config", "Serve the end-to-end test fixtures routes."),
         [](AppConfig &c, const QString &v, QString *e) {
             return parseBool(v, &c.e2eFixtures, e);
         }},
        {"staging", "WFX_STAGING", "staging", nullptr, "false", false,
         QT_TRANSLATE_NOOP("wfx::Config", "Mark the instance as staging."),
         [](AppConfig &c, const QString &v, QString *e) { return parseBool(v, &c.staging, e); }},
        {"tls-cert", "WFX_TLS_CERT", "tls-cert", "FILE", "", false,
         QT_TRANSLATE_NOOP("wfx::Config",
                           "TLS certificate chain (PEM); with --tls-key serves https."),
         [](AppConfig &c, const QString &v, QString *) {
             c.tlsCert = v.trimmed();
             return true;
         }},
        {"tls-key", "WFX_TLS_KEY", "tls-key", "FILE", "", false,
         QT_TRANSLATE_NOOP("wfx::Config", "TLS private key (PEM)."),
         [](AppConfig &c, const QString &v, QString *) {
             c.tlsKey = v.trimmed();
             return true;
         }},
        {"tls-self-signed", "WFX_TLS_SELF_SIGNED", "tls-self-signed", nullptr, "false", false,
         QT_TRANSLATE_NOOP(
             "wfx::Config",
             "Serve https with a self-signed certificate kept in the data folder (tls/)."),
         [](AppConfig &c, const QString &v, QString *e) {
             return parseBool(v, &c.tlsSelfSigned, e);
         }},
        {"http-redirect-port", "WFX_HTTP_REDIRECT_PORT", "http-redirect-port", "N", "0", false,
         "With TLS: also listen for plain HTTP on this port (same address) and redirect every "
         "request "
         "to https with 308; 0: off.",
         [](AppConfig &c, const QString &v, QString *e) {
             return intInto(c.httpRedirectPort, v, 0, 65535, e);
         }},
        {"log-format", "WFX_LOG_FORMAT", "log-format", "plain|json", "plain", false,
         QT_TRANSLATE_NOOP("wfx::Config", "Log lines as plain text or one JSON object per line."),
         [](AppConfig &c, const QString &v, QString *e) {
             const QString f = v.trimmed().toLower();
             if (f != QLatin1String("plain") && f != QLatin1String("json")) {
                 *e = translated(QT_TRANSLATE_NOOP("wfx::Config", "must be plain or json"));
                 return false;
             }
             c.logFormat = f;
             return true;
         }},
        {"metrics-allow", "WFX_METRICS_ALLOW", "metrics-allow", "SUBNETS", "", false,
         QT_TRANSLATE_NOOP(
             "wfx::Config",
             "Subnets besides loopback that may read /metrics (comma separated, e.g. 10.0.0.0/8)."),
         [](AppConfig &c, const QString &v, QString *e) {
             return subnetsInto(c.metricsAllow, v, e);
         }},
        {"trusted-proxies", "WFX_TRUSTED_PROXIES", "trusted-proxies", "SUBNETS", "", false,
         QT_TRANSLATE_NOOP("wfx::Config", "Load balancers or reverse proxies in front of the "
                                          "server (comma separated subnets). Only from "
                                          "these peers is the client address taken from Forwarded "
                                          "/ X-Forwarded-For (the rightmost "
                                          "address that is not itself a trusted proxy); rate "
                                          "limits, lockouts, the access log and audit "
                                          "entries use it."),
         [](AppConfig &c, const QString &v, QString *e) {
             return subnetsInto(c.trustedProxies, v, e);
         }},
        {"lang", "WFX_LANG", "lang", "LANG", "", false,
         QT_TRANSLATE_NOOP(
             "wfx::Config",
             "Language of the console window (en, de, ...); empty: the system language."),
         [](AppConfig &c, const QString &v, QString *e) {
             const QString lang = v.trimmed().toLower();
             if (!lang.isEmpty() && !Config::languages().contains(lang)) {
                 *e = translated(
                          QT_TRANSLATE_NOOP("wfx::Config",
                                            "must be one of %1, or empty for the system language"))
                          .arg(Config::languages().join(QStringLiteral(", ")));
                 return false;
             }
             c.language = lang;
             return true;
         }},
    };
    return keys;
}

bool AppConfig::toServerConfig(ServerConfig *out, QString *error) const
{
    if (!out->listen.setAddress(listen)) {
        *error = QStringLiteral("listen: %1 is not an IP address").arg(listen);
        return false;
    }
    if (httpRedirectPort != 0) {
        if (!tlsSelfSigned && tlsCert.isEmpty() && tlsKey.isEmpty()) {
            *error =
                u"http-redirect-port redirects to https: it needs --tls-cert and --tls-key, or --tls-self-signed"_s;
            return false;
        }
        if (httpRedirectPort == port) {
            *error = QStringLiteral("http-redirect-port %1 is also the main port; choose another")
                         .arg(port);
            return false;
        }
    }
    out->httpRedirectPort = httpRedirectPort != 0 ? int(httpRedirectPort) : -1;
    out->port = port;
    out->dataDir = dataDir;
    out->publicHostNames = publicHosts;
    out->threads = threads;
    out->maxJsonBody = maxBody;
    out->partSize = partSize;
    out->shareReadLimit = shareReadLimit;
    out->sharePasswordAttempts = sharePasswordAttempts;
    out->runMaxPoints = runMaxPoints;
    out->runMaxLogBytes = runMaxLogBytes;
    out->webhookSecret = webhookSecret;
    out->sendmailCommand = sendmail;
    out->stripeSecretKey = stripeSecretKey;
    out->stripeBaseUrl = stripeBaseUrl;
    out->stripePrices.clear();
    for (const QString &pair : list(stripePrices)) {
        const qsizetype eq = pair.indexOf(QLatin1Char('='));
        out->stripePrices.insert(pair.left(eq).trimmed(), pair.mid(eq + 1).trimmed());
    }
    out->e2eFixtures = e2eFixtures;
    out->staging = staging;
    out->metricsAllow = subnets(metricsAllow);
    out->trustedProxies = subnets(trustedProxies);
    return true;
}

QString Config::defaultFilePath()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation))
        .filePath(QStringLiteral("worldflux-console.ini"));
}

void Config::addOptions(QCommandLineParser &cli)
{
    for (const ConfigKey &k : configKeys()) {
        QString help = QString::fromLatin1(k.help);
        if (k.env)
            help += QStringLiteral(" [%1]").arg(QString::fromLatin1(k.env));
        if (k.valueName) {
            if (*k.defaultValue)
                help += QStringLiteral(" (default %1)").arg(QString::fromLatin1(k.defaultValue));
            cli.addOption(QCommandLineOption(QString::fromLatin1(k.flag), help,
                                             QString::fromLatin1(k.valueName)));
        } else {
            cli.addOption(QCommandLineOption(QString::fromLatin1(k.flag), help));
        }
    }
    cli.addOption(QCommandLineOption(
        u"config"_s,
        QStringLiteral("Settings file (INI, keys as the flag names; default %1).")
            .arg(defaultFilePath()),
        u"FILE"_s));
    cli.addOption(QCommandLineOption(
        u"print-config"_s, u"Print the effective settings and where each came from, then exit."_s));
}

ConfigSources Config::sourcesFrom(const QCommandLineParser &cli, const QProcessEnvironment &env)
{
    ConfigSources src;
    src.env = env;
    for (const ConfigKey &k : configKeys()) {
        const QString flag = QString::fromLatin1(k.flag);
        if (cli.isSet(flag))
            src.flags.insert(flag, k.valueName ? cli.value(flag) : u"true"_s);
    }
    if (cli.isSet(u"config"_s)) {
        src.file = cli.value(u"config"_s);
        src.fileRequired = true;
    } else {
        src.file = defaultFilePath();
    }
    return src;
}

ResolvedConfig Config::resolve(const ConfigSources &sources)
{
    ResolvedConfig out;
    std::unique_ptr<QSettings> file;
    if (!sources.file.isEmpty()) {
        if (QFileInfo(sources.file).isFile()) {
            file = std::make_unique<QSettings>(sources.file, QSettings::IniFormat);
            if (file->status() != QSettings::NoError) {
                out.error = QStringLiteral("cannot read the settings file %1").arg(sources.file);
                return out;
            }
        } else if (sources.fileRequired) {
            out.error = QStringLiteral("the settings file %1 does not exist").arg(sources.file);
            return out;
        }
    }
    QStringList errors;
    for (const ConfigKey &k : configKeys()) {
        const QString key = QString::fromLatin1(k.key);
        QString value = QString::fromLatin1(k.defaultValue);
        QString origin = u"default"_s;
        if (k.env && sources.env.contains(QString::fromLatin1(k.env))) {
            value = sources.env.value(QString::fromLatin1(k.env));
            origin = QStringLiteral("env %1").arg(QString::fromLatin1(k.env));
        }
        if (file && file->contains(key)) {
            const QVariant v = file->value(key);
            value = v.userType() == QMetaType::QStringList ? v.toStringList().join(QLatin1Char(','))
                                                           : v.toString();
            origin = QStringLiteral("file %1").arg(sources.file);
        }
        if (sources.flags.contains(QString::fromLatin1(k.flag))) {
            value = sources.flags.value(QString::fromLatin1(k.flag));
            origin = QStringLiteral("flag --%1").arg(QString::fromLatin1(k.flag));
        }
        out.raw.insert(key, value);
        out.origin.insert(key, origin);
        QString why;
        if (!k.apply(out.values, value, &why))
            errors << QStringLiteral("%1 (from %2) %3").arg(key, origin, why);
    }
    if (file) {
        for (const QString &key : file->allKeys()) {
            if (!out.raw.contains(key))
                errors << QStringLiteral("%1 in %2 is not a setting").arg(key, sources.file);
        }
    }
    out.error = errors.join(QStringLiteral("; "));
    return out;
}

QStringList Config::languages()
{
    // WFX_LANGUAGES: the translations the build embeds (CMake's WFX_LANGUAGES).
    return QStringList{QStringLiteral("en")} +
           QString::fromLatin1(WFX_LANGUAGES).split(QLatin1Char(','), Qt::SkipEmptyParts);
}

QString Config::mask(const QString &secret)
{
    if (secret.isEmpty())
        return u"(unset)"_s;
    // A vendor prefix (whsec_, sk_live_) says which kind of secret it is without revealing it.
    static const QRegularExpression prefix(QStringLiteral("^([a-z]{2,6}_(?:live_|test_)?)"));
    const auto m = prefix.match(secret);
    if (m.hasMatch() && secret.size() >= m.capturedLength(1) + 8)
        return m.captured(1) + QChar(0x2026) + u"(set)"_s;
    return u"(set)"_s;
}

QString ResolvedConfig::describe() const
{
    QString out;
    for (const ConfigKey &k : configKeys()) {
        const QString key = QString::fromLatin1(k.key);
        const QString value = k.secret ? Config::mask(raw.value(key)) : raw.value(key);
        out += QStringLiteral("%1 = %2  (%3)\n").arg(key, value, origin.value(key));
    }
    return out;
}

} // namespace wfx
