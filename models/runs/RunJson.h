// SPDX-License-Identifier: Apache-2.0
// A run's JSON shape and its row, declared once (models/core/Shape.h): the
// run's field table, its status and evidence names, and the writer of a run
// page's rows straight from the store's native rows.
#pragma once

#include "models/core/Shape.h"
#include "models/core/ShapeColumns.h"
#include "models/runs/RunService.h"
#include "models/runs/RunStatus.h"
#include "models/runs/SyncRequest.h"

#include <QByteArrayView>

namespace wfx {

class NativeQuery;

// A run's members as UTF-8 bytes, from a row of the run's columns: Run's
// members without a QString each.
using RunView = RunMembers<QByteArrayView, const QStringList *>;

// Row is Run or RunView. The run's JSON (in any order: members are written
// sorted), its schema, and its row in `runs`: the stored fields, in this
// order, are the columns RunService selects, reads, inserts and updates
// (models/core/ShapeColumns.h); the members marked sent are read from a sync's
// body (SyncRequest, models/core/ShapeInput.h) and published in its schema. A
// new field is a member in Run.h, a line here and its migration.
template <typename Row>
inline constexpr auto kRunFields = std::tuple{
    shape::field("id", &Row::id, shape::uuid()).stored(shape::Update::Never),
    shape::field("project_id", &Row::projectId, shape::uuid())
        .stored(shape::Update::Never)
        .sent(shape::Input::Key),
    shape::field("workspace_id", &Row::workspaceId, shape::uuid()).stored(shape::Update::Never),
    shape::field("client_run_id", &Row::clientRunId, shape::text(1, SyncRequest::kMaxTextLength))
        .stored(shape::Update::Never)
        .sent(shape::Input::Key,
              "Unique per project: the same value again carries the stored run forward"),
    shape::field("name", &Row::name,
                 shape::text(1, SyncRequest::kMaxTextLength).trimmed().alsoPublic())
        .stored()
        .sent(shape::Input::Replaces, "Required by the first sync of a run"),
    shape::field("status", &Row::status, shape::oneOf<RunStatus>().alsoPublic())
        .stored()
        .sent(shape::Input::Ruled,
              "First sync: default completed. Later: only forward (queued, running, then "
              "completed, failed or cancelled); an earlier one is ignored"),
    shape::field("started_at", &Row::startedAt, shape::instant().orNull().alsoPublic())
        .stored()
        .sent(shape::Input::Replaces),
    shape::field("finished_at", &Row::finishedAt, shape::instant().orNull().alsoPublic())
        .stored()
        .sent(shape::Input::Ruled, "Not before started_at; taken with a terminal status"),
    shape::field("created_at", &Row::createdAt, shape::instant().alsoPublic())
        .stored(shape::Update::Never),
    shape::field("evidence", &Row::evidence,
                 shape::oneOf<Evidence>()
                     .describedAs("Ed25519 over the RFC 8785 manifest: verified, present but wrong "
                                  "(unverified), or none (unsigned)")
                     .alsoPublic())
        .stored(),
    shape::field("metric_count", &Row::metricCount, shape::integer()).stored(),
    shape::field("log_bytes", &Row::logBytes, shape::integer()).stored(),
    shape::field("metric_names", &Row::metricNames,
                 shape::textList().omittable().describedAs("Only in GET /api/runs/{run_id}")),
    shape::columnOnly("created_by", &Row::createdBy, shape::uuid().orNull(), shape::Update::Never),
};

// A run's signature (when present) and its compliance items: their JSON and
// their rows in run_signatures and compliance_mappings. A signature's evidence
// is the run's, not a column of run_signatures.
inline constexpr auto kRunSignatureFields = std::tuple{
    shape::field("run_id", &RunSignature::runId, shape::uuid()).stored(),
    shape::field("evidence", &RunSignature::evidence, shape::oneOf<Evidence>()),
    shape::field("alg", &RunSignature::alg, shape::text()).stored(),
    shape::field("public_key", &RunSignature::publicKey, shape::text()).stored(),
    shape::field("sig", &RunSignature::sig, shape::text()).stored(),
    shape::field("signed_sha256", &RunSignature::signedSha256, shape::text()).stored(),
    shape::field("verified", &RunSignature::verified, shape::boolean()).stored(),
    shape::field("checked_at", &RunSignature::checkedAt, shape::instant()).stored(),
};
inline constexpr auto kComplianceItemFields = std::tuple{
    shape::field("framework", &ComplianceItem::framework, shape::text()).stored(),
    shape::field("control", &ComplianceItem::control, shape::text()).stored(),
    shape::field("status", &ComplianceItem::status, shape::text()).stored(),
    shape::field("evidence", &ComplianceItem::evidence, shape::text()).stored(),
};

// The current row of a query that selected the run's columns first; valid
// until the query moves on.
RunView runView(const NativeQuery &q);
// The bytes Run::writeJson writes for the same run.
void writeRunJson(JsonWriter &w, const RunView &r);

} // namespace wfx
