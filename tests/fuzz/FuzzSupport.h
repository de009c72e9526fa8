// SPDX-License-Identifier: Apache-2.0
// What the libFuzzer targets share: one QCoreApplication, a fresh SQLite store
// (TestStore) with the real route table over it, and invariant checks that
// abort, so libFuzzer keeps the input that broke them.
#pragma once

#include "TestStore.h"

#include "server/core/Dispatcher.h"
#include "server/core/RouteTable.h"
#include "server/core/ServerConfig.h"
#include "server/core/Services.h"
#include "server/routes/Routes.h"

#include <QCoreApplication>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace wfxfuzz {

// An invariant the target asserts; a failure is a finding.
#define WFX_FUZZ_CHECK(cond, ...)                                                                  \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "invariant failed: %s (%s:%d): ", #cond, __FILE__, __LINE__);     \
            std::fprintf(stderr, __VA_ARGS__);                                                     \
            std::fprintf(stderr, "\n");                                                            \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

inline QCoreApplication &app()
{
    static int argc = 1;
    static char name[] = "wfx-fuzz";
    static char *argv[] = {name, nullptr};
    static QCoreApplication *a = [] {
        qputenv("QT_LOGGING_RULES", "wfx.*=false"); // refusals are the common case here, not news
        return new QCoreApplication(argc, argv);
    }();
    return *a;
}

inline QString L(const char *s)
{
    return QString::fromLatin1(s);
}

// The real route table over a migrated SQLite store in $TMPDIR; built once per process.
struct World
{
    wfxtest::TestStore store{L("sqlite")};
    wfx::ServerConfig config;
    std::unique_ptr<wfx::Services> services;
    wfx::RouteTable table;

    World()
    {
        config.dataDir = store.dir.path();
        config.webhookSecret = "whsec_fuzz";
        config.partSize =
            64; // small parts: the fuzzer reaches every part number and the size limit
        services = std::make_unique<wfx::Services>(store.ctx, config);
        wfx::registerRoutes(table, *services);
    }

    // A user with a workspace, a project and one run in it (what uploads and shares hang off).
    struct Owner
    {
        wfx::Actor actor;
        QString workspaceId, runId;
    };
    Owner owner()
    {
        Owner o;
        o.actor = store.actor(store.createUser(wfx::ids::newUuid() + L("@example.com")));
        o.workspaceId = services->workspaces.create(o.actor, L("fuzz"))->id;
        const QString project =
            services->workspaces.createProject(o.actor, o.workspaceId, L("p"))->id;
        o.runId = wfx::ids::newUuid();
        wfx::Query q(store.db->connection(),
                     L("INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, "
                       "status, created_at, "
                       "evidence) VALUES (:id, :p, :w, :c, 'run', 'running', :t, 'unsigned')"));
        q.bind(L(":id"), o.runId)
            .bind(L(":p"), project)
            .bind(L(":w"), o.workspaceId)
            .bind(L(":c"), o.runId)
            .bind(L(":t"), store.clock.nowMs());
        if (!q.exec())
            qFatal("insert run: %s", qPrintable(q.errorText()));
        return o;
    }
};

inline World &world()
{
    app();
    static World *w = new World; // lives as long as the process; never torn down mid-run
    return *w;
}

// Splits the input at the first `sep`: (before, after); no separator: (all, empty).
inline std::pair<QByteArray, QByteArray> splitAt(const QByteArray &in, char sep)
{
    const qsizetype i = in.indexOf(sep);
    if (i < 0)
        return {in, {}};
    return {in.left(i), in.mid(i + 1)};
}

} // namespace wfxfuzz
