// SPDX-License-Identifier: Apache-2.0
// The museum: a public gallery of runs their workspace admins chose to publish.
#pragma once

#include "models/core/Context.h"
#include "models/core/Cursor.h"
#include "models/core/Result.h"

#include <QJsonObject>
#include <QSqlDatabase>
#include <QStringList>

#include <optional>

namespace wfx {

// One public entry. The public view carries no internal id except the entry's
// own: no run, project, workspace or owner id, no email, no workspace name.
struct MuseumEntry
{
    QString id, title, description;
    qint64 publishedAt = 0;
    QString runName, runStatus, runEvidence;
    std::optional<qint64> runStartedAt, runFinishedAt;
    QStringList metricNames;

    // {id, title, description, published_at,
    //  run: {name, status, evidence, started_at|null, finished_at|null, metric_names: [..]}}
    QJsonObject toJson() const;
};

class MuseumService
{
public:
    explicit MuseumService(ModelContext ctx) : m_ctx(std::move(ctx)) {}

    static constexpr int kMaxTitleLength = 200;
    static constexpr int kMaxDescriptionLength = 4000;

    // Admin of the run's workspace. A run whose signature failed verification
    // (evidence "unverified") is refused with conflict. Publishing again with a
    // new title or description updates the entry; the same again changes nothing
    // and writes no audit entry. Audit museum.publish.
    Result<MuseumEntry> publish(const Actor &actor, const QString &runId, const QString &title,
                                const QString &description);
    // Admin of the run's workspace. Audit museum.unpublish; a run that is not in
    // the museum is left as it is (ok, no audit entry).
    Status unpublish(const Actor &actor, const QString &runId);
    // Public: newest first (published_at, id), limit 1..200.
    Result<Page<MuseumEntry>> listPublic(int limit, const QString &cursor);

private:
    Result<MuseumEntry> loadByRun(const QSqlDatabase &conn, const QString &runId);
    ModelContext m_ctx;
};

} // namespace wfx
