// SPDX-License-Identifier: Apache-2.0
#include "server/core/Services.h"

#include "models/accounts/SendmailTransport.h"
#include "models/billing/OfflineBillingProvider.h"
#include "server/billing/StripeProvider.h"

#include <QDir>
#include <QProcess>

namespace wfx {

namespace {
std::shared_ptr<MailTransport> transportFor(const ServerConfig &cfg)
{
    if (cfg.sendmailCommand.isEmpty())
        return {};
    SendmailTransport::Options o;
    QStringList parts = QProcess::splitCommand(cfg.sendmailCommand);
    o.program = parts.takeFirst();
    if (!parts.isEmpty())
        o.arguments = parts;
    return std::make_shared<SendmailTransport>(o);
}

ArtifactService::Options artifactOptions(const ServerConfig &cfg)
{
    ArtifactService::Options o;
    o.partSize = cfg.partSize;
    return o;
}

// Stripe when a secret key is configured, otherwise nothing leaves the machine.
std::shared_ptr<BillingProvider> billingProvider(const ServerConfig &cfg)
{
    if (cfg.stripeSecretKey.isEmpty())
        return std::make_shared<OfflineBillingProvider>();
    StripeProvider::Options o;
    o.secretKey = cfg.stripeSecretKey;
    if (!cfg.stripeBaseUrl.isEmpty())
        o.baseUrl = cfg.stripeBaseUrl;
    o.prices = cfg.stripePrices;
    return std::make_shared<StripeProvider>(o);
}

ShareLimits shareLimits(const ServerConfig &cfg)
{
    ShareLimits l;
    l.readLimit = cfg.shareReadLimit;
    l.passwordAttempts = cfg.sharePasswordAttempts;
    return l;
}
} // namespace

Services::Services(const ModelContext &c, const ServerConfig &cfg)
    : ctx(c), config(cfg), mail(std::make_shared<MailOutbox>(c, transportFor(cfg))),
      keyUsage(std::make_shared<ApiKeyUsage>()), accounts(c, mail), apiKeys(c, keyUsage),
      workspaces(c), audit(c), rateLimiter(c), blobs(cfg.dataDir),
      artifacts(c, blobs, artifactOptions(cfg)),
      runs(c, RunLimits{cfg.runMaxPoints, cfg.runMaxLogBytes}), ledger(c),
      shares(c, shareLimits(cfg)), publicShares(c, shareLimits(cfg)), usage(c),
      billing(c, billingProvider(cfg)), dsar(c), claims(c), museum(c), leaderboard(c),
      status(c, blobs)
{
}

} // namespace wfx
