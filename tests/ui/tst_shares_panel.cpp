// SPDX-License-Identifier: Apache-2.0
// The Shares panel: create through the dialog (token and link shown once),
// revoke with confirmation, consents (add, revoke, export to a file), and the
// inspector's state and reason for active, revoked, expired and locked links,
// with unlock and extend. Runs on SQLite and PostgreSQL.
#include "TestStore.h"

#include "models/core/Ids.h"
#include "models/shares/PublicShareResolver.h"
#include "models/shares/ShareService.h"
#include "models/workspaces/WorkspaceService.h"
#include "ui/common/Confirm.h"
#include "ui/common/FileChooser.h"
#include "ui/common/ShownOnceDialog.h"
#include "ui/common/Translations.h"
#include "ui/shares/CreateShareDialog.h"
#include "ui/shares/ShareInspector.h"
#include "ui/shares/SharesModel.h"
#include "ui/shares/SharesPanel.h"

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

using namespace Qt::StringLiterals;

using namespace wfx;
using wfx::ui::SharesModel;
using wfx::ui::SharesPanel;

namespace {
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
        Query q(s->db->connection(),
                u"INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, status, "
                "created_at, manifest, evidence) VALUES (:id, :p, :w, :c, :n, 'completed', :t, "
                "'{\"algo\":\"ppo\"}', 'unsigned')"_s);
        q.bind(u":id"_s, id)
            .bind(u":p"_s, project)
            .bind(u":w"_s, ws)
            .bind(u":c"_s, id)
            .bind(u":n"_s, name)
            .bind(u":t"_s, s->clock.nowMs());
        if (!q.exec())
            qFatal("insertRun: %s", qPrintable(q.errorText()));
        return id;
    }
    IssuedShare share(std::optional<QString> password = {}, std::optional<QString> expires = {})
    {
        auto r =
            ShareService(s->ctx).create(s->actor(alice), ShareDraft{run, password, expires, {}});
        if (!r)
            qFatal("share: %s", qPrintable(r.error().message));
        return *r;
    }
    static bool waitIdle(SharesModel *m)
    {
        return QTest::qWaitFor([m] { return !m->isLoading(); }, 10000);
    }
    QString storedExpiry(const QString &id)
    {
        auto sh = ShareService::loadById(s->db->connection(), id, s->clock.nowMs());
        return sh && *sh && (*sh)->expiresAt ? ids::formatTime(*(*sh)->expiresAt) : QString();
    }
    // Inspects through the inspector's input and button; waits for the answer.
    bool inspect(ui::ShareInspector *in, const QString &input, const QString &address = kAddr)
    {
        auto *edit = in->findChild<QLineEdit *>(u"inspectInput"_s);
        edit->clear();
        QTest::keyClicks(edit, input);
        auto *addr = in->findChild<QLineEdit *>(u"inspectAddress"_s);
        addr->clear();
        QTest::keyClicks(addr, address);
        QSignalSpy done(in, &ui::ShareInspector::inspected);
        QTest::mouseClick(in->findChild<QPushButton *>(u"inspectButton"_s), Qt::LeftButton);
        return done.wait(10000);
    }
    QString stateText(ui::ShareInspector *in)
    {
        return in->findChild<QLabel *>(u"inspectState"_s)->text();
    }
    QString reasonText(ui::ShareInspector *in)
    {
        return in->findChild<QLabel *>(u"inspectReason"_s)->text();
    }

private slots:
    void initTestCase()
    {
        wfxtest::useFastPasswordHashing();
        // As the console does: English needs its plural forms ("3 days").
        QVERIFY(ui::Translations::install(u"en"_s));
    }
    void cleanupTestCase() { QVERIFY(ui::Translations::install(u"en"_s)); }
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(u"alice@example.com"_s);
        WorkspaceService w(s->ctx);
        ws = w.create(s->actor(alice), u"Robotics lab"_s)->id;
        project = w.createProject(s->actor(alice), ws, u"dreamer"_s)->id;
        run = insertRun(u"ppo-cartpole"_s);
    }
    void cleanup()
    {
        QTest::qWait(0);
        s.reset();
    }

    void listShowsEverySharesStateForTheSystemActor()
    {
        share();
        IssuedShare revoked = share(u"pw-0123456789"_s);
        QVERIFY(ShareService(s->ctx).revoke(s->actor(alice), revoked.share.id).ok());
        SharesPanel panel(s->ctx, Actor::system(), [] { return u"http://console.test"_s; });
        QAbstractItemModelTester tester(panel.model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(waitIdle(panel.model()));
        QCOMPARE(panel.model()->rowCount(), 2);
        const int r = panel.model()->rowOf(revoked.share.id);
        QCOMPARE(panel.model()->index(r, SharesModel::State).data().toString(), u"Revoked"_s);
        QCOMPARE(panel.model()->index(r, SharesModel::Password).data().toString(), u"Yes"_s);
        QCOMPARE(panel.model()->index(r, SharesModel::Run).data().toString(), u"ppo-cartpole"_s);
        QCOMPARE(panel.model()->index(1 - r, SharesModel::State).data().toString(), u"Active"_s);
        QCOMPARE(panel.model()->index(1 - r, SharesModel::Expires).data().toString(), u"Never"_s);
    }

    void createThroughTheDialogShowsTokenAndLinkOnce()
    {
        SharesPanel panel(s->ctx, Actor::system(), [] { return u"http://console.test"_s; });
        panel.show();
        QVERIFY(waitIdle(panel.model()));
        QTest::mouseClick(panel.findChild<QPushButton *>(u"newShare"_s), Qt::LeftButton);
        auto *dialog = panel.findChild<ui::CreateShareDialog *>();
        QVERIFY(dialog);
        QVERIFY(QTest::qWaitFor([&] { return dialog->runsLoaded(); }, 5000));
        auto *runBox = dialog->findChild<QComboBox *>(u"shareRun"_s);
        QCOMPARE(runBox->currentData().toString(), run);
        QTest::keyClicks(dialog->findChild<QLineEdit *>(u"sharePassword"_s), u"pw-0123456789"_s);
        dialog->findChild<QCheckBox *>(u"shareExpires"_s)->setChecked(true);
        QSignalSpy created(&panel, &SharesPanel::shareCreated);
        QTest::mouseClick(dialog->findChild<QPushButton *>(u"createShareOk"_s), Qt::LeftButton);
        QVERIFY(created.wait(10000));
        const QString id = created.first().first().toString();
        QCOMPARE(s->count(u"shares"_s), 1);
        QCOMPARE(s->auditCount(u"share.create"_s), 1);
        ui::ShownOnceDialog *shown = panel.lastShownOnce();
        QVERIFY(shown);
        const QString token = shown->value(u"shareToken"_s);
        QVERIFY(ShareService::isWellFormedToken(token));
        QCOMPARE(shown->value(u"shareLink"_s), u"http://console.test/r/"_s + token);
        QVERIFY(shown->findChild<QLabel *>(u"shownOnceWarning"_s)
                    ->text()
                    .contains(u"You will not see this again"_s));
        // The store holds the hash, never the token; the password and expiry were taken.
        Query q(s->db->connection(),
                u"SELECT token_hash, password_hash, expires_at FROM shares WHERE id = :id"_s);
        q.bind(u":id"_s, id);
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
        QTest::keyClicks(dialog->findChild<QLineEdit *>(u"sharePassword"_s), u"short"_s);
        QTest::mouseClick(dialog->findChild<QPushButton *>(u"createShareOk"_s), Qt::LeftButton);
        auto *error = dialog->findChild<QLabel *>(u"shareError"_s);
        QVERIFY(QTest::qWaitFor([&] { return !error->isHidden(); }, 5000));
        QVERIFY2(error->text().contains(u"password"_s), qPrintable(error->text()));
        QVERIFY(dialog->isVisible());
        QCOMPARE(s->count(u"shares"_s), 0);
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
        QTest::mouseClick(panel.findChild<QPushButton *>(u"revokeShare"_s), Qt::LeftButton);
        QVERIFY(ui::Confirm::lastText().contains(is.share.tokenPrefix));
        QTest::qWait(100);
        QCOMPARE(s->auditCount(u"share.revoke"_s), 0);
        ui::Confirm::setNextAnswer(true);
        QTest::mouseClick(panel.findChild<QPushButton *>(u"revokeShare"_s), Qt::LeftButton);
        QVERIFY(QTest::qWaitFor([&] { return s->auditCount(u"share.revoke"_s) == 1; }, 5000));
        QVERIFY(QTest::qWaitFor(
            [&] {
                return !panel.model()->isLoading() && panel.model()->rowCount() == 1 &&
                       panel.model()->shareAt(0).state == u"revoked"_s;
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
        QTest::keyClicks(panel.findChild<QLineEdit *>(u"consentSubject"_s), u"Dr. Rivera"_s);
        QTest::keyClicks(panel.findChild<QLineEdit *>(u"consentScope"_s), u"reliability study"_s);
        QTest::mouseClick(panel.findChild<QPushButton *>(u"addConsent"_s), Qt::LeftButton);
        QVERIFY(QTest::qWaitFor([&] { return panel.consentsTable()->rowCount() == 1; }, 5000));
        QCOMPARE(s->count(u"reliability_consents"_s), 1);
        QCOMPARE(panel.consentsTable()->item(0, 0)->text(), u"Dr. Rivera"_s);

        QTemporaryDir dir;
        const QString path = dir.filePath(u"consent.json"_s);
        panel.consentsTable()->selectRow(0);
        ui::FileChooser::setNextAnswer(path);
        QSignalSpy exported(&panel, &SharesPanel::consentExported);
        QTest::mouseClick(panel.findChild<QPushButton *>(u"exportConsent"_s), Qt::LeftButton);
        QVERIFY(exported.wait(5000));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject doc = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(doc.value(u"consent"_s).toObject().value(u"subject"_s).toString(),
                 u"Dr. Rivera"_s);

        panel.consentsTable()->selectRow(0);
        ui::Confirm::setNextAnswer(true);
        QTest::mouseClick(panel.findChild<QPushButton *>(u"revokeConsent"_s), Qt::LeftButton);
        QVERIFY(QTest::qWaitFor(
            [&] {
                return panel.consentsTable()->rowCount() == 1 &&
                       panel.consentsTable()->item(0, 2)->text() == u"Revoked"_s;
            },
            5000));
        QCOMPARE(s->auditCount(u"consent.revoke"_s), 1);
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

        QVERIFY(inspect(in, u"https://console.example/r/"_s + active.token));
        QCOMPARE(in->shownVerdict().state, PublicState::Active);
        QVERIFY2(stateText(in).startsWith(u"Active"_s), qPrintable(stateText(in)));
        QVERIFY(in->findChild<QPlainTextEdit *>(u"inspectPublic"_s)
                    ->toPlainText()
                    .contains(u"HTTP 200"_s));

        QVERIFY(inspect(in, revoked.token));
        QCOMPARE(in->shownVerdict().state, PublicState::Revoked);
        QVERIFY2(reasonText(in).contains(u"revoked 3 days ago"_s), qPrintable(reasonText(in)));
        const QString answer = in->findChild<QPlainTextEdit *>(u"inspectPublic"_s)->toPlainText();
        QVERIFY2(answer.contains(u"HTTP 410"_s) && answer.contains(u"share_revoked"_s) &&
                     answer.contains(u"Cache-Control: no-store"_s),
                 qPrintable(answer));

        QVERIFY(inspect(in, expiring.token));
        QCOMPARE(in->shownVerdict().state, PublicState::Expired);
        QVERIFY2(reasonText(in).contains(u"expired 3 days ago"_s), qPrintable(reasonText(in)));
        // Inspecting counted no read.
        QCOMPARE(s->count(u"rate_counters"_s), 0);
    }

    // The reasons and notes come from the model as words the console translates:
    // German sentences with German durations, the API's English untouched.
    void inspectorSpeaksTheConsolesLanguage()
    {
        IssuedShare revoked = share();
        QVERIFY(ShareService(s->ctx).revoke(s->actor(alice), revoked.share.id).ok());
        IssuedShare expiring = share({}, ids::formatTime(s->clock.nowMs() + 3LL * 3600'000));
        s->clock.advanceMs(2 * 60'000);
        QVERIFY(ui::Translations::install(u"de"_s));
        auto restore = qScopeGuard([] { ui::Translations::install(u"en"_s); });
        SharesPanel panel(s->ctx, Actor::system(), {});
        panel.show();
        ui::ShareInspector *in = panel.inspector();

        QVERIFY(inspect(in, revoked.token));
        QVERIFY2(reasonText(in).contains(u"vor 2 Minuten widerrufen"_s),
                 qPrintable(reasonText(in)));
        QCOMPARE(in->shownVerdict().reason.left(23), u"revoked 2 minutes ago, "_s);

        QVERIFY(inspect(in, expiring.token));
        const QString notes = in->findChild<QLabel *>(u"inspectNotes"_s)->text();
        QVERIFY2(notes.contains(u"Läuft in 2 Stunden ab"_s), qPrintable(notes));
        QVERIFY2(reasonText(in).contains(u"die Freigabe ist aktiv"_s), qPrintable(reasonText(in)));
    }

    void inspectorShowsTheLockAndUnlockClearsIt()
    {
        IssuedShare locked = share(u"pw-0123456789"_s);
        PublicShareResolver res(s->ctx);
        for (int i = 0; i < 5; ++i)
            QVERIFY(res.resolve(locked.token, kAddr, u"wrong-password"_s).ok());
        SharesPanel panel(s->ctx, Actor::system(), {});
        panel.show();
        ui::ShareInspector *in = panel.inspector();
        QVERIFY(inspect(in, locked.token));
        QCOMPARE(in->shownVerdict().state, PublicState::PasswordLocked);
        QVERIFY2(reasonText(in).contains(u"locked for 203.0.113.7 until"_s),
                 qPrintable(reasonText(in)));
        auto *unlock = in->findChild<QPushButton *>(u"inspectUnlock"_s);
        QVERIFY(unlock->isEnabled());
        QSignalSpy done(in, &ui::ShareInspector::inspected);
        QTest::mouseClick(unlock, Qt::LeftButton);
        QVERIFY(QTest::qWaitFor(
            [&] { return in->shownVerdict().state == PublicState::PasswordRequired; }, 5000));
        QCOMPARE(s->auditCount(u"share.unlock"_s), 1);
        QVERIFY(!unlock->isEnabled());
        QCOMPARE(res.resolve(locked.token, kAddr, std::nullopt)->code,
                 u"share_password_required"_s);

        // A password typed in is tried without counting: right and wrong.
        auto *pw = in->findChild<QLineEdit *>(u"inspectPassword"_s);
        QTest::keyClicks(pw, u"pw-0123456789"_s);
        QVERIFY(inspect(in, locked.token));
        QCOMPARE(in->shownVerdict().state, PublicState::Active);
        pw->clear();
        QTest::keyClicks(pw, u"nope-nope-nope"_s);
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
        auto *edit = in->findChild<QDateTimeEdit *>(u"inspectExpiry"_s);
        const QDateTime target = QDateTime::fromMSecsSinceEpoch(s->clock.nowMs()).addDays(30);
        edit->setDateTime(target);
        QTest::mouseClick(in->findChild<QPushButton *>(u"inspectExtend"_s), Qt::LeftButton);
        QVERIFY(QTest::qWaitFor([&] { return storedExpiry(is.share.id) != before; }, 5000));
        QCOMPARE(storedExpiry(is.share.id), ids::formatTime(edit->dateTime().toMSecsSinceEpoch()));
        QCOMPARE(s->auditCount(u"share.update"_s), 1);
    }
};

QTEST_MAIN(TestSharesPanel)
#include "tst_shares_panel.moc"
