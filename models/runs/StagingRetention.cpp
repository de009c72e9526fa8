// SPDX-License-Identifier: Apache-2.0
#include "runs/StagingRetention.h"

#include "core/Access.h"
#include "core/Clock.h"
#include "core/Ids.h"
#include "crypto/Crypto.h"
#include "crypto/Jcs.h"
#include "db/Database.h"
#include "db/Tx.h"

namespace wfx {

namespace {
QString S(const char *s)
{
    return QString::fromLatin1(s);
}
const QString kProject = QStringLiteral("Project");
} // namespace

Result<QJsonObject> StagingRetention::proof(const Actor &actor, const QString &projectId)
{
    if (!ids::isUuid(projectId))
        return Error::notFound(kProject);
    QSqlDatabase conn = m_ctx.db->connection();
    QString workspaceId;
    {
        Query q(conn, S("SELECT workspace_id FROM projects WHERE id = :id"));
        q.bind(S(":id"), projectId);
        if (!q.exec())
            return q.error();
        if (!q.next())
            return Error::notFound(kProject);
        workspaceId = q.str(0);
    }
    if (auto r = access::requireRole(conn, actor, workspaceId, Role::Viewer, kProject); !r)
        return r.error();

    QJsonObject figures{{S("project_id"), projectId}, {S("workspace_id"), workspaceId}};
    {
        Query q(conn,
                S("SELECT COUNT(*), COALESCE(SUM(metric_count), 0), COALESCE(SUM(log_bytes), 0), "
                  "MIN(created_at), MAX(created_at) FROM runs WHERE project_id = :p"));
        q.bind(S(":p"), projectId);
        if (!q.exec() || !q.next())
            return q.error();
        const auto time = [&q](int i) {
            return q.isNull(i) ? QJsonValue() : QJsonValue(ids::formatTime(q.i64(i)));
        };
        figures.insert(S("runs"), double(q.i64(0)));
        figures.insert(S("metric_points"), double(q.i64(1)));
        figures.insert(S("log_bytes"), double(q.i64(2)));
        figures.insert(S("oldest_run_at"), time(3));
        figures.insert(S("newest_run_at"), time(4));
    }
    {
        Query q(conn, S("SELECT COUNT(*), COALESCE(SUM(a.size_bytes), 0) FROM artifacts a JOIN "
                        "runs r ON r.id = a.run_id "
                        "WHERE r.project_id = :p AND a.state IN ('pending', 'committed')"));
        q.bind(S(":p"), projectId);
        if (!q.exec() || !q.next())
            return q.error();
        figures.insert(S("artifacts"), double(q.i64(0)));
        figures.insert(S("artifact_bytes"), double(q.i64(1)));
    }
    {
        const qint64 now = m_ctx.clock->nowMs();
        Query q(conn,
                S("SELECT COUNT(*) FROM shares s JOIN runs r ON r.id = s.run_id WHERE r.project_id "
                  "= :p "
                  "AND s.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > :now)"));
        q.bind(S(":p"), projectId).bind(S(":now"), now);
        if (!q.exec() || !q.next())
            return q.error();
        figures.insert(S("active_shares"), double(q.i64(0)));
        figures.insert(S("checked_at"), ids::formatTime(now));
    }
    figures.insert(S("digest"), crypto::sha256Hex(jcs::canonicalize(figures)));
    return figures;
}

} // namespace wfx
