// SPDX-License-Identifier: Apache-2.0
// API keys: issue (secret shown once), list, rotate, revoke, and the Bearer
// authentication of the Cloud API.
#pragma once

#include "models/accounts/ApiKeyCache.h"
#include "models/accounts/ApiKeyUsage.h"
#include "models/core/Context.h"
#include "models/core/Cursor.h"
#include "models/core/Result.h"
#include "models/core/Shape.h"
#include "models/db/Tx.h"

#include <QJsonObject>
#include <QSqlDatabase>

#include <memory>

namespace wfx {

struct ApiKey
{
    static constexpr int kMaxNameLength = 100;

    QString id, userId, name, prefix, workspaceId; // workspaceId empty: not scoped
    qint64 createdAt = 0;
    qint64 lastUsedAt = 0;      // 0: never
    QJsonObject toJson() const; // never the secret or its hash
    // The same bytes as QJsonDocument(toJson()) in compact form, without the tree.
    void writeJson(JsonWriter &w) const;
};

inline constexpr auto kApiKeyFields = std::tuple{
    shape::field("id", &ApiKey::id, shape::uuid()),
    shape::field("name", &ApiKey::name, shape::text(1, ApiKey::kMaxNameLength)),
    shape::field("prefix", &ApiKey::prefix, shape::text()),
    shape::field("workspace_id", &ApiKey::workspaceId, shape::uuid().orNull()),
    shape::field("created_at", &ApiKey::createdAt, shape::instant()),
    shape::field("last_used_at", &ApiKey::lastUsedAt, shape::instant().orNull()),
};

struct IssuedApiKey
{
    ApiKey apiKey;
    QString secret; // shown once
};

class ApiKeyService
{
public:
    // usage: the process-wide record of key uses; pass the same one to every
    // instance (and flush it on a timer). Null: this instance keeps its own.
    explicit ApiKeyService(ModelContext ctx, std::shared_ptr<ApiKeyUsage> usage = {});

    static constexpr int kMaxNameLength = ApiKey::kMaxNameLength;
    static constexpr int kSecretBytes = 32;
    static constexpr int kPrefixLength = 12;

    Result<IssuedApiKey> issue(const Actor &actor, const QString &name,
                               const QString &workspaceId = {});
    // The actor's live keys, newest first (a scoped key sees its workspace's).
    Result<Page<ApiKey>> list(const Actor &actor, int limit, const QString &cursor);
    Result<ApiKey> get(const Actor &actor, const QString &id);
    // A new secret for the same key; the old one stops working at once.
    Result<IssuedApiKey> rotate(const Actor &actor, const QString &id);
    // Revoking a revoked key again changes nothing and succeeds.
    Status revoke(const Actor &actor, const QString &id);

    // Instance administration (the console): the live keys of any user, and
    // issue, rotate and revoke on that user's behalf. Only the system or an
    // instance administrator not acting through a scoped key (forbidden
    // otherwise); an unknown user is not_found. The owner's workspace
    // membership (for a scope) and restriction (for issue and rotate) apply as
    // if the owner acted; the audit entry names the administrator as actor and
    // the owner as details.user_id. Revoking by an administrator is allowed
    // while the owner is restricted (it only stops processing).
    Result<Page<ApiKey>> listForUser(const Actor &actor, const QString &userId, int limit,
                                     const QString &cursor);
    Result<IssuedApiKey> issueForUser(const Actor &actor, const QString &userId,
                                      const QString &name, const QString &workspaceId = {});
    Result<IssuedApiKey> rotateForUser(const Actor &actor, const QString &userId,
                                       const QString &id);
    Status revokeForUser(const Actor &actor, const QString &userId, const QString &id);

    // The principal of a Bearer secret, or login_required. Writes nothing: the
    // use is recorded in memory for flushLastUsed(). Reads the credentials
    // generation (one point read) and answers from the cache of resolved keys
    // when it has not moved; only otherwise looks the key up.
    Result<Actor> authenticate(const QString &secret, const QString &ip = {});
    // How many resolved keys the cache holds (tests).
    int cachedKeys() const { return m_cache->size(); }
    // Writes the recorded uses as last_used_at in one transaction; returns how
    // many keys were updated.
    Result<int> flushLastUsed();

    // "wfx_" + 43 base64url characters (32 bytes, unpadded).
    static bool isWellFormedSecret(const QString &secret);

private:
    // by: who acts (audited); owner: whose key it is (checked as if acting).
    Result<IssuedApiKey> issueAs(const Actor &by, const Actor &owner, const QString &name,
                                 const QString &workspaceId);
    Result<IssuedApiKey> rotateAs(const Actor &by, const Actor &owner, const QString &id);
    Status revokeAs(const Actor &by, const Actor &owner, const QString &id, bool checkWritable);
    // Admin check and owner lookup for the *ForUser methods.
    Status requireAdministrator(const Actor &actor, const QString &userId);
    // The actor's key (not_found when it is another user's or outside the
    // actor's key scope); with `revoked`, a revoked key too, and whether it is.
    Result<ApiKey> loadOwned(const QSqlDatabase &conn, const Actor &actor, const QString &id,
                             bool *revoked = nullptr);
    // A change of the actor's key `id`: the transaction and the key read in it
    // (revoked ones too when withRevoked; not_found for a non-user actor).
    struct KeyWrite
    {
        Tx tx;
        ApiKey key;
        bool revoked = false;
    };
    Result<KeyWrite> beginKeyWrite(const Actor &actor, const QString &id, bool withRevoked);
    ModelContext m_ctx;
    std::shared_ptr<ApiKeyUsage> m_usage;
    std::shared_ptr<ApiKeyCache> m_cache;
};

} // namespace wfx
