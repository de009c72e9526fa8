// SPDX-License-Identifier: Apache-2.0
// Renders the console's panels to PNGs in one language (default English): the
// real server on port 0 over a fresh SQLite store with sample runs, some traffic
// for the request-rate chart, then QWidget::grab() of each panel. For
// docs/screenshots/, and as a ctest per shipped language (console_screenshots_<lang>,
// PNGs in build/console-screenshots/<lang>/); fails when a language does not
// load or a PNG cannot be written.
//   QT_QPA_PLATFORM=offscreen build/tests/console_screenshots docs/screenshots [en|de|ja]
#include "app/ConfigSettingsBackend.h"
#include "app/ConsoleServerControl.h"
#include "models/accounts/AccountService.h"
#include "models/accounts/MailOutbox.h"
#include "models/artifacts/ArtifactService.h"
#include "models/artifacts/BlobStore.h"
#include "models/secrets/SecretStore.h"
#include "server/core/JsonReader.h"
#include "ui/MainWindow.h"
#include "ui/apikeys/ApiKeysModel.h"
#include "ui/apikeys/ApiKeysPanel.h"
#include "ui/audit/AuditPanel.h"
#include "ui/common/Translations.h"
#include "ui/firstrun/FirstRunWizard.h"
#include "ui/mail/MailModel.h"
#include "ui/mail/MailPanel.h"
#include "ui/runs/RunCompareDialog.h"
#include "ui/runs/RunDetailsDialog.h"
#include "ui/runs/RunFilesTab.h"
#include "ui/runs/RunsModel.h"
#include "ui/runs/RunsPanel.h"
#include "ui/settings/SettingsPanel.h"
#include "ui/shares/ShareInspector.h"
#include "ui/shares/SharesModel.h"
#include "ui/shares/SharesPanel.h"

#include "models/accounts/ApiKeyService.h"
#include "models/billing/BillingService.h"
#include "models/billing/OfflineBillingProvider.h"
#include "models/core/Clock.h"
#include "models/core/Cursor.h"
#include "models/core/Ids.h"
#include "models/crypto/Crypto.h"
#include "models/crypto/Jcs.h"
#include "models/db/Database.h"
#include "models/db/Tx.h"
#include "models/dsar/DsarService.h"
#include "models/events/ChangeBus.h"
#include "models/runs/RunService.h"
#include "models/shares/PublicShareResolver.h"
#include "models/shares/ShareService.h"
#include "models/usage/UsageService.h"
#include "models/workspaces/WorkspaceService.h"
#include "server/core/ApiServer.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPlainTextEdit>
#include <QRandomGenerator>
#include <QSettings>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeView>

#include <cmath>

using namespace Qt::StringLiterals;

using namespace wfx;

namespace {

QString createUser(Database &db, qint64 now, const QString &email = u"admin@lab.example"_s,
                   bool admin = true)
{
    const QString id = ids::newUuid();
    Query q(db.connection(), u"INSERT INTO users (id, email, password_hash, is_admin, created_at, "
                             "password_changed_at) VALUES (:id, :e, 'x', :a, :t, :t)"_s);
    q.bind(u":id"_s, id).bind(u":e"_s, email).bind(u":a"_s, admin ? 1 : 0).bind(u":t"_s, now);
    if (!q.exec())
        qFatal("cannot create the sample user");
    return id;
}

QJsonObject runBody(const QString &project, int i, QRandomGenerator &rng)
{
    static const char *algos[] = {"dreamer-v3", "muzero", "ppo", "sac", "td-mpc2"};
    static const char *envs[] = {"atari-pong", "dm-control-walker", "minigrid-doorkey",
                                 "procgen-coinrun"};
    static const char *statuses[] = {"completed", "completed", "completed", "running",
                                     "failed",    "cancelled", "queued"};
    const QString algo = QString::fromLatin1(algos[i % 5]);
    const QString env = QString::fromLatin1(envs[(i / 5) % 4]);
    const int seed = i % 7;
    QJsonArray metrics;
    const int steps = 40 + (i % 5) * 40;
    for (int step = 0; step < steps; ++step) {
        const double t = double(step) / steps;
        metrics.append(
            QJsonObject{{u"name"_s, u"loss"_s},
                        {u"step"_s, step * 1000},
                        {u"value"_s, 2.5 * std::exp(-3 * t) + 0.08 * rng.generateDouble()}});
        metrics.append(
            QJsonObject{{u"name"_s, u"episode_return"_s},
                        {u"step"_s, step * 1000},
                        {u"value"_s, 18 * (1 - std::exp(-4 * t)) + 1.5 * rng.generateDouble()}});
        metrics.append(QJsonObject{{u"name"_s, u"entropy"_s},
                                   {u"step"_s, step * 1000},
                                   {u"value"_s, 1.2 - 0.7 * t + 0.05 * rng.generateDouble()}});
    }
    const QJsonObject manifest{
        {u"algorithm"_s, algo},
        {u"environment"_s, env},
        {u"seed"_s, seed},
        {u"hyperparameters"_s,
         QJsonObject{{u"learning_rate"_s, 3e-4}, {u"batch_size"_s, 256}, {u"gamma"_s, 0.99}}},
        {u"git"_s, QJsonObject{{u"commit"_s, u"4f9c2e1"_s}, {u"dirty"_s, false}}}};
    QString log;
    for (int e = 1; e <= 30; ++e) {
        log += u"[epoch %1] loss=%2 return=%3\n"_s.arg(e)
                   .arg(2.5 * std::exp(-0.1 * e), 0, 'f', 4)
                   .arg(0.6 * e, 0, 'f', 2);
        if (e == 12)
            log += u"warning: replay buffer below 10% capacity\n"_s;
    }
    QJsonObject b{{u"project_id"_s, project},
                  {u"client_run_id"_s, u"run-%1"_s.arg(i)},
                  {u"name"_s, u"%1-%2-seed%3"_s.arg(algo, env).arg(seed)},
                  {u"status"_s, QString::fromLatin1(statuses[i % 7])},
                  {u"manifest"_s, manifest},
                  {u"metrics"_s, metrics},
                  {u"log"_s, log}};
    if (i % 3 != 2) { // two runs in three are signed; one signature in ten is wrong
        const auto key = crypto::ed25519Generate();
        QJsonObject signedManifest = manifest;
        if (i % 10 == 4)
            signedManifest.insert(u"seed"_s, seed + 1);
        const QByteArray sig =
            crypto::ed25519Sign(key.privateKey, jcs::canonicalize(signedManifest));
        b.insert(u"signature"_s,
                 QJsonObject{{u"alg"_s, u"ed25519"_s},
                             {u"public_key"_s, QString::fromLatin1(key.publicKey.toBase64())},
                             {u"sig"_s, QString::fromLatin1(sig.toBase64())}});
    }
    return b;
}

// The sample data must be made: stop at the first refusal.
template <typename T> T must(Result<T> r, const char *what)
{
    if (!r)
        qFatal("%s: %s", what, qPrintable(r.error().message));
    return r.value();
}

// Accepts every message, as a working sendmail would.
class AcceptingTransport : public MailTransport
{
public:
    Status send(const MailMessage &) override { return Ok{}; }
};

// A dark palette as a desktop in dark mode gives one.
QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x30), base(0x1e, 0x1f, 0x22), text(0xe6, 0xe6, 0xe6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2b));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x8d, 0x91));
    p.setColor(QPalette::Highlight, QColor(0x3d, 0x7a, 0xd6));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x7a, 0xb7, 0xff));
    p.setColor(QPalette::Light, QColor(0x45, 0x48, 0x4c));
    p.setColor(QPalette::Midlight, QColor(0x3a, 0x3d, 0x41));
    p.setColor(QPalette::Mid, QColor(0x25, 0x27, 0x2a));
    p.setColor(QPalette::Dark, QColor(0x18, 0x19, 0x1b));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x80, 0x80, 0x80));
    return p;
}

bool save(QWidget *w, const QString &path)
{
    const bool ok = w->grab().save(path);
    qInfo("%s %s", ok ? "wrote" : "FAILED", qPrintable(path));
    return ok;
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QCoreApplication::setApplicationVersion(QStringLiteral(WFX_VERSION));
    const QString outDir = argc > 1 ? QString::fromLocal8Bit(argv[1]) : u"."_s;
    const QString language = argc > 2 ? QString::fromLocal8Bit(argv[2]) : u"en"_s;
    QString error;
    if (!ui::Translations::install(language, &error))
        qFatal("%s", qPrintable(error));
    QDir().mkpath(outDir);
    QTemporaryDir data;

    auto opened = Database::open(u"sqlite:"_s + data.filePath(u"store.db"_s), data.path());
    if (!opened)
        qFatal("cannot open the store");
    std::shared_ptr<Database> db = *opened;
    if (!db->migrate() || !cursor::loadKeyFromStore(*db))
        qFatal("cannot prepare the store");
    SystemClock clock;
    ChangeBus bus;
    ModelContext ctx{db, &clock, &bus};

    const Actor admin = Actor::user(createUser(*db, clock.nowMs()));
    WorkspaceService ws(ctx);
    const QString lab = ws.create(admin, u"Robotics lab"_s)->id;
    const QString vision = ws.create(admin, u"Vision group"_s)->id;
    const QStringList projects{ws.createProject(admin, lab, u"world-models"_s)->id,
                               ws.createProject(admin, lab, u"sim2real"_s)->id,
                               ws.createProject(admin, vision, u"video-prediction"_s)->id};
    RunService runs(ctx);
    QRandomGenerator rng(42);
    for (int i = 0; i < 240; ++i)
        if (!runs.sync(admin, runBody(projects.at(i % 3), i, rng)))
            qFatal("sync failed");

    // People, invitations, requests, usage and billing events for the other panels.
    const QString bob = createUser(*db, clock.nowMs(), u"bob@lab.example"_s, false);
    const QString carol = createUser(*db, clock.nowMs(), u"carol@lab.example"_s, false);
    const QString dan = createUser(*db, clock.nowMs(), u"dan@vision.example"_s, false);
    if (auto inv = ws.invite(admin, lab, u"bob@lab.example"_s, u"member"_s))
        (void)ws.acceptInvitation(Actor::user(bob), inv->token);
    if (auto inv = ws.invite(admin, lab, u"carol@lab.example"_s, u"viewer"_s))
        (void)ws.acceptInvitation(Actor::user(carol), inv->token);
    (void)ws.invite(admin, lab, u"erin@partner.example"_s, u"member"_s);
    (void)ws.invite(admin, lab, u"frank@partner.example"_s, u"viewer"_s);
    (void)ws.create(Actor::user(dan), u"Dan's sandbox"_s);
    DsarService dsar(ctx);
    (void)dsar.exportData(Actor::user(bob));
    (void)dsar.requestDeletion(Actor::user(dan));
    (void)dsar.object(Actor::user(carol), u"marketing"_s, true);
    (void)dsar.setRestricted(Actor::user(carol), true);
    UsageService usage(ctx);
    if (auto r = usage.reserve(admin, lab, u"runs"_s, 160, u"sync-batch-1"_s))
        (void)usage.commit(admin, r->reservation.id);
    (void)usage.reserve(admin, lab, u"runs"_s, 80, u"sync-batch-2"_s);
    if (auto r = usage.reserve(admin, lab, u"artifact_bytes"_s, 6LL << 30, u"upload-ckpt-1"_s))
        (void)usage.commit(admin, r->reservation.id);
    (void)usage.reserve(admin, lab, u"artifact_bytes"_s, 900LL << 20, u"upload-ckpt-2"_s);
    if (auto r = usage.reserve(admin, lab, u"compute_seconds"_s, 86400, u"train-job-7"_s))
        (void)usage.commit(admin, r->reservation.id);
    {
        BillingService billing(ctx, std::make_shared<OfflineBillingProvider>());
        const QByteArray secret("whsec_sample");
        auto deliver = [&](const QJsonObject &ev) {
            const QByteArray raw = QJsonDocument(ev).toJson(QJsonDocument::Compact);
            (void)billing.handleWebhook(raw,
                                        BillingService::signHeader(raw, secret, clock.nowSecs()),
                                        secret, &JsonReader::read);
        };
        deliver({{u"id"_s, u"evt_1PxA9c"_s},
                 {u"type"_s, u"checkout.session.completed"_s},
                 {u"created"_s, double(clock.nowSecs())},
                 {u"data"_s,
                  QJsonObject{{u"object"_s, QJsonObject{{u"id"_s, u"cs_1"_s},
                                                        {u"client_reference_id"_s, vision},
                                                        {u"customer"_s, u"cus_9QhT"_s},
                                                        {u"metadata"_s,
                                                         QJsonObject{{u"plan"_s, u"pro"_s}}}}}}}});
        deliver({{u"id"_s, u"evt_1PxB2d"_s},
                 {u"type"_s, u"customer.created"_s},
                 {u"created"_s, double(clock.nowSecs())},
                 {u"data"_s, QJsonObject{{u"object"_s, QJsonObject{{u"id"_s, u"cus_9QhT"_s}}}}}});
    }

    // Shares in every state the list shows, consents, a locked link; API keys.
    QString lockedToken;
    {
        ShareService shares(ctx);
        const Page<Run> recent = must(runs.list(admin, RunFilter{}, 12, {}), "runs");
        auto at = [&](int i) { return recent.items.at(i).id; };
        auto later = [&](qint64 ms) { return ids::formatTime(clock.nowMs() + ms); };
        const QString first =
            must(shares.create(admin, ShareDraft{at(0), {}, later(14LL * 86400'000), {}}), "share")
                .share.id;
        lockedToken =
            must(shares.create(admin, ShareDraft{at(1), u"reviewers-only"_s, {}, {}}), "share")
                .token;
        must(shares.create(admin, ShareDraft{at(3), {}, {}, {}}), "share");
        const QString revoked =
            must(shares.create(admin, ShareDraft{at(5), {}, {}, {}}), "share").share.id;
        must(shares.revoke(admin, revoked), "revoke");
        must(shares.create(admin,
                           ShareDraft{at(6), u"paper-review-2024"_s, later(2LL * 86400'000), {}}),
             "share");
        must(shares.createConsent(admin, first, u"Dr. A. Rivera"_s, u"reliability study"_s),
             "consent");
        must(shares.createConsent(admin, first, u"Benchmark board"_s, u"leaderboard listing"_s),
             "consent");
        PublicShareResolver resolver(ctx);
        for (int i = 0; i < 5; ++i)
            must(resolver.resolve(lockedToken, u"203.0.113.7"_s, u"guess-%1"_s.arg(i)), "read");
        ApiKeyService keys(ctx);
        must(keys.issue(admin, u"training cluster"_s), "key");
        const IssuedApiKey ci = must(keys.issue(admin, u"CI pipeline"_s, lab), "key");
        must(keys.issue(admin, u"laptop"_s), "key");
        must(keys.authenticate(ci.secret), "auth");
        must(keys.flushLastUsed(), "flush");

        // Artifacts of the run whose details are shown.
        BlobStore blobs(data.path());
        ArtifactService artifacts(ctx, blobs);
        auto addArtifact = [&](const QString &name, const QByteArray &bytes, const QString &type,
                               bool finish) {
            const InitiatedUpload up = must(artifacts.initiate(admin, at(1), name, bytes.size(),
                                                               crypto::sha256Hex(bytes), type),
                                            "artifact");
            if (!finish)
                return;
            for (qint64 n = 1; n <= up.parts; ++n)
                must(artifacts.putPart(up.uploadToken, up.artifact.id, n,
                                       bytes.mid((n - 1) * up.partSize, up.partSize)),
                     "part");
            must(artifacts.commit(admin, up.artifact.id), "commit");
        };
        QByteArray checkpoint(3 * 1024 * 1024 + 4321, Qt::Uninitialized);
        for (qsizetype i = 0; i < checkpoint.size(); ++i)
            checkpoint[i] = char(rng.bounded(256));
        addArtifact(u"checkpoints/world-model-step-200k.pt"_s, checkpoint,
                    u"application/octet-stream"_s, true);
        addArtifact(u"eval/returns.csv"_s,
                    QByteArray("episode,return\n1,312.5\n2,341.0\n3,298.25\n"), u"text/csv"_s,
                    true);
        addArtifact(u"videos/rollout-0007.mp4"_s, QByteArray(180 * 1024, 'v'), u"video/mp4"_s,
                    true);
        addArtifact(u"replay-buffer.tar"_s, QByteArray(64 * 1024, 'r'), {}, false);
    }

    // Mail: password resets asked for while no mail command was set, and one sent.
    {
        AccountService noMail(ctx);
        (void)noMail.requestPasswordReset(u"carol@lab.example"_s, u"192.0.2.10"_s);
        (void)noMail.requestPasswordReset(u"dan@vision.example"_s, u"198.51.100.4"_s);
        auto outbox = std::make_shared<MailOutbox>(ctx, std::make_shared<AcceptingTransport>());
        AccountService withMail(ctx, outbox);
        (void)withMail.requestPasswordReset(u"bob@lab.example"_s, u"192.0.2.10"_s);
        (void)outbox->deliverPending();
    }

    ServerConfig config;
    config.port = 0;
    config.dataDir = data.path();
    config.signingKey = crypto::randomBytes(32);
    ApiServer server(ctx, config);
    if (!server.start())
        qFatal("server did not start");
    ConsoleServerControl control(server, db);
    control.setRunFiles(data.path(), config.signingKey);
    // Settings as a start with --threads 8, a settings file, an environment variable
    // and a Stripe key in the secret store would give them.
    const QString ini = data.filePath(u"worldflux-console.ini"_s);
    {
        QSettings file(ini, QSettings::IniFormat);
        file.setValue(u"port"_s, u"8787"_s);
        file.setValue(u"public-hosts"_s, u"console.lab.example"_s);
        file.setValue(u"data-dir"_s, u"/var/lib/worldflux-console"_s);
        file.setValue(u"log-format"_s, u"json"_s);
    }
    ConfigSources settingsSources;
    settingsSources.file = ini;
    settingsSources.flags.insert(u"threads"_s, u"8"_s);
    settingsSources.env.insert(u"WFX_SENDMAIL"_s, u"/usr/sbin/sendmail -t"_s);
    ResolvedConfig resolved = Config::resolve(settingsSources);
    SecretStore secretStore(u"worldflux-console-screenshots"_s, data.path(),
                            SecretStore::Mode::FileOnly);
    (void)secretStore.set(u"stripe-secret-key"_s, QByteArray("sk_test_screenshotonly00000000"));
    ConfigSettingsBackend::applySecretStore(resolved, secretStore);
    ConfigSettingsBackend settingsBackend(settingsSources, resolved, &secretStore);
    ui::MainWindow window(ctx, Actor::system(), &control, &settingsBackend);
    window.resize(1180, 760);
    window.show();

    // Traffic for the request-rate chart: a burst that rises and falls.
    QNetworkAccessManager nam;
    QElapsedTimer t;
    t.start();
    QTimer traffic;
    QObject::connect(&traffic, &QTimer::timeout, [&] {
        const double s = t.elapsed() / 1000.0;
        const int n = int(6 + 14 * std::sin(s / 4.0) * std::sin(s / 4.0) + rng.bounded(4));
        for (int i = 0; i < n; ++i) {
            QNetworkReply *r = nam.get(QNetworkRequest(QUrl(server.baseUrl() + u"/healthz"_s)));
            QObject::connect(r, &QNetworkReply::finished, r, &QObject::deleteLater);
        }
    });
    traffic.start(100);
    QTest::qWait(26000);
    bool ok = save(&window, outDir + u"/console-overview.png"_s);
    traffic.stop();
    window.showArea(ui::MainWindow::Runs);
    auto *panel = window.panelAs<ui::RunsPanel>(ui::MainWindow::Runs);
    (void)QTest::qWaitFor(
        [&] { return !panel->model()->isLoading() && panel->model()->rowCount() > 0; }, 5000);
    QTest::qWait(300);
    panel->view()->selectRow(1);
    ok = save(&window, outDir + u"/console-runs.png"_s) && ok;

    ui::RunDetailsDialog *dialog = panel->openDetails(1);
    (void)QTest::qWaitFor([&] { return dialog->isLoaded(); }, 5000);
    auto *tabs = dialog->findChild<QTabWidget *>();
    tabs->setCurrentIndex(2);
    QTest::qWait(800);
    ok = save(dialog, outDir + u"/console-run-metrics.png"_s) && ok;
    tabs->setCurrentIndex(0);
    QTest::qWait(200);
    ok = save(dialog, outDir + u"/console-run-summary.png"_s) && ok;
    tabs->setCurrentWidget(dialog->filesTab());
    (void)QTest::qWaitFor([&] { return dialog->filesTab()->table()->rowCount() > 0; }, 5000);
    dialog->filesTab()->table()->selectRow(0);
    QTest::qWait(200);
    ok = save(dialog, outDir + u"/console-run-files.png"_s) && ok;
    dialog->close();
    QTest::qWait(100);

    // Runs side by side: four runs selected, compared.
    panel->view()->clearSelection();
    for (int row = 0; row < 4; ++row)
        panel->view()->selectionModel()->select(
            panel->model()->index(row, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    ui::RunCompareDialog *compare = panel->compareSelected();
    if (!compare)
        qFatal("no comparison opened");
    compare->resize(1100, 760);
    (void)QTest::qWaitFor([&] { return !compare->isLoading(); }, 10000);
    QTest::qWait(800);
    ok = save(compare, outDir + u"/console-run-compare.png"_s) && ok;
    compare->tabs()->setCurrentIndex(1);
    QTest::qWait(200);
    ok = save(compare, outDir + u"/console-run-compare-values.png"_s) && ok;
    compare->tabs()->setCurrentIndex(2);
    QTest::qWait(200);
    ok = save(compare, outDir + u"/console-run-compare-manifest.png"_s) && ok;
    compare->close();
    QTest::qWait(100);

    window.showArea(ui::MainWindow::Shares);
    auto *shares = window.panelAs<ui::SharesPanel>(ui::MainWindow::Shares);
    (void)QTest::qWaitFor(
        [&] { return !shares->model()->isLoading() && shares->model()->rowCount() > 0; }, 5000);
    shares->view()->selectRow(shares->model()->rowCount() - 1);
    (void)QTest::qWaitFor([&] { return !shares->consentsLoading(); }, 5000);
    QTest::qWait(300);
    ok = save(&window, outDir + u"/console-shares.png"_s) && ok;
    shares->findChild<QTabWidget *>()->setCurrentWidget(shares->inspector());
    shares->inspector()->findChild<QLineEdit *>(u"inspectAddress"_s)->setText(u"203.0.113.7"_s);
    shares->inspector()->inspect(control.address() + u"/r/"_s + lockedToken);
    (void)QTest::qWaitFor(
        [&] {
            return shares->inspector()->explanation().has_value() && !shares->inspector()->isBusy();
        },
        5000);
    QTest::qWait(300);
    ok = save(&window, outDir + u"/console-share-inspector.png"_s) && ok;

    window.showArea(ui::MainWindow::ApiKeys);
    auto *keysPanel = window.panelAs<ui::ApiKeysPanel>(ui::MainWindow::ApiKeys);
    (void)QTest::qWaitFor([&] { return keysPanel->usersLoaded(); }, 5000);
    keysPanel->userPicker()->setCurrentIndex(0);
    (void)QTest::qWaitFor(
        [&] { return !keysPanel->model()->isLoading() && keysPanel->model()->rowCount() > 0; },
        5000);
    keysPanel->view()->selectRow(0);
    QTest::qWait(300);
    ok = save(&window, outDir + u"/console-api-keys.png"_s) && ok;

    window.showArea(ui::MainWindow::Workspaces);
    QTest::qWait(800);
    if (auto *list =
            window.panel(ui::MainWindow::Workspaces)->findChild<QTreeView *>(u"workspaceList"_s)) {
        const QModelIndexList found = list->model()->match(
            list->model()->index(0, 0), Qt::DisplayRole, u"Robotics lab"_s, 1, Qt::MatchExactly);
        if (!found.isEmpty())
            list->setCurrentIndex(found.first());
    }
    if (auto *tabs =
            window.panel(ui::MainWindow::Workspaces)->findChild<QTabWidget *>(u"workspaceTabs"_s))
        tabs->setCurrentIndex(1);
    QTest::qWait(800);
    ok = save(&window, outDir + u"/console-workspaces.png"_s) && ok;

    window.showArea(ui::MainWindow::Billing);
    QTest::qWait(300);
    if (auto *chooser =
            window.panel(ui::MainWindow::Billing)->findChild<QComboBox *>(u"billingWorkspace"_s))
        chooser->setCurrentIndex(chooser->findText(u"Robotics lab"_s));
    QTest::qWait(800);
    ok = save(&window, outDir + u"/console-billing.png"_s) && ok;

    window.showArea(ui::MainWindow::Dsar);
    QTest::qWait(800);
    ok = save(&window, outDir + u"/console-dsar.png"_s) && ok;

    window.showArea(ui::MainWindow::Audit);
    auto *audit = qobject_cast<ui::AuditPanel *>(window.panel(ui::MainWindow::Audit));
    QTest::qWait(500);
    audit->verify();
    (void)QTest::qWaitFor([&] { return !audit->isWorking(); }, 20000);
    QTest::qWait(300);
    ok = save(&window, outDir + u"/console-audit.png"_s) && ok;

    window.showArea(ui::MainWindow::Settings);
    if (auto *port =
            window.panel(ui::MainWindow::Settings)->findChild<QLineEdit *>(u"edit-port"_s)) {
        port->setText(u"80800"_s);
        // Save shows the error a wrong port gets.
        window.panelAs<ui::SettingsPanel>(ui::MainWindow::Settings)->save();
    }
    QTest::qWait(300);
    ok = save(&window, outDir + u"/console-settings.png"_s) && ok;

    window.showArea(ui::MainWindow::Mail);
    auto *mail = qobject_cast<ui::MailPanel *>(window.panel(ui::MainWindow::Mail));
    (void)QTest::qWaitFor(
        [&] { return !mail->model()->isLoading() && mail->model()->rowCount() > 0; }, 5000);
    mail->view()->selectRow(1);
    QTest::qWait(300);
    ok = save(&window, outDir + u"/console-mail.png"_s) && ok;

    // The first-run guide on an empty store, at its last page.
    {
        QTemporaryDir emptyDir;
        auto emptyOpened =
            Database::open(u"sqlite:"_s + emptyDir.filePath(u"store.db"_s), emptyDir.path());
        if (!emptyOpened || !(*emptyOpened)->migrate())
            qFatal("cannot prepare the empty store");
        ModelContext emptyCtx{*emptyOpened, &clock, nullptr};
        ui::FirstRunWizard guide(emptyCtx, [&control] { return control.address(); });
        guide.show();
        auto fill = [&guide](const char *name, const QString &text) {
            if (auto *e = guide.currentPage()->findChild<QLineEdit *>(QString::fromUtf8(name)))
                e->setText(text);
        };
        fill("adminEmail", u"ada@lab.example"_s);
        fill("adminName", u"Ada Lovelace"_s);
        fill("adminPassword", u"correct horse battery"_s);
        fill("adminPassword2", u"correct horse battery"_s);
        QTest::qWait(200);
        ok = save(&guide, outDir + u"/console-first-run-admin.png"_s) && ok;
        guide.next();
        (void)QTest::qWaitFor(
            [&] { return guide.currentId() == ui::FirstRunWizard::WorkspacePage; }, 10000);
        fill("workspaceName", u"Robotics lab"_s);
        guide.next();
        (void)QTest::qWaitFor([&] { return guide.currentId() == ui::FirstRunWizard::KeyPage; },
                              10000);
        guide.next();
        (void)QTest::qWaitFor([&] { return guide.currentId() == ui::FirstRunWizard::CommandPage; },
                              10000);
        QTest::qWait(200);
        if (guide.shownOnce()) {
            ok = save(guide.shownOnce(), outDir + u"/console-first-run-key.png"_s) && ok;
            guide.shownOnce()->close();
        }
        QTest::qWait(200);
        ok = save(&guide, outDir + u"/console-first-run-command.png"_s) && ok;
    }

    // Two panels again under a dark palette, in a window built after the switch.
    window.hide();
    QApplication::setPalette(darkPalette());
    {
        ui::MainWindow darkWindow(ctx, Actor::system(), &control, &settingsBackend);
        darkWindow.resize(1180, 760);
        darkWindow.show();
        darkWindow.showArea(ui::MainWindow::Runs);
        auto *darkRuns = darkWindow.panelAs<ui::RunsPanel>(ui::MainWindow::Runs);
        (void)QTest::qWaitFor(
            [&] { return !darkRuns->model()->isLoading() && darkRuns->model()->rowCount() > 0; },
            5000);
        darkRuns->view()->selectRow(1);
        QTest::qWait(300);
        ok = save(&darkWindow, outDir + u"/console-dark-runs.png"_s) && ok;
        darkWindow.showArea(ui::MainWindow::Audit);
        auto *darkAudit = qobject_cast<ui::AuditPanel *>(darkWindow.panel(ui::MainWindow::Audit));
        QTest::qWait(500);
        darkAudit->verify();
        (void)QTest::qWaitFor([&] { return !darkAudit->isWorking(); }, 20000);
        QTest::qWait(300);
        ok = save(&darkWindow, outDir + u"/console-dark-audit.png"_s) && ok;
    }
    server.stop();
    return ok ? 0 : 1;
}
