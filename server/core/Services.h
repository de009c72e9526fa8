// SPDX-License-Identifier: Apache-2.0
// The model services the handlers call: one instance each, shared by every
// server thread (each service uses the calling thread's own connection).
#pragma once

#include "accounts/AccountService.h"
#include "accounts/ApiKeyService.h"
#include "accounts/MailOutbox.h"
#include "artifacts/ArtifactService.h"
#include "artifacts/BlobStore.h"
#include "audit/AuditService.h"
#include "billing/BillingService.h"
#include "claims/ClaimService.h"
#include "claims/LeaderboardService.h"
#include "claims/MuseumService.h"
#include "core/Context.h"
#include "core/RateLimiter.h"
#include "core/ServerConfig.h"
#include "dsar/DsarService.h"
#include "runs/LedgerService.h"
#include "runs/RunService.h"
#include "shares/PublicShareResolver.h"
#include "shares/ShareService.h"
#include "status/StatusService.h"
#include "usage/UsageService.h"
#include "workspaces/WorkspaceService.h"

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
