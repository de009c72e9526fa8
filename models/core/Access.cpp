// SPDX-License-Identifier: Apache-2.0
#include "models/core/Access.h"

#include "models/db/Row.h"
#include "models/db/Tx.h"

namespace wfx {

QString roleName(Role r)
{
    switch (r) {
    case Role::Viewer:
        return QStringLiteral("viewer");
    case Role::Member:
        return QStringLiteral("member");
    case Role::Admin:
        return QStringLiteral("admin");
    case Role::Owner:
        return QStringLiteral("owner");
    }
    return QStringLiteral("viewer");
}

bool parseRole(const QString &s, Role *out)
{
    static const QString names[] = {QStringLiteral("viewer"), QStringLiteral("member"),
                                    QStringLiteral("admin"), QStringLiteral("owner")};
    for (int i = 0; i < 4; ++i) {
        if (s == names[i]) {
            *out = Role(i);
            return true;
        }
    }
    return false;
}

namespace access {

bool scopeAdmits(const Actor &actor, const QString &workspaceId)
{
    return actor.keyWorkspaceId.isEmpty() || actor.keyWorkspaceId == workspaceId;
}

Result<Role> requireRole(const Actor &actor, const QString &workspaceId, Role minimum,
                         const QString &what,
                         const std::function<Result<std::optional<QString>>()> &storedRole)
{
    if (actor.isSystem())
        return Role::Owner;
    if (actor.isAnonymous())
        return Error{ErrorCode::LoginRequired, QStringLiteral("Please log in again.")};
    if (!scopeAdmits(actor, workspaceId))
        return Error::notFound(what);
    auto stored = storedRole();
    if (!stored)
        return stored.error();
    Role role;
    if (!*stored || !parseRole(**stored, &role))
        return Error::notFound(what);
    if (int(role) < int(minimum))
        return Error::forbidden(QStringLiteral("Your role in this workspace does not allow this."));
    return role;
}

Result<Role> requireRole(const QSqlDatabase &conn, const Actor &actor, const QString &workspaceId,
                         Role minimum, const QString &what)
{
    return requireRole(actor, workspaceId, minimum, what, [&]() -> Result<std::optional<QString>> {
        Query q(conn, QStringLiteral(
                          "SELECT role FROM memberships WHERE workspace_id = :w AND user_id = :u"));
        q.bind(QStringLiteral(":w"), workspaceId).bind(QStringLiteral(":u"), actor.userId);
        if (!q.exec())
            return q.error();
        if (!q.next())
            return std::optional<QString>();
        return std::optional<QString>(q.str(0));
    });
}

Status requireWritable(const Actor &actor,
                       const std::function<Result<std::optional<bool>>()> &storedRestricted)
{
    if (actor.isSystem())
        return Ok{};
    if (actor.isAnonymous())
        return Error{ErrorCode::LoginRequired, QStringLiteral("Please log in again.")};
    auto stored = storedRestricted();
    if (!stored)
        return stored.error();
    if (!*stored)
        return Error{ErrorCode::LoginRequired, QStringLiteral("Please log in again.")};
    if (**stored)
        return Error::forbidden(QStringLiteral(
            "Processing of your data is restricted; lift the restriction to make changes."));
    return Ok{};
}

Status requireWritable(const QSqlDatabase &conn, const Actor &actor)
{
    return requireWritable(actor, [&]() -> Result<std::optional<bool>> {
        Query q(conn, QStringLiteral("SELECT restricted FROM users WHERE id = :u"));
        q.bind(QStringLiteral(":u"), actor.userId);
        if (!q.exec())
            return q.error();
        if (!q.next())
            return std::optional<bool>();
        return std::optional<bool>(q.i64(0) != 0);
    });
}

Result<Role> requireWrite(const QSqlDatabase &conn, const Actor &actor, const QString &workspaceId,
                          Role minimum, const QString &what)
{
    auto role = requireRole(conn, actor, workspaceId, minimum, what);
    if (!role)
        return role;
    if (auto w = requireWritable(conn, actor); !w)
        return w.error();
    return role;
}

Result<Tx> beginWrite(const ModelContext &ctx, const Actor &actor, const QString &workspaceId,
                      Role minimum, const QString &what)
{
    auto began = Tx::begin(*ctx.db, ctx.bus);
    if (!began)
        return began.error();
    if (auto r = requireWrite(began->conn(), actor, workspaceId, minimum, what); !r)
        return r.error();
    return began;
}

Result<Opened<QString>> beginWriteUnder(const ModelContext &ctx, const Actor &actor,
                                        const QString &table, const QString &id, Role minimum,
                                        const QString &what)
{
    return Tx::begin(*ctx.db, ctx.bus, [&](Tx &tx) {
        return row::checked(row::workspaceOf(tx.conn(), table, id, what), [&](const QString &ws) {
            return requireWrite(tx.conn(), actor, ws, minimum, what);
        });
    });
}

} // namespace access
} // namespace wfx
