// SPDX-License-Identifier: Apache-2.0
// Runs work on the thread pool and hands its result back on the GUI thread, to
// `context` (dropped if context is gone). Store access never runs on the GUI thread.
#pragma once

#include <QFutureWatcher>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

#include <utility>

namespace wfx::ui {

template <typename Work, typename Done>
QFutureWatcher<std::invoke_result_t<Work>> *runAsync(QObject *context, Work work, Done done)
{
    using T = std::invoke_result_t<Work>;
    auto *watcher = new QFutureWatcher<T>(context);
    QObject::connect(watcher, &QFutureWatcher<T>::finished, context,
                     [watcher, done = std::move(done)]() mutable {
                         watcher->deleteLater();
                         done(watcher->result());
                     });
    watcher->setFuture(QtConcurrent::run(std::move(work)));
    return watcher;
}

// A panel's background jobs: counts the ones running (busy) and waits for all of
// them (call waitForAll() first thing in the panel's destructor, so no job
// outlives what it uses). Results go to the owner's GUI thread, as runAsync.
class PanelJobs
{
public:
    explicit PanelJobs(QObject *owner) : m_owner(owner) {}
    bool busy() const { return m_running > 0; }

    template <typename Work, typename Done> void run(Work work, Done done)
    {
        ++m_running;
        m_jobs.append(runAsync(m_owner, std::move(work),
                               [this, done = std::move(done)](const auto &result) mutable {
                                   --m_running;
                                   done(result);
                               }));
    }

    void waitForAll()
    {
        for (const QPointer<QFutureWatcherBase> &w : std::as_const(m_jobs))
            if (w)
                w->waitForFinished();
    }

private:
    QObject *m_owner;
    int m_running = 0;
    QList<QPointer<QFutureWatcherBase>> m_jobs;
};

} // namespace wfx::ui
