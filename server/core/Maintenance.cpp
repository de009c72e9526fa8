// SPDX-License-Identifier: Apache-2.0
#include "server/core/Maintenance.h"

#include "models/core/Clock.h"
#include "server/core/Services.h"

#include <QLoggingCategory>
#include <QThread>
#include <QTimer>

Q_LOGGING_CATEGORY(lcMaint, "wfx.server.maintenance", QtInfoMsg)

namespace wfx {

Maintenance::Maintenance(Services &services) : m_services(services) {}

Maintenance::~Maintenance()
{
    stop();
}

void Maintenance::start(int fastMs, int slowMs)
{
    if (m_thread)
        return;
    m_thread = new QThread;
    m_thread->setObjectName(QStringLiteral("wfx-maintenance"));
    m_thread->start();
    m_anchor = new QObject;
    m_anchor->moveToThread(m_thread);
    QMetaObject::invokeMethod(
        m_anchor,
        [this, fastMs, slowMs] {
            auto *fast = new QTimer(m_anchor);
            connect(fast, &QTimer::timeout, m_anchor, [this] { runFast(); });
            fast->start(fastMs);
            auto *slow = new QTimer(m_anchor);
            connect(slow, &QTimer::timeout, m_anchor, [this] { runSlow(); });
            slow->start(slowMs);
        },
        Qt::BlockingQueuedConnection);
}

void Maintenance::stop()
{
    if (!m_thread)
        return;
    QMetaObject::invokeMethod(
        m_anchor,
        [this] {
            delete m_anchor;
            m_anchor = nullptr;
            runFast();
        },
        Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
}

void Maintenance::runFast()
{
    if (auto n = m_services.apiKeys.flushLastUsed(); !n)
        qCWarning(lcMaint) << "API key last-use flush failed:" << n.error().message;
    if (auto n = m_services.mail.get()->deliverPending(); !n)
        qCWarning(lcMaint) << "mail delivery failed:" << n.error().message;
}

void Maintenance::runSlow()
{
    const qint64 now = m_services.ctx.clock->nowMs();
    auto warn = [](const char *what, const Error &e) {
        qCWarning(lcMaint) << what << "failed:" << e.message;
    };
    if (auto r = m_services.rateLimiter.sweep(now - 3'600'000); !r)
        warn("rate counter sweep", r.error());
    if (auto r = m_services.accounts.sweepExpired(); !r)
        warn("session sweep", r.error());
    if (auto r = m_services.artifacts.sweepStaleUploads(now); !r)
        warn("upload sweep", r.error());
    if (auto r = m_services.usage.expireStale(); !r)
        warn("reservation expiry", r.error());
    if (auto r = m_services.dsar.executeDueDeletions(); !r)
        warn("due deletions", r.error());
    m_services.status.status(); // records a sample per component (at most one a minute)
}

} // namespace wfx
