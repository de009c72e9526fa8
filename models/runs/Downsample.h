// SPDX-License-Identifier: Apache-2.0
// Thinning long metric series for charts.
#pragma once

#include <QList>
#include <QtGlobal>

namespace wfx {

struct SeriesPoint
{
    qint64 step = 0;
    double value = 0;
    friend bool operator==(const SeriesPoint &, const SeriesPoint &) = default;
};

namespace downsample {

// Largest-Triangle-Three-Buckets (Steinarsson 2013): keeps the first and last
// point and, from each of maxPoints - 2 equal buckets in between, the point
// forming the largest triangle with the previously kept point and the next
// bucket's mean. It keeps peaks and dips that averaging would flatten.
// `points` must be ordered by step. Returns the input when it already has at
// most maxPoints points; maxPoints below 3 keeps the ends only.
QList<SeriesPoint> lttb(const QList<SeriesPoint> &points, int maxPoints);

} // namespace downsample
} // namespace wfx
