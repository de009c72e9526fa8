// SPDX-License-Identifier: Apache-2.0
// The model services the handlers call: one instance each, shared by every
// server thread (each service uses the calling thread's own connection).
#pragma once

#include "audit/AuditService.h"
#include "core/Context.h"
#include "core/RateLimiter.h"
#include "core/ServerConfig.h"
#include "workspaces/WorkspaceService.h"

namespace wfx {

struct Services
{
    explicit Services(const ModelContext &c, const ServerConfig &cfg)
        : ctx(c), config(cfg), workspaces(c), audit(c), rateLimiter(c)
    {
    }
    ModelContext ctx;
    ServerConfig config;
    WorkspaceService workspaces;
    AuditService audit;
    RateLimiter rateLimiter;
};

} // namespace wfx
