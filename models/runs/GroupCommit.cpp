// SPDX-License-Identifier: Apache-2.0
#include "models/runs/GroupCommit.h"

namespace wfx {

void GroupCommit::submit(Job &job, const Runner &run)
{
    std::unique_lock lock(m_mutex);
    m_pending.push_back(&job);
    while (!job.done) {
        if (m_leading) {
            m_changed.wait(lock);
            continue;
        }
        // Lead: run what is waiting, batch after batch, until this job is done.
        m_leading = true;
        while (!job.done) {
            QList<Job *> batch;
            while (!m_pending.empty() && batch.size() < m_maxBatch) {
                batch.append(m_pending.front());
                m_pending.pop_front();
            }
            lock.unlock();
            run(batch);
            lock.lock();
            for (Job *j : std::as_const(batch))
                j->done = true;
            m_changed.notify_all();
        }
        m_leading = false;
        if (!m_pending.empty())
            m_changed.notify_all(); // a waiting caller takes the lead
    }
}

qsizetype GroupCommit::pending()
{
    std::lock_guard lock(m_mutex);
    return qsizetype(m_pending.size());
}

} // namespace wfx
