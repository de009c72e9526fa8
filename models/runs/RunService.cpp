// SPDX-License-Identifier: Apache-2.0
#include "models/runs/RunService.h"

#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/JsonWriter.h"
#include "models/db/Database.h"
#include "models/db/NativeQuery.h"
#include "models/db/Tx.h"
#include "models/runs/RunJson.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlQuery>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace wfx {

const QString RunService::kFramework = QStringLiteral("worldflux-evidence");

namespace {

const QString kRun = QStringLiteral("Run");
const QString kProject = QStringLiteral("Project");
// The run's columns as the field table stores them (RunJson.h), of `r`; a
// row selected with them first is read by readRun (Query or NativeQuery).
const QString kColumns = shape::columns<kRunFields<Run>>(u"r.%1"_s);
// The first column a query selects after the run's.
constexpr int kAfterRunColumns = shape::columnCount<kRunFields<Run>>();

template <typename Row> Run readRun(const Row &q)
{
    Run r;
    shape::readColumns<kRunFields<Run>>(q, r);
    return r;
}

QString likePattern(const QString &text)
{
    QString p;
    p.reserve(text.size() + 2);
    p += QLatin1Char('%');
    for (const QChar c : text.toLower()) {
        if (c == QLatin1Char('%') || c == QLatin1Char('_') || c == QLatin1Char('!'))
            p += QLatin1Char('!');
        p += c;
    }
    p += QLatin1Char('%');
    return p;
}

// Newest first by (created_at, id): the order of every runs page, for Run and
// for writeList's rows alike.
template <typename Row> bool newerFirst(const Row &a, const Row &b)
{
    return a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.id > b.id;
}

// A metric order's keyset: (value, id) ascending, or both descending.
template <typename Row> bool byValue(const Row &a, const Row &b, bool descending)
{
    if (a.value != b.value)
        return descending ? a.value > b.value : a.value < b.value;
    return descending ? a.id > b.id : a.id < b.id;
}

// A metric order's cursor names the order it belongs to, so a cursor of
// another order (or of newest first) is refused, not misread.
QString encodeValueCursor(const RunFilter &f, double value, const QString &id)
{
    return cursor::encode(QJsonArray{u"metric"_s, f.orderMetric, f.orderDescending,
                                     QString::number(value, 'g', 17), id});
}

Result<std::pair<double, QString>> decodeValueCursor(const RunFilter &f, const QString &text)
{
    const auto c = cursor::decode(text);
    bool ok = false;
    double value = 0;
    if (c && c->size() == 5 && c->at(0).toString() == QLatin1String("metric") &&
        c->at(1).toString() == f.orderMetric && c->at(2).isBool() &&
        c->at(2).toBool() == f.orderDescending && c->at(4).isString())
        value = c->at(3).toString().toDouble(&ok);
    if (!ok)
        return Error::validation(u"cursor"_s, u"invalid"_s, u"Unknown cursor."_s);
    return std::pair<double, QString>{value, c->at(4).toString()};
}

} // namespace

Result<Run> RunService::load(const QSqlDatabase &conn, const QString &id)
{
    if (!ids::isUuid(id))
        return Error::notFound(kRun);
    Query q(conn, u"SELECT "_s + kColumns + u" FROM runs r WHERE r.id = :id"_s);
    q.bind(u":id"_s, id);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kRun);
    return readRun(q);
}

Result<Run> RunService::loadByClientId(const QSqlDatabase &conn, const QString &projectId,
                                       const QString &clientRunId)
{
    Query q(conn, u"SELECT "_s + kColumns +
                      u" FROM runs r WHERE r.project_id = :p AND r.client_run_id = :c"_s);
    q.bind(u":p"_s, projectId).bind(u":c"_s, clientRunId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kRun);
    return readRun(q);
}

Result<Run> RunService::lockByClientId(Tx &tx, BatchStatements &statements,
                                       const QString &projectId, const QString &clientRunId)
{
    const QString sql = u"SELECT "_s + kColumns +
                        u" FROM runs r WHERE r.project_id = :p AND r.client_run_id = :c"_s +
                        (m_ctx.db->isPostgres() ? u" FOR UPDATE"_s : QString());
    Query &q = statements.get(tx, sql);
    q.bind(u":p"_s, projectId).bind(u":c"_s, clientRunId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kRun);
    Run r = readRun(q);
    q.raw().finish(); // the statement serves the batch's next sync
    return r;
}

Result<bool> RunService::insertRun(Tx &tx, BatchStatements &statements, const Run &run,
                                   const QByteArray &manifest)
{
    static const QString sql = u"INSERT INTO runs ("_s + shape::columns<kRunFields<Run>>(u"%1"_s) +
                               u", manifest) VALUES ("_s +
                               shape::columns<kRunFields<Run>>(u":%1"_s) +
                               u", :manifest) ON CONFLICT (project_id, client_run_id) DO NOTHING"_s;
    Query &ins = statements.get(tx, sql);
    shape::bindColumns<kRunFields<Run>>(ins, run);
    ins.bind(u":manifest"_s, QString::fromUtf8(manifest));
    if (!ins.exec())
        return ins.error();
    return ins.rowsAffected() > 0;
}

Status RunService::updateRun(Tx &tx, BatchStatements &statements, const Run &run,
                             const std::optional<QByteArray> &manifest)
{
    static const QString sql =
        u"UPDATE runs SET "_s +
        shape::columns<kRunFields<Run>>(u"%1 = :%1"_s, shape::Columns::Updated) +
        u", manifest = COALESCE(:manifest, manifest) WHERE id = :id"_s;
    Query &up = statements.get(tx, sql);
    shape::bindColumns<kRunFields<Run>>(up, run, shape::Columns::Updated);
    up.bind(u":manifest"_s, manifest ? QVariant(QString::fromUtf8(*manifest))
                                     : QVariant(QMetaType(QMetaType::QString)))
        .bind(u":id"_s, run.id);
    if (!up.exec())
        return up.error();
    return Ok{};
}

Result<Run> RunService::visible(const Actor &actor, const QString &id)
{
    QSqlDatabase conn = m_ctx.db->connection();
    auto run = load(conn, id);
    if (!run)
        return run.error();
    if (auto r = access::requireRole(conn, actor, run->workspaceId, Role::Viewer, kRun); !r)
        return r.error();
    return run;
}

Result<RunService::ListScope> RunService::listScope(const Actor &actor, const RunFilter &filter,
                                                    int limit, const QString &cursorText)
{
    if (auto l = cursor::checkLimit(limit); !l)
        return l.error();
    {
        Error e{ErrorCode::Validation, u"Invalid filter."_s};
        if (!filter.workspaceId.isEmpty() && !ids::isUuid(filter.workspaceId))
            e.details.append({u"workspace_id"_s, u"invalid"_s});
        if (!filter.projectId.isEmpty() && !ids::isUuid(filter.projectId))
            e.details.append({u"project_id"_s, u"invalid"_s});
        if (!filter.status.isEmpty() && !SyncRequest::isStatus(filter.status))
            e.details.append({u"status"_s, u"invalid"_s});
        if (!filter.evidence.isEmpty() && filter.evidence != QLatin1String("verified") &&
            filter.evidence != QLatin1String("unverified") &&
            filter.evidence != QLatin1String("unsigned"))
            e.details.append({u"evidence"_s, u"invalid"_s});
        if (filter.text.size() > SyncRequest::kMaxTextLength)
            e.details.append({u"text"_s, u"too_long"_s});
        if (filter.metric && (filter.metric->name.isEmpty() ||
                              filter.metric->name.size() > SyncRequest::kMaxTextLength ||
                              !std::isfinite(filter.metric->value)))
            e.details.append({u"metric_filter"_s, u"invalid"_s});
        if (filter.orderMetric.size() > SyncRequest::kMaxTextLength)
            e.details.append({u"order_by"_s, u"too_long"_s});
        if (!e.details.isEmpty())
            return e;
    }
    ListScope scope;
    if (!cursorText.isEmpty() && !filter.orderMetric.isEmpty()) {
        auto c = decodeValueCursor(filter, cursorText);
        if (!c)
            return c.error();
        scope.afterValue = *c;
    } else if (!cursorText.isEmpty()) {
        auto c = cursor::decodeTimeId(cursorText);
        if (!c)
            return c.error();
        scope.after = *c;
    }

    QSqlDatabase conn = m_ctx.db->connection();
    // Which index each query walks: one project (runs_project_created), one
    // workspace (runs_ws_status_created / runs_ws_created), or all runs
    // (runs_created, the system actor only). A caller in several workspaces
    // gets one query per workspace, merged: each stays an index range scan.
    if (!filter.projectId.isEmpty()) {
        Query p(conn, u"SELECT workspace_id FROM projects WHERE id = :id"_s);
        p.bind(u":id"_s, filter.projectId);
        if (!p.exec())
            return p.error();
        if (!p.next())
            return Error::notFound(kProject);
        const QString ws = p.str(0);
        if (auto r = access::requireRole(conn, actor, ws, Role::Viewer, kProject); !r)
            return r.error();
        if (!filter.workspaceId.isEmpty() && filter.workspaceId != ws)
            return scope; // nothing
        scope.project = filter.projectId;
    } else if (!filter.workspaceId.isEmpty()) {
        if (auto r =
                access::requireRole(conn, actor, filter.workspaceId, Role::Viewer, u"Workspace"_s);
            !r)
            return r.error();
        scope.workspaces << filter.workspaceId;
    } else if (actor.isSystem()) {
        scope.everything = true;
    } else {
        Query m(conn,
                u"SELECT workspace_id FROM memberships WHERE user_id = :u ORDER BY workspace_id"_s);
        m.bind(u":u"_s, actor.userId);
        if (!m.exec())
            return m.error();
        while (m.next()) {
            if (access::scopeAdmits(actor, m.str(0)))
                scope.workspaces << m.str(0);
        }
    }
    return scope;
}

Status RunService::fetchList(const ListScope &scope, const RunFilter &filter, int limit,
                             const std::function<void(const NativeQuery &)> &row)
{
    // The rows come through the connection's native handle (db/NativeQuery.h):
    // no QVariant and no UTF-16 copy per value on the busiest read.
    QSqlDatabase conn = m_ctx.db->connection();
    const bool byMetric = !filter.orderMetric.isEmpty();
    // The condition is the order's own range when both name one metric;
    // otherwise each run's row of the condition's metric is looked up.
    const bool conditionInRange =
        byMetric && filter.metric && filter.metric->name == filter.orderMetric;
    const bool conditionPerRun = filter.metric && !conditionInRange;
    auto fetch = [&](const char *scopeSql, const QString &scopeValue) -> Status {
        // A metric order walks run_metric_last in (scope, name, value, run_id)
        // order and joins each run; newest first walks runs as before.
        QByteArray sql = "SELECT " + kColumns.toLatin1();
        sql += byMetric ? ", m.value FROM run_metric_last m JOIN runs r ON r.id = m.run_id WHERE "
                        : " FROM runs r WHERE ";
        if (scopeSql)
            sql += (byMetric ? "m." : "r.") + QByteArray(scopeSql);
        else
            sql += "1 = 1";
        int n = scopeValue.isEmpty() ? 0 : 1;
        auto next = [&n] { return QByteArray::number(++n); };
        if (byMetric)
            sql += " AND m.name = $" + next();
        if (conditionInRange)
            sql += QByteArray(" AND m.value ") + filter.metric->sqlOperator() + " $" + next();
        if (conditionPerRun) {
            const QByteArray name = next(), value = next(); // in this order
            sql += " AND EXISTS (SELECT 1 FROM run_metric_last f WHERE f.run_id = r.id AND f.name "
                   "= $" +
                   name + " AND f.value " + filter.metric->sqlOperator() + " $" + value + ")";
        }
        if (!filter.status.isEmpty())
            sql += " AND r.status = $" + next();
        if (!filter.evidence.isEmpty())
            sql += " AND r.evidence = $" + next();
        if (!filter.text.isEmpty())
            sql += " AND LOWER(r.name) LIKE $" + next() + " ESCAPE '!'";
        // The first term bounds the index range; the second drops the rows of
        // the cursor's own millisecond that were already shown.
        if (scope.after) {
            const QByteArray t = next(), i = next();
            sql += " AND r.created_at <= $" + t + " AND (r.created_at < $" + t + " OR r.id < $" +
                   i + ")";
        }
        if (scope.afterValue) {
            const QByteArray v = next(), i = next();
            sql += filter.orderDescending ? " AND m.value <= $" + v + " AND (m.value < $" + v +
                                                " OR m.run_id < $" + i + ")"
                                          : " AND m.value >= $" + v + " AND (m.value > $" + v +
                                                " OR m.run_id > $" + i + ")";
        }
        if (byMetric)
            sql += filter.orderDescending ? " ORDER BY m.value DESC, m.run_id DESC LIMIT $"
                                          : " ORDER BY m.value, m.run_id LIMIT $";
        else
            sql += " ORDER BY r.created_at DESC, r.id DESC LIMIT $";
        sql += next();
        NativeQuery q(conn, sql.constData());
        int p = 0;
        if (!scopeValue.isEmpty())
            q.bind(++p, scopeValue);
        if (byMetric)
            q.bind(++p, filter.orderMetric);
        if (conditionInRange)
            q.bindReal(++p, filter.metric->value);
        if (conditionPerRun) {
            q.bind(++p, filter.metric->name);
            q.bindReal(++p, filter.metric->value);
        }
        if (!filter.status.isEmpty())
            q.bind(++p, filter.status);
        if (!filter.evidence.isEmpty())
            q.bind(++p, filter.evidence);
        if (!filter.text.isEmpty())
            q.bind(++p, likePattern(filter.text));
        if (scope.after) {
            q.bind(++p, scope.after->createdAt);
            q.bind(++p, scope.after->id);
        }
        if (scope.afterValue) {
            q.bindReal(++p, scope.afterValue->first);
            q.bind(++p, scope.afterValue->second);
        }
        q.bind(++p, qint64(limit) + 1);
        if (!q.exec())
            return q.error();
        while (q.next())
            row(q);
        if (!q.errorText().isEmpty())
            return q.error();
        return Ok{};
    };
    // Columns of r (runs) or m (run_metric_last), which both have these.
    if (!scope.project.isEmpty())
        return fetch("project_id = $1", scope.project);
    if (scope.everything)
        return fetch(nullptr, QString());
    for (const QString &ws : scope.workspaces) {
        if (auto s = fetch("workspace_id = $1", ws); !s)
            return s;
    }
    return Ok{};
}

Result<Page<Run>> RunService::list(const Actor &actor, const RunFilter &filter, int limit,
                                   const QString &cursorText)
{
    auto scope = listScope(actor, filter, limit, cursorText);
    if (!scope)
        return scope.error();
    const bool byMetric = !filter.orderMetric.isEmpty();
    struct Row
    {
        Run run;
        double value = 0; // a metric order's key
        QString id;
    };
    std::vector<Row> rows;
    if (auto s = fetchList(
            *scope, filter, limit,
            [&](const NativeQuery &q) {
                Run r = readRun(q);
                const QString id = r.id;
                rows.push_back({std::move(r), byMetric ? q.dbl(kAfterRunColumns) : 0.0, id});
            });
        !s)
        return s.error();
    if (scope->workspaces.size() > 1) {
        if (byMetric)
            std::sort(rows.begin(), rows.end(), [&](const Row &a, const Row &b) {
                return byValue(a, b, filter.orderDescending);
            });
        else
            std::sort(rows.begin(), rows.end(),
                      [](const Row &a, const Row &b) { return newerFirst(a.run, b.run); });
    }
    Page<Run> page;
    const bool more = qsizetype(rows.size()) > limit;
    if (more)
        rows.resize(std::size_t(limit));
    for (Row &r : rows)
        page.items.append(std::move(r.run));
    if (more) {
        const Run &last = page.items.last();
        page.nextCursor = byMetric ? encodeValueCursor(filter, rows.back().value, last.id)
                                   : cursor::encodeTimeId(last.createdAt, last.id);
    }
    return page;
}

Status RunService::writeList(JsonWriter &w, const Actor &actor, const RunFilter &filter, int limit,
                             const QString &cursorText)
{
    auto scope = listScope(actor, filter, limit, cursorText);
    if (!scope)
        return scope.error();
    // Each row's JSON goes into one buffer as the rows come; the page is then
    // written in newest-first order (rows of several workspaces merge by it).
    struct Entry
    {
        qint64 createdAt;
        QByteArray id;
        qsizetype at, size;
        double value; // a metric order's key
    };
    const bool byMetric = !filter.orderMetric.isEmpty();
    std::vector<Entry> entries;
    JsonWriter rowsOut(std::size_t(limit + 1) * 448);
    rowsOut.beginArray();
    // Rows of several workspaces are merged by (created_at, id), so each keeps
    // its id; one scope's rows come in order, and only the row the cursor
    // names (the limit-th) needs it.
    const bool merging = scope->workspaces.size() > 1;
    const Status fetched = fetchList(*scope, filter, limit, [&](const NativeQuery &q) {
        const qsizetype at = rowsOut.bytes().size() + (entries.empty() ? 0 : 1);
        const RunView run = runView(q);
        writeRunJson(rowsOut, run);
        const bool keepId = merging || qsizetype(entries.size()) == limit - 1;
        entries.push_back({run.createdAt, keepId ? run.id.toByteArray() : QByteArray(), at,
                           rowsOut.bytes().size() - at, byMetric ? q.dbl(kAfterRunColumns) : 0.0});
    });
    if (!fetched)
        return fetched.error();
    if (merging && byMetric)
        std::sort(entries.begin(), entries.end(), [&](const Entry &a, const Entry &b) {
            return byValue(a, b, filter.orderDescending);
        });
    else if (merging)
        std::sort(entries.begin(), entries.end(), newerFirst<Entry>);
    const bool more = qsizetype(entries.size()) > limit;
    if (more)
        entries.resize(std::size_t(limit));
    w.beginObject().key(QLatin1String("items")).beginArray();
    for (const Entry &e : entries)
        w.raw(QByteArrayView(rowsOut.bytes()).sliced(e.at, e.size));
    w.endArray().key(QLatin1String("next_cursor"));
    if (more && byMetric)
        w.string(encodeValueCursor(filter, entries.back().value,
                                   QString::fromLatin1(entries.back().id)));
    else if (more)
        w.string(
            cursor::encodeTimeId(entries.back().createdAt, QString::fromLatin1(entries.back().id)));
    else
        w.null();
    w.endObject();
    return Ok{};
}

Status RunService::remove(const Actor &actor, const QString &id)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    auto run = load(tx.conn(), id);
    if (!run)
        return run.error();
    if (auto r = access::requireWrite(tx.conn(), actor, run->workspaceId, Role::Member, kRun); !r)
        return r.error();
    Query d = tx.query(u"DELETE FROM runs WHERE id = :id"_s);
    d.bind(u":id"_s, id);
    if (!d.exec())
        return d.error();
    if (d.rowsAffected() == 0)
        return Error::notFound(kRun);
    return AuditService::commit(tx, m_ctx.clock->nowMs(), actor, u"run.delete"_s, run->workspaceId,
                                u"run"_s, id,
                                {{u"name"_s, run->name}, {u"project_id"_s, run->projectId}});
}

} // namespace wfx
