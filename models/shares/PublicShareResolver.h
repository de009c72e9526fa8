// SPDX-License-Identifier: Apache-2.0
// The public read of a share link (GET /api/public/shares/{token} and
// /api/public/r/{token}): the eleven states of CONTRACT.md section 4, checked in
// order, with the read budget and the password lock kept in the store. Also
// explains, without counting a read, which state a link is in and why.
#pragma once

#include "models/core/Context.h"
#include "models/core/Result.h"
#include "models/shares/PayloadPolicy.h"
#include "models/shares/ShareLimits.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMutex>

#include <memory>
#include <optional>
#include <utility>

namespace wfx {

// In the contract's order: the first that applies wins.
enum class PublicState {
    RateLimited = 1,
    NotFound = 2,
    Revoked = 3,
    Expired = 4,
    PasswordLocked = 5,
    PasswordRequired = 6,
    WrongPassword = 7,
    EvidenceUnverified = 8,
    ArtifactFiltered = 9,
    PayloadRejected = 10,
    Active = 11,
};

struct PublicAnswer
{
    PublicState state = PublicState::NotFound;
    int status = 404;
    QString code;    // empty when active
    QString message; // public wording for the error body; empty when active
    // Cache-Control always; RateLimit-* whenever a read was counted; Retry-After on 429.
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;          // the snapshot (compact JSON) when active, empty otherwise
    QJsonObject json() const; // body, parsed
    // For the administrator's log only, never for the public answer: the share the
    // token matched (empty when none) and, for PayloadRejected, the JSON path that
    // tripped the policy.
    QString shareId;
    QString policyPath;

    QByteArray header(const QByteArray &name) const;
};

struct ShareVerdict
{
    PublicState state = PublicState::NotFound;
    int status = 404;
    QString code;       // as in PublicAnswer ("" when active)
    QString reason;     // in words, for the administrator (why.english())
    Words why;          // the same, for the console to translate
    QString policyPath; // set for PayloadRejected: the JSON path that tripped the policy
    QJsonObject toJson() const;
};

struct ShareExplanation
{
    QString shareId; // empty when no share (that the actor sees) matches
    QString clientAddress;
    ShareVerdict verdict; // what a reader from clientAddress without a password gets now
    // For a share with a password, what a reader with the right password gets.
    std::optional<ShareVerdict> withPassword;
    QStringList notes;      // further facts (other limits, checks skipped)
    QList<Words> noteWords; // the same, for the console to translate
    void note(const Words &w)
    {
        notes.append(w.english());
        noteWords.append(w);
    }
    // {share_id|null, client_address, state, order, status, code|null, reason,
    //  policy_path?, with_password?, notes}
    QJsonObject toJson() const;
};

// The policy's verdict on each share's kept snapshot, remembered per share:
// a kept snapshot never changes, and the policy is fixed for the life of the
// resolver that holds this. Thread-safe (the server's threads share one).
class PolicyVerdicts
{
public:
    explicit PolicyVerdicts(PayloadPolicy policy) : m_policy(std::move(policy)) {}
    // An unreadable snapshot (a damaged store) is an error, not a verdict.
    Result<std::optional<PolicyViolation>> judge(const QString &shareId,
                                                 const QByteArray &snapshot) const;
    // The verdict on a snapshot no share keeps (not remembered).
    Result<std::optional<PolicyViolation>> judgeOnce(const QByteArray &snapshot) const;

private:
    static constexpr qsizetype kMaxKnown = 8192;
    PayloadPolicy m_policy;
    mutable QMutex m_mutex;
    mutable QHash<QString, std::optional<PolicyViolation>> m_known;
};

class PublicShareResolver
{
public:
    PublicShareResolver(ModelContext ctx, ShareLimits limits = {}, PayloadPolicy policy = {});

    static int statusOf(PublicState s);
    static QString codeOf(PublicState s); // empty for Active
    static QString nameOf(PublicState s); // rate_limited, not_found, ... active
    static QString publicMessage(PublicState s);

    // One public read. The read is counted first, in the share's bucket for this
    // client address, or in the one bucket of this address for tokens that match
    // no share. A store failure is an error (503), never a state.
    Result<PublicAnswer> resolve(const QString &token, const QString &clientAddress,
                                 const std::optional<QString> &password);

    // For the console's share inspector: a token, a link holding one, or a share
    // id. Counts nothing and records nothing. Shares outside the actor's
    // workspaces are reported as not found. An empty clientAddress skips the
    // per-client checks (read budget, password lock).
    Result<ShareExplanation> explain(const Actor &actor, const QString &tokenLinkOrId,
                                     const QString &clientAddress);

    // For the console: lifts the password lock (and forgets the wrong passwords
    // counted) of one share for one client address. Member of the share's
    // workspace (not_found otherwise). True when a lock was lifted, which writes
    // the audit entry share.unlock and announces the share; false when there was
    // no lock (nothing audited).
    Result<bool> unlock(const Actor &actor, const QString &shareId, const QString &clientAddress);

    // For the inspector: whether `password` is the share's password, without
    // counting a read or a failure. Viewer of the share's workspace.
    Result<bool> passwordMatches(const Actor &actor, const QString &shareId,
                                 const QString &password);

    const ShareLimits &limits() const { return m_limits; }

private:
    ModelContext m_ctx;
    ShareLimits m_limits;
    std::shared_ptr<const PolicyVerdicts> m_verdicts;
};

} // namespace wfx
