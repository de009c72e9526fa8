// SPDX-License-Identifier: Apache-2.0
// Claims: a statement about a run backed by a metric threshold, re-verified
// from the stored metric points (never taken on trust from the client).
#pragma once

#include "models/core/Context.h"
#include "models/core/Cursor.h"
#include "models/core/Result.h"

#include <QJsonObject>
#include <QSqlDatabase>

#include <optional>

namespace wfx {

struct Claim
{
    QString id, workspaceId, runId, statement, metricName;
    QString comparator; // <, <=, >, >=
    double threshold = 0;
    QString aggregate;              // last, min, max, mean
    QString status;                 // supported, refuted, unverifiable
    std::optional<double> observed; // the aggregate; empty when unverifiable
    bool published = false;
    qint64 createdAt = 0, verifiedAt = 0;

    // {id, workspace_id, run_id, statement, metric_name, comparator, threshold,
    //  aggregate, status, observed (number | null), published, created_at, verified_at}
    QJsonObject toJson() const;
};

struct ClaimInput
{
    QString runId, statement, metricName, comparator;
    double threshold = 0;
    QString aggregate; // empty: "last"
};

// The outcome of checking a claim against the stored points of one metric.
struct ClaimVerdict
{
    QString status;
    std::optional<double> observed;
};

class ClaimService
{
public:
    explicit ClaimService(ModelContext ctx) : m_ctx(std::move(ctx)) {}

    static constexpr int kMaxStatementLength = 500;
    static constexpr int kMaxMetricNameLength = 200;

    // Member of the run's workspace. Verifies at once; audit claim.create.
    Result<Claim> create(const Actor &actor, const ClaimInput &input);
    Result<Claim> create(const Actor &actor, const QString &runId, const QString &statement,
                         const QString &metricName, const QString &comparator, double threshold,
                         const QString &aggregate);
    // Member. Recomputes from the stored points; verified_at always moves, the
    // audit entry claim.verify is written only when status or observed changed.
    Result<Claim> reverify(const Actor &actor, const QString &id);
    // Claims in the caller's workspaces, newest first (limit 1..200).
    Result<Page<Claim>> list(const Actor &actor, int limit, const QString &cursor);
    Result<Claim> get(const Actor &actor, const QString &id);
    // Admin. Audit claim.publish (detail {published}) only when the flag changes.
    Result<Claim> publish(const Actor &actor, const QString &id, bool published);

    // The verdict of (comparator, threshold, aggregate) over the run's points of
    // metricName, computed by the store (MIN/MAX/AVG; last = value at max step).
    static Result<ClaimVerdict> verify(const QSqlDatabase &conn, const QString &runId,
                                       const QString &metricName, const QString &comparator,
                                       double threshold, const QString &aggregate);

private:
    static Result<Claim> load(const QSqlDatabase &conn, const QString &id);
    // The claim, once the actor may change it (`minimum` in its workspace, not restricted).
    static Result<Claim> loadWritable(const QSqlDatabase &conn, const Actor &actor,
                                      const QString &id, Role minimum);
    ModelContext m_ctx;
};

} // namespace wfx
