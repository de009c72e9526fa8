// SPDX-License-Identifier: Apache-2.0
// The Shares panel: create through the dialog (token and link shown once),
// revoke with confirmation, consents (add, revoke, export to a file), and the
// inspector's state and reason for active, revoked, expired and locked links,
// with unlock and extend. Runs on SQLite and PostgreSQL.
#include "TestStore.h"

#include "common/Confirm.h"
#include "common/FileChooser.h"
#include "common/ShownOnceDialog.h"
#include "common/Translations.h"
#include "core/Ids.h"
#include "shares/CreateShareDialog.h"
#include "shares/PublicShareResolver.h"
#include "shares/ShareInspector.h"
#include "shares/ShareService.h"
#include "shares/SharesModel.h"
#include "shares/SharesPanel.h"
#include "workspaces/WorkspaceService.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace wfx;
using wfx::ui::SharesModel;
using wfx::ui::SharesPanel;

namespace {
QString S(const char *s) { return QString::fromUtf8(s); }
const QString kAddr = QStringLiteral("203.0.113.7");
} // namespace

class TestSharesPanel : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, ws, project, run;

    QString insertRun(const QString &name)
    {
        const QString id = ids::newUuid();
        Query q(s->db->connection(), S("INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, status, "
                                       "created_at, manifest, evidence) VALUES (:id, :p, :w, :c, :n, 'completed', :t, "
                                       "'{\"algo\":\"ppo\"}', 'unsigned')"));
        q.bind(S(":id"), id).bind(S(":p"), project).bind(S(":w"), ws).bind(S(":c"), id).bind(S(":n"), name)
            .bind(S(":t"), s->clock.nowMs());
        if (!q.exec())
            qFatal("insertRun: %s", qPrintable(q.errorText()));
        return id;
    }
    IssuedShare share(std::optional<QString> password = {}, std::optional<QString> expires = {})
    {
        auto r = ShareService(s->ctx).create(s->actor(alice), ShareDraft{run, password, expires, {}});
        if (!r)
            qFatal("share: %s", qPrintable(r.error().message));
        return *r;
    }
    static bool waitIdle(SharesModel *m) { return QTest::qWaitFor([m] { return !m->isLoading(); }, 10000); }
    QString storedExpiry(const QString &id)
    {
        auto sh = ShareService::loadById(s->db->connection(), id, s->clock.nowMs());
        return sh && *sh && (*sh)->expiresAt ? ids::formatTime(*(*sh)->expiresAt) : QString();
    }
    // Inspects through the inspector's input and button; waits for the answer.
    bool inspect(ui::ShareInspector *in, const QString &input, const QString &address = kAddr)
    {
        auto *edit = in->findChild<QLineEdit *>(S("inspectInput"));
        edit->clear();
        QTest::keyClicks(edit, input);
        auto *addr = in->findChild<QLineEdit *>(S("inspectAddress"));
        addr->clear();
        QTest::keyClicks(addr, address);
        QSignalSpy done(in, &ui::ShareInspector::inspected);
        QTest::mouseClick(in->findChild<QPushButton *>(S("inspectButton")), Qt::LeftButton);
        return done.wait(10000);
    }
    QString stateText(ui::ShareInspector *in) { return in->findChild<QLabel *>(S("inspectState"))->text(); }
    QString reasonText(ui::ShareInspector *in) { return in->findChild<QLabel *>(S("inspectReason"))->text(); }

private slots:
    void initTestCase()
    {
        wfxtest::useFastPasswordHashing();
        // As the console does: English needs its plural forms ("3 days").
        QVERIFY(ui::Translations::install(S("en")));
    }
    void cleanupTestCase() { QVERIFY(ui::Translations::install(S("en"))); }
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(S("alice@example.com"));
        WorkspaceService w(s->ctx);
        ws = w.create(s->actor(alice), S("Robotics lab"))->id;
        project = w.createProject(s->actor(alice), ws, S("dreamer"))->id;
        run = insertRun(S("ppo-cartpole"));
    }
    void cleanup()
    {
        QTest::qWait(0);
        s.reset();
    }

    void listShowsEverySharesStateForTheSystemActor()
    {
        share();
        IssuedShare revoked = share(S("pw-0123456789"));
        QVERIFY(ShareService(s->ctx).revoke(s->actor(alice), revoked.share.id).ok());
        SharesPanel panel(s->ctx, Actor::system(), [] { return S("http://console.test"); });
        QAbstractItemModelTester tester(panel.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(waitIdle(panel.model()));
        QCOMPARE(panel.model()->rowCount(), 2);
        const int r = panel.model()->rowOf(revoked.share.id);
        QCOMPARE(panel.model()->index(r, SharesModel::State).data().toString(), S("Revoked"));
        QCOMPARE(panel.model()->index(r, SharesModel::Password).data().toString(), S("Yes"));
        QCOMPARE(panel.model()->index(r, SharesModel::Run).data().toString(), S("ppo-cartpole"));
        QCOMPARE(panel.model()->index(1 - r, SharesModel::State).data().toString(), S("Active"));
        QCOMPARE(panel.model()->index(1 - r, SharesModel::Expires).data().toString(), S("Never"));
    }

    void createThroughTheDialogShowsTokenAndLinkOnce()
    {
        SharesPanel panel(s->ctx, Actor::system(), [] { return S("http://console.test"); });
        panel.show();
        QVERIFY(waitIdle(panel.model()));
        QTest::mouseClick(panel.findChild<QPushButton *>(S("newShare")), Qt::LeftButton);
        auto *dialog = panel.findChild<ui::CreateShareDialog *>();
        QVERIFY(dialog);
        QVERIFY(QTest::qWaitFor([&] { return dialog->runsLoaded(); }, 5000));
        auto *runBox = dialog->findChild<QComboBox *>(S("shareRun"));
        QCOMPARE(runBox->currentData().toString(), run);
        QTest::keyClicks(dialog->findChild<QLineEdit *>(S("sharePassword")), S("pw-0123456789"));
        dialog->findChild<QCheckBox *>(S("shareExpires"))->setChecked(true);
        QSignalSpy created(&panel, &SharesPanel::shareCreated);
        QTest::mouseClick(dialog->findChild<QPushButton *>(S("createShareOk")), Qt::LeftButton);
        QVERIFY(created.wait(10000));
        const QString id = created.first().first().toString();
        QCOMPARE(s->count(S("shares")), 1);
        QCOMPARE(s->auditCount(S("share.create")), 1);
        ui::ShownOnceDialog *shown = panel.lastShownOnce();
        QVERIFY(shown);
        const QString token = shown->value(S("shareToken"));
        QVERIFY(ShareService::isWellFormedToken(token));
        QCOMPARE(shown->value(S("shareLink")), S("http://console.test/r/") + token);
        QVERIFY(shown->findChild<QLabel *>(S("shownOnceWarning"))->text().contains(S("You will not see this again")));
        // The store holds the hash, never the token; the password and expiry were taken.
        Query q(s->db->connection(), S("SELECT token_hash, password_hash, expires_at FROM shares WHERE id = :id"));
        q.bind(S(":id"), id);
        QVERIFY(q.exec() && q.next());
        QCOMPARE(q.str(0), ShareService::tokenHash(token));
        QVERIFY(!q.isNull(1));
        QVERIFY(!q.isNull(2));
        // The new share appears in the list by itself.
        QVERIFY(QTest::qWaitFor([&] { return panel.model()->rowOf(id) >= 0; }, 5000));
    }

    void createErrorsKeepTheDialogOpen()
    {
        SharesPanel panel(s->ctx, Actor::system(), {});
        panel.show();
        ui::CreateShareDialog *dialog = panel.openCreate();
        QVERIFY(QTest::qWaitFor([&] { return dialog->runsLoaded(); }, 5000));
        QTest::keyClicks(dialog->findChild<QLineEdit *>(S("sharePassword")), S("short"));
        QTest::mouseClick(dialog->findChild<QPushButton *>(S("createShareOk")), Qt::LeftButton);
        auto *error = dialog->findChild<QLabel *>(S("shareError"));
        QVERIFY(QTest::qWaitFor([&] { return !error->isHidden(); }, 5000));
        QVERIFY2(error->text().contains(S("password")), qPrintable(error->text()));
        QVERIFY(dialog->isVisible());
        QCOMPARE(s->count(S("shares")), 0);
    }

    void revokeAsksAndRevokes()
    {
        IssuedShare is = share();
        SharesPanel panel(s->ctx, Actor::system(), {});
        panel.show();
        QVERIFY(waitIdle(panel.model()));
        panel.view()->setFocus();
        panel.view()->selectRow(0);
        ui::Confirm::setNextAnswer(false);
        QTest::mouseClick(panel.findChild<QPushButton *>(S("revokeShare")), Qt::LeftButton);
        QVERIFY(ui::Confirm::lastText().contains(is.share.tokenPrefix));
        QTest::qWait(100);
        QCOMPARE(s->auditCount(S("share.revoke")), 0);
        ui::Confirm::setNextAnswer(true);
        QTest::mouseClick(panel.findChild<QPushButton *>(S("revokeShare")), Qt::LeftButton);
        QVERIFY(QTest::qWaitFor([&] { return s->auditCount(S("share.revoke")) == 1; }, 5000));
        QVERIFY(QTest::qWaitFor(
            [&] {
                return !panel.model()->isLoading() && panel.model()->rowCount() == 1
                    && panel.model()->shareAt(0).state == S("revoked");
            },
            5000));
    }

    void consentsAddRevokeAndExport()
    {
        share();
        SharesPanel panel(s->ctx, Actor::system(), {});
        panel.show();
        QVERIFY(waitIdle(panel.model()));
        QSignalSpy loaded(&panel, &SharesPanel::consentsLoaded);
        panel.view()->selectRow(0);
        QVERIFY(loaded.wait(5000));
        QTest::keyClicks(panel.findChild<QLineEdit *>(S("consentSubject")), S("Dr. Rivera"));
        QTest::keyClicks(panel.findChild<QLineEdit *>(S("consentScope")), S("reliability study"));
        QTest::mouseClick(panel.findChild<QPushButton *>(S("addConsent")), Qt::LeftButton);
        QVERIFY(QTest::qWaitFor([&] { return panel.consentsTable()->rowCount() == 1; }, 5000));
        QCOMPARE(s->count(S("reliability_consents")), 1);
        QCOMPARE(panel.consentsTable()->item(0, 0)->text(), S("Dr. Rivera"));

        QTemporaryDir dir;
        const QString path = dir.filePath(S("consent.json"));
        panel.consentsTable()->selectRow(0);
        ui::FileChooser::setNextPath(path);
        QSignalSpy exported(&panel, &SharesPanel::consentExported);
        QTest::mouseClick(panel.findChild<QPushButton *>(S("exportConsent")), Qt::LeftButton);
        QVERIFY(exported.wait(5000));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject doc = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(doc.value(S("consent")).toObject().value(S("subject")).toString(), S("Dr. Rivera"));

        panel.consentsTable()->selectRow(0);
        ui::Confirm::setNextAnswer(true);
        QTest::mouseClick(panel.findChild<QPushButton *>(S("revokeConsent")), Qt::LeftButton);
        QVERIFY(QTest::qWaitFor(
            [&] { return panel.consentsTable()->rowCount() == 1 && panel.consentsTable()->item(0, 2)->text() == S("Revoked"); },
            5000));
        QCOMPARE(s->auditCount(S("consent.revoke")), 1);
    }

    void inspectorExplainsActiveRevokedAndExpired()
    {
        IssuedShare active = share();
        IssuedShare revoked = share();
        QVERIFY(ShareService(s->ctx).revoke(s->actor(alice), revoked.share.id).ok());
        IssuedShare expiring = share({}, ids::formatTime(s->clock.nowMs() + 60'000));
        s->clock.advanceMs(3LL * 24 * 3600'000 + 60'000);
        SharesPanel panel(s->ctx, Actor::system(), {});
        panel.show();
        ui::ShareInspector *in = panel.inspector();

        QVERIFY(inspect(in, S("https://console.example/r/") + active.token));
        QCOMPARE(in->shownVerdict().state, PublicState::Active);
        QVERIFY2(stateText(in).startsWith(S("Active")), qPrintable(stateText(in)));
        QVERIFY(in->findChild<QPlainTextEdit *>(S("inspectPublic"))->toPlainText().contains(S("HTTP 200")));

        QVERIFY(inspect(in, revoked.token));
        QCOMPARE(in->shownVerdict().state, PublicState::Revoked);
        QVERIFY2(reasonText(in).contains(S("revoked 3 days ago")), qPrintable(reasonText(in)));
        const QString answer = in->findChild<QPlainTextEdit *>(S("inspectPublic"))->toPlainText();
        QVERIFY2(answer.contains(S("HTTP 410")) && answer.contains(S("share_revoked"))
                     && answer.contains(S("Cache-Control: no-store")),
                 qPrintable(answer));

        QVERIFY(inspect(in, expiring.token));
        QCOMPARE(in->shownVerdict().state, PublicState::Expired);
        QVERIFY2(reasonText(in).contains(S("expired 3 days ago")), qPrintable(reasonText(in)));
        // Inspecting counted no read.
        QCOMPARE(s->count(S("rate_counters")), 0);
    }

    // The reasons and notes come from the model as words the console translates:
    // German sentences with German durations, the API's English untouched.
    void inspectorSpeaksTheConsolesLanguage()
    {
        IssuedShare revoked = share();
        QVERIFY(ShareService(s->ctx).revoke(s->actor(alice), revoked.share.id).ok());
        IssuedShare expiring = share({}, ids::formatTime(s->clock.nowMs() + 3LL * 3600'000));
        s->clock.advanceMs(2 * 60'000);
        QVERIFY(ui::Translations::install(S("de")));
        auto restore = qScopeGuard([] { ui::Translations::install(S("en")); });
        SharesPanel panel(s->ctx, Actor::system(), {});
        panel.show();
        ui::ShareInspector *in = panel.inspector();

        QVERIFY(inspect(in, revoked.token));
        QVERIFY2(reasonText(in).contains(S("vor 2 Minuten widerrufen")), qPrintable(reasonText(in)));
        QCOMPARE(in->shownVerdict().reason.left(23), S("revoked 2 minutes ago, "));

        QVERIFY(inspect(in, expiring.token));
        const QString notes = in->findChild<QLabel *>(S("inspectNotes"))->text();
        QVERIFY2(notes.contains(S("Läuft in 2 Stunden ab")), qPrintable(notes));
        QVERIFY2(reasonText(in).contains(S("die Freigabe ist aktiv")), qPrintable(reasonText(in)));
    }

    void inspectorShowsTheLockAndUnlockClearsIt()
    {
        IssuedShare locked = share(S("pw-0123456789"));
        PublicShareResolver res(s->ctx);
        for (int i = 0; i < 5; ++i)
            QVERIFY(res.resolve(locked.token, kAddr, S("wrong-password")).ok());
        SharesPanel panel(s->ctx, Actor::system(), {});
        panel.show();
        ui::ShareInspector *in = panel.inspector();
        QVERIFY(inspect(in, locked.token));
        QCOMPARE(in->shownVerdict().state, PublicState::PasswordLocked);
        QVERIFY2(reasonText(in).contains(S("locked for 203.0.113.7 until")), qPrintable(reasonText(in)));
        auto *unlock = in->findChild<QPushButton *>(S("inspectUnlock"));
        QVERIFY(unlock->isEnabled());
        QSignalSpy done(in, &ui::ShareInspector::inspected);
        QTest::mouseClick(unlock, Qt::LeftButton);
        QVERIFY(QTest::qWaitFor([&] { return in->shownVerdict().state == PublicState::PasswordRequired; }, 5000));
        QCOMPARE(s->auditCount(S("share.unlock")), 1);
        QVERIFY(!unlock->isEnabled());
        QCOMPARE(res.resolve(locked.token, kAddr, std::nullopt)->code, S("share_password_required"));

        // A password typed in is tried without counting: right and wrong.
        auto *pw = in->findChild<QLineEdit *>(S("inspectPassword"));
        QTest::keyClicks(pw, S("pw-0123456789"));
        QVERIFY(inspect(in, locked.token));
        QCOMPARE(in->shownVerdict().state, PublicState::Active);
        pw->clear();
        QTest::keyClicks(pw, S("nope-nope-nope"));
        QVERIFY(inspect(in, locked.token));
        QCOMPARE(in->shownVerdict().state, PublicState::WrongPassword);
    }

    void inspectorExtendsTheExpiry()
    {
        IssuedShare is = share({}, ids::formatTime(s->clock.nowMs() + 3600'000));
        const QString before = storedExpiry(is.share.id);
        SharesPanel panel(s->ctx, Actor::system(), {});
        panel.show();
        ui::ShareInspector *in = panel.inspector();
        QVERIFY(inspect(in, is.token));
        auto *edit = in->findChild<QDateTimeEdit *>(S("inspectExpiry"));
        const QDateTime target = QDateTime::fromMSecsSinceEpoch(s->clock.nowMs()).addDays(30);
        edit->setDateTime(target);
        QTest::mouseClick(in->findChild<QPushButton *>(S("inspectExtend")), Qt::LeftButton);
        QVERIFY(QTest::qWaitFor([&] { return storedExpiry(is.share.id) != before; }, 5000));
        QCOMPARE(storedExpiry(is.share.id), ids::formatTime(edit->dateTime().toMSecsSinceEpoch()));
        QCOMPARE(s->auditCount(S("share.update")), 1);
    }
};

QTEST_MAIN(TestSharesPanel)
#include "tst_shares_panel.moc"
