// SPDX-License-Identifier: Apache-2.0
// Runs work on the thread pool and hands its result back on the GUI thread, to
// `context` (dropped if context is gone). Store access never runs on the GUI thread.
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

#include <utility>

namespace wfx::ui {

template<typename Work, typename Done>
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

} // namespace wfx::ui
