// SPDX-License-Identifier: Apache-2.0
// TEMPORARY stand-in for the chunk codec (branch codec writes the real one):
// a header (version, count, first and last step) and raw little-endian points.
#include "runs/MetricChunk.h"

#include <QtEndian>

#include <cstring>

namespace wfx::chunk {

namespace {
constexpr char kVersion = char(0x7e);
constexpr qsizetype kHeader = 1 + 8 + 8 + 8;

qint64 readI64(const char *p)
{
    return qFromLittleEndian<qint64>(p);
}
} // namespace

QByteArray encode(std::span<const Point> points)
{
    QByteArray out(kHeader + qsizetype(points.size()) * 16, Qt::Uninitialized);
    char *p = out.data();
    *p++ = kVersion;
    qToLittleEndian<qint64>(qint64(points.size()), p);
    qToLittleEndian<qint64>(points.empty() ? 0 : points.front().step, p + 8);
    qToLittleEndian<qint64>(points.empty() ? 0 : points.back().step, p + 16);
    p += 24;
    for (const Point &pt : points) {
        quint64 bits;
        std::memcpy(&bits, &pt.value, 8);
        qToLittleEndian<qint64>(pt.step, p);
        qToLittleEndian<quint64>(bits, p + 8);
        p += 16;
    }
    return out;
}

bool summarize(QByteArrayView data, Summary &out)
{
    if (data.size() < kHeader || data.at(0) != kVersion)
        return false;
    const qint64 n = readI64(data.data() + 1);
    if (n < 1 || n > kMaxPoints || data.size() != kHeader + n * 16)
        return false;
    out = {qsizetype(n), readI64(data.data() + 9), readI64(data.data() + 17)};
    return true;
}

bool decode(QByteArrayView data, std::vector<Point> &out)
{
    Summary s;
    if (!summarize(data, s))
        return false;
    const qsizetype before = qsizetype(out.size());
    const char *p = data.data() + kHeader;
    for (qsizetype i = 0; i < s.points; ++i, p += 16) {
        Point pt;
        pt.step = readI64(p);
        const quint64 bits = qFromLittleEndian<quint64>(p + 8);
        std::memcpy(&pt.value, &bits, 8);
        if (i > 0 && pt.step <= out.back().step) {
            out.resize(size_t(before));
            return false;
        }
        out.push_back(pt);
    }
    return true;
}

} // namespace wfx::chunk
