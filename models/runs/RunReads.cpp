// SPDX-License-Identifier: Apache-2.0
// RunService's reads of one run beside its row: manifest, metrics, series, log,
// signature and compliance mapping.
#include "models/runs/RunService.h"

#include "models/db/Database.h"
#include "models/db/Tx.h"
#include "models/runs/LogSlicing.h"
#include "models/runs/MetricStore.h"
#include "models/runs/RunJson.h"
#include "models/runs/RunRows.h"
#include "models/runs/SeriesRollup.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {
const QString kRun = QStringLiteral("Run");
} // namespace

Result<Run> RunService::get(const Actor &actor, const QString &id)
{
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    auto names = metricNames(actor, id);
    if (!names)
        return names.error();
    run->metricNames = *names;
    return run;
}

Result<QJsonObject> RunService::manifest(const Actor &actor, const QString &id)
{
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    Query q(m_ctx.db->connection(), u"SELECT manifest FROM runs WHERE id = :id"_s);
    q.bind(u":id"_s, id);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kRun);
    return QJsonDocument::fromJson(q.str(0).toUtf8()).object();
}

Result<QStringList> RunService::metricNames(const Actor &actor, const QString &id)
{
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    return metricstore::names(m_ctx.db->connection(), id);
}

Result<Page<MetricPoint>> RunService::metrics(const Actor &actor, const QString &id,
                                              const QString &name, int limit,
                                              const QString &cursorText)
{
    if (auto l = cursor::checkLimit(limit); !l)
        return l.error();
    QString afterName;
    qint64 afterStep = 0;
    const bool paged = !cursorText.isEmpty();
    if (paged) {
        const auto c = cursor::decode(cursorText);
        if (!c || c->size() != 2 || !c->at(0).isString() || !c->at(1).isDouble() ||
            (!name.isEmpty() && c->at(0).toString() != name))
            return Error::validation(u"cursor"_s, u"invalid"_s, u"Unknown cursor."_s);
        afterName = c->at(0).toString();
        afterStep = qint64(c->at(1).toDouble());
    }
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    // Series by name, then points by step, from just after the cursor.
    QSqlDatabase conn = m_ctx.db->connection();
    QStringList series;
    if (!name.isEmpty()) {
        series << name;
    } else {
        auto all = metricstore::names(conn, id);
        if (!all)
            return all.error();
        // The store's order of names (its collation), from the cursor's series on.
        const qsizetype from = paged ? all->indexOf(afterName) : 0;
        for (qsizetype i = 0; i < all->size(); ++i) {
            if (from >= 0 ? i >= from : all->at(i) > afterName)
                series << all->at(i);
        }
    }
    Page<MetricPoint> page;
    for (const QString &n : std::as_const(series)) {
        const qsizetype want = limit + 1 - page.items.size();
        if (want <= 0)
            break;
        const bool resume = paged && n == afterName;
        auto points = metricstore::series(
            conn, id, n, resume ? std::optional<qint64>(afterStep) : std::nullopt, want);
        if (!points)
            return points.error();
        for (const chunk::Point &p : *points)
            page.items.append({n, p.step, p.value});
    }
    if (page.items.size() > limit) {
        page.items.removeLast();
        const auto &last = page.items.last();
        page.nextCursor = cursor::encode(QJsonArray{last.name, double(last.step)});
    }
    return page;
}

Result<QList<SeriesPoint>> RunService::metricSeries(const Actor &actor, const QString &id,
                                                    const QString &name, int maxPoints)
{
    if (name.isEmpty())
        return Error::validation(u"name"_s, u"required"_s, u"A metric name is required."_s);
    if (maxPoints < kMinSeriesPoints || maxPoints > kMaxSeriesPoints)
        return Error::validation(
            u"max_points"_s, u"invalid"_s,
            u"max_points must be between %1 and %2."_s.arg(kMinSeriesPoints).arg(kMaxSeriesPoints));
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    QSqlDatabase conn = m_ctx.db->connection();
    {
        Query levels(conn, u"SELECT level, points FROM run_metric_rollups "
                           "WHERE run_id = :r AND name = :n ORDER BY level"_s);
        levels.bind(u":r"_s, id).bind(u":n"_s, name);
        if (!levels.exec())
            return levels.error();
        QList<int> stored;
        qint64 covered = 0;
        while (levels.next()) {
            stored.append(int(levels.i64(0)));
            covered = levels.i64(1);
        }
        // A growing series' rollup covers a prefix: the level is chosen for the whole series.
        qint64 points = covered;
        if (!stored.isEmpty()) {
            auto total = metricstore::count(conn, id, name);
            if (!total)
                return total.error();
            points = std::max(covered, *total);
        }
        if (const int level = rollup::choose(points, stored, maxPoints); level >= 0) {
            Query data(conn, u"SELECT data FROM run_metric_rollups "
                             "WHERE run_id = :r AND name = :n AND level = :l"_s);
            data.bind(u":r"_s, id).bind(u":n"_s, name).bind(u":l"_s, level);
            if (!data.exec())
                return data.error();
            if (!data.next())
                return Error::notFound(kRun); // the run was deleted meanwhile
            auto whole = metricstore::level(conn, id, name, level, data.value(0).toByteArray());
            if (!whole)
                return whole.error();
            return downsample::lttb(*whole, maxPoints);
        }
    }
    auto points = metricstore::series(conn, id, name);
    if (!points)
        return points.error();
    return downsample::lttb(metricstore::toSeriesPoints(*points), maxPoints);
}

Result<QList<MetricSummary>> RunService::metricSummaries(const Actor &actor, const QString &id)
{
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    auto all = metricstore::summaries(m_ctx.db->connection(), id);
    if (!all)
        return all.error();
    QList<MetricSummary> out;
    out.reserve(all->size());
    for (const metricstore::Summary &m : std::as_const(*all))
        out.append({m.name, m.lastStep, m.last, m.min, m.max, m.points});
    return out;
}

Result<LogSlice> RunService::log(const Actor &actor, const QString &id, qint64 offset, qint64 limit)
{
    if (offset < 0)
        return Error::validation(u"offset"_s, u"invalid"_s, u"offset must not be negative."_s);
    if (auto l = cursor::checkLimit(limit, kMaxLogLimit); !l)
        return l.error();
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    Query q(m_ctx.db->connection(), u"SELECT content FROM run_logs WHERE run_id = :r"_s);
    q.bind(u":r"_s, id);
    if (!q.exec())
        return q.error();
    return sliceLog(q.next() ? q.str(0).toUtf8() : QByteArray(), offset, limit);
}

Result<RunSignature> RunService::signature(const Actor &actor, const QString &id)
{
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    auto rows = rowsOfRun<kRunSignatureFields, RunSignature>(m_ctx.db->connection(),
                                                             u"run_signatures"_s, id);
    if (!rows)
        return rows.error();
    RunSignature s = rows->isEmpty() ? RunSignature{} : rows->first();
    s.present = !rows->isEmpty();
    s.runId = id;
    s.evidence = run->evidence;
    return s;
}

Result<QList<ComplianceItem>> RunService::complianceMapping(const Actor &actor, const QString &id)
{
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    return rowsOfRun<kComplianceItemFields, ComplianceItem>(
        m_ctx.db->connection(), u"compliance_mappings"_s, id, u" ORDER BY framework, control"_s);
}

} // namespace wfx
