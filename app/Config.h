// SPDX-License-Identifier: Apache-2.0
// The instance settings: one table of keys (INI key, environment variable,
// command-line flag, default, secret?) resolved with the precedence
// flags > config file > environment > defaults. The config file is
// <AppConfigLocation>/worldflux-console.ini, or --config FILE.
#pragma once

#include "server/core/ServerConfig.h"

#include <QHash>
#include <QList>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

class QCommandLineParser;
class QCommandLineOption;

namespace wfx {

// The typed values of every setting.
struct AppConfig
{
    QString listen;
    quint16 port = 0;
    QString dataDir; // empty: the platform data folder
    QString database;
    QStringList publicHosts;
    int threads = 0;
    qint64 maxBody = 0;
    qint64 partSize = 0;
    int shareReadLimit = 0;
    int sharePasswordAttempts = 0;
    qint64 runMaxPoints = 0;
    qint64 runMaxLogBytes = 0;
    QByteArray webhookSecret;
    QString sendmail;
    QByteArray stripeSecretKey;
    QString stripeBaseUrl;
    QString stripePrices; // plan=price,plan=price
    bool e2eFixtures = false;
    bool staging = false;
    QString tlsCert;
    QString tlsKey;
    bool tlsSelfSigned = false;
    quint16 httpRedirectPort = 0; // 0: off
    QString logFormat;            // plain or json
    QStringList metricsAllow;     // subnets besides loopback that may read /metrics
    QStringList trustedProxies;   // peers whose forwarding headers name the client
    QString language;             // the console window's language; empty: the system's

    // The server part (dataDir must already be absolute); false with a
    // message when the listen address does not parse or the settings do not
    // go together (an HTTP redirect port without TLS or on the main port).
    bool toServerConfig(ServerConfig *out, QString *error) const;
};

struct ConfigKey
{
    const char *key;       // INI key and the name --print-config shows
    const char *env;       // environment variable, or nullptr
    const char *flag;      // long command-line option (no dashes)
    const char *valueName; // for --help; nullptr: a switch (true when given)
    const char *defaultValue;
    bool secret;
    const char *help;
    // Parses `value` into the struct; false with a reason when it is not valid.
    bool (*apply)(AppConfig &config, const QString &value, QString *error);
};

// The one table of settings.
const QList<ConfigKey> &configKeys();

struct ConfigSources
{
    QHash<QString, QString> flags; // flag name -> value ("1" for switches)
    QString file;                  // INI file; empty or missing: none
    bool fileRequired = false;     // given with --config: must exist
    QProcessEnvironment env;
};

struct ResolvedConfig
{
    AppConfig values;
    QHash<QString, QString> raw;    // key -> effective text
    QHash<QString, QString> origin; // key -> "flag --x", "file PATH", "env VAR", "default"
    QString error;                  // empty when every value parsed

    bool ok() const { return error.isEmpty(); }
    // "key = value  (origin)" lines, secrets masked.
    QString describe() const;
};

class Config
{
public:
    static QString defaultFilePath();
    // Adds an option per table entry plus --config and --print-config.
    static void addOptions(QCommandLineParser &cli);
    // Reads the flags that were given on the command line, the file and the environment.
    static ConfigSources sourcesFrom(const QCommandLineParser &cli, const QProcessEnvironment &env);
    static ResolvedConfig resolve(const ConfigSources &sources);
    // The languages the console ships ("en" first); --lang takes one of them.
    static QStringList languages();
    // "(unset)", or "(set)" after a short recognisable prefix such as whsec_.
    static QString mask(const QString &secret);
};

} // namespace wfx
