// SPDX-License-Identifier: Apache-2.0
#include "workspaces/WorkspaceService.h"

#include "audit/AuditService.h"
#include "core/Access.h"
#include "core/Clock.h"
#include "core/Ids.h"
#include "core/Keyset.h"
#include "crypto/Crypto.h"
#include "db/Database.h"
#include "db/Tx.h"

#include <QRegularExpression>

namespace wfx {

namespace {
const QString kWs = QStringLiteral("Workspace");
const QString kProject = QStringLiteral("Project");

QString S(const char *s) { return QString::fromLatin1(s); }


Project readProject(const Query &q, int base = 0)
{
    return Project{q.str(base), q.str(base + 1), q.str(base + 2), q.i64(base + 3)};
}
} // namespace

Result<QString> validName(const QString &field, const QString &name, int max)
{
    const QString t = name.trimmed();
    if (t.isEmpty())
        return Error::validation(field, S("required"), S("A %1 is required.").arg(field));
    if (t.size() > max)
        return Error::validation(field, S("too_long"), S("At most %1 characters.").arg(max));
    for (const QChar c : t) {
        if (c.category() == QChar::Other_Control)
            return Error::validation(field, S("invalid"), S("Control characters are not allowed."));
    }
    return t;
}

QJsonObject Workspace::toJson() const
{
    QJsonObject lim;
    for (auto it = limits.cbegin(); it != limits.cend(); ++it)
        lim.insert(it.key(), double(it.value()));
    QJsonObject o{{S("id"), id},     {S("name"), name},     {S("owner_id"), ownerId},
                  {S("plan"), plan}, {S("limits"), lim},    {S("created_at"), ids::formatTime(createdAt)}};
    if (!role.isEmpty())
        o.insert(S("role"), role);
    return o;
}

QJsonObject Project::toJson() const
{
    return {{S("id"), id}, {S("workspace_id"), workspaceId}, {S("name"), name},
            {S("created_at"), ids::formatTime(createdAt)}};
}

QJsonObject Member::toJson() const
{
    return {{S("user_id"), userId}, {S("email"), email}, {S("role"), role},
            {S("created_at"), ids::formatTime(createdAt)}};
}

QJsonObject Invitation::toJson() const
{
    return {{S("id"), id},       {S("workspace_id"), workspaceId},
            {S("email"), email}, {S("role"), role},
            {S("state"), state}, {S("created_at"), ids::formatTime(createdAt)},
            {S("expires_at"), ids::formatTime(expiresAt)}};
}

QMap<QString, qint64> WorkspaceService::planLimits(const QSqlDatabase &conn, const QString &plan)
{
    QMap<QString, qint64> out;
    Query q(conn, S("SELECT metric, cap FROM plan_caps WHERE plan = :p"));
    q.bind(S(":p"), plan);
    if (q.exec()) {
        while (q.next())
            out.insert(q.str(0), q.i64(1));
    }
    return out;
}

Result<Workspace> WorkspaceService::load(const QSqlDatabase &conn, const QString &id)
{
    Query q(conn, S("SELECT id, name, owner_id, plan, created_at FROM workspaces WHERE id = :id"));
    q.bind(S(":id"), id);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kWs);
    Workspace w{q.str(0), q.str(1), q.str(2), q.str(3), q.i64(4), {}, {}};
    w.limits = planLimits(conn, w.plan);
    return w;
}

Result<Workspace> WorkspaceService::create(const Actor &actor, const QString &name)
{
    auto n = validName(S("name"), name, kMaxNameLength);
    if (!n)
        return n.error();
    if (!actor.isUser())
        return Error::forbidden(S("A workspace needs an owner."));
    if (!actor.keyWorkspaceId.isEmpty())
        return Error::forbidden(S("A workspace-scoped key cannot create workspaces."));
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    const qint64 now = m_ctx.clock->nowMs();
    Workspace ws{ids::newUuid(), *n, actor.userId, S("free"), now, {}, S("owner")};
    Query ins = tx.query(S("INSERT INTO workspaces (id, name, owner_id, plan, created_at) VALUES (:id, :n, :o, :p, :t)"));
    ins.bind(S(":id"), ws.id).bind(S(":n"), ws.name).bind(S(":o"), ws.ownerId).bind(S(":p"), ws.plan).bind(S(":t"), now);
    if (!ins.exec())
        return ins.error();
    Query mem = tx.query(S("INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (:w, :u, 'owner', :t)"));
    mem.bind(S(":w"), ws.id).bind(S(":u"), actor.userId).bind(S(":t"), now);
    if (!mem.exec())
        return mem.error();
    if (auto a = AuditService::append(tx, now, actor, S("workspace.create"), ws.id, S("workspace"), ws.id,
                                      {{S("name"), ws.name}});
        !a)
        return a.error();
    tx.announce(S("workspace"), ws.id);
    if (auto c = tx.commit(); !c)
        return c.error();
    ws.limits = planLimits(m_ctx.db->connection(), ws.plan);
    return ws;
}

Result<Page<Workspace>> WorkspaceService::list(const Actor &actor, int limit, const QString &cursorText)
{
    auto keyset = Keyset::parse(cursorText, S("w.created_at"), S("w.id"));
    if (!keyset)
        return keyset.error();
    QString sql = S("SELECT w.id, w.name, w.owner_id, w.plan, w.created_at, m.role FROM workspaces w "
                    "JOIN memberships m ON m.workspace_id = w.id AND m.user_id = :u WHERE 1=1");
    if (actor.isSystem())
        sql = S("SELECT w.id, w.name, w.owner_id, w.plan, w.created_at, '' FROM workspaces w WHERE 1=1");
    if (!actor.keyWorkspaceId.isEmpty())
        sql += S(" AND w.id = :scope");
    sql += keyset->sql();
    QSqlDatabase conn = m_ctx.db->connection();
    Query q(conn, sql);
    if (!actor.isSystem())
        q.bind(S(":u"), actor.userId);
    if (!actor.keyWorkspaceId.isEmpty())
        q.bind(S(":scope"), actor.keyWorkspaceId);
    keyset->bind(q, limit);
    if (!q.exec())
        return q.error();
    Page<Workspace> page;
    QMap<QString, QMap<QString, qint64>> limitsByPlan;
    while (q.next()) {
        Workspace w{q.str(0), q.str(1), q.str(2), q.str(3), q.i64(4), {}, q.str(5)};
        page.items.append(w);
    }
    finishPage(page, limit, [](const Workspace &w) { return cursor::TimeId{w.createdAt, w.id}; });
    for (auto &w : page.items) {
        if (!limitsByPlan.contains(w.plan))
            limitsByPlan.insert(w.plan, planLimits(conn, w.plan));
        w.limits = limitsByPlan.value(w.plan);
    }
    return page;
}

Result<Workspace> WorkspaceService::get(const Actor &actor, const QString &id)
{
    QSqlDatabase conn = m_ctx.db->connection();
    auto role = access::requireRole(conn, actor, id, Role::Viewer, kWs);
    if (!role)
        return role.error();
    auto w = load(conn, id);
    if (w && !actor.isSystem())
        w->role = roleName(*role);
    return w;
}

Result<Workspace> WorkspaceService::rename(const Actor &actor, const QString &id, const QString &name)
{
    auto n = validName(S("name"), name, kMaxNameLength);
    if (!n)
        return n.error();
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    auto role = access::requireRole(tx.conn(), actor, id, Role::Admin, kWs);
    if (!role)
        return role.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    auto ws = load(tx.conn(), id);
    if (!ws)
        return ws.error();
    if (ws->name == *n)
        return ws; // nothing changed, nothing audited
    Query u = tx.query(S("UPDATE workspaces SET name = :n WHERE id = :id"));
    u.bind(S(":n"), *n).bind(S(":id"), id);
    if (!u.exec())
        return u.error();
    const qint64 now = m_ctx.clock->nowMs();
    if (auto a = AuditService::append(tx, now, actor, S("workspace.update"), id, S("workspace"), id,
                                      {{S("name"), *n}});
        !a)
        return a.error();
    tx.announce(S("workspace"), id);
    if (auto c = tx.commit(); !c)
        return c.error();
    ws->name = *n;
    ws->role = roleName(*role);
    return ws;
}

Status WorkspaceService::remove(const Actor &actor, const QString &id)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    auto role = access::requireRole(tx.conn(), actor, id, Role::Owner, kWs);
    if (!role)
        return role.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    auto ws = load(tx.conn(), id);
    if (!ws)
        return ws.error();
    Query d = tx.query(S("DELETE FROM workspaces WHERE id = :id"));
    d.bind(S(":id"), id);
    if (!d.exec())
        return d.error();
    // The workspace's own entries stay in the chain; this one names no workspace
    // so that its actor can still see it.
    if (auto a = AuditService::append(tx, m_ctx.clock->nowMs(), actor, S("workspace.delete"), QString(),
                                      S("workspace"), id, {{S("name"), ws->name}});
        !a)
        return a.error();
    tx.announce(S("workspace"), id);
    return tx.commit();
}

Result<WorkspaceContents> WorkspaceService::contents(const Actor &actor, const QString &id)
{
    QSqlDatabase conn = m_ctx.db->connection();
    if (auto r = access::requireRole(conn, actor, id, Role::Viewer, kWs); !r)
        return r.error();
    if (auto w = load(conn, id); !w)
        return w.error();
    Query q(conn, S("SELECT (SELECT COUNT(*) FROM projects WHERE workspace_id = :w), "
                    "(SELECT COUNT(*) FROM runs WHERE workspace_id = :w)"));
    q.bind(S(":w"), id);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::internal();
    return WorkspaceContents{q.i64(0), q.i64(1)};
}

Result<Workspace> WorkspaceService::transferOwnership(const Actor &actor, const QString &id, const QString &newOwnerId)
{
    if (!ids::isUuid(newOwnerId))
        return Error::validation(S("new_owner_id"), S("invalid"), S("new_owner_id must be a user id."));
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    auto role = access::requireRole(tx.conn(), actor, id, Role::Owner, kWs);
    if (!role)
        return role.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    auto ws = load(tx.conn(), id);
    if (!ws)
        return ws.error();
    if (ws->ownerId == newOwnerId)
        return ws;
    Query m = tx.query(S("SELECT role FROM memberships WHERE workspace_id = :w AND user_id = :u"));
    m.bind(S(":w"), id).bind(S(":u"), newOwnerId);
    if (!m.exec())
        return m.error();
    if (!m.next())
        return Error::validation(S("new_owner_id"), S("not_member"), S("The new owner must be a member of the workspace."));
    const QString oldOwner = ws->ownerId;
    Query u1 = tx.query(S("UPDATE memberships SET role = 'admin' WHERE workspace_id = :w AND user_id = :u"));
    u1.bind(S(":w"), id).bind(S(":u"), oldOwner);
    Query u2 = tx.query(S("UPDATE memberships SET role = 'owner' WHERE workspace_id = :w AND user_id = :u"));
    u2.bind(S(":w"), id).bind(S(":u"), newOwnerId);
    Query u3 = tx.query(S("UPDATE workspaces SET owner_id = :u WHERE id = :w"));
    u3.bind(S(":w"), id).bind(S(":u"), newOwnerId);
    if (!u1.exec() || !u2.exec() || !u3.exec())
        return Error::internal();
    if (auto a = AuditService::append(tx, m_ctx.clock->nowMs(), actor, S("workspace.transfer_ownership"), id,
                                      S("workspace"), id, {{S("from"), oldOwner}, {S("to"), newOwnerId}});
        !a)
        return a.error();
    tx.announce(S("workspace"), id);
    if (auto c = tx.commit(); !c)
        return c.error();
    ws->ownerId = newOwnerId;
    ws->role = S("admin");
    return ws;
}

Result<QList<Member>> WorkspaceService::members(const Actor &actor, const QString &workspaceId)
{
    QSqlDatabase conn = m_ctx.db->connection();
    if (auto r = access::requireRole(conn, actor, workspaceId, Role::Viewer, kWs); !r)
        return r.error();
    Query q(conn, S("SELECT m.user_id, u.email, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id "
                    "WHERE m.workspace_id = :w ORDER BY m.created_at, m.user_id"));
    q.bind(S(":w"), workspaceId);
    if (!q.exec())
        return q.error();
    QList<Member> out;
    while (q.next())
        out.append(Member{q.str(0), q.str(1), q.str(2), q.i64(3)});
    return out;
}

Status WorkspaceService::setMemberRole(const Actor &actor, const QString &workspaceId, const QString &userId,
                                       const QString &roleText)
{
    Role newRole;
    if (!parseRole(roleText, &newRole) || newRole == Role::Owner)
        return Error::validation(S("role"), S("invalid"), S("role must be admin, member or viewer."));
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto r = access::requireRole(tx.conn(), actor, workspaceId, Role::Admin, kWs); !r)
        return r.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    Query cur = tx.query(S("SELECT role FROM memberships WHERE workspace_id = :w AND user_id = :u"));
    cur.bind(S(":w"), workspaceId).bind(S(":u"), userId);
    if (!cur.exec())
        return cur.error();
    if (!cur.next())
        return Error::notFound(S("Member"));
    if (cur.str(0) == QLatin1String("owner"))
        return Error::conflict(S("The owner's role changes only by transferring ownership."));
    if (cur.str(0) == roleText)
        return Ok{};
    Query u = tx.query(S("UPDATE memberships SET role = :r WHERE workspace_id = :w AND user_id = :u"));
    u.bind(S(":r"), roleText).bind(S(":w"), workspaceId).bind(S(":u"), userId);
    if (!u.exec())
        return u.error();
    if (auto a = AuditService::append(tx, m_ctx.clock->nowMs(), actor, S("member.update"), workspaceId, S("user"),
                                      userId, {{S("role"), roleText}});
        !a)
        return a.error();
    tx.announce(S("member"), workspaceId);
    return tx.commit();
}

Status WorkspaceService::removeMember(const Actor &actor, const QString &workspaceId, const QString &userId)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    // Members may leave; admins may remove others.
    const Role needed = actor.userId == userId ? Role::Viewer : Role::Admin;
    if (auto r = access::requireRole(tx.conn(), actor, workspaceId, needed, kWs); !r)
        return r.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    Query cur = tx.query(S("SELECT role FROM memberships WHERE workspace_id = :w AND user_id = :u"));
    cur.bind(S(":w"), workspaceId).bind(S(":u"), userId);
    if (!cur.exec())
        return cur.error();
    if (!cur.next())
        return Error::notFound(S("Member"));
    if (cur.str(0) == QLatin1String("owner"))
        return Error::conflict(S("The owner cannot be removed; transfer ownership first."));
    Query d = tx.query(S("DELETE FROM memberships WHERE workspace_id = :w AND user_id = :u"));
    d.bind(S(":w"), workspaceId).bind(S(":u"), userId);
    if (!d.exec())
        return d.error();
    if (auto a = AuditService::append(tx, m_ctx.clock->nowMs(), actor, S("member.remove"), workspaceId, S("user"), userId);
        !a)
        return a.error();
    tx.announce(S("member"), workspaceId);
    return tx.commit();
}

Result<IssuedInvitation> WorkspaceService::invite(const Actor &actor, const QString &workspaceId,
                                                  const QString &email, const QString &roleText)
{
    static const QRegularExpression emailRe(S("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"));
    const QString mail = email.trimmed().toLower();
    if (mail.isEmpty() || mail.size() > 254 || !emailRe.match(mail).hasMatch())
        return Error::validation(S("email"), mail.isEmpty() ? S("required") : S("invalid"), S("A valid email is required."));
    Role role = Role::Member;
    if (!roleText.isEmpty() && (!parseRole(roleText, &role) || role == Role::Owner))
        return Error::validation(S("role"), S("invalid"), S("role must be admin, member or viewer."));
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto r = access::requireRole(tx.conn(), actor, workspaceId, Role::Admin, kWs); !r)
        return r.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    const qint64 now = m_ctx.clock->nowMs();
    IssuedInvitation out;
    out.token = crypto::randomToken(S("wfxinv_"), 32);
    out.invitation = Invitation{ids::newUuid(), workspaceId, mail, roleName(role), S("pending"), now, now + kInvitationTtlMs};
    Query ins = tx.query(S("INSERT INTO invitations (id, workspace_id, email, role, token_hash, created_by, created_at, expires_at) "
                           "VALUES (:id, :w, :e, :r, :h, :by, :t, :x)"));
    ins.bind(S(":id"), out.invitation.id).bind(S(":w"), workspaceId).bind(S(":e"), mail)
        .bind(S(":r"), out.invitation.role).bind(S(":h"), crypto::sha256Hex(out.token.toUtf8()))
        .bind(S(":by"), actor.isSystem() ? QVariant() : QVariant(actor.userId)).bind(S(":t"), now)
        .bind(S(":x"), out.invitation.expiresAt);
    if (!ins.exec())
        return ins.error();
    if (auto a = AuditService::append(tx, now, actor, S("invitation.create"), workspaceId, S("invitation"),
                                      out.invitation.id, {{S("role"), out.invitation.role}});
        !a)
        return a.error();
    tx.announce(S("invitation"), out.invitation.id);
    if (auto c = tx.commit(); !c)
        return c.error();
    return out;
}

Result<Page<Invitation>> WorkspaceService::invitations(const Actor &actor, const QString &workspaceId, int limit,
                                                      const QString &cursorText)
{
    QSqlDatabase conn = m_ctx.db->connection();
    if (auto r = access::requireRole(conn, actor, workspaceId, Role::Admin, kWs); !r)
        return r.error();
    QString sql = S("SELECT id, workspace_id, email, role, created_at, expires_at, accepted_at, revoked_at "
                    "FROM invitations WHERE workspace_id = :w");
    auto keyset = Keyset::parse(cursorText, S("created_at"), S("id"));
    if (!keyset)
        return keyset.error();
    sql += keyset->sql();
    Query q(conn, sql);
    q.bind(S(":w"), workspaceId);
    keyset->bind(q, limit);
    if (!q.exec())
        return q.error();
    Page<Invitation> page;
    const qint64 now = m_ctx.clock->nowMs();
    while (q.next()) {
        Invitation inv{q.str(0), q.str(1), q.str(2), q.str(3), {}, q.i64(4), q.i64(5)};
        inv.state = !q.isNull(7) ? S("revoked") : !q.isNull(6) ? S("accepted") : inv.expiresAt <= now ? S("expired") : S("pending");
        page.items.append(inv);
    }
    finishPage(page, limit, [](const Invitation &inv) { return cursor::TimeId{inv.createdAt, inv.id}; });
    return page;
}

Status WorkspaceService::revokeInvitation(const Actor &actor, const QString &workspaceId, const QString &invitationId)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto r = access::requireRole(tx.conn(), actor, workspaceId, Role::Admin, kWs); !r)
        return r.error();
    const qint64 now = m_ctx.clock->nowMs();
    Query u = tx.query(S("UPDATE invitations SET revoked_at = :t WHERE id = :id AND workspace_id = :w "
                         "AND revoked_at IS NULL AND accepted_at IS NULL"));
    u.bind(S(":t"), now).bind(S(":id"), invitationId).bind(S(":w"), workspaceId);
    if (!u.exec())
        return u.error();
    if (u.rowsAffected() == 0)
        return Error::notFound(S("Invitation"));
    if (auto a = AuditService::append(tx, now, actor, S("invitation.revoke"), workspaceId, S("invitation"), invitationId);
        !a)
        return a.error();
    tx.announce(S("invitation"), invitationId);
    return tx.commit();
}

Result<Workspace> WorkspaceService::acceptInvitation(const Actor &actor, const QString &token)
{
    if (!actor.isUser())
        return Error::forbidden();
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    const qint64 now = m_ctx.clock->nowMs();
    Query q = tx.query(S("SELECT id, workspace_id, role FROM invitations WHERE token_hash = :h AND revoked_at IS NULL "
                         "AND accepted_at IS NULL AND expires_at > :now"));
    q.bind(S(":h"), crypto::sha256Hex(token.toUtf8())).bind(S(":now"), now);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(S("Invitation"));
    const QString invId = q.str(0), wsId = q.str(1), role = q.str(2);
    q.raw().finish();
    Query ins = tx.query(S("INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (:w, :u, :r, :t) "
                           "ON CONFLICT (workspace_id, user_id) DO NOTHING"));
    ins.bind(S(":w"), wsId).bind(S(":u"), actor.userId).bind(S(":r"), role).bind(S(":t"), now);
    Query u = tx.query(S("UPDATE invitations SET accepted_at = :t, accepted_by = :u WHERE id = :id"));
    u.bind(S(":t"), now).bind(S(":u"), actor.userId).bind(S(":id"), invId);
    if (!ins.exec() || !u.exec())
        return Error::internal();
    if (auto a = AuditService::append(tx, now, actor, S("invitation.accept"), wsId, S("invitation"), invId); !a)
        return a.error();
    tx.announce(S("member"), wsId);
    if (auto c = tx.commit(); !c)
        return c.error();
    return get(actor, wsId);
}

Result<Project> WorkspaceService::createProject(const Actor &actor, const QString &workspaceId, const QString &name)
{
    auto n = validName(S("name"), name, kMaxNameLength);
    if (!n)
        return n.error();
    if (!ids::isUuid(workspaceId))
        return Error::validation(S("workspace_id"), workspaceId.isEmpty() ? S("required") : S("invalid"),
                                 S("workspace_id must be a workspace id."));
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto r = access::requireRole(tx.conn(), actor, workspaceId, Role::Member, kWs); !r)
        return r.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    const qint64 now = m_ctx.clock->nowMs();
    Project p{ids::newUuid(), workspaceId, *n, now};
    Query ins = tx.query(S("INSERT INTO projects (id, workspace_id, name, created_at) VALUES (:id, :w, :n, :t)"));
    ins.bind(S(":id"), p.id).bind(S(":w"), workspaceId).bind(S(":n"), p.name).bind(S(":t"), now);
    if (!ins.exec())
        return ins.error();
    if (auto a = AuditService::append(tx, now, actor, S("project.create"), workspaceId, S("project"), p.id,
                                      {{S("name"), p.name}});
        !a)
        return a.error();
    tx.announce(S("project"), p.id);
    if (auto c = tx.commit(); !c)
        return c.error();
    return p;
}

Result<Page<Project>> WorkspaceService::listProjects(const Actor &actor, const QString &workspaceId, int limit,
                                                    const QString &cursorText)
{
    QSqlDatabase conn = m_ctx.db->connection();
    QString sql = S("SELECT p.id, p.workspace_id, p.name, p.created_at FROM projects p WHERE 1=1");
    if (!workspaceId.isEmpty()) {
        if (auto r = access::requireRole(conn, actor, workspaceId, Role::Viewer, kWs); !r)
            return r.error();
        sql += S(" AND p.workspace_id = :w");
    } else if (!actor.isSystem()) {
        sql += S(" AND p.workspace_id IN (SELECT workspace_id FROM memberships WHERE user_id = :u)");
        if (!actor.keyWorkspaceId.isEmpty())
            sql += S(" AND p.workspace_id = :scope");
    }
    auto keyset = Keyset::parse(cursorText, S("p.created_at"), S("p.id"));
    if (!keyset)
        return keyset.error();
    sql += keyset->sql();
    Query q(conn, sql);
    if (!workspaceId.isEmpty())
        q.bind(S(":w"), workspaceId);
    else if (!actor.isSystem()) {
        q.bind(S(":u"), actor.userId);
        if (!actor.keyWorkspaceId.isEmpty())
            q.bind(S(":scope"), actor.keyWorkspaceId);
    }
    keyset->bind(q, limit);
    if (!q.exec())
        return q.error();
    Page<Project> page;
    while (q.next())
        page.items.append(readProject(q));
    finishPage(page, limit, [](const Project &p) { return cursor::TimeId{p.createdAt, p.id}; });
    return page;
}

Result<Project> WorkspaceService::getProject(const Actor &actor, const QString &id)
{
    QSqlDatabase conn = m_ctx.db->connection();
    Query q(conn, S("SELECT id, workspace_id, name, created_at FROM projects WHERE id = :id"));
    q.bind(S(":id"), id);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kProject);
    Project p = readProject(q);
    if (auto r = access::requireRole(conn, actor, p.workspaceId, Role::Viewer, kProject); !r)
        return r.error();
    return p;
}

Result<Project> WorkspaceService::renameProject(const Actor &actor, const QString &id, const QString &name)
{
    auto n = validName(S("name"), name, kMaxNameLength);
    if (!n)
        return n.error();
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    Query q = tx.query(S("SELECT id, workspace_id, name, created_at FROM projects WHERE id = :id"));
    q.bind(S(":id"), id);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kProject);
    Project p = readProject(q);
    q.raw().finish();
    if (auto r = access::requireRole(tx.conn(), actor, p.workspaceId, Role::Member, kProject); !r)
        return r.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    if (p.name == *n)
        return p;
    Query u = tx.query(S("UPDATE projects SET name = :n WHERE id = :id"));
    u.bind(S(":n"), *n).bind(S(":id"), id);
    if (!u.exec())
        return u.error();
    if (auto a = AuditService::append(tx, m_ctx.clock->nowMs(), actor, S("project.update"), p.workspaceId,
                                      S("project"), id, {{S("name"), *n}});
        !a)
        return a.error();
    tx.announce(S("project"), id);
    if (auto c = tx.commit(); !c)
        return c.error();
    p.name = *n;
    return p;
}

Status WorkspaceService::removeProject(const Actor &actor, const QString &id)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    Query q = tx.query(S("SELECT workspace_id, name FROM projects WHERE id = :id"));
    q.bind(S(":id"), id);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kProject);
    const QString ws = q.str(0), name = q.str(1);
    q.raw().finish();
    if (auto r = access::requireRole(tx.conn(), actor, ws, Role::Admin, kProject); !r)
        return r.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    Query d = tx.query(S("DELETE FROM projects WHERE id = :id"));
    d.bind(S(":id"), id);
    if (!d.exec())
        return d.error();
    if (auto a = AuditService::append(tx, m_ctx.clock->nowMs(), actor, S("project.delete"), ws, S("project"), id,
                                      {{S("name"), name}});
        !a)
        return a.error();
    tx.announce(S("project"), id);
    return tx.commit();
}

} // namespace wfx
