// SPDX-License-Identifier: Apache-2.0
// The console's view of the built-in server (wfx::ServerControl over ApiServer).
#pragma once

#include "ui/ServerControl.h"

#include <QString>

#include <memory>

namespace wfx {

class ApiServer;
class Database;

class ConsoleServerControl : public ServerControl
{
public:
    ConsoleServerControl(ApiServer &server, std::shared_ptr<Database> db);

    QString address() const override;
    bool isRunning() const override;
    bool start() override;
    void stop() override;
    quint64 requestCount() const override;
    QString storeDescription() const override;
    qint64 storeSizeBytes() const override;
    bool artifactStoreHealthy() const override;
    std::shared_ptr<BillingProvider> billingProvider() const override;
    QString dataDir() const override { return m_dataDir; }
    QByteArray signingSeed() const override { return m_signingSeed; }
    // What the run details need to save artifacts and sign evidence packages.
    void setRunFiles(const QString &dataDir, const QByteArray &signingSeed)
    {
        m_dataDir = dataDir;
        m_signingSeed = signingSeed;
    }

private:
    ApiServer &m_server;
    std::shared_ptr<Database> m_db;
    QString m_lastAddress; // shown while stopped
    QString m_dataDir;
    QByteArray m_signingSeed;
};

} // namespace wfx
