// SPDX-License-Identifier: Apache-2.0
#include "dsar/DsarService.h"

#include "audit/AuditService.h"
#include "core/Clock.h"
#include "core/Ids.h"
#include "core/Keyset.h"
#include "db/Database.h"
#include "db/Tx.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcDsar, "wfx.models.dsar", QtInfoMsg)

namespace wfx {

namespace {
QString S(const char *s) { return QString::fromLatin1(s); }

QJsonValue timeOrNull(const Query &q, int i)
{
    return q.isNull(i) ? QJsonValue(QJsonValue::Null) : QJsonValue(ids::formatTime(q.i64(i)));
}
QJsonValue strOrNull(const Query &q, int i)
{
    return q.isNull(i) || q.str(i).isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(q.str(i));
}

// DSAR calls act on the caller's own account: a person, not the system, and
// not a key confined to one workspace.
Status requirePerson(const Actor &actor)
{
    if (!actor.isUser())
        return Error::forbidden(S("Requests about personal data are made by the person."));
    if (!actor.keyWorkspaceId.isEmpty())
        return Error::forbidden(S("A workspace-scoped key cannot act on your account."));
    return Ok{};
}

// Locks the account row (PostgreSQL) and checks it still exists.
Status lockUser(Tx &tx, const QString &userId)
{
    if (!tx.lockRow(S("users"), userId))
        return Error::internal();
    Query q = tx.query(S("SELECT 1 FROM users WHERE id = :u"));
    q.bind(S(":u"), userId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error{ErrorCode::LoginRequired, S("Please log in again.")};
    return Ok{};
}

const QString kReqCols = QStringLiteral("id, user_id, kind, state, detail, created_at, due_at, scheduled_for, completed_at");

DsarRequest readRequest(const Query &q)
{
    DsarRequest r;
    r.id = q.str(0);
    r.userId = q.str(1);
    r.kind = q.str(2);
    r.state = q.str(3);
    r.detail = QJsonDocument::fromJson(q.str(4).toUtf8()).object();
    r.createdAt = q.i64(5);
    r.dueAt = q.i64(6);
    r.scheduledFor = q.isNull(7) ? 0 : q.i64(7);
    r.completedAt = q.isNull(8) ? 0 : q.i64(8);
    return r;
}

Status insertRequest(Tx &tx, const DsarRequest &r)
{
    Query ins = tx.query(S("INSERT INTO dsar_requests (id, user_id, kind, state, detail, created_at, due_at, "
                           "scheduled_for, completed_at) VALUES (:id, :u, :k, :s, :d, :c, :due, :sf, :done)"));
    ins.bind(S(":id"), r.id).bind(S(":u"), r.userId).bind(S(":k"), r.kind).bind(S(":s"), r.state)
        .bind(S(":d"), QString::fromUtf8(QJsonDocument(r.detail).toJson(QJsonDocument::Compact)))
        .bind(S(":c"), r.createdAt).bind(S(":due"), r.dueAt)
        .bind(S(":sf"), r.scheduledFor ? QVariant(r.scheduledFor) : QVariant())
        .bind(S(":done"), r.completedAt ? QVariant(r.completedAt) : QVariant());
    return ins.exec() ? Status(Ok{}) : Status(ins.error());
}

// Reads `select ... WHERE filter` ordered by one unique text key, page by page,
// so a long history is read in bounded statements. `row` turns a row into JSON
// and returns its key.
template<typename RowFn>
Result<QJsonArray> readAll(const QSqlDatabase &conn, const QString &selectWhere, const QString &key,
                           const QString &userId, RowFn row)
{
    QJsonArray out;
    QString after;
    bool first = true;
    for (;;) {
        const QString sql = selectWhere + (first ? QString() : QString(S(" AND ") + key + S(" > :after")))
            + S(" ORDER BY ") + key + S(" LIMIT :lim");
        Query q(conn, sql);
        q.bind(S(":u"), userId).bind(S(":lim"), DsarService::kExportBatch);
        if (!first)
            q.bind(S(":after"), after);
        if (!q.exec())
            return q.error();
        int n = 0;
        while (q.next()) {
            ++n;
            after = row(q, out);
        }
        if (n < DsarService::kExportBatch)
            return out;
        first = false;
    }
}
} // namespace

const QStringList &DsarService::purposes()
{
    static const QStringList p{S("analytics"), S("marketing"), S("research")};
    return p;
}

QJsonObject DsarRequest::toJson() const
{
    auto t = [](qint64 v) { return v ? QJsonValue(ids::formatTime(v)) : QJsonValue(QJsonValue::Null); };
    return {{S("id"), id},           {S("user_id"), userId},           {S("kind"), kind},
            {S("state"), state},     {S("detail"), detail},            {S("created_at"), ids::formatTime(createdAt)},
            {S("due_at"), t(dueAt)}, {S("scheduled_for"), t(scheduledFor)}, {S("completed_at"), t(completedAt)}};
}

QJsonObject DeletionStatus::toJson() const
{
    QJsonObject o{{S("state"), state}};
    if (scheduledFor)
        o.insert(S("scheduled_for"), ids::formatTime(scheduledFor));
    return o;
}

QJsonObject Objection::toJson() const
{
    return {{S("purpose"), purpose}, {S("objected"), objected}, {S("updated_at"), ids::formatTime(updatedAt)}};
}

Result<QJsonObject> DsarService::exportData(const Actor &actor)
{
    if (auto p = requirePerson(actor); !p)
        return p.error();
    const QString uid = actor.userId;
    const qint64 now = m_ctx.clock->nowMs();
    {
        auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
        if (!began)
            return began.error();
        Tx &tx = *began;
        if (auto l = lockUser(tx, uid); !l)
            return l.error();
        DsarRequest r{ids::newUuid(), uid, S("export"), S("completed"), {}, now, now, 0, now};
        if (auto i = insertRequest(tx, r); !i)
            return i.error();
        if (auto a = AuditService::append(tx, now, actor, S("dsar.export"), QString(), S("user"), uid,
                                          {{S("request_id"), r.id}});
            !a)
            return a.error();
        tx.announce(S("dsar_request"), r.id);
        if (auto c = tx.commit(); !c)
            return c.error();
    }

    QSqlDatabase conn = m_ctx.db->connection();
    QJsonObject out{{S("exported_at"), ids::formatTime(now)}};
    // Columns are named one by one: password, key, token and session hashes
    // never leave the store, not even to their owner.
    {
        Query q(conn, S("SELECT id, email, display_name, created_at, password_changed_at, is_admin, restricted "
                        "FROM users WHERE id = :u"));
        q.bind(S(":u"), uid);
        if (!q.exec())
            return q.error();
        if (!q.next())
            return Error{ErrorCode::LoginRequired, S("Please log in again.")};
        out.insert(S("user"), QJsonObject{{S("id"), q.str(0)},
                                          {S("email"), q.str(1)},
                                          {S("display_name"), q.str(2)},
                                          {S("created_at"), ids::formatTime(q.i64(3))},
                                          {S("password_changed_at"), ids::formatTime(q.i64(4))},
                                          {S("is_admin"), q.i64(5) != 0},
                                          {S("restricted"), q.i64(6) != 0}});
    }
    auto workspaces = readAll(conn, S("SELECT w.id, w.name, w.plan, m.role, m.created_at, w.created_at, w.owner_id "
                                      "FROM memberships m JOIN workspaces w ON w.id = m.workspace_id "
                                      "WHERE m.user_id = :u"), S("w.id"),
                              uid, [&](const Query &q, QJsonArray &a) {
                                  a.append(QJsonObject{{S("id"), q.str(0)}, {S("name"), q.str(1)},
                                                       {S("plan"), q.str(2)}, {S("role"), q.str(3)},
                                                       {S("joined_at"), ids::formatTime(q.i64(4))},
                                                       {S("created_at"), ids::formatTime(q.i64(5))},
                                                       {S("owner"), q.str(6) == uid}});
                                  return q.str(0);
                              });
    if (!workspaces)
        return workspaces.error();
    out.insert(S("workspaces"), *workspaces);

    auto keys = readAll(conn, S("SELECT id, name, prefix, workspace_id, created_at, last_used_at, revoked_at "
                                "FROM api_keys WHERE user_id = :u"), S("id"),
                        uid, [](const Query &q, QJsonArray &a) {
                            a.append(QJsonObject{{S("id"), q.str(0)}, {S("name"), q.str(1)}, {S("prefix"), q.str(2)},
                                                 {S("workspace_id"), strOrNull(q, 3)},
                                                 {S("created_at"), ids::formatTime(q.i64(4))},
                                                 {S("last_used_at"), timeOrNull(q, 5)},
                                                 {S("revoked_at"), timeOrNull(q, 6)}});
                            return q.str(0);
                        });
    if (!keys)
        return keys.error();
    out.insert(S("api_keys"), *keys);

    // Sessions are listed without their identifiers (those are credentials);
    // the hash orders the pages and stays here.
    auto sessions = readAll(conn, S("SELECT id_hash, created_at, last_seen_at, expires_at, ip FROM sessions "
                                    "WHERE user_id = :u"), S("id_hash"),
                            uid, [](const Query &q, QJsonArray &a) {
                                a.append(QJsonObject{{S("created_at"), ids::formatTime(q.i64(1))},
                                                     {S("last_seen_at"), ids::formatTime(q.i64(2))},
                                                     {S("expires_at"), ids::formatTime(q.i64(3))},
                                                     {S("ip"), q.str(4)}});
                                return q.str(0);
                            });
    if (!sessions)
        return sessions.error();
    out.insert(S("sessions"), *sessions);

    auto shares = readAll(conn, S("SELECT id, workspace_id, run_id, artifact_id, password_hash IS NOT NULL, expires_at, "
                                  "revoked_at, created_at FROM shares WHERE created_by = :u"), S("id"),
                          uid, [](const Query &q, QJsonArray &a) {
                              a.append(QJsonObject{{S("id"), q.str(0)}, {S("workspace_id"), q.str(1)},
                                                   {S("run_id"), q.str(2)}, {S("artifact_id"), strOrNull(q, 3)},
                                                   {S("has_password"), q.value(4).toBool()},
                                                   {S("expires_at"), timeOrNull(q, 5)},
                                                   {S("revoked_at"), timeOrNull(q, 6)},
                                                   {S("created_at"), ids::formatTime(q.i64(7))}});
                              return q.str(0);
                          });
    if (!shares)
        return shares.error();
    out.insert(S("shares"), *shares);

    auto runs = readAll(conn, S("SELECT id, workspace_id, project_id, name, status, created_at FROM runs "
                                "WHERE created_by = :u"), S("id"),
                        uid, [](const Query &q, QJsonArray &a) {
                            a.append(QJsonObject{{S("id"), q.str(0)}, {S("workspace_id"), q.str(1)},
                                                 {S("project_id"), q.str(2)}, {S("name"), q.str(3)},
                                                 {S("status"), q.str(4)}, {S("created_at"), ids::formatTime(q.i64(5))}});
                            return q.str(0);
                        });
    if (!runs)
        return runs.error();
    out.insert(S("runs"), *runs);

    auto objs = objections(actor);
    if (!objs)
        return objs.error();
    QJsonArray objArr;
    for (const auto &o : std::as_const(*objs))
        objArr.append(o.toJson());
    out.insert(S("objections"), objArr);

    auto requests = readAll(conn, S("SELECT ") + kReqCols + S(" FROM dsar_requests WHERE user_id = :u"), S("id"),
                            uid, [](const Query &q, QJsonArray &a) {
                                a.append(readRequest(q).toJson());
                                return q.str(0);
                            });
    if (!requests)
        return requests.error();
    out.insert(S("dsar_requests"), *requests);

    // Every audit entry the caller made, oldest first, in bounded pages.
    QJsonArray audit;
    qint64 afterSeq = 0;
    for (;;) {
        Query q(conn, S("SELECT seq, id, at, actor_id, workspace_id, action, target_type, target_id, ip, detail "
                        "FROM audit_log WHERE actor_id = :u AND seq > :after ORDER BY seq LIMIT :lim"));
        q.bind(S(":u"), uid).bind(S(":after"), afterSeq).bind(S(":lim"), kExportBatch);
        if (!q.exec())
            return q.error();
        int n = 0;
        while (q.next()) {
            ++n;
            afterSeq = q.i64(0);
            audit.append(QJsonObject{{S("id"), q.str(1)},
                                     {S("at"), ids::formatTime(q.i64(2))},
                                     {S("actor_id"), q.str(3)},
                                     {S("workspace_id"), strOrNull(q, 4)},
                                     {S("action"), q.str(5)},
                                     {S("target_type"), q.str(6)},
                                     {S("target_id"), strOrNull(q, 7)},
                                     {S("ip"), strOrNull(q, 8)},
                                     {S("detail"), QJsonDocument::fromJson(q.str(9).toUtf8()).object()}});
        }
        if (n < kExportBatch)
            break;
    }
    out.insert(S("audit"), audit);
    return out;
}

Result<DeletionStatus> DsarService::requestDeletion(const Actor &actor)
{
    if (auto p = requirePerson(actor); !p)
        return p.error();
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto l = lockUser(tx, actor.userId); !l)
        return l.error();
    Query cur = tx.query(S("SELECT id, scheduled_for FROM dsar_requests WHERE user_id = :u AND kind = 'deletion' "
                           "AND state = 'scheduled'"));
    cur.bind(S(":u"), actor.userId);
    if (!cur.exec())
        return cur.error();
    if (cur.next())
        return DeletionStatus{S("scheduled"), cur.i64(1), cur.str(0)}; // already scheduled: unchanged
    cur.raw().finish();
    const qint64 now = m_ctx.clock->nowMs();
    DsarRequest r{ids::newUuid(), actor.userId, S("deletion"), S("scheduled"), {}, now, now + m_graceMs,
                  now + m_graceMs, 0};
    if (auto i = insertRequest(tx, r); !i)
        return i.error();
    if (auto a = AuditService::append(tx, now, actor, S("dsar.delete_request"), QString(), S("user"), actor.userId,
                                      {{S("request_id"), r.id}, {S("scheduled_for"), ids::formatTime(r.scheduledFor)}});
        !a)
        return a.error();
    tx.announce(S("dsar_request"), r.id);
    if (auto c = tx.commit(); !c)
        return c.error();
    return DeletionStatus{S("scheduled"), r.scheduledFor, r.id};
}

Result<DeletionStatus> DsarService::cancelDeletion(const Actor &actor)
{
    if (auto p = requirePerson(actor); !p)
        return p.error();
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto l = lockUser(tx, actor.userId); !l)
        return l.error();
    Query cur = tx.query(S("SELECT id FROM dsar_requests WHERE user_id = :u AND kind = 'deletion' AND state = 'scheduled'"));
    cur.bind(S(":u"), actor.userId);
    if (!cur.exec())
        return cur.error();
    if (!cur.next())
        return Error::conflict(S("No deletion is scheduled."));
    const QString id = cur.str(0);
    cur.raw().finish();
    const qint64 now = m_ctx.clock->nowMs();
    Query u = tx.query(S("UPDATE dsar_requests SET state = 'cancelled', completed_at = :t WHERE id = :id"));
    u.bind(S(":t"), now).bind(S(":id"), id);
    if (!u.exec())
        return u.error();
    if (auto a = AuditService::append(tx, now, actor, S("dsar.delete_cancel"), QString(), S("user"), actor.userId,
                                      {{S("request_id"), id}});
        !a)
        return a.error();
    tx.announce(S("dsar_request"), id);
    if (auto c = tx.commit(); !c)
        return c.error();
    return DeletionStatus{S("cancelled"), 0, id};
}

Result<DeletionStatus> DsarService::deletionStatus(const Actor &actor)
{
    if (auto p = requirePerson(actor); !p)
        return p.error();
    Query q(m_ctx.db->connection(), S("SELECT id, scheduled_for FROM dsar_requests WHERE user_id = :u "
                                      "AND kind = 'deletion' AND state = 'scheduled'"));
    q.bind(S(":u"), actor.userId);
    if (!q.exec())
        return q.error();
    if (q.next())
        return DeletionStatus{S("scheduled"), q.i64(1), q.str(0)};
    return DeletionStatus{S("none"), 0, {}};
}

Result<int> DsarService::executeDueDeletions()
{
    const Actor system = Actor::system();
    int done = 0;
    for (;;) {
        const qint64 now = m_ctx.clock->nowMs();
        QList<std::pair<QString, QString>> due; // request id, user id
        {
            Query q(m_ctx.db->connection(), S("SELECT id, user_id FROM dsar_requests WHERE state = 'scheduled' "
                                              "AND kind = 'deletion' AND scheduled_for <= :now "
                                              "ORDER BY scheduled_for, id LIMIT 50"));
            q.bind(S(":now"), now);
            if (!q.exec())
                return q.error();
            while (q.next())
                due.append({q.str(0), q.str(1)});
        }
        if (due.isEmpty())
            return done;
        for (const auto &[requestId, userId] : std::as_const(due)) {
            // One account per transaction: a failure leaves the others' deletions intact.
            auto executed = executeDeletion(system, requestId, userId, now, false);
            if (!executed)
                return executed.error();
            if (*executed)
                ++done;
        }
    }
}

Result<bool> DsarService::executeDeletion(const Actor &actor, const QString &requestId, const QString &userId,
                                          qint64 now, bool early)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (!tx.lockRow(S("users"), userId))
        return Error::internal();
    Query claim = tx.query(S("UPDATE dsar_requests SET state = 'completed', completed_at = :t "
                             "WHERE id = :id AND state = 'scheduled'"));
    claim.bind(S(":t"), now).bind(S(":id"), requestId);
    if (!claim.exec())
        return claim.error();
    if (claim.rowsAffected() == 0)
        return false; // cancelled or executed meanwhile
    QJsonArray owned;
    {
        Query w = tx.query(S("SELECT id FROM workspaces WHERE owner_id = :u ORDER BY id"));
        w.bind(S(":u"), userId);
        if (!w.exec())
            return w.error();
        while (w.next())
            owned.append(w.str(0));
    }
    // Owned workspaces go with everything in them (cascades); then the
    // account, whose memberships, keys, sessions and objections cascade.
    Query dw = tx.query(S("DELETE FROM workspaces WHERE owner_id = :u"));
    dw.bind(S(":u"), userId);
    Query du = tx.query(S("DELETE FROM users WHERE id = :u"));
    du.bind(S(":u"), userId);
    if (!dw.exec() || !du.exec())
        return Error::internal();
    QJsonObject detail{{S("request_id"), requestId}, {S("workspaces_deleted"), owned}};
    if (early)
        detail.insert(S("early"), true);
    if (auto a = AuditService::append(tx, now, actor, S("dsar.deletion_executed"), QString(), S("user"), userId, detail);
        !a)
        return a.error();
    tx.announce(S("user"), userId);
    for (const QJsonValue &w : std::as_const(owned))
        tx.announce(S("workspace"), w.toString());
    if (auto c = tx.commit(); !c)
        return c.error();
    qCInfo(lcDsar) << "deleted account" << userId << "with" << owned.size() << "owned workspaces";
    return true;
}

Status DsarService::executeDeletionNow(const Actor &actor, const QString &userId)
{
    if (!actor.isSystem() && !actor.instanceAdmin)
        return Error::forbidden(S("Only instance administrators carry out a deletion early."));
    QString requestId;
    {
        Query q(m_ctx.db->connection(), S("SELECT id FROM dsar_requests WHERE user_id = :u AND kind = 'deletion' "
                                          "AND state = 'scheduled'"));
        q.bind(S(":u"), userId);
        if (!q.exec())
            return q.error();
        if (!q.next())
            return Error::conflict(S("No deletion is scheduled for this account."));
        requestId = q.str(0);
    }
    auto executed = executeDeletion(actor, requestId, userId, m_ctx.clock->nowMs(), true);
    if (!executed)
        return executed.error();
    if (!*executed)
        return Error::conflict(S("No deletion is scheduled for this account."));
    return Ok{};
}

Result<bool> DsarService::setRestricted(const Actor &actor, bool restricted)
{
    if (auto p = requirePerson(actor); !p)
        return p.error();
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto l = lockUser(tx, actor.userId); !l)
        return l.error();
    Query cur = tx.query(S("SELECT restricted FROM users WHERE id = :u"));
    cur.bind(S(":u"), actor.userId);
    if (!cur.exec() || !cur.next())
        return cur.error();
    if ((cur.i64(0) != 0) == restricted)
        return restricted; // unchanged, nothing audited
    cur.raw().finish();
    const qint64 now = m_ctx.clock->nowMs();
    Query u = tx.query(S("UPDATE users SET restricted = :r WHERE id = :u"));
    u.bind(S(":r"), restricted ? 1 : 0).bind(S(":u"), actor.userId);
    if (!u.exec())
        return u.error();
    QString requestId;
    if (restricted) {
        DsarRequest r{ids::newUuid(), actor.userId, S("restriction"), S("open"), {}, now, now, 0, 0};
        requestId = r.id;
        if (auto i = insertRequest(tx, r); !i)
            return i.error();
    } else {
        Query lift = tx.query(S("UPDATE dsar_requests SET state = 'lifted', completed_at = :t WHERE user_id = :u "
                                "AND kind = 'restriction' AND state = 'open'"));
        lift.bind(S(":t"), now).bind(S(":u"), actor.userId);
        if (!lift.exec())
            return lift.error();
    }
    QJsonObject detail;
    if (!requestId.isEmpty())
        detail.insert(S("request_id"), requestId);
    if (auto a = AuditService::append(tx, now, actor, restricted ? S("dsar.restrict") : S("dsar.unrestrict"), QString(),
                                      S("user"), actor.userId, detail);
        !a)
        return a.error();
    tx.announce(S("user"), actor.userId);
    if (auto c = tx.commit(); !c)
        return c.error();
    return restricted;
}

Result<Objection> DsarService::object(const Actor &actor, const QString &purpose, bool objected)
{
    if (!purposes().contains(purpose))
        return Error::validation(S("purpose"), purpose.isEmpty() ? S("required") : S("invalid"),
                                 S("purpose must be analytics, marketing or research."));
    if (auto p = requirePerson(actor); !p)
        return p.error();
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto l = lockUser(tx, actor.userId); !l)
        return l.error();
    Query cur = tx.query(S("SELECT objected, updated_at FROM user_objections WHERE user_id = :u AND purpose = :p"));
    cur.bind(S(":u"), actor.userId).bind(S(":p"), purpose);
    if (!cur.exec())
        return cur.error();
    // No row means no objection: withdrawing one that was never made changes nothing.
    const bool had = cur.next();
    const bool was = had && cur.i64(0) != 0;
    if (was == objected)
        return Objection{purpose, objected, had ? cur.i64(1) : 0};
    cur.raw().finish();
    const qint64 now = m_ctx.clock->nowMs();
    Query up = tx.query(S("INSERT INTO user_objections (user_id, purpose, objected, updated_at) VALUES (:u, :p, :o, :t) "
                          "ON CONFLICT (user_id, purpose) DO UPDATE SET objected = excluded.objected, "
                          "updated_at = excluded.updated_at"));
    up.bind(S(":u"), actor.userId).bind(S(":p"), purpose).bind(S(":o"), objected ? 1 : 0).bind(S(":t"), now);
    if (!up.exec())
        return up.error();
    const QJsonObject detail{{S("purpose"), purpose}, {S("objected"), objected}};
    DsarRequest r{ids::newUuid(), actor.userId, S("objection"), S("completed"), detail, now, now, 0, now};
    if (auto i = insertRequest(tx, r); !i)
        return i.error();
    if (auto a = AuditService::append(tx, now, actor, S("dsar.object"), QString(), S("user"), actor.userId, detail); !a)
        return a.error();
    tx.announce(S("user"), actor.userId);
    if (auto c = tx.commit(); !c)
        return c.error();
    return Objection{purpose, objected, now};
}

Result<QList<Objection>> DsarService::objections(const Actor &actor)
{
    if (auto p = requirePerson(actor); !p)
        return p.error();
    Query q(m_ctx.db->connection(), S("SELECT purpose, objected, updated_at FROM user_objections WHERE user_id = :u "
                                      "ORDER BY purpose"));
    q.bind(S(":u"), actor.userId);
    if (!q.exec())
        return q.error();
    QList<Objection> out;
    while (q.next())
        out.append(Objection{q.str(0), q.i64(1) != 0, q.i64(2)});
    return out;
}

Result<Page<DsarRequest>> DsarService::listRequests(const Actor &actor, int limit, const QString &cursorText)
{
    if (!actor.isSystem() && !actor.instanceAdmin)
        return Error::forbidden(S("Only instance administrators see every request."));
    QString sql = S("SELECT ") + kReqCols + S(" FROM dsar_requests WHERE 1=1");
    auto keyset = Keyset::parse(cursorText, S("created_at"), S("id"));
    if (!keyset)
        return keyset.error();
    sql += keyset->sql();
    Query q(m_ctx.db->connection(), sql);
    keyset->bind(q, limit);
    if (!q.exec())
        return q.error();
    Page<DsarRequest> page;
    while (q.next())
        page.items.append(readRequest(q));
    finishPage(page, limit, [](const DsarRequest &x) { return cursor::TimeId{x.createdAt, x.id}; });
    return page;
}

} // namespace wfx
