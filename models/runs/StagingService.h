// SPDX-License-Identifier: Apache-2.0
// Staging-only housekeeping: removing a project's end-to-end test fixtures and
// proving, with the instance key, what was purged. The server exposes these
// only when the instance runs in staging mode.
#pragma once

#include "models/core/Context.h"
#include "models/core/Result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace wfx {

struct PurgedRun
{
    QString id, clientRunId, name;
    qint64 artifacts = 0;
    QJsonObject toJson() const; // {id, client_run_id, name, artifacts}
};

struct StagingPurge
{
    QString projectId, workspaceId;
    qint64 purgedAt = 0;
    QList<PurgedRun> runs;
    qint64 artifacts = 0;
    bool more = false; // fixtures beyond kMaxPurge remain: call again
    // {project_id, workspace_id, purged_at, runs: [...], artifacts, more}
    QJsonObject toJson() const;
};

struct RetentionProof
{
    // {project_id, workspace_id, generated_at, purged: [{target_type, id,
    //  client_run_id|null, name|null, purged_at, action, audit_entry_id,
    //  audit_hash}], truncated}
    QJsonObject statement;
    QString publicKey, sig; // standard base64; sig covers RFC 8785 of statement
    // statement + {signature: {alg, public_key, sig, covers}}
    QJsonObject toJson() const;
};

class StagingService
{
public:
    static const QString kFixturePrefix;  // "e2e-": client_run_id of e2e fixture runs
    static constexpr int kMaxPurge = 500; // runs per call
    static constexpr int kMaxProofItems = 1000;

    StagingService(ModelContext ctx, QByteArray signingSeed)
        : m_ctx(std::move(ctx)), m_seed(std::move(signingSeed))
    {
    }

    // Member role. Deletes the project's runs whose client_run_id starts with
    // kFixturePrefix (their metrics, logs, signatures and artifacts go with
    // them) and writes one staging.e2e_purge audit entry; nothing to delete
    // writes nothing.
    Result<StagingPurge> purgeE2eTree(const Actor &actor, const QString &projectId);
    // Member role. The runs of the project purged so far (staging purges and
    // single run deletions, from the audit log, newest first, at most
    // kMaxProofItems), signed with the instance key.
    Result<RetentionProof> retentionProof(const Actor &actor, const QString &projectId);

private:
    ModelContext m_ctx;
    QByteArray m_seed;
};

} // namespace wfx
