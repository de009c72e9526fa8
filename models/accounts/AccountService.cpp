// SPDX-License-Identifier: Apache-2.0
#include "models/accounts/AccountService.h"

#include "models/accounts/MailOutbox.h"
#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/Keyset.h"
#include "models/core/RateLimiter.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/db/Tx.h"

#include <QJsonArray>
#include <QMutex>
#include <QRegularExpression>
#include <QStringList>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {

const QString kSetupTokenKey = QStringLiteral("setup_token_hash");
const QString kSignupEnabledKey = QStringLiteral("signup_enabled");
// Serialises signups on PostgreSQL so two "first" accounts cannot both claim
// the instance (SQLite already serialises writers with BEGIN IMMEDIATE).
constexpr qint64 kSignupLockKey = 0x5746580001LL;

Error loginRequired()
{
    return Error{ErrorCode::LoginRequired, u"Please log in."_s};
}

Error invalidCredentials()
{
    return Error{ErrorCode::InvalidCredentials, u"Email or password is incorrect."_s};
}

// Failures are counted per email whether or not an account has it, so the
// throttle itself does not tell which emails exist; the bucket name holds a
// hash, not the address.
QString accountBucket(const QString &email)
{
    return u"login:acct:"_s + crypto::sha256Hex(email.toUtf8()).left(32);
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

QString readSetting(const QSqlDatabase &conn, const QString &key, bool *ok)
{
    Query q(conn, u"SELECT value FROM instance_settings WHERE key = :k"_s);
    q.bind(u":k"_s, key);
    *ok = q.exec();
    return *ok && q.next() ? q.str(0) : QString();
}

bool writeSetting(Tx &tx, const QString &key, const QString &value)
{
    Query q = tx.query(u"INSERT INTO instance_settings (key, value) VALUES (:k, :v) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value"_s);
    q.bind(u":k"_s, key).bind(u":v"_s, value);
    return q.exec();
}

const QString kUserColumns =
    QStringLiteral("id, email, display_name, is_admin, restricted, created_at");

User readUser(const Query &q, int base = 0)
{
    User u;
    u.id = q.str(base);
    u.email = q.str(base + 1);
    u.displayName = q.str(base + 2);
    u.isAdmin = q.i64(base + 3) != 0;
    u.restricted = q.i64(base + 4) != 0;
    u.createdAt = q.i64(base + 5);
    return u;
}

bool parseIpv4Loopback(const QString &a)
{
    const QStringList parts = a.split(QLatin1Char('.'));
    if (parts.size() != 4)
        return false;
    int first = -1;
    for (int i = 0; i < 4; ++i) {
        bool ok = false;
        const int v = parts[i].toInt(&ok);
        if (!ok || v < 0 || v > 255 || parts[i].isEmpty() || parts[i].size() > 3)
            return false;
        if (i == 0)
            first = v;
    }
    return first == 127;
}
} // namespace

QJsonObject User::toJson() const
{
    return {{u"id"_s, id},
            {u"email"_s, email},
            {u"display_name"_s, displayName},
            {u"is_admin"_s, isAdmin},
            {u"restricted"_s, restricted},
            {u"created_at"_s, ids::formatTime(createdAt)}};
}

bool Session::csrfMatches(const QString &header) const
{
    return !csrfToken.isEmpty() && crypto::constantTimeEquals(header.toUtf8(), csrfToken.toUtf8());
}

QJsonObject Session::toJson() const
{
    return {{u"created_at"_s, ids::formatTime(createdAt)},
            {u"last_seen_at"_s, ids::formatTime(lastSeenAt)},
            {u"expires_at"_s, ids::formatTime(expiresAt)},
            {u"selected_workspace_id"_s, selectedWorkspaceId.isEmpty()
                                             ? QJsonValue(QJsonValue::Null)
                                             : QJsonValue(selectedWorkspaceId)}};
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
    for (const QChar c : mail) {
        if (c.category() == QChar::Other_Control)
            return Error::validation(u"email"_s, u"invalid"_s,
                                     u"A valid email address is required."_s);
    }
    if (!re.match(mail).hasMatch())
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

bool AccountService::isLoopbackAddress(const QString &ip)
{
    QString a = ip.trimmed().toLower();
    if (a.startsWith(QLatin1Char('[')) && a.endsWith(QLatin1Char(']')))
        a = a.mid(1, a.size() - 2);
    if (const auto zone = a.indexOf(QLatin1Char('%')); zone >= 0)
        a = a.left(zone);
    if (a == QLatin1String("::1") || a == QLatin1String("0:0:0:0:0:0:0:1"))
        return true;
    for (const QLatin1String mapped :
         {QLatin1String("::ffff:"), QLatin1String("0:0:0:0:0:ffff:")}) {
        if (a.startsWith(mapped)) {
            a = a.mid(mapped.size());
            break;
        }
    }
    return parseIpv4Loopback(a);
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
    QString sql = u"SELECT "_s + kUserColumns + u" FROM users WHERE 1=1"_s;
    auto keyset = Keyset::parse(cursorText, u"created_at"_s, u"id"_s, Keyset::Order::Ascending);
    if (!keyset)
        return keyset.error();
    sql += keyset->sql();
    Query q(m_ctx.db->connection(), sql);
    keyset->bind(q, limit);
    if (!q.exec())
        return q.error();
    Page<User> page;
    while (q.next())
        page.items.append(readUser(q));
    finishPage(page, limit, [](const User &x) { return cursor::TimeId{x.createdAt, x.id}; });
    return page;
}

Result<QString> AccountService::ensureSetupToken()
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    Query any = tx.query(u"SELECT 1 FROM users LIMIT 1"_s);
    if (!any.exec())
        return any.error();
    if (any.next())
        return QString(); // claimed: there is no setup token any more
    any.raw().finish();
    const QString token = crypto::randomToken(u"wfxsetup_"_s, 24);
    if (!writeSetting(tx, kSetupTokenKey, crypto::sha256Hex(token.toUtf8())))
        return Error::internal();
    if (auto c = tx.commit(); !c)
        return c.error();
    return token;
}

Result<bool> AccountService::signupEnabled()
{
    bool ok = false;
    const QString v = readSetting(m_ctx.db->connection(), kSignupEnabledKey, &ok);
    if (!ok)
        return Error::internal();
    return v != QLatin1String("0");
}

Result<User> AccountService::signup(const QString &email, const QString &password,
                                    const QString &ip, const QString &setupToken)
{
    auto mail = normalizeEmail(email);
    if (!mail)
        return mail.error();
    if (auto p = validatePassword(password); !p)
        return p.error();
    // Hash before taking the write lock: scrypt is the slow part.
    const QString hash = crypto::hashPassword(password);
    if (hash.isEmpty())
        return Error::internal();

    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (m_ctx.db->isPostgres()) {
        Query lock = tx.query(u"SELECT pg_advisory_xact_lock(:k)"_s);
        lock.bind(u":k"_s, kSignupLockKey);
        if (!lock.exec())
            return lock.error();
    }
    Query any = tx.query(u"SELECT 1 FROM users LIMIT 1"_s);
    if (!any.exec())
        return any.error();
    const bool first = !any.next();
    any.raw().finish();
    bool ok = false;
    if (first) {
        bool allowed = isLoopbackAddress(ip);
        if (!allowed && !setupToken.isEmpty()) {
            const QString stored = readSetting(tx.conn(), kSetupTokenKey, &ok);
            if (!ok)
                return Error::internal();
            allowed = !stored.isEmpty() &&
                      crypto::constantTimeEquals(crypto::sha256Hex(setupToken.toUtf8()).toLatin1(),
                                                 stored.toLatin1());
        }
        if (!allowed)
            return Error::forbidden(
                u"The first account can only be created from this machine or with the "
                "setup token the server printed at its first start."_s);
    } else {
        const QString enabled = readSetting(tx.conn(), kSignupEnabledKey, &ok);
        if (!ok)
            return Error::internal();
        if (enabled == QLatin1String("0"))
            return Error::forbidden(u"Signup is turned off on this instance."_s);
    }

    {
        // Checked first so that the usual duplicate does not abort the
        // transaction; the unique index still decides races.
        Query dup = tx.query(u"SELECT 1 FROM users WHERE email = :e"_s);
        dup.bind(u":e"_s, *mail);
        if (!dup.exec())
            return dup.error();
        if (dup.next())
            return Error::conflict(u"An account with this email already exists."_s);
    }
    const qint64 now = m_ctx.clock->nowMs();
    User u;
    u.id = ids::newUuid();
    u.email = *mail;
    u.isAdmin = first;
    u.createdAt = now;
    Query ins = tx.query(
        u"INSERT INTO users (id, email, display_name, password_hash, is_admin, created_at, "
        "password_changed_at) VALUES (:id, :e, '', :h, :a, :t, :t)"_s);
    ins.bind(u":id"_s, u.id)
        .bind(u":e"_s, u.email)
        .bind(u":h"_s, hash)
        .bind(u":a"_s, first ? 1 : 0)
        .bind(u":t"_s, now);
    if (!ins.exec()) {
        if (ins.uniqueViolation())
            return Error::conflict(u"An account with this email already exists."_s);
        return ins.error();
    }
    if (first) {
        Query d = tx.query(u"DELETE FROM instance_settings WHERE key = :k"_s);
        d.bind(u":k"_s, kSetupTokenKey);
        if (!d.exec())
            return d.error();
    }
    // No personal data in the append-only log: the email stays in users only.
    if (auto a = AuditService::append(tx, now, Actor::user(u.id, ip), u"user.signup"_s, QString(),
                                      u"user"_s, u.id, {{u"instance_admin"_s, first}});
        !a)
        return a.error();
    tx.announce(u"user"_s, u.id);
    if (auto c = tx.commit(); !c)
        return c.error();
    return u;
}

Status AccountService::setSignupEnabled(const Actor &actor, bool enabled)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (!actor.isSystem()) {
        Query q = tx.query(u"SELECT is_admin FROM users WHERE id = :id"_s);
        q.bind(u":id"_s, actor.userId);
        if (!q.exec())
            return q.error();
        if (!q.next())
            return loginRequired();
        if (q.i64(0) == 0)
            return Error::forbidden(u"Only the instance administrator may change this."_s);
    }
    bool ok = false;
    const bool current = readSetting(tx.conn(), kSignupEnabledKey, &ok) != QLatin1String("0");
    if (!ok)
        return Error::internal();
    if (current == enabled)
        return Ok{};
    if (!writeSetting(tx, kSignupEnabledKey, enabled ? u"1"_s : u"0"_s))
        return Error::internal();
    if (auto a =
            AuditService::append(tx, m_ctx.clock->nowMs(), actor, u"instance.signup_toggle"_s,
                                 QString(), u"instance"_s, u"signup"_s, {{u"enabled"_s, enabled}});
        !a)
        return a.error();
    tx.announce(u"instance"_s, u"signup"_s);
    return tx.commit();
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
    Query q = tx.query(u"INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, "
                       u"last_seen_at, expires_at, ip) "
                       "VALUES (:h, :u, :c, :t, :t, :x, :ip)"_s);
    q.bind(u":h"_s, s.idHash)
        .bind(u":u"_s, userId)
        .bind(u":c"_s, s.csrfToken)
        .bind(u":t"_s, now)
        .bind(u":x"_s, s.expiresAt)
        .bind(u":ip"_s, ip.left(64));
    if (!q.exec())
        return q.error();
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
        Query d = tx.query(u"DELETE FROM sessions WHERE id_hash = :h"_s);
        d.bind(u":h"_s, crypto::sha256Hex(replacingSessionId.toUtf8()));
        if (!d.exec())
            return d.error();
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
    Query d = tx.query(u"DELETE FROM sessions WHERE id_hash = :h"_s);
    d.bind(u":h"_s, idHash);
    if (!d.exec())
        return d.error();
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
    Query u(conn, u"UPDATE sessions SET selected_workspace_id = :w WHERE id_hash = :h"_s);
    u.bind(u":w"_s, workspaceId.isEmpty() ? QVariant() : QVariant(workspaceId))
        .bind(u":h"_s, sessionIdHash);
    if (!u.exec())
        return u.error();
    return Ok{};
}

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
    const QString newHash = crypto::hashPassword(newPassword);
    if (newHash.isEmpty())
        return Error::internal();

    const qint64 now = m_ctx.clock->nowMs();
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    Query u =
        tx.query(u"UPDATE users SET password_hash = :h, password_changed_at = :t WHERE id = :id"_s);
    u.bind(u":h"_s, newHash).bind(u":t"_s, now).bind(u":id"_s, actor.userId);
    Query d = tx.query(u"DELETE FROM sessions WHERE user_id = :id"_s);
    d.bind(u":id"_s, actor.userId);
    if (!u.exec() || !d.exec())
        return Error::internal();
    auto session = insertSession(tx, actor.userId, actor.ip, now);
    if (!session)
        return session.error();
    auto user = loadUser(tx.conn(), actor.userId);
    if (!user)
        return user.error();
    if (auto a = AuditService::append(tx, now, actor, u"user.password_change"_s, QString(),
                                      u"user"_s, actor.userId);
        !a)
        return a.error();
    tx.announce(u"user"_s, actor.userId);
    if (auto c = tx.commit(); !c)
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
        Query e = tx.query(u"UPDATE mail_outbox SET error = :e WHERE id = :id"_s);
        e.bind(u":e"_s, u"No mail transport is configured."_s).bind(u":id"_s, *outboxId);
        if (!e.exec())
            return e.error();
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
    const QString newHash = crypto::hashPassword(newPassword);
    if (newHash.isEmpty())
        return Error::internal();

    const qint64 now = m_ctx.clock->nowMs();
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
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
    Query u =
        tx.query(u"UPDATE users SET password_hash = :h, password_changed_at = :t WHERE id = :id"_s);
    u.bind(u":h"_s, newHash).bind(u":t"_s, now).bind(u":id"_s, userId);
    // Every outstanding reset token of the account is spent, not only this one.
    Query spend = tx.query(
        u"UPDATE password_resets SET used_at = :t WHERE user_id = :id AND used_at IS NULL"_s);
    spend.bind(u":t"_s, now).bind(u":id"_s, userId);
    Query d = tx.query(u"DELETE FROM sessions WHERE user_id = :id"_s);
    d.bind(u":id"_s, userId);
    if (!u.exec() || !spend.exec() || !d.exec())
        return Error::internal();
    if (auto a = AuditService::append(tx, now, Actor::user(userId, ip), u"user.password_reset"_s,
                                      QString(), u"user"_s, userId);
        !a)
        return a.error();
    tx.announce(u"user"_s, userId);
    if (auto c = tx.commit(); !c)
        return c.error();
    // Whoever proved control of the mailbox may sign in again at once.
    RateLimiter limiter(m_ctx);
    (void)limiter.unlock(accountBucket(email));
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
    if (name.size() > kMaxDisplayNameLength)
        return Error::validation(u"display_name"_s, u"too_long"_s,
                                 u"At most %1 characters."_s.arg(kMaxDisplayNameLength));
    for (const QChar c : name) {
        if (c.category() == QChar::Other_Control)
            return Error::validation(u"display_name"_s, u"invalid"_s,
                                     u"Control characters are not allowed."_s);
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
    if (auto a = AuditService::append(tx, m_ctx.clock->nowMs(), actor, u"user.update"_s, QString(),
                                      u"user"_s, actor.userId,
                                      {{u"fields"_s, QJsonArray{u"display_name"_s}}});
        !a)
        return a.error();
    tx.announce(u"user"_s, actor.userId);
    if (auto c = tx.commit(); !c)
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
    Query s = tx.query(u"DELETE FROM sessions WHERE expires_at <= :now"_s);
    s.bind(u":now"_s, now);
    Query r =
        tx.query(u"DELETE FROM password_resets WHERE expires_at <= :now OR used_at IS NOT NULL"_s);
    r.bind(u":now"_s, now);
    if (!s.exec() || !r.exec())
        return Error::internal();
    const int n = s.rowsAffected() + r.rowsAffected();
    if (auto c = tx.commit(); !c)
        return c.error();
    return n;
}

} // namespace wfx
