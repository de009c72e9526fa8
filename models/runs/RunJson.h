// SPDX-License-Identifier: Apache-2.0
// A run's JSON shape, declared once (models/core/Shape.h): the run's field
// table, its status and evidence names, and the writer of a run page's rows
// straight from the store's native rows.
#pragma once

#include "models/core/Shape.h"
#include "models/runs/RunService.h"
#include "models/runs/RunStatus.h"
#include "models/runs/SyncRequest.h"

#include <QByteArrayView>

namespace wfx {

class NativeQuery;

// A run's fields as UTF-8 bytes, from a row of RunService's columns: the
// members of Run that the table names, without a QString each.
struct RunView
{
    QByteArrayView id, projectId, workspaceId, clientRunId, name, status, evidence;
    std::optional<qint64> startedAt, finishedAt;
    qint64 createdAt = 0, metricCount = 0, logBytes = 0;
    const QStringList *metricNames = nullptr;
};

// Row is Run or RunView.
template <typename Row>
inline constexpr auto kRunFields = std::tuple{
    shape::field("id", &Row::id, shape::uuid()),
    shape::field("project_id", &Row::projectId, shape::uuid()),
    shape::field("workspace_id", &Row::workspaceId, shape::uuid()),
    shape::field("client_run_id", &Row::clientRunId, shape::text(1, SyncRequest::kMaxTextLength)),
    shape::field("name", &Row::name, shape::text(1, SyncRequest::kMaxTextLength)),
    shape::field("status", &Row::status, shape::oneOf<RunStatus>()),
    shape::field("started_at", &Row::startedAt, shape::instant().orNull()),
    shape::field("finished_at", &Row::finishedAt, shape::instant().orNull()),
    shape::field("created_at", &Row::createdAt, shape::instant()),
    shape::field("evidence", &Row::evidence,
                 shape::oneOf<Evidence>().describedAs(
                     "Ed25519 over the RFC 8785 manifest: verified, present but wrong "
                     "(unverified), or none (unsigned)")),
    shape::field("metric_count", &Row::metricCount, shape::integer()),
    shape::field("log_bytes", &Row::logBytes, shape::integer()),
    shape::field("metric_names", &Row::metricNames,
                 shape::textList().omittable().describedAs("Only in GET /api/runs/{run_id}")),
};

// A row of RunService's run columns (id, project_id, workspace_id,
// client_run_id, name, status, started_at, finished_at, created_at, evidence,
// metric_count, log_bytes, ...); valid until the query moves on.
RunView runView(const NativeQuery &q);
// The bytes Run::writeJson writes for the same run.
void writeRunJson(JsonWriter &w, const RunView &r);

} // namespace wfx
