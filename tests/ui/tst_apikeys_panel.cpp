// SPDX-License-Identifier: Apache-2.0
// The API keys panel: users listed for the administrator, a user's live keys,
// issue (secret shown once, its hash stored), rotate (a new secret shown once,
// the old one dead) and revoke with confirmation. Runs on SQLite and PostgreSQL.
#include "TestStore.h"

#include "models/accounts/ApiKeyService.h"
#include "models/crypto/Crypto.h"
#include "models/workspaces/WorkspaceService.h"
#include "ui/apikeys/ApiKeysModel.h"
#include "ui/apikeys/ApiKeysPanel.h"
#include "ui/apikeys/IssueKeyDialog.h"
#include "ui/common/Confirm.h"
#include "ui/common/ShownOnceDialog.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace Qt::StringLiterals;

using namespace wfx;
using wfx::ui::ApiKeysModel;
using wfx::ui::ApiKeysPanel;

namespace {
} // namespace

class TestApiKeysPanel : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, bob, wsBob;

    QString storedHash(const QString &keyId)
    {
        Query q(s->db->connection(), u"SELECT secret_hash FROM api_keys WHERE id = :id"_s);
        q.bind(u":id"_s, keyId);
        return q.exec() && q.next() ? q.str(0) : QString();
    }
    // A panel showing bob's keys.
    void openOnBob(ApiKeysPanel &panel)
    {
        panel.show();
        QVERIFY(QTest::qWaitFor([&] { return panel.usersLoaded(); }, 5000));
        QComboBox *user = panel.userPicker();
        QCOMPARE(user->count(), 2);
        user->setFocus();
        user->setCurrentIndex(user->findData(bob));
        QVERIFY(QTest::qWaitFor([&] { return !panel.model()->isLoading(); }, 5000));
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(u"alice@example.com"_s, true);
        s->clock.advanceMs(1);
        bob = s->createUser(u"bob@example.com"_s);
        wsBob = WorkspaceService(s->ctx).create(s->actor(bob), u"Bob's lab"_s)->id;
    }
    void cleanup()
    {
        QTest::qWait(0);
        s.reset();
    }

    void listsTheChosenUsersLiveKeysWithLastUse()
    {
        ApiKeyService svc(s->ctx);
        auto used = svc.issue(s->actor(bob), u"ci"_s);
        auto dead = svc.issue(s->actor(bob), u"old"_s);
        QVERIFY(svc.issue(s->actor(alice), u"alice's"_s).ok());
        QVERIFY(svc.revoke(s->actor(bob), dead->apiKey.id).ok());
        s->clock.advanceMs(60'000);
        QVERIFY(svc.authenticate(used->secret).ok());
        QCOMPARE(*svc.flushLastUsed(), 1);
        ApiKeysPanel panel(s->ctx, Actor::system());
        QAbstractItemModelTester tester(panel.model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        openOnBob(panel);
        QCOMPARE(panel.model()->rowCount(), 1);
        QCOMPARE(panel.model()->index(0, ApiKeysModel::Name).data().toString(), u"ci"_s);
        QVERIFY(panel.model()->index(0, ApiKeysModel::LastUsed).data().toString() != u"Never"_s);
    }

    void issueShowsTheSecretOnceAndStoresItsHash()
    {
        ApiKeysPanel panel(s->ctx, Actor::system());
        openOnBob(panel);
        QCOMPARE(panel.model()->rowCount(), 0);
        QTest::mouseClick(panel.findChild<QPushButton *>(u"issueKey"_s), Qt::LeftButton);
        auto *dialog = panel.findChild<ui::IssueKeyDialog *>();
        QVERIFY(dialog);
        QTest::keyClicks(dialog->findChild<QLineEdit *>(u"keyName"_s), u"training cluster"_s);
        auto *scope = dialog->findChild<QComboBox *>(u"keyScope"_s);
        scope->setCurrentIndex(scope->findData(wsBob));
        QSignalSpy issued(&panel, &ApiKeysPanel::keyIssued);
        QTest::mouseClick(dialog->findChild<QPushButton *>(u"issueKeyOk"_s), Qt::LeftButton);
        QVERIFY(issued.wait(5000));
        const QString keyId = issued.first().first().toString();
        ui::ShownOnceDialog *shown = panel.lastShownOnce();
        QVERIFY(shown);
        const QString secret = shown->value(u"keySecret"_s);
        QVERIFY(ApiKeyService::isWellFormedSecret(secret));
        QVERIFY(shown->findChild<QLabel *>(u"shownOnceWarning"_s)
                    ->text()
                    .contains(u"You will not see this again"_s));
        QCOMPARE(storedHash(keyId), crypto::sha256Hex(secret.toUtf8()));
        auto who = ApiKeyService(s->ctx).authenticate(secret);
        QVERIFY(who.ok());
        QCOMPARE(who->userId, bob);
        QCOMPARE(who->keyWorkspaceId, wsBob);
        QCOMPARE(s->auditCount(u"api_key.create"_s), 1);
        QVERIFY(QTest::qWaitFor([&] { return panel.model()->rowOf(keyId) >= 0; }, 5000));
        const int row = panel.model()->rowOf(keyId);
        QCOMPARE(panel.model()->index(row, ApiKeysModel::Scope).data().toString(), u"Bob's lab"_s);
        QCOMPARE(panel.model()->index(row, ApiKeysModel::LastUsed).data().toString(), u"Never"_s);
        // Nothing in the panel shows the secret any more.
        shown->close();
        QVERIFY(
            !panel.model()->index(row, ApiKeysModel::Prefix).data().toString().contains(secret));
    }

    void rotateShowsANewSecretAndKillsTheOld()
    {
        auto k = ApiKeyService(s->ctx).issue(s->actor(bob), u"ci"_s);
        ApiKeysPanel panel(s->ctx, Actor::system());
        openOnBob(panel);
        QCOMPARE(panel.model()->rowCount(), 1);
        panel.view()->selectRow(0);
        ui::Confirm::setNextAnswer(true);
        QSignalSpy rotated(&panel, &ApiKeysPanel::keyRotated);
        QTest::mouseClick(panel.findChild<QPushButton *>(u"rotateKey"_s), Qt::LeftButton);
        QVERIFY(ui::Confirm::lastText().contains(u"ci"_s));
        QVERIFY(rotated.wait(5000));
        const QString secret = panel.lastShownOnce()->value(u"keySecret"_s);
        QVERIFY(secret != k->secret);
        QCOMPARE(storedHash(k->apiKey.id), crypto::sha256Hex(secret.toUtf8()));
        QVERIFY(!ApiKeyService(s->ctx).authenticate(k->secret).ok());
        QVERIFY(ApiKeyService(s->ctx).authenticate(secret).ok());
    }

    void revokeAsksAndRemovesTheKey()
    {
        auto k = ApiKeyService(s->ctx).issue(s->actor(bob), u"ci"_s);
        ApiKeysPanel panel(s->ctx, Actor::system());
        openOnBob(panel);
        panel.view()->selectRow(0);
        ui::Confirm::setNextAnswer(false);
        QTest::mouseClick(panel.findChild<QPushButton *>(u"revokeKey"_s), Qt::LeftButton);
        QTest::qWait(100);
        QCOMPARE(s->auditCount(u"api_key.revoke"_s), 0);
        ui::Confirm::setNextAnswer(true);
        QSignalSpy revoked(&panel, &ApiKeysPanel::keyRevoked);
        QTest::mouseClick(panel.findChild<QPushButton *>(u"revokeKey"_s), Qt::LeftButton);
        QVERIFY(revoked.wait(5000));
        QVERIFY(!ApiKeyService(s->ctx).authenticate(k->secret).ok());
        QCOMPARE(s->auditCount(u"api_key.revoke"_s), 1);
        QVERIFY(QTest::qWaitFor(
            [&] { return !panel.model()->isLoading() && panel.model()->rowCount() == 0; }, 5000));
    }
};

QTEST_MAIN(TestApiKeysPanel)
#include "tst_apikeys_panel.moc"
