// SPDX-License-Identifier: Apache-2.0
#include "core/StoreAuthenticator.h"

#include "core/Services.h"

namespace wfx {

// Accounts land with the accounts service; until then nobody authenticates.
Result<Actor> StoreAuthenticator::bearer(const QString &, const QString &)
{
    return Error{ErrorCode::LoginRequired, QStringLiteral("Please log in again.")};
}

std::optional<Authenticator::SessionAuth> StoreAuthenticator::session(const QString &, const QString &)
{
    return std::nullopt;
}

} // namespace wfx
