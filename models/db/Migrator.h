// SPDX-License-Identifier: Apache-2.0
// Versioned schema migrations per dialect, from :/migrations/<dialect>/NNNN_name.sql.
#pragma once

#include "core/Result.h"

namespace wfx {

class Database;

class Migrator
{
public:
    explicit Migrator(Database &db) : m_db(db) {}
    // Applies every migration newer than the store's version, each in its own
    // transaction. Running it again is a no-op. Safe when several processes
    // start at once on one PostgreSQL (advisory lock).
    Status run();
    int currentVersion();
    int latestVersion() const;

private:
    Database &m_db;
};

} // namespace wfx
