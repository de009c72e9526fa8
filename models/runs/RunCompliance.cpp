// SPDX-License-Identifier: Apache-2.0
#include "models/runs/RunCompliance.h"

#include "models/crypto/Crypto.h"

#include <QSet>

using namespace Qt::StringLiterals;

namespace wfx::compliance {

std::optional<QByteArray> strictBase64(const QString &s)
{
    const QByteArray raw = s.toLatin1();
    if (QString::fromLatin1(raw) != s)
        return std::nullopt;
    auto decoded = QByteArray::fromBase64Encoding(raw, QByteArray::Base64Encoding |
                                                           QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.toBase64() != raw)
        return std::nullopt;
    return decoded.decoded;
}

bool verifySignature(const SignatureInput &sig, const QByteArray &message)
{
    const auto key = strictBase64(sig.publicKey);
    const auto signature = strictBase64(sig.sig);
    if (!key || !signature || key->size() != 32 || signature->size() != 64)
        return false;
    return crypto::ed25519Verify(*key, message, *signature);
}

ComplianceItem metricsItem(qint64 points, qsizetype series)
{
    if (points == 0)
        return {RunService::kFramework, u"reproducibility.metrics"_s, u"not_satisfied"_s,
                u"No metrics were recorded."_s};
    return {RunService::kFramework, u"reproducibility.metrics"_s, u"satisfied"_s,
            u"%1 points in %2 series."_s.arg(points).arg(series)};
}

QList<ComplianceItem> mappingFor(const MappingFacts &f)
{
    const QString fw = RunService::kFramework;
    const QString yes = u"satisfied"_s, no = u"not_satisfied"_s;
    QList<ComplianceItem> out;
    if (f.evidence == QLatin1String("verified"))
        out.append(
            {fw, u"integrity.signature"_s, yes,
             u"Ed25519 signature over the RFC 8785 manifest (sha256 %1) verified at sync."_s.arg(
                 f.manifestSha)});
    else if (f.evidence == QLatin1String("unverified"))
        out.append(
            {fw, u"integrity.signature"_s, no, u"A signature is present but does not verify."_s});
    else
        out.append({fw, u"integrity.signature"_s, no, u"The run carries no signature."_s});
    if (f.manifestKeys == 0)
        out.append({fw, u"provenance.manifest"_s, no, u"The manifest is empty."_s});
    else
        out.append({fw, u"provenance.manifest"_s, yes,
                    u"Manifest with %1 top-level keys, sha256 %2."_s.arg(f.manifestKeys)
                        .arg(f.manifestSha)});
    out.append(metricsItem(f.points, f.series));
    out.append(
        {fw, u"audit.logged"_s, yes, u"The sync is recorded in the audit chain as run.sync."_s});
    return out;
}

qsizetype seriesIn(const QList<MetricInput> &metrics)
{
    QSet<QString> names;
    const QString *last = nullptr;
    for (const auto &m : metrics) {
        if (!last || m.name != *last) // a series' points mostly come together
            names.insert(m.name);
        last = &m.name;
    }
    return names.size();
}

} // namespace wfx::compliance
