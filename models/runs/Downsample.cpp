// SPDX-License-Identifier: Apache-2.0
#include "models/runs/Downsample.h"

#include <cmath>

namespace wfx::downsample {

QList<SeriesPoint> lttb(const QList<SeriesPoint> &points, int maxPoints)
{
    const qsizetype n = points.size();
    if (maxPoints < 1)
        return {};
    if (n <= maxPoints)
        return points;
    if (maxPoints == 1)
        return {points.first()};
    if (maxPoints == 2)
        return {points.first(), points.last()};

    QList<SeriesPoint> out;
    out.reserve(maxPoints);
    out.append(points.first());
    // Buckets cover points 1 .. n-2; the ends are kept as they are.
    const double every = double(n - 2) / double(maxPoints - 2);
    qsizetype kept = 0; // index of the last kept point
    for (int b = 0; b < maxPoints - 2; ++b) {
        const qsizetype start = qsizetype(std::floor(b * every)) + 1;
        const qsizetype end = std::min(qsizetype(std::floor((b + 1) * every)) + 1, n - 1);
        // The mean of the next bucket (the last point for the final bucket).
        const qsizetype nextStart = end;
        const qsizetype nextEnd = std::min(qsizetype(std::floor((b + 2) * every)) + 1, n - 1);
        double avgX = 0, avgY = 0;
        if (nextEnd > nextStart) {
            for (qsizetype i = nextStart; i < nextEnd; ++i) {
                avgX += double(points.at(i).step);
                avgY += points.at(i).value;
            }
            avgX /= double(nextEnd - nextStart);
            avgY /= double(nextEnd - nextStart);
        } else {
            avgX = double(points.last().step);
            avgY = points.last().value;
        }
        const double ax = double(points.at(kept).step), ay = points.at(kept).value;
        double best = -1;
        qsizetype bestAt = start;
        for (qsizetype i = start; i < end; ++i) {
            const double area = std::abs((ax - avgX) * (points.at(i).value - ay) -
                                         (ax - double(points.at(i).step)) * (avgY - ay));
            if (area > best) {
                best = area;
                bestAt = i;
            }
        }
        out.append(points.at(bestAt));
        kept = bestAt;
    }
    out.append(points.last());
    return out;
}

} // namespace wfx::downsample
