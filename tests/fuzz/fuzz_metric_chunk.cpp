// SPDX-License-Identifier: Apache-2.0
// Metric chunks (runs/MetricChunk) come back from backups: any bytes either
// decode to strictly increasing points that re-encode to the same bits, or are
// refused with the output untouched. The same bytes also describe points (gaps
// and values in the shapes the codec has buckets for), which must survive
// encode and decode bit for bit; and a bitstream behind a header made to fit
// it, which decode() and a slow second decoder here must judge alike (raw
// bytes rarely get past the span check; this reaches the step and value rules:
// with decode()'s zero-delta check removed it failed within 40,000 inputs).
#include "FuzzSupport.h"

#include "models/runs/MetricChunk.h"

#include <algorithm>
#include <bit>

using namespace wfx;
using namespace wfxfuzz;

namespace {

void checkSame(const std::vector<chunk::Point> &a, const std::vector<chunk::Point> &b,
               size_t offset, const char *what)
{
    WFX_FUZZ_CHECK(a.size() + offset == b.size(), "%s: %zu points came back as %zu", what, a.size(),
                   b.size() - offset);
    for (size_t i = 0; i < a.size(); ++i)
        WFX_FUZZ_CHECK(
            a[i].step == b[offset + i].step &&
                std::bit_cast<quint64>(a[i].value) == std::bit_cast<quint64>(b[offset + i].value),
            "%s: point %zu (%lld, %016llx) came back as (%lld, %016llx)", what, i,
            qlonglong(a[i].step), qulonglong(std::bit_cast<quint64>(a[i].value)),
            qlonglong(b[offset + i].step), qulonglong(std::bit_cast<quint64>(b[offset + i].value)));
}

// Encode, decode behind a point already in the vector, summarize: all agree.
void roundTrip(const std::vector<chunk::Point> &points)
{
    const QByteArray c = chunk::encode(points);
    WFX_FUZZ_CHECK(chunk::encode(points) == c, "encode is not deterministic");
    std::vector<chunk::Point> back = {{1, std::bit_cast<double>(0x7ff0000000000002ULL)}};
    WFX_FUZZ_CHECK(chunk::decode(c, back), "a chunk encode() wrote was refused (%zu points)",
                   points.size());
    WFX_FUZZ_CHECK(back[0].step == 1 &&
                       std::bit_cast<quint64>(back[0].value) == 0x7ff0000000000002ULL,
                   "decode changed a point before its own");
    checkSame(points, back, 1, "round trip");
    chunk::Summary s;
    WFX_FUZZ_CHECK(chunk::summarize(c, s), "summarize refused a chunk decode took");
    WFX_FUZZ_CHECK(s.points == qsizetype(points.size()) && s.firstStep == points.front().step &&
                       s.lastStep == points.back().step,
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
        case 0:
            break; // the same gap
        case 1:
            gap = 1 + take(1);
            break;
        case 2:
            gap = std::max<quint64>(1, gap + quint64(qint64(qint8(take(1))) * 16));
            break;
        default:
            gap = std::max<quint64>(1, take(8));
            break;
        }
        if (gap > ~step)
            break; // past INT64_MAX: the points end here
        step += gap;
        switch ((ctl >> 2) & 7) {
        case 0:
            break; // the same value
        case 1:
            value ^= take(1) << ((ctl >> 5) * 8 % 64);
            break;
        case 2:
            value ^= take(2) << 29;
            break;
        case 3:
            value = std::bit_cast<quint64>(double(std::bit_cast<float>(quint32(take(4)))));
            break; // float32
        case 4:
            value = std::bit_cast<quint64>(std::bit_cast<double>(value) +
                                           double(qint8(take(1))) / 64.0);
            break;
        default:
            value = take(8);
            break;
        }
        out.push_back({qint64(step ^ (quint64(1) << 63)), std::bit_cast<double>(value)});
    }
    return out;
}

// A second decoder of the stream, written for clarity rather than speed (one
// bit at a time, signed buckets by table): it returns the points it read even
// where a rule is broken, and says whether every rule held. Wrapping step math.
struct Reference
{
    std::vector<chunk::Point> points;
    bool strict = true;
};
Reference referenceDecode(quint64 n, qint64 first, quint64 firstValue, const uint8_t *p,
                          size_t bytes)
{
    Reference r;
    size_t pos = 0;
    const size_t total = bytes * 8;
    bool truncated = false;
    auto bits = [&](int count) {
        quint64 v = 0;
        for (int i = 0; i < count; ++i) {
            if (pos >= total) {
                truncated = true;
                return quint64(0);
            }
            v = (v << 1) | ((p[pos / 8] >> (7 - pos % 8)) & 1);
            ++pos;
        }
        return v;
    };
    struct Bucket
    {
        int width;
        qint64 lo, hi;
    };
    static const Bucket buckets[] = {{7, -64, 63}, {9, -256, 255}, {12, -2048, 2047}, {64, 0, 0}};
    quint64 step = quint64(first), delta = 0, value = firstValue;
    int lead = -1, len = 0;
    r.points.push_back({first, std::bit_cast<double>(value)});
    for (quint64 i = 1; i < n && !truncated; ++i) {
        int prefix = 0;
        while (prefix < 4 && bits(1) == 1)
            ++prefix;
        qint64 dod = 0;
        if (prefix > 0) {
            const Bucket &b = buckets[prefix - 1];
            const quint64 raw = bits(b.width);
            dod = b.width == 64 ? qint64(raw) : qint64(raw << (64 - b.width)) >> (64 - b.width);
            const bool smaller =
                prefix == 1 ? dod == 0
                            : dod >= buckets[prefix - 2].lo && dod <= buckets[prefix - 2].hi;
            r.strict = r.strict && !smaller;
        }
        delta += quint64(dod);
        // Wrapped, the next step is above the last exactly when the true sum is
        // (delta >= 1 and no overflow), as signed numbers.
        r.strict = r.strict && qint64(step + delta) > qint64(step);
        step += delta;
        if (bits(1) == 1) {
            quint64 m;
            if (bits(1) == 1) {
                lead = int(bits(5));
                len = int(bits(6));
                if (len == 0)
                    len = 64;
                if (lead + len > 64) {
                    r.strict = false;
                    break;
                }
                m = bits(len);
                r.strict = r.strict && (m & 1) && (lead == 31 || (m >> (len - 1)) == 1);
            } else {
                if (lead < 0) {
                    r.strict = false;
                    break;
                }
                m = bits(len);
                r.strict = r.strict && m != 0;
            }
            value ^= m << (64 - lead - len);
        }
        r.points.push_back({qint64(step), std::bit_cast<double>(value)});
    }
    if (truncated || r.points.size() != n || total - pos >= 8 ||
        (pos < total && bits(int(total - pos)) != 0))
        r.strict = false;
    return r;
}

// Frames the bytes as a stream behind a header the reference decoder makes
// right (n, the first step and value from the first bytes, the span from where
// the reference ends), so the decoder's own step and value rules, not the span
// check, decide; both decoders must agree on refusing and on the points.
void differential(const uint8_t *data, size_t size)
{
    if (size < 17)
        return;
    const quint64 n = 1 + data[0];
    quint64 first = 0, fv = 0;
    for (int i = 0; i < 8; ++i) {
        first = (first << 8) | data[1 + i];
        fv = (fv << 8) | data[9 + i];
    }
    const Reference r = referenceDecode(n, qint64(first), fv, data + 17, size - 17);
    const quint64 span = r.points.size() == n ? quint64(r.points.back().step) - first : 0;
    QByteArray c(1, char(1));
    for (quint64 v : {n, (first << 1) ^ (quint64(0) - (first >> 63)), span}) {
        for (; v >= 0x80; v >>= 7)
            c.append(char(quint8(v) | 0x80));
        c.append(char(v));
    }
    for (int i = 0; i < 8; ++i)
        c.append(char(quint8(fv >> (8 * i))));
    c.append(reinterpret_cast<const char *>(data + 17), qsizetype(size - 17));
    std::vector<chunk::Point> got;
    const bool ok = chunk::decode(c, got);
    WFX_FUZZ_CHECK(ok == r.strict, "decode %s a chunk the reference decoder %s",
                   ok ? "took" : "refused", r.strict ? "takes" : "refuses");
    if (ok)
        checkSame(r.points, got, 0, "decode and the reference decoder");
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView in(data, qsizetype(size));

    // The bytes as a chunk.
    static const std::vector<chunk::Point> before = {
        {-3, -0.0}, {9, std::bit_cast<double>(0xfff8000000000123ULL)}};
    std::vector<chunk::Point> out = before;
    const bool ok = chunk::decode(in, out);
    chunk::Summary s;
    const bool summarized = chunk::summarize(in, s);
    if (!ok) {
        checkSame(before, out, 0, "a refused decode changed its output");
    } else {
        WFX_FUZZ_CHECK(summarized, "summarize refused a chunk decode took");
        checkSame(before, std::vector<chunk::Point>(out.begin(), out.begin() + 2), 0,
                  "decode changed earlier points");
        const std::vector<chunk::Point> got(out.begin() + 2, out.end());
        WFX_FUZZ_CHECK(!got.empty() && got.size() <= size_t(chunk::kMaxPoints),
                       "decoded %zu points", got.size());
        for (size_t i = 1; i < got.size(); ++i)
            WFX_FUZZ_CHECK(got[i - 1].step < got[i].step, "steps do not increase at %zu", i);
        WFX_FUZZ_CHECK(s.points == qsizetype(got.size()) && s.firstStep == got.front().step &&
                           s.lastStep == got.back().step,
                       "summary disagrees with decode");
        roundTrip(got);
    }

    // The bytes as points.
    roundTrip(pointsFrom(data, data + size));

    // The bytes as a stream behind a header that fits it, against a second decoder.
    differential(data, size);
    return 0;
}
