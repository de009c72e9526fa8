// SPDX-License-Identifier: Apache-2.0
// Group commit, as databases do for their log: callers that write at the same
// time hand their work to one of them, the leader, which writes the whole batch
// in one transaction; every caller returns only once the transaction carrying
// its work has ended (committed, or failed and reported). No thread of its own:
// the leader is whichever waiting caller finds no leader, so nothing outlives
// the callers and each batch runs on a caller's own connection.
#pragma once

#include <QList>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace wfx {

class GroupCommit
{
public:
    // A caller's work; the runner sets its outcome in the derived type.
    struct Job
    {
        bool done = false;
    };
    // Handles a batch (in submission order) and sets every job's outcome.
    using Runner = std::function<void(const QList<Job *> &)>;

    explicit GroupCommit(qsizetype maxBatch) : m_maxBatch(maxBatch) {}

    // Returns once a batch holding `job` has been run, by this caller or by
    // another. Every caller of one GroupCommit passes an equivalent runner.
    void submit(Job &job, const Runner &run);
    // Jobs queued and not yet taken into a batch.
    qsizetype pending();

private:
    const qsizetype m_maxBatch;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Job *> m_pending;
    bool m_leading = false;
};

} // namespace wfx
