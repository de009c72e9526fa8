// SPDX-License-Identifier: Apache-2.0
#include "models/audit/AuditService.h"

#include "models/core/Access.h"
#include "models/core/Ids.h"
#include "models/crypto/Crypto.h"
#include "models/crypto/Jcs.h"
#include "models/db/Database.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"

#include <QJsonDocument>

namespace wfx {

namespace {
const QString kColumns = QStringLiteral("seq, id, at, actor_id, workspace_id, action, target_type, "
                                        "target_id, ip, detail, prev_hash, hash");

AuditEntry readEntry(const Query &q)
{
    AuditEntry e;
    row::read(q, e.seq, e.id, e.at, e.actorId, e.workspaceId, e.action, e.targetType, e.targetId,
              e.ip, e.detail, e.prevHash, e.hash);
    return e;
}
} // namespace

QJsonObject AuditEntry::toJson() const
{
    return shape::toJson<kAuditEntryFields>(*this);
}

void AuditEntry::writeJson(JsonWriter &w) const
{
    shape::writeJson<kAuditEntryFields>(w, *this);
}

QByteArray AuditEntry::canonical() const
{
    QJsonObject o = toJson();
    o.remove(QStringLiteral("prev_hash"));
    o.remove(QStringLiteral("hash"));
    return jcs::canonicalize(o);
}

Status AuditService::append(Tx &tx, qint64 nowMs, const Actor &actor, const QString &action,
                            const QString &workspaceId, const QString &targetType,
                            const QString &targetId, const QJsonObject &detail)
{
    // Taking the head with an UPDATE locks its row until commit (PostgreSQL);
    // SQLite writers are already serialised by BEGIN IMMEDIATE.
    Query head = tx.query(
        QStringLiteral("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash"));
    if (!head.exec() || !head.next())
        return head.error();
    AuditEntry e;
    e.seq = head.i64(0);
    e.prevHash = head.str(1);
    head.raw().finish();
    e.id = ids::newUuid();
    e.at = nowMs;
    e.actorId = actor.userId;
    e.workspaceId = workspaceId;
    e.action = action;
    e.targetType = targetType;
    e.targetId = targetId;
    e.ip = actor.ip;
    e.detail = detail;
    e.hash = crypto::sha256Hex(e.prevHash.toLatin1() + e.canonical());

    Query ins = tx.query(QStringLiteral("INSERT INTO audit_log (seq, id, at, actor_id, "
                                        "workspace_id, action, target_type, target_id, ip, "
                                        "detail, prev_hash, hash) VALUES (:seq, :id, :at, :actor, "
                                        ":ws, :action, :tt, :tid, :ip, :detail, :prev, :hash)"));
    ins.bind(QStringLiteral(":seq"), e.seq)
        .bind(QStringLiteral(":id"), e.id)
        .bind(QStringLiteral(":at"), e.at)
        .bind(QStringLiteral(":actor"), e.actorId.isEmpty() ? QVariant() : QVariant(e.actorId))
        .bind(QStringLiteral(":ws"), e.workspaceId.isEmpty() ? QVariant() : QVariant(e.workspaceId))
        .bind(QStringLiteral(":action"), e.action)
        .bind(QStringLiteral(":tt"), e.targetType)
        .bind(QStringLiteral(":tid"), e.targetId.isEmpty() ? QVariant() : QVariant(e.targetId))
        .bind(QStringLiteral(":ip"), e.ip.isEmpty() ? QVariant() : QVariant(e.ip))
        .bind(QStringLiteral(":detail"),
              QString::fromUtf8(QJsonDocument(e.detail).toJson(QJsonDocument::Compact)))
        .bind(QStringLiteral(":prev"), e.prevHash)
        .bind(QStringLiteral(":hash"), e.hash);
    if (!ins.exec())
        return ins.error();
    if (auto done =
            row::exec(tx.conn(), QStringLiteral("UPDATE audit_head SET hash = :h WHERE id = 1"),
                      {{QStringLiteral(":h"), e.hash}});
        !done)
        return done.error();
    tx.announce(QStringLiteral("audit"), e.id);
    return Ok{};
}

Status AuditService::commit(Tx &tx, qint64 nowMs, const Actor &actor, const QString &action,
                            const QString &workspaceId, const QString &targetType,
                            const QString &targetId, const QJsonObject &detail)
{
    if (auto a = append(tx, nowMs, actor, action, workspaceId, targetType, targetId, detail); !a)
        return a;
    tx.announce(targetType, targetId);
    return tx.commit();
}

Result<Page<AuditEntry>> AuditService::list(const Actor &actor, const AuditFilter &f, int limit,
                                            const QString &cursorText)
{
    qint64 beforeSeq = 0;
    if (!cursorText.isEmpty()) {
        const auto c = cursor::decode(cursorText);
        if (!c || c->size() != 1 || !c->at(0).isDouble())
            return Error::validation(QStringLiteral("cursor"), QStringLiteral("invalid"),
                                     QStringLiteral("Unknown cursor."));
        beforeSeq = qint64(c->at(0).toDouble());
    }
    // A workspace the caller does not administer is not revealed: not_found,
    // whether it does not exist, the caller is not a member, or only a member.
    if (!f.workspaceId.isEmpty() && !actor.isSystem()) {
        auto role = access::requireRole(m_ctx.db->connection(), actor, f.workspaceId, Role::Admin);
        if (!role)
            return role.error().code == ErrorCode::Forbidden
                       ? Error::notFound(QStringLiteral("Workspace"))
                       : role.error();
    }
    QString sql =
        QStringLiteral("SELECT ") + kColumns + QStringLiteral(" FROM audit_log WHERE 1=1");
    if (!actor.isSystem()) {
        sql += QStringLiteral(
            " AND ((workspace_id IN (SELECT workspace_id FROM memberships WHERE user_id = :u "
            "AND role IN ('owner', 'admin'))");
        if (!actor.keyWorkspaceId.isEmpty())
            sql += QStringLiteral(" AND workspace_id = :scope");
        sql += actor.instanceAdmin
                   ? QStringLiteral(") OR (workspace_id IS NULL))")
                   : QStringLiteral(") OR (workspace_id IS NULL AND actor_id = :u))");
    }
    if (!f.workspaceId.isEmpty())
        sql += QStringLiteral(" AND workspace_id = :ws");
    if (!f.action.isEmpty())
        sql += QStringLiteral(" AND action = :action");
    if (!f.actorId.isEmpty())
        sql += QStringLiteral(" AND actor_id = :actor");
    if (!f.targetType.isEmpty())
        sql += QStringLiteral(" AND target_type = :tt");
    if (!f.targetId.isEmpty())
        sql += QStringLiteral(" AND target_id = :tid");
    if (f.fromMs > 0)
        sql += QStringLiteral(" AND at >= :from");
    if (f.toMs > 0)
        sql += QStringLiteral(" AND at < :to");
    if (beforeSeq > 0)
        sql += QStringLiteral(" AND seq < :before");
    sql += QStringLiteral(" ORDER BY seq DESC LIMIT :lim");
    Query q(m_ctx.db->connection(), sql);
    if (!actor.isSystem()) {
        q.bind(QStringLiteral(":u"), actor.userId);
        if (!actor.keyWorkspaceId.isEmpty())
            q.bind(QStringLiteral(":scope"), actor.keyWorkspaceId);
    }
    if (!f.workspaceId.isEmpty())
        q.bind(QStringLiteral(":ws"), f.workspaceId);
    if (!f.action.isEmpty())
        q.bind(QStringLiteral(":action"), f.action);
    if (!f.actorId.isEmpty())
        q.bind(QStringLiteral(":actor"), f.actorId);
    if (!f.targetType.isEmpty())
        q.bind(QStringLiteral(":tt"), f.targetType);
    if (!f.targetId.isEmpty())
        q.bind(QStringLiteral(":tid"), f.targetId);
    if (f.fromMs > 0)
        q.bind(QStringLiteral(":from"), f.fromMs);
    if (f.toMs > 0)
        q.bind(QStringLiteral(":to"), f.toMs);
    if (beforeSeq > 0)
        q.bind(QStringLiteral(":before"), beforeSeq);
    q.bind(QStringLiteral(":lim"), limit + 1);
    if (!q.exec())
        return q.error();
    Page<AuditEntry> page;
    while (q.next())
        page.items.append(readEntry(q));
    if (page.items.size() > limit) {
        page.items.removeLast();
        page.nextCursor = cursor::encode(QJsonArray{double(page.items.last().seq)});
    }
    return page;
}

AuditVerdict AuditService::verify(const std::function<bool(qint64, qint64)> &progress)
{
    AuditVerdict v;
    QSqlDatabase conn = m_ctx.db->connection();
    qint64 total = 0;
    {
        Query c(conn, QStringLiteral("SELECT COUNT(*) FROM audit_log"));
        if (c.exec() && c.next())
            total = c.i64(0);
    }
    QString prev =
        QStringLiteral("0000000000000000000000000000000000000000000000000000000000000000");
    qint64 expectedSeq = 1;
    qint64 after = 0;
    const int batch = 5000;
    for (;;) {
        Query q(conn,
                QStringLiteral("SELECT ") + kColumns +
                    QStringLiteral(" FROM audit_log WHERE seq > :after ORDER BY seq LIMIT :lim"));
        q.bind(QStringLiteral(":after"), after).bind(QStringLiteral(":lim"), batch);
        if (!q.exec()) {
            v.ok = false;
            v.reason = QStringLiteral("The store could not be read.");
            return v;
        }
        int n = 0;
        while (q.next()) {
            ++n;
            const AuditEntry e = readEntry(q);
            after = e.seq;
            QString problem;
            if (e.seq != expectedSeq)
                problem = QStringLiteral("entry %1 is missing").arg(expectedSeq);
            else if (e.prevHash != prev)
                problem = QStringLiteral("entry %1 does not follow the entry before it").arg(e.seq);
            else if (crypto::sha256Hex(e.prevHash.toLatin1() + e.canonical()) != e.hash)
                problem = QStringLiteral("entry %1 was altered").arg(e.seq);
            if (!problem.isEmpty()) {
                v.ok = false;
                v.firstBadSeq = e.seq != expectedSeq ? expectedSeq : e.seq;
                v.reason = problem;
                return v;
            }
            prev = e.hash;
            ++expectedSeq;
            ++v.checked;
        }
        if (progress && !progress(v.checked, total)) {
            v.ok = false;
            v.reason = QStringLiteral("Cancelled.");
            return v;
        }
        if (n < batch)
            break;
    }
    // Rows removed from the end are caught by the head.
    Query h(conn, QStringLiteral("SELECT seq, hash FROM audit_head WHERE id = 1"));
    if (h.exec() && h.next() && (h.i64(0) != v.checked || h.str(1) != prev)) {
        v.ok = false;
        v.firstBadSeq = v.checked + 1;
        v.reason = QStringLiteral("entries after %1 were removed").arg(v.checked);
    }
    return v;
}

} // namespace wfx
