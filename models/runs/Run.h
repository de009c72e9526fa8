// SPDX-License-Identifier: Apache-2.0
// A run as the model layer holds it. Its members are declared once here; the
// run's field table (kRunFields, models/runs/RunJson.h) says for each its JSON
// member, schema, column and whether a sync's body sends it.
#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

namespace wfx {

class JsonWriter;

// A run's members, declared once for both forms a run takes: Run holds them
// as QStrings, RunView (RunJson.h) as the UTF-8 bytes of a native row. The
// run's field table (kRunFields, RunJson.h) names them for the JSON, the
// schemas and the row in `runs`: a new member is one line here and one there.
template <typename Text, typename Names> struct RunMembers
{
    Text id, projectId, workspaceId, clientRunId, name, status;
    std::optional<qint64> startedAt, finishedAt;
    qint64 createdAt = 0;
    Text evidence; // verified, unverified, unsigned
    qint64 metricCount = 0;
    qint64 logBytes = 0;
    Text createdBy;
    Names metricNames{}; // filled by get(), not by list()
};

struct Run : RunMembers<QString, std::optional<QStringList>>
{
    // {id, project_id, workspace_id, client_run_id, name, status, started_at,
    //  finished_at, created_at, evidence, metric_count, log_bytes, metric_names?}
    QJsonObject toJson() const;
    // The same bytes as QJsonDocument(toJson()) in compact form, without the tree.
    void writeJson(JsonWriter &w) const;
};

} // namespace wfx
