// SPDX-License-Identifier: Apache-2.0
#include "models/shares/ShareService.h"

#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/Keyset.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"
#include "models/shares/ShareSnapshot.h"
#include "models/workspaces/WorkspaceService.h"

using namespace Qt::StringLiterals;

namespace wfx {

namespace {
const QString kShare = QStringLiteral("Share");
const QString kRun = QStringLiteral("Run");
const QString kConsent = QStringLiteral("Consent");

QJsonValue timeOrNull(const std::optional<qint64> &t)
{
    return t ? QJsonValue(ids::formatTime(*t)) : QJsonValue(QJsonValue::Null);
}

QJsonValue textOrNull(const QString &s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

const QString kShareColumns =
    QStringLiteral("id, workspace_id, run_id, COALESCE(artifact_id, artifact_ref), token_prefix, "
                   "password_hash, expires_at, "
                   "revoked_at, created_by, created_at");

Share readShare(const Query &q, qint64 now)
{
    Share s;
    row::read(q, s.id, s.workspaceId, s.runId, s.artifactId, s.tokenPrefix);
    s.hasPassword = !q.isNull(5) && !q.str(5).isEmpty();
    row::readFrom(q, 6, s.expiresAt, s.revokedAt, s.createdBy, s.createdAt);
    s.state = Share::stateAt(s.revokedAt, s.expiresAt, now);
    return s;
}

inline constexpr auto kConsentFields = std::tuple{
    shape::field("id", &ReliabilityConsent::id, shape::uuid()),
    shape::field("share_id", &ReliabilityConsent::shareId, shape::uuid()),
    shape::field("subject", &ReliabilityConsent::subject, shape::text()),
    shape::field("scope", &ReliabilityConsent::scope, shape::text()),
    shape::field(
        "state",
        [](const ReliabilityConsent &c) {
            return c.revokedAt ? QStringLiteral("revoked") : QStringLiteral("active");
        },
        shape::text()),
    shape::field("granted_at", &ReliabilityConsent::grantedAt, shape::instant()),
    shape::field("revoked_at", &ReliabilityConsent::revokedAt, shape::instant().orNull())};

const QString kConsentColumns =
    QStringLiteral("id, share_id, subject, scope, granted_by, granted_at, revoked_at");

ReliabilityConsent readConsent(const Query &q)
{
    ReliabilityConsent c;
    row::read(q, c.id, c.shareId, c.subject, c.scope, c.grantedBy, c.grantedAt, c.revokedAt);
    return c;
}

Status validLimit(int limit)
{
    if (limit < 1 || limit > cursor::kMaxLimit)
        return Error::validation(u"limit"_s, u"out_of_range"_s,
                                 u"limit must be between 1 and %1."_s.arg(cursor::kMaxLimit));
    return Ok{};
}

// Future expiry as ms, or a validation issue.
Result<std::optional<qint64>> parseExpiry(const std::optional<QString> &text, qint64 now)
{
    if (!text)
        return std::optional<qint64>();
    const auto t = ids::parseTime(*text);
    if (!t)
        return Error::validation(u"expires_at"_s, u"invalid"_s,
                                 u"expires_at must be an RFC 3339 time with a zone."_s);
    if (*t <= now)
        return Error::validation(u"expires_at"_s, u"in_past"_s,
                                 u"expires_at must lie in the future."_s);
    return std::optional<qint64>(*t);
}
} // namespace

QString Share::stateAt(const std::optional<qint64> &revokedAt,
                       const std::optional<qint64> &expiresAt, qint64 nowMs)
{
    if (revokedAt)
        return u"revoked"_s;
    if (expiresAt && *expiresAt <= nowMs)
        return u"expired"_s;
    return u"active"_s;
}

QJsonObject Share::toJson() const
{
    return shape::toJson<kShareFields>(*this);
}

void Share::writeJson(JsonWriter &w) const
{
    shape::writeJson<kShareFields>(w, *this);
}

QJsonObject ReliabilityConsent::toJson() const
{
    return shape::toJson<kConsentFields>(*this);
}

bool ShareService::isWellFormedToken(const QString &token)
{
    // 32 random bytes in unpadded base64url are 43 characters.
    constexpr int kBodyLength = (kTokenBytes * 4 + 2) / 3;
    const QString prefix = tokenPrefixText();
    if (token.size() != prefix.size() + kBodyLength || !token.startsWith(prefix))
        return false;
    for (qsizetype i = prefix.size(); i < token.size(); ++i) {
        const char16_t c = token.at(i).unicode();
        const bool ok = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') ||
                        (c >= u'0' && c <= u'9') || c == u'-' || c == u'_';
        if (!ok)
            return false;
    }
    return true;
}

QString ShareService::tokenHash(const QString &token)
{
    return crypto::sha256Hex(token.toUtf8());
}

Result<std::optional<Share>> ShareService::loadById(const QSqlDatabase &conn, const QString &id,
                                                    qint64 nowMs)
{
    if (!ids::isUuid(id))
        return std::optional<Share>();
    Query q(conn, u"SELECT "_s + kShareColumns + u" FROM shares WHERE id = :id"_s);
    q.bind(u":id"_s, id);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return std::optional<Share>();
    return std::optional<Share>(readShare(q, nowMs));
}

Result<std::optional<Share>> ShareService::loadByTokenHash(const QSqlDatabase &conn,
                                                           const QString &tokenHash, qint64 nowMs,
                                                           QString *passwordHash)
{
    Query q(conn, u"SELECT "_s + kShareColumns + u" FROM shares WHERE token_hash = :h"_s);
    q.bind(u":h"_s, tokenHash);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return std::optional<Share>();
    if (passwordHash)
        *passwordHash = q.isNull(5) ? QString() : q.str(5);
    return std::optional<Share>(readShare(q, nowMs));
}

Result<QList<QPair<QString, qint64>>> ShareService::countByState()
{
    Query q(m_ctx.db->connection(),
            u"SELECT COALESCE(SUM(CASE WHEN revoked_at IS NULL AND (expires_at IS NULL OR "
            u"expires_at > :now) THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at "
            "<= :now2 THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN revoked_at IS NOT NULL THEN 1 ELSE 0 END), 0) FROM shares"_s);
    const qint64 now = m_ctx.clock->nowMs();
    q.bind(u":now"_s, now);
    q.bind(u":now2"_s, now);
    if (!q.exec())
        return q.error();
    QList<QPair<QString, qint64>> out;
    if (q.next())
        out = {{u"active"_s, q.i64(0)}, {u"expired"_s, q.i64(1)}, {u"revoked"_s, q.i64(2)}};
    return out;
}

Result<Share> ShareService::loadChecked(const QSqlDatabase &conn, const Actor &actor,
                                        const QString &id, Role minimum)
{
    auto s = loadById(conn, id, m_ctx.clock->nowMs());
    if (!s)
        return s.error();
    if (!*s)
        return Error::notFound(kShare);
    if (auto r = access::requireRole(conn, actor, (*s)->workspaceId, minimum, kShare); !r)
        return r.error();
    return **s;
}

Result<Share> ShareService::loadWritable(const QSqlDatabase &conn, const Actor &actor,
                                         const QString &id)
{
    return row::checked(loadChecked(conn, actor, id, Role::Member),
                        [&](const Share &) { return access::requireWritable(conn, actor); });
}

Result<Share> ShareService::lockForChange(Tx &tx, const Actor &actor, const QString &id,
                                          const QString &ifRevoked)
{
    if (!tx.lockRow(u"shares"_s, id))
        return Error::internal();
    auto s = loadWritable(tx.conn(), actor, id);
    if (s && s->revokedAt && !ifRevoked.isEmpty())
        return Error::conflict(ifRevoked);
    return s;
}

Result<std::pair<QString, ReliabilityConsent>>
ShareService::consentForChange(const QSqlDatabase &conn, const Actor &actor, const QString &shareId,
                               const QString &consentId)
{
    auto s = loadWritable(conn, actor, shareId);
    if (!s)
        return s.error();
    auto c = loadConsent(conn, shareId, consentId);
    if (!c)
        return c.error();
    return std::pair{s->workspaceId, *c};
}

Result<IssuedShare> ShareService::create(const Actor &actor, const ShareDraft &draft)
{
    const qint64 now = m_ctx.clock->nowMs();
    // Every field problem at once, in body order.
    Error invalid{ErrorCode::Validation, u"The share request is not valid."_s};
    if (draft.runId.isEmpty())
        invalid.details.append({u"run_id"_s, u"required"_s});
    else if (!ids::isUuid(draft.runId))
        invalid.details.append({u"run_id"_s, u"invalid"_s});
    if (draft.password) {
        if (draft.password->size() < kPasswordMin)
            invalid.details.append({u"password"_s, u"too_short"_s});
        else if (draft.password->size() > kPasswordMax)
            invalid.details.append({u"password"_s, u"too_long"_s});
    }
    auto expiry = parseExpiry(draft.expiresAt, now);
    if (!expiry)
        invalid.details.append(expiry.error().details);
    if (draft.artifactId && !ids::isUuid(*draft.artifactId))
        invalid.details.append({u"artifact_id"_s, u"invalid"_s});
    if (!invalid.details.isEmpty()) {
        if (invalid.details.size() == 1)
            invalid.message = u"Invalid %1."_s.arg(invalid.details.first().field);
        return invalid;
    }

    // Hash before the transaction: scrypt is slow and must not hold the write lock.
    const QString passwordHash = draft.password ? crypto::hashPassword(*draft.password) : QString();

    auto began = access::beginWriteUnder(m_ctx, actor, u"runs"_s, draft.runId, Role::Member, kRun);
    if (!began)
        return began.error();
    auto &[tx, workspaceId] = *began;
    if (draft.artifactId) {
        // Same answer whether the artifact is elsewhere or nowhere: nothing is revealed.
        Query a = tx.query(u"SELECT state FROM artifacts WHERE id = :a AND run_id = :r"_s);
        a.bind(u":a"_s, *draft.artifactId).bind(u":r"_s, draft.runId);
        if (!a.exec())
            return a.error();
        if (!a.next())
            return Error::validation(u"artifact_id"_s, u"not_in_run"_s,
                                     u"The artifact is not part of this run."_s);
        const QString state = a.str(0);
        if (state == QLatin1String("aborted") || state == QLatin1String("deleted"))
            return Error::validation(u"artifact_id"_s, u"unavailable"_s,
                                     u"The artifact was aborted or deleted."_s);
    }

    IssuedShare out;
    out.token = crypto::randomToken(tokenPrefixText(), kTokenBytes);
    Share &s = out.share;
    s.id = ids::newUuid();
    s.workspaceId = workspaceId;
    s.runId = draft.runId;
    s.artifactId = draft.artifactId.value_or(QString());
    s.tokenPrefix = out.token.left(kTokenPrefixLength);
    s.hasPassword = draft.password.has_value();
    s.expiresAt = *expiry;
    s.createdAt = now;
    s.createdBy = actor.userId;
    s.state = Share::stateAt(s.revokedAt, s.expiresAt, now);
    // The public view is taken now, in this transaction, and kept: later syncs
    // of a growing run do not change what the link shows.
    auto snapshot = ShareSnapshot::take(tx.conn(), s.runId, s.artifactId, m_limits);
    if (!snapshot)
        return snapshot.error();
    const QVariant noText{QMetaType(QMetaType::QString)};
    if (auto e = row::exec(
            tx.conn(),
            u"INSERT INTO shares (id, workspace_id, run_id, artifact_id, artifact_ref, token_hash, "
            u"token_prefix, password_hash, expires_at, created_by, created_at, snapshot) "
            u"VALUES (:id, :w, :r, :a, :a, :h, :p, :pw, :x, :by, :t, :snap)"_s,
            {{u":id"_s, s.id},
             {u":w"_s, workspaceId},
             {u":r"_s, s.runId},
             {u":a"_s, s.artifactId.isEmpty() ? noText : QVariant(s.artifactId)},
             {u":h"_s, tokenHash(out.token)},
             {u":p"_s, s.tokenPrefix},
             {u":pw"_s, passwordHash.isEmpty() ? noText : QVariant(passwordHash)},
             {u":x"_s, sqlvalue::time(s.expiresAt)},
             {u":by"_s, actor.isSystem() ? noText : QVariant(actor.userId)},
             {u":t"_s, now},
             {u":snap"_s, QString::fromUtf8(*snapshot)}});
        !e)
        return e.error();
    if (auto a =
            AuditService::append(tx, now, actor, u"share.create"_s, workspaceId, u"share"_s, s.id,
                                 {{u"run_id"_s, s.runId},
                                  {u"artifact_id"_s, textOrNull(s.artifactId)},
                                  {u"has_password"_s, s.hasPassword},
                                  {u"expires_at"_s, timeOrNull(s.expiresAt)}});
        !a)
        return a.error();
    tx.announce(u"share"_s, s.id);
    if (auto c = tx.commit(); !c)
        return c.error();
    return out;
}

Result<Share> ShareService::get(const Actor &actor, const QString &id)
{
    return loadChecked(m_ctx.db->connection(), actor, id, Role::Viewer);
}

Result<Page<Share>> ShareService::list(const Actor &actor, const ShareFilter &filter, int limit,
                                       const QString &cursorText)
{
    if (auto l = validLimit(limit); !l)
        return l.error();
    if (!filter.workspaceId.isEmpty() && !ids::isUuid(filter.workspaceId))
        return Error::validation(u"workspace_id"_s, u"invalid"_s);
    if (!filter.runId.isEmpty() && !ids::isUuid(filter.runId))
        return Error::validation(u"run_id"_s, u"invalid"_s);
    auto keyset = Keyset::parse(cursorText, u"created_at"_s, u"id"_s);
    if (!keyset)
        return keyset.error();
    QSqlDatabase conn = m_ctx.db->connection();
    if (!filter.workspaceId.isEmpty()) {
        if (auto r = access::requireRole(conn, actor, filter.workspaceId, Role::Viewer); !r)
            return r.error();
    }
    if (!filter.runId.isEmpty()) {
        auto ws = row::workspaceOf(conn, u"runs"_s, filter.runId, kRun);
        if (!ws)
            return ws.error();
        if (auto r = access::requireRole(conn, actor, *ws, Role::Viewer, kRun); !r)
            return r.error();
    }
    QString sql = u"SELECT "_s + kShareColumns + u" FROM shares WHERE 1=1"_s;
    if (!filter.runId.isEmpty())
        sql += u" AND run_id = :run"_s;
    if (!filter.workspaceId.isEmpty())
        sql += u" AND workspace_id = :w"_s;
    if (filter.workspaceId.isEmpty() && filter.runId.isEmpty() && !actor.isSystem()) {
        sql += u" AND workspace_id IN (SELECT workspace_id FROM memberships WHERE user_id = :u)"_s;
        if (!actor.keyWorkspaceId.isEmpty())
            sql += u" AND workspace_id = :scope"_s;
    }
    auto bind = [&](Query &q) {
        if (!filter.runId.isEmpty())
            q.bind(u":run"_s, filter.runId);
        if (!filter.workspaceId.isEmpty())
            q.bind(u":w"_s, filter.workspaceId);
        if (filter.workspaceId.isEmpty() && filter.runId.isEmpty() && !actor.isSystem()) {
            q.bind(u":u"_s, actor.userId);
            if (!actor.keyWorkspaceId.isEmpty())
                q.bind(u":scope"_s, actor.keyWorkspaceId);
        }
    };
    const qint64 now = m_ctx.clock->nowMs();
    return row::page<Share>(conn, sql, *keyset, limit, bind,
                            [&](const Query &q) { return readShare(q, now); });
}

Result<Share> ShareService::revoke(const Actor &actor, const QString &id)
{
    auto began =
        Tx::begin(*m_ctx.db, m_ctx.bus, [&](Tx &tx) { return lockForChange(tx, actor, id); });
    if (!began)
        return began.error();
    auto &[tx, s] = *began;
    if (s.revokedAt)
        return s; // already revoked: nothing changes, nothing is audited
    const qint64 now = m_ctx.clock->nowMs();
    Query u =
        tx.query(u"UPDATE shares SET revoked_at = :t WHERE id = :id AND revoked_at IS NULL"_s);
    u.bind(u":t"_s, now).bind(u":id"_s, id);
    if (!u.exec())
        return u.error();
    if (auto a =
            AuditService::append(tx, now, actor, u"share.revoke"_s, s.workspaceId, u"share"_s, id);
        !a)
        return a.error();
    tx.announce(u"share"_s, id);
    if (auto c = tx.commit(); !c)
        return c.error();
    s.revokedAt = now;
    s.state = Share::stateAt(s.revokedAt, s.expiresAt, now);
    return s;
}

Result<Share> ShareService::extend(const Actor &actor, const QString &id,
                                   const std::optional<QString> &expiresAt)
{
    const qint64 now = m_ctx.clock->nowMs();
    auto expiry = parseExpiry(expiresAt, now);
    if (!expiry)
        return expiry.error();
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus, [&](Tx &tx) {
        return lockForChange(tx, actor, id, u"A revoked share cannot be changed."_s);
    });
    if (!began)
        return began.error();
    auto &[tx, s] = *began;
    if (s.expiresAt == *expiry)
        return s;
    Query u = tx.query(u"UPDATE shares SET expires_at = :x WHERE id = :id"_s);
    u.bind(u":x"_s, sqlvalue::time(*expiry)).bind(u":id"_s, id);
    if (!u.exec())
        return u.error();
    if (auto c = AuditService::commit(
            tx, now, actor, u"share.update"_s, s.workspaceId, u"share"_s, id,
            {{u"expires_at"_s, timeOrNull(*expiry)}, {u"was"_s, timeOrNull(s.expiresAt)}});
        !c)
        return c.error();
    s.expiresAt = *expiry;
    s.state = Share::stateAt(s.revokedAt, s.expiresAt, now);
    return s;
}

Result<ReliabilityConsent> ShareService::loadConsent(const QSqlDatabase &conn,
                                                     const QString &shareId,
                                                     const QString &consentId)
{
    if (!ids::isUuid(consentId))
        return Error::notFound(kConsent);
    Query q(conn, u"SELECT "_s + kConsentColumns +
                      u" FROM reliability_consents WHERE id = :id AND share_id = :s"_s);
    q.bind(u":id"_s, consentId).bind(u":s"_s, shareId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kConsent);
    return readConsent(q);
}

Result<ReliabilityConsent> ShareService::createConsent(const Actor &actor, const QString &shareId,
                                                       const QString &subject, const QString &scope)
{
    Error invalid{ErrorCode::Validation, u"The consent is not valid."_s};
    auto subj = validName(u"subject"_s, subject, kConsentFieldMax);
    if (!subj)
        invalid.details.append(subj.error().details);
    auto scp = validName(u"scope"_s, scope, kConsentFieldMax);
    if (!scp)
        invalid.details.append(scp.error().details);
    if (!invalid.details.isEmpty())
        return invalid;
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus, [&](Tx &tx) {
        return lockForChange(tx, actor, shareId, u"The share is revoked."_s);
    });
    if (!began)
        return began.error();
    auto &[tx, s] = *began;
    const qint64 now = m_ctx.clock->nowMs();
    ReliabilityConsent c{ids::newUuid(), shareId, *subj, *scp, actor.userId, now, std::nullopt};
    Query ins = tx.query(
        u"INSERT INTO reliability_consents (id, share_id, subject, scope, granted_by, granted_at) "
        "VALUES (:id, :s, :sub, :sc, :by, :t)"_s);
    ins.bind(u":id"_s, c.id)
        .bind(u":s"_s, shareId)
        .bind(u":sub"_s, c.subject)
        .bind(u":sc"_s, c.scope)
        .bind(u":by"_s,
              actor.isSystem() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(actor.userId))
        .bind(u":t"_s, now);
    if (!ins.exec())
        return ins.error();
    if (auto a =
            AuditService::append(tx, now, actor, u"consent.create"_s, s.workspaceId, u"consent"_s,
                                 c.id, {{u"share_id"_s, shareId}, {u"scope"_s, c.scope}});
        !a)
        return a.error();
    tx.announce(u"consent"_s, c.id);
    if (auto r = tx.commit(); !r)
        return r.error();
    return c;
}

Result<Page<ReliabilityConsent>> ShareService::listConsents(const Actor &actor,
                                                            const QString &shareId, int limit,
                                                            const QString &cursorText)
{
    if (auto l = validLimit(limit); !l)
        return l.error();
    auto keyset = Keyset::parse(cursorText, u"granted_at"_s, u"id"_s);
    if (!keyset)
        return keyset.error();
    QSqlDatabase conn = m_ctx.db->connection();
    if (auto s = loadChecked(conn, actor, shareId, Role::Viewer); !s)
        return s.error();
    return row::page<ReliabilityConsent>(
        conn, u"SELECT "_s + kConsentColumns + u" FROM reliability_consents WHERE share_id = :s"_s,
        *keyset, limit, [&](Query &q) { q.bind(u":s"_s, shareId); }, readConsent,
        [](const ReliabilityConsent &x) {
            return cursor::TimeId{x.grantedAt, x.id};
        });
}

Status ShareService::deleteConsent(const Actor &actor, const QString &shareId,
                                   const QString &consentId)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus, [&](Tx &tx) {
        return consentForChange(tx.conn(), actor, shareId, consentId);
    });
    if (!began)
        return began.error();
    auto &[tx, found] = *began;
    if (auto e = row::exec(tx.conn(),
                           u"DELETE FROM reliability_consents WHERE id = :id AND share_id = :s"_s,
                           {{u":id"_s, consentId}, {u":s"_s, shareId}});
        !e)
        return e.error();
    return AuditService::commit(tx, m_ctx.clock->nowMs(), actor, u"consent.delete"_s, found.first,
                                u"consent"_s, consentId, {{u"share_id"_s, shareId}});
}

Result<ReliabilityConsent> ShareService::revokeConsent(const Actor &actor, const QString &shareId,
                                                       const QString &consentId)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus,
                           [&](Tx &tx) -> Result<std::pair<QString, ReliabilityConsent>> {
                               if (!tx.lockRow(u"reliability_consents"_s, consentId))
                                   return Error::internal();
                               return consentForChange(tx.conn(), actor, shareId, consentId);
                           });
    if (!began)
        return began.error();
    auto &[tx, found] = *began;
    auto &[workspaceId, c] = found;
    if (c.revokedAt)
        return c;
    const qint64 now = m_ctx.clock->nowMs();
    if (auto e = row::exec(tx.conn(),
                           u"UPDATE reliability_consents SET revoked_at = :t WHERE id = :id AND "
                           u"revoked_at IS NULL"_s,
                           {{u":t"_s, now}, {u":id"_s, consentId}});
        !e)
        return e.error();
    if (auto done = AuditService::commit(tx, now, actor, u"consent.revoke"_s, workspaceId,
                                         u"consent"_s, consentId, {{u"share_id"_s, shareId}});
        !done)
        return done.error();
    c.revokedAt = now;
    return c;
}

Result<QJsonObject> ShareService::exportConsent(const Actor &actor, const QString &shareId,
                                                const QString &consentId)
{
    QSqlDatabase conn = m_ctx.db->connection();
    auto s = loadChecked(conn, actor, shareId, Role::Viewer);
    if (!s)
        return s.error();
    auto c = loadConsent(conn, shareId, consentId);
    if (!c)
        return c.error();
    return QJsonObject{{u"consent"_s, c->toJson()},
                       {u"share"_s, QJsonObject{{u"id"_s, s->id},
                                                {u"run_id"_s, s->runId},
                                                {u"state"_s, s->state},
                                                {u"created_at"_s, ids::formatTime(s->createdAt)}}},
                       {u"exported_at"_s, ids::formatTime(m_ctx.clock->nowMs())}};
}

} // namespace wfx
