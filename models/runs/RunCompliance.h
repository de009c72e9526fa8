// SPDX-License-Identifier: Apache-2.0
// What a run's evidence says: its signature checked, and the compliance mapping
// that follows from what the run holds. Pure functions, no store.
#pragma once

#include "models/runs/RunService.h"
#include "models/runs/SyncRequest.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace wfx::compliance {

// Standard base64 with padding, exactly as RFC 4648 section 4 writes it.
std::optional<QByteArray> strictBase64(const QString &s);

// An Ed25519 signature (a 32-byte key, a 64-byte signature, both strict
// base64) over message; false for anything malformed.
bool verifySignature(const SignatureInput &sig, const QByteArray &message);

// What a run's compliance mapping says, from what the run holds.
struct MappingFacts
{
    QString evidence, manifestSha;
    qsizetype manifestKeys = 0;
    qint64 points = 0;
    qsizetype series = 0;
};

// The mapping's reproducibility.metrics control: the one a batch of new points changes.
ComplianceItem metricsItem(qint64 points, qsizetype series);

QList<ComplianceItem> mappingFor(const MappingFacts &f);

// How many series (distinct names) a sync's points fall in.
qsizetype seriesIn(const QList<MetricInput> &metrics);

} // namespace wfx::compliance
