// SPDX-License-Identifier: Apache-2.0
// Billing for air-gapped instances: no payment service is contacted. A checkout
// yields a local page (/billing/offline?session=...) and the service records it
// as a pending checkout; an instance administrator then confirms it
// (BillingService::completeOfflineCheckout) once the plan was paid out of band.
#pragma once

#include "models/billing/BillingProvider.h"

namespace wfx {

class OfflineBillingProvider final : public BillingProvider
{
public:
    QString name() const override { return QStringLiteral("offline"); }
    Result<ProviderCheckout> checkoutUrl(const BillingWorkspace &workspace, const QString &plan,
                                         const QString &successUrl,
                                         const QString &cancelUrl) override;
    Result<QString> portalUrl(const BillingWorkspace &workspace) override;
};

} // namespace wfx
