// SPDX-License-Identifier: Apache-2.0
// Authenticator over the account services: Bearer API keys and session cookies.
#pragma once

#include "server/core/Dispatcher.h"

namespace wfx {

struct Services;

class StoreAuthenticator final : public Authenticator
{
public:
    explicit StoreAuthenticator(Services &services) : m_services(services) {}
    Result<Actor> bearer(const QString &secret, const QString &ip) override;
    std::optional<SessionAuth> session(const QString &token, const QString &ip) override;

private:
    Services &m_services;
};

} // namespace wfx
