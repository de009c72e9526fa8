// SPDX-License-Identifier: Apache-2.0
// worldflux-console: the desktop console with its built-in server, or with
// --headless the same server without a window.
#include "ConsoleServerControl.h"
#include "MainWindow.h"
#include "SignalWatcher.h"

#include "backup/BackupService.h"
#include "core/ApiServer.h"
#include "core/Services.h"
#include "core/Clock.h"
#include "core/Cursor.h"
#include "db/Database.h"
#include "crypto/Crypto.h"
#include "events/ChangeBus.h"
#include "secrets/SecretStore.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QTextStream>

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
    const bool headless = hasArg(argc, argv, "--headless") || hasArg(argc, argv, "--help")
                          || hasArg(argc, argv, "-h") || hasArg(argc, argv, "--version")
                          || hasArg(argc, argv, "-v") || hasArg(argc, argv, "--backup")
                          || hasArg(argc, argv, "--restore");
    std::unique_ptr<QCoreApplication> app(headless ? new QCoreApplication(argc, argv)
                                                   : new QApplication(argc, argv));
    QCoreApplication::setApplicationName(QStringLiteral("worldflux-console"));
    QCoreApplication::setOrganizationName(QStringLiteral("WorldFlux"));
    QCoreApplication::setApplicationVersion(QStringLiteral(WFX_VERSION));

    QCommandLineParser cli;
    cli.setApplicationDescription(QStringLiteral(
        "WorldFlux Console: a self-hosted WorldFlux Cloud control plane (Cloud API, dashboard BFF,\n"
        "public share reads) with a desktop admin console. Prints \"listening on http://ADDR:PORT\"\n"
        "once it accepts connections.\n\n"
        "Environment: WFX_BILLING_WEBHOOK_SECRET, WORLDFLUX_WEB_E2E_FIXTURES=1, WFX_STAGING=1,\n"
        "WFX_SHARE_READ_LIMIT, WFX_SHARE_PASSWORD_ATTEMPTS. Flags win over the environment."));
    cli.addHelpOption();
    cli.addVersionOption();
    QCommandLineOption headlessOpt(QStringLiteral("headless"), QStringLiteral("Run the server without a window."));
    QCommandLineOption dataDirOpt(QStringLiteral("data-dir"),
                                  QStringLiteral("Data folder (store, artifacts, secrets fallback)."),
                                  QStringLiteral("DIR"));
    QCommandLineOption portOpt(QStringLiteral("port"), QStringLiteral("TCP port; 0 picks a free one (default 8787)."),
                               QStringLiteral("N"), QStringLiteral("8787"));
    QCommandLineOption listenOpt(QStringLiteral("listen"), QStringLiteral("Listen address (default 127.0.0.1)."),
                                 QStringLiteral("ADDR"), QStringLiteral("127.0.0.1"));
    QCommandLineOption dbOpt(QStringLiteral("database"),
                             QStringLiteral("sqlite: (default, store.db in the data folder), sqlite:/path.db, or\n"
                                            "postgresql://user:pass@host:port/db"),
                             QStringLiteral("URL"), QStringLiteral("sqlite:"));
    QCommandLineOption backupOpt(QStringLiteral("backup"),
                                 QStringLiteral("Write a consistent backup of the SQLite store and the artifact blobs\n"
                                                "to FILE (a tar with SHA-256 manifest), even while a server runs\n"
                                                "on the same data folder, then exit. PostgreSQL: use pg_dump."),
                                 QStringLiteral("FILE"));
    QCommandLineOption restoreOpt(QStringLiteral("restore"),
                                  QStringLiteral("Restore a --backup archive into --data-dir, which must be empty,\n"
                                                 "verifying every checksum, then exit."),
                                  QStringLiteral("FILE"));
    cli.addOptions({headlessOpt, dataDirOpt, portOpt, listenOpt, dbOpt, backupOpt, restoreOpt});
    cli.process(*app);

    if (cli.isSet(backupOpt) && cli.isSet(restoreOpt))
        return fail(QStringLiteral("--backup and --restore do not go together"));
    if (cli.isSet(restoreOpt)) {
        // The restored store is store.db in the data folder: no other store applies.
        if (!cli.isSet(dataDirOpt))
            return fail(QStringLiteral("--restore needs --data-dir (an empty folder)"));
        if (cli.value(dbOpt) != QLatin1String("sqlite:"))
            return fail(QStringLiteral("--restore makes store.db in --data-dir; --database does not apply "
                                       "(PostgreSQL: pg_restore, see README)"));
        auto restored = wfx::BackupService::restore(cli.value(restoreOpt), cli.value(dataDirOpt));
        if (!restored)
            return fail(restored.error().message);
        std::printf("%s", QJsonDocument(restored->toJson()).toJson(QJsonDocument::Compact).append('\n').constData());
        return 0;
    }

    QString dataDir = cli.value(dataDirOpt);
    if (dataDir.isEmpty())
        dataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (!QDir().mkpath(dataDir))
        return fail(QStringLiteral("cannot create the data folder %1").arg(dataDir));
    bool portOk = false;
    const uint port = cli.value(portOpt).toUInt(&portOk);
    if (!portOk || port > 65535)
        return fail(QStringLiteral("--port must be 0-65535"));
    wfx::ServerConfig config;
    config.dataDir = QDir(dataDir).absolutePath();
    config.port = quint16(port);
    if (!config.listen.setAddress(cli.value(listenOpt)))
        return fail(QStringLiteral("--listen is not an IP address"));

    auto opened = wfx::Database::open(cli.value(dbOpt), config.dataDir);
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
        std::printf("%s", QJsonDocument(written->toJson()).toJson(QJsonDocument::Compact).append('\n').constData());
        return 0;
    }
    if (auto m = db->migrate(); !m)
        return fail(m.error().message);

    if (!wfx::cursor::loadKeyFromStore(*db))
        return fail(QStringLiteral("cannot read the instance settings from the store"));

    // Settings from the environment (flags of the same setting win).
    auto envInt = [](const char *name, int fallback) {
        bool ok = false;
        const int v = qEnvironmentVariableIntValue(name, &ok);
        return ok && v > 0 ? v : fallback;
    };
    config.webhookSecret = qgetenv("WFX_BILLING_WEBHOOK_SECRET");
    config.stripeSecretKey = qgetenv("WFX_STRIPE_SECRET_KEY");
    if (qEnvironmentVariableIsSet("WFX_STRIPE_BASE_URL"))
        config.stripeBaseUrl = qEnvironmentVariable("WFX_STRIPE_BASE_URL");
    for (const QString &pair : qEnvironmentVariable("WFX_STRIPE_PRICES").split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const qsizetype eq = pair.indexOf(QLatin1Char('='));
        if (eq > 0)
            config.stripePrices.insert(pair.left(eq).trimmed(), pair.mid(eq + 1).trimmed());
    }
    config.e2eFixtures = qEnvironmentVariable("WORLDFLUX_WEB_E2E_FIXTURES") == QLatin1String("1");
    config.staging = qEnvironmentVariable("WFX_STAGING") == QLatin1String("1");
    config.shareReadLimit = envInt("WFX_SHARE_READ_LIMIT", config.shareReadLimit);
    config.sharePasswordAttempts = envInt("WFX_SHARE_PASSWORD_ATTEMPTS", config.sharePasswordAttempts);
    config.sendmailCommand = qEnvironmentVariable("WFX_SENDMAIL");

    // The instance's own keys live in the OS keychain, or a 0600 file in the data folder.
    wfx::SecretStore secrets(QStringLiteral("worldflux-console"), config.dataDir);
    config.signingKey = secrets.getOrCreate(wfx::SecretStore::kAuditSigningKey, [] { return wfx::crypto::randomBytes(32); });
    if (config.signingKey.size() != 32)
        return fail(QStringLiteral("cannot read or create the instance signing key: %1").arg(secrets.lastError()));

    wfx::SystemClock clock;
    wfx::ChangeBus bus;
    bus.listen(db);
    wfx::ModelContext ctx{db, &clock, &bus};
    wfx::ApiServer server(ctx, config);
    if (server.start() == 0)
        return fail(QStringLiteral("cannot listen on %1:%2").arg(config.listen.toString()).arg(config.port));
    // A fresh instance: the first account may also sign up from elsewhere with this token.
    if (auto token = server.services().accounts.ensureSetupToken(); token && !token->isEmpty())
        QTextStream(stderr) << "No account yet. Sign up on loopback, or with setup token " << *token << Qt::endl;
    std::printf("listening on %s\n", qPrintable(server.baseUrl()));
    std::fflush(stdout);

    SignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &SignalWatcher::terminationRequested, app.get(), [&] { app->quit(); });

    // The console acts as the instance administrator: the system actor sees every workspace.
    std::unique_ptr<wfx::ConsoleServerControl> control;
    std::unique_ptr<wfx::ui::MainWindow> window;
    if (!headless) {
        control = std::make_unique<wfx::ConsoleServerControl>(server, db);
        window = std::make_unique<wfx::ui::MainWindow>(ctx, wfx::Actor::system(), control.get());
        window->show();
    }
    const int rc = app->exec();
    window.reset();
    control.reset();
    server.stop();
    return rc;
}
