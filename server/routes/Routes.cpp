// SPDX-License-Identifier: Apache-2.0
#include "server/routes/Routes.h"

namespace wfx {

void registerRoutes(RouteTable &table, Services &services)
{
    addSystemRoutes(table, services);
    addAuthRoutes(table, services);
    addDocsRoutes(table, services);
    addWorkspaceRoutes(table, services);
    addArtifactRoutes(table, services);
    addUsageRoutes(table, services);
    addBillingRoutes(table, services);
    addMeRoutes(table, services);
    addAuditRoutes(table, services);
    addClaimRoutes(table, services);
    addBffRoutes(table, services);
    addRunRoutes(table, services);
    addShareRoutes(table, services);
}

} // namespace wfx
