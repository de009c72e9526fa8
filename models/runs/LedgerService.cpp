// SPDX-License-Identifier: Apache-2.0
#include "models/runs/LedgerService.h"

#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/db/Database.h"
#include "models/db/Tx.h"

using namespace Qt::StringLiterals;

namespace wfx {

namespace {

const QString kWs = QStringLiteral("Workspace");

Result<LedgerHead> read(const QSqlDatabase &conn, const QString &workspaceId)
{
    Query q(conn, u"SELECT head, version, updated_at FROM ledger_heads WHERE workspace_id = :w"_s);
    q.bind(u":w"_s, workspaceId);
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
            return Error::validation(field, u"required"_s, u"%1 is required."_s.arg(field));
        return Ok{};
    }
    if (value.size() > LedgerService::kMaxHeadLength)
        return Error::validation(field, u"too_long"_s,
                                 u"At most %1 characters."_s.arg(LedgerService::kMaxHeadLength));
    for (const QChar c : value) {
        if (c.isSpace() || c.category() == QChar::Other_Control)
            return Error::validation(
                field, u"invalid"_s,
                u"%1 must not contain spaces or control characters."_s.arg(field));
    }
    return Ok{};
}

} // namespace

QJsonObject LedgerHead::toJson() const
{
    return {{u"workspace_id"_s, workspaceId},
            {u"head"_s, orNull(head)},
            {u"version"_s, double(version)},
            {u"updated_at"_s, head.isEmpty() ? QJsonValue(QJsonValue::Null)
                                             : QJsonValue(ids::formatTime(updatedAt))}};
}

Result<LedgerHead> LedgerService::head(const Actor &actor, const QString &workspaceId)
{
    if (!ids::isUuid(workspaceId))
        return Error::validation(u"workspace_id"_s,
                                 workspaceId.isEmpty() ? u"required"_s : u"invalid"_s,
                                 u"workspace_id must be a workspace id."_s);
    QSqlDatabase conn = m_ctx.db->connection();
    if (auto r = access::requireRole(conn, actor, workspaceId, Role::Viewer, kWs); !r)
        return r.error();
    return read(conn, workspaceId);
}

Result<LedgerHead> LedgerService::advance(const Actor &actor, const QString &workspaceId,
                                          const QString &expectedHead, const QString &newHead)
{
    {
        Error e{ErrorCode::Validation, u"Invalid ledger head."_s};
        if (!ids::isUuid(workspaceId))
            e.details.append(
                {u"workspace_id"_s, workspaceId.isEmpty() ? u"required"_s : u"invalid"_s});
        if (auto v = validHead(u"expected_head"_s, expectedHead, false); !v)
            e.details.append(v.error().details);
        if (auto v = validHead(u"head"_s, newHead, true); !v)
            e.details.append(v.error().details);
        if (!e.details.isEmpty())
            return e;
    }
    auto began = access::beginWrite(m_ctx, actor, workspaceId, Role::Member, kWs);
    if (!began)
        return began.error();
    Tx &tx = *began;
    const qint64 now = m_ctx.clock->nowMs();
    const QVariant by =
        actor.userId.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(actor.userId);
    // One conditional statement decides: of several writers holding the same
    // expected head, the first to take the row wins; the others find the new
    // head there (PostgreSQL re-checks the WHERE after the row lock) and change
    // nothing.
    Query cas =
        expectedHead.isEmpty()
            ? tx.query(
                  u"INSERT INTO ledger_heads (workspace_id, head, version, updated_at, updated_by) "
                  "VALUES (:w, :h, 1, :t, :by) ON CONFLICT (workspace_id) DO NOTHING"_s)
            : tx.query(u"UPDATE ledger_heads SET head = :h, version = version + 1, updated_at = "
                       ":t, updated_by = :by "
                       "WHERE workspace_id = :w AND head = :x"_s);
    cas.bind(u":w"_s, workspaceId).bind(u":h"_s, newHead).bind(u":t"_s, now).bind(u":by"_s, by);
    if (!expectedHead.isEmpty())
        cas.bind(u":x"_s, expectedHead);
    if (!cas.exec())
        return cas.error();
    const bool won = cas.rowsAffected() == 1;
    auto current = read(tx.conn(), workspaceId);
    if (!current)
        return current.error();
    if (!won) {
        Error e = Error::conflict(u"The ledger head has moved; read it again and retry."_s);
        e.extra.insert(u"current"_s, QJsonObject{{u"head"_s, orNull(current->head)},
                                                 {u"version"_s, double(current->version)}});
        return e;
    }
    if (auto c = AuditService::commit(tx, now, actor, u"ledger.advance"_s, workspaceId, u"ledger"_s,
                                      workspaceId,
                                      {{u"from"_s, orNull(expectedHead)},
                                       {u"to"_s, newHead},
                                       {u"version"_s, double(current->version)}});
        !c)
        return c.error();
    return current;
}

} // namespace wfx
