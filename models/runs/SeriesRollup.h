// SPDX-License-Identifier: Apache-2.0
// Multi-resolution rollups of long metric series, so a chart of a series of a
// million points reads tens of thousands of points, not a million.
//
// Level k holds, for every bucket of 2^k consecutive points (ordered by step),
// the bucket's first, lowest, highest and last point (M4 aggregation, Jugel et
// al., VLDB 2014), in step order and without repeats: at most 4 points per
// bucket, every one a real point of the series. Levels k = kFirstLevel,
// kFirstLevel + kLevelStep, ... are kept while a level still has at least
// kMinBuckets buckets, and only for series of more than kMinPoints points.
//
// A chart of maxPoints points (RunService::metricSeries) is LTTB over the
// coarsest level that still has at least kBucketsPerOutput * maxPoints
// buckets; when no level has that many, over all points, exactly as without a
// rollup. So a series of at most kMinPoints points, or of at most
// 16 * (2 * maxPoints - 1) points, answers exactly downsample::lttb(points,
// maxPoints), and a longer one exactly downsample::lttb(m4(points, 2^k),
// maxPoints) for the chosen k.
#pragma once

#include "models/runs/Downsample.h"

#include <QByteArray>
#include <QList>

namespace wfx::rollup {

constexpr qsizetype kMinPoints = 4096;
constexpr int kFirstLevel = 4;
constexpr int kLevelStep = 2;
constexpr qsizetype kMinBuckets = 4;
constexpr qsizetype kBucketsPerOutput = 2;

struct Level
{
    int level = 0;
    QByteArray data; // pack() of the level's points
};

// The first, lowest, highest and last point of each bucket of bucketSize
// consecutive points, in order, each kept once (ties: the earliest point).
QList<SeriesPoint> m4(const QList<SeriesPoint> &points, qsizetype bucketSize);

// Every level of a series ordered by step; empty when it has at most kMinPoints.
QList<Level> build(const QList<SeriesPoint> &points);

// The stored level (from `levels`, ascending) that serves maxPoints for a
// series of n points, or -1: read every point.
int choose(qint64 n, const QList<int> &levels, int maxPoints);

QByteArray pack(const QList<SeriesPoint> &points);
// Empty when `data` is not a whole number of points.
QList<SeriesPoint> unpack(const QByteArray &data);

} // namespace wfx::rollup
