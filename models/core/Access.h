// SPDX-License-Identifier: Apache-2.0
// Permission checks shared by every service. Existence outside the caller's
// workspaces is never revealed: those answer not_found, never forbidden.
#pragma once

#include "models/core/Context.h"
#include "models/core/Result.h"
#include "models/db/Tx.h"

#include <QSqlDatabase>

#include <functional>
#include <optional>

namespace wfx::access {

// The actor's role in the workspace, or not_found if it is not a member (or
// its API key is scoped to another workspace). forbidden if below `minimum`.
Result<Role> requireRole(const QSqlDatabase &conn, const Actor &actor, const QString &workspaceId,
                         Role minimum, const QString &what = QStringLiteral("Workspace"));
// forbidden while the user has restricted processing of their data (DSAR).
Status requireWritable(const QSqlDatabase &conn, const Actor &actor);
// The same two checks with the stored facts supplied by the caller (a batch
// that has read them already in its transaction): the member's role name
// (nullopt: not a member), whether the user is restricted (nullopt: no such user).
Result<Role> requireRole(const Actor &actor, const QString &workspaceId, Role minimum,
                         const QString &what,
                         const std::function<Result<std::optional<QString>>()> &storedRole);
Status requireWritable(const Actor &actor,
                       const std::function<Result<std::optional<bool>>()> &storedRestricted);
// A write's two checks, in this order: requireRole, then requireWritable.
Result<Role> requireWrite(const QSqlDatabase &conn, const Actor &actor, const QString &workspaceId,
                          Role minimum, const QString &what = QStringLiteral("Workspace"));
// A write in a workspace: the transaction begun on ctx's store, then
// requireWrite's checks inside it.
Result<Tx> beginWrite(const ModelContext &ctx, const Actor &actor, const QString &workspaceId,
                      Role minimum, const QString &what = QStringLiteral("Workspace"));
// A write to what hangs off one row of `table` (a run's claims, shares or
// museum entry): the transaction begun on ctx's store, the row's workspace_id
// read in it (not_found `what` without the row), then requireWrite's checks in
// that workspace. The transaction with the workspace id.
Result<Opened<QString>> beginWriteUnder(const ModelContext &ctx, const Actor &actor,
                                        const QString &table, const QString &id, Role minimum,
                                        const QString &what);
// Whether the API key scope (if any) admits this workspace.
bool scopeAdmits(const Actor &actor, const QString &workspaceId);

} // namespace wfx::access
