// SPDX-License-Identifier: Apache-2.0
#include "claims/MuseumService.h"

#include "audit/AuditService.h"
#include "core/Access.h"
#include "core/Clock.h"
#include "core/Ids.h"
#include "core/Keyset.h"
#include "db/Database.h"
#include "db/Tx.h"
#include "runs/MetricStore.h"
#include "workspaces/WorkspaceService.h"

#include <QJsonArray>

namespace wfx {

namespace {
const QString kRun = QStringLiteral("Run");

QString S(const char *s) { return QString::fromLatin1(s); }

QJsonValue timeOrNull(const std::optional<qint64> &t)
{
    return t ? QJsonValue(ids::formatTime(*t)) : QJsonValue(QJsonValue::Null);
}

// Multi-line text allowed; other control characters are not.
Result<QString> validDescription(const QString &text, int max)
{
    const QString t = text.trimmed();
    if (t.size() > max)
        return Error::validation(S("description"), S("too_long"), S("At most %1 characters.").arg(max));
    for (const QChar c : t) {
        if (c.category() == QChar::Other_Control && c != QLatin1Char('\n') && c != QLatin1Char('\t')
            && c != QLatin1Char('\r'))
            return Error::validation(S("description"), S("invalid"), S("Control characters are not allowed."));
    }
    return t.isNull() ? QStringLiteral("") : t; // a null QString would bind as SQL NULL
}

// The columns of one entry joined with its run; used by every read.
const QString kEntrySql = QStringLiteral(
    "SELECT m.id, m.title, m.description, m.published_at, r.name, r.status, r.evidence, r.started_at, "
    "r.finished_at FROM museum_entries m JOIN runs r ON r.id = m.run_id");

MuseumEntry readEntry(const Query &q)
{
    MuseumEntry e;
    e.id = q.str(0);
    e.title = q.str(1);
    e.description = q.str(2);
    e.publishedAt = q.i64(3);
    e.runName = q.str(4);
    e.runStatus = q.str(5);
    e.runEvidence = q.str(6);
    if (!q.isNull(7))
        e.runStartedAt = q.i64(7);
    if (!q.isNull(8))
        e.runFinishedAt = q.i64(8);
    return e;
}

Result<QStringList> metricNames(const QSqlDatabase &conn, const QString &entryId)
{
    Query q(conn, S("SELECT run_id FROM museum_entries WHERE id = :id"));
    q.bind(S(":id"), entryId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return QStringList();
    const QString runId = q.str(0);
    q.raw().finish();
    return metricstore::names(conn, runId);
}
} // namespace

QJsonObject MuseumEntry::toJson() const
{
    const QJsonObject run{{S("name"), runName},
                          {S("status"), runStatus},
                          {S("evidence"), runEvidence},
                          {S("started_at"), timeOrNull(runStartedAt)},
                          {S("finished_at"), timeOrNull(runFinishedAt)},
                          {S("metric_names"), QJsonArray::fromStringList(metricNames)}};
    return {{S("id"), id},
            {S("title"), title},
            {S("description"), description},
            {S("published_at"), ids::formatTime(publishedAt)},
            {S("run"), run}};
}

Result<MuseumEntry> MuseumService::loadByRun(const QSqlDatabase &conn, const QString &runId)
{
    Query q(conn, kEntrySql + S(" WHERE m.run_id = :r"));
    q.bind(S(":r"), runId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(S("Museum entry"));
    MuseumEntry e = readEntry(q);
    q.raw().finish();
    auto names = metricNames(conn, e.id);
    if (!names)
        return names.error();
    e.metricNames = *names;
    return e;
}

Result<MuseumEntry> MuseumService::publish(const Actor &actor, const QString &runId, const QString &title,
                                           const QString &description)
{
    Error invalid{ErrorCode::Validation, S("The museum entry is not valid.")};
    if (!ids::isUuid(runId))
        invalid.details.append({S("run_id"), runId.isEmpty() ? S("required") : S("invalid")});
    auto t = validName(S("title"), title, kMaxTitleLength);
    if (!t)
        invalid.details.append(t.error().details);
    auto d = validDescription(description, kMaxDescriptionLength);
    if (!d)
        invalid.details.append(d.error().details);
    if (!invalid.details.isEmpty())
        return invalid;

    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    Query r = tx.query(S("SELECT workspace_id, evidence FROM runs WHERE id = :id"));
    r.bind(S(":id"), runId);
    if (!r.exec())
        return r.error();
    if (!r.next())
        return Error::notFound(kRun);
    const QString workspaceId = r.str(0), evidence = r.str(1);
    r.raw().finish();
    if (auto role = access::requireRole(tx.conn(), actor, workspaceId, Role::Admin, kRun); !role)
        return role.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    if (evidence == QLatin1String("unverified"))
        return Error::conflict(S("A run whose signature does not verify cannot be published."));

    const qint64 now = m_ctx.clock->nowMs();
    Query cur = tx.query(S("SELECT id, title, description FROM museum_entries WHERE run_id = :r"));
    cur.bind(S(":r"), runId);
    if (!cur.exec())
        return cur.error();
    QString entryId;
    bool updated = false;
    if (cur.next()) {
        entryId = cur.str(0);
        if (cur.str(1) == *t && cur.str(2) == *d) {
            cur.raw().finish();
            return loadByRun(tx.conn(), runId); // the same again: nothing changes, nothing audited
        }
        cur.raw().finish();
        Query u = tx.query(S("UPDATE museum_entries SET title = :t, description = :d WHERE id = :id"));
        u.bind(S(":t"), *t).bind(S(":d"), *d).bind(S(":id"), entryId);
        if (!u.exec())
            return u.error();
        updated = true;
    } else {
        cur.raw().finish();
        entryId = ids::newUuid();
        Query ins = tx.query(S("INSERT INTO museum_entries (id, run_id, workspace_id, title, description, published_by, "
                               "published_at) VALUES (:id, :r, :w, :t, :d, :by, :at)"));
        ins.bind(S(":id"), entryId).bind(S(":r"), runId).bind(S(":w"), workspaceId).bind(S(":t"), *t)
            .bind(S(":d"), *d).bind(S(":by"), actor.isSystem() ? QVariant() : QVariant(actor.userId))
            .bind(S(":at"), now);
        if (!ins.exec())
            return ins.uniqueViolation() ? Error::conflict(S("The run was published meanwhile; try again.")) : ins.error();
    }
    if (auto a = AuditService::append(tx, now, actor, S("museum.publish"), workspaceId, S("run"), runId,
                                      {{S("entry_id"), entryId}, {S("title"), *t}, {S("updated"), updated}});
        !a)
        return a.error();
    tx.announce(S("museum"), entryId);
    auto entry = loadByRun(tx.conn(), runId);
    if (!entry)
        return entry.error();
    if (auto cm = tx.commit(); !cm)
        return cm.error();
    return entry;
}

Status MuseumService::unpublish(const Actor &actor, const QString &runId)
{
    if (!ids::isUuid(runId))
        return Error::validation(S("run_id"), runId.isEmpty() ? S("required") : S("invalid"));
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    Query r = tx.query(S("SELECT workspace_id FROM runs WHERE id = :id"));
    r.bind(S(":id"), runId);
    if (!r.exec())
        return r.error();
    if (!r.next())
        return Error::notFound(kRun);
    const QString workspaceId = r.str(0);
    r.raw().finish();
    if (auto role = access::requireRole(tx.conn(), actor, workspaceId, Role::Admin, kRun); !role)
        return role.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    Query cur = tx.query(S("SELECT id FROM museum_entries WHERE run_id = :r"));
    cur.bind(S(":r"), runId);
    if (!cur.exec())
        return cur.error();
    if (!cur.next())
        return Ok{}; // not published: nothing to change, nothing audited
    const QString entryId = cur.str(0);
    cur.raw().finish();
    Query d = tx.query(S("DELETE FROM museum_entries WHERE id = :id"));
    d.bind(S(":id"), entryId);
    if (!d.exec())
        return d.error();
    if (auto a = AuditService::append(tx, m_ctx.clock->nowMs(), actor, S("museum.unpublish"), workspaceId, S("run"),
                                      runId, {{S("entry_id"), entryId}});
        !a)
        return a.error();
    tx.announce(S("museum"), entryId);
    return tx.commit();
}

Result<Page<MuseumEntry>> MuseumService::listPublic(int limit, const QString &cursorText)
{
    if (limit < 1 || limit > cursor::kMaxLimit)
        return Error::validation(S("limit"), S("out_of_range"), S("limit must be between 1 and 200."));
    // Runs whose signature failed are never shown, even if published before that was known.
    QString sql = kEntrySql + S(" WHERE r.evidence <> 'unverified'");
    auto keyset = Keyset::parse(cursorText, S("m.published_at"), S("m.id"));
    if (!keyset)
        return keyset.error();
    sql += keyset->sql();
    QSqlDatabase conn = m_ctx.db->connection();
    Query q(conn, sql);
    keyset->bind(q, limit);
    if (!q.exec())
        return q.error();
    Page<MuseumEntry> page;
    while (q.next())
        page.items.append(readEntry(q));
    q.raw().finish();
    finishPage(page, limit, [](const MuseumEntry &x) { return cursor::TimeId{x.publishedAt, x.id}; });
    for (auto &e : page.items) {
        auto names = metricNames(conn, e.id);
        if (!names)
            return names.error();
        e.metricNames = *names;
    }
    return page;
}

} // namespace wfx
