// SPDX-License-Identifier: Apache-2.0
// Public share links of runs (and optionally one artifact), and the reliability
// consents recorded against a share. The public read itself is PublicShareResolver.
#pragma once

#include "models/core/Context.h"
#include "models/core/Cursor.h"
#include "models/core/Result.h"
#include "models/core/Shape.h"
#include "models/shares/ShareLimits.h"

#include <QJsonObject>
#include <QSqlDatabase>

#include <optional>
#include <utility>

namespace wfx {

class Tx;

struct Share
{
    QString id, workspaceId, runId;
    QString artifactId; // empty: the share shows the run only
    QString tokenPrefix;
    bool hasPassword = false;
    std::optional<qint64> expiresAt;
    std::optional<qint64> revokedAt;
    qint64 createdAt = 0;
    QString createdBy;
    QString state; // active, revoked or expired, computed with the clock when loaded

    // {id, workspace_id, run_id, artifact_id|null, state, expires_at|null, revoked_at|null,
    //  has_password, token_prefix, created_at}. Never the token or the password.
    QJsonObject toJson() const;
    // The same bytes as QJsonDocument(toJson()) in compact form, without the tree.
    void writeJson(JsonWriter &w) const;
    static QString stateAt(const std::optional<qint64> &revokedAt,
                           const std::optional<qint64> &expiresAt, qint64 nowMs);
};

enum class ShareState { Active, Revoked, Expired };
template <> struct shape::EnumNames<ShareState>
{
    static constexpr std::array<std::string_view, 3> names{"active", "revoked", "expired"};
};

inline constexpr auto kShareFields = std::tuple{
    shape::field("id", &Share::id, shape::uuid()),
    shape::field("workspace_id", &Share::workspaceId, shape::uuid()),
    shape::field("run_id", &Share::runId, shape::uuid()),
    shape::field("artifact_id", &Share::artifactId, shape::uuid().orNull()),
    shape::field("state", &Share::state, shape::oneOf<ShareState>()),
    shape::field("expires_at", &Share::expiresAt, shape::instant().orNull()),
    shape::field("revoked_at", &Share::revokedAt, shape::instant().orNull()),
    shape::field("has_password", &Share::hasPassword, shape::boolean()),
    // The BFF's schema has never stated the prefix's length (kept for /openapi.json).
    shape::field("token_prefix", &Share::tokenPrefix, shape::text(1, 64).limitsOnlyIn(shape::Api)),
    shape::field("created_at", &Share::createdAt, shape::instant()),
};

// What a caller asks for; null/absent JSON fields are nullopt.
struct ShareDraft
{
    QString runId;
    std::optional<QString> password;   // 8..1024 characters, stored with scrypt
    std::optional<QString> expiresAt;  // RFC 3339, must lie in the future
    std::optional<QString> artifactId; // must belong to the run
};

struct IssuedShare
{
    Share share;
    QString token; // shown once: wfxs_ + 43 base64url characters
};

struct ShareFilter
{
    QString workspaceId; // empty: every workspace the actor sees
    QString runId;       // empty: every run
};

struct ReliabilityConsent
{
    QString id, shareId, subject, scope, grantedBy;
    qint64 grantedAt = 0;
    std::optional<qint64> revokedAt;

    // {id, share_id, subject, scope, state: active|revoked, granted_at, revoked_at|null}
    QJsonObject toJson() const;
};

class ShareService
{
public:
    // `limits` bound the snapshot a new share keeps (maxSeries, maxPointsPerSeries).
    explicit ShareService(ModelContext ctx, ShareLimits limits = {})
        : m_ctx(std::move(ctx)), m_limits(limits)
    {
    }

    static constexpr int kPasswordMin = 8;
    static constexpr int kPasswordMax = 1024;
    static constexpr int kTokenBytes = 32;
    static constexpr int kTokenPrefixLength = 12;
    static constexpr int kConsentFieldMax = 200;
    static QString tokenPrefixText() { return QStringLiteral("wfxs_"); }
    // Cheap shape check before any store access: wfxs_ + 43 base64url characters.
    static bool isWellFormedToken(const QString &token);
    static QString tokenHash(const QString &token);

    // Member of the run's workspace; audit share.create.
    Result<IssuedShare> create(const Actor &actor, const ShareDraft &draft);
    Result<Share> get(const Actor &actor, const QString &id);
    // Newest first, keyset on (created_at, id); limit 1..200.
    Result<Page<Share>> list(const Actor &actor, const ShareFilter &filter, int limit,
                             const QString &cursor);
    // Idempotent: revoking a revoked share returns it and writes no audit entry.
    Result<Share> revoke(const Actor &actor, const QString &id);
    // Sets (or, with nullopt, removes) the expiry of a share that is not revoked;
    // audit share.update when it changes.
    Result<Share> extend(const Actor &actor, const QString &id,
                         const std::optional<QString> &expiresAt);

    // Reliability consents of a share (member of the share's workspace for writes,
    // any member for reads).
    Result<ReliabilityConsent> createConsent(const Actor &actor, const QString &shareId,
                                             const QString &subject, const QString &scope);
    Result<Page<ReliabilityConsent>> listConsents(const Actor &actor, const QString &shareId,
                                                  int limit, const QString &cursor);
    Status deleteConsent(const Actor &actor, const QString &shareId, const QString &consentId);
    // Idempotent like revoke().
    Result<ReliabilityConsent> revokeConsent(const Actor &actor, const QString &shareId,
                                             const QString &consentId);
    // {consent: {...}, share: {id, run_id, state}, exported_at}
    Result<QJsonObject> exportConsent(const Actor &actor, const QString &shareId,
                                      const QString &consentId);

    // Shares of the whole instance by state (active, expired, revoked), for the
    // operator's metrics; no actor: the caller decides who may see it.
    Result<QList<QPair<QString, qint64>>> countByState();

    // Reads a share row without an access check (for the resolver and the inspector).
    static Result<std::optional<Share>> loadById(const QSqlDatabase &conn, const QString &id,
                                                 qint64 nowMs);
    // The share whose token hashes to `tokenHash`, and its password hash (empty:
    // none) in `passwordHash`: one point query for the public read.
    static Result<std::optional<Share>> loadByTokenHash(const QSqlDatabase &conn,
                                                        const QString &tokenHash, qint64 nowMs,
                                                        QString *passwordHash);

private:
    // Loads the share and checks the actor's role in its workspace (not_found otherwise).
    Result<Share> loadChecked(const QSqlDatabase &conn, const Actor &actor, const QString &id,
                              Role minimum);
    // The share, if the actor may change it (Member, not restricted).
    Result<Share> loadWritable(const QSqlDatabase &conn, const Actor &actor, const QString &id);
    // The share locked in tx, if the actor may change it; conflict (`ifRevoked`)
    // when it is revoked, unless ifRevoked is empty.
    Result<Share> lockForChange(Tx &tx, const Actor &actor, const QString &id,
                                const QString &ifRevoked = {});
    // A consent of a share the actor may change: the share's workspace and the consent.
    Result<std::pair<QString, ReliabilityConsent>> consentForChange(const QSqlDatabase &conn,
                                                                    const Actor &actor,
                                                                    const QString &shareId,
                                                                    const QString &consentId);
    Result<ReliabilityConsent> loadConsent(const QSqlDatabase &conn, const QString &shareId,
                                           const QString &consentId);
    ModelContext m_ctx;
    ShareLimits m_limits;
};

} // namespace wfx
