// SPDX-License-Identifier: Apache-2.0
// One long job on the thread pool at a time (verifying the audit chain, writing
// a file), as a panel shows it: a progress bar polled from counters the worker
// updates, and Cancel, which asks the worker to stop (it reads `cancel`). Both
// are hidden while no job runs.
#pragma once

#include <QObject>

#include <atomic>
#include <memory>

class QProgressBar;
class QPushButton;
class QTimer;
class QWidget;

namespace wfx::ui {

class JobProgress : public QObject
{
    Q_OBJECT
public:
    // What the worker counts, and where it learns that it should stop.
    struct Counters
    {
        std::atomic<qint64> done{0};
        std::atomic<qint64> total{0};
        std::atomic<bool> cancel{false};
    };
    static constexpr int kPollMs = 100;

    // The bar and the button are made in `parent`; `cancelText` is the panel's
    // own word for Cancel (its translation).
    JobProgress(QWidget *parent, const QString &barName, const QString &barAccessibleName,
                const QString &cancelText, const QString &cancelName);
    // Asks a job still running to stop (the worker may outlive the panel).
    ~JobProgress() override;

    QProgressBar *bar() const { return m_bar; }
    QPushButton *cancelButton() const { return m_cancel; }
    bool isRunning() const { return m_counters != nullptr; }

    // A new job: fresh counters for the worker, the bar at 0 and Cancel shown.
    std::shared_ptr<Counters> start();
    // The job ended: the bar and Cancel hide.
    void finish();
    // Asks the running job to stop (Cancel does) and disables Cancel; false when
    // none runs.
    bool cancel();

signals:
    // Every kPollMs while a job runs: what the worker has counted so far.
    void polled(qint64 done, qint64 total);
    // A running job was asked to stop; it ends when the worker sees it.
    void cancelled();

private:
    QProgressBar *m_bar = nullptr;
    QPushButton *m_cancel = nullptr;
    QTimer *m_poll = nullptr;
    std::shared_ptr<Counters> m_counters;
};

} // namespace wfx::ui
