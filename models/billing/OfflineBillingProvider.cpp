// SPDX-License-Identifier: Apache-2.0
#include "models/billing/OfflineBillingProvider.h"

#include "models/crypto/Crypto.h"

#include <QUrlQuery>

namespace wfx {

Result<ProviderCheckout> OfflineBillingProvider::checkoutUrl(const BillingWorkspace &workspace,
                                                             const QString &plan,
                                                             const QString &successUrl,
                                                             const QString &cancelUrl)
{
    ProviderCheckout out;
    out.sessionRef = crypto::randomToken(QStringLiteral("offcs_"), 16);
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("session"), out.sessionRef);
    q.addQueryItem(QStringLiteral("workspace_id"), workspace.id);
    q.addQueryItem(QStringLiteral("plan"), plan);
    if (!successUrl.isEmpty())
        q.addQueryItem(QStringLiteral("success_url"), successUrl);
    if (!cancelUrl.isEmpty())
        q.addQueryItem(QStringLiteral("cancel_url"), cancelUrl);
    out.url = QStringLiteral("/billing/offline?") + q.toString(QUrl::FullyEncoded);
    return out;
}

Result<QString> OfflineBillingProvider::portalUrl(const BillingWorkspace &workspace)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("workspace_id"), workspace.id);
    return QString(QStringLiteral("/billing/offline?") + q.toString(QUrl::FullyEncoded));
}

} // namespace wfx
