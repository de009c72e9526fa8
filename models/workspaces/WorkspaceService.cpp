// SPDX-License-Identifier: Apache-2.0
#include "models/workspaces/WorkspaceService.h"

#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/Keyset.h"
#include "models/core/Shape.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {
const QString kWs = QStringLiteral("Workspace");
const QString kProject = QStringLiteral("Project");

inline constexpr auto kProjectFields =
    std::tuple{shape::field("id", &Project::id, shape::uuid()),
               shape::field("workspace_id", &Project::workspaceId, shape::uuid()),
               shape::field("name", &Project::name, shape::text()),
               shape::field("created_at", &Project::createdAt, shape::instant())};

inline constexpr auto kMemberFields =
    std::tuple{shape::field("user_id", &Member::userId, shape::uuid()),
               shape::field("email", &Member::email, shape::text()),
               shape::field("role", &Member::role, shape::text()),
               shape::field("created_at", &Member::createdAt, shape::instant())};

inline constexpr auto kInvitationFields =
    std::tuple{shape::field("id", &Invitation::id, shape::uuid()),
               shape::field("workspace_id", &Invitation::workspaceId, shape::uuid()),
               shape::field("email", &Invitation::email, shape::text()),
               shape::field("role", &Invitation::role, shape::text()),
               shape::field("state", &Invitation::state, shape::text()),
               shape::field("created_at", &Invitation::createdAt, shape::instant()),
               shape::field("expires_at", &Invitation::expiresAt, shape::instant())};

Project readProject(const Query &q)
{
    Project p;
    row::read(q, p.id, p.workspaceId, p.name, p.createdAt);
    return p;
}

// A member's role name in the workspace; not_found (Member) for anyone else.
Result<QString> memberRole(const QSqlDatabase &conn, const QString &workspaceId,
                           const QString &userId)
{
    Query q(conn, u"SELECT role FROM memberships WHERE workspace_id = :w AND user_id = :u"_s);
    q.bind(u":w"_s, workspaceId).bind(u":u"_s, userId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(u"Member"_s);
    return q.str(0);
}

Result<Project> loadProject(const QSqlDatabase &conn, const QString &id)
{
    return row::one(conn,
                    u"SELECT id, workspace_id, name, created_at FROM projects WHERE id = :id"_s, id,
                    kProject, readProject);
}

// A member whose role may change (anyone but the owner), once the caller may
// change members (`minimum`): their role name, not_found (Member), or conflict
// with `ifOwner`.
Result<QString> changeableMember(Tx &tx, const Actor &actor, const QString &workspaceId,
                                 const QString &userId, Role minimum, const QString &ifOwner)
{
    if (auto r = access::requireWrite(tx.conn(), actor, workspaceId, minimum, kWs); !r)
        return r.error();
    auto role = memberRole(tx.conn(), workspaceId, userId);
    if (role && *role == QLatin1String("owner"))
        return Error::conflict(ifOwner);
    return role;
}

// The end of a change to a member: the audit entry `action` on the user, the
// workspace's members announced, the transaction committed.
Status commitMemberChange(Tx &tx, qint64 now, const Actor &actor, const QString &action,
                          const QString &workspaceId, const QString &userId,
                          const QJsonObject &detail = {})
{
    if (auto a =
            AuditService::append(tx, now, actor, action, workspaceId, u"user"_s, userId, detail);
        !a)
        return a.error();
    tx.announce(u"member"_s, workspaceId);
    return tx.commit();
}

// A role a member may be given (any but owner); empty text is `ifEmpty` when given.
Result<Role> assignableRole(const QString &text, std::optional<Role> ifEmpty = std::nullopt)
{
    if (text.isEmpty() && ifEmpty)
        return *ifEmpty;
    Role role = Role::Viewer;
    if (!parseRole(text, &role) || role == Role::Owner)
        return Error::validation(u"role"_s, u"invalid"_s,
                                 u"role must be admin, member or viewer."_s);
    return role;
}

// A write by a user to nothing of a workspace's yet (a new workspace, an
// accepted invitation): the transaction begun, then requireWritable.
Result<Opened<Ok>> beginWritable(const ModelContext &ctx, const Actor &actor)
{
    return Tx::begin(*ctx.db, ctx.bus,
                     [&](Tx &tx) { return access::requireWritable(tx.conn(), actor); });
}

const QString &workspaceIdOf(const Workspace &w)
{
    return w.id;
}
const QString &workspaceIdOf(const Project &p)
{
    return p.workspaceId;
}

// The workspace a deletion's audit entry names: none for a workspace (its own
// entries stay in the chain, and this one must stay visible to its actor).
QString auditWorkspaceOfDeleted(const Workspace &)
{
    return {};
}
QString auditWorkspaceOfDeleted(const Project &p)
{
    return p.workspaceId;
}

// A change to a stored workspace or project: the transaction begun, the row
// `load` reads in it, then requireWrite's checks (`minimum`) on its workspace,
// the caller's role into *role when asked.
template <typename Load>
auto beginChange(const ModelContext &ctx, const Actor &actor, const QString &id, Role minimum,
                 const QString &what, const Load &load, Role *role = nullptr)
{
    return Tx::begin(*ctx.db, ctx.bus, [&](Tx &tx) {
        return row::checked(load(tx.conn(), id), [&](const auto &loaded) -> Status {
            auto r = access::requireWrite(tx.conn(), actor, workspaceIdOf(loaded), minimum, what);
            if (!r)
                return r.error();
            if (role)
                *role = *r;
            return Ok{};
        });
    });
}

// Renames a stored workspace or project (`kind`, its table `kind`s): unchanged
// when the name is, else updated, audited as `kind`.update, and then
// `changed(row, the caller's role)`.
template <typename Load, typename Changed>
auto renameStored(const ModelContext &ctx, const Actor &actor, const QString &id,
                  const QString &name, Role minimum, const QString &what, const Load &load,
                  const QString &kind, const Changed &changed)
    -> Result<std::remove_cvref_t<decltype(*load(QSqlDatabase(), id))>>
{
    auto n = validName(u"name"_s, name, WorkspaceService::kMaxNameLength);
    if (!n)
        return n.error();
    Role role = Role::Viewer;
    auto began = beginChange(ctx, actor, id, minimum, what, load, &role);
    if (!began)
        return began.error();
    auto &[tx, stored] = *began;
    if (stored.name == *n)
        return stored; // nothing changed, nothing audited
    if (auto e = row::exec(tx.conn(), u"UPDATE "_s + kind + u"s SET name = :n WHERE id = :id"_s,
                           {{u":n"_s, *n}, {u":id"_s, id}});
        !e)
        return e.error();
    if (auto c = AuditService::commit(tx, ctx.clock->nowMs(), actor, kind + u".update"_s,
                                      workspaceIdOf(stored), kind, id, {{u"name"_s, *n}});
        !c)
        return c.error();
    stored.name = *n;
    changed(stored, role);
    return stored;
}

// Deletes a stored workspace or project (`kind`), audited as `kind`.delete.
template <typename Load>
Status removeStored(const ModelContext &ctx, const Actor &actor, const QString &id, Role minimum,
                    const QString &what, const Load &load, const QString &kind)
{
    auto began = beginChange(ctx, actor, id, minimum, what, load);
    if (!began)
        return began.error();
    auto &[tx, stored] = *began;
    if (auto e = row::exec(tx.conn(), u"DELETE FROM "_s + kind + u"s WHERE id = :id"_s,
                           {{u":id"_s, id}});
        !e)
        return e.error();
    return AuditService::commit(tx, ctx.clock->nowMs(), actor, kind + u".delete"_s,
                                auditWorkspaceOfDeleted(stored), kind, id,
                                {{u"name"_s, stored.name}});
}
} // namespace

Result<QString> validName(const QString &field, const QString &name, int max)
{
    const QString t = name.trimmed();
    if (t.isEmpty())
        return Error::validation(field, u"required"_s, u"A %1 is required."_s.arg(field));
    if (t.size() > max)
        return Error::validation(field, u"too_long"_s, u"At most %1 characters."_s.arg(max));
    if (shape::hasControl(t))
        return Error::validation(field, u"invalid"_s, u"Control characters are not allowed."_s);
    return t;
}

QJsonObject Workspace::toJson() const
{
    return shape::toJson<kWorkspaceFields>(*this);
}

void Workspace::writeJson(JsonWriter &w) const
{
    shape::writeJson<kWorkspaceFields>(w, *this);
}

QJsonObject Project::toJson() const
{
    return shape::toJson<kProjectFields>(*this);
}

QJsonObject Member::toJson() const
{
    return shape::toJson<kMemberFields>(*this);
}

QJsonObject Invitation::toJson() const
{
    return shape::toJson<kInvitationFields>(*this);
}

QMap<QString, qint64> WorkspaceService::planLimits(const QSqlDatabase &conn, const QString &plan)
{
    QMap<QString, qint64> out;
    Query q(conn, u"SELECT metric, cap FROM plan_caps WHERE plan = :p"_s);
    q.bind(u":p"_s, plan);
    if (q.exec()) {
        while (q.next())
            out.insert(q.str(0), q.i64(1));
    }
    return out;
}

Result<Workspace> WorkspaceService::load(const QSqlDatabase &conn, const QString &id)
{
    Query q(conn, u"SELECT id, name, owner_id, plan, created_at FROM workspaces WHERE id = :id"_s);
    q.bind(u":id"_s, id);
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
    auto n = validName(u"name"_s, name, kMaxNameLength);
    if (!n)
        return n.error();
    if (!actor.isUser())
        return Error::forbidden(u"A workspace needs an owner."_s);
    if (!actor.keyWorkspaceId.isEmpty())
        return Error::forbidden(u"A workspace-scoped key cannot create workspaces."_s);
    auto began = beginWritable(m_ctx, actor);
    if (!began)
        return began.error();
    Tx &tx = began->tx;
    const qint64 now = m_ctx.clock->nowMs();
    Workspace ws{ids::newUuid(), *n, actor.userId, u"free"_s, now, {}, u"owner"_s};
    if (auto e = row::exec(
            tx.conn(),
            u"INSERT INTO workspaces (id, name, owner_id, plan, created_at) VALUES (:id, :n, :o, :p, :t)"_s,
            {{u":id"_s, ws.id},
             {u":n"_s, ws.name},
             {u":o"_s, ws.ownerId},
             {u":p"_s, ws.plan},
             {u":t"_s, now}});
        !e)
        return e.error();
    if (auto e = row::exec(
            tx.conn(),
            u"INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (:w, :u, 'owner', :t)"_s,
            {{u":w"_s, ws.id}, {u":u"_s, actor.userId}, {u":t"_s, now}});
        !e)
        return e.error();
    if (auto c = AuditService::commit(tx, now, actor, u"workspace.create"_s, ws.id, u"workspace"_s,
                                      ws.id, {{u"name"_s, ws.name}});
        !c)
        return c.error();
    ws.limits = planLimits(m_ctx.db->connection(), ws.plan);
    return ws;
}

Result<Page<Workspace>> WorkspaceService::list(const Actor &actor, int limit,
                                               const QString &cursorText)
{
    auto keyset = Keyset::parse(cursorText, u"w.created_at"_s, u"w.id"_s);
    if (!keyset)
        return keyset.error();
    QString sql =
        u"SELECT w.id, w.name, w.owner_id, w.plan, w.created_at, m.role FROM workspaces w "
        "JOIN memberships m ON m.workspace_id = w.id AND m.user_id = :u WHERE 1=1"_s;
    if (actor.isSystem())
        sql =
            u"SELECT w.id, w.name, w.owner_id, w.plan, w.created_at, '' FROM workspaces w WHERE 1=1"_s;
    if (!actor.keyWorkspaceId.isEmpty())
        sql += u" AND w.id = :scope"_s;
    QSqlDatabase conn = m_ctx.db->connection();
    auto page = row::page<Workspace>(
        conn, sql, *keyset, limit,
        [&](Query &q) {
            if (!actor.isSystem())
                q.bind(u":u"_s, actor.userId);
            if (!actor.keyWorkspaceId.isEmpty())
                q.bind(u":scope"_s, actor.keyWorkspaceId);
        },
        [](const Query &q) {
            return Workspace{q.str(0), q.str(1), q.str(2), q.str(3), q.i64(4), {}, q.str(5)};
        });
    if (!page)
        return page.error();
    QMap<QString, QMap<QString, qint64>> limitsByPlan;
    for (auto &w : page->items) {
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

Result<Workspace> WorkspaceService::rename(const Actor &actor, const QString &id,
                                           const QString &name)
{
    return renameStored(m_ctx, actor, id, name, Role::Admin, kWs, load, u"workspace"_s,
                        [](Workspace &ws, Role role) { ws.role = roleName(role); });
}

Status WorkspaceService::remove(const Actor &actor, const QString &id)
{
    return removeStored(m_ctx, actor, id, Role::Owner, kWs, load, u"workspace"_s);
}

Result<WorkspaceContents> WorkspaceService::contents(const Actor &actor, const QString &id)
{
    QSqlDatabase conn = m_ctx.db->connection();
    if (auto r = access::requireRole(conn, actor, id, Role::Viewer, kWs); !r)
        return r.error();
    if (auto w = load(conn, id); !w)
        return w.error();
    Query q(conn, u"SELECT (SELECT COUNT(*) FROM projects WHERE workspace_id = :w), "
                  "(SELECT COUNT(*) FROM runs WHERE workspace_id = :w)"_s);
    q.bind(u":w"_s, id);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::internal();
    return WorkspaceContents{q.i64(0), q.i64(1)};
}

Result<Workspace> WorkspaceService::transferOwnership(const Actor &actor, const QString &id,
                                                      const QString &newOwnerId)
{
    if (!ids::isUuid(newOwnerId))
        return Error::validation(u"new_owner_id"_s, u"invalid"_s,
                                 u"new_owner_id must be a user id."_s);
    auto began = beginChange(m_ctx, actor, id, Role::Owner, kWs, load);
    if (!began)
        return began.error();
    auto &[tx, ws] = *began;
    if (ws.ownerId == newOwnerId)
        return ws;
    Query m = tx.query(u"SELECT role FROM memberships WHERE workspace_id = :w AND user_id = :u"_s);
    m.bind(u":w"_s, id).bind(u":u"_s, newOwnerId);
    if (!m.exec())
        return m.error();
    if (!m.next())
        return Error::validation(u"new_owner_id"_s, u"not_member"_s,
                                 u"The new owner must be a member of the workspace."_s);
    const QString oldOwner = ws.ownerId;
    Query u1 = tx.query(
        u"UPDATE memberships SET role = 'admin' WHERE workspace_id = :w AND user_id = :u"_s);
    u1.bind(u":w"_s, id).bind(u":u"_s, oldOwner);
    Query u2 = tx.query(
        u"UPDATE memberships SET role = 'owner' WHERE workspace_id = :w AND user_id = :u"_s);
    u2.bind(u":w"_s, id).bind(u":u"_s, newOwnerId);
    Query u3 = tx.query(u"UPDATE workspaces SET owner_id = :u WHERE id = :w"_s);
    u3.bind(u":w"_s, id).bind(u":u"_s, newOwnerId);
    if (!u1.exec() || !u2.exec() || !u3.exec())
        return Error::internal();
    if (auto c = AuditService::commit(tx, m_ctx.clock->nowMs(), actor,
                                      u"workspace.transfer_ownership"_s, id, u"workspace"_s, id,
                                      {{u"from"_s, oldOwner}, {u"to"_s, newOwnerId}});
        !c)
        return c.error();
    ws.ownerId = newOwnerId;
    ws.role = u"admin"_s;
    return ws;
}

Result<QList<Member>> WorkspaceService::members(const Actor &actor, const QString &workspaceId)
{
    QSqlDatabase conn = m_ctx.db->connection();
    if (auto r = access::requireRole(conn, actor, workspaceId, Role::Viewer, kWs); !r)
        return r.error();
    return row::all(conn,
                    u"SELECT m.user_id, u.email, m.role, m.created_at FROM memberships m JOIN "
                    u"users u ON u.id = m.user_id "
                    "WHERE m.workspace_id = :w ORDER BY m.created_at, m.user_id"_s,
                    {{u":w"_s, workspaceId}}, [](const Query &q) {
                        return Member{q.str(0), q.str(1), q.str(2), q.i64(3)};
                    });
}

Status WorkspaceService::setMemberRole(const Actor &actor, const QString &workspaceId,
                                       const QString &userId, const QString &roleText)
{
    if (auto r = assignableRole(roleText); !r)
        return r.error();
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus, [&](Tx &tx) {
        return changeableMember(tx, actor, workspaceId, userId, Role::Admin,
                                u"The owner's role changes only by transferring ownership."_s);
    });
    if (!began)
        return began.error();
    auto &[tx, cur] = *began;
    if (cur == roleText)
        return Ok{};
    if (auto e = row::exec(
            tx.conn(),
            u"UPDATE memberships SET role = :r WHERE workspace_id = :w AND user_id = :u"_s,
            {{u":r"_s, roleText}, {u":w"_s, workspaceId}, {u":u"_s, userId}});
        !e)
        return e.error();
    return commitMemberChange(tx, m_ctx.clock->nowMs(), actor, u"member.update"_s, workspaceId,
                              userId, {{u"role"_s, roleText}});
}

Status WorkspaceService::removeMember(const Actor &actor, const QString &workspaceId,
                                      const QString &userId)
{
    // Members may leave; admins may remove others.
    const Role needed = actor.userId == userId ? Role::Viewer : Role::Admin;
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus, [&](Tx &tx) {
        return changeableMember(tx, actor, workspaceId, userId, needed,
                                u"The owner cannot be removed; transfer ownership first."_s);
    });
    if (!began)
        return began.error();
    Tx &tx = began->tx;
    if (auto e = row::exec(tx.conn(),
                           u"DELETE FROM memberships WHERE workspace_id = :w AND user_id = :u"_s,
                           {{u":w"_s, workspaceId}, {u":u"_s, userId}});
        !e)
        return e.error();
    return commitMemberChange(tx, m_ctx.clock->nowMs(), actor, u"member.remove"_s, workspaceId,
                              userId);
}

Result<IssuedInvitation> WorkspaceService::invite(const Actor &actor, const QString &workspaceId,
                                                  const QString &email, const QString &roleText)
{
    static const QRegularExpression emailRe(u"^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"_s);
    const QString mail = email.trimmed().toLower();
    if (mail.isEmpty() || mail.size() > 254 || !emailRe.match(mail).hasMatch())
        return Error::validation(u"email"_s, mail.isEmpty() ? u"required"_s : u"invalid"_s,
                                 u"A valid email is required."_s);
    auto role = assignableRole(roleText, Role::Member);
    if (!role)
        return role.error();
    auto began = access::beginWrite(m_ctx, actor, workspaceId, Role::Admin, kWs);
    if (!began)
        return began.error();
    Tx &tx = *began;
    const qint64 now = m_ctx.clock->nowMs();
    IssuedInvitation out;
    out.token = crypto::randomToken(u"wfxinv_"_s, 32);
    out.invitation =
        Invitation{ids::newUuid(),        workspaceId, mail, roleName(*role), u"pending"_s, now,
                   now + kInvitationTtlMs};
    Query ins = tx.query(u"INSERT INTO invitations (id, workspace_id, email, role, token_hash, "
                         u"created_by, created_at, expires_at) "
                         "VALUES (:id, :w, :e, :r, :h, :by, :t, :x)"_s);
    ins.bind(u":id"_s, out.invitation.id)
        .bind(u":w"_s, workspaceId)
        .bind(u":e"_s, mail)
        .bind(u":r"_s, out.invitation.role)
        .bind(u":h"_s, crypto::sha256Hex(out.token.toUtf8()))
        .bind(u":by"_s, actor.isSystem() ? QVariant() : QVariant(actor.userId))
        .bind(u":t"_s, now)
        .bind(u":x"_s, out.invitation.expiresAt);
    if (!ins.exec())
        return ins.error();
    if (auto c = AuditService::commit(tx, now, actor, u"invitation.create"_s, workspaceId,
                                      u"invitation"_s, out.invitation.id,
                                      {{u"role"_s, out.invitation.role}});
        !c)
        return c.error();
    return out;
}

Result<Page<Invitation>> WorkspaceService::invitations(const Actor &actor,
                                                       const QString &workspaceId, int limit,
                                                       const QString &cursorText)
{
    QSqlDatabase conn = m_ctx.db->connection();
    if (auto r = access::requireRole(conn, actor, workspaceId, Role::Admin, kWs); !r)
        return r.error();
    QString sql =
        u"SELECT id, workspace_id, email, role, created_at, expires_at, accepted_at, revoked_at "
        "FROM invitations WHERE workspace_id = :w"_s;
    auto keyset = Keyset::parse(cursorText, u"created_at"_s, u"id"_s);
    if (!keyset)
        return keyset.error();
    const qint64 now = m_ctx.clock->nowMs();
    return row::page<Invitation>(
        conn, sql, *keyset, limit, [&](Query &q) { q.bind(u":w"_s, workspaceId); },
        [&](const Query &q) {
            Invitation inv{q.str(0), q.str(1), q.str(2), q.str(3), {}, q.i64(4), q.i64(5)};
            inv.state = !q.isNull(7)           ? u"revoked"_s
                        : !q.isNull(6)         ? u"accepted"_s
                        : inv.expiresAt <= now ? u"expired"_s
                                               : u"pending"_s;
            return inv;
        });
}

Status WorkspaceService::revokeInvitation(const Actor &actor, const QString &workspaceId,
                                          const QString &invitationId)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus, [&](Tx &tx) {
        return access::requireRole(tx.conn(), actor, workspaceId, Role::Admin, kWs);
    });
    if (!began)
        return began.error();
    Tx &tx = began->tx;
    const qint64 now = m_ctx.clock->nowMs();
    Query u =
        tx.query(u"UPDATE invitations SET revoked_at = :t WHERE id = :id AND workspace_id = :w "
                 "AND revoked_at IS NULL AND accepted_at IS NULL"_s);
    u.bind(u":t"_s, now).bind(u":id"_s, invitationId).bind(u":w"_s, workspaceId);
    if (!u.exec())
        return u.error();
    if (u.rowsAffected() == 0)
        return Error::notFound(u"Invitation"_s);
    return AuditService::commit(tx, now, actor, u"invitation.revoke"_s, workspaceId,
                                u"invitation"_s, invitationId);
}

Result<Workspace> WorkspaceService::acceptInvitation(const Actor &actor, const QString &token)
{
    if (!actor.isUser())
        return Error::forbidden();
    auto began = beginWritable(m_ctx, actor);
    if (!began)
        return began.error();
    Tx &tx = began->tx;
    const qint64 now = m_ctx.clock->nowMs();
    Query q = tx.query(u"SELECT id, workspace_id, role FROM invitations WHERE token_hash = :h AND "
                       u"revoked_at IS NULL "
                       "AND accepted_at IS NULL AND expires_at > :now"_s);
    q.bind(u":h"_s, crypto::sha256Hex(token.toUtf8())).bind(u":now"_s, now);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(u"Invitation"_s);
    const QString invId = q.str(0), wsId = q.str(1), role = q.str(2);
    q.raw().finish();
    Query ins = tx.query(u"INSERT INTO memberships (workspace_id, user_id, role, created_at) "
                         u"VALUES (:w, :u, :r, :t) "
                         "ON CONFLICT (workspace_id, user_id) DO NOTHING"_s);
    ins.bind(u":w"_s, wsId).bind(u":u"_s, actor.userId).bind(u":r"_s, role).bind(u":t"_s, now);
    Query u =
        tx.query(u"UPDATE invitations SET accepted_at = :t, accepted_by = :u WHERE id = :id"_s);
    u.bind(u":t"_s, now).bind(u":u"_s, actor.userId).bind(u":id"_s, invId);
    if (!ins.exec() || !u.exec())
        return Error::internal();
    if (auto a = AuditService::append(tx, now, actor, u"invitation.accept"_s, wsId, u"invitation"_s,
                                      invId);
        !a)
        return a.error();
    tx.announce(u"member"_s, wsId);
    if (auto c = tx.commit(); !c)
        return c.error();
    return get(actor, wsId);
}

Result<Project> WorkspaceService::createProject(const Actor &actor, const QString &workspaceId,
                                                const QString &name)
{
    auto n = validName(u"name"_s, name, kMaxNameLength);
    if (!n)
        return n.error();
    if (!ids::isUuid(workspaceId))
        return Error::validation(u"workspace_id"_s,
                                 workspaceId.isEmpty() ? u"required"_s : u"invalid"_s,
                                 u"workspace_id must be a workspace id."_s);
    auto began = access::beginWrite(m_ctx, actor, workspaceId, Role::Member, kWs);
    if (!began)
        return began.error();
    Tx &tx = *began;
    const qint64 now = m_ctx.clock->nowMs();
    Project p{ids::newUuid(), workspaceId, *n, now};
    if (auto e = row::exec(
            tx.conn(),
            u"INSERT INTO projects (id, workspace_id, name, created_at) VALUES (:id, :w, :n, :t)"_s,
            {{u":id"_s, p.id}, {u":w"_s, workspaceId}, {u":n"_s, p.name}, {u":t"_s, now}});
        !e)
        return e.error();
    if (auto c = AuditService::commit(tx, now, actor, u"project.create"_s, workspaceId,
                                      u"project"_s, p.id, {{u"name"_s, p.name}});
        !c)
        return c.error();
    return p;
}

Result<Page<Project>> WorkspaceService::listProjects(const Actor &actor, const QString &workspaceId,
                                                     int limit, const QString &cursorText)
{
    QSqlDatabase conn = m_ctx.db->connection();
    QString sql = u"SELECT p.id, p.workspace_id, p.name, p.created_at FROM projects p WHERE 1=1"_s;
    if (!workspaceId.isEmpty()) {
        if (auto r = access::requireRole(conn, actor, workspaceId, Role::Viewer, kWs); !r)
            return r.error();
        sql += u" AND p.workspace_id = :w"_s;
    } else if (!actor.isSystem()) {
        sql +=
            u" AND p.workspace_id IN (SELECT workspace_id FROM memberships WHERE user_id = :u)"_s;
        if (!actor.keyWorkspaceId.isEmpty())
            sql += u" AND p.workspace_id = :scope"_s;
    }
    auto keyset = Keyset::parse(cursorText, u"p.created_at"_s, u"p.id"_s);
    if (!keyset)
        return keyset.error();
    auto bind = [&](Query &q) {
        if (!workspaceId.isEmpty())
            q.bind(u":w"_s, workspaceId);
        else if (!actor.isSystem()) {
            q.bind(u":u"_s, actor.userId);
            if (!actor.keyWorkspaceId.isEmpty())
                q.bind(u":scope"_s, actor.keyWorkspaceId);
        }
    };
    return row::page<Project>(conn, sql, *keyset, limit, bind, readProject);
}

Result<Project> WorkspaceService::getProject(const Actor &actor, const QString &id)
{
    QSqlDatabase conn = m_ctx.db->connection();
    auto p = loadProject(conn, id);
    if (!p)
        return p.error();
    if (auto r = access::requireRole(conn, actor, p->workspaceId, Role::Viewer, kProject); !r)
        return r.error();
    return p;
}

Result<Project> WorkspaceService::renameProject(const Actor &actor, const QString &id,
                                                const QString &name)
{
    return renameStored(m_ctx, actor, id, name, Role::Member, kProject, loadProject, u"project"_s,
                        [](Project &, Role) {});
}

Status WorkspaceService::removeProject(const Actor &actor, const QString &id)
{
    return removeStored(m_ctx, actor, id, Role::Admin, kProject, loadProject, u"project"_s);
}

} // namespace wfx
