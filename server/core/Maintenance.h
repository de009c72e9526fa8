// SPDX-License-Identifier: Apache-2.0
// Scheduled upkeep on its own thread: batched API-key last-use writes, mail
// delivery, and sweeps (rate counters, expired sessions, stale uploads and
// reservations, due deletions, status samples).
#pragma once

#include <QObject>

class QThread;

namespace wfx {

struct Services;

class Maintenance : public QObject
{
    Q_OBJECT
public:
    explicit Maintenance(Services &services);
    ~Maintenance() override;
    void start(int fastMs = 5'000, int slowMs = 60'000);
    // Stops the timers and runs the fast tasks one last time (nothing recorded is lost).
    void stop();
    void runFast();
    void runSlow();

private:
    Services &m_services;
    QThread *m_thread = nullptr;
    QObject *m_anchor = nullptr;
};

} // namespace wfx
