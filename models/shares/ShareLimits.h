// SPDX-License-Identifier: Apache-2.0
// Configurable limits of public share reads (CONTRACT.md section 4) and of the snapshot.
#pragma once

#include <QtGlobal>

namespace wfx {

struct ShareLimits
{
    // Reads per client address and share (both public endpoints count together).
    int readLimit = 120;
    qint64 readWindowMs = 60'000;
    // Wrong passwords within the window that lock the share for that client.
    int passwordAttempts = 5;
    qint64 passwordWindowMs = 15 * 60'000;
    qint64 lockMs = 15 * 60'000;
    // The snapshot stays bounded whatever a run holds.
    int maxSeries = 64;
    int maxPointsPerSeries = 2'000;
};

} // namespace wfx
