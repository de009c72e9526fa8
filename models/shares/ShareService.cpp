// SPDX-License-Identifier: Apache-2.0
#include "shares/ShareService.h"

#include "audit/AuditService.h"
#include "core/Access.h"
#include "core/Clock.h"
#include "core/Ids.h"
#include "core/Keyset.h"
#include "crypto/Crypto.h"
#include "db/Database.h"
#include "db/Tx.h"
#include "shares/ShareSnapshot.h"
#include "workspaces/WorkspaceService.h"

namespace wfx {

namespace {
const QString kShare = QStringLiteral("Share");
const QString kRun = QStringLiteral("Run");
const QString kConsent = QStringLiteral("Consent");

QString S(const char *s) { return QString::fromLatin1(s); }

QJsonValue timeOrNull(const std::optional<qint64> &t)
{
    return t ? QJsonValue(ids::formatTime(*t)) : QJsonValue(QJsonValue::Null);
}

QJsonValue textOrNull(const QString &s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

QVariant optTime(const std::optional<qint64> &t)
{
    return t ? QVariant(*t) : QVariant(QMetaType(QMetaType::LongLong));
}

const QString kShareColumns = QStringLiteral(
    "id, workspace_id, run_id, COALESCE(artifact_id, artifact_ref), token_prefix, password_hash, expires_at, "
    "revoked_at, created_by, created_at");

Share readShare(const Query &q, qint64 now)
{
    Share s;
    s.id = q.str(0);
    s.workspaceId = q.str(1);
    s.runId = q.str(2);
    s.artifactId = q.isNull(3) ? QString() : q.str(3);
    s.tokenPrefix = q.str(4);
    s.hasPassword = !q.isNull(5) && !q.str(5).isEmpty();
    if (!q.isNull(6))
        s.expiresAt = q.i64(6);
    if (!q.isNull(7))
        s.revokedAt = q.i64(7);
    s.createdBy = q.isNull(8) ? QString() : q.str(8);
    s.createdAt = q.i64(9);
    s.state = Share::stateAt(s.revokedAt, s.expiresAt, now);
    return s;
}

const QString kConsentColumns = QStringLiteral("id, share_id, subject, scope, granted_by, granted_at, revoked_at");

ReliabilityConsent readConsent(const Query &q)
{
    ReliabilityConsent c;
    c.id = q.str(0);
    c.shareId = q.str(1);
    c.subject = q.str(2);
    c.scope = q.str(3);
    c.grantedBy = q.isNull(4) ? QString() : q.str(4);
    c.grantedAt = q.i64(5);
    if (!q.isNull(6))
        c.revokedAt = q.i64(6);
    return c;
}

Status validLimit(int limit)
{
    if (limit < 1 || limit > cursor::kMaxLimit)
        return Error::validation(S("limit"), S("out_of_range"), S("limit must be between 1 and %1.").arg(cursor::kMaxLimit));
    return Ok{};
}

// Future expiry as ms, or a validation issue.
Result<std::optional<qint64>> parseExpiry(const std::optional<QString> &text, qint64 now)
{
    if (!text)
        return std::optional<qint64>();
    const auto t = ids::parseTime(*text);
    if (!t)
        return Error::validation(S("expires_at"), S("invalid"), S("expires_at must be an RFC 3339 time with a zone."));
    if (*t <= now)
        return Error::validation(S("expires_at"), S("in_past"), S("expires_at must lie in the future."));
    return std::optional<qint64>(*t);
}
} // namespace

QString Share::stateAt(const std::optional<qint64> &revokedAt, const std::optional<qint64> &expiresAt, qint64 nowMs)
{
    if (revokedAt)
        return S("revoked");
    if (expiresAt && *expiresAt <= nowMs)
        return S("expired");
    return S("active");
}

QJsonObject Share::toJson() const
{
    return {{S("id"), id},
            {S("workspace_id"), workspaceId},
            {S("run_id"), runId},
            {S("artifact_id"), textOrNull(artifactId)},
            {S("state"), state},
            {S("expires_at"), timeOrNull(expiresAt)},
            {S("revoked_at"), timeOrNull(revokedAt)},
            {S("has_password"), hasPassword},
            {S("token_prefix"), tokenPrefix},
            {S("created_at"), ids::formatTime(createdAt)}};
}

QJsonObject ReliabilityConsent::toJson() const
{
    return {{S("id"), id},
            {S("share_id"), shareId},
            {S("subject"), subject},
            {S("scope"), scope},
            {S("state"), revokedAt ? S("revoked") : S("active")},
            {S("granted_at"), ids::formatTime(grantedAt)},
            {S("revoked_at"), timeOrNull(revokedAt)}};
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
        const bool ok = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'-'
            || c == u'_';
        if (!ok)
            return false;
    }
    return true;
}

QString ShareService::tokenHash(const QString &token)
{
    return crypto::sha256Hex(token.toUtf8());
}

Result<std::optional<Share>> ShareService::loadById(const QSqlDatabase &conn, const QString &id, qint64 nowMs)
{
    if (!ids::isUuid(id))
        return std::optional<Share>();
    Query q(conn, S("SELECT ") + kShareColumns + S(" FROM shares WHERE id = :id"));
    q.bind(S(":id"), id);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return std::optional<Share>();
    return std::optional<Share>(readShare(q, nowMs));
}

Result<std::optional<Share>> ShareService::loadByTokenHash(const QSqlDatabase &conn, const QString &tokenHash,
                                                           qint64 nowMs, QString *passwordHash)
{
    Query q(conn, S("SELECT ") + kShareColumns + S(" FROM shares WHERE token_hash = :h"));
    q.bind(S(":h"), tokenHash);
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
            S("SELECT COALESCE(SUM(CASE WHEN revoked_at IS NULL AND (expires_at IS NULL OR expires_at > :now) THEN 1 ELSE 0 END), 0),"
              " COALESCE(SUM(CASE WHEN revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at <= :now2 THEN 1 ELSE 0 END), 0),"
              " COALESCE(SUM(CASE WHEN revoked_at IS NOT NULL THEN 1 ELSE 0 END), 0) FROM shares"));
    const qint64 now = m_ctx.clock->nowMs();
    q.bind(S(":now"), now);
    q.bind(S(":now2"), now);
    if (!q.exec())
        return q.error();
    QList<QPair<QString, qint64>> out;
    if (q.next())
        out = {{S("active"), q.i64(0)}, {S("expired"), q.i64(1)}, {S("revoked"), q.i64(2)}};
    return out;
}

Result<Share> ShareService::loadChecked(const QSqlDatabase &conn, const Actor &actor, const QString &id, Role minimum)
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

Result<IssuedShare> ShareService::create(const Actor &actor, const ShareDraft &draft)
{
    const qint64 now = m_ctx.clock->nowMs();
    // Every field problem at once, in body order.
    Error invalid{ErrorCode::Validation, S("The share request is not valid.")};
    if (draft.runId.isEmpty())
        invalid.details.append({S("run_id"), S("required")});
    else if (!ids::isUuid(draft.runId))
        invalid.details.append({S("run_id"), S("invalid")});
    if (draft.password) {
        if (draft.password->size() < kPasswordMin)
            invalid.details.append({S("password"), S("too_short")});
        else if (draft.password->size() > kPasswordMax)
            invalid.details.append({S("password"), S("too_long")});
    }
    auto expiry = parseExpiry(draft.expiresAt, now);
    if (!expiry)
        invalid.details.append(expiry.error().details);
    if (draft.artifactId && !ids::isUuid(*draft.artifactId))
        invalid.details.append({S("artifact_id"), S("invalid")});
    if (!invalid.details.isEmpty()) {
        if (invalid.details.size() == 1)
            invalid.message = S("Invalid %1.").arg(invalid.details.first().field);
        return invalid;
    }

    // Hash before the transaction: scrypt is slow and must not hold the write lock.
    const QString passwordHash = draft.password ? crypto::hashPassword(*draft.password) : QString();

    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    Query run = tx.query(S("SELECT workspace_id FROM runs WHERE id = :r"));
    run.bind(S(":r"), draft.runId);
    if (!run.exec())
        return run.error();
    if (!run.next())
        return Error::notFound(kRun);
    const QString workspaceId = run.str(0);
    run.raw().finish();
    if (auto r = access::requireRole(tx.conn(), actor, workspaceId, Role::Member, kRun); !r)
        return r.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    if (draft.artifactId) {
        // Same answer whether the artifact is elsewhere or nowhere: nothing is revealed.
        Query a = tx.query(S("SELECT state FROM artifacts WHERE id = :a AND run_id = :r"));
        a.bind(S(":a"), *draft.artifactId).bind(S(":r"), draft.runId);
        if (!a.exec())
            return a.error();
        if (!a.next())
            return Error::validation(S("artifact_id"), S("not_in_run"), S("The artifact is not part of this run."));
        const QString state = a.str(0);
        if (state == QLatin1String("aborted") || state == QLatin1String("deleted"))
            return Error::validation(S("artifact_id"), S("unavailable"), S("The artifact was aborted or deleted."));
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
    Query ins = tx.query(S("INSERT INTO shares (id, workspace_id, run_id, artifact_id, artifact_ref, token_hash, token_prefix, "
                           "password_hash, expires_at, created_by, created_at, snapshot) "
                           "VALUES (:id, :w, :r, :a, :a, :h, :p, :pw, :x, :by, :t, :snap)"));
    ins.bind(S(":id"), s.id).bind(S(":w"), workspaceId).bind(S(":r"), s.runId)
        .bind(S(":a"), s.artifactId.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(s.artifactId))
        .bind(S(":h"), tokenHash(out.token)).bind(S(":p"), s.tokenPrefix)
        .bind(S(":pw"), passwordHash.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(passwordHash))
        .bind(S(":x"), optTime(s.expiresAt))
        .bind(S(":by"), actor.isSystem() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(actor.userId))
        .bind(S(":t"), now)
        .bind(S(":snap"), QString::fromUtf8(*snapshot));
    if (!ins.exec())
        return ins.error();
    if (auto a = AuditService::append(tx, now, actor, S("share.create"), workspaceId, S("share"), s.id,
                                      {{S("run_id"), s.runId},
                                       {S("artifact_id"), textOrNull(s.artifactId)},
                                       {S("has_password"), s.hasPassword},
                                       {S("expires_at"), timeOrNull(s.expiresAt)}});
        !a)
        return a.error();
    tx.announce(S("share"), s.id);
    if (auto c = tx.commit(); !c)
        return c.error();
    return out;
}

Result<Share> ShareService::get(const Actor &actor, const QString &id)
{
    return loadChecked(m_ctx.db->connection(), actor, id, Role::Viewer);
}

Result<Page<Share>> ShareService::list(const Actor &actor, const ShareFilter &filter, int limit, const QString &cursorText)
{
    if (auto l = validLimit(limit); !l)
        return l.error();
    if (!filter.workspaceId.isEmpty() && !ids::isUuid(filter.workspaceId))
        return Error::validation(S("workspace_id"), S("invalid"));
    if (!filter.runId.isEmpty() && !ids::isUuid(filter.runId))
        return Error::validation(S("run_id"), S("invalid"));
    auto keyset = Keyset::parse(cursorText, S("created_at"), S("id"));
    if (!keyset)
        return keyset.error();
    QSqlDatabase conn = m_ctx.db->connection();
    if (!filter.workspaceId.isEmpty()) {
        if (auto r = access::requireRole(conn, actor, filter.workspaceId, Role::Viewer); !r)
            return r.error();
    }
    if (!filter.runId.isEmpty()) {
        Query run(conn, S("SELECT workspace_id FROM runs WHERE id = :r"));
        run.bind(S(":r"), filter.runId);
        if (!run.exec())
            return run.error();
        if (!run.next())
            return Error::notFound(kRun);
        const QString ws = run.str(0);
        if (auto r = access::requireRole(conn, actor, ws, Role::Viewer, kRun); !r)
            return r.error();
    }
    QString sql = S("SELECT ") + kShareColumns + S(" FROM shares WHERE 1=1");
    if (!filter.runId.isEmpty())
        sql += S(" AND run_id = :run");
    if (!filter.workspaceId.isEmpty())
        sql += S(" AND workspace_id = :w");
    if (filter.workspaceId.isEmpty() && filter.runId.isEmpty() && !actor.isSystem()) {
        sql += S(" AND workspace_id IN (SELECT workspace_id FROM memberships WHERE user_id = :u)");
        if (!actor.keyWorkspaceId.isEmpty())
            sql += S(" AND workspace_id = :scope");
    }
    sql += keyset->sql();
    Query q(conn, sql);
    if (!filter.runId.isEmpty())
        q.bind(S(":run"), filter.runId);
    if (!filter.workspaceId.isEmpty())
        q.bind(S(":w"), filter.workspaceId);
    if (filter.workspaceId.isEmpty() && filter.runId.isEmpty() && !actor.isSystem()) {
        q.bind(S(":u"), actor.userId);
        if (!actor.keyWorkspaceId.isEmpty())
            q.bind(S(":scope"), actor.keyWorkspaceId);
    }
    keyset->bind(q, limit);
    if (!q.exec())
        return q.error();
    const qint64 now = m_ctx.clock->nowMs();
    Page<Share> page;
    while (q.next())
        page.items.append(readShare(q, now));
    finishPage(page, limit, [](const Share &x) { return cursor::TimeId{x.createdAt, x.id}; });
    return page;
}

Result<Share> ShareService::revoke(const Actor &actor, const QString &id)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (!tx.lockRow(S("shares"), id))
        return Error::internal();
    auto s = loadChecked(tx.conn(), actor, id, Role::Member);
    if (!s)
        return s.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    if (s->revokedAt)
        return s; // already revoked: nothing changes, nothing is audited
    const qint64 now = m_ctx.clock->nowMs();
    Query u = tx.query(S("UPDATE shares SET revoked_at = :t WHERE id = :id AND revoked_at IS NULL"));
    u.bind(S(":t"), now).bind(S(":id"), id);
    if (!u.exec())
        return u.error();
    if (auto a = AuditService::append(tx, now, actor, S("share.revoke"), s->workspaceId, S("share"), id); !a)
        return a.error();
    tx.announce(S("share"), id);
    if (auto c = tx.commit(); !c)
        return c.error();
    s->revokedAt = now;
    s->state = Share::stateAt(s->revokedAt, s->expiresAt, now);
    return s;
}

Result<Share> ShareService::extend(const Actor &actor, const QString &id, const std::optional<QString> &expiresAt)
{
    const qint64 now = m_ctx.clock->nowMs();
    auto expiry = parseExpiry(expiresAt, now);
    if (!expiry)
        return expiry.error();
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (!tx.lockRow(S("shares"), id))
        return Error::internal();
    auto s = loadChecked(tx.conn(), actor, id, Role::Member);
    if (!s)
        return s.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    if (s->revokedAt)
        return Error::conflict(S("A revoked share cannot be changed."));
    if (s->expiresAt == *expiry)
        return s;
    Query u = tx.query(S("UPDATE shares SET expires_at = :x WHERE id = :id"));
    u.bind(S(":x"), optTime(*expiry)).bind(S(":id"), id);
    if (!u.exec())
        return u.error();
    if (auto a = AuditService::append(tx, now, actor, S("share.update"), s->workspaceId, S("share"), id,
                                      {{S("expires_at"), timeOrNull(*expiry)}, {S("was"), timeOrNull(s->expiresAt)}});
        !a)
        return a.error();
    tx.announce(S("share"), id);
    if (auto c = tx.commit(); !c)
        return c.error();
    s->expiresAt = *expiry;
    s->state = Share::stateAt(s->revokedAt, s->expiresAt, now);
    return s;
}

Result<ReliabilityConsent> ShareService::loadConsent(const QSqlDatabase &conn, const QString &shareId,
                                                     const QString &consentId)
{
    if (!ids::isUuid(consentId))
        return Error::notFound(kConsent);
    Query q(conn, S("SELECT ") + kConsentColumns + S(" FROM reliability_consents WHERE id = :id AND share_id = :s"));
    q.bind(S(":id"), consentId).bind(S(":s"), shareId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kConsent);
    return readConsent(q);
}

Result<ReliabilityConsent> ShareService::createConsent(const Actor &actor, const QString &shareId,
                                                       const QString &subject, const QString &scope)
{
    Error invalid{ErrorCode::Validation, S("The consent is not valid.")};
    auto subj = validName(S("subject"), subject, kConsentFieldMax);
    if (!subj)
        invalid.details.append(subj.error().details);
    auto scp = validName(S("scope"), scope, kConsentFieldMax);
    if (!scp)
        invalid.details.append(scp.error().details);
    if (!invalid.details.isEmpty())
        return invalid;
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (!tx.lockRow(S("shares"), shareId))
        return Error::internal();
    auto s = loadChecked(tx.conn(), actor, shareId, Role::Member);
    if (!s)
        return s.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    if (s->revokedAt)
        return Error::conflict(S("The share is revoked."));
    const qint64 now = m_ctx.clock->nowMs();
    ReliabilityConsent c{ids::newUuid(), shareId, *subj, *scp, actor.userId, now, std::nullopt};
    Query ins = tx.query(S("INSERT INTO reliability_consents (id, share_id, subject, scope, granted_by, granted_at) "
                           "VALUES (:id, :s, :sub, :sc, :by, :t)"));
    ins.bind(S(":id"), c.id).bind(S(":s"), shareId).bind(S(":sub"), c.subject).bind(S(":sc"), c.scope)
        .bind(S(":by"), actor.isSystem() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(actor.userId))
        .bind(S(":t"), now);
    if (!ins.exec())
        return ins.error();
    if (auto a = AuditService::append(tx, now, actor, S("consent.create"), s->workspaceId, S("consent"), c.id,
                                      {{S("share_id"), shareId}, {S("scope"), c.scope}});
        !a)
        return a.error();
    tx.announce(S("consent"), c.id);
    if (auto r = tx.commit(); !r)
        return r.error();
    return c;
}

Result<Page<ReliabilityConsent>> ShareService::listConsents(const Actor &actor, const QString &shareId, int limit,
                                                            const QString &cursorText)
{
    if (auto l = validLimit(limit); !l)
        return l.error();
    auto keyset = Keyset::parse(cursorText, S("granted_at"), S("id"));
    if (!keyset)
        return keyset.error();
    QSqlDatabase conn = m_ctx.db->connection();
    if (auto s = loadChecked(conn, actor, shareId, Role::Viewer); !s)
        return s.error();
    QString sql = S("SELECT ") + kConsentColumns + S(" FROM reliability_consents WHERE share_id = :s");
    sql += keyset->sql();
    Query q(conn, sql);
    q.bind(S(":s"), shareId);
    keyset->bind(q, limit);
    if (!q.exec())
        return q.error();
    Page<ReliabilityConsent> page;
    while (q.next())
        page.items.append(readConsent(q));
    finishPage(page, limit, [](const ReliabilityConsent &x) { return cursor::TimeId{x.grantedAt, x.id}; });
    return page;
}

Status ShareService::deleteConsent(const Actor &actor, const QString &shareId, const QString &consentId)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    auto s = loadChecked(tx.conn(), actor, shareId, Role::Member);
    if (!s)
        return s.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    auto c = loadConsent(tx.conn(), shareId, consentId);
    if (!c)
        return c.error();
    Query d = tx.query(S("DELETE FROM reliability_consents WHERE id = :id AND share_id = :s"));
    d.bind(S(":id"), consentId).bind(S(":s"), shareId);
    if (!d.exec())
        return d.error();
    if (auto a = AuditService::append(tx, m_ctx.clock->nowMs(), actor, S("consent.delete"), s->workspaceId,
                                      S("consent"), consentId, {{S("share_id"), shareId}});
        !a)
        return a.error();
    tx.announce(S("consent"), consentId);
    return tx.commit();
}

Result<ReliabilityConsent> ShareService::revokeConsent(const Actor &actor, const QString &shareId,
                                                       const QString &consentId)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (!tx.lockRow(S("reliability_consents"), consentId))
        return Error::internal();
    auto s = loadChecked(tx.conn(), actor, shareId, Role::Member);
    if (!s)
        return s.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    auto c = loadConsent(tx.conn(), shareId, consentId);
    if (!c)
        return c.error();
    if (c->revokedAt)
        return c;
    const qint64 now = m_ctx.clock->nowMs();
    Query u = tx.query(S("UPDATE reliability_consents SET revoked_at = :t WHERE id = :id AND revoked_at IS NULL"));
    u.bind(S(":t"), now).bind(S(":id"), consentId);
    if (!u.exec())
        return u.error();
    if (auto a = AuditService::append(tx, now, actor, S("consent.revoke"), s->workspaceId, S("consent"), consentId,
                                      {{S("share_id"), shareId}});
        !a)
        return a.error();
    tx.announce(S("consent"), consentId);
    if (auto r = tx.commit(); !r)
        return r.error();
    c->revokedAt = now;
    return c;
}

Result<QJsonObject> ShareService::exportConsent(const Actor &actor, const QString &shareId, const QString &consentId)
{
    QSqlDatabase conn = m_ctx.db->connection();
    auto s = loadChecked(conn, actor, shareId, Role::Viewer);
    if (!s)
        return s.error();
    auto c = loadConsent(conn, shareId, consentId);
    if (!c)
        return c.error();
    return QJsonObject{{S("consent"), c->toJson()},
                       {S("share"), QJsonObject{{S("id"), s->id}, {S("run_id"), s->runId}, {S("state"), s->state},
                                               {S("created_at"), ids::formatTime(s->createdAt)}}},
                       {S("exported_at"), ids::formatTime(m_ctx.clock->nowMs())}};
}

} // namespace wfx
