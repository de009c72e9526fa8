// SPDX-License-Identifier: Apache-2.0
// The data step of migration metric_chunks: a store's one-row-per-point
// metrics (run_metrics) moved into chunks (metricstore::migrateRows).
#include "models/runs/MetricStore.h"

#include "models/db/Database.h"
#include "models/db/Tx.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

Q_DECLARE_LOGGING_CATEGORY(lcDb)

namespace wfx::metricstore {

Status migrateRows(Database &db, qsizetype stopAfterRuns)
{
    QSqlDatabase c = db.connection();
    const bool pg = db.isPostgres();
    QSqlQuery q(c);
    q.setForwardOnly(true);
    // A store that stopped half way may finish here after metric_last came
    // (tests stop data steps early): then the moved runs get their last values.
    LastValues last = LastValues::Skip;
    if (q.exec(
            pg ? u"SELECT to_regclass('run_metric_last') IS NOT NULL"_s
               : u"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'run_metric_last'"_s) &&
        q.next() && q.value(0).toBool())
        last = LastValues::Update;
    q.finish();
    auto fail = [&](const QString &what, const QSqlError &e) {
        QSqlQuery(c).exec(u"ROLLBACK"_s);
        qCCritical(lcDb) << "metric chunk migration failed:" << what << e.text();
        return Status(
            Error::internal(u"Migrating metric points failed: %1: %2"_s.arg(what, e.text())));
    };
    // BEGIN, the migration lock, and whether run_metrics is still there.
    auto begin = [&](bool *present) -> bool {
        if (!q.exec(pg ? u"BEGIN"_s : u"BEGIN IMMEDIATE"_s))
            return false;
        if (pg && !q.exec(u"SELECT pg_advisory_xact_lock(715517)"_s))
            return false;
        if (!q.exec(
                pg ? u"SELECT to_regclass('run_metrics') IS NOT NULL"_s
                   : u"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'run_metrics'"_s) ||
            !q.next())
            return false;
        *present = q.value(0).toBool();
        q.finish();
        return true;
    };
    for (;;) {
        bool present = false;
        if (!begin(&present))
            return fail(u"begin"_s, q.lastError());
        if (!present)
            return q.exec(u"COMMIT"_s) ? Status(Ok{}) : fail(u"commit"_s, q.lastError());
        QStringList runs;
        if (!q.exec(u"SELECT DISTINCT run_id FROM run_metrics ORDER BY run_id"_s))
            return fail(u"list runs"_s, q.lastError());
        while (q.next())
            runs << q.value(0).toString();
        if (runs.isEmpty()) {
            // Every run moved: the old table goes, and with it the mark of a half-done store.
            if (!q.exec(u"DROP TABLE run_metrics"_s) || !q.exec(u"COMMIT"_s))
                return fail(u"drop run_metrics"_s, q.lastError());
            qCInfo(lcDb) << "metric points: every run is in chunks, run_metrics dropped";
            return Ok{};
        }
        if (!q.exec(u"COMMIT"_s))
            return fail(u"commit"_s, q.lastError());
        qCInfo(lcDb) << "metric points: moving" << runs.size() << "runs into chunks";
        QElapsedTimer sinceLog;
        sinceLog.start();
        qsizetype done = 0;
        qint64 points = 0;
        for (const QString &runId : std::as_const(runs)) {
            if (stopAfterRuns >= 0 && done >= stopAfterRuns)
                return Ok{};
            if (!begin(&present))
                return fail(u"begin"_s, q.lastError());
            if (!present) { // another process finished meanwhile
                q.exec(u"COMMIT"_s);
                return Ok{};
            }
            q.prepare(
                u"SELECT name, step, value FROM run_metrics WHERE run_id = :r ORDER BY name, step"_s);
            q.bindValue(u":r"_s, runId);
            if (!q.exec())
                return fail(u"read run "_s + runId, q.lastError());
            QList<MetricInput> rows;
            while (q.next())
                rows.append(
                    {q.value(0).toString(), q.value(1).toLongLong(), q.value(2).toDouble()});
            q.finish();
            if (!rows.isEmpty()) {
                auto added = add(c, runId, rows, Rollups::Keep, Stored::Maybe, last);
                if (!added) {
                    QSqlQuery(c).exec(u"ROLLBACK"_s);
                    return added.error();
                }
                q.prepare(u"DELETE FROM run_metrics WHERE run_id = :r"_s);
                q.bindValue(u":r"_s, runId);
                if (!q.exec())
                    return fail(u"delete run "_s + runId, q.lastError());
            }
            if (!q.exec(u"COMMIT"_s))
                return fail(u"commit run "_s + runId, q.lastError());
            ++done;
            points += rows.size();
            if (sinceLog.elapsed() >= 1000 || done == runs.size()) {
                qCInfo(lcDb).noquote()
                    << u"metric points: %1 / %2 runs in chunks (%3 points)"_s.arg(done)
                           .arg(runs.size())
                           .arg(points);
                sinceLog.restart();
            }
        }
    }
}

} // namespace wfx::metricstore
