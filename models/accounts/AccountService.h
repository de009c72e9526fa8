// SPDX-License-Identifier: Apache-2.0
// Local accounts: signup (the first one claims the instance), login with
// throttling, cookie sessions, password change and reset, profile.
#pragma once

#include "models/core/Context.h"
#include "models/core/Cursor.h"
#include "models/core/RateLimiter.h"
#include "models/core/Result.h"
#include "models/core/Shape.h"

#include <QJsonObject>
#include <QSqlDatabase>

#include <memory>

namespace wfx {

class MailOutbox;
class Tx;

struct User
{
    QString id, email, displayName;
    bool isAdmin = false;
    bool restricted = false;
    qint64 createdAt = 0;
    QJsonObject toJson() const;
};

inline constexpr auto kUserFields = std::tuple{
    shape::field("id", &User::id, shape::uuid()),
    shape::field("email", &User::email, shape::text()),
    shape::field("display_name", &User::displayName, shape::text()),
    shape::field("is_admin", &User::isAdmin, shape::boolean()),
    shape::field("restricted", &User::restricted, shape::boolean()),
    shape::field("created_at", &User::createdAt, shape::instant()),
};

struct Session
{
    QString id;     // the cookie value: set only when the session was just created
    QString idHash; // SHA-256 hex of id, the stored key
    QString userId;
    QString csrfToken;
    QString selectedWorkspaceId;
    qint64 createdAt = 0, lastSeenAt = 0, expiresAt = 0;
    // Constant-time comparison with the X-CSRF-Token header.
    bool csrfMatches(const QString &header) const;
    QJsonObject toJson() const; // never the id or the CSRF token
};

inline constexpr auto kSessionFields = std::tuple{
    shape::field("created_at", &Session::createdAt, shape::instant()),
    shape::field("last_seen_at", &Session::lastSeenAt, shape::instant()),
    shape::field("expires_at", &Session::expiresAt, shape::instant()),
    shape::field("selected_workspace_id", &Session::selectedWorkspaceId, shape::uuid().orNull()),
};

struct SignedIn
{
    User user;
    Session session;
};

struct AccountPolicy
{
    qint64 sessionAbsoluteMs = 30LL * 24 * 3600 * 1000; // from creation, never extended
    qint64 sessionIdleMs = 7LL * 24 * 3600 * 1000;      // from the last use
    qint64 sessionRenewEveryMs = 60'000;                // at most one write a minute per session
    int accountFailures = 10;                           // failed logins per account ...
    int addressFailures = 50;                           // ... and per client address ...
    qint64 failureWindowMs = 15LL * 60 * 1000;          // ... within this window
    qint64 lockMs = 15LL * 60 * 1000;                   // then refused for this long
    qint64 resetTtlMs = 3600LL * 1000;
    int resetMailsPerHour = 3; // per account; more requests answer the same and send nothing
    // Reset links are resetUrl + token; empty: the mail carries the bare token.
    QString resetUrl;
};

class AccountService
{
public:
    // mail may be null: reset requests then record an undeliverable outbox row.
    explicit AccountService(ModelContext ctx, std::shared_ptr<MailOutbox> mail = {},
                            AccountPolicy policy = {});

    static constexpr int kMaxEmailLength = 254;
    static constexpr int kMinPasswordLength = 10;
    static constexpr int kMaxPasswordLength = 1024;
    static constexpr int kMaxDisplayNameLength = 200;

    // While the instance has no account: a fresh one-time setup token (the
    // previous one dies), to be shown once. Once an account exists: empty.
    Result<QString> ensureSetupToken();
    // The first account becomes instance administrator and is accepted only
    // from a loopback address or with the setup token; later ones only while
    // signup is enabled. Creates no session (see createSession).
    Result<User> signup(const QString &email, const QString &password, const QString &ip,
                        const QString &setupToken = {});
    Result<bool> signupEnabled();
    Status setSignupEnabled(const Actor &actor, bool enabled);

    // Unknown email and wrong password give the same invalid_credentials error
    // after the same work. A new session every time; replacingSessionId (the
    // caller's current cookie, if any) is ended so no id survives a login.
    Result<SignedIn> login(const QString &email, const QString &password, const QString &ip,
                           const QString &replacingSessionId = {});
    Result<Session> createSession(const QString &userId, const QString &ip);
    // login_required for an unknown, expired or malformed id. Renews the idle
    // expiry at most once per sessionRenewEveryMs.
    Result<SignedIn> authenticate(const QString &sessionId);
    Status logout(const QString &sessionId);
    // Remembers the workspace for the session; the user must be a member.
    Status setSelectedWorkspace(const QString &sessionIdHash, const QString &workspaceId);

    // Ends every session of the user and returns a fresh one.
    Result<SignedIn> changePassword(const Actor &actor, const QString &oldPassword,
                                    const QString &newPassword);
    // Always Ok for a well-formed email, whether or not the account exists.
    Status requestPasswordReset(const QString &email, const QString &ip);
    Status completePasswordReset(const QString &token, const QString &newPassword,
                                 const QString &ip);

    Result<User> me(const Actor &actor);
    Result<User> updateProfile(const Actor &actor, const QString &displayName);

    // Every account, oldest first (keyset on created_at, id; limit 1..200), for
    // the console's administration. The system or an instance administrator not
    // acting through a scoped key; forbidden otherwise.
    Result<Page<User>> listUsers(const Actor &actor, int limit, const QString &cursor);

    // Deletes expired sessions and spent or expired reset tokens.
    Result<int> sweepExpired();

    static Result<QString> normalizeEmail(const QString &email);
    static Status validatePassword(const QString &password,
                                   const QString &field = QStringLiteral("password"));
    // 127.0.0.0/8, ::1 and their IPv4-mapped forms.
    static bool isLoopbackAddress(const QString &ip);

private:
    Result<User> loadUser(const QSqlDatabase &conn, const QString &id);
    Result<Session> insertSession(Tx &tx, const QString &userId, const QString &ip, qint64 now);
    Error rateLimited(qint64 untilMs) const;
    RateLimiter::Lockout accountLockout() const
    {
        return {m_policy.accountFailures, m_policy.failureWindowMs, m_policy.lockMs};
    }
    RateLimiter::Lockout addressLockout() const
    {
        return {m_policy.addressFailures, m_policy.failureWindowMs, m_policy.lockMs};
    }

    ModelContext m_ctx;
    std::shared_ptr<MailOutbox> m_mail;
    AccountPolicy m_policy;
};

} // namespace wfx
