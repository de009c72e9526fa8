// SPDX-License-Identifier: Apache-2.0
#include "runs/StagingService.h"

#include "audit/AuditService.h"
#include "core/Access.h"
#include "core/Clock.h"
#include "core/Cursor.h"
#include "core/Ids.h"
#include "crypto/Crypto.h"
#include "crypto/Jcs.h"
#include "db/Database.h"
#include "db/Tx.h"

#include <QJsonArray>

#include <algorithm>

namespace wfx {

const QString StagingService::kFixturePrefix = QStringLiteral("e2e-");

namespace {

QString S(const char *s)
{
    return QString::fromLatin1(s);
}

const QString kProject = QStringLiteral("Project");
const QString kPurgeAction = QStringLiteral("staging.e2e_purge");
const QString kRunDelete = QStringLiteral("run.delete");

Result<QString> projectWorkspace(const QSqlDatabase &conn, const QString &projectId)
{
    if (!ids::isUuid(projectId))
        return Error::notFound(kProject);
    Query q(conn, S("SELECT workspace_id FROM projects WHERE id = :id"));
    q.bind(S(":id"), projectId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kProject);
    return q.str(0);
}

QJsonValue orNull(const QString &s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

} // namespace

QJsonObject PurgedRun::toJson() const
{
    return {{S("id"), id},
            {S("client_run_id"), clientRunId},
            {S("name"), name},
            {S("artifacts"), double(artifacts)}};
}

QJsonObject StagingPurge::toJson() const
{
    QJsonArray list;
    for (const PurgedRun &r : runs)
        list.append(r.toJson());
    return {{S("project_id"), projectId},
            {S("workspace_id"), workspaceId},
            {S("purged_at"), ids::formatTime(purgedAt)},
            {S("runs"), list},
            {S("artifacts"), double(artifacts)},
            {S("more"), more}};
}

QJsonObject RetentionProof::toJson() const
{
    QJsonObject o = statement;
    o.insert(S("signature"),
             QJsonObject{{S("alg"), S("ed25519")},
                         {S("public_key"), publicKey},
                         {S("sig"), sig},
                         {S("covers"), S("RFC 8785 form of this object without signature")}});
    return o;
}

Result<StagingPurge> StagingService::purgeE2eTree(const Actor &actor, const QString &projectId)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    auto ws = projectWorkspace(tx.conn(), projectId);
    if (!ws)
        return ws.error();
    if (auto r = access::requireRole(tx.conn(), actor, *ws, Role::Member, kProject); !r)
        return r.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();

    StagingPurge purge;
    purge.projectId = projectId;
    purge.workspaceId = *ws;
    purge.purgedAt = m_ctx.clock->nowMs();
    {
        // substr, not LIKE: the prefix holds no wildcard, and a client_run_id's
        // own '%' or '_' must not widen the match.
        Query q = tx.query(
            S("SELECT r.id, r.client_run_id, r.name, "
              "(SELECT COUNT(*) FROM artifacts a WHERE a.run_id = r.id) "
              "FROM runs r WHERE r.project_id = :p AND substr(r.client_run_id, 1, 4) = :prefix "
              "ORDER BY r.created_at, r.id LIMIT :lim"));
        static_assert(sizeof("e2e-") == 5, "the statement compares 4 characters");
        q.bind(S(":p"), projectId)
            .bind(S(":prefix"), kFixturePrefix)
            .bind(S(":lim"), kMaxPurge + 1);
        if (!q.exec())
            return q.error();
        while (q.next()) {
            if (purge.runs.size() == kMaxPurge) {
                purge.more = true;
                break;
            }
            purge.runs.append({q.str(0), q.str(1), q.str(2), q.i64(3)});
        }
    }
    if (purge.runs.isEmpty())
        return purge; // nothing to delete: nothing written

    QJsonArray detailRuns;
    for (const PurgedRun &r : purge.runs) {
        Query d = tx.query(S("DELETE FROM runs WHERE id = :id"));
        d.bind(S(":id"), r.id);
        if (!d.exec())
            return d.error();
        purge.artifacts += r.artifacts;
        detailRuns.append(
            QJsonObject{{S("id"), r.id}, {S("client_run_id"), r.clientRunId}, {S("name"), r.name}});
        tx.announce(S("run"), r.id);
    }
    if (auto a = AuditService::append(
            tx, purge.purgedAt, actor, kPurgeAction, *ws, S("project"), projectId,
            {{S("runs"), detailRuns}, {S("artifacts"), double(purge.artifacts)}});
        !a)
        return a.error();
    if (auto c = tx.commit(); !c)
        return c.error();
    return purge;
}

Result<RetentionProof> StagingService::retentionProof(const Actor &actor, const QString &projectId)
{
    const auto publicKey = crypto::ed25519PublicFromPrivate(m_seed);
    QString workspaceId;
    {
        const QSqlDatabase conn = m_ctx.db->connection();
        auto ws = projectWorkspace(conn, projectId);
        if (!ws)
            return ws.error();
        if (auto r = access::requireRole(conn, actor, *ws, Role::Member, kProject); !r)
            return r.error();
        workspaceId = *ws;
    }
    if (m_seed.size() != 32 || !publicKey)
        return Error{ErrorCode::Unavailable, S("The instance has no signing key.")};

    // The caller's access is established: the workspace's purge and delete
    // entries are read as the system (a Member may not list the audit log).
    AuditService audit(m_ctx);
    QList<QJsonObject> purged;
    bool truncated = false;
    for (const QString &action : {kPurgeAction, kRunDelete}) {
        AuditFilter filter;
        filter.workspaceId = workspaceId;
        filter.action = action;
        if (action == kPurgeAction) {
            filter.targetType = S("project");
            filter.targetId = projectId;
        }
        QString next;
        do {
            auto page = audit.list(Actor::system(), filter, cursor::kMaxLimit, next);
            if (!page)
                return page.error();
            for (const AuditEntry &e : page->items) {
                auto add = [&](const QString &id, const QString &clientRunId, const QString &name) {
                    if (purged.size() >= kMaxProofItems) {
                        truncated = true;
                        return;
                    }
                    purged.append(QJsonObject{{S("target_type"), S("run")},
                                              {S("id"), id},
                                              {S("client_run_id"), orNull(clientRunId)},
                                              {S("name"), orNull(name)},
                                              {S("purged_at"), ids::formatTime(e.at)},
                                              {S("action"), e.action},
                                              {S("audit_entry_id"), e.id},
                                              {S("audit_hash"), e.hash}});
                };
                if (action == kPurgeAction) {
                    for (const auto &v : e.detail.value(S("runs")).toArray()) {
                        const QJsonObject r = v.toObject();
                        add(r.value(S("id")).toString(), r.value(S("client_run_id")).toString(),
                            r.value(S("name")).toString());
                    }
                } else if (e.detail.value(S("project_id")).toString() == projectId) {
                    add(e.targetId, QString(), e.detail.value(S("name")).toString());
                }
            }
            next = truncated ? QString() : page->nextCursor;
        } while (!next.isEmpty());
    }

    // Newest first across both kinds of entry (RFC 3339 UTC strings sort as times).
    std::stable_sort(purged.begin(), purged.end(), [](const QJsonObject &a, const QJsonObject &b) {
        return a.value(QStringLiteral("purged_at")).toString() >
               b.value(QStringLiteral("purged_at")).toString();
    });
    QJsonArray items;
    for (const QJsonObject &o : purged)
        items.append(o);
    RetentionProof proof;
    proof.statement = QJsonObject{{S("project_id"), projectId},
                                  {S("workspace_id"), workspaceId},
                                  {S("generated_at"), ids::formatTime(m_ctx.clock->nowMs())},
                                  {S("purged"), items},
                                  {S("truncated"), truncated}};
    proof.publicKey = QString::fromLatin1(publicKey->toBase64());
    const QByteArray sig = crypto::ed25519Sign(m_seed, jcs::canonicalize(proof.statement));
    if (sig.size() != 64)
        return Error::internal(S("Signing the retention proof failed."));
    proof.sig = QString::fromLatin1(sig.toBase64());
    return proof;
}

} // namespace wfx
