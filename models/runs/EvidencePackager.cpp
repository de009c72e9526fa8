// SPDX-License-Identifier: Apache-2.0
#include "models/runs/EvidencePackager.h"

#include "models/audit/AuditService.h"
#include "models/core/Clock.h"
#include "models/core/Cursor.h"
#include "models/core/Ids.h"
#include "models/crypto/Crypto.h"
#include "models/crypto/Jcs.h"
#include "models/db/Database.h"
#include "models/db/Tx.h"
#include "models/runs/MetricStore.h"
#include "models/runs/RunService.h"
#include "models/runs/ZipWriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcEvidence, "wfx.models.evidence", QtInfoMsg)

namespace wfx {

const QString EvidencePackager::kFormat = QStringLiteral("worldflux-evidence-package/1");

namespace {

QByteArray csvField(const QString &s)
{
    QByteArray b = s.toUtf8();
    if (b.contains(',') || b.contains('"') || b.contains('\n') || b.contains('\r')) {
        b.replace("\"", "\"\"");
        b = '"' + b + '"';
    }
    return b;
}

} // namespace

QJsonObject EvidencePackage::toJson() const
{
    return {{u"run_id"_s, runId},
            {u"file_name"_s, fileName},
            {u"content_type"_s, u"application/zip"_s},
            {u"size_bytes"_s, double(zip.size())},
            {u"sha256"_s, sha256},
            {u"generated_at"_s, ids::formatTime(generatedAt)},
            {u"index"_s, index},
            {u"index_sig"_s, indexSig}};
}

QByteArray EvidencePackager::metricsCsv(const QList<QStringList> &rows)
{
    QByteArray out = "name,step,value\r\n";
    for (const QStringList &r : rows) {
        out += csvField(r.value(0)) + ',' + r.value(1).toLatin1() + ',' + r.value(2).toLatin1() +
               "\r\n";
    }
    return out;
}

Result<EvidencePackage> EvidencePackager::build(const Actor &actor, const QString &runId)
{
    RunService runs(m_ctx);
    auto run = runs.get(actor, runId); // Viewer check; not_found outside the caller's workspaces
    if (!run)
        return run.error();
    const auto publicKey = crypto::ed25519PublicFromPrivate(m_seed);
    if (m_seed.size() != 32 || !publicKey) {
        qCWarning(lcEvidence) << "no instance signing key: evidence packages cannot be signed";
        return Error{ErrorCode::Unavailable, u"The instance has no signing key."_s};
    }

    auto manifest = runs.manifest(actor, runId);
    if (!manifest)
        return manifest.error();

    QList<QStringList> rows;
    {
        auto visited = metricstore::visit(
            m_ctx.db->connection(), runId, [&](const QString &name, const chunk::Point &p) {
                rows.append({name, QString::number(p.step),
                             QString::fromLatin1(jcs::formatNumber(p.value))});
            });
        if (!visited)
            return visited.error();
    }

    QByteArray log;
    for (qint64 offset = 0;;) {
        auto slice = runs.log(actor, runId, offset, RunService::kMaxLogLimit);
        if (!slice)
            return slice.error();
        log += slice->content.toUtf8();
        if (slice->nextOffset < 0)
            break;
        offset = slice->nextOffset;
    }

    auto signature = runs.signature(actor, runId);
    if (!signature)
        return signature.error();

    // The trail is read as the system once the caller's access is established:
    // a Viewer may not list the workspace's audit log, but this run's entries
    // are part of its evidence.
    AuditService audit(m_ctx);
    AuditFilter filter;
    filter.targetId = runId;
    QJsonArray trail;
    QString next;
    do {
        auto page = audit.list(Actor::system(), filter, cursor::kMaxLimit, next);
        if (!page)
            return page.error();
        for (const AuditEntry &e : page->items)
            trail.prepend(e.toJson()); // newest first from the list; the file is oldest first
        next = page->nextCursor;
    } while (!next.isEmpty());

    EvidencePackage pkg;
    pkg.runId = runId;
    pkg.fileName = u"evidence-"_s + runId + u".zip"_s;
    pkg.generatedAt = m_ctx.clock->nowMs();

    const QList<QPair<QString, QByteArray>> files{
        {u"manifest.json"_s, jcs::canonicalize(*manifest)},
        {u"metrics.csv"_s, metricsCsv(rows)},
        {u"log.txt"_s, log},
        {u"signature.json"_s, QJsonDocument(signature->toJson()).toJson(QJsonDocument::Indented)},
        {u"audit.json"_s, QJsonDocument(trail).toJson(QJsonDocument::Indented)},
    };
    QJsonArray listed;
    for (const auto &f : files)
        listed.append(QJsonObject{{u"name"_s, f.first},
                                  {u"size"_s, double(f.second.size())},
                                  {u"sha256"_s, crypto::sha256Hex(f.second)}});
    const QJsonObject runInfo{{u"id"_s, run->id},
                              {u"project_id"_s, run->projectId},
                              {u"workspace_id"_s, run->workspaceId},
                              {u"client_run_id"_s, run->clientRunId},
                              {u"name"_s, run->name},
                              {u"status"_s, run->status},
                              {u"evidence"_s, run->evidence}};
    pkg.index = QJsonObject{
        {u"format"_s, kFormat},
        {u"run"_s, runInfo},
        {u"generated_at"_s, ids::formatTime(pkg.generatedAt)},
        {u"files"_s, listed},
        {u"signing"_s, QJsonObject{{u"alg"_s, u"ed25519"_s},
                                   {u"public_key"_s, QString::fromLatin1(publicKey->toBase64())},
                                   {u"signature_file"_s, u"index.sig"_s},
                                   {u"covers"_s, u"the exact bytes of index.json"_s}}}};
    const QByteArray indexBytes = jcs::canonicalize(pkg.index);
    const QByteArray sig = crypto::ed25519Sign(m_seed, indexBytes);
    if (sig.size() != 64)
        return Error::internal(u"Signing the evidence index failed."_s);
    pkg.indexSig = QString::fromLatin1(sig.toBase64());

    ZipWriter zip(pkg.generatedAt);
    for (const auto &f : files) {
        if (!zip.add(f.first, f.second))
            return Error{ErrorCode::PayloadTooLarge, u"The evidence package would be too large."_s};
    }
    if (!zip.add(u"index.json"_s, indexBytes) || !zip.add(u"index.sig"_s, pkg.indexSig.toLatin1()))
        return Error{ErrorCode::PayloadTooLarge, u"The evidence package would be too large."_s};
    pkg.zip = zip.finish();
    pkg.sha256 = crypto::sha256Hex(pkg.zip);

    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto a = AuditService::append(
            tx, m_ctx.clock->nowMs(), actor, u"run.evidence_export"_s, run->workspaceId, u"run"_s,
            runId, {{u"sha256"_s, pkg.sha256}, {u"size_bytes"_s, double(pkg.zip.size())}});
        !a)
        return a.error();
    if (auto c = tx.commit(); !c)
        return c.error();
    return pkg;
}

} // namespace wfx
