// SPDX-License-Identifier: Apache-2.0
#include "TestStore.h"

#include "models/accounts/AccountService.h"

#include "models/accounts/MailOutbox.h"
#include "models/accounts/SendmailTransport.h"
#include "models/audit/AuditService.h"
#include "models/core/RateLimiter.h"
#include "models/workspaces/WorkspaceService.h"
#include <QSet>

#include <QFile>
#include <QJsonDocument>

using namespace wfx;

namespace {
const QString kLocal = QStringLiteral("127.0.0.1");
const QString kRemote = QStringLiteral("203.0.113.7");
const QString kPassword = QStringLiteral("correct horse battery");

class FakeTransport final : public MailTransport
{
public:
    Status send(const MailMessage &m) override
    {
        if (fail)
            return Error{ErrorCode::Unavailable, QStringLiteral("relay refused")};
        sent.append(m);
        return Ok{};
    }
    bool fail = false;
    QList<MailMessage> sent;
};

QString resetToken(const QString &body)
{
    const auto i = body.indexOf(QStringLiteral("wfxrst_"));
    return i < 0 ? QString() : body.mid(i, 7 + 43);
}
} // namespace

class TestAccounts : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    std::shared_ptr<FakeTransport> transport;
    std::shared_ptr<MailOutbox> outbox;

    AccountService service(AccountPolicy policy = {})
    {
        return AccountService(s->ctx, outbox, policy);
    }
    User signup(const QString &email, const QString &ip = kLocal)
    {
        auto u = service().signup(email, kPassword, ip);
        if (!u.ok())
            qFatal("signup failed: %s", qPrintable(u.error().message));
        return *u;
    }
    qint64 scalar(const QString &sql, const QString &bindName = {}, const QVariant &v = {})
    {
        Query q(s->db->connection(), sql);
        if (!bindName.isEmpty())
            q.bind(bindName, v);
        return q.exec() && q.next() ? q.i64(0) : -1;
    }

private slots:
    void initTestCase() { wfxtest::useFastPasswordHashing(); }
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        transport = std::make_shared<FakeTransport>();
        outbox = std::make_shared<MailOutbox>(s->ctx, transport);
    }
    void cleanup()
    {
        outbox.reset();
        s.reset();
    }

    void firstSignupFromLoopbackBecomesAdmin()
    {
        auto first = service().signup(QStringLiteral("  Admin@Example.COM "), kPassword, kLocal);
        QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : first.error().message));
        QCOMPARE(first->email, QStringLiteral("admin@example.com"));
        QVERIFY(first->isAdmin);
        QVERIFY(ids::isUuid(first->id));
        const QJsonObject j = first->toJson();
        QCOMPARE(j.value(QStringLiteral("email")).toString(), QStringLiteral("admin@example.com"));
        QVERIFY(j.value(QStringLiteral("is_admin")).toBool());
        QVERIFY(!j.contains(QStringLiteral("password_hash")));
        // Later accounts are ordinary, from anywhere.
        auto second = service().signup(QStringLiteral("user@example.com"), kPassword, kRemote);
        QVERIFY(second.ok());
        QVERIFY(!second->isAdmin);
        QCOMPARE(s->auditCount(QStringLiteral("user.signup")), 2);
        // The stored password is a scrypt hash, not the password.
        Query q(s->db->connection(),
                QStringLiteral("SELECT password_hash FROM users WHERE id = :id"));
        q.bind(QStringLiteral(":id"), second->id);
        QVERIFY(q.exec() && q.next());
        QVERIFY(q.str(0).startsWith(QStringLiteral("scrypt$")));
        QVERIFY(!q.str(0).contains(kPassword));
    }

    void firstSignupFromElsewhereNeedsSetupToken()
    {
        AccountService acc = service();
        auto token = acc.ensureSetupToken();
        QVERIFY(token.ok());
        QVERIFY(token->startsWith(QStringLiteral("wfxsetup_")));
        auto refused = acc.signup(QStringLiteral("a@example.com"), kPassword, kRemote);
        QCOMPARE(refused.error().code, ErrorCode::Forbidden);
        QCOMPARE(acc.signup(QStringLiteral("a@example.com"), kPassword, kRemote,
                            QStringLiteral("wfxsetup_wrong"))
                     .error()
                     .code,
                 ErrorCode::Forbidden);
        QCOMPARE(s->count(QStringLiteral("users")), 0);
        // Only the hash is stored.
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM instance_settings WHERE value = :v"),
                        QStringLiteral(":v"), *token),
                 0);
        auto ok = acc.signup(QStringLiteral("a@example.com"), kPassword, kRemote, *token);
        QVERIFY(ok.ok());
        QVERIFY(ok->isAdmin);
        // Consumed: no setup token remains and none is issued any more.
        QCOMPARE(scalar(QStringLiteral(
                     "SELECT COUNT(*) FROM instance_settings WHERE key = 'setup_token_hash'")),
                 0);
        auto again = acc.ensureSetupToken();
        QVERIFY(again.ok());
        QVERIFY(again->isEmpty());
    }

    void newSetupTokenReplacesThePreviousOne()
    {
        AccountService acc = service();
        const QString old = *acc.ensureSetupToken();
        const QString fresh = *acc.ensureSetupToken();
        QVERIFY(old != fresh);
        QCOMPARE(acc.signup(QStringLiteral("a@example.com"), kPassword, kRemote, old).error().code,
                 ErrorCode::Forbidden);
        QVERIFY(acc.signup(QStringLiteral("a@example.com"), kPassword, kRemote, fresh).ok());
    }

    void loopbackAddresses_data()
    {
        QTest::addColumn<QString>("ip");
        QTest::addColumn<bool>("loopback");
        QTest::newRow("v4") << QStringLiteral("127.0.0.1") << true;
        QTest::newRow("v4 net") << QStringLiteral("127.1.2.3") << true;
        QTest::newRow("v6") << QStringLiteral("::1") << true;
        QTest::newRow("v6 long") << QStringLiteral("0:0:0:0:0:0:0:1") << true;
        QTest::newRow("v6 bracket") << QStringLiteral("[::1]") << true;
        QTest::newRow("mapped") << QStringLiteral("::ffff:127.0.0.1") << true;
        QTest::newRow("remote") << QStringLiteral("203.0.113.7") << false;
        QTest::newRow("private") << QStringLiteral("10.0.0.1") << false;
        QTest::newRow("mapped remote") << QStringLiteral("::ffff:10.0.0.1") << false;
        QTest::newRow("lookalike") << QStringLiteral("127.0.0.1.evil.example") << false;
        QTest::newRow("out of range") << QStringLiteral("127.0.0.256") << false;
        QTest::newRow("empty") << QString() << false;
    }
    void loopbackAddresses()
    {
        QFETCH(QString, ip);
        QFETCH(bool, loopback);
        QCOMPARE(AccountService::isLoopbackAddress(ip), loopback);
    }

    void signupValidation_data()
    {
        QTest::addColumn<QString>("email");
        QTest::addColumn<QString>("password");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("issue");
        QTest::newRow("no email") << QString() << kPassword << QStringLiteral("email")
                                  << QStringLiteral("required");
        QTest::newRow("bad email") << QStringLiteral("not-an-email") << kPassword
                                   << QStringLiteral("email") << QStringLiteral("invalid");
        QTest::newRow("long email")
            << QString(QString(250, QLatin1Char('a')) + QStringLiteral("@example.com")) << kPassword
            << QStringLiteral("email") << QStringLiteral("too_long");
        QTest::newRow("short password")
            << QStringLiteral("a@example.com") << QStringLiteral("123456789")
            << QStringLiteral("password") << QStringLiteral("too_short");
        QTest::newRow("long password")
            << QStringLiteral("a@example.com") << QString(1025, QLatin1Char('p'))
            << QStringLiteral("password") << QStringLiteral("too_long");
    }
    void signupValidation()
    {
        QFETCH(QString, email);
        QFETCH(QString, password);
        QFETCH(QString, field);
        QFETCH(QString, issue);
        auto u = service().signup(email, password, kLocal);
        QVERIFY(!u.ok());
        QCOMPARE(u.error().code, ErrorCode::Validation);
        QCOMPARE(u.error().details.value(0).field, field);
        QCOMPARE(u.error().details.value(0).issue, issue);
        QCOMPARE(s->count(QStringLiteral("users")), 0);
        QCOMPARE(s->count(QStringLiteral("audit_log")), 0);
    }

    void duplicateEmailIsConflict()
    {
        signup(QStringLiteral("a@example.com"));
        auto dup = service().signup(QStringLiteral(" A@Example.com"), kPassword, kRemote);
        QCOMPARE(dup.error().code, ErrorCode::Conflict);
        QCOMPARE(s->count(QStringLiteral("users")), 1);
        QCOMPARE(s->auditCount(QStringLiteral("user.signup")), 1);
    }

    void adminTurnsSignupOff()
    {
        const User admin = signup(QStringLiteral("admin@example.com"));
        const User user = signup(QStringLiteral("user@example.com"), kRemote);
        AccountService acc = service();
        QCOMPARE(acc.setSignupEnabled(s->actor(user.id), false).error().code, ErrorCode::Forbidden);
        QVERIFY(*acc.signupEnabled());
        QVERIFY(acc.setSignupEnabled(s->actor(admin.id), false).ok());
        QVERIFY(acc.setSignupEnabled(s->actor(admin.id), false).ok()); // no change, no entry
        QVERIFY(!*acc.signupEnabled());
        QCOMPARE(acc.signup(QStringLiteral("late@example.com"), kPassword, kLocal).error().code,
                 ErrorCode::Forbidden);
        QVERIFY(acc.setSignupEnabled(s->actor(admin.id), true).ok());
        QVERIFY(acc.signup(QStringLiteral("late@example.com"), kPassword, kRemote).ok());
        QCOMPARE(s->auditCount(QStringLiteral("instance.signup_toggle")), 2);
    }

    void unknownEmailAndWrongPasswordLookTheSame()
    {
        signup(QStringLiteral("a@example.com"));
        AccountService acc = service();
        auto unknown = acc.login(QStringLiteral("nobody@example.com"), kPassword, kRemote);
        auto wrong =
            acc.login(QStringLiteral("a@example.com"), QStringLiteral("wrong password!"), kRemote);
        QVERIFY(!unknown.ok() && !wrong.ok());
        QCOMPARE(unknown.error().code, ErrorCode::InvalidCredentials);
        QCOMPARE(wrong.error().code, unknown.error().code);
        QCOMPARE(wrong.error().message, unknown.error().message);
        QVERIFY(wrong.error().details.isEmpty() && unknown.error().details.isEmpty());
        QVERIFY(wrong.error().extra.isEmpty() && unknown.error().extra.isEmpty());
        QCOMPARE(s->count(QStringLiteral("sessions")), 0);
        QCOMPARE(s->auditCount(QStringLiteral("user.login")), 0);
        // Both failures were counted: the unknown email has its own bucket too.
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(DISTINCT bucket) FROM rate_counters WHERE "
                                       "bucket LIKE 'login:acct:%'")),
                 2);
        // Bucket names never hold the address itself.
        QCOMPARE(scalar(QStringLiteral(
                     "SELECT COUNT(*) FROM rate_counters WHERE bucket LIKE '%example.com%'")),
                 0);
    }

    void loginGivesANewSessionEveryTime()
    {
        const User u = signup(QStringLiteral("a@example.com"));
        AccountService acc = service();
        auto one = acc.login(QStringLiteral("A@example.com"), kPassword, kRemote);
        QVERIFY2(one.ok(), qPrintable(one.ok() ? QString() : one.error().message));
        QCOMPARE(one->user.id, u.id);
        QVERIFY(one->session.id.size() >= 43);
        QVERIFY(!one->session.csrfToken.isEmpty());
        QCOMPARE(one->session.idHash, crypto::sha256Hex(one->session.id.toUtf8()));
        // Only the hash is stored.
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE id_hash = :h"),
                        QStringLiteral(":h"), one->session.id),
                 0);
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE id_hash = :h"),
                        QStringLiteral(":h"), one->session.idHash),
                 1);
        // A second login replacing the first: a new id, and the old one is dead.
        auto two = acc.login(QStringLiteral("a@example.com"), kPassword, kRemote, one->session.id);
        QVERIFY(two.ok());
        QVERIFY(two->session.id != one->session.id);
        QCOMPARE(acc.authenticate(one->session.id).error().code, ErrorCode::LoginRequired);
        auto who = acc.authenticate(two->session.id);
        QVERIFY(who.ok());
        QCOMPARE(who->user.email, QStringLiteral("a@example.com"));
        QVERIFY(who->session.csrfMatches(two->session.csrfToken));
        QVERIFY(!who->session.csrfMatches(one->session.csrfToken));
        QVERIFY(!who->session.csrfMatches(QString()));
        QCOMPARE(s->auditCount(QStringLiteral("user.login")), 2);
        AuditService audit(s->ctx);
        AuditFilter f;
        f.action = QStringLiteral("user.login");
        auto entries = audit.list(Actor::system(), f, 10, {});
        QCOMPARE(entries->items.value(0).actorId, u.id);
        QVERIFY(entries->items.value(0).workspaceId.isEmpty());
        const QJsonObject j = who->session.toJson();
        QVERIFY(!j.contains(QStringLiteral("id")) && !j.contains(QStringLiteral("csrf_token")));
        QVERIFY(j.contains(QStringLiteral("expires_at")));
    }

    void failedLoginsPerAccountAreRateLimited()
    {
        signup(QStringLiteral("a@example.com"));
        AccountPolicy p; // 10 failures in 15 minutes per account
        AccountService acc = service(p);
        for (int i = 0; i < p.accountFailures; ++i) {
            // Each from another address, so only the account's counter trips.
            const QString ip = QStringLiteral("198.51.100.%1").arg(i + 1);
            QCOMPARE(
                acc.login(QStringLiteral("a@example.com"), QStringLiteral("wrong password"), ip)
                    .error()
                    .code,
                ErrorCode::InvalidCredentials);
        }
        auto limited =
            acc.login(QStringLiteral("a@example.com"), kPassword, QStringLiteral("198.51.100.200"));
        QVERIFY(!limited.ok());
        QCOMPARE(limited.error().code, ErrorCode::RateLimited);
        QVERIFY(limited.error().extra.value(QStringLiteral("retry_after")).toDouble() > 0);
        QCOMPARE(limited.error().extra.value(QStringLiteral("retry_after")).toDouble(),
                 double(p.lockMs / 1000));
        // An unknown email is throttled the same way (no existence oracle).
        for (int i = 0; i < p.accountFailures; ++i)
            (void)acc.login(QStringLiteral("ghost@example.com"), QStringLiteral("wrong password"),
                            QStringLiteral("198.51.100.%1").arg(i + 1));
        QCOMPARE(acc.login(QStringLiteral("ghost@example.com"), kPassword, kRemote).error().code,
                 ErrorCode::RateLimited);
        // The lock ends.
        s->clock.advanceMs(p.lockMs + 1);
        QVERIFY(acc.login(QStringLiteral("a@example.com"), kPassword, kRemote).ok());
    }

    void failedLoginsPerAddressAreRateLimited()
    {
        signup(QStringLiteral("a@example.com"));
        AccountPolicy p;
        p.addressFailures = 3;
        AccountService acc = service(p);
        for (int i = 0; i < 3; ++i)
            (void)acc.login(QStringLiteral("guess%1@example.com").arg(i),
                            QStringLiteral("wrong password"), kRemote);
        QCOMPARE(acc.login(QStringLiteral("a@example.com"), kPassword, kRemote).error().code,
                 ErrorCode::RateLimited);
        // Another address is unaffected.
        QVERIFY(
            acc.login(QStringLiteral("a@example.com"), kPassword, QStringLiteral("198.51.100.1"))
                .ok());
    }

    void sessionRenewsAtMostOnceAMinute()
    {
        signup(QStringLiteral("a@example.com"));
        AccountPolicy p;
        AccountService acc = service(p);
        auto in = acc.login(QStringLiteral("a@example.com"), kPassword, kRemote);
        const qint64 t0 = s->clock.nowMs();
        QCOMPARE(in->session.expiresAt, t0 + p.sessionIdleMs);
        const QString lastSeenSql =
            QStringLiteral("SELECT last_seen_at FROM sessions WHERE id_hash = :h");
        s->clock.advanceMs(30'000);
        QVERIFY(acc.authenticate(in->session.id).ok());
        QCOMPARE(scalar(lastSeenSql, QStringLiteral(":h"), in->session.idHash), t0); // no write
        s->clock.advanceMs(31'000);
        auto renewed = acc.authenticate(in->session.id);
        QVERIFY(renewed.ok());
        QCOMPARE(scalar(lastSeenSql, QStringLiteral(":h"), in->session.idHash), t0 + 61'000);
        QCOMPARE(renewed->session.expiresAt, t0 + 61'000 + p.sessionIdleMs);
    }

    void idleSessionExpires()
    {
        signup(QStringLiteral("a@example.com"));
        AccountPolicy p;
        AccountService acc = service(p);
        auto in = acc.login(QStringLiteral("a@example.com"), kPassword, kRemote);
        s->clock.advanceMs(p.sessionIdleMs - 1000);
        QVERIFY(acc.authenticate(in->session.id).ok()); // renews
        s->clock.advanceMs(p.sessionIdleMs + 1);
        QCOMPARE(acc.authenticate(in->session.id).error().code, ErrorCode::LoginRequired);
        QCOMPARE(s->count(QStringLiteral("sessions")), 0);
    }

    void sessionEndsAfterThirtyDaysWhateverTheUse()
    {
        signup(QStringLiteral("a@example.com"));
        AccountPolicy p;
        AccountService acc = service(p);
        auto in = acc.login(QStringLiteral("a@example.com"), kPassword, kRemote);
        const qint64 day = 24LL * 3600 * 1000;
        for (int d = 1; d < 30; ++d) {
            s->clock.advanceMs(day);
            QVERIFY2(acc.authenticate(in->session.id).ok(), qPrintable(QString::number(d)));
        }
        auto last = acc.authenticate(in->session.id);
        QCOMPARE(last->session.expiresAt, in->session.createdAt + p.sessionAbsoluteMs);
        s->clock.advanceMs(day);
        QCOMPARE(acc.authenticate(in->session.id).error().code, ErrorCode::LoginRequired);
    }

    void malformedSessionIdsAreRefused()
    {
        AccountService acc = service();
        QCOMPARE(acc.authenticate(QString()).error().code, ErrorCode::LoginRequired);
        QCOMPARE(acc.authenticate(QString(500, QLatin1Char('a'))).error().code,
                 ErrorCode::LoginRequired);
        QCOMPARE(acc.authenticate(QStringLiteral("nonexistent")).error().code,
                 ErrorCode::LoginRequired);
    }

    void logoutKillsTheSession()
    {
        const User u = signup(QStringLiteral("a@example.com"));
        AccountService acc = service();
        auto a = acc.login(QStringLiteral("a@example.com"), kPassword, kRemote);
        auto b = acc.login(QStringLiteral("a@example.com"), kPassword, kRemote);
        QVERIFY(acc.logout(a->session.id).ok());
        QCOMPARE(acc.authenticate(a->session.id).error().code, ErrorCode::LoginRequired);
        QVERIFY(acc.authenticate(b->session.id).ok()); // only that session
        QVERIFY(acc.logout(a->session.id).ok());       // again: nothing to do
        QCOMPARE(s->auditCount(QStringLiteral("user.logout")), 1);
        AuditService audit(s->ctx);
        AuditFilter f;
        f.action = QStringLiteral("user.logout");
        QCOMPARE(audit.list(Actor::system(), f, 10, {})->items.value(0).actorId, u.id);
    }

    void changePasswordEndsEverySession()
    {
        const User u = signup(QStringLiteral("a@example.com"));
        AccountService acc = service();
        auto a = acc.login(QStringLiteral("a@example.com"), kPassword, kRemote);
        auto b = acc.login(QStringLiteral("a@example.com"), kPassword, kRemote);
        const QString newPassword = QStringLiteral("an even better password");
        auto wrong =
            acc.changePassword(s->actor(u.id), QStringLiteral("not my password"), newPassword);
        QCOMPARE(wrong.error().code, ErrorCode::InvalidCredentials);
        QCOMPARE(
            acc.changePassword(s->actor(u.id), kPassword, QStringLiteral("short")).error().code,
            ErrorCode::Validation);
        QVERIFY(acc.authenticate(a->session.id).ok());
        auto changed = acc.changePassword(s->actor(u.id), kPassword, newPassword);
        QVERIFY(changed.ok());
        QCOMPARE(acc.authenticate(a->session.id).error().code, ErrorCode::LoginRequired);
        QCOMPARE(acc.authenticate(b->session.id).error().code, ErrorCode::LoginRequired);
        QVERIFY(acc.authenticate(changed->session.id).ok());
        QCOMPARE(s->count(QStringLiteral("sessions")), 1);
        QCOMPARE(acc.login(QStringLiteral("a@example.com"), kPassword, kRemote).error().code,
                 ErrorCode::InvalidCredentials);
        QVERIFY(acc.login(QStringLiteral("a@example.com"), newPassword, kRemote).ok());
        QCOMPARE(s->auditCount(QStringLiteral("user.password_change")), 1);
    }

    void resetRequestForUnknownEmailSendsNothing()
    {
        signup(QStringLiteral("a@example.com"));
        AccountService acc = service();
        QVERIFY(acc.requestPasswordReset(QStringLiteral("nobody@example.com"), kRemote).ok());
        QCOMPARE(acc.requestPasswordReset(QStringLiteral("garbage"), kRemote).error().code,
                 ErrorCode::Validation);
        QVERIFY(outbox->deliverPending().ok());
        QCOMPARE(transport->sent.size(), 0);
        QCOMPARE(s->count(QStringLiteral("password_resets")), 0);
        QCOMPARE(s->count(QStringLiteral("mail_outbox")), 0);
    }

    void passwordResetFlow()
    {
        const User u = signup(QStringLiteral("a@example.com"));
        AccountService acc = service();
        auto session = acc.login(QStringLiteral("a@example.com"), kPassword, kRemote);
        QVERIFY(acc.requestPasswordReset(QStringLiteral("A@example.com"), kRemote).ok());
        QCOMPARE(transport->sent.size(), 0); // delivery happens off the request path
        QCOMPARE(outbox->pendingCount(), 1);
        auto delivered = outbox->deliverPending();
        QVERIFY(delivered.ok());
        QCOMPARE(*delivered, 1);
        QCOMPARE(transport->sent.size(), 1);
        QCOMPARE(transport->sent[0].to, QStringLiteral("a@example.com"));
        const QString token = resetToken(transport->sent[0].body);
        QCOMPARE(token.size(), 50);
        // The outbox row records the mail without the secret; the token is stored hashed.
        Query row(s->db->connection(),
                  QStringLiteral("SELECT body, sent_at, error FROM mail_outbox"));
        QVERIFY(row.exec() && row.next());
        QVERIFY(!row.str(0).contains(token));
        QVERIFY(!row.isNull(1));
        QVERIFY(row.isNull(2));
        QCOMPARE(
            scalar(QStringLiteral("SELECT COUNT(*) FROM password_resets WHERE token_hash = :h"),
                   QStringLiteral(":h"), crypto::sha256Hex(token.toUtf8())),
            1);

        const QString newPassword = QStringLiteral("a brand new password");
        QCOMPARE(acc.completePasswordReset(token, QStringLiteral("short"), kRemote).error().code,
                 ErrorCode::Validation);
        QVERIFY(acc.completePasswordReset(token, newPassword, kRemote).ok());
        QCOMPARE(acc.authenticate(session->session.id).error().code, ErrorCode::LoginRequired);
        QVERIFY(acc.login(QStringLiteral("a@example.com"), newPassword, kRemote).ok());
        // The token works once.
        auto reused =
            acc.completePasswordReset(token, QStringLiteral("yet another password"), kRemote);
        QCOMPARE(reused.error().code, ErrorCode::Validation);
        QCOMPARE(reused.error().details.value(0).field, QStringLiteral("token"));
        QCOMPARE(s->auditCount(QStringLiteral("user.password_reset")), 1);
        AuditService audit(s->ctx);
        AuditFilter f;
        f.action = QStringLiteral("user.password_reset");
        QCOMPARE(audit.list(Actor::system(), f, 10, {})->items.value(0).actorId, u.id);
    }

    void resetTokenExpiresAfterAnHour()
    {
        signup(QStringLiteral("a@example.com"));
        AccountService acc = service();
        QVERIFY(acc.requestPasswordReset(QStringLiteral("a@example.com"), kRemote).ok());
        QVERIFY(outbox->deliverPending().ok());
        const QString token = resetToken(transport->sent.value(0).body);
        s->clock.advanceMs(3600LL * 1000 + 1);
        QCOMPARE(acc.completePasswordReset(token, QStringLiteral("a brand new password"), kRemote)
                     .error()
                     .code,
                 ErrorCode::Validation);
        QVERIFY(acc.login(QStringLiteral("a@example.com"), kPassword, kRemote).ok());
    }

    void failedDeliveryIsRecorded()
    {
        signup(QStringLiteral("a@example.com"));
        transport->fail = true;
        AccountService acc = service();
        QVERIFY(acc.requestPasswordReset(QStringLiteral("a@example.com"), kRemote).ok());
        auto delivered = outbox->deliverPending();
        QVERIFY(delivered.ok());
        QCOMPARE(*delivered, 0);
        Query row(s->db->connection(), QStringLiteral("SELECT sent_at, error FROM mail_outbox"));
        QVERIFY(row.exec() && row.next());
        QVERIFY(row.isNull(0));
        QCOMPARE(row.str(1), QStringLiteral("relay refused"));
    }

    void resetMailsPerAccountAreCapped()
    {
        signup(QStringLiteral("a@example.com"));
        AccountPolicy p;
        AccountService acc = service(p);
        for (int i = 0; i < p.resetMailsPerHour + 2; ++i)
            QVERIFY(acc.requestPasswordReset(QStringLiteral("a@example.com"), kRemote).ok());
        QVERIFY(outbox->deliverPending().ok());
        QCOMPARE(transport->sent.size(), p.resetMailsPerHour);
    }

    void profile()
    {
        const User u = signup(QStringLiteral("a@example.com"));
        AccountService acc = service();
        QCOMPARE(acc.me(s->actor(u.id))->email, QStringLiteral("a@example.com"));
        QCOMPARE(acc.me(Actor::system()).error().code, ErrorCode::LoginRequired);
        auto updated = acc.updateProfile(s->actor(u.id), QStringLiteral("  Ada  "));
        QVERIFY(updated.ok());
        QCOMPARE(updated->displayName, QStringLiteral("Ada"));
        QCOMPARE(acc.me(s->actor(u.id))->displayName, QStringLiteral("Ada"));
        QVERIFY(acc.updateProfile(s->actor(u.id), QStringLiteral("Ada")).ok()); // unchanged
        QCOMPARE(s->auditCount(QStringLiteral("user.update")), 1);
        QCOMPARE(acc.updateProfile(s->actor(u.id), QString(201, QLatin1Char('x'))).error().code,
                 ErrorCode::Validation);
        Query r(s->db->connection(),
                QStringLiteral("UPDATE users SET restricted = 1 WHERE id = :id"));
        r.bind(QStringLiteral(":id"), u.id);
        QVERIFY(r.exec());
        QCOMPARE(acc.updateProfile(s->actor(u.id), QStringLiteral("Bea")).error().code,
                 ErrorCode::Forbidden);
        QVERIFY(acc.me(s->actor(u.id))->restricted);
    }

    void selectedWorkspaceNeedsMembership()
    {
        const User a = signup(QStringLiteral("a@example.com"));
        const User b = signup(QStringLiteral("b@example.com"));
        WorkspaceService ws(s->ctx);
        auto mine = ws.create(s->actor(a.id), QStringLiteral("Mine"));
        auto theirs = ws.create(s->actor(b.id), QStringLiteral("Theirs"));
        AccountService acc = service();
        auto in = acc.login(QStringLiteral("a@example.com"), kPassword, kRemote);
        QCOMPARE(acc.setSelectedWorkspace(in->session.idHash, theirs->id).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(acc.setSelectedWorkspace(in->session.idHash, QStringLiteral("nope")).error().code,
                 ErrorCode::Validation);
        QCOMPARE(acc.setSelectedWorkspace(QStringLiteral("unknown"), mine->id).error().code,
                 ErrorCode::LoginRequired);
        QVERIFY(acc.setSelectedWorkspace(in->session.idHash, mine->id).ok());
        QCOMPARE(acc.authenticate(in->session.id)->session.selectedWorkspaceId, mine->id);
        QVERIFY(acc.setSelectedWorkspace(in->session.idHash, QString()).ok());
        QVERIFY(acc.authenticate(in->session.id)->session.selectedWorkspaceId.isEmpty());
    }

    void sweepRemovesExpiredSessionsAndSpentTokens()
    {
        signup(QStringLiteral("a@example.com"));
        AccountPolicy p;
        AccountService acc = service(p);
        (void)acc.login(QStringLiteral("a@example.com"), kPassword, kRemote);
        QVERIFY(acc.requestPasswordReset(QStringLiteral("a@example.com"), kRemote).ok());
        s->clock.advanceMs(p.sessionIdleMs + 1);
        auto live = acc.login(QStringLiteral("a@example.com"), kPassword, kRemote);
        auto n = acc.sweepExpired();
        QVERIFY(n.ok());
        QCOMPARE(*n, 2);
        QCOMPARE(s->count(QStringLiteral("sessions")), 1);
        QVERIFY(acc.authenticate(live->session.id).ok());
    }

    void sendmailTransportPipesAMessage()
    {
        const QString out = s->dir.filePath(QStringLiteral("mail.txt"));
        SendmailTransport::Options o;
        o.program = QStringLiteral("/bin/sh");
        o.arguments = {QStringLiteral("-c"), QStringLiteral("cat > \"$0\""), out};
        o.from = QStringLiteral("console@example.com");
        SendmailTransport t(o);
        QVERIFY(t.send({QStringLiteral("a@example.com"), QStringLiteral("Grüße"),
                        QStringLiteral("line one\nline two")})
                    .ok());
        QFile f(out);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray mail = f.readAll();
        QVERIFY(mail.startsWith("From: console@example.com\nTo: a@example.com\n"));
        QVERIFY(mail.contains(QByteArray("Subject: =?UTF-8?B?" +
                                         QStringLiteral("Grüße").toUtf8().toBase64() + "?=\n")));
        QVERIFY(mail.contains("Content-Type: text/plain; charset=utf-8\n"));
        QVERIFY(mail.endsWith("\n\nline one\nline two\n"));
    }

    void sendmailTransportReportsFailures()
    {
        SendmailTransport::Options o;
        o.program = QStringLiteral("/bin/sh");
        o.arguments = {QStringLiteral("-c"),
                       QStringLiteral("cat > /dev/null; echo 'no relay' >&2; exit 75")};
        SendmailTransport failing(o);
        auto st = failing.send(
            {QStringLiteral("a@example.com"), QStringLiteral("s"), QStringLiteral("b")});
        QCOMPARE(st.error().code, ErrorCode::Unavailable);
        QVERIFY(st.error().message.contains(QStringLiteral("no relay")));
        o.program = QStringLiteral("/nonexistent/sendmail");
        QCOMPARE(
            SendmailTransport(o)
                .send({QStringLiteral("a@example.com"), QStringLiteral("s"), QStringLiteral("b")})
                .error()
                .code,
            ErrorCode::Unavailable);
        // Header injection is refused before anything runs.
        SendmailTransport t(SendmailTransport::Options{});
        QCOMPARE(t.send({QStringLiteral("a@example.com\nBcc: x@example.com"), QStringLiteral("s"),
                         QStringLiteral("b")})
                     .error()
                     .code,
                 ErrorCode::Validation);
    }

    void listUsersPagesOldestFirstForAdministratorsOnly()
    {
        QStringList made;
        for (int i = 0; i < 5; ++i) {
            made << s->createUser(QStringLiteral("user%1@example.com").arg(i), i == 0);
            // user0 is the oldest; users 2 and 3 share a created_at (the id breaks the tie).
            s->clock.advanceMs(i == 0 ? 1 : i % 2);
        }
        QStringList seen;
        QString cursor;
        int pages = 0;
        do {
            auto p = service().listUsers(Actor::system(), 2, cursor);
            QVERIFY(p.ok());
            QVERIFY(p->items.size() <= 2);
            for (const User &u : p->items)
                seen << u.id;
            cursor = p->nextCursor;
            ++pages;
        } while (!cursor.isEmpty());
        QCOMPARE(pages, 3);
        QCOMPARE(QSet<QString>(seen.begin(), seen.end()), QSet<QString>(made.begin(), made.end()));
        QCOMPARE(seen.size(), 5);
        QCOMPARE(seen.first(), made.first()); // oldest first
        Actor admin = s->actor(made.first());
        admin.instanceAdmin = true;
        auto byAdmin = service().listUsers(admin, 10, {});
        QVERIFY(byAdmin.ok());
        QCOMPARE(byAdmin->items.size(), 5);
        QCOMPARE(byAdmin->items.first().email, QStringLiteral("user0@example.com"));
        QCOMPARE(service().listUsers(s->actor(made.at(1)), 10, {}).error().code,
                 ErrorCode::Forbidden);
        QCOMPARE(service().listUsers(Actor::system(), 0, {}).error().code, ErrorCode::Validation);
    }

    // The user's and session's JSON, byte for byte (they come from field tables).
    void userAndSessionJsonBytes()
    {
        const qint64 at = 1'800'000'000'123LL;
        User u{QStringLiteral("6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"),
               QStringLiteral("a@example.com"),
               QStringLiteral("Al \u00e9"),
               true,
               false,
               at};
        const QString t = ids::formatTime(at);
        QCOMPARE(QString::fromUtf8(QJsonDocument(u.toJson()).toJson(QJsonDocument::Compact)),
                 QStringLiteral("{\"created_at\":\"%1\",\"display_name\":\"Al \u00e9\","
                                "\"email\":\"a@example.com\","
                                "\"id\":\"6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b\","
                                "\"is_admin\":true,\"restricted\":false}")
                     .arg(t));
        Session session;
        session.id = QStringLiteral("secret");
        session.csrfToken = QStringLiteral("csrf");
        session.createdAt = at;
        session.lastSeenAt = at + 1;
        session.expiresAt = at + 2;
        const QString none = QStringLiteral("{\"created_at\":\"%1\",\"expires_at\":\"%3\","
                                            "\"last_seen_at\":\"%2\",\"selected_workspace_id\":%4}")
                                 .arg(t, ids::formatTime(at + 1), ids::formatTime(at + 2));
        QCOMPARE(QString::fromUtf8(QJsonDocument(session.toJson()).toJson(QJsonDocument::Compact)),
                 none.arg(QStringLiteral("null")));
        session.selectedWorkspaceId = QStringLiteral("8f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b");
        QCOMPARE(QString::fromUtf8(QJsonDocument(session.toJson()).toJson(QJsonDocument::Compact)),
                 none.arg(QStringLiteral("\"8f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b\"")));
    }
};

QTEST_GUILESS_MAIN(TestAccounts)
#include "tst_accounts.moc"
