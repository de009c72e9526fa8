// SPDX-License-Identifier: Apache-2.0
// Plans and payment: checkout and portal links through a BillingProvider, and
// the signed provider webhook that changes a workspace's plan.
#pragma once

#include "models/billing/BillingProvider.h"
#include "models/core/Context.h"
#include "models/core/Cursor.h"
#include "models/core/Result.h"
#include "models/core/Shape.h"

#include <QByteArray>
#include <QJsonObject>

#include <memory>

namespace wfx {

struct CheckoutSession
{
    QString workspaceId, plan, provider, sessionRef, url;
    QJsonObject toJson() const; // {workspace_id, plan, provider, session_ref, url}
};

inline constexpr auto kCheckoutSessionFields = std::tuple{
    shape::field("workspace_id", &CheckoutSession::workspaceId, shape::uuid()),
    shape::field("plan", &CheckoutSession::plan, shape::text()),
    shape::field("provider", &CheckoutSession::provider, shape::text()),
    shape::field("session_ref", &CheckoutSession::sessionRef, shape::text()),
    shape::field("url", &CheckoutSession::url, shape::text()),
};

// One received webhook event as the console lists it.
struct BillingEvent
{
    QString eventId, type, workspaceId, outcome;
    qint64 eventCreated = 0, receivedAt = 0; // ms since the epoch
    bool applied = false;
    bool duplicate = false; // this delivery repeated an event already recorded
    QJsonObject toJson() const;
};

inline constexpr auto kBillingEventFields = std::tuple{
    shape::field("event_id", &BillingEvent::eventId, shape::text()),
    shape::field("type", &BillingEvent::type, shape::text()),
    shape::field("created", &BillingEvent::eventCreated, shape::instant()),
    shape::field("received_at", &BillingEvent::receivedAt, shape::instant()),
    shape::field("workspace_id", &BillingEvent::workspaceId, shape::uuid().orNull()),
    shape::field("applied", &BillingEvent::applied, shape::boolean()),
    shape::field("outcome", &BillingEvent::outcome, shape::text()),
};

class BillingService
{
public:
    BillingService(ModelContext ctx, std::shared_ptr<BillingProvider> provider)
        : m_ctx(std::move(ctx)), m_provider(std::move(provider))
    {
    }

    static constexpr qint64 kToleranceSecs = 300;
    static constexpr qsizetype kMaxBodyBytes = 1024 * 1024;

    // Owner or admin of the workspace; plan must be a paid plan of plan_caps.
    // Records the session as a pending checkout (billing_subscriptions, status
    // checkout_pending); the plan changes only when the provider confirms.
    Result<CheckoutSession> checkout(const Actor &actor, const QString &workspaceId,
                                     const QString &plan, const QString &successUrl = {},
                                     const QString &cancelUrl = {});
    Result<QString> portal(const Actor &actor, const QString &workspaceId);
    // Offline provider only: an instance administrator confirms a pending
    // checkout that was paid out of band; the plan changes (billing.plan_change).
    Result<CheckoutSession> completeOfflineCheckout(const Actor &actor, const QString &sessionRef);
    // Offline provider only: the page the offline checkout and portal links lead
    // to (/billing/offline). An instance administrator sets the workspace's plan
    // through the path a verified webhook takes (billing.plan_change, the
    // administrator as actor); with a pending checkout's sessionRef the checkout
    // completes as well. Anyone else: forbidden. Returns the plan now in force.
    Result<QString> setPlanOffline(const Actor &actor, const QString &workspaceId,
                                   const QString &plan, const QString &sessionRef = {});

    // Reads a verified event body into JSON. The server passes its strict
    // reader (server/core/JsonReader::read): request JSON is read on the HTTP
    // side, and no second, laxer JSON reader lives in the model layer.
    using BodyReader = Result<QJsonValue> (*)(const QByteArray &body);
    // Verifies the Stripe-Signature header (t=<unix>,v1=<hex HMAC-SHA256 of
    // "t.body">, any v1 may match, within kToleranceSecs either way), then reads
    // the body with `read` (nothing reads it before the signature verifies),
    // records the event once and applies it. invalid_signature: nothing stored.
    Result<BillingEvent> handleWebhook(const QByteArray &rawBody, const QString &signatureHeader,
                                       const QByteArray &secret, BodyReader read);
    // Console: system or instance administrator. Newest first.
    Result<Page<BillingEvent>> webhookEvents(const Actor &actor, int limit, const QString &cursor);

    // The signature check alone (exposed for the server's tests and tools).
    static Status verifySignature(const QByteArray &rawBody, const QString &header,
                                  const QByteArray &secret, qint64 nowSecs,
                                  qint64 toleranceSecs = kToleranceSecs);
    // A header as the provider would send it, for tests and local tools.
    static QString signHeader(const QByteArray &rawBody, const QByteArray &secret, qint64 unixSecs);

    // The provider this service sends people to (the console reuses it).
    std::shared_ptr<BillingProvider> provider() const { return m_provider; }

private:
    ModelContext m_ctx;
    std::shared_ptr<BillingProvider> m_provider;
};

} // namespace wfx
