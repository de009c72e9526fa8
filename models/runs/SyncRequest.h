// SPDX-License-Identifier: Apache-2.0
// The body of POST /api/sync/runs, checked field by field: every bad field is
// reported (dotted paths such as metrics.1.step), not only the first.
#pragma once

#include "core/Result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

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

    QString projectId, clientRunId, name, status;
    std::optional<qint64> startedAt, finishedAt;
    QJsonObject manifest;
    QByteArray manifestCanonical; // the bytes a signature covers
    QList<MetricInput> metrics;
    QString log;
    std::optional<SignatureInput> signature;

    // Absent status means "completed": a client syncs a run once it has ended.
    static Result<SyncRequest> parse(const QJsonObject &body);
    static bool isStatus(const QString &s);
};

} // namespace wfx
