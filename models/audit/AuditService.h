// SPDX-License-Identifier: Apache-2.0
// The instance's append-only, hash-chained audit log.
#pragma once

#include "models/core/Context.h"
#include "models/core/Cursor.h"
#include "models/core/Result.h"
#include "models/core/Shape.h"

#include <QJsonObject>

#include <functional>

namespace wfx {

class Tx;

struct AuditEntry
{
    qint64 seq = 0;
    QString id;
    qint64 at = 0;
    QString actorId, workspaceId, action, targetType, targetId, ip;
    QJsonObject detail;
    QString prevHash, hash;

    QJsonObject toJson() const;
    // The same bytes as QJsonDocument(toJson()) in compact form, without the tree.
    void writeJson(JsonWriter &w) const;
    // The bytes the hash covers after prev_hash (RFC 8785 of the entry).
    QByteArray canonical() const;
};

inline constexpr auto kAuditEntryFields = std::tuple{
    shape::field("id", &AuditEntry::id, shape::uuid()),
    shape::field("seq", &AuditEntry::seq, shape::integer(1)),
    shape::field("at", &AuditEntry::at, shape::instant()),
    shape::field("action", &AuditEntry::action,
                 shape::text(1, 200).describedAs("Dotted, e.g. share.create")),
    shape::field("actor_id", &AuditEntry::actorId,
                 shape::uuid().orNull().describedAs("null for the system")),
    shape::field("workspace_id", &AuditEntry::workspaceId, shape::uuid().orNull()),
    shape::field("target_type", &AuditEntry::targetType, shape::text(0, 200)),
    shape::field("target_id", &AuditEntry::targetId, shape::text().orNull()),
    shape::field("ip", &AuditEntry::ip, shape::text().orNull()),
    shape::field("detail", &AuditEntry::detail, shape::anyObject()),
    shape::field("prev_hash", &AuditEntry::prevHash,
                 shape::text().orNull().describedAs("The hash of the entry written before")),
    shape::field("hash", &AuditEntry::hash, shape::text(64, 64)),
};

struct AuditFilter
{
    QString workspaceId, action, actorId, targetType, targetId;
    qint64 fromMs = 0, toMs = 0; // 0 = open
};

struct AuditVerdict
{
    bool ok = true;
    qint64 checked = 0;
    qint64 firstBadSeq = 0;
    QString reason;
};

class AuditService
{
public:
    explicit AuditService(ModelContext ctx) : m_ctx(std::move(ctx)) {}

    // Appends one entry inside the caller's transaction; the chain head row is
    // updated in the same transaction so appenders serialise.
    static Status append(Tx &tx, qint64 nowMs, const Actor &actor, const QString &action,
                         const QString &workspaceId, const QString &targetType,
                         const QString &targetId, const QJsonObject &detail = {});

    // The end of a write: the entry appended, the change announced as
    // (targetType, targetId), the transaction committed.
    static Status commit(Tx &tx, qint64 nowMs, const Actor &actor, const QString &action,
                         const QString &workspaceId, const QString &targetType,
                         const QString &targetId, const QJsonObject &detail = {});

    // Entries the actor may see, newest first. The system actor sees everything.
    Result<Page<AuditEntry>> list(const Actor &actor, const AuditFilter &filter, int limit,
                                  const QString &cursor);
    // Walks the whole chain in order; progress returns false to cancel.
    AuditVerdict verify(const std::function<bool(qint64 done, qint64 total)> &progress = {});

private:
    ModelContext m_ctx;
};

} // namespace wfx
