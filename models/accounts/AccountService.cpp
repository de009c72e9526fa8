// SPDX-License-Identifier: Apache-2.0
#include "models/accounts/AccountService.h"

#include "models/accounts/AccountInternals.h"
#include "models/accounts/MailOutbox.h"
#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/Keyset.h"
#include "models/core/RateLimiter.h"
#include "models/core/Shape.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"
#include "models/workspaces/WorkspaceService.h"

#include <QJsonArray>
#include <QMutex>
#include <QRegularExpression>
#include <QStringList>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace wfx {

namespace account {

Error loginRequired()
{
    return Error{ErrorCode::LoginRequired, u"Please log in."_s};
}

QString accountBucket(const QString &email)
{
    return u"login:acct:"_s + crypto::sha256Hex(email.toUtf8()).left(32);
}

} // namespace account

using account::accountBucket;
using account::loginRequired;

namespace {

Error invalidCredentials()
{
    return Error{ErrorCode::InvalidCredentials, u"Email or password is incorrect."_s};
}

QString addressBucket(const QString &ip)
{
    return u"login:ip:"_s + (ip.isEmpty() ? u"unknown"_s : ip.left(64));
}

// A valid hash with the current parameters, verified against when the email is
// unknown so that both failures cost the same.
QString dummyHash()
{
    static QMutex mutex;
    static QString hash;
    static crypto::ScryptParams madeWith{0, 0, 0};
    const crypto::ScryptParams p = crypto::defaultScryptParams();
    QMutexLocker l(&mutex);
    if (hash.isEmpty() || madeWith.n != p.n || madeWith.r != p.r || madeWith.p != p.p) {
        hash = crypto::hashPassword(crypto::randomToken(QString(), 16), p);
        madeWith = p;
    }
    return hash;
}

const QString kUserColumns =
    QStringLiteral("id, email, display_name, is_admin, restricted, created_at");

User readUser(const Query &q, int base = 0)
{
    User u;
    row::readFrom(q, base, u.id, u.email, u.displayName, u.isAdmin, u.restricted, u.createdAt);
    return u;
}

} // namespace

QJsonObject User::toJson() const
{
    return shape::toJson<kUserFields>(*this);
}

bool Session::csrfMatches(const QString &header) const
{
    return !csrfToken.isEmpty() && crypto::constantTimeEquals(header.toUtf8(), csrfToken.toUtf8());
}

QJsonObject Session::toJson() const
{
    return shape::toJson<kSessionFields>(*this);
}

AccountService::AccountService(ModelContext ctx, std::shared_ptr<MailOutbox> mail,
                               AccountPolicy policy)
    : m_ctx(std::move(ctx)), m_mail(std::move(mail)), m_policy(std::move(policy))
{
}

Result<QString> AccountService::normalizeEmail(const QString &email)
{
    static const QRegularExpression re(u"^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"_s);
    const QString mail = email.trimmed().toLower();
    if (mail.isEmpty())
        return Error::validation(u"email"_s, u"required"_s, u"An email address is required."_s);
    if (mail.size() > kMaxEmailLength)
        return Error::validation(u"email"_s, u"too_long"_s,
                                 u"At most %1 characters."_s.arg(kMaxEmailLength));
    if (shape::hasControl(mail) || !re.match(mail).hasMatch())
        return Error::validation(u"email"_s, u"invalid"_s, u"A valid email address is required."_s);
    return mail;
}

Status AccountService::validatePassword(const QString &password, const QString &field)
{
    if (password.isEmpty())
        return Error::validation(field, u"required"_s, u"A password is required."_s);
    if (password.size() < kMinPasswordLength)
        return Error::validation(field, u"too_short"_s,
                                 u"At least %1 characters."_s.arg(kMinPasswordLength));
    if (password.size() > kMaxPasswordLength)
        return Error::validation(field, u"too_long"_s,
                                 u"At most %1 characters."_s.arg(kMaxPasswordLength));
    return Ok{};
}

Error AccountService::rateLimited(qint64 untilMs) const
{
    const qint64 secs = std::max<qint64>(1, (untilMs - m_ctx.clock->nowMs() + 999) / 1000);
    Error e{ErrorCode::RateLimited, u"Too many failed sign-in attempts; try again later."_s};
    e.extra.insert(u"retry_after"_s, double(secs));
    return e;
}

Result<User> AccountService::loadUser(const QSqlDatabase &conn, const QString &id)
{
    Query q(conn, u"SELECT "_s + kUserColumns + u" FROM users WHERE id = :id"_s);
    q.bind(u":id"_s, id);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return loginRequired();
    return readUser(q);
}

Result<Page<User>> AccountService::listUsers(const Actor &actor, int limit,
                                             const QString &cursorText)
{
    if (!actor.isSystem() && (!actor.instanceAdmin || !actor.keyWorkspaceId.isEmpty()))
        return Error::forbidden(u"Only an instance administrator may list the accounts."_s);
    if (limit < 1 || limit > cursor::kMaxLimit)
        return Error::validation(u"limit"_s, u"out_of_range"_s,
                                 u"limit must be between 1 and %1."_s.arg(cursor::kMaxLimit));
    auto keyset = Keyset::parse(cursorText, u"created_at"_s, u"id"_s, Keyset::Order::Ascending);
    if (!keyset)
        return keyset.error();
    return row::page<User>(m_ctx.db->connection(),
                           u"SELECT "_s + kUserColumns + u" FROM users WHERE 1=1"_s, *keyset, limit,
                           row::noBinds, [](const Query &q) { return readUser(q); });
}

Result<Session> AccountService::insertSession(Tx &tx, const QString &userId, const QString &ip,
                                              qint64 now)
{
    Session s;
    s.id = crypto::randomToken(QString(), 32);
    s.idHash = crypto::sha256Hex(s.id.toUtf8());
    s.userId = userId;
    s.csrfToken = crypto::randomToken(QString(), 32);
    s.createdAt = now;
    s.lastSeenAt = now;
    s.expiresAt = now + std::min(m_policy.sessionAbsoluteMs, m_policy.sessionIdleMs);
    if (auto e = row::exec(tx.conn(),
                           u"INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, "
                           u"last_seen_at, expires_at, ip) "
                           "VALUES (:h, :u, :c, :t, :t, :x, :ip)"_s,
                           {{u":h"_s, s.idHash},
                            {u":u"_s, userId},
                            {u":c"_s, s.csrfToken},
                            {u":t"_s, now},
                            {u":x"_s, s.expiresAt},
                            {u":ip"_s, ip.left(64)}});
        !e)
        return e.error();
    return s;
}

Result<Session> AccountService::createSession(const QString &userId, const QString &ip)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto u = loadUser(tx.conn(), userId); !u)
        return u.error();
    auto s = insertSession(tx, userId, ip, m_ctx.clock->nowMs());
    if (!s)
        return s.error();
    if (auto c = tx.commit(); !c)
        return c.error();
    return s;
}

Result<SignedIn> AccountService::login(const QString &email, const QString &password,
                                       const QString &ip, const QString &replacingSessionId)
{
    const QString mail = email.trimmed().toLower();
    if (mail.isEmpty())
        return Error::validation(u"email"_s, u"required"_s, u"An email address is required."_s);
    if (password.isEmpty())
        return Error::validation(u"password"_s, u"required"_s, u"A password is required."_s);

    RateLimiter limiter(m_ctx);
    const QString acct = accountBucket(mail.left(kMaxEmailLength + 1));
    const QString addr = addressBucket(ip);
    // An attempt is reserved in both buckets before scrypt runs (RateLimiter.h):
    // a sign-in over either limit checks nothing, and only one whose own
    // reservations landed may answer invalid_credentials. Always the account
    // first, then the address, so two sign-ins never wait on each other's.
    auto heldAcct = limiter.reserveAttempt(acct, accountLockout());
    if (!heldAcct)
        return heldAcct.error();
    if (!heldAcct->granted)
        return rateLimited(heldAcct->lockedUntilMs);
    auto heldAddr = limiter.reserveAttempt(addr, addressLockout());
    if (!heldAddr || !heldAddr->granted) {
        if (auto r = limiter.releaseAttempt(acct, *heldAcct); !r)
            return r.error();
        if (!heldAddr)
            return heldAddr.error();
        return rateLimited(heldAddr->lockedUntilMs);
    }

    QString userId, hash;
    {
        Query q(m_ctx.db->connection(), u"SELECT id, password_hash FROM users WHERE email = :e"_s);
        q.bind(u":e"_s, mail);
        if (!q.exec()) {
            (void)limiter.releaseAttempt(acct, *heldAcct);
            (void)limiter.releaseAttempt(addr, *heldAddr);
            return q.error();
        }
        if (q.next()) {
            userId = q.str(0);
            hash = q.str(1);
        }
    }
    // The same scrypt work whether or not the email is known.
    const bool tooLong = password.size() > kMaxPasswordLength;
    const bool verified = crypto::verifyPassword(password.left(kMaxPasswordLength),
                                                 userId.isEmpty() ? dummyHash() : hash);
    if (userId.isEmpty() || tooLong || !verified) {
        auto a = limiter.confirmFailure(acct, *heldAcct, accountLockout());
        auto b = limiter.confirmFailure(addr, *heldAddr, addressLockout());
        if (!a)
            return a.error();
        if (!b)
            return b.error();
        return invalidCredentials();
    }
    // A successful login forgives the account's earlier failures (not the address's).
    if (auto u = limiter.releaseAttempt(acct, *heldAcct, true); !u)
        return u.error();
    if (auto u = limiter.releaseAttempt(addr, *heldAddr); !u)
        return u.error();

    const qint64 now = m_ctx.clock->nowMs();
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (!replacingSessionId.isEmpty() && replacingSessionId.size() <= 128) {
        if (auto e = row::exec(tx.conn(), u"DELETE FROM sessions WHERE id_hash = :h"_s,
                               {{u":h"_s, crypto::sha256Hex(replacingSessionId.toUtf8())}});
            !e)
            return e.error();
    }
    auto user = loadUser(tx.conn(), userId);
    if (!user)
        return user.error();
    auto session = insertSession(tx, userId, ip, now);
    if (!session)
        return session.error();
    if (auto a = AuditService::append(tx, now, Actor::user(userId, ip), u"user.login"_s, QString(),
                                      u"user"_s, userId);
        !a)
        return a.error();
    if (auto c = tx.commit(); !c)
        return c.error();
    return SignedIn{*user, *session};
}

Result<SignedIn> AccountService::authenticate(const QString &sessionId)
{
    if (sessionId.isEmpty() || sessionId.size() > 128)
        return loginRequired();
    const QString idHash = crypto::sha256Hex(sessionId.toUtf8());
    QSqlDatabase conn = m_ctx.db->connection();
    Query q(conn, u"SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, "
                  "s.selected_workspace_id, u.id, u.email, u.display_name, u.is_admin, "
                  "u.restricted, u.created_at "
                  "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = :h"_s);
    q.bind(u":h"_s, idHash);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return loginRequired();
    SignedIn out;
    out.session.idHash = idHash;
    out.session.userId = q.str(0);
    out.session.csrfToken = q.str(1);
    out.session.createdAt = q.i64(2);
    out.session.lastSeenAt = q.i64(3);
    out.session.expiresAt = q.i64(4);
    out.session.selectedWorkspaceId = q.str(5);
    out.user = readUser(q, 6);
    q.raw().finish();

    const qint64 now = m_ctx.clock->nowMs();
    if (out.session.expiresAt <= now) {
        Query d(conn, u"DELETE FROM sessions WHERE id_hash = :h"_s);
        d.bind(u":h"_s, idHash);
        (void)d.exec(); // best effort; the sweep removes it otherwise
        return loginRequired();
    }
    if (now - out.session.lastSeenAt >= m_policy.sessionRenewEveryMs) {
        const qint64 expires = std::min(out.session.createdAt + m_policy.sessionAbsoluteMs,
                                        now + m_policy.sessionIdleMs);
        Query u(conn,
                u"UPDATE sessions SET last_seen_at = :t, expires_at = :x WHERE id_hash = :h"_s);
        u.bind(u":t"_s, now).bind(u":x"_s, expires).bind(u":h"_s, idHash);
        if (!u.exec())
            return u.error();
        out.session.lastSeenAt = now;
        out.session.expiresAt = expires;
    }
    return out;
}

Status AccountService::logout(const QString &sessionId)
{
    if (sessionId.isEmpty() || sessionId.size() > 128)
        return Ok{};
    const QString idHash = crypto::sha256Hex(sessionId.toUtf8());
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    Query q = tx.query(u"SELECT user_id, ip FROM sessions WHERE id_hash = :h"_s);
    q.bind(u":h"_s, idHash);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Ok{}; // already gone: nothing changes, nothing audited
    const QString userId = q.str(0), ip = q.str(1);
    q.raw().finish();
    if (auto e =
            row::exec(tx.conn(), u"DELETE FROM sessions WHERE id_hash = :h"_s, {{u":h"_s, idHash}});
        !e)
        return e.error();
    if (auto a = AuditService::append(tx, m_ctx.clock->nowMs(), Actor::user(userId, ip),
                                      u"user.logout"_s, QString(), u"user"_s, userId);
        !a)
        return a.error();
    return tx.commit();
}

Status AccountService::setSelectedWorkspace(const QString &sessionIdHash,
                                            const QString &workspaceId)
{
    if (!workspaceId.isEmpty() && !ids::isUuid(workspaceId))
        return Error::validation(u"workspace_id"_s, u"invalid"_s,
                                 u"workspace_id must be a workspace id."_s);
    QSqlDatabase conn = m_ctx.db->connection();
    Query q(conn, u"SELECT user_id, expires_at FROM sessions WHERE id_hash = :h"_s);
    q.bind(u":h"_s, sessionIdHash);
    if (!q.exec())
        return q.error();
    if (!q.next() || q.i64(1) <= m_ctx.clock->nowMs())
        return loginRequired();
    const QString userId = q.str(0);
    q.raw().finish();
    if (!workspaceId.isEmpty()) {
        if (auto r = access::requireRole(conn, Actor::user(userId), workspaceId, Role::Viewer); !r)
            return r.error();
    }
    // A per-session preference, like last_seen_at: not an audited change.
    if (auto e =
            row::exec(conn, u"UPDATE sessions SET selected_workspace_id = :w WHERE id_hash = :h"_s,
                      {{u":w"_s, workspaceId.isEmpty() ? QVariant() : QVariant(workspaceId)},
                       {u":h"_s, sessionIdHash}});
        !e)
        return e.error();
    return Ok{};
}

Result<User> AccountService::me(const Actor &actor)
{
    if (!actor.isUser())
        return loginRequired();
    return loadUser(m_ctx.db->connection(), actor.userId);
}

Result<User> AccountService::updateProfile(const Actor &actor, const QString &displayName)
{
    if (!actor.isUser())
        return loginRequired();
    const QString name = displayName.trimmed();
    // Empty clears the name; any other is held to a workspace name's rules.
    if (!name.isEmpty()) {
        if (auto n = validName(u"display_name"_s, name, kMaxDisplayNameLength); !n)
            return n.error();
    }
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    auto user = loadUser(tx.conn(), actor.userId);
    if (!user)
        return user.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    if (user->displayName == name)
        return user;
    Query u = tx.query(u"UPDATE users SET display_name = :n WHERE id = :id"_s);
    u.bind(u":n"_s, name).bind(u":id"_s, actor.userId);
    if (!u.exec())
        return u.error();
    // The new value stays out of the append-only log (personal data).
    if (auto c = AuditService::commit(tx, m_ctx.clock->nowMs(), actor, u"user.update"_s, QString(),
                                      u"user"_s, actor.userId,
                                      {{u"fields"_s, QJsonArray{u"display_name"_s}}});
        !c)
        return c.error();
    user->displayName = name;
    return user;
}

Result<int> AccountService::sweepExpired()
{
    const qint64 now = m_ctx.clock->nowMs();
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    int n = 0;
    for (const QString &sql :
         {u"DELETE FROM sessions WHERE expires_at <= :now"_s,
          u"DELETE FROM password_resets WHERE expires_at <= :now OR used_at IS NOT NULL"_s}) {
        Query q = tx.query(sql);
        q.bind(u":now"_s, now);
        if (!q.exec())
            return Error::internal();
        n += q.rowsAffected();
    }
    if (auto c = tx.commit(); !c)
        return c.error();
    return n;
}

} // namespace wfx
