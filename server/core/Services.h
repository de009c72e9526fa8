// SPDX-License-Identifier: Apache-2.0
// The model services the handlers call: one instance each, shared by every
// server thread (each service uses the calling thread's own connection).
#pragma once

#include "models/accounts/AccountService.h"
#include "models/accounts/ApiKeyService.h"
#include "models/accounts/MailOutbox.h"
#include "models/artifacts/ArtifactService.h"
#include "models/artifacts/BlobStore.h"
#include "models/audit/AuditService.h"
#include "models/billing/BillingService.h"
#include "models/claims/ClaimService.h"
#include "models/claims/LeaderboardService.h"
#include "models/claims/MuseumService.h"
#include "models/core/Context.h"
#include "models/core/RateLimiter.h"
#include "models/dsar/DsarService.h"
#include "models/runs/LedgerService.h"
#include "models/runs/RunService.h"
#include "models/shares/PublicShareResolver.h"
#include "models/shares/ShareService.h"
#include "models/status/StatusService.h"
#include "models/usage/UsageService.h"
#include "models/workspaces/WorkspaceService.h"
#include "server/core/ServerConfig.h"

#include <memory>

namespace wfx {

struct Services
{
    Services(const ModelContext &c, const ServerConfig &cfg);

    ModelContext ctx;
    ServerConfig config;
    std::shared_ptr<MailOutbox> mail;
    std::shared_ptr<ApiKeyUsage> keyUsage;
    AccountService accounts;
    ApiKeyService apiKeys;
    WorkspaceService workspaces;
    AuditService audit;
    RateLimiter rateLimiter;
    BlobStore blobs;
    ArtifactService artifacts;
    RunService runs;
    LedgerService ledger;
    ShareService shares;
    PublicShareResolver publicShares;
    UsageService usage;
    BillingService billing;
    DsarService dsar;
    ClaimService claims;
    MuseumService museum;
    LeaderboardService leaderboard;
    StatusService status;
};

} // namespace wfx
