// SPDX-License-Identifier: Apache-2.0
// Versioned schema migrations per dialect, from :/migrations/<dialect>/NNNN_name.sql.
#pragma once

#include "models/core/Result.h"

namespace wfx {

class Database;

class Migrator
{
public:
    explicit Migrator(Database &db) : m_db(db) {}
    // Applies every migration newer than the store's version, each in its own
    // transaction. Running it again is a no-op. Safe when several processes
    // start at once on one PostgreSQL (advisory lock).
    // Data steps (code that moves rows after a file's schema change) run right
    // after their file, and again at every start until they report done, so a
    // store stopped half way (kill -9) finishes before it serves.
    Status run();
    // Tests: applies migrations up to and including `version` only (an old store).
    Status runUpTo(int version);
    int currentVersion();
    int latestVersion() const;
    // Tests: data steps stop after this many runs (a store left half way).
    void stopDataStepsAfter(qsizetype runs) { m_stopAfterRuns = runs; }
    // The version of the migration file named NNNN_<name>.sql, or 0.
    int versionNamed(const QString &name) const;

private:
    Database &m_db;
    qsizetype m_stopAfterRuns = -1;
};

} // namespace wfx
