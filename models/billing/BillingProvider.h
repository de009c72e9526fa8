// SPDX-License-Identifier: Apache-2.0
// The seam to a payment provider: where to send a person to pay or manage a plan.
// The Stripe client lives in the server layer (it needs QtNetwork); models only
// know this interface and the offline provider.
#pragma once

#include "models/core/Result.h"

#include <QString>

namespace wfx {

struct BillingWorkspace
{
    QString id, name, plan;
    QString customerRef; // the provider's customer, once a checkout completed
};

struct ProviderCheckout
{
    QString url;
    QString sessionRef; // the provider's checkout session id
};

class BillingProvider
{
public:
    virtual ~BillingProvider() = default;
    virtual QString name() const = 0;
    virtual Result<ProviderCheckout> checkoutUrl(const BillingWorkspace &workspace,
                                                 const QString &plan, const QString &successUrl,
                                                 const QString &cancelUrl) = 0;
    virtual Result<QString> portalUrl(const BillingWorkspace &workspace) = 0;
};

} // namespace wfx
