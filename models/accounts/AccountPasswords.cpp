// SPDX-License-Identifier: Apache-2.0
// AccountService's password change and reset by mailed token.
#include "models/accounts/AccountService.h"

#include "models/accounts/AccountInternals.h"
#include "models/accounts/MailOutbox.h"
#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/Keyset.h"
#include "models/core/RateLimiter.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"

#include <QJsonArray>
#include <QMutex>
#include <QRegularExpression>
#include <QStringList>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace wfx {

using account::accountBucket;
using account::loginRequired;

namespace {

// A new password on its way into the store: its hash, made before the
// transaction (scrypt takes a while and must not hold the write lock), and the
// transaction that stores it.
struct PasswordWrite
{
    QString hash;
    qint64 now = 0;
    Tx tx;
};

Result<PasswordWrite> beginPasswordWrite(const ModelContext &ctx, const QString &newPassword)
{
    QString hash = crypto::hashPassword(newPassword);
    if (hash.isEmpty())
        return Error::internal();
    const qint64 now = ctx.clock->nowMs();
    auto began = Tx::begin(*ctx.db, ctx.bus);
    if (!began)
        return began.error();
    return PasswordWrite{std::move(hash), now, std::move(*began)};
}

// The user's password replaced and every session of the user ended.
Status storePassword(PasswordWrite &write, const QString &userId)
{
    Query u = write.tx.query(
        u"UPDATE users SET password_hash = :h, password_changed_at = :t WHERE id = :id"_s);
    u.bind(u":h"_s, write.hash).bind(u":t"_s, write.now).bind(u":id"_s, userId);
    Query d = write.tx.query(u"DELETE FROM sessions WHERE user_id = :id"_s);
    d.bind(u":id"_s, userId);
    if (!u.exec() || !d.exec())
        return Error::internal();
    return Ok{};
}

} // namespace

Result<SignedIn> AccountService::changePassword(const Actor &actor, const QString &oldPassword,
                                                const QString &newPassword)
{
    if (!actor.isUser())
        return loginRequired();
    if (oldPassword.isEmpty())
        return Error::validation(u"old_password"_s, u"required"_s,
                                 u"The current password is required."_s);
    if (auto p = validatePassword(newPassword, u"new_password"_s); !p)
        return p.error();
    QSqlDatabase conn = m_ctx.db->connection();
    QString email, hash;
    {
        Query q(conn, u"SELECT email, password_hash FROM users WHERE id = :id"_s);
        q.bind(u":id"_s, actor.userId);
        if (!q.exec())
            return q.error();
        if (!q.next())
            return loginRequired();
        email = q.str(0);
        hash = q.str(1);
    }
    // A stolen session must not become a password oracle: wrong current
    // passwords count against the same throttle as failed logins.
    RateLimiter limiter(m_ctx);
    const QString acct = accountBucket(email);
    auto held = limiter.reserveAttempt(acct, accountLockout());
    if (!held)
        return held.error();
    if (!held->granted)
        return rateLimited(held->lockedUntilMs);
    if (oldPassword.size() > kMaxPasswordLength || !crypto::verifyPassword(oldPassword, hash)) {
        if (auto f = limiter.confirmFailure(acct, *held, accountLockout()); !f)
            return f.error();
        return Error{ErrorCode::InvalidCredentials, u"The current password is incorrect."_s};
    }
    if (auto r = limiter.releaseAttempt(acct, *held); !r)
        return r.error();

    auto write = beginPasswordWrite(m_ctx, newPassword);
    if (!write)
        return write.error();
    Tx &tx = write->tx;
    const qint64 now = write->now;
    if (auto s = storePassword(*write, actor.userId); !s)
        return s.error();
    auto session = insertSession(tx, actor.userId, actor.ip, now);
    if (!session)
        return session.error();
    auto user = loadUser(tx.conn(), actor.userId);
    if (!user)
        return user.error();
    if (auto c = AuditService::commit(tx, now, actor, u"user.password_change"_s, QString(),
                                      u"user"_s, actor.userId);
        !c)
        return c.error();
    return SignedIn{*user, *session};
}

Status AccountService::requestPasswordReset(const QString &email, const QString &ip)
{
    auto mail = normalizeEmail(email);
    if (!mail)
        return mail.error();
    QString userId;
    {
        Query q(m_ctx.db->connection(), u"SELECT id FROM users WHERE email = :e"_s);
        q.bind(u":e"_s, *mail);
        if (!q.exec())
            return q.error();
        if (!q.next())
            return Ok{}; // the same answer as for an existing account
        userId = q.str(0);
    }
    // A cap on reset mails per account, so the form cannot flood a mailbox;
    // past it the answer stays the same and nothing is sent.
    RateLimiter limiter(m_ctx);
    auto d = limiter.hit(u"reset:mail:"_s + userId, m_policy.resetMailsPerHour, 3600LL * 1000);
    if (!d)
        return d.error();
    if (!d->allowed)
        return Ok{};

    const qint64 now = m_ctx.clock->nowMs();
    const QString token = crypto::randomToken(u"wfxrst_"_s, 32);
    const QString link = m_policy.resetUrl.isEmpty() ? token : QString(m_policy.resetUrl + token);
    const QString intro =
        u"Someone asked to reset the password of your WorldFlux Console account.\n\n"_s;
    const QString outro =
        u"\n\nThe link works once, within one hour. If you did not ask for this, ignore this mail: "
        "your password stays as it is.\n"_s;
    MailMessage message{*mail, u"Reset your WorldFlux Console password"_s,
                        QString(intro + u"To choose a new password, open:\n\n  "_s + link + outro)};
    MailMessage redacted = message;
    redacted.body = intro + u"To choose a new password, open:\n\n  [reset link withheld]"_s + outro;

    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    Query ins =
        tx.query(u"INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) "
                 "VALUES (:h, :u, :t, :x)"_s);
    ins.bind(u":h"_s, crypto::sha256Hex(token.toUtf8()))
        .bind(u":u"_s, userId)
        .bind(u":t"_s, now)
        .bind(u":x"_s, now + m_policy.resetTtlMs);
    if (!ins.exec())
        return ins.error();
    auto outboxId = MailOutbox::insertRow(tx, now, redacted);
    if (!outboxId)
        return outboxId.error();
    if (!m_mail) {
        if (auto done = row::exec(
                tx.conn(), u"UPDATE mail_outbox SET error = :e WHERE id = :id"_s,
                {{u":e"_s, u"No mail transport is configured."_s}, {u":id"_s, *outboxId}});
            !done)
            return done.error();
    }
    // Requested by whoever knows the address: nobody in particular is the actor.
    const Actor requester = Actor::anonymous(ip);
    if (auto a = AuditService::append(tx, now, requester, u"user.password_reset_request"_s,
                                      QString(), u"user"_s, userId);
        !a)
        return a.error();
    if (auto c = tx.commit(); !c)
        return c.error();
    if (m_mail)
        m_mail->enqueue(*outboxId, message);
    return Ok{};
}

Status AccountService::completePasswordReset(const QString &token, const QString &newPassword,
                                             const QString &ip)
{
    if (token.isEmpty())
        return Error::validation(u"token"_s, u"required"_s, u"The reset token is required."_s);
    if (auto p = validatePassword(newPassword); !p)
        return p.error();
    const Error badToken = Error::validation(u"token"_s, u"invalid"_s,
                                             u"This reset link is invalid or has expired."_s);
    if (token.size() > 256)
        return badToken;

    auto write = beginPasswordWrite(m_ctx, newPassword);
    if (!write)
        return write.error();
    Tx &tx = write->tx;
    const qint64 now = write->now;
    Query q = tx.query(
        u"SELECT r.user_id, u.email FROM password_resets r JOIN users u ON u.id = r.user_id "
        "WHERE r.token_hash = :h AND r.used_at IS NULL AND r.expires_at > :now"_s);
    q.bind(u":h"_s, crypto::sha256Hex(token.toUtf8())).bind(u":now"_s, now);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return badToken;
    const QString userId = q.str(0), email = q.str(1);
    q.raw().finish();
    if (auto s = storePassword(*write, userId); !s)
        return s.error();
    // Every outstanding reset token of the account is spent, not only this one.
    Query spend = tx.query(
        u"UPDATE password_resets SET used_at = :t WHERE user_id = :id AND used_at IS NULL"_s);
    spend.bind(u":t"_s, now).bind(u":id"_s, userId);
    if (!spend.exec())
        return Error::internal();
    if (auto c = AuditService::commit(tx, now, Actor::user(userId, ip), u"user.password_reset"_s,
                                      QString(), u"user"_s, userId);
        !c)
        return c.error();
    // Whoever proved control of the mailbox may sign in again at once.
    RateLimiter limiter(m_ctx);
    (void)limiter.unlock(accountBucket(email));
    return Ok{};
}

} // namespace wfx
