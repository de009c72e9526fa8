// SPDX-License-Identifier: Apache-2.0
// Data-subject requests about the caller's own account: export, deletion with a
// grace period, restriction of processing, objections. These work while the
// caller is restricted (they are how a restricted person exercises their rights).
#pragma once

#include "models/core/Context.h"
#include "models/core/Cursor.h"
#include "models/core/Result.h"

#include <QJsonObject>

namespace wfx {

struct DsarRequest
{
    QString id, userId, kind, state; // kind: export, deletion, restriction, objection
    QJsonObject detail;
    qint64 createdAt = 0, dueAt = 0, scheduledFor = 0, completedAt = 0; // 0: none
    QJsonObject toJson() const;
};

struct DeletionStatus
{
    QString state; // scheduled, cancelled, none
    qint64 scheduledFor = 0;
    QString requestId;
    QJsonObject toJson() const; // {state, scheduled_for?}
};

struct Objection
{
    QString purpose; // analytics, marketing, research
    bool objected = false;
    qint64 updatedAt = 0;
    QJsonObject toJson() const;
};

class DsarService
{
public:
    explicit DsarService(ModelContext ctx, qint64 deletionGraceMs = kDefaultGraceMs)
        : m_ctx(std::move(ctx)), m_graceMs(deletionGraceMs)
    {
    }

    static constexpr qint64 kDefaultGraceMs = 30LL * 24 * 3600 * 1000;
    // Rows read per statement while exporting; the export itself is not cut off.
    static constexpr int kExportBatch = 200;
    static const QStringList &purposes();

    // Everything held about the caller, never a secret or a hash of one. Records
    // a completed export request (dsar.export) first, so the export lists it.
    Result<QJsonObject> exportData(const Actor &actor);

    Result<DeletionStatus> requestDeletion(const Actor &actor);
    // conflict when no deletion is scheduled.
    Result<DeletionStatus> cancelDeletion(const Actor &actor);
    Result<DeletionStatus> deletionStatus(const Actor &actor);
    // System job: deletes the accounts whose grace period has passed, with the
    // workspaces they own (and everything in them), their memberships, keys and
    // sessions. Returns how many accounts were deleted.
    Result<int> executeDueDeletions();
    // Console: carries out the user's scheduled deletion now, before its grace
    // period ends (dsar.deletion_executed with early: true). System or instance
    // administrator; conflict when no deletion is scheduled.
    Status executeDeletionNow(const Actor &actor, const QString &userId);

    // Returns the restriction now in force.
    Result<bool> setRestricted(const Actor &actor, bool restricted);
    Result<Objection> object(const Actor &actor, const QString &purpose, bool objected);
    Result<QList<Objection>> objections(const Actor &actor);

    // Console: every request, newest first; system or instance administrator.
    Result<Page<DsarRequest>> listRequests(const Actor &actor, int limit, const QString &cursor);

private:
    // Deletes one account whose request is still scheduled, in its own
    // transaction; false when the request was cancelled or executed meanwhile.
    Result<bool> executeDeletion(const Actor &actor, const QString &requestId,
                                 const QString &userId, qint64 now, bool early);
    ModelContext m_ctx;
    qint64 m_graceMs;
};

} // namespace wfx
