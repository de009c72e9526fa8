// SPDX-License-Identifier: Apache-2.0
#include "ConsoleServerControl.h"

#include "models/db/Database.h"
#include "server/core/ApiServer.h"
#include "server/core/Services.h"

namespace wfx {

ConsoleServerControl::ConsoleServerControl(ApiServer &server, std::shared_ptr<Database> db)
    : m_server(server), m_db(std::move(db))
{
    if (m_server.isRunning())
        m_lastAddress = m_server.baseUrl();
}

QString ConsoleServerControl::address() const
{
    return m_server.isRunning() ? m_server.baseUrl() : m_lastAddress;
}

bool ConsoleServerControl::isRunning() const
{
    return m_server.isRunning();
}

bool ConsoleServerControl::start()
{
    if (m_server.start() == 0)
        return false;
    m_lastAddress = m_server.baseUrl();
    return true;
}

void ConsoleServerControl::stop()
{
    if (m_server.isRunning())
        m_lastAddress = m_server.baseUrl();
    m_server.stop();
}

quint64 ConsoleServerControl::requestCount() const
{
    return m_server.requestCount();
}

QString ConsoleServerControl::storeDescription() const
{
    return m_db->describe();
}

qint64 ConsoleServerControl::storeSizeBytes() const
{
    return m_db->sizeBytes();
}

bool ConsoleServerControl::artifactStoreHealthy() const
{
    // BlobStore is immutable after construction; health() only probes the folder.
    return m_server.services().blobs.health().ok();
}

} // namespace wfx

namespace wfx {

std::shared_ptr<BillingProvider> ConsoleServerControl::billingProvider() const
{
    return m_server.services().billing.provider();
}

} // namespace wfx
