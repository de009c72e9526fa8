// SPDX-License-Identifier: Apache-2.0
#include "models/runs/StagingService.h"

#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Cursor.h"
#include "models/core/Ids.h"
#include "models/crypto/Crypto.h"
#include "models/crypto/Jcs.h"
#include "models/db/Database.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"

#include <QJsonArray>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace wfx {

const QString StagingService::kFixturePrefix = QStringLiteral("e2e-");

namespace {

const QString kProject = QStringLiteral("Project");
const QString kPurgeAction = QStringLiteral("staging.e2e_purge");
const QString kRunDelete = QStringLiteral("run.delete");

Result<QString> projectWorkspace(const QSqlDatabase &conn, const QString &projectId)
{
    if (!ids::isUuid(projectId))
        return Error::notFound(kProject);
    return row::workspaceOf(conn, u"projects"_s, projectId, kProject);
}

QJsonValue orNull(const QString &s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

} // namespace

QJsonObject PurgedRun::toJson() const
{
    return {{u"id"_s, id},
            {u"client_run_id"_s, clientRunId},
            {u"name"_s, name},
            {u"artifacts"_s, double(artifacts)}};
}

QJsonObject StagingPurge::toJson() const
{
    QJsonArray list;
    for (const PurgedRun &r : runs)
        list.append(r.toJson());
    return {{u"project_id"_s, projectId},
            {u"workspace_id"_s, workspaceId},
            {u"purged_at"_s, ids::formatTime(purgedAt)},
            {u"runs"_s, list},
            {u"artifacts"_s, double(artifacts)},
            {u"more"_s, more}};
}

QJsonObject RetentionProof::toJson() const
{
    QJsonObject o = statement;
    o.insert(u"signature"_s,
             QJsonObject{{u"alg"_s, u"ed25519"_s},
                         {u"public_key"_s, publicKey},
                         {u"sig"_s, sig},
                         {u"covers"_s, u"RFC 8785 form of this object without signature"_s}});
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
    if (auto r = access::requireWrite(tx.conn(), actor, *ws, Role::Member, kProject); !r)
        return r.error();

    StagingPurge purge;
    purge.projectId = projectId;
    purge.workspaceId = *ws;
    purge.purgedAt = m_ctx.clock->nowMs();
    {
        // substr, not LIKE: the prefix holds no wildcard, and a client_run_id's
        // own '%' or '_' must not widen the match.
        Query q = tx.query(
            u"SELECT r.id, r.client_run_id, r.name, "
            "(SELECT COUNT(*) FROM artifacts a WHERE a.run_id = r.id) "
            "FROM runs r WHERE r.project_id = :p AND substr(r.client_run_id, 1, 4) = :prefix "
            "ORDER BY r.created_at, r.id LIMIT :lim"_s);
        static_assert(sizeof("e2e-") == 5, "the statement compares 4 characters");
        q.bind(u":p"_s, projectId)
            .bind(u":prefix"_s, kFixturePrefix)
            .bind(u":lim"_s, kMaxPurge + 1);
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
        if (auto e = row::exec(tx.conn(), u"DELETE FROM runs WHERE id = :id"_s, {{u":id"_s, r.id}});
            !e)
            return e.error();
        purge.artifacts += r.artifacts;
        detailRuns.append(
            QJsonObject{{u"id"_s, r.id}, {u"client_run_id"_s, r.clientRunId}, {u"name"_s, r.name}});
        tx.announce(u"run"_s, r.id);
    }
    if (auto a = AuditService::append(
            tx, purge.purgedAt, actor, kPurgeAction, *ws, u"project"_s, projectId,
            {{u"runs"_s, detailRuns}, {u"artifacts"_s, double(purge.artifacts)}});
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
        return Error{ErrorCode::Unavailable, u"The instance has no signing key."_s};

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
            filter.targetType = u"project"_s;
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
                    purged.append(QJsonObject{{u"target_type"_s, u"run"_s},
                                              {u"id"_s, id},
                                              {u"client_run_id"_s, orNull(clientRunId)},
                                              {u"name"_s, orNull(name)},
                                              {u"purged_at"_s, ids::formatTime(e.at)},
                                              {u"action"_s, e.action},
                                              {u"audit_entry_id"_s, e.id},
                                              {u"audit_hash"_s, e.hash}});
                };
                if (action == kPurgeAction) {
                    for (const auto &v : e.detail.value(u"runs"_s).toArray()) {
                        const QJsonObject r = v.toObject();
                        add(r.value(u"id"_s).toString(), r.value(u"client_run_id"_s).toString(),
                            r.value(u"name"_s).toString());
                    }
                } else if (e.detail.value(u"project_id"_s).toString() == projectId) {
                    add(e.targetId, QString(), e.detail.value(u"name"_s).toString());
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
    proof.statement = QJsonObject{{u"project_id"_s, projectId},
                                  {u"workspace_id"_s, workspaceId},
                                  {u"generated_at"_s, ids::formatTime(m_ctx.clock->nowMs())},
                                  {u"purged"_s, items},
                                  {u"truncated"_s, truncated}};
    proof.publicKey = QString::fromLatin1(publicKey->toBase64());
    const QByteArray sig = crypto::ed25519Sign(m_seed, jcs::canonicalize(proof.statement));
    if (sig.size() != 64)
        return Error::internal(u"Signing the retention proof failed."_s);
    proof.sig = QString::fromLatin1(sig.toBase64());
    return proof;
}

} // namespace wfx
