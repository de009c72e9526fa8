// SPDX-License-Identifier: Apache-2.0
// Workspaces, projects, members, invitations and ownership transfer.
#pragma once

#include "models/core/Context.h"
#include "models/core/Cursor.h"
#include "models/core/Result.h"
#include "models/core/Shape.h"

#include <QJsonObject>
#include <QMap>
#include <QSqlDatabase>

namespace wfx {

struct Workspace
{
    QString id, name, ownerId, plan;
    qint64 createdAt = 0;
    QMap<QString, qint64> limits; // metric -> cap of the plan
    QString role;                 // the caller's role, when known
    QJsonObject toJson() const;
    // The same bytes as QJsonDocument(toJson()) in compact form, without the tree.
    void writeJson(JsonWriter &w) const;
};

struct Project
{
    QString id, workspaceId, name;
    qint64 createdAt = 0;
    QJsonObject toJson() const;
};

struct Member
{
    QString userId, email, role;
    qint64 createdAt = 0;
    QJsonObject toJson() const;
};

struct Invitation
{
    QString id, workspaceId, email, role, state; // pending, accepted, revoked, expired
    qint64 createdAt = 0, expiresAt = 0;
    QJsonObject toJson() const;
};

// What deleting a workspace takes with it.
struct WorkspaceContents
{
    qint64 projects = 0, runs = 0;
};

struct IssuedInvitation
{
    Invitation invitation;
    QString token; // shown once
};

class WorkspaceService
{
public:
    explicit WorkspaceService(ModelContext ctx) : m_ctx(std::move(ctx)) {}

    static constexpr int kMaxNameLength = 200;
    static constexpr qint64 kInvitationTtlMs = 7LL * 24 * 3600 * 1000;

    Result<Workspace> create(const Actor &actor, const QString &name);
    Result<Page<Workspace>> list(const Actor &actor, int limit, const QString &cursor);
    Result<Workspace> get(const Actor &actor, const QString &id);
    Result<Workspace> rename(const Actor &actor, const QString &id, const QString &name);
    Status remove(const Actor &actor, const QString &id);
    // How many projects and runs the workspace holds (viewers and up).
    Result<WorkspaceContents> contents(const Actor &actor, const QString &id);
    Result<Workspace> transferOwnership(const Actor &actor, const QString &id,
                                        const QString &newOwnerId);

    Result<QList<Member>> members(const Actor &actor, const QString &workspaceId);
    Status setMemberRole(const Actor &actor, const QString &workspaceId, const QString &userId,
                         const QString &role);
    Status removeMember(const Actor &actor, const QString &workspaceId, const QString &userId);

    Result<IssuedInvitation> invite(const Actor &actor, const QString &workspaceId,
                                    const QString &email, const QString &role);
    Result<Page<Invitation>> invitations(const Actor &actor, const QString &workspaceId, int limit,
                                         const QString &cursor);
    Status revokeInvitation(const Actor &actor, const QString &workspaceId,
                            const QString &invitationId);
    Result<Workspace> acceptInvitation(const Actor &actor, const QString &token);

    Result<Project> createProject(const Actor &actor, const QString &workspaceId,
                                  const QString &name);
    // workspaceId empty: projects of every workspace the actor sees.
    Result<Page<Project>> listProjects(const Actor &actor, const QString &workspaceId, int limit,
                                       const QString &cursor);
    Result<Project> getProject(const Actor &actor, const QString &id);
    Result<Project> renameProject(const Actor &actor, const QString &id, const QString &name);
    Status removeProject(const Actor &actor, const QString &id);

    // The caps of a plan, by metric.
    static QMap<QString, qint64> planLimits(const QSqlDatabase &conn, const QString &plan);

private:
    static Result<Workspace> load(const QSqlDatabase &conn, const QString &id);
    ModelContext m_ctx;
};

enum class WorkspacePlan { Free, Pro, Team };
template <> struct shape::EnumNames<WorkspacePlan>
{
    static constexpr std::array<std::string_view, 3> names{"free", "pro", "team"};
};
// The metrics a plan caps (Workspace::limits).
inline constexpr std::array<std::string_view, 3> kPlanLimitNames{"runs", "artifact_bytes",
                                                                 "compute_seconds"};
// Highest first, as the schema has always listed them (Role's own order is lowest first).
inline constexpr std::array<std::string_view, 4> kRoleNamesHighestFirst{"owner", "admin", "member",
                                                                        "viewer"};

inline constexpr auto kWorkspaceFields = std::tuple{
    shape::field("id", &Workspace::id, shape::uuid()),
    shape::field("name", &Workspace::name, shape::text(1, WorkspaceService::kMaxNameLength)),
    shape::field("owner_id", &Workspace::ownerId, shape::uuid()),
    shape::field("plan", &Workspace::plan, shape::oneOf<WorkspacePlan>()),
    shape::field("limits", &Workspace::limits, shape::counts(kPlanLimitNames)),
    shape::field("role", &Workspace::role, shape::oneOf(kRoleNamesHighestFirst).omittable()),
    shape::field("created_at", &Workspace::createdAt, shape::instant()),
};

// Trimmed name of 1..max characters without control characters, or a validation error.
Result<QString> validName(const QString &field, const QString &name, int max);

} // namespace wfx
