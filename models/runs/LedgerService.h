// SPDX-License-Identifier: Apache-2.0
// The sync ledger: one head per workspace, moved only by compare-and-swap so
// that clients racing from the same head cannot overwrite each other.
#pragma once

#include "models/core/Context.h"
#include "models/core/Result.h"

#include <QJsonObject>

namespace wfx {

struct LedgerHead
{
    QString workspaceId;
    QString head;       // empty: no head yet
    qint64 version = 0; // number of successful advances
    qint64 updatedAt = 0;
    // {workspace_id, head|null, version, updated_at|null}
    QJsonObject toJson() const;
};

class LedgerService
{
public:
    explicit LedgerService(ModelContext ctx) : m_ctx(std::move(ctx)) {}

    static constexpr int kMaxHeadLength = 200;

    // Viewer role.
    Result<LedgerHead> head(const Actor &actor, const QString &workspaceId);
    // Member role. Moves the head from expectedHead (empty: the workspace has
    // none yet) to newHead in one conditional statement. A stale expectedHead
    // is a conflict whose Error::extra is {"current": {"head", "version"}}.
    Result<LedgerHead> advance(const Actor &actor, const QString &workspaceId,
                               const QString &expectedHead, const QString &newHead);

private:
    ModelContext m_ctx;
};

} // namespace wfx
