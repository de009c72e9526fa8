// SPDX-License-Identifier: Apache-2.0
#include "runs/LedgerService.h"

#include "audit/AuditService.h"
#include "core/Access.h"
#include "core/Clock.h"
#include "core/Ids.h"
#include "db/Database.h"
#include "db/Tx.h"

namespace wfx {

namespace {

QString S(const char *s)
{
    return QString::fromLatin1(s);
}

const QString kWs = QStringLiteral("Workspace");

Result<LedgerHead> read(const QSqlDatabase &conn, const QString &workspaceId)
{
    Query q(conn, S("SELECT head, version, updated_at FROM ledger_heads WHERE workspace_id = :w"));
    q.bind(S(":w"), workspaceId);
    if (!q.exec())
        return q.error();
    LedgerHead h;
    h.workspaceId = workspaceId;
    if (q.next()) {
        h.head = q.str(0);
        h.version = q.i64(1);
        h.updatedAt = q.i64(2);
    }
    return h;
}

QJsonValue orNull(const QString &s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

// Printable text of 1..max characters (ledger heads are hashes or ids).
Status validHead(const QString &field, const QString &value, bool required)
{
    if (value.isEmpty()) {
        if (required)
            return Error::validation(field, S("required"), S("%1 is required.").arg(field));
        return Ok{};
    }
    if (value.size() > LedgerService::kMaxHeadLength)
        return Error::validation(field, S("too_long"),
                                 S("At most %1 characters.").arg(LedgerService::kMaxHeadLength));
    for (const QChar c : value) {
        if (c.isSpace() || c.category() == QChar::Other_Control)
            return Error::validation(
                field, S("invalid"),
                S("%1 must not contain spaces or control characters.").arg(field));
    }
    return Ok{};
}

} // namespace

QJsonObject LedgerHead::toJson() const
{
    return {{S("workspace_id"), workspaceId},
            {S("head"), orNull(head)},
            {S("version"), double(version)},
            {S("updated_at"), head.isEmpty() ? QJsonValue(QJsonValue::Null)
                                             : QJsonValue(ids::formatTime(updatedAt))}};
}

Result<LedgerHead> LedgerService::head(const Actor &actor, const QString &workspaceId)
{
    if (!ids::isUuid(workspaceId))
        return Error::validation(S("workspace_id"),
                                 workspaceId.isEmpty() ? S("required") : S("invalid"),
                                 S("workspace_id must be a workspace id."));
    QSqlDatabase conn = m_ctx.db->connection();
    if (auto r = access::requireRole(conn, actor, workspaceId, Role::Viewer, kWs); !r)
        return r.error();
    return read(conn, workspaceId);
}

Result<LedgerHead> LedgerService::advance(const Actor &actor, const QString &workspaceId,
                                          const QString &expectedHead, const QString &newHead)
{
    {
        Error e{ErrorCode::Validation, S("Invalid ledger head.")};
        if (!ids::isUuid(workspaceId))
            e.details.append(
                {S("workspace_id"), workspaceId.isEmpty() ? S("required") : S("invalid")});
        if (auto v = validHead(S("expected_head"), expectedHead, false); !v)
            e.details.append(v.error().details);
        if (auto v = validHead(S("head"), newHead, true); !v)
            e.details.append(v.error().details);
        if (!e.details.isEmpty())
            return e;
    }
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto r = access::requireRole(tx.conn(), actor, workspaceId, Role::Member, kWs); !r)
        return r.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    const qint64 now = m_ctx.clock->nowMs();
    const QVariant by =
        actor.userId.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(actor.userId);
    // One conditional statement decides: of several writers holding the same
    // expected head, the first to take the row wins; the others find the new
    // head there (PostgreSQL re-checks the WHERE after the row lock) and change
    // nothing.
    Query cas =
        expectedHead.isEmpty()
            ? tx.query(S(
                  "INSERT INTO ledger_heads (workspace_id, head, version, updated_at, updated_by) "
                  "VALUES (:w, :h, 1, :t, :by) ON CONFLICT (workspace_id) DO NOTHING"))
            : tx.query(S("UPDATE ledger_heads SET head = :h, version = version + 1, updated_at = "
                         ":t, updated_by = :by "
                         "WHERE workspace_id = :w AND head = :x"));
    cas.bind(S(":w"), workspaceId).bind(S(":h"), newHead).bind(S(":t"), now).bind(S(":by"), by);
    if (!expectedHead.isEmpty())
        cas.bind(S(":x"), expectedHead);
    if (!cas.exec())
        return cas.error();
    const bool won = cas.rowsAffected() == 1;
    auto current = read(tx.conn(), workspaceId);
    if (!current)
        return current.error();
    if (!won) {
        Error e = Error::conflict(S("The ledger head has moved; read it again and retry."));
        e.extra.insert(S("current"), QJsonObject{{S("head"), orNull(current->head)},
                                                 {S("version"), double(current->version)}});
        return e;
    }
    if (auto a = AuditService::append(tx, now, actor, S("ledger.advance"), workspaceId, S("ledger"),
                                      workspaceId,
                                      {{S("from"), orNull(expectedHead)},
                                       {S("to"), newHead},
                                       {S("version"), double(current->version)}});
        !a)
        return a.error();
    tx.announce(S("ledger"), workspaceId);
    if (auto c = tx.commit(); !c)
        return c.error();
    return current;
}

} // namespace wfx
