// SPDX-License-Identifier: Apache-2.0
// What the console shows of, and does to, the built-in server. app/ implements
// it over the real server; the ui never includes server/ headers.
#pragma once

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <memory>

namespace wfx {

class BillingProvider;

class ServerControl
{
public:
    virtual ~ServerControl() = default;

    // Base URL such as "http://127.0.0.1:8787" (the last one while stopped).
    virtual QString address() const = 0;
    virtual bool isRunning() const = 0;
    virtual bool start() = 0;
    virtual void stop() = 0;
    // Requests served since the process started; cheap (an atomic), GUI thread safe.
    virtual quint64 requestCount() const = 0;
    // "SQLite /path/store.db" or "PostgreSQL host:port/db"; cheap.
    virtual QString storeDescription() const = 0;
    // These two touch the disk or the store: call them off the GUI thread.
    // Bytes used by the store, -1 if unknown.
    virtual qint64 storeSizeBytes() const = 0;
    virtual bool artifactStoreHealthy() const = 0;
    // The payment provider the server sends people to; null: the console uses
    // the offline provider.
    virtual std::shared_ptr<BillingProvider> billingProvider() const { return {}; }
    // The data folder (artifact bytes live in its blob store); empty: unknown.
    virtual QString dataDir() const { return {}; }
    // The instance's 32-byte Ed25519 seed that signs evidence packages; empty: none.
    virtual QByteArray signingSeed() const { return {}; }
};

} // namespace wfx
