// SPDX-License-Identifier: Apache-2.0
// worldflux-console: the desktop console with its built-in server, or with
// --headless the same server without a window.
#include "Config.h"
#include "ConfigSettingsBackend.h"
#include "ConsoleServerControl.h"
#include "JsonLog.h"
#include "SignalWatcher.h"
#include "ui/MainWindow.h"
#include "ui/common/Translations.h"

#include "models/backup/BackupService.h"
#include "models/core/Clock.h"
#include "models/core/Cursor.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/events/ChangeBus.h"
#include "models/secrets/SecretStore.h"
#include "server/core/ApiServer.h"
#include "server/core/Services.h"
#include "server/core/TlsFiles.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QJsonDocument>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QTextStream>
#include <QThreadPool>

#include <cstdio>
#include <memory>

namespace {

bool hasArg(int argc, char **argv, const char *flag)
{
    for (int i = 1; i < argc; ++i)
        if (qstrcmp(argv[i], flag) == 0)
            return true;
    return false;
}

int fail(const QString &msg)
{
    QTextStream(stderr) << "worldflux-console: " << msg << Qt::endl;
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    const bool headless = hasArg(argc, argv, "--headless") || hasArg(argc, argv, "--help") ||
                          hasArg(argc, argv, "-h") || hasArg(argc, argv, "--version") ||
                          hasArg(argc, argv, "-v") || hasArg(argc, argv, "--backup") ||
                          hasArg(argc, argv, "--restore") || hasArg(argc, argv, "--print-config");
    std::unique_ptr<QCoreApplication> app(headless ? new QCoreApplication(argc, argv)
                                                   : new QApplication(argc, argv));
    QCoreApplication::setApplicationName(QStringLiteral("worldflux-console"));
    QCoreApplication::setOrganizationName(QStringLiteral("WorldFlux"));
    QCoreApplication::setApplicationVersion(QStringLiteral(WFX_VERSION));

    QCommandLineParser cli;
    cli.setApplicationDescription(
        QStringLiteral(
            "WorldFlux Console: a self-hosted WorldFlux Cloud control plane (Cloud API, dashboard "
            "BFF,\n"
            "public share reads) with a desktop admin console. Prints \"listening on "
            "http(s)://ADDR:PORT\"\n"
            "once it accepts connections.\n\n"
            "Every setting comes from, in this order of precedence: its flag, the settings file\n"
            "(%1, or --config FILE; INI keys named as the flags),\n"
            "its environment variable (in brackets), its default. --print-config shows the "
            "result.\n"
            "GET /metrics (Prometheus) answers loopback clients and the --metrics-allow subnets "
            "only.")
            .arg(wfx::Config::defaultFilePath()));
    cli.addHelpOption();
    cli.addVersionOption();
    QCommandLineOption headlessOpt(QStringLiteral("headless"),
                                   QStringLiteral("Run the server without a window."));
    cli.addOption(headlessOpt);
    QCommandLineOption backupOpt(
        QStringLiteral("backup"),
        QStringLiteral("Write a consistent backup of the SQLite store and the artifact blobs "
                       "to FILE (a tar with SHA-256 manifest), even while a server runs "
                       "on the same data folder, then exit. PostgreSQL: use pg_dump."),
        QStringLiteral("FILE"));
    QCommandLineOption restoreOpt(
        QStringLiteral("restore"),
        QStringLiteral("Restore a --backup archive into --data-dir, which must be empty, "
                       "verifying every checksum, then exit."),
        QStringLiteral("FILE"));
    cli.addOptions({backupOpt, restoreOpt});
    wfx::Config::addOptions(cli);
    cli.process(*app);

    const wfx::ConfigSources sources =
        wfx::Config::sourcesFrom(cli, QProcessEnvironment::systemEnvironment());
    wfx::ResolvedConfig settings = wfx::Config::resolve(sources);
    if (!settings.ok())
        return fail(settings.error);
    if (cli.isSet(QStringLiteral("print-config"))) {
        QTextStream(stdout) << settings.describe();
        return 0;
    }
    const wfx::AppConfig &values = settings.values;
    if (values.logFormat == QLatin1String("json"))
        wfx::JsonLog::install();

    if (cli.isSet(backupOpt) && cli.isSet(restoreOpt))
        return fail(QStringLiteral("--backup and --restore do not go together"));
    if (cli.isSet(restoreOpt)) {
        // The restored store is store.db in the data folder: no other store applies.
        if (values.dataDir.isEmpty())
            return fail(QStringLiteral("--restore needs --data-dir (an empty folder)"));
        if (values.database != QLatin1String("sqlite:"))
            return fail(
                QStringLiteral("--restore makes store.db in --data-dir; --database does not apply "
                               "(PostgreSQL: pg_restore, see README)"));
        auto restored = wfx::BackupService::restore(cli.value(restoreOpt), values.dataDir);
        if (!restored)
            return fail(restored.error().message);
        std::printf("%s", QJsonDocument(restored->toJson())
                              .toJson(QJsonDocument::Compact)
                              .append('\n')
                              .constData());
        return 0;
    }

    QString dataDir = values.dataDir;
    if (dataDir.isEmpty())
        dataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (!QDir().mkpath(dataDir))
        return fail(QStringLiteral("cannot create the data folder %1").arg(dataDir));
    wfx::ServerConfig config;
    QString error;
    if (!values.toServerConfig(&config, &error))
        return fail(error);
    config.dataDir = QDir(dataDir).absolutePath();

    if (values.tlsSelfSigned) {
        if (!values.tlsCert.isEmpty() || !values.tlsKey.isEmpty())
            return fail(
                QStringLiteral("--tls-self-signed and --tls-cert/--tls-key exclude each other"));
        if (!wfx::TlsFiles::ensureSelfSigned(config.dataDir, &config.tlsCertFile,
                                             &config.tlsKeyFile, &error))
            return fail(error);
        config.tls = true;
    } else if (!values.tlsCert.isEmpty() || !values.tlsKey.isEmpty()) {
        if (values.tlsCert.isEmpty() || values.tlsKey.isEmpty())
            return fail(QStringLiteral("--tls-cert and --tls-key go together"));
        config.tlsCertFile = values.tlsCert;
        config.tlsKeyFile = values.tlsKey;
        config.tls = true;
    }

    auto opened = wfx::Database::open(values.database, config.dataDir);
    if (!opened)
        return fail(opened.error().message);
    std::shared_ptr<wfx::Database> db = *opened;
    if (cli.isSet(backupOpt)) {
        // No migration and no server: the store is copied as it is, in use or not.
        wfx::SystemClock clock;
        wfx::BackupService backup(wfx::ModelContext{db, &clock, nullptr}, config.dataDir);
        auto written = backup.backup(cli.value(backupOpt));
        if (!written)
            return fail(written.error().message);
        std::printf("%s", QJsonDocument(written->toJson())
                              .toJson(QJsonDocument::Compact)
                              .append('\n')
                              .constData());
        return 0;
    }
    if (auto m = db->migrate(); !m)
        return fail(m.error().message);

    if (!wfx::cursor::loadKeyFromStore(*db))
        return fail(QStringLiteral("cannot read the instance settings from the store"));

    // The instance's own keys live in the OS keychain, or a 0600 file in the data folder.
    wfx::SecretStore secrets(QStringLiteral("worldflux-console"), config.dataDir);
    config.signingKey = secrets.getOrCreate(wfx::SecretStore::kAuditSigningKey,
                                            [] { return wfx::crypto::randomBytes(32); });
    if (config.signingKey.size() != 32)
        return fail(QStringLiteral("cannot read or create the instance signing key: %1")
                        .arg(secrets.lastError()));
    // Secrets saved from the Settings panel: used when no flag, file or environment variable gives
    // them.
    for (const QString &key : wfx::ConfigSettingsBackend::applySecretStore(settings, secrets))
        QTextStream(stderr) << key << " from the " << secrets.backend() << " (secret store)"
                            << Qt::endl;
    config.webhookSecret = values.webhookSecret;
    config.stripeSecretKey = values.stripeSecretKey;

    wfx::SystemClock clock;
    wfx::ChangeBus bus;
    bus.listen(db);
    wfx::ModelContext ctx{db, &clock, &bus};
    wfx::ApiServer server(ctx, config);
    if (server.start() == 0)
        return fail(server.lastError());
    if (config.tls)
        QTextStream(stderr) << "TLS certificate " << config.tlsCertFile << ", SHA-256 fingerprint "
                            << wfx::TlsFiles::fingerprint(server.tlsConfiguration()) << Qt::endl;
    if (server.redirectPort() != 0)
        QTextStream(stderr) << "redirecting plain HTTP on port " << server.redirectPort()
                            << " to https" << Qt::endl;
    // A fresh instance: the first account may also sign up from elsewhere with this token.
    if (auto token = server.services().accounts.ensureSetupToken(); token && !token->isEmpty())
        QTextStream(stderr) << "No account yet. Sign up on loopback, or with setup token " << *token
                            << Qt::endl;
    std::printf("listening on %s\n", qPrintable(server.baseUrl()));
    std::fflush(stdout);

    SignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &SignalWatcher::terminationRequested, app.get(),
                     [&] { app->quit(); });

    // The console acts as the instance administrator: the system actor sees every workspace.
    std::unique_ptr<wfx::ConsoleServerControl> control;
    std::unique_ptr<wfx::ConfigSettingsBackend> settingsBackend;
    std::unique_ptr<wfx::ui::MainWindow> window;
    if (!headless) {
        // Before the window is built: its panels translate their texts as they are made.
        const QString language =
            wfx::ui::Translations::choose(values.language, wfx::Config::languages());
        if (!wfx::ui::Translations::install(language, &error))
            return fail(error);
        control = std::make_unique<wfx::ConsoleServerControl>(server, db);
        control->setRunFiles(config.dataDir, config.signingKey);
        settingsBackend = std::make_unique<wfx::ConfigSettingsBackend>(sources, settings, &secrets);
        window = std::make_unique<wfx::ui::MainWindow>(ctx, wfx::Actor::system(), control.get(),
                                                       settingsBackend.get());
        window->show();
        window->checkFirstRun();
    }
    const int rc = app->exec();
    window.reset();
    // A panel's background job may outlive its panel; it holds the clock and
    // bus above by pointer, so it ends before they do.
    QThreadPool::globalInstance()->waitForDone();
    control.reset();
    server.stop();
    return rc;
}
