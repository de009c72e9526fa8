// SPDX-License-Identifier: Apache-2.0
// Checkout and customer-portal links from Stripe's HTTP API
// (POST /v1/checkout/sessions, POST /v1/billing_portal/sessions).
//
// Each call runs its own QNetworkAccessManager and a local QEventLoop on a
// short-lived thread while the calling server thread waits: the caller's event
// loop is never re-entered (no other request is served inside a handler), and a
// timeout bounds the wait. The secret key never appears in a log line.
#pragma once

#include "models/billing/BillingProvider.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QPair>

namespace wfx {

class StripeProvider final : public BillingProvider
{
public:
    struct Options
    {
        QByteArray secretKey; // sk_live_... / sk_test_...
        QString baseUrl = QStringLiteral("https://api.stripe.com");
        QHash<QString, QString> prices; // plan -> price id
        int timeoutMs = 15'000;
    };

    explicit StripeProvider(Options options) : m_opt(std::move(options)) {}

    QString name() const override { return QStringLiteral("stripe"); }
    Result<ProviderCheckout> checkoutUrl(const BillingWorkspace &workspace, const QString &plan,
                                         const QString &successUrl,
                                         const QString &cancelUrl) override;
    Result<QString> portalUrl(const BillingWorkspace &workspace) override;

    using Form = QList<QPair<QString, QString>>;
    // application/x-www-form-urlencoded, keys and values percent-encoded.
    static QByteArray encodeForm(const Form &form);

private:
    // POSTs the form to baseUrl + path; the parsed JSON object of a 2xx answer.
    Result<QJsonObject> post(const QString &path, const Form &form) const;

    Options m_opt;
};

} // namespace wfx
