// SPDX-License-Identifier: Apache-2.0
#include "models/accounts/ApiKeyService.h"

#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/Keyset.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/db/NativeQuery.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"
#include "models/workspaces/WorkspaceService.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {
const QString kKey = QStringLiteral("API key");
const QString kPrefix = QStringLiteral("wfx_");

const QString kColumns =
    QStringLiteral("id, user_id, name, prefix, workspace_id, created_at, last_used_at");

ApiKey readKey(const Query &q)
{
    ApiKey k;
    row::read(q, k.id, k.userId, k.name, k.prefix, k.workspaceId, k.createdAt, k.lastUsedAt);
    return k;
}

// Moved by the store (migration 0004's triggers) with every change that can
// make a resolved key wrong. Read on every request: through the native handle.
Result<qint64> credentialsGeneration(const QSqlDatabase &conn)
{
    NativeQuery q(conn, "SELECT generation FROM credentials_generation WHERE id = 1");
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::internal(u"The credentials generation row is missing."_s);
    return q.i64(0);
}

Error loginRequired()
{
    return Error{ErrorCode::LoginRequired, u"Invalid or revoked API key."_s};
}
} // namespace

QJsonObject ApiKey::toJson() const
{
    return shape::toJson<kApiKeyFields>(*this);
}

void ApiKey::writeJson(JsonWriter &w) const
{
    shape::writeJson<kApiKeyFields>(w, *this);
}

ApiKeyService::ApiKeyService(ModelContext ctx, std::shared_ptr<ApiKeyUsage> usage)
    : m_ctx(std::move(ctx)), m_usage(usage ? std::move(usage) : std::make_shared<ApiKeyUsage>()),
      m_cache(std::make_shared<ApiKeyCache>())
{
}

bool ApiKeyService::isWellFormedSecret(const QString &secret)
{
    // 32 bytes in unpadded base64url are 43 characters.
    if (secret.size() != kPrefix.size() + 43 || !secret.startsWith(kPrefix))
        return false;
    for (qsizetype i = kPrefix.size(); i < secret.size(); ++i) {
        const char16_t c = secret.at(i).unicode();
        const bool ok = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') ||
                        (c >= u'0' && c <= u'9') || c == u'-' || c == u'_';
        if (!ok)
            return false;
    }
    return true;
}

Result<ApiKey> ApiKeyService::loadOwned(const QSqlDatabase &conn, const Actor &actor,
                                        const QString &id, bool *revoked)
{
    const QString live = revoked ? QString() : u" AND revoked_at IS NULL"_s;
    Query q(conn, u"SELECT "_s + kColumns +
                      u", revoked_at FROM api_keys WHERE id = :id AND user_id = :u"_s + live);
    q.bind(u":id"_s, id).bind(u":u"_s, actor.userId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kKey);
    ApiKey k = readKey(q);
    if (revoked)
        *revoked = !q.isNull(7);
    // A scoped key sees only the keys of its own workspace.
    if (!actor.keyWorkspaceId.isEmpty() && k.workspaceId != actor.keyWorkspaceId)
        return Error::notFound(kKey);
    k.lastUsedAt = std::max(k.lastUsedAt, m_usage->pending(k.id));
    return k;
}

Result<ApiKeyService::KeyWrite> ApiKeyService::beginKeyWrite(const Actor &actor, const QString &id,
                                                             bool withRevoked)
{
    if (!actor.isUser())
        return Error::notFound(kKey);
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    bool revoked = false;
    auto key = loadOwned(began->conn(), actor, id, withRevoked ? &revoked : nullptr);
    if (!key)
        return key.error();
    return KeyWrite{std::move(*began), std::move(*key), revoked};
}

Result<IssuedApiKey> ApiKeyService::issue(const Actor &actor, const QString &name,
                                          const QString &workspaceId)
{
    return issueAs(actor, actor, name, workspaceId);
}

Status ApiKeyService::requireAdministrator(const Actor &actor, const QString &userId)
{
    if (!actor.isSystem() && (!actor.instanceAdmin || !actor.keyWorkspaceId.isEmpty()))
        return Error::forbidden(u"Only an instance administrator may manage other users' keys."_s);
    if (!ids::isUuid(userId))
        return Error::notFound(u"User"_s);
    Query q(m_ctx.db->connection(), u"SELECT 1 FROM users WHERE id = :u"_s);
    q.bind(u":u"_s, userId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(u"User"_s);
    return Ok{};
}

Result<Page<ApiKey>> ApiKeyService::listForUser(const Actor &actor, const QString &userId,
                                                int limit, const QString &cursorText)
{
    if (auto a = requireAdministrator(actor, userId); !a)
        return a.error();
    return list(Actor::user(userId), limit, cursorText);
}

Result<IssuedApiKey> ApiKeyService::issueForUser(const Actor &actor, const QString &userId,
                                                 const QString &name, const QString &workspaceId)
{
    if (auto a = requireAdministrator(actor, userId); !a)
        return a.error();
    return issueAs(actor, Actor::user(userId), name, workspaceId);
}

Result<IssuedApiKey> ApiKeyService::rotateForUser(const Actor &actor, const QString &userId,
                                                  const QString &id)
{
    if (auto a = requireAdministrator(actor, userId); !a)
        return a.error();
    return rotateAs(actor, Actor::user(userId), id);
}

Status ApiKeyService::revokeForUser(const Actor &actor, const QString &userId, const QString &id)
{
    if (auto a = requireAdministrator(actor, userId); !a)
        return a.error();
    return revokeAs(actor, Actor::user(userId), id, false);
}

Result<IssuedApiKey> ApiKeyService::issueAs(const Actor &by, const Actor &actor,
                                            const QString &name, const QString &workspaceId)
{
    auto n = validName(u"name"_s, name, kMaxNameLength);
    if (!n)
        return n.error();
    if (!workspaceId.isEmpty() && !ids::isUuid(workspaceId))
        return Error::validation(u"workspace_id"_s, u"invalid"_s,
                                 u"workspace_id must be a workspace id."_s);
    if (!actor.isUser())
        return Error::forbidden(u"An API key needs an owner."_s);
    // A scoped key may not mint a key that reaches further than itself.
    if (!actor.keyWorkspaceId.isEmpty() && workspaceId.isEmpty())
        return Error::forbidden(u"A workspace-scoped key can only issue keys for its workspace."_s);
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (!workspaceId.isEmpty()) {
        if (auto r = access::requireRole(tx.conn(), actor, workspaceId, Role::Viewer); !r)
            return r.error();
    }
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    const qint64 now = m_ctx.clock->nowMs();
    IssuedApiKey out;
    out.secret = crypto::randomToken(kPrefix, kSecretBytes);
    out.apiKey = ApiKey{ids::newUuid(), actor.userId, *n, out.secret.left(kPrefixLength),
                        workspaceId,    now,          0};
    Query ins = tx.query(
        u"INSERT INTO api_keys (id, user_id, workspace_id, name, prefix, secret_hash, created_at) "
        "VALUES (:id, :u, :w, :n, :p, :h, :t)"_s);
    ins.bind(u":id"_s, out.apiKey.id)
        .bind(u":u"_s, actor.userId)
        .bind(u":w"_s, workspaceId.isEmpty() ? QVariant() : QVariant(workspaceId))
        .bind(u":n"_s, out.apiKey.name)
        .bind(u":p"_s, out.apiKey.prefix)
        .bind(u":h"_s, crypto::sha256Hex(out.secret.toUtf8()))
        .bind(u":t"_s, now);
    if (!ins.exec())
        return ins.error();
    QJsonObject details{{u"name"_s, out.apiKey.name}, {u"prefix"_s, out.apiKey.prefix}};
    if (by.userId != actor.userId)
        details.insert(u"user_id"_s, actor.userId);
    if (auto c = AuditService::commit(tx, now, by, u"api_key.create"_s, workspaceId, u"api_key"_s,
                                      out.apiKey.id, details);
        !c)
        return c.error();
    return out;
}

Result<Page<ApiKey>> ApiKeyService::list(const Actor &actor, int limit, const QString &cursorText)
{
    if (!actor.isUser())
        return Error{ErrorCode::LoginRequired, u"Please log in."_s};
    if (limit < 1 || limit > cursor::kMaxLimit)
        return Error::validation(u"limit"_s, u"out_of_range"_s,
                                 u"limit must be between 1 and %1."_s.arg(cursor::kMaxLimit));
    QString sql =
        u"SELECT "_s + kColumns + u" FROM api_keys WHERE user_id = :u AND revoked_at IS NULL"_s;
    if (!actor.keyWorkspaceId.isEmpty())
        sql += u" AND workspace_id = :scope"_s;
    auto keyset = Keyset::parse(cursorText, u"created_at"_s, u"id"_s);
    if (!keyset)
        return keyset.error();
    auto bind = [&](Query &q) {
        q.bind(u":u"_s, actor.userId);
        if (!actor.keyWorkspaceId.isEmpty())
            q.bind(u":scope"_s, actor.keyWorkspaceId);
    };
    return row::page<ApiKey>(m_ctx.db->connection(), sql, *keyset, limit, bind,
                             [&](const Query &q) {
                                 ApiKey k = readKey(q);
                                 k.lastUsedAt = std::max(k.lastUsedAt, m_usage->pending(k.id));
                                 return k;
                             });
}

Result<ApiKey> ApiKeyService::get(const Actor &actor, const QString &id)
{
    if (!actor.isUser())
        return Error::notFound(kKey);
    return loadOwned(m_ctx.db->connection(), actor, id);
}

Result<IssuedApiKey> ApiKeyService::rotate(const Actor &actor, const QString &id)
{
    return rotateAs(actor, actor, id);
}

Result<IssuedApiKey> ApiKeyService::rotateAs(const Actor &by, const Actor &actor, const QString &id)
{
    auto write = beginKeyWrite(actor, id, false);
    if (!write)
        return write.error();
    Tx &tx = write->tx;
    const ApiKey &key = write->key;
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    IssuedApiKey out;
    out.secret = crypto::randomToken(kPrefix, kSecretBytes);
    out.apiKey = key;
    out.apiKey.prefix = out.secret.left(kPrefixLength);
    Query u = tx.query(
        u"UPDATE api_keys SET secret_hash = :h, prefix = :p WHERE id = :id AND revoked_at IS NULL"_s);
    u.bind(u":h"_s, crypto::sha256Hex(out.secret.toUtf8()))
        .bind(u":p"_s, out.apiKey.prefix)
        .bind(u":id"_s, id);
    if (!u.exec())
        return u.error();
    if (u.rowsAffected() != 1)
        return Error::notFound(kKey);
    QJsonObject details{{u"prefix"_s, out.apiKey.prefix}};
    if (by.userId != actor.userId)
        details.insert(u"user_id"_s, actor.userId);
    if (auto c = AuditService::commit(tx, m_ctx.clock->nowMs(), by, u"api_key.rotate"_s,
                                      key.workspaceId, u"api_key"_s, id, details);
        !c)
        return c.error();
    return out;
}

Status ApiKeyService::revoke(const Actor &actor, const QString &id)
{
    return revokeAs(actor, actor, id, true);
}

Status ApiKeyService::revokeAs(const Actor &by, const Actor &actor, const QString &id,
                               bool checkWritable)
{
    // Revoked keys count as the caller's, so that revoking twice succeeds.
    auto write = beginKeyWrite(actor, id, true);
    if (!write)
        return write.error();
    Tx &tx = write->tx;
    const bool alreadyRevoked = write->revoked;
    const QString workspaceId = write->key.workspaceId;
    // CONTRACT.md 3: while processing is restricted every key write answers
    // forbidden, revoking included; lifting the restriction comes first.
    if (checkWritable) {
        if (auto w = access::requireWritable(tx.conn(), actor); !w)
            return w.error();
    }
    if (alreadyRevoked)
        return Ok{};
    const qint64 now = m_ctx.clock->nowMs();
    Query u = tx.query(u"UPDATE api_keys SET revoked_at = :t WHERE id = :id"_s);
    u.bind(u":t"_s, now).bind(u":id"_s, id);
    if (!u.exec())
        return u.error();
    QJsonObject details;
    if (by.userId != actor.userId)
        details.insert(u"user_id"_s, actor.userId);
    return AuditService::commit(tx, now, by, u"api_key.revoke"_s, workspaceId, u"api_key"_s, id,
                                details);
}

Result<Actor> ApiKeyService::authenticate(const QString &secret, const QString &ip)
{
    if (!isWellFormedSecret(secret))
        return loginRequired();
    const QSqlDatabase conn = m_ctx.db->connection();
    // The generation first: a resolution stored under it was made after it
    // was read, so a change committed later moves it past the entry.
    auto generation = credentialsGeneration(conn);
    if (!generation)
        return generation.error();
    // Looked up by its hash: neither the store nor the cache keeps the secret,
    // and the lookup reveals nothing about how close a guess was.
    const QByteArray hash = crypto::sha256(secret.toUtf8());
    auto cached = m_cache->find(hash, *generation);
    if (!cached) {
        Query q(conn, u"SELECT k.id, k.user_id, k.workspace_id, u.is_admin FROM api_keys k "
                      "JOIN users u ON u.id = k.user_id "
                      "WHERE k.secret_hash = :h AND k.revoked_at IS NULL"_s);
        q.bind(u":h"_s, QString::fromLatin1(hash.toHex()));
        if (!q.exec())
            return q.error();
        if (!q.next())
            return loginRequired();
        cached = ApiKeyCache::Entry{q.str(0), q.str(1), q.str(2), q.i64(3) != 0};
        m_cache->store(hash, *generation, *cached);
    }
    Actor a;
    a.apiKeyId = cached->keyId;
    a.userId = cached->userId;
    a.keyWorkspaceId = cached->keyWorkspaceId;
    a.instanceAdmin = cached->instanceAdmin;
    a.ip = ip;
    m_usage->record(a.apiKeyId, m_ctx.clock->nowMs());
    return a;
}

Result<int> ApiKeyService::flushLastUsed()
{
    const QHash<QString, qint64> uses = m_usage->take();
    if (uses.isEmpty())
        return 0;
    auto began = Tx::begin(*m_ctx.db);
    if (!began) {
        m_usage->restore(uses);
        return began.error();
    }
    Tx &tx = *began;
    int updated = 0;
    for (auto it = uses.cbegin(); it != uses.cend(); ++it) {
        Query u = tx.query(u"UPDATE api_keys SET last_used_at = :t WHERE id = :id "
                           "AND (last_used_at IS NULL OR last_used_at < :t)"_s);
        u.bind(u":t"_s, it.value()).bind(u":id"_s, it.key());
        if (!u.exec()) {
            tx.rollback();
            m_usage->restore(uses);
            return u.error();
        }
        updated += u.rowsAffected();
    }
    if (auto c = tx.commit(); !c) {
        m_usage->restore(uses);
        return c.error();
    }
    return updated;
}

} // namespace wfx
