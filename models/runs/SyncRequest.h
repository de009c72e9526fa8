// SPDX-License-Identifier: Apache-2.0
// The body of POST /api/sync/runs, checked field by field: every bad field is
// reported (dotted paths such as metrics.1.step), not only the first. A later
// sync of the same run may leave out every field but project_id and
// client_run_id (CONTRACT.md section 3, Runs that grow): a field left out is
// not `sent` (or nullopt) here and keeps the run's stored value.
#pragma once

#include "models/core/Result.h"
#include "models/runs/Run.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <cstdint>
#include <optional>

namespace simdjson::dom {
class element;
}

namespace wfx {

struct MetricInput
{
    QString name;
    qint64 step = 0;
    double value = 0;
};

struct SignatureInput
{
    QString alg;       // always "ed25519" once parsed
    QString publicKey; // as sent (standard base64)
    QString sig;       // as sent (standard base64)
};

struct SyncRequest
{
    static constexpr int kMaxTextLength = 200;
    static constexpr qsizetype kMaxManifestBytes = 256 * 1024; // RFC 8785 form
    static constexpr qsizetype kMaxMetricPoints = 100000;
    static constexpr qsizetype kMaxLogBytes = 1024 * 1024; // UTF-8
    static constexpr qsizetype kMaxSignatureField = 1024;
    // A body with thousands of bad points answers with this many details at most.
    static constexpr qsizetype kMaxIssues = 200;

    // The run's members the body sent: those kRunFields marks sent (project_id,
    // client_run_id, name, status, started_at, finished_at), with `sent` saying
    // which (bit I for kRunFields' member I: shape::bitOf; a later sync may
    // leave out all but the keys).
    Run run;
    std::uint64_t sent = 0;
    std::optional<QJsonObject> manifest;
    QByteArray manifestCanonical; // the bytes a signature covers (of {} without a manifest)
    QList<MetricInput> metrics;
    std::optional<QString> log;
    qint64 logOffset = 0; // the UTF-8 byte offset in the run's log where `log` starts
    std::optional<SignatureInput> signature;

    // From simdjson's DOM of a body the strict reader accepted (the route's way:
    // no QJsonValue tree), or from Qt's tree (tests, the console's samples).
    static Result<SyncRequest> parse(const simdjson::dom::element &body);
    static Result<SyncRequest> parse(const QJsonObject &body);
    static bool isStatus(const QString &s);
    // queued 0, running 1, the terminal statuses 2: status only moves up.
    static int statusRank(const QString &s);
    static bool isTerminal(const QString &s) { return statusRank(s) == 2; }
};

} // namespace wfx
