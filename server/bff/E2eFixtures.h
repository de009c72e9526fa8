// SPDX-License-Identifier: Apache-2.0
// The dashboard BFF's E2E fixture store (CONTRACT.md section 6): with
// WORLDFLUX_WEB_E2E_FIXTURES=1 the run routes answer from these in-memory runs
// instead of the store. Deterministic: the same seed runs, ids and times on
// every start, and runs added later get ids and times from a counter. Nothing
// here touches the database. Thread-safe (the server serves on several threads).
#pragma once

#include "models/core/Cursor.h"
#include "models/core/Result.h"
#include "models/runs/RunService.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QMutex>

namespace wfx {

class E2eFixtures
{
public:
    E2eFixtures();

    static constexpr int kSeedRuns = 3;
    static constexpr int kMaxRuns =
        10000; // added runs beyond this are refused (memory stays bounded)
    static constexpr int kMaxBatch = 100; // runs per cli-sync call

    // The fixture workspace and project the seed runs live in.
    static QString workspaceId();
    static QString projectId();

    // The JSON Schema of one added run ({name, project_id?, workspace_id?,
    // client_run_id?, status?}); add() and addMany() validate against it.
    static QJsonObject runInputSchema();
    static QJsonObject batchSchema(); // {"runs": [runInputSchema, ...]}

    // Newest first, keyset on (created_at, id) like RunService::list.
    Result<Page<Run>> list(const RunFilter &filter, int limit, const QString &cursor) const;
    Result<Run> add(const QJsonObject &input);
    // All or nothing: a batch with one bad run adds none.
    Result<QList<Run>> addMany(const QJsonArray &inputs);
    int count() const;

private:
    Run make(const QJsonObject &input); // m_mutex held
    static QString fixtureId(const QString &label);

    mutable QMutex m_mutex;
    QList<Run> m_runs; // in creation order
    int m_seq = 0;
};

} // namespace wfx
