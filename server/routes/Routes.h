// SPDX-License-Identifier: Apache-2.0
// Every route family adds its entries to the one table.
#pragma once

namespace wfx {

class RouteTable;
struct Services;

void registerRoutes(RouteTable &table, Services &services);

void addSystemRoutes(RouteTable &table, Services &services);
void addAuthRoutes(RouteTable &table, Services &services);
void addDocsRoutes(RouteTable &table, Services &services);
void addWorkspaceRoutes(RouteTable &table, Services &services);
void addArtifactRoutes(RouteTable &table, Services &services);
void addUsageRoutes(RouteTable &table, Services &services);
void addBillingRoutes(RouteTable &table, Services &services);
void addMeRoutes(RouteTable &table, Services &services);
void addAuditRoutes(RouteTable &table, Services &services);
void addClaimRoutes(RouteTable &table, Services &services);
void addBffRoutes(RouteTable &table, Services &services);
void addRunRoutes(RouteTable &table, Services &services);
void addShareRoutes(RouteTable &table, Services &services);

} // namespace wfx
