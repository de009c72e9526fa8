// SPDX-License-Identifier: Apache-2.0
// Runs: sync from clients (idempotent per project and client_run_id, evidence
// from an Ed25519 signature over the RFC 8785 manifest) and every read of a run.
#pragma once

#include "models/core/Context.h"
#include "models/core/Cursor.h"
#include "models/core/Result.h"
#include "models/db/Tx.h"
#include "models/runs/Downsample.h"
#include "models/runs/GroupCommit.h"
#include "models/runs/MetricFilter.h"
#include "models/runs/Run.h"
#include "models/runs/SyncRequest.h"

#include <QHash>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QStringList>

#include <functional>
#include <map>
#include <memory>
#include <optional>

namespace wfx {

class JsonWriter;
class NativeQuery;
class Tx;

struct SyncResult
{
    Run run;
    bool created = false; // false: the run existed (same project and client_run_id)
};

struct RunFilter
{
    QString workspaceId, projectId, status, evidence;
    QString text; // part of the name, case-insensitive for ASCII
    // Runs whose metric's last value (at the run's highest step of that
    // metric) meets the condition; runs without that metric are left out.
    std::optional<MetricCondition> metric;
    // Empty: newest first. A metric name: by that metric's last value,
    // ascending (or descending), ties by run id; runs without it are left out.
    QString orderMetric;
    bool orderDescending = false;
};

// One metric of a run in a comparison (RunService::metricSummaries).
struct MetricSummary
{
    QString name;
    qint64 lastStep = 0;
    double last = 0, min = 0, max = 0;
    qint64 points = 0;
};

struct MetricPoint
{
    QString name;
    qint64 step = 0;
    double value = 0;
    QJsonObject toJson() const; // {name, step, value}
};

struct LogSlice
{
    QString content;
    qint64 offset = 0; // UTF-8 byte offset of content
    qint64 totalBytes = 0;
    qint64 nextOffset = -1;     // -1: the end was reached
    QJsonObject toJson() const; // {content, offset, total_bytes, next_offset|null}
};

struct RunSignature
{
    QString runId, evidence;
    bool present = false; // false for unsigned runs: only run_id and evidence are set
    QString alg, publicKey, sig, signedSha256;
    bool verified = false;
    qint64 checkedAt = 0;
    // Signed: {run_id, evidence, alg, public_key, sig, verified, signed_sha256, checked_at}.
    // Unsigned: {run_id, evidence: "unsigned", signature: null}.
    QJsonObject toJson() const;
};

struct ComplianceItem
{
    QString framework, control, status, evidence; // status: satisfied, not_satisfied
    QJsonObject toJson() const;
};

// What one run may hold in all its syncs together (settings: --run-max-points,
// --run-max-log-bytes). A sync that would pass one is refused whole.
struct RunLimits
{
    qint64 maxPoints = 10'000'000;
    qint64 maxLogBytes = 64LL * 1024 * 1024;
};

class RunService
{
public:
    explicit RunService(ModelContext ctx, RunLimits limits = {})
        : m_ctx(std::move(ctx)), m_limits(limits), m_group(std::make_shared<GroupCommit>(kMaxBatch))
    {
    }

    static constexpr qint64 kDefaultLogLimit = 64 * 1024;
    static constexpr qint64 kMaxLogLimit = 1024 * 1024;
    static constexpr int kMinSeriesPoints = 3; // as published for ?max_points
    static constexpr int kMaxSeriesPoints = 10000;
    static constexpr int kMaxBatch = 64; // syncs per group-commit transaction
    static const QString kFramework;     // "worldflux-evidence"

    // The POST /api/sync/runs body (CONTRACT.md section 3), validated here.
    // Needs the Member role in the project's workspace. The same project and
    // client_run_id again carries the stored run forward (created=false; Runs
    // that grow): status only forward, new points added, the log appended at
    // log_offset, one run.update audit entry when anything changed; a
    // completed, failed or cancelled run is frozen (conflict on any change).
    // Syncs arriving together on one RunService (and its copies) are written
    // in one transaction (GroupCommit), each in order with its own audit entry
    // and savepoint: one sync's failure leaves the others be, and each returns
    // only after the commit that holds it.
    Result<SyncResult> sync(const Actor &actor, const QJsonObject &body);
    // The same for a body already read (SyncRequest::parse).
    Result<SyncResult> sync(const Actor &actor, const Result<SyncRequest> &request);
    // Writes the rollups of every series of a run again from its points (for
    // points written by other means than sync, e.g. a bulk load).
    Status rebuildRollups(const QString &runId);

    // Newest first, keyset on (created_at, id); with filter.orderMetric by that
    // metric's last value, keyset on (value, id). Empty filter fields match all;
    // without workspace and project: every workspace the actor is a member of.
    // Each scope is one index range (runs_*_created, or run_metric_last_* for
    // a metric order); a metric condition with the newest-first order is
    // checked per run as the range is walked.
    Result<Page<Run>> list(const Actor &actor, const RunFilter &filter, int limit,
                           const QString &cursor);
    // The same page as list() written as {"items":[...],"next_cursor":...}, the
    // bytes QJsonDocument would write for it, straight from the store's rows.
    Status writeList(JsonWriter &w, const Actor &actor, const RunFilter &filter, int limit,
                     const QString &cursor);
    Result<Run> get(const Actor &actor, const QString &id);
    Status remove(const Actor &actor, const QString &id);

    Result<QJsonObject> manifest(const Actor &actor, const QString &id);
    Result<QStringList> metricNames(const Actor &actor, const QString &id);
    // Points ordered by (name, step); `name` empty: every metric of the run.
    // limit 1..200 like every list.
    Result<Page<MetricPoint>> metrics(const Actor &actor, const QString &id, const QString &name,
                                      int limit, const QString &cursor);
    // One whole series for a chart, thinned with LTTB to at most maxPoints
    // (first and last point always kept). See downsample::lttb; a long series
    // is thinned from its rollup (runs/SeriesRollup.h says exactly how).
    Result<QList<SeriesPoint>> metricSeries(const Actor &actor, const QString &id,
                                            const QString &name, int maxPoints);
    // Each metric's last, lowest and highest value and point count, by name,
    // without reading every point of a long series (metricstore::summaries).
    Result<QList<MetricSummary>> metricSummaries(const Actor &actor, const QString &id);
    // A slice of the log by UTF-8 byte offsets, never splitting a character.
    Result<LogSlice> log(const Actor &actor, const QString &id, qint64 offset,
                         qint64 limit = kDefaultLogLimit);
    // An unsigned run answers its evidence with present=false (not not_found),
    // so the read exists for every run the caller may see.
    Result<RunSignature> signature(const Actor &actor, const QString &id);
    Result<QList<ComplianceItem>> complianceMapping(const Actor &actor, const QString &id);

private:
    // What a list covers once its filter, cursor and the caller's access are checked.
    struct ListScope
    {
        QString project;         // one project's runs,
        QStringList workspaces;  // or these workspaces' (none: nothing visible),
        bool everything = false; // or every run (the system actor)
        std::optional<cursor::TimeId> after;
        // A metric order's cursor: the last row's value and id.
        std::optional<std::pair<double, QString>> afterValue;
    };
    Result<ListScope> listScope(const Actor &actor, const RunFilter &filter, int limit,
                                const QString &cursor);
    // Hands each row (kColumns) of the newest limit + 1 runs per scope query to `row`.
    Status fetchList(const ListScope &scope, const RunFilter &filter, int limit,
                     const std::function<void(const NativeQuery &)> &row);
    Result<Run> load(const QSqlDatabase &conn, const QString &id);
    Result<Run> loadByClientId(const QSqlDatabase &conn, const QString &projectId,
                               const QString &clientRunId);
    // The run, if the actor may read it (Viewer); not_found otherwise.
    Result<Run> visible(const Actor &actor, const QString &id);
    // Statements prepared once for a whole group-commit batch, by SQL text.
    class BatchStatements
    {
    public:
        Query &get(Tx &tx, const QString &sql);

        // What the batch's transaction already read: a project's workspace
        // (empty: no such project), a user's role in a workspace (empty: no
        // membership) and whether a user is restricted (nullopt: no such user).
        // One transaction sees one state, so a repeat needs no statement.
        QHash<QString, QString> workspaceOf;
        QHash<QString, QString> roleOf; // key: user id + '/' + workspace id
        QHash<QString, std::optional<bool>> restricted;

    private:
        std::map<QString, Query> m_prepared;
    };
    struct SyncJob : GroupCommit::Job
    {
        SyncJob(const Actor &a, const SyncRequest &r) : actor(a), request(r) {}
        const Actor &actor;
        const SyncRequest &request;
        std::optional<Result<SyncResult>> result;
    };
    // The stored run of a project and client_run_id, locked for the batch's
    // transaction on PostgreSQL (SQLite has one writer anyway).
    Result<Run> lockByClientId(Tx &tx, BatchStatements &statements, const QString &projectId,
                               const QString &clientRunId);
    // The new run's row; false when the project already holds its client_run_id.
    Result<bool> insertRun(Tx &tx, BatchStatements &statements, const Run &run,
                           const QByteArray &manifest);
    // A carried-forward run's row; the manifest only when it changed.
    Status updateRun(Tx &tx, BatchStatements &statements, const Run &run,
                     const std::optional<QByteArray> &manifest);
    void writeBatch(const QList<GroupCommit::Job *> &jobs);
    Result<SyncResult> writeOne(Tx &tx, BatchStatements &statements, const Actor &actor,
                                const SyncRequest &req);
    // A later sync of a stored run (locked by the caller's transaction).
    Result<SyncResult> carryForward(Tx &tx, BatchStatements &statements, const Actor &actor,
                                    const Run &stored, const SyncRequest &req);
    // The run's compliance mapping rows, in one statement.
    Status insertMapping(Tx &tx, BatchStatements &statements, const QString &runId,
                         const QList<ComplianceItem> &items);
    ModelContext m_ctx;
    RunLimits m_limits;
    std::shared_ptr<GroupCommit> m_group;
};

} // namespace wfx
