// SPDX-License-Identifier: Apache-2.0
// The evidence package of a run: one ZIP an auditor can check offline.
//
//   manifest.json   the manifest in RFC 8785 canonical form (the bytes a client signature covers)
//   metrics.csv     name,step,value ordered by name and step
//   log.txt         the log, UTF-8
//   signature.json  the client signature and its verification (or "signature": null)
//   audit.json      the run's audit trail, oldest first
//   index.json      RFC 8785: format, run, generated_at, files [{name, size, sha256}],
//                   signing {alg, public_key, signature_file}
//   index.sig       standard base64 of the instance's Ed25519 signature over index.json
//
// Verifying: the sum and size of each listed file, then the signature of the
// exact bytes of index.json with the public key it names (and which the
// verifier should compare with the instance key it trusts).
#pragma once

#include "models/core/Context.h"
#include "models/core/Result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace wfx {

struct EvidencePackage
{
    QString runId;
    QString fileName; // evidence-<run id>.zip
    QByteArray zip;
    QString sha256; // of zip, lowercase hex
    QJsonObject index;
    QString indexSig; // standard base64
    qint64 generatedAt = 0;
    // {run_id, file_name, content_type, size_bytes, sha256, generated_at, index, index_sig}
    QJsonObject toJson() const;
};

class EvidencePackager
{
public:
    static const QString kFormat; // "worldflux-evidence-package/1"

    // signingSeed: the instance's 32-byte Ed25519 seed.
    EvidencePackager(ModelContext ctx, QByteArray signingSeed)
        : m_ctx(std::move(ctx)), m_seed(std::move(signingSeed))
    {
    }

    // Viewer role on the run's workspace (a read: DSAR-restricted callers may
    // export). Writes one run.evidence_export audit entry.
    Result<EvidencePackage> build(const Actor &actor, const QString &runId);

    static QByteArray metricsCsv(const QList<QStringList> &rows);

private:
    ModelContext m_ctx;
    QByteArray m_seed;
};

} // namespace wfx
