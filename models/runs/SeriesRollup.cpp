// SPDX-License-Identifier: Apache-2.0
#include "models/runs/SeriesRollup.h"

#include <QtEndian>

#include <cstring>

namespace wfx::rollup {

namespace {
constexpr qsizetype kPointBytes = 16;

qsizetype bucketsOf(qint64 n, int level)
{
    const qint64 size = qint64(1) << level;
    return qsizetype((n + size - 1) / size);
}
} // namespace

QList<SeriesPoint> m4(const QList<SeriesPoint> &points, qsizetype bucketSize)
{
    QList<SeriesPoint> out;
    const qsizetype n = points.size();
    if (bucketSize < 1)
        return out;
    out.reserve(std::min<qsizetype>(n, (n / bucketSize + 1) * 4));
    for (qsizetype start = 0; start < n; start += bucketSize) {
        const qsizetype end = std::min(n, start + bucketSize);
        qsizetype lo = start, hi = start;
        for (qsizetype i = start + 1; i < end; ++i) {
            if (points.at(i).value < points.at(lo).value)
                lo = i;
            if (points.at(i).value > points.at(hi).value)
                hi = i;
        }
        // Ascending indexes first, lo/hi, last: at most four, each once.
        qsizetype keep[4] = {start, std::min(lo, hi), std::max(lo, hi), end - 1};
        qsizetype previous = -1;
        for (const qsizetype i : keep) {
            if (i != previous)
                out.append(points.at(i));
            previous = i;
        }
    }
    return out;
}

QList<Level> build(const QList<SeriesPoint> &points)
{
    QList<Level> levels;
    const qsizetype n = points.size();
    if (n <= kMinPoints)
        return levels;
    // Every level reads the points: O(n) each, O(n log n) in all.
    for (int k = kFirstLevel; bucketsOf(n, k) >= kMinBuckets; k += kLevelStep)
        levels.append({k, pack(m4(points, qsizetype(1) << k))});
    return levels;
}

int choose(qint64 n, const QList<int> &levels, int maxPoints)
{
    int best = -1;
    for (const int k : levels) {
        if (bucketsOf(n, k) >= kBucketsPerOutput * maxPoints)
            best = std::max(best, k);
    }
    return best;
}

QByteArray pack(const QList<SeriesPoint> &points)
{
    QByteArray out(points.size() * kPointBytes, Qt::Uninitialized);
    char *p = out.data();
    for (const SeriesPoint &pt : points) {
        quint64 bits = 0;
        std::memcpy(&bits, &pt.value, sizeof bits);
        qToLittleEndian<qint64>(pt.step, p);
        qToLittleEndian<quint64>(bits, p + 8);
        p += kPointBytes;
    }
    return out;
}

QList<SeriesPoint> unpack(const QByteArray &data)
{
    QList<SeriesPoint> out;
    if (data.size() % kPointBytes != 0)
        return out;
    out.resize(data.size() / kPointBytes);
    const char *p = data.constData();
    for (SeriesPoint &pt : out) {
        pt.step = qFromLittleEndian<qint64>(p);
        const quint64 bits = qFromLittleEndian<quint64>(p + 8);
        std::memcpy(&pt.value, &bits, sizeof bits);
        p += kPointBytes;
    }
    return out;
}

} // namespace wfx::rollup
