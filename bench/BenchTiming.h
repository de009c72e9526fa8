// SPDX-License-Identifier: Apache-2.0
// Timing for the bench programs: `repeat` runs of f(), their median, 95th
// percentile and fastest, in milliseconds.
#pragma once

#include <QElapsedTimer>

#include <algorithm>
#include <vector>

namespace wfx::bench {

struct Stats
{
    double medianMs, p95Ms, minMs;
};

template <typename F> Stats timeIt(int repeat, F &&f)
{
    std::vector<double> ms;
    for (int i = 0; i < repeat; ++i) {
        QElapsedTimer t;
        t.start();
        f();
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2],
            ms[std::min<size_t>(ms.size() - 1, size_t(double(ms.size()) * 0.95))], ms.front()};
}

} // namespace wfx::bench
