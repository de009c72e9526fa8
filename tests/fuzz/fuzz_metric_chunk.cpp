// SPDX-License-Identifier: Apache-2.0
// Metric chunks (runs/MetricChunk) come back from backups: any bytes either
// decode to strictly increasing points that re-encode to the same bits, or are
// refused with the output untouched. The same bytes also describe points (gaps
// and values in the shapes the codec has buckets for), which must survive
// encode and decode bit for bit.
#include "FuzzSupport.h"

#include "runs/MetricChunk.h"

#include <algorithm>
#include <bit>

using namespace wfx;
using namespace wfxfuzz;

namespace {

void checkSame(const std::vector<chunk::Point> &a, const std::vector<chunk::Point> &b, size_t offset, const char *what)
{
    WFX_FUZZ_CHECK(a.size() + offset == b.size(), "%s: %zu points came back as %zu", what, a.size(), b.size() - offset);
    for (size_t i = 0; i < a.size(); ++i)
        WFX_FUZZ_CHECK(a[i].step == b[offset + i].step && std::bit_cast<quint64>(a[i].value) == std::bit_cast<quint64>(b[offset + i].value),
                       "%s: point %zu (%lld, %016llx) came back as (%lld, %016llx)", what, i, qlonglong(a[i].step),
                       qulonglong(std::bit_cast<quint64>(a[i].value)), qlonglong(b[offset + i].step),
                       qulonglong(std::bit_cast<quint64>(b[offset + i].value)));
}

// Encode, decode behind a point already in the vector, summarize: all agree.
void roundTrip(const std::vector<chunk::Point> &points)
{
    const QByteArray c = chunk::encode(points);
    WFX_FUZZ_CHECK(chunk::encode(points) == c, "encode is not deterministic");
    std::vector<chunk::Point> back = {{1, std::bit_cast<double>(0x7ff0000000000002ULL)}};
    WFX_FUZZ_CHECK(chunk::decode(c, back), "a chunk encode() wrote was refused (%zu points)", points.size());
    WFX_FUZZ_CHECK(back[0].step == 1 && std::bit_cast<quint64>(back[0].value) == 0x7ff0000000000002ULL, "decode changed a point before its own");
    checkSame(points, back, 1, "round trip");
    chunk::Summary s;
    WFX_FUZZ_CHECK(chunk::summarize(c, s), "summarize refused a chunk decode took");
    WFX_FUZZ_CHECK(s.points == qsizetype(points.size()) && s.firstStep == points.front().step
                       && s.lastStep == points.back().step,
                   "summary disagrees with the points");
}

// Points from bytes: per point one control byte, then what it asks for.
std::vector<chunk::Point> pointsFrom(const uint8_t *p, const uint8_t *end)
{
    auto take = [&](int n) {
        quint64 v = 0;
        for (int i = 0; i < n && p != end; ++i)
            v = (v << 8) | *p++;
        return v;
    };
    std::vector<chunk::Point> out;
    quint64 step = take(8) ^ (quint64(1) << 63); // biased: unsigned order is step order
    quint64 gap = 1, value = take(8);
    out.push_back({qint64(step ^ (quint64(1) << 63)), std::bit_cast<double>(value)});
    while (p != end && out.size() < size_t(chunk::kMaxPoints)) {
        const quint8 ctl = *p++;
        switch (ctl & 3) {
        case 0: break; // the same gap
        case 1: gap = 1 + take(1); break;
        case 2: gap = std::max<quint64>(1, gap + quint64(qint64(qint8(take(1))) * 16)); break;
        default: gap = std::max<quint64>(1, take(8)); break;
        }
        if (gap > ~step)
            break; // past INT64_MAX: the points end here
        step += gap;
        switch ((ctl >> 2) & 7) {
        case 0: break; // the same value
        case 1: value ^= take(1) << ((ctl >> 5) * 8 % 64); break;
        case 2: value ^= take(2) << 29; break;
        case 3: value = std::bit_cast<quint64>(double(std::bit_cast<float>(quint32(take(4))))); break; // float32
        case 4: value = std::bit_cast<quint64>(std::bit_cast<double>(value) + double(qint8(take(1))) / 64.0); break;
        default: value = take(8); break;
        }
        out.push_back({qint64(step ^ (quint64(1) << 63)), std::bit_cast<double>(value)});
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView in(data, qsizetype(size));

    // The bytes as a chunk.
    static const std::vector<chunk::Point> before = {{-3, -0.0}, {9, std::bit_cast<double>(0xfff8000000000123ULL)}};
    std::vector<chunk::Point> out = before;
    const bool ok = chunk::decode(in, out);
    chunk::Summary s;
    const bool summarized = chunk::summarize(in, s);
    if (!ok) {
        checkSame(before, out, 0, "a refused decode changed its output");
    } else {
        WFX_FUZZ_CHECK(summarized, "summarize refused a chunk decode took");
        checkSame(before, std::vector<chunk::Point>(out.begin(), out.begin() + 2), 0, "decode changed earlier points");
        const std::vector<chunk::Point> got(out.begin() + 2, out.end());
        WFX_FUZZ_CHECK(!got.empty() && got.size() <= size_t(chunk::kMaxPoints), "decoded %zu points", got.size());
        for (size_t i = 1; i < got.size(); ++i)
            WFX_FUZZ_CHECK(got[i - 1].step < got[i].step, "steps do not increase at %zu", i);
        WFX_FUZZ_CHECK(s.points == qsizetype(got.size()) && s.firstStep == got.front().step
                           && s.lastStep == got.back().step,
                       "summary disagrees with decode");
        roundTrip(got);
    }

    // The bytes as points.
    roundTrip(pointsFrom(data, data + size));
    return 0;
}
