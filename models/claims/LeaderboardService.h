// SPDX-License-Identifier: Apache-2.0
// Public leaderboards computed from published, supported claims on museum runs,
// stored as snapshots so that the public read is one indexed row.
#pragma once

#include "models/core/Context.h"
#include "models/core/Cursor.h"
#include "models/core/Result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>

namespace wfx {

struct LeaderboardSnapshot
{
    QString id, board;
    qint64 createdAt = 0;
    QJsonArray groups; // see LeaderboardService

    // {id, board, created_at, groups: [...]}
    QJsonObject toJson() const;
};

// How a board is built (board "vla", the only one so far):
// - A candidate is a claim that is published, currently "supported", has an
//   observed value, and whose run is in the museum and not "unverified". A run
//   reaches the public only through the museum, so a published claim on a run
//   that is not in the museum is left out.
// - Candidates are grouped by (metric_name, aggregate, direction); the
//   direction comes from the comparator: < and <= mean lower is better, > and
//   >= higher is better. Values of different aggregates or directions are never
//   ranked against each other.
// - Within a group each run appears once (its oldest claim), ordered best
//   first by observed, ties by the earlier claim; ranks are competition ranks
//   (1, 2, 2, 4). At most kMaxEntriesPerGroup entries per group.
// - A group: {metric, aggregate, direction: "lower_is_better" |
//   "higher_is_better", entries: [{rank, observed, comparator, threshold,
//   statement, verified_at, museum_entry_id, title, run: {name, evidence,
//   finished_at|null}}]}, groups ordered by metric, aggregate, direction. The
//   only id is the museum entry's (public, like /api/museum); no claim, run,
//   workspace or user id, no email.
class LeaderboardService
{
public:
    explicit LeaderboardService(ModelContext ctx) : m_ctx(std::move(ctx)) {}

    static constexpr int kMaxEntriesPerGroup = 100;
    static QStringList boards() { return {QStringLiteral("vla")}; }

    // System job: computes the board and stores it as a new snapshot. A derived
    // cache of published data, so it writes no audit entry.
    Result<LeaderboardSnapshot> buildSnapshot(const QString &board = QStringLiteral("vla"));
    // The newest snapshot, building the first one if none exists.
    Result<LeaderboardSnapshot> latest(const QString &board = QStringLiteral("vla"));
    // Snapshots newest first (created_at, id), limit 1..200.
    Result<Page<LeaderboardSnapshot>> history(const QString &board, int limit,
                                              const QString &cursor = {});

private:
    ModelContext m_ctx;
};

} // namespace wfx
