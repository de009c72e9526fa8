// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHash>
#include <QHostAddress>
#include <QString>
#include <QStringList>

namespace wfx {

// Limits the connection guard enforces before QHttpServer buffers anything.
struct GuardLimits
{
    int maxHeadBytes = 16 * 1024;
    qint64 maxJsonBody = 1 << 20;         // everything but part uploads
    qint64 maxPartBody = 8 * 1024 * 1024; // PUT /uploads/... (artifact parts)
    int headTimeoutMs = 15'000;           // first byte of a request to the end of its head
    int bodyStallMs = 30'000;             // no body progress for this long
    int idleTimeoutMs = 60'000;           // keep-alive connection without a request
    int writeStallMs = 30'000;            // a client that does not read its answer
    int maxConnectionsPerClient = 128;
    // Trusted proxies multiplex many clients over their connections: not capped.
    QList<QPair<QHostAddress, int>> uncappedPeers;
};

struct ServerConfig
{
    QHostAddress listen = QHostAddress::LocalHost;
    quint16 port = 8787;
    QString dataDir;
    QStringList publicHostNames; // extra allowed Host names
    qint64 maxJsonBody = 1 << 20;
    qint64 partSize = 8 * 1024 * 1024; // artifact upload part size
    GuardLimits guard;                 // maxJsonBody and partSize are copied in
    QString sendmailCommand;           // empty: mails stay in the outbox for the administrator
    QByteArray webhookSecret;          // Stripe-Signature secret (WFX_BILLING_WEBHOOK_SECRET)
    // Stripe: used for checkout and portal when a secret key is set, else the
    // offline provider (WFX_STRIPE_SECRET_KEY, WFX_STRIPE_BASE_URL,
    // WFX_STRIPE_PRICES=pro=price_1,team=price_2).
    QByteArray stripeSecretKey;
    QString stripeBaseUrl = QStringLiteral("https://api.stripe.com");
    QHash<QString, QString> stripePrices;       // plan -> Stripe price id
    bool e2eFixtures = false;                   // WORLDFLUX_WEB_E2E_FIXTURES=1
    bool staging = false;                       // WFX_STAGING=1
    int shareReadLimit = 120;                   // WFX_SHARE_READ_LIMIT
    int sharePasswordAttempts = 5;              // WFX_SHARE_PASSWORD_ATTEMPTS
    qint64 runMaxPoints = 10'000'000;           // WFX_RUN_MAX_POINTS: per run, all syncs together
    qint64 runMaxLogBytes = 64LL * 1024 * 1024; // WFX_RUN_MAX_LOG_BYTES
    bool tls = false;                           // serve https (tlsCertFile + tlsKeyFile)
    QString tlsCertFile;                        // PEM certificate chain
    QString tlsKeyFile;                         // PEM private key
    int httpRedirectPort =
        -1; // with tls: plain HTTP here answers 308 to https; 0: a free port; -1: off
    QList<QPair<QHostAddress, int>> metricsAllow; // subnets besides loopback that may read /metrics
    // Load balancers / reverse proxies: only from these peers is the client address taken
    // from Forwarded / X-Forwarded-For (core/ClientAddress.h); they are not capped per client.
    QList<QPair<QHostAddress, int>> trustedProxies;
    QByteArray signingKey; // the instance's Ed25519 seed (32 bytes), from the instance secrets
    int threads = 4; // serving threads on one port (slow handlers such as scrypt block only theirs)
};

} // namespace wfx
