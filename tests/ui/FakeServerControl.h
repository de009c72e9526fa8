// SPDX-License-Identifier: Apache-2.0
// A ServerControl for panel tests: state in plain fields the test sets.
#pragma once

#include "ui/ServerControl.h"

#include <atomic>

namespace wfxtest {

class FakeServerControl : public wfx::ServerControl
{
public:
    QString address() const override { return addr; }
    bool isRunning() const override { return running; }
    bool start() override
    {
        ++starts;
        running = startSucceeds;
        return startSucceeds;
    }
    void stop() override
    {
        ++stops;
        running = false;
    }
    quint64 requestCount() const override { return requests.load(); }
    QString storeDescription() const override { return description; }
    qint64 storeSizeBytes() const override
    {
        ++sizeCalls;
        return size;
    }
    bool artifactStoreHealthy() const override { return healthy; }

    QString addr = QStringLiteral("http://127.0.0.1:8787");
    bool running = true;
    bool startSucceeds = true;
    int starts = 0, stops = 0;
    std::atomic<quint64> requests{0};
    QString description = QStringLiteral("SQLite /var/lib/worldflux/store.db");
    qint64 size = 5 * 1024 * 1024;
    bool healthy = true;
    mutable std::atomic<int> sizeCalls{0};
};

} // namespace wfxtest
