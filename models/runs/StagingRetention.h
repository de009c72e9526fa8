// SPDX-License-Identifier: Apache-2.0
// Staging only: a retention proof for one project, i.e. what the store still
// holds under it (runs, metric points, log bytes, live artifacts, active shares)
// with a SHA-256 digest over the RFC 8785 form of those figures, so a staging
// E2E run can show that a deleted tree left nothing behind. A read: no audit
// entry. Whether staging mode is on is the caller's (the server's) decision.
#pragma once

#include "core/Context.h"
#include "core/Result.h"

#include <QJsonObject>

namespace wfx {

class StagingRetention
{
public:
    explicit StagingRetention(ModelContext ctx) : m_ctx(std::move(ctx)) {}

    // Viewer in the project's workspace; not_found otherwise.
    // {project_id, workspace_id, runs, metric_points, log_bytes, artifacts,
    //  artifact_bytes, active_shares, oldest_run_at|null, newest_run_at|null,
    //  checked_at, digest}
    Result<QJsonObject> proof(const Actor &actor, const QString &projectId);

private:
    ModelContext m_ctx;
};

} // namespace wfx
