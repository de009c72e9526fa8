// SPDX-License-Identifier: Apache-2.0
#include "runs/EvidencePackager.h"

#include "audit/AuditService.h"
#include "core/Clock.h"
#include "core/Cursor.h"
#include "core/Ids.h"
#include "crypto/Crypto.h"
#include "crypto/Jcs.h"
#include "db/Database.h"
#include "db/Tx.h"
#include "runs/MetricStore.h"
#include "runs/RunService.h"
#include "runs/ZipWriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcEvidence, "wfx.models.evidence", QtInfoMsg)

namespace wfx {

const QString EvidencePackager::kFormat = QStringLiteral("worldflux-evidence-package/1");

namespace {

QString S(const char *s)
{
    return QString::fromLatin1(s);
}

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
    return {{S("run_id"), runId},
            {S("file_name"), fileName},
            {S("content_type"), S("application/zip")},
            {S("size_bytes"), double(zip.size())},
            {S("sha256"), sha256},
            {S("generated_at"), ids::formatTime(generatedAt)},
            {S("index"), index},
            {S("index_sig"), indexSig}};
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
        return Error{ErrorCode::Unavailable, S("The instance has no signing key.")};
    }

    auto manifest = runs.manifest(actor, runId);
    if (!manifest)
        return manifest.error();

    QList<QStringList> rows;
    {
        auto visited = metricstore::visit(m_ctx.db->connection(), runId,
                                          [&](const QString &name, const chunk::Point &p) {
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
    pkg.fileName = S("evidence-") + runId + S(".zip");
    pkg.generatedAt = m_ctx.clock->nowMs();

    const QList<QPair<QString, QByteArray>> files{
        {S("manifest.json"), jcs::canonicalize(*manifest)},
        {S("metrics.csv"), metricsCsv(rows)},
        {S("log.txt"), log},
        {S("signature.json"), QJsonDocument(signature->toJson()).toJson(QJsonDocument::Indented)},
        {S("audit.json"), QJsonDocument(trail).toJson(QJsonDocument::Indented)},
    };
    QJsonArray listed;
    for (const auto &f : files)
        listed.append(QJsonObject{{S("name"), f.first},
                                  {S("size"), double(f.second.size())},
                                  {S("sha256"), crypto::sha256Hex(f.second)}});
    const QJsonObject runInfo{{S("id"), run->id},
                              {S("project_id"), run->projectId},
                              {S("workspace_id"), run->workspaceId},
                              {S("client_run_id"), run->clientRunId},
                              {S("name"), run->name},
                              {S("status"), run->status},
                              {S("evidence"), run->evidence}};
    pkg.index = QJsonObject{
        {S("format"), kFormat},
        {S("run"), runInfo},
        {S("generated_at"), ids::formatTime(pkg.generatedAt)},
        {S("files"), listed},
        {S("signing"), QJsonObject{{S("alg"), S("ed25519")},
                                   {S("public_key"), QString::fromLatin1(publicKey->toBase64())},
                                   {S("signature_file"), S("index.sig")},
                                   {S("covers"), S("the exact bytes of index.json")}}}};
    const QByteArray indexBytes = jcs::canonicalize(pkg.index);
    const QByteArray sig = crypto::ed25519Sign(m_seed, indexBytes);
    if (sig.size() != 64)
        return Error::internal(S("Signing the evidence index failed."));
    pkg.indexSig = QString::fromLatin1(sig.toBase64());

    ZipWriter zip(pkg.generatedAt);
    for (const auto &f : files) {
        if (!zip.add(f.first, f.second))
            return Error{ErrorCode::PayloadTooLarge, S("The evidence package would be too large.")};
    }
    if (!zip.add(S("index.json"), indexBytes) || !zip.add(S("index.sig"), pkg.indexSig.toLatin1()))
        return Error{ErrorCode::PayloadTooLarge, S("The evidence package would be too large.")};
    pkg.zip = zip.finish();
    pkg.sha256 = crypto::sha256Hex(pkg.zip);

    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto a = AuditService::append(
            tx, m_ctx.clock->nowMs(), actor, S("run.evidence_export"), run->workspaceId, S("run"),
            runId, {{S("sha256"), pkg.sha256}, {S("size_bytes"), double(pkg.zip.size())}});
        !a)
        return a.error();
    if (auto c = tx.commit(); !c)
        return c.error();
    return pkg;
}

} // namespace wfx
