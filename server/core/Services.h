// SPDX-License-Identifier: Apache-2.0
// The model services the handlers call: one instance each, shared by every
// server thread (each service uses the calling thread's own connection).
#pragma once

#include "artifacts/ArtifactService.h"
#include "artifacts/BlobStore.h"
#include "audit/AuditService.h"
#include "core/Context.h"
#include "core/RateLimiter.h"
#include "core/ServerConfig.h"
#include "workspaces/WorkspaceService.h"

namespace wfx {

struct Services
{
    explicit Services(const ModelContext &c, const ServerConfig &cfg)
        : ctx(c), config(cfg), workspaces(c), audit(c), rateLimiter(c), blobs(cfg.dataDir),
          artifacts(c, blobs, artifactOptions(cfg))
    {
    }
    static ArtifactService::Options artifactOptions(const ServerConfig &cfg)
    {
        ArtifactService::Options o;
        o.partSize = cfg.partSize;
        return o;
    }
    ModelContext ctx;
    ServerConfig config;
    WorkspaceService workspaces;
    AuditService audit;
    RateLimiter rateLimiter;
    BlobStore blobs;
    ArtifactService artifacts;
};

} // namespace wfx
