// SPDX-License-Identifier: Apache-2.0
#include "server/core/StoreAuthenticator.h"

#include "server/core/Services.h"

namespace wfx {

Result<Actor> StoreAuthenticator::bearer(const QString &secret, const QString &ip)
{
    return m_services.apiKeys.authenticate(secret, ip);
}

std::optional<Authenticator::SessionAuth> StoreAuthenticator::session(const QString &token,
                                                                      const QString &ip)
{
    auto signedIn = m_services.accounts.authenticate(token);
    if (!signedIn)
        return std::nullopt;
    SessionAuth out;
    out.actor = Actor::user(signedIn->user.id, ip);
    out.actor.instanceAdmin = signedIn->user.isAdmin;
    out.csrfToken = signedIn->session.csrfToken;
    return out;
}

} // namespace wfx
