// SPDX-License-Identifier: Apache-2.0
// AccountService's side of an instance's accounts coming to be: the setup token,
// signup (the first account claims the instance) and whether signup is open.
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

namespace {

const QString kSetupTokenKey = QStringLiteral("setup_token_hash");
const QString kSignupEnabledKey = QStringLiteral("signup_enabled");
// Serialises signups on PostgreSQL so two "first" accounts cannot both claim
// the instance (SQLite already serialises writers with BEGIN IMMEDIATE).
constexpr qint64 kSignupLockKey = 0x5746580001LL;

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

using account::accountBucket;
using account::loginRequired;

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
        if (auto e = row::exec(tx.conn(), u"SELECT pg_advisory_xact_lock(:k)"_s,
                               {{u":k"_s, kSignupLockKey}});
            !e)
            return e.error();
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
        if (auto e = row::exec(tx.conn(), u"DELETE FROM instance_settings WHERE key = :k"_s,
                               {{u":k"_s, kSetupTokenKey}});
            !e)
            return e.error();
    }
    // No personal data in the append-only log: the email stays in users only.
    if (auto c = AuditService::commit(tx, now, Actor::user(u.id, ip), u"user.signup"_s, QString(),
                                      u"user"_s, u.id, {{u"instance_admin"_s, first}});
        !c)
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

} // namespace wfx
