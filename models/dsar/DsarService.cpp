// SPDX-License-Identifier: Apache-2.0
#include "models/dsar/DsarService.h"

#include "models/audit/AuditService.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/Keyset.h"
#include "models/core/Shape.h"
#include "models/db/Database.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcDsar, "wfx.models.dsar", QtInfoMsg)

namespace wfx {

namespace {

QJsonValue timeOrNull(const Query &q, int i)
{
    return q.isNull(i) ? QJsonValue(QJsonValue::Null) : QJsonValue(ids::formatTime(q.i64(i)));
}
QJsonValue strOrNull(const Query &q, int i)
{
    return q.isNull(i) || q.str(i).isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(q.str(i));
}

// One exported row from its columns in SELECT order, each "key" (text),
// "key:text?", "key:time", "key:time?", "key:bool" or "key:caller" (whether
// it is the caller's id); "-" leaves a column out.
QJsonObject exportRow(const Query &q, const QStringList &columns, const QString &callerId)
{
    QJsonObject o;
    for (int i = 0; i < columns.size(); ++i) {
        const QString key = columns.at(i).section(QLatin1Char(':'), 0, 0);
        const QString kind = columns.at(i).section(QLatin1Char(':'), 1);
        if (key == QLatin1String("-"))
            continue;
        if (kind.isEmpty())
            o.insert(key, q.str(i));
        else if (kind == QLatin1String("text?"))
            o.insert(key, strOrNull(q, i));
        else if (kind == QLatin1String("time"))
            o.insert(key, ids::formatTime(q.i64(i)));
        else if (kind == QLatin1String("time?"))
            o.insert(key, timeOrNull(q, i));
        else if (kind == QLatin1String("bool"))
            o.insert(key, q.value(i).toBool());
        else if (kind == QLatin1String("caller"))
            o.insert(key, q.str(i) == callerId);
    }
    return o;
}

// DSAR calls act on the caller's own account: a person, not the system, and
// not a key confined to one workspace.
Status requirePerson(const Actor &actor)
{
    if (!actor.isUser())
        return Error::forbidden(u"Requests about personal data are made by the person."_s);
    if (!actor.keyWorkspaceId.isEmpty())
        return Error::forbidden(u"A workspace-scoped key cannot act on your account."_s);
    return Ok{};
}

// Locks the account row (PostgreSQL) and checks it still exists.
Status lockUser(Tx &tx, const QString &userId)
{
    if (!tx.lockRow(u"users"_s, userId))
        return Error::internal();
    Query q = tx.query(u"SELECT 1 FROM users WHERE id = :u"_s);
    q.bind(u":u"_s, userId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error{ErrorCode::LoginRequired, u"Please log in again."_s};
    return Ok{};
}

// A write about the caller's own data: the caller a person, the transaction
// begun and their account locked in it.
Result<Opened<Ok>> beginPersonal(const ModelContext &ctx, const Actor &actor)
{
    if (auto p = requirePerson(actor); !p)
        return p.error();
    return Tx::begin(*ctx.db, ctx.bus, [&](Tx &tx) { return lockUser(tx, actor.userId); });
}

// The user's deletion request while one is scheduled, else state none.
Result<DeletionStatus> scheduledDeletion(const QSqlDatabase &conn, const QString &userId)
{
    auto scheduled = row::first(conn,
                                u"SELECT id, scheduled_for FROM dsar_requests WHERE user_id = :u "
                                "AND kind = 'deletion' AND state = 'scheduled'"_s,
                                {{u":u"_s, userId}}, [](const Query &q) {
                                    return DeletionStatus{u"scheduled"_s, q.i64(1), q.str(0)};
                                });
    if (!scheduled)
        return scheduled.error();
    return scheduled->value_or(DeletionStatus{u"none"_s, 0, {}});
}

inline constexpr auto kRequestFields =
    std::tuple{shape::field("id", &DsarRequest::id, shape::uuid()),
               shape::field("user_id", &DsarRequest::userId, shape::uuid()),
               shape::field("kind", &DsarRequest::kind, shape::text()),
               shape::field("state", &DsarRequest::state, shape::text()),
               shape::field("detail", &DsarRequest::detail, shape::anyObject()),
               shape::field("created_at", &DsarRequest::createdAt, shape::instant()),
               shape::field("due_at", &DsarRequest::dueAt, shape::instant().orNull()),
               shape::field("scheduled_for", &DsarRequest::scheduledFor, shape::instant().orNull()),
               shape::field("completed_at", &DsarRequest::completedAt, shape::instant().orNull())};

inline constexpr auto kDeletionStatusFields = std::tuple{
    shape::field("state", &DeletionStatus::state, shape::text()),
    shape::field("scheduled_for", &DeletionStatus::scheduledFor, shape::instant().omittable())};

inline constexpr auto kObjectionFields =
    std::tuple{shape::field("purpose", &Objection::purpose, shape::text()),
               shape::field("objected", &Objection::objected, shape::boolean()),
               shape::field("updated_at", &Objection::updatedAt, shape::instant())};

const QString kReqCols = QStringLiteral(
    "id, user_id, kind, state, detail, created_at, due_at, scheduled_for, completed_at");

DsarRequest readRequest(const Query &q)
{
    DsarRequest r;
    row::read(q, r.id, r.userId, r.kind, r.state, r.detail, r.createdAt, r.dueAt, r.scheduledFor,
              r.completedAt);
    return r;
}

Status insertRequest(Tx &tx, const DsarRequest &r)
{
    Query ins = tx.query(
        u"INSERT INTO dsar_requests (id, user_id, kind, state, detail, created_at, due_at, "
        "scheduled_for, completed_at) VALUES (:id, :u, :k, :s, :d, :c, :due, :sf, :done)"_s);
    ins.bind(u":id"_s, r.id)
        .bind(u":u"_s, r.userId)
        .bind(u":k"_s, r.kind)
        .bind(u":s"_s, r.state)
        .bind(u":d"_s, QString::fromUtf8(QJsonDocument(r.detail).toJson(QJsonDocument::Compact)))
        .bind(u":c"_s, r.createdAt)
        .bind(u":due"_s, r.dueAt)
        .bind(u":sf"_s, r.scheduledFor ? QVariant(r.scheduledFor) : QVariant())
        .bind(u":done"_s, r.completedAt ? QVariant(r.completedAt) : QVariant());
    return ins.exec() ? Status(Ok{}) : Status(ins.error());
}

// Reads `select ... WHERE filter` ordered by one unique text key, page by page,
// so a long history is read in bounded statements. `row` turns a row into JSON
// and returns its key.
template <typename RowFn>
Result<QJsonArray> readAll(const QSqlDatabase &conn, const QString &selectWhere, const QString &key,
                           const QString &userId, RowFn row)
{
    QJsonArray out;
    QString after;
    bool first = true;
    for (;;) {
        const QString sql = selectWhere +
                            (first ? QString() : QString(u" AND "_s + key + u" > :after"_s)) +
                            u" ORDER BY "_s + key + u" LIMIT :lim"_s;
        Query q(conn, sql);
        q.bind(u":u"_s, userId).bind(u":lim"_s, DsarService::kExportBatch);
        if (!first)
            q.bind(u":after"_s, after);
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
    static const QStringList p{u"analytics"_s, u"marketing"_s, u"research"_s};
    return p;
}

QJsonObject DsarRequest::toJson() const
{
    return shape::toJson<kRequestFields>(*this);
}

QJsonObject DeletionStatus::toJson() const
{
    return shape::toJson<kDeletionStatusFields>(*this);
}

QJsonObject Objection::toJson() const
{
    return shape::toJson<kObjectionFields>(*this);
}

Result<QJsonObject> DsarService::exportData(const Actor &actor)
{
    const QString uid = actor.userId;
    const qint64 now = m_ctx.clock->nowMs();
    {
        auto began = beginPersonal(m_ctx, actor);
        if (!began)
            return began.error();
        Tx &tx = began->tx;
        DsarRequest r{ids::newUuid(), uid, u"export"_s, u"completed"_s, {}, now, now, 0, now};
        if (auto i = insertRequest(tx, r); !i)
            return i.error();
        if (auto a = AuditService::append(tx, now, actor, u"dsar.export"_s, QString(), u"user"_s,
                                          uid, {{u"request_id"_s, r.id}});
            !a)
            return a.error();
        tx.announce(u"dsar_request"_s, r.id);
        if (auto c = tx.commit(); !c)
            return c.error();
    }

    QSqlDatabase conn = m_ctx.db->connection();
    QJsonObject out{{u"exported_at"_s, ids::formatTime(now)}};
    // Columns are named one by one: password, key, token and session hashes
    // never leave the store, not even to their owner.
    {
        Query q(conn, u"SELECT id, email, display_name, created_at, password_changed_at, is_admin, "
                      u"restricted "
                      "FROM users WHERE id = :u"_s);
        q.bind(u":u"_s, uid);
        if (!q.exec())
            return q.error();
        if (!q.next())
            return Error{ErrorCode::LoginRequired, u"Please log in again."_s};
        out.insert(u"user"_s, QJsonObject{{u"id"_s, q.str(0)},
                                          {u"email"_s, q.str(1)},
                                          {u"display_name"_s, q.str(2)},
                                          {u"created_at"_s, ids::formatTime(q.i64(3))},
                                          {u"password_changed_at"_s, ids::formatTime(q.i64(4))},
                                          {u"is_admin"_s, q.i64(5) != 0},
                                          {u"restricted"_s, q.i64(6) != 0}});
    }
    // Each section: its query, then its name, the column that orders its pages
    // and its columns as exportRow reads them.
    const std::pair<QString, QString> sections[] = {
        {u"SELECT w.id, w.name, w.plan, m.role, m.created_at, w.created_at, w.owner_id "
         "FROM memberships m JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = :u"_s,
         u"workspaces w.id id name plan role joined_at:time created_at:time owner:caller"_s},
        {u"SELECT id, name, prefix, workspace_id, created_at, last_used_at, revoked_at "
         "FROM api_keys WHERE user_id = :u"_s,
         u"api_keys id id name prefix workspace_id:text? created_at:time last_used_at:time? "
         "revoked_at:time?"_s},
        // Sessions are listed without their identifiers (those are credentials);
        // the hash orders the pages and stays here.
        {u"SELECT id_hash, created_at, last_seen_at, expires_at, ip FROM sessions "
         "WHERE user_id = :u"_s,
         u"sessions id_hash - created_at:time last_seen_at:time expires_at:time ip"_s},
        {u"SELECT id, workspace_id, run_id, artifact_id, password_hash IS NOT NULL, expires_at, "
         "revoked_at, created_at FROM shares WHERE created_by = :u"_s,
         u"shares id id workspace_id run_id artifact_id:text? has_password:bool "
         "expires_at:time? revoked_at:time? created_at:time"_s},
        {u"SELECT id, workspace_id, project_id, name, status, created_at FROM runs "
         "WHERE created_by = :u"_s,
         u"runs id id workspace_id project_id name status created_at:time"_s},
    };
    for (const auto &[sql, spec] : sections) {
        const QStringList words = spec.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        const QStringList columns = words.mid(2);
        auto rows = readAll(conn, sql, words.at(1), uid, [&](const Query &q, QJsonArray &a) {
            a.append(exportRow(q, columns, uid));
            return q.str(0);
        });
        if (!rows)
            return rows.error();
        out.insert(words.at(0), *rows);
    }

    auto objs = objections(actor);
    if (!objs)
        return objs.error();
    QJsonArray objArr;
    for (const auto &o : std::as_const(*objs))
        objArr.append(o.toJson());
    out.insert(u"objections"_s, objArr);

    auto requests =
        readAll(conn, u"SELECT "_s + kReqCols + u" FROM dsar_requests WHERE user_id = :u"_s,
                u"id"_s, uid, [](const Query &q, QJsonArray &a) {
                    a.append(readRequest(q).toJson());
                    return q.str(0);
                });
    if (!requests)
        return requests.error();
    out.insert(u"dsar_requests"_s, *requests);

    // Every audit entry the caller made, oldest first, in bounded pages.
    QJsonArray audit;
    qint64 afterSeq = 0;
    for (;;) {
        Query q(conn,
                u"SELECT seq, id, at, actor_id, workspace_id, action, target_type, target_id, ip, "
                u"detail "
                "FROM audit_log WHERE actor_id = :u AND seq > :after ORDER BY seq LIMIT :lim"_s);
        q.bind(u":u"_s, uid).bind(u":after"_s, afterSeq).bind(u":lim"_s, kExportBatch);
        if (!q.exec())
            return q.error();
        int n = 0;
        while (q.next()) {
            ++n;
            afterSeq = q.i64(0);
            audit.append(
                QJsonObject{{u"id"_s, q.str(1)},
                            {u"at"_s, ids::formatTime(q.i64(2))},
                            {u"actor_id"_s, q.str(3)},
                            {u"workspace_id"_s, strOrNull(q, 4)},
                            {u"action"_s, q.str(5)},
                            {u"target_type"_s, q.str(6)},
                            {u"target_id"_s, strOrNull(q, 7)},
                            {u"ip"_s, strOrNull(q, 8)},
                            {u"detail"_s, QJsonDocument::fromJson(q.str(9).toUtf8()).object()}});
        }
        if (n < kExportBatch)
            break;
    }
    out.insert(u"audit"_s, audit);
    return out;
}

Result<DeletionStatus> DsarService::requestDeletion(const Actor &actor)
{
    auto began = beginPersonal(m_ctx, actor);
    if (!began)
        return began.error();
    Tx &tx = began->tx;
    auto current = scheduledDeletion(tx.conn(), actor.userId);
    if (!current || current->state == QLatin1String("scheduled"))
        return current; // already scheduled: unchanged
    const qint64 now = m_ctx.clock->nowMs();
    DsarRequest r{ids::newUuid(),
                  actor.userId,
                  u"deletion"_s,
                  u"scheduled"_s,
                  {},
                  now,
                  now + m_graceMs,
                  now + m_graceMs,
                  0};
    if (auto i = insertRequest(tx, r); !i)
        return i.error();
    if (auto a = AuditService::append(
            tx, now, actor, u"dsar.delete_request"_s, QString(), u"user"_s, actor.userId,
            {{u"request_id"_s, r.id}, {u"scheduled_for"_s, ids::formatTime(r.scheduledFor)}});
        !a)
        return a.error();
    tx.announce(u"dsar_request"_s, r.id);
    if (auto c = tx.commit(); !c)
        return c.error();
    return DeletionStatus{u"scheduled"_s, r.scheduledFor, r.id};
}

Result<DeletionStatus> DsarService::cancelDeletion(const Actor &actor)
{
    auto began = beginPersonal(m_ctx, actor);
    if (!began)
        return began.error();
    Tx &tx = began->tx;
    auto current = scheduledDeletion(tx.conn(), actor.userId);
    if (!current)
        return current.error();
    if (current->state != QLatin1String("scheduled"))
        return Error::conflict(u"No deletion is scheduled."_s);
    const QString id = current->requestId;
    const qint64 now = m_ctx.clock->nowMs();
    if (auto e = row::exec(
            tx.conn(),
            u"UPDATE dsar_requests SET state = 'cancelled', completed_at = :t WHERE id = :id"_s,
            {{u":t"_s, now}, {u":id"_s, id}});
        !e)
        return e.error();
    if (auto a = AuditService::append(tx, now, actor, u"dsar.delete_cancel"_s, QString(), u"user"_s,
                                      actor.userId, {{u"request_id"_s, id}});
        !a)
        return a.error();
    tx.announce(u"dsar_request"_s, id);
    if (auto c = tx.commit(); !c)
        return c.error();
    return DeletionStatus{u"cancelled"_s, 0, id};
}

Result<DeletionStatus> DsarService::deletionStatus(const Actor &actor)
{
    if (auto p = requirePerson(actor); !p)
        return p.error();
    return scheduledDeletion(m_ctx.db->connection(), actor.userId);
}

Result<int> DsarService::executeDueDeletions()
{
    const Actor system = Actor::system();
    int done = 0;
    for (;;) {
        const qint64 now = m_ctx.clock->nowMs();
        QList<std::pair<QString, QString>> due; // request id, user id
        {
            Query q(m_ctx.db->connection(),
                    u"SELECT id, user_id FROM dsar_requests WHERE state = 'scheduled' "
                    "AND kind = 'deletion' AND scheduled_for <= :now "
                    "ORDER BY scheduled_for, id LIMIT 50"_s);
            q.bind(u":now"_s, now);
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

Result<bool> DsarService::executeDeletion(const Actor &actor, const QString &requestId,
                                          const QString &userId, qint64 now, bool early)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (!tx.lockRow(u"users"_s, userId))
        return Error::internal();
    Query claim = tx.query(u"UPDATE dsar_requests SET state = 'completed', completed_at = :t "
                           "WHERE id = :id AND state = 'scheduled'"_s);
    claim.bind(u":t"_s, now).bind(u":id"_s, requestId);
    if (!claim.exec())
        return claim.error();
    if (claim.rowsAffected() == 0)
        return false; // cancelled or executed meanwhile
    QJsonArray owned;
    {
        Query w = tx.query(u"SELECT id FROM workspaces WHERE owner_id = :u ORDER BY id"_s);
        w.bind(u":u"_s, userId);
        if (!w.exec())
            return w.error();
        while (w.next())
            owned.append(w.str(0));
    }
    // Owned workspaces go with everything in them (cascades); then the
    // account, whose memberships, keys, sessions and objections cascade.
    Query dw = tx.query(u"DELETE FROM workspaces WHERE owner_id = :u"_s);
    dw.bind(u":u"_s, userId);
    Query du = tx.query(u"DELETE FROM users WHERE id = :u"_s);
    du.bind(u":u"_s, userId);
    if (!dw.exec() || !du.exec())
        return Error::internal();
    QJsonObject detail{{u"request_id"_s, requestId}, {u"workspaces_deleted"_s, owned}};
    if (early)
        detail.insert(u"early"_s, true);
    if (auto a = AuditService::append(tx, now, actor, u"dsar.deletion_executed"_s, QString(),
                                      u"user"_s, userId, detail);
        !a)
        return a.error();
    tx.announce(u"user"_s, userId);
    for (const QJsonValue &w : std::as_const(owned))
        tx.announce(u"workspace"_s, w.toString());
    if (auto c = tx.commit(); !c)
        return c.error();
    qCInfo(lcDsar) << "deleted account" << userId << "with" << owned.size() << "owned workspaces";
    return true;
}

Status DsarService::executeDeletionNow(const Actor &actor, const QString &userId)
{
    if (!actor.isSystem() && !actor.instanceAdmin)
        return Error::forbidden(u"Only instance administrators carry out a deletion early."_s);
    auto current = scheduledDeletion(m_ctx.db->connection(), userId);
    if (!current)
        return current.error();
    if (current->state != QLatin1String("scheduled"))
        return Error::conflict(u"No deletion is scheduled for this account."_s);
    auto executed = executeDeletion(actor, current->requestId, userId, m_ctx.clock->nowMs(), true);
    if (!executed)
        return executed.error();
    if (!*executed)
        return Error::conflict(u"No deletion is scheduled for this account."_s);
    return Ok{};
}

Result<bool> DsarService::setRestricted(const Actor &actor, bool restricted)
{
    auto began = beginPersonal(m_ctx, actor);
    if (!began)
        return began.error();
    Tx &tx = began->tx;
    Query cur = tx.query(u"SELECT restricted FROM users WHERE id = :u"_s);
    cur.bind(u":u"_s, actor.userId);
    if (!cur.exec() || !cur.next())
        return cur.error();
    if ((cur.i64(0) != 0) == restricted)
        return restricted; // unchanged, nothing audited
    cur.raw().finish();
    const qint64 now = m_ctx.clock->nowMs();
    Query u = tx.query(u"UPDATE users SET restricted = :r WHERE id = :u"_s);
    u.bind(u":r"_s, restricted ? 1 : 0).bind(u":u"_s, actor.userId);
    if (!u.exec())
        return u.error();
    QString requestId;
    if (restricted) {
        DsarRequest r{
            ids::newUuid(), actor.userId, u"restriction"_s, u"open"_s, {}, now, now, 0, 0};
        requestId = r.id;
        if (auto i = insertRequest(tx, r); !i)
            return i.error();
    } else {
        if (auto e = row::exec(
                tx.conn(),
                u"UPDATE dsar_requests SET state = 'lifted', completed_at = :t WHERE user_id = :u "
                "AND kind = 'restriction' AND state = 'open'"_s,
                {{u":t"_s, now}, {u":u"_s, actor.userId}});
            !e)
            return e.error();
    }
    QJsonObject detail;
    if (!requestId.isEmpty())
        detail.insert(u"request_id"_s, requestId);
    if (auto c = AuditService::commit(tx, now, actor,
                                      restricted ? u"dsar.restrict"_s : u"dsar.unrestrict"_s,
                                      QString(), u"user"_s, actor.userId, detail);
        !c)
        return c.error();
    return restricted;
}

Result<Objection> DsarService::object(const Actor &actor, const QString &purpose, bool objected)
{
    if (!purposes().contains(purpose))
        return Error::validation(u"purpose"_s, purpose.isEmpty() ? u"required"_s : u"invalid"_s,
                                 u"purpose must be analytics, marketing or research."_s);
    auto began = beginPersonal(m_ctx, actor);
    if (!began)
        return began.error();
    Tx &tx = began->tx;
    Query cur = tx.query(
        u"SELECT objected, updated_at FROM user_objections WHERE user_id = :u AND purpose = :p"_s);
    cur.bind(u":u"_s, actor.userId).bind(u":p"_s, purpose);
    if (!cur.exec())
        return cur.error();
    // No row means no objection: withdrawing one that was never made changes nothing.
    const bool had = cur.next();
    const bool was = had && cur.i64(0) != 0;
    if (was == objected)
        return Objection{purpose, objected, had ? cur.i64(1) : 0};
    cur.raw().finish();
    const qint64 now = m_ctx.clock->nowMs();
    Query up =
        tx.query(u"INSERT INTO user_objections (user_id, purpose, objected, updated_at) VALUES "
                 u"(:u, :p, :o, :t) "
                 "ON CONFLICT (user_id, purpose) DO UPDATE SET objected = excluded.objected, "
                 "updated_at = excluded.updated_at"_s);
    up.bind(u":u"_s, actor.userId)
        .bind(u":p"_s, purpose)
        .bind(u":o"_s, objected ? 1 : 0)
        .bind(u":t"_s, now);
    if (!up.exec())
        return up.error();
    const QJsonObject detail{{u"purpose"_s, purpose}, {u"objected"_s, objected}};
    DsarRequest r{
        ids::newUuid(), actor.userId, u"objection"_s, u"completed"_s, detail, now, now, 0, now};
    if (auto i = insertRequest(tx, r); !i)
        return i.error();
    if (auto c = AuditService::commit(tx, now, actor, u"dsar.object"_s, QString(), u"user"_s,
                                      actor.userId, detail);
        !c)
        return c.error();
    return Objection{purpose, objected, now};
}

Result<QList<Objection>> DsarService::objections(const Actor &actor)
{
    if (auto p = requirePerson(actor); !p)
        return p.error();
    return row::all(m_ctx.db->connection(),
                    u"SELECT purpose, objected, updated_at FROM user_objections WHERE user_id = :u "
                    "ORDER BY purpose"_s,
                    {{u":u"_s, actor.userId}}, [](const Query &q) {
                        return Objection{q.str(0), q.i64(1) != 0, q.i64(2)};
                    });
}

Result<Page<DsarRequest>> DsarService::listRequests(const Actor &actor, int limit,
                                                    const QString &cursorText)
{
    if (!actor.isSystem() && !actor.instanceAdmin)
        return Error::forbidden(u"Only instance administrators see every request."_s);
    return row::pageAt<DsarRequest>(
        m_ctx.db->connection(), u"SELECT "_s + kReqCols + u" FROM dsar_requests WHERE 1=1"_s,
        cursorText, u"created_at"_s, u"id"_s, limit, row::noBinds, readRequest);
}

} // namespace wfx
