// SPDX-License-Identifier: Apache-2.0
// A series' metric points packed as one chunk: steps delta-of-delta encoded and
// values XOR-encoded against the previous value, as in Facebook's Gorilla paper
// (Pelkonen et al., VLDB 2015), with a version byte and a bounded, validating
// decoder (chunks come back from backups, which are not trusted). The byte
// format is described at the head of MetricChunk.cpp.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QtGlobal>

#include <span>
#include <vector>

namespace wfx::chunk {

struct Point
{
    qint64 step = 0;
    double value = 0; // any float64 bit pattern, kept bit for bit (NaN payloads, -0, ...)
};

// The most points one chunk holds (writers split longer runs of points).
inline constexpr qsizetype kMaxPoints = 65536;

// Packs points whose steps strictly increase (1 <= n <= kMaxPoints; the
// caller sorts and removes duplicates). Any qint64 steps, any gaps.
QByteArray encode(std::span<const Point> points);

// Appends the chunk's points to `out` in step order. False (and `out` as it
// was) when the bytes are not a chunk this version wrote: wrong version,
// truncated, trailing bytes, a count above kMaxPoints, steps not increasing.
// Never reads outside `data`.
bool decode(QByteArrayView data, std::vector<Point> &out);

// The point count, first and last step of a chunk without decoding the values
// (false as for decode()).
struct Summary
{
    qsizetype points = 0;
    qint64 firstStep = 0;
    qint64 lastStep = 0;
};
bool summarize(QByteArrayView data, Summary &out);

} // namespace wfx::chunk
