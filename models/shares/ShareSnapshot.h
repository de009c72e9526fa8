// SPDX-License-Identifier: Apache-2.0
// The public view of a shared run, read straight from the store: the run's
// fields its table (models/runs/RunJson.h) marks public (name, status, times,
// evidence), its manifest, metric names and (bounded) series, and the shared
// artifact's name and size. It never holds an id, a share field or owner data.
#pragma once

#include "models/core/Result.h"
#include "models/runs/RunService.h"
#include "models/shares/ShareLimits.h"

#include <QJsonObject>
#include <QSqlDatabase>

#include <optional>

namespace wfx {

struct SnapshotRun
{
    Run run; // its stored columns; only its public fields are shown
    QString manifestText;
};

struct SnapshotArtifact
{
    QString runId, name, state;
    qint64 sizeBytes = 0;
};

class ShareSnapshot
{
public:
    static Result<std::optional<SnapshotRun>> loadRun(const QSqlDatabase &conn,
                                                      const QString &runId);
    static Result<std::optional<SnapshotArtifact>> loadArtifact(const QSqlDatabase &conn,
                                                                const QString &artifactId);
    // {run: {...}, artifact: {name, size_bytes}?}; each series holds at most
    // limits.maxPointsPerSeries [step, value] pairs (evenly thinned, the last kept)
    // and at most limits.maxSeries series are included.
    static Result<QJsonObject> build(const QSqlDatabase &conn, const QString &runId,
                                     const SnapshotRun &run,
                                     const std::optional<SnapshotArtifact> &artifact,
                                     const ShareLimits &limits);
    // The snapshot a share of the run (and artifact, when it is the run's) keeps
    // from now on, as compact JSON; not_found when the run is gone.
    static Result<QByteArray> take(const QSqlDatabase &conn, const QString &runId,
                                   const QString &artifactId, const ShareLimits &limits);
};

} // namespace wfx
