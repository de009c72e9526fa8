// SPDX-License-Identifier: Apache-2.0
// Renders the console's panels to PNGs in one language (default English): the
// real server on port 0 over a fresh SQLite store with sample runs, some traffic
// for the request-rate chart, then QWidget::grab() of each panel. For
// docs/screenshots/, and as a ctest per shipped language (console_screenshots_<lang>,
// PNGs in build/console-screenshots/<lang>/); fails when a language does not
// load or a PNG cannot be written.
//   QT_QPA_PLATFORM=offscreen build/tests/console_screenshots docs/screenshots [en|de|ja]
#include "ConfigSettingsBackend.h"
#include "ConsoleServerControl.h"
#include "MainWindow.h"
#include "settings/SettingsPanel.h"
#include "firstrun/FirstRunWizard.h"
#include "mail/MailModel.h"
#include "mail/MailPanel.h"
#include "runs/RunFilesTab.h"
#include "accounts/AccountService.h"
#include "accounts/MailOutbox.h"
#include "artifacts/ArtifactService.h"
#include "artifacts/BlobStore.h"
#include "audit/AuditPanel.h"
#include "core/JsonReader.h"
#include "runs/RunCompareDialog.h"
#include "runs/RunDetailsDialog.h"
#include "runs/RunsModel.h"
#include "runs/RunsPanel.h"
#include "secrets/SecretStore.h"
#include "apikeys/ApiKeysModel.h"
#include "apikeys/ApiKeysPanel.h"
#include "shares/ShareInspector.h"
#include "shares/SharesModel.h"
#include "shares/SharesPanel.h"
#include "common/Translations.h"

#include "core/ApiServer.h"
#include "core/Clock.h"
#include "core/Cursor.h"
#include "core/Ids.h"
#include "crypto/Crypto.h"
#include "crypto/Jcs.h"
#include "db/Database.h"
#include "db/Tx.h"
#include "billing/BillingService.h"
#include "billing/OfflineBillingProvider.h"
#include "dsar/DsarService.h"
#include "events/ChangeBus.h"
#include "usage/UsageService.h"
#include "runs/RunService.h"
#include "accounts/ApiKeyService.h"
#include "shares/PublicShareResolver.h"
#include "shares/ShareService.h"
#include "workspaces/WorkspaceService.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QLineEdit>
#include <QItemSelectionModel>
#include <QTabWidget>
#include <QJsonDocument>
#include <QTableView>
#include <QTableWidget>
#include <QPlainTextEdit>
#include <QStyleFactory>
#include <QTreeWidget>
#include <QTemporaryDir>
#include <QSettings>
#include <QTest>
#include <QTimer>

#include <cmath>

using namespace wfx;

namespace {

QString S(const char *s)
{
    return QString::fromUtf8(s);
}

QString createUser(Database &db, qint64 now, const QString &email = S("admin@lab.example"), bool admin = true)
{
    const QString id = ids::newUuid();
    Query q(db.connection(), S("INSERT INTO users (id, email, password_hash, is_admin, created_at, "
                               "password_changed_at) VALUES (:id, :e, 'x', :a, :t, :t)"));
    q.bind(S(":id"), id).bind(S(":e"), email).bind(S(":a"), admin ? 1 : 0).bind(S(":t"), now);
    if (!q.exec())
        qFatal("cannot create the sample user");
    return id;
}

QJsonObject runBody(const QString &project, int i, QRandomGenerator &rng)
{
    static const char *algos[] = {"dreamer-v3", "muzero", "ppo", "sac", "td-mpc2"};
    static const char *envs[] = {"atari-pong", "dm-control-walker", "minigrid-doorkey", "procgen-coinrun"};
    static const char *statuses[] = {"completed", "completed", "completed", "running", "failed", "cancelled", "queued"};
    const QString algo = QString::fromLatin1(algos[i % 5]);
    const QString env = QString::fromLatin1(envs[(i / 5) % 4]);
    const int seed = i % 7;
    QJsonArray metrics;
    const int steps = 40 + (i % 5) * 40;
    for (int step = 0; step < steps; ++step) {
        const double t = double(step) / steps;
        metrics.append(QJsonObject{{S("name"), S("loss")}, {S("step"), step * 1000},
                                   {S("value"), 2.5 * std::exp(-3 * t) + 0.08 * rng.generateDouble()}});
        metrics.append(QJsonObject{{S("name"), S("episode_return")}, {S("step"), step * 1000},
                                   {S("value"), 18 * (1 - std::exp(-4 * t)) + 1.5 * rng.generateDouble()}});
        metrics.append(QJsonObject{{S("name"), S("entropy")}, {S("step"), step * 1000},
                                   {S("value"), 1.2 - 0.7 * t + 0.05 * rng.generateDouble()}});
    }
    const QJsonObject manifest{
        {S("algorithm"), algo},
        {S("environment"), env},
        {S("seed"), seed},
        {S("hyperparameters"), QJsonObject{{S("learning_rate"), 3e-4}, {S("batch_size"), 256},
                                           {S("gamma"), 0.99}}},
        {S("git"), QJsonObject{{S("commit"), S("4f9c2e1")}, {S("dirty"), false}}}};
    QString log;
    for (int e = 1; e <= 30; ++e) {
        log += S("[epoch %1] loss=%2 return=%3\n").arg(e).arg(2.5 * std::exp(-0.1 * e), 0, 'f', 4).arg(0.6 * e, 0, 'f', 2);
        if (e == 12)
            log += S("warning: replay buffer below 10% capacity\n");
    }
    QJsonObject b{{S("project_id"), project},
                  {S("client_run_id"), S("run-%1").arg(i)},
                  {S("name"), S("%1-%2-seed%3").arg(algo, env).arg(seed)},
                  {S("status"), QString::fromLatin1(statuses[i % 7])},
                  {S("manifest"), manifest},
                  {S("metrics"), metrics},
                  {S("log"), log}};
    if (i % 3 != 2) { // two runs in three are signed; one signature in ten is wrong
        const auto key = crypto::ed25519Generate();
        QJsonObject signedManifest = manifest;
        if (i % 10 == 4)
            signedManifest.insert(S("seed"), seed + 1);
        const QByteArray sig = crypto::ed25519Sign(key.privateKey, jcs::canonicalize(signedManifest));
        b.insert(S("signature"), QJsonObject{{S("alg"), S("ed25519")},
                                             {S("public_key"), QString::fromLatin1(key.publicKey.toBase64())},
                                             {S("sig"), QString::fromLatin1(sig.toBase64())}});
    }
    return b;
}

// The sample data must be made: stop at the first refusal.
template<typename T>
T must(Result<T> r, const char *what)
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
    const QString outDir = argc > 1 ? QString::fromLocal8Bit(argv[1]) : S(".");
    const QString language = argc > 2 ? QString::fromLocal8Bit(argv[2]) : S("en");
    QString error;
    if (!ui::Translations::install(language, &error))
        qFatal("%s", qPrintable(error));
    QDir().mkpath(outDir);
    QTemporaryDir data;

    auto opened = Database::open(S("sqlite:") + data.filePath(S("store.db")), data.path());
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
    const QString lab = ws.create(admin, S("Robotics lab"))->id;
    const QString vision = ws.create(admin, S("Vision group"))->id;
    const QStringList projects{ws.createProject(admin, lab, S("world-models"))->id,
                               ws.createProject(admin, lab, S("sim2real"))->id,
                               ws.createProject(admin, vision, S("video-prediction"))->id};
    RunService runs(ctx);
    QRandomGenerator rng(42);
    for (int i = 0; i < 240; ++i)
        if (!runs.sync(admin, runBody(projects.at(i % 3), i, rng)))
            qFatal("sync failed");

    // People, invitations, requests, usage and billing events for the other panels.
    const QString bob = createUser(*db, clock.nowMs(), S("bob@lab.example"), false);
    const QString carol = createUser(*db, clock.nowMs(), S("carol@lab.example"), false);
    const QString dan = createUser(*db, clock.nowMs(), S("dan@vision.example"), false);
    if (auto inv = ws.invite(admin, lab, S("bob@lab.example"), S("member")))
        (void)ws.acceptInvitation(Actor::user(bob), inv->token);
    if (auto inv = ws.invite(admin, lab, S("carol@lab.example"), S("viewer")))
        (void)ws.acceptInvitation(Actor::user(carol), inv->token);
    (void)ws.invite(admin, lab, S("erin@partner.example"), S("member"));
    (void)ws.invite(admin, lab, S("frank@partner.example"), S("viewer"));
    (void)ws.create(Actor::user(dan), S("Dan's sandbox"));
    DsarService dsar(ctx);
    (void)dsar.exportData(Actor::user(bob));
    (void)dsar.requestDeletion(Actor::user(dan));
    (void)dsar.object(Actor::user(carol), S("marketing"), true);
    (void)dsar.setRestricted(Actor::user(carol), true);
    UsageService usage(ctx);
    if (auto r = usage.reserve(admin, lab, S("runs"), 160, S("sync-batch-1")))
        (void)usage.commit(admin, r->reservation.id);
    (void)usage.reserve(admin, lab, S("runs"), 80, S("sync-batch-2"));
    if (auto r = usage.reserve(admin, lab, S("artifact_bytes"), 6LL << 30, S("upload-ckpt-1")))
        (void)usage.commit(admin, r->reservation.id);
    (void)usage.reserve(admin, lab, S("artifact_bytes"), 900LL << 20, S("upload-ckpt-2"));
    if (auto r = usage.reserve(admin, lab, S("compute_seconds"), 86400, S("train-job-7")))
        (void)usage.commit(admin, r->reservation.id);
    {
        BillingService billing(ctx, std::make_shared<OfflineBillingProvider>());
        const QByteArray secret("whsec_sample");
        auto deliver = [&](const QJsonObject &ev) {
            const QByteArray raw = QJsonDocument(ev).toJson(QJsonDocument::Compact);
            (void)billing.handleWebhook(raw, BillingService::signHeader(raw, secret, clock.nowSecs()), secret,
                                        &JsonReader::read);
        };
        deliver({{S("id"), S("evt_1PxA9c")}, {S("type"), S("checkout.session.completed")},
                 {S("created"), double(clock.nowSecs())},
                 {S("data"), QJsonObject{{S("object"), QJsonObject{{S("id"), S("cs_1")},
                                                                   {S("client_reference_id"), vision},
                                                                   {S("customer"), S("cus_9QhT")},
                                                                   {S("metadata"), QJsonObject{{S("plan"), S("pro")}}}}}}}});
        deliver({{S("id"), S("evt_1PxB2d")}, {S("type"), S("customer.created")},
                 {S("created"), double(clock.nowSecs())},
                 {S("data"), QJsonObject{{S("object"), QJsonObject{{S("id"), S("cus_9QhT")}}}}}});
    }

    // Shares in every state the list shows, consents, a locked link; API keys.
    QString lockedToken;
    {
        ShareService shares(ctx);
        const Page<Run> recent = must(runs.list(admin, RunFilter{}, 12, {}), "runs");
        auto at = [&](int i) { return recent.items.at(i).id; };
        auto later = [&](qint64 ms) { return ids::formatTime(clock.nowMs() + ms); };
        const QString first = must(shares.create(admin, ShareDraft{at(0), {}, later(14LL * 86400'000), {}}), "share").share.id;
        lockedToken = must(shares.create(admin, ShareDraft{at(1), S("reviewers-only"), {}, {}}), "share").token;
        must(shares.create(admin, ShareDraft{at(3), {}, {}, {}}), "share");
        const QString revoked = must(shares.create(admin, ShareDraft{at(5), {}, {}, {}}), "share").share.id;
        must(shares.revoke(admin, revoked), "revoke");
        must(shares.create(admin, ShareDraft{at(6), S("paper-review-2024"), later(2LL * 86400'000), {}}), "share");
        must(shares.createConsent(admin, first, S("Dr. A. Rivera"), S("reliability study")), "consent");
        must(shares.createConsent(admin, first, S("Benchmark board"), S("leaderboard listing")), "consent");
        PublicShareResolver resolver(ctx);
        for (int i = 0; i < 5; ++i)
            must(resolver.resolve(lockedToken, S("203.0.113.7"), S("guess-%1").arg(i)), "read");
        ApiKeyService keys(ctx);
        must(keys.issue(admin, S("training cluster")), "key");
        const IssuedApiKey ci = must(keys.issue(admin, S("CI pipeline"), lab), "key");
        must(keys.issue(admin, S("laptop")), "key");
        must(keys.authenticate(ci.secret), "auth");
        must(keys.flushLastUsed(), "flush");

        // Artifacts of the run whose details are shown.
        BlobStore blobs(data.path());
        ArtifactService artifacts(ctx, blobs);
        auto addArtifact = [&](const QString &name, const QByteArray &bytes, const QString &type, bool finish) {
            const InitiatedUpload up = must(artifacts.initiate(admin, at(1), name, bytes.size(),
                                                               crypto::sha256Hex(bytes), type), "artifact");
            if (!finish)
                return;
            for (qint64 n = 1; n <= up.parts; ++n)
                must(artifacts.putPart(up.uploadToken, up.artifact.id, n, bytes.mid((n - 1) * up.partSize, up.partSize)),
                     "part");
            must(artifacts.commit(admin, up.artifact.id), "commit");
        };
        QByteArray checkpoint(3 * 1024 * 1024 + 4321, Qt::Uninitialized);
        for (qsizetype i = 0; i < checkpoint.size(); ++i)
            checkpoint[i] = char(rng.bounded(256));
        addArtifact(S("checkpoints/world-model-step-200k.pt"), checkpoint, S("application/octet-stream"), true);
        addArtifact(S("eval/returns.csv"), QByteArray("episode,return\n1,312.5\n2,341.0\n3,298.25\n"), S("text/csv"), true);
        addArtifact(S("videos/rollout-0007.mp4"), QByteArray(180 * 1024, 'v'), S("video/mp4"), true);
        addArtifact(S("replay-buffer.tar"), QByteArray(64 * 1024, 'r'), {}, false);
    }

    // Mail: password resets asked for while no mail command was set, and one sent.
    {
        AccountService noMail(ctx);
        (void)noMail.requestPasswordReset(S("carol@lab.example"), S("192.0.2.10"));
        (void)noMail.requestPasswordReset(S("dan@vision.example"), S("198.51.100.4"));
        auto outbox = std::make_shared<MailOutbox>(ctx, std::make_shared<AcceptingTransport>());
        AccountService withMail(ctx, outbox);
        (void)withMail.requestPasswordReset(S("bob@lab.example"), S("192.0.2.10"));
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
    const QString ini = data.filePath(S("worldflux-console.ini"));
    {
        QSettings file(ini, QSettings::IniFormat);
        file.setValue(S("port"), S("8787"));
        file.setValue(S("public-hosts"), S("console.lab.example"));
        file.setValue(S("data-dir"), S("/var/lib/worldflux-console"));
        file.setValue(S("log-format"), S("json"));
    }
    ConfigSources settingsSources;
    settingsSources.file = ini;
    settingsSources.flags.insert(S("threads"), S("8"));
    settingsSources.env.insert(S("WFX_SENDMAIL"), S("/usr/sbin/sendmail -t"));
    ResolvedConfig resolved = Config::resolve(settingsSources);
    SecretStore secretStore(S("worldflux-console-screenshots"), data.path(), SecretStore::Mode::FileOnly);
    (void)secretStore.set(S("stripe-secret-key"), QByteArray("sk_test_screenshotonly00000000"));
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
            QNetworkReply *r = nam.get(QNetworkRequest(QUrl(server.baseUrl() + S("/healthz"))));
            QObject::connect(r, &QNetworkReply::finished, r, &QObject::deleteLater);
        }
    });
    traffic.start(100);
    QTest::qWait(26000);
    bool ok = save(&window, outDir + S("/console-overview.png"));
    traffic.stop();
    window.showArea(ui::MainWindow::Runs);
    auto *panel = window.runsPanel();
    (void)QTest::qWaitFor([&] { return !panel->model()->isLoading() && panel->model()->rowCount() > 0; }, 5000);
    QTest::qWait(300);
    panel->view()->selectRow(1);
    ok = save(&window, outDir + S("/console-runs.png")) && ok;

    ui::RunDetailsDialog *dialog = panel->openDetails(1);
    (void)QTest::qWaitFor([&] { return dialog->isLoaded(); }, 5000);
    auto *tabs = dialog->findChild<QTabWidget *>();
    tabs->setCurrentIndex(2);
    QTest::qWait(800);
    ok = save(dialog, outDir + S("/console-run-metrics.png")) && ok;
    tabs->setCurrentIndex(0);
    QTest::qWait(200);
    ok = save(dialog, outDir + S("/console-run-summary.png")) && ok;
    tabs->setCurrentWidget(dialog->filesTab());
    (void)QTest::qWaitFor([&] { return dialog->filesTab()->table()->rowCount() > 0; }, 5000);
    dialog->filesTab()->table()->selectRow(0);
    QTest::qWait(200);
    ok = save(dialog, outDir + S("/console-run-files.png")) && ok;
    dialog->close();
    QTest::qWait(100);

    // Runs side by side: four runs selected, compared.
    panel->view()->clearSelection();
    for (int row = 0; row < 4; ++row)
        panel->view()->selectionModel()->select(panel->model()->index(row, 0),
                                                QItemSelectionModel::Select | QItemSelectionModel::Rows);
    ui::RunCompareDialog *compare = panel->compareSelected();
    if (!compare)
        qFatal("no comparison opened");
    compare->resize(1100, 760);
    (void)QTest::qWaitFor([&] { return !compare->isLoading(); }, 10000);
    QTest::qWait(800);
    ok = save(compare, outDir + S("/console-run-compare.png")) && ok;
    compare->tabs()->setCurrentIndex(1);
    QTest::qWait(200);
    ok = save(compare, outDir + S("/console-run-compare-values.png")) && ok;
    compare->tabs()->setCurrentIndex(2);
    QTest::qWait(200);
    ok = save(compare, outDir + S("/console-run-compare-manifest.png")) && ok;
    compare->close();
    QTest::qWait(100);

    window.showArea(ui::MainWindow::Shares);
    auto *shares = window.sharesPanel();
    (void)QTest::qWaitFor([&] { return !shares->model()->isLoading() && shares->model()->rowCount() > 0; }, 5000);
    shares->view()->selectRow(shares->model()->rowCount() - 1);
    (void)QTest::qWaitFor([&] { return !shares->consentsLoading(); }, 5000);
    QTest::qWait(300);
    ok = save(&window, outDir + S("/console-shares.png")) && ok;
    shares->findChild<QTabWidget *>()->setCurrentWidget(shares->inspector());
    shares->inspector()->findChild<QLineEdit *>(S("inspectAddress"))->setText(S("203.0.113.7"));
    shares->inspector()->inspect(control.address() + S("/r/") + lockedToken);
    (void)QTest::qWaitFor([&] { return shares->inspector()->explanation().has_value() && !shares->inspector()->isBusy(); }, 5000);
    QTest::qWait(300);
    ok = save(&window, outDir + S("/console-share-inspector.png")) && ok;

    window.showArea(ui::MainWindow::ApiKeys);
    auto *keysPanel = window.apiKeysPanel();
    (void)QTest::qWaitFor([&] { return keysPanel->usersLoaded(); }, 5000);
    keysPanel->userPicker()->setCurrentIndex(0);
    (void)QTest::qWaitFor([&] { return !keysPanel->model()->isLoading() && keysPanel->model()->rowCount() > 0; }, 5000);
    keysPanel->view()->selectRow(0);
    QTest::qWait(300);
    ok = save(&window, outDir + S("/console-api-keys.png")) && ok;

    window.showArea(ui::MainWindow::Workspaces);
    QTest::qWait(800);
    if (auto *list = window.panel(ui::MainWindow::Workspaces)->findChild<QTreeWidget *>(S("workspaceList"))) {
        for (int i = 0; i < list->topLevelItemCount(); ++i)
            if (list->topLevelItem(i)->text(0) == S("Robotics lab"))
                list->setCurrentItem(list->topLevelItem(i));
    }
    if (auto *tabs = window.panel(ui::MainWindow::Workspaces)->findChild<QTabWidget *>(S("workspaceTabs")))
        tabs->setCurrentIndex(1);
    QTest::qWait(800);
    ok = save(&window, outDir + S("/console-workspaces.png")) && ok;

    window.showArea(ui::MainWindow::Billing);
    QTest::qWait(300);
    if (auto *chooser = window.panel(ui::MainWindow::Billing)->findChild<QComboBox *>(S("billingWorkspace")))
        chooser->setCurrentIndex(chooser->findText(S("Robotics lab")));
    QTest::qWait(800);
    ok = save(&window, outDir + S("/console-billing.png")) && ok;

    window.showArea(ui::MainWindow::Dsar);
    QTest::qWait(800);
    ok = save(&window, outDir + S("/console-dsar.png")) && ok;

    window.showArea(ui::MainWindow::Audit);
    auto *audit = qobject_cast<ui::AuditPanel *>(window.panel(ui::MainWindow::Audit));
    QTest::qWait(500);
    audit->verify();
    (void)QTest::qWaitFor([&] { return !audit->isWorking(); }, 20000);
    QTest::qWait(300);
    ok = save(&window, outDir + S("/console-audit.png")) && ok;

    window.showArea(ui::MainWindow::Settings);
    if (auto *port = window.panel(ui::MainWindow::Settings)->findChild<QLineEdit *>(S("edit-port"))) {
        port->setText(S("80800"));
        window.settingsPanel()->save(); // shows the error a wrong port gets
    }
    QTest::qWait(300);
    ok = save(&window, outDir + S("/console-settings.png")) && ok;

    window.showArea(ui::MainWindow::Mail);
    auto *mail = qobject_cast<ui::MailPanel *>(window.panel(ui::MainWindow::Mail));
    (void)QTest::qWaitFor([&] { return !mail->model()->isLoading() && mail->model()->rowCount() > 0; }, 5000);
    mail->view()->selectRow(1);
    QTest::qWait(300);
    ok = save(&window, outDir + S("/console-mail.png")) && ok;

    // The first-run guide on an empty store, at its last page.
    {
        QTemporaryDir emptyDir;
        auto emptyOpened = Database::open(S("sqlite:") + emptyDir.filePath(S("store.db")), emptyDir.path());
        if (!emptyOpened || !(*emptyOpened)->migrate())
            qFatal("cannot prepare the empty store");
        ModelContext emptyCtx{*emptyOpened, &clock, nullptr};
        ui::FirstRunWizard guide(emptyCtx, [&control] { return control.address(); });
        guide.show();
        auto fill = [&guide](const char *name, const QString &text) {
            if (auto *e = guide.currentPage()->findChild<QLineEdit *>(S(name)))
                e->setText(text);
        };
        fill("adminEmail", S("ada@lab.example"));
        fill("adminName", S("Ada Lovelace"));
        fill("adminPassword", S("correct horse battery"));
        fill("adminPassword2", S("correct horse battery"));
        QTest::qWait(200);
        ok = save(&guide, outDir + S("/console-first-run-admin.png")) && ok;
        guide.next();
        (void)QTest::qWaitFor([&] { return guide.currentId() == ui::FirstRunWizard::WorkspacePage; }, 10000);
        fill("workspaceName", S("Robotics lab"));
        guide.next();
        (void)QTest::qWaitFor([&] { return guide.currentId() == ui::FirstRunWizard::KeyPage; }, 10000);
        guide.next();
        (void)QTest::qWaitFor([&] { return guide.currentId() == ui::FirstRunWizard::CommandPage; }, 10000);
        QTest::qWait(200);
        if (guide.shownOnce()) {
            ok = save(guide.shownOnce(), outDir + S("/console-first-run-key.png")) && ok;
            guide.shownOnce()->close();
        }
        QTest::qWait(200);
        ok = save(&guide, outDir + S("/console-first-run-command.png")) && ok;
    }

    // Two panels again under a dark palette, in a window built after the switch.
    window.hide();
    QApplication::setPalette(darkPalette());
    {
        ui::MainWindow darkWindow(ctx, Actor::system(), &control, &settingsBackend);
        darkWindow.resize(1180, 760);
        darkWindow.show();
        darkWindow.showArea(ui::MainWindow::Runs);
        auto *darkRuns = darkWindow.runsPanel();
        (void)QTest::qWaitFor([&] { return !darkRuns->model()->isLoading() && darkRuns->model()->rowCount() > 0; }, 5000);
        darkRuns->view()->selectRow(1);
        QTest::qWait(300);
        ok = save(&darkWindow, outDir + S("/console-dark-runs.png")) && ok;
        darkWindow.showArea(ui::MainWindow::Audit);
        auto *darkAudit = qobject_cast<ui::AuditPanel *>(darkWindow.panel(ui::MainWindow::Audit));
        QTest::qWait(500);
        darkAudit->verify();
        (void)QTest::qWaitFor([&] { return !darkAudit->isWorking(); }, 20000);
        QTest::qWait(300);
        ok = save(&darkWindow, outDir + S("/console-dark-audit.png")) && ok;
    }
    server.stop();
    return ok ? 0 : 1;
}
