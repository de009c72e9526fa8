// SPDX-License-Identifier: Apache-2.0
#include "core/Access.h"

#include "db/Tx.h"

namespace wfx {

QString roleName(Role r)
{
    switch (r) {
    case Role::Viewer: return QStringLiteral("viewer");
    case Role::Member: return QStringLiteral("member");
    case Role::Admin: return QStringLiteral("admin");
    case Role::Owner: return QStringLiteral("owner");
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

Result<Role> requireRole(const QSqlDatabase &conn, const Actor &actor, const QString &workspaceId,
                         Role minimum, const QString &what)
{
    if (actor.isSystem())
        return Role::Owner;
    if (actor.isAnonymous())
        return Error{ErrorCode::LoginRequired, QStringLiteral("Please log in again.")};
    if (!scopeAdmits(actor, workspaceId))
        return Error::notFound(what);
    Query q(conn, QStringLiteral("SELECT role FROM memberships WHERE workspace_id = :w AND user_id = :u"));
    q.bind(QStringLiteral(":w"), workspaceId).bind(QStringLiteral(":u"), actor.userId);
    if (!q.exec())
        return q.error();
    Role role;
    if (!q.next() || !parseRole(q.str(0), &role))
        return Error::notFound(what);
    if (int(role) < int(minimum))
        return Error::forbidden(QStringLiteral("Your role in this workspace does not allow this."));
    return role;
}

Status requireWritable(const QSqlDatabase &conn, const Actor &actor)
{
    if (actor.isSystem())
        return Ok{};
    if (actor.isAnonymous())
        return Error{ErrorCode::LoginRequired, QStringLiteral("Please log in again.")};
    Query q(conn, QStringLiteral("SELECT restricted FROM users WHERE id = :u"));
    q.bind(QStringLiteral(":u"), actor.userId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error{ErrorCode::LoginRequired, QStringLiteral("Please log in again.")};
    if (q.i64(0) != 0)
        return Error::forbidden(QStringLiteral("Processing of your data is restricted; lift the restriction to make changes."));
    return Ok{};
}

} // namespace access
} // namespace wfx
