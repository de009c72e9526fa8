// SPDX-License-Identifier: Apache-2.0
#include "models/claims/MuseumService.h"

#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/Keyset.h"
#include "models/db/Database.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"
#include "models/runs/MetricStore.h"
#include "models/workspaces/WorkspaceService.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {
const QString kRun = QStringLiteral("Run");

QJsonValue timeOrNull(const std::optional<qint64> &t)
{
    return t ? QJsonValue(ids::formatTime(*t)) : QJsonValue(QJsonValue::Null);
}

// Multi-line text allowed; other control characters are not.
Result<QString> validDescription(const QString &text, int max)
{
    const QString t = text.trimmed();
    if (t.size() > max)
        return Error::validation(u"description"_s, u"too_long"_s,
                                 u"At most %1 characters."_s.arg(max));
    for (const QChar c : t) {
        if (c.category() == QChar::Other_Control && c != QLatin1Char('\n') &&
            c != QLatin1Char('\t') && c != QLatin1Char('\r'))
            return Error::validation(u"description"_s, u"invalid"_s,
                                     u"Control characters are not allowed."_s);
    }
    return t.isNull() ? QStringLiteral("") : t; // a null QString would bind as SQL NULL
}

// The columns of one entry joined with its run; used by every read.
const QString kEntrySql =
    QStringLiteral("SELECT m.id, m.title, m.description, m.published_at, r.name, r.status, "
                   "r.evidence, r.started_at, "
                   "r.finished_at FROM museum_entries m JOIN runs r ON r.id = m.run_id");

MuseumEntry readEntry(const Query &q)
{
    MuseumEntry e;
    row::read(q, e.id, e.title, e.description, e.publishedAt, e.runName, e.runStatus, e.runEvidence,
              e.runStartedAt, e.runFinishedAt);
    return e;
}

Result<QStringList> metricNames(const QSqlDatabase &conn, const QString &entryId)
{
    Query q(conn, u"SELECT run_id FROM museum_entries WHERE id = :id"_s);
    q.bind(u":id"_s, entryId);
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
    const QJsonObject run{{u"name"_s, runName},
                          {u"status"_s, runStatus},
                          {u"evidence"_s, runEvidence},
                          {u"started_at"_s, timeOrNull(runStartedAt)},
                          {u"finished_at"_s, timeOrNull(runFinishedAt)},
                          {u"metric_names"_s, QJsonArray::fromStringList(metricNames)}};
    return {{u"id"_s, id},
            {u"title"_s, title},
            {u"description"_s, description},
            {u"published_at"_s, ids::formatTime(publishedAt)},
            {u"run"_s, run}};
}

Result<MuseumEntry> MuseumService::loadByRun(const QSqlDatabase &conn, const QString &runId)
{
    Query q(conn, kEntrySql + u" WHERE m.run_id = :r"_s);
    q.bind(u":r"_s, runId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(u"Museum entry"_s);
    MuseumEntry e = readEntry(q);
    q.raw().finish();
    auto names = metricNames(conn, e.id);
    if (!names)
        return names.error();
    e.metricNames = *names;
    return e;
}

Result<MuseumEntry> MuseumService::publish(const Actor &actor, const QString &runId,
                                           const QString &title, const QString &description)
{
    Error invalid{ErrorCode::Validation, u"The museum entry is not valid."_s};
    if (!ids::isUuid(runId))
        invalid.details.append({u"run_id"_s, runId.isEmpty() ? u"required"_s : u"invalid"_s});
    auto t = validName(u"title"_s, title, kMaxTitleLength);
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
    Query r = tx.query(u"SELECT workspace_id, evidence FROM runs WHERE id = :id"_s);
    r.bind(u":id"_s, runId);
    if (!r.exec())
        return r.error();
    if (!r.next())
        return Error::notFound(kRun);
    const QString workspaceId = r.str(0), evidence = r.str(1);
    r.raw().finish();
    if (auto role = access::requireWrite(tx.conn(), actor, workspaceId, Role::Admin, kRun); !role)
        return role.error();
    if (evidence == QLatin1String("unverified"))
        return Error::conflict(u"A run whose signature does not verify cannot be published."_s);

    const qint64 now = m_ctx.clock->nowMs();
    Query cur = tx.query(u"SELECT id, title, description FROM museum_entries WHERE run_id = :r"_s);
    cur.bind(u":r"_s, runId);
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
        Query u =
            tx.query(u"UPDATE museum_entries SET title = :t, description = :d WHERE id = :id"_s);
        u.bind(u":t"_s, *t).bind(u":d"_s, *d).bind(u":id"_s, entryId);
        if (!u.exec())
            return u.error();
        updated = true;
    } else {
        cur.raw().finish();
        entryId = ids::newUuid();
        Query ins = tx.query(u"INSERT INTO museum_entries (id, run_id, workspace_id, title, "
                             u"description, published_by, "
                             "published_at) VALUES (:id, :r, :w, :t, :d, :by, :at)"_s);
        ins.bind(u":id"_s, entryId)
            .bind(u":r"_s, runId)
            .bind(u":w"_s, workspaceId)
            .bind(u":t"_s, *t)
            .bind(u":d"_s, *d)
            .bind(u":by"_s, actor.isSystem() ? QVariant() : QVariant(actor.userId))
            .bind(u":at"_s, now);
        if (!ins.exec())
            return ins.uniqueViolation()
                       ? Error::conflict(u"The run was published meanwhile; try again."_s)
                       : ins.error();
    }
    if (auto a = AuditService::append(
            tx, now, actor, u"museum.publish"_s, workspaceId, u"run"_s, runId,
            {{u"entry_id"_s, entryId}, {u"title"_s, *t}, {u"updated"_s, updated}});
        !a)
        return a.error();
    tx.announce(u"museum"_s, entryId);
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
        return Error::validation(u"run_id"_s, runId.isEmpty() ? u"required"_s : u"invalid"_s);
    auto began = access::beginWriteUnder(m_ctx, actor, u"runs"_s, runId, Role::Admin, kRun);
    if (!began)
        return began.error();
    auto &[tx, workspaceId] = *began;
    Query cur = tx.query(u"SELECT id FROM museum_entries WHERE run_id = :r"_s);
    cur.bind(u":r"_s, runId);
    if (!cur.exec())
        return cur.error();
    if (!cur.next())
        return Ok{}; // not published: nothing to change, nothing audited
    const QString entryId = cur.str(0);
    cur.raw().finish();
    if (auto e = row::exec(tx.conn(), u"DELETE FROM museum_entries WHERE id = :id"_s,
                           {{u":id"_s, entryId}});
        !e)
        return e.error();
    if (auto a = AuditService::append(tx, m_ctx.clock->nowMs(), actor, u"museum.unpublish"_s,
                                      workspaceId, u"run"_s, runId, {{u"entry_id"_s, entryId}});
        !a)
        return a.error();
    tx.announce(u"museum"_s, entryId);
    return tx.commit();
}

Result<Page<MuseumEntry>> MuseumService::listPublic(int limit, const QString &cursorText)
{
    if (limit < 1 || limit > cursor::kMaxLimit)
        return Error::validation(u"limit"_s, u"out_of_range"_s,
                                 u"limit must be between 1 and 200."_s);
    // Runs whose signature failed are never shown, even if published before that was known.
    QString sql = kEntrySql + u" WHERE r.evidence <> 'unverified'"_s;
    auto keyset = Keyset::parse(cursorText, u"m.published_at"_s, u"m.id"_s);
    if (!keyset)
        return keyset.error();
    QSqlDatabase conn = m_ctx.db->connection();
    auto page = row::page<MuseumEntry>(conn, sql, *keyset, limit, row::noBinds, readEntry,
                                       [](const MuseumEntry &x) {
                                           return cursor::TimeId{x.publishedAt, x.id};
                                       });
    if (!page)
        return page.error();
    for (auto &e : page->items) {
        auto names = metricNames(conn, e.id);
        if (!names)
            return names.error();
        e.metricNames = *names;
    }
    return page;
}

} // namespace wfx
