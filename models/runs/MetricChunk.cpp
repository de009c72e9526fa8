// SPDX-License-Identifier: Apache-2.0
// The chunk format, version 1 (all multi-byte integers little-endian):
//
//   byte 0      version, 1
//   varint      n, the point count, 1 .. kMaxPoints (unsigned LEB128)
//   varint      the first step, zigzag-mapped (so small negative steps stay short)
//   varint      span = last step - first step, computed as an unsigned 64-bit
//               difference (0 .. 2^64-1, never negative, so not zigzagged);
//               0 exactly when n = 1. summarize() reads the header only.
//   8 bytes     the first value's raw IEEE 754 bits
//   bitstream   MSB first, zero bits up to a whole byte, then nothing more.
//               For each point after the first, the step then the value:
//
//   step: dod = (step[i] - step[i-1]) - (step[i-1] - step[i-2]), the deltas and
//   their difference taken modulo 2^64 (step[-1] = step[0], so the first delta
//   is its own dod). The smallest bucket that holds dod as two's complement:
//       '0'                 dod = 0
//       '10'   + 7 bits     -64 .. 63
//       '110'  + 9 bits     -256 .. 255
//       '1110' + 12 bits    -2048 .. 2047
//       '1111' + 64 bits    anything else (the raw 64-bit pattern; gaps past
//                           2^63 wrap, and INT64_MIN .. INT64_MAX fits)
//   value: x = bits(value[i]) XOR bits(value[i-1])
//       '0'                 x = 0
//       '10'  + L bits      x's set bits lie inside the window of the last '11'
//                           (leading zeros Z, length L); the L bits in it
//       '11'  + 5 bits Z + 6 bits L + L bits
//                           Z = leading zeros of x clamped to 31, L = 64 - Z -
//                           trailing zeros of x (64 written as 0); the L bits
//                           end with a one bit, and start with one unless Z = 31.
//   Gorilla (Pelkonen et al. 2015) with one change: the encoder writes '10'
//   only when it costs no more than a fresh '11' window (Gorilla reuses any
//   window that fits, however wide; Chimp, Liakos et al. 2022, notes the waste).
//
// The decoder is strict, so one list of points has few encodings: it refuses
// another version, n out of range, varints longer than needed, a span that
// runs past INT64_MAX, a dod in a larger bucket than it needs, a '10' before
// any window, an all-zero '10' or '11' payload, a '11' whose bits do not match
// its Z and L, steps that do not strictly increase or overflow, a last step
// other than first + span, a truncated stream, non-zero padding and trailing
// bytes. Every read is bounds-checked and all step arithmetic is unsigned.
// summarize() checks the header only (and that the stream's length is
// possible for n points); decode() is the full check.
//
// encode() asserts its preconditions (1 <= n <= kMaxPoints, steps strictly
// increasing). Without asserts, a call that breaks them still has no UB and
// writes bytes decode() refuses (n = 0: an empty array).
#include "models/runs/MetricChunk.h"

#include <algorithm>
#include <bit>

namespace wfx::chunk {

namespace {

constexpr quint8 kVersion = 1;
constexpr quint64 kSignBit = quint64(1) << 63;
// Bits of the longest point: '1111' + 64 step bits, '11' + 5 + 6 + 64 value bits.
constexpr quint64 kMaxPointBits = 4 + 64 + 2 + 5 + 6 + 64;
constexpr quint64 kMinPointBits = 2; // '0' and '0'

// Steps as unsigned with the sign bit flipped: the order of qint64 becomes the
// order of quint64, so "strictly increases without overflow" is unsigned math.
quint64 biased(qint64 step)
{
    return quint64(step) ^ kSignBit;
}
qint64 unbiased(quint64 u)
{
    return qint64(u ^ kSignBit);
}

quint64 zigzag(qint64 v)
{
    const quint64 u = quint64(v);
    return (u << 1) ^ (quint64(0) - (u >> 63));
}
qint64 unzigzag(quint64 z)
{
    return qint64((z >> 1) ^ (quint64(0) - (z & 1)));
}

void putVarint(QByteArray &out, quint64 v)
{
    while (v >= 0x80) {
        out.append(char(quint8(v) | 0x80));
        v >>= 7;
    }
    out.append(char(v));
}

// Writes into `out` past its current end through a raw pointer (appending a
// byte at a time cost 3x the encode time); room() before each point.
class BitWriter
{
public:
    BitWriter(QByteArray &out, qsizetype expect) : m_out(out), m_pos(out.size())
    {
        m_out.resize(m_pos + expect);
        m_p = m_out.data();
    }

    // At least `bytes` whole bytes can be written.
    void room(qsizetype bytes)
    {
        if (m_out.size() - m_pos < bytes) {
            m_out.resize(std::max(m_out.size() * 2, m_pos + bytes));
            m_p = m_out.data();
        }
    }
    // n in 1 .. 32
    void put(quint64 v, int n)
    {
        m_acc = (m_acc << n) | (v & ((quint64(1) << n) - 1));
        m_bits += n;
        while (m_bits >= 8) {
            m_bits -= 8;
            m_p[m_pos++] = char(quint8(m_acc >> m_bits));
        }
    }
    // n in 1 .. 64
    void putWide(quint64 v, int n)
    {
        if (n > 32) {
            put(v >> 32, n - 32);
            n = 32;
        }
        put(v, n);
    }
    void finish()
    {
        room(1);
        if (m_bits > 0)
            m_p[m_pos++] = char(quint8(m_acc << (8 - m_bits)));
        m_bits = 0;
        m_out.resize(m_pos);
        if (m_out.capacity() > m_pos + m_pos / 4 + 64)
            m_out.squeeze(); // chunks are kept: no slack past a quarter
    }

private:
    QByteArray &m_out;
    qsizetype m_pos;
    char *m_p = nullptr;
    quint64 m_acc = 0;
    int m_bits = 0; // pending bits in the low end of m_acc, < 8 between calls
};

class BitReader
{
public:
    BitReader(const uchar *p, qsizetype size) : m_p(p), m_end(p + size) { refill(); }

    // n in 1 .. 32; false when the stream ends first.
    bool get(int n, quint64 &v)
    {
        if (m_have < n) {
            refill();
            if (m_have < n)
                return false;
        }
        v = m_buf >> (64 - n);
        m_buf <<= n;
        m_have -= n;
        return true;
    }
    // n in 1 .. 64
    bool getWide(int n, quint64 &v)
    {
        if (n <= 32)
            return get(n, v);
        quint64 hi, lo;
        if (!get(n - 32, hi) || !get(32, lo))
            return false;
        v = (hi << 32) | lo;
        return true;
    }
    bool bit(bool &b)
    {
        quint64 v;
        if (!get(1, v))
            return false;
        b = v != 0;
        return true;
    }
    // Only zero padding (fewer than 8 bits) is left, and no further byte.
    bool atCleanEnd() const { return m_p == m_end && m_have < 8 && m_buf == 0; }

private:
    void refill()
    {
        while (m_have <= 56 && m_p != m_end) {
            m_buf |= quint64(*m_p++) << (56 - m_have);
            m_have += 8;
        }
    }

    const uchar *m_p;
    const uchar *m_end;
    quint64 m_buf = 0; // unread bits at the top, zeros below
    int m_have = 0;
};

bool getVarint(const uchar *&p, const uchar *end, quint64 &v)
{
    quint64 r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p == end)
            return false;
        const quint8 b = *p++;
        if (shift == 63 && b > 1)
            return false; // past 64 bits
        r |= quint64(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (b == 0 && shift > 0)
                return false; // longer than needed
            v = r;
            return true;
        }
    }
    return false;
}

struct Header
{
    qsizetype points = 0;
    quint64 first = 0; // biased
    quint64 span = 0;
    quint64 firstValue = 0;
    const uchar *stream = nullptr;
    qsizetype streamBytes = 0;
};

bool readHeader(QByteArrayView data, Header &h)
{
    const uchar *p = reinterpret_cast<const uchar *>(data.data());
    const uchar *end = p + data.size();
    if (p == end || *p++ != kVersion)
        return false;
    quint64 n, zz, span;
    if (!getVarint(p, end, n) || n < 1 || n > quint64(kMaxPoints))
        return false;
    if (!getVarint(p, end, zz) || !getVarint(p, end, span))
        return false;
    const quint64 first = biased(unzigzag(zz));
    // n strictly increasing steps span at least n - 1, and the last fits a qint64.
    if ((n == 1) != (span == 0) || span < n - 1 || span > ~first)
        return false;
    if (end - p < 8)
        return false;
    quint64 fv = 0;
    for (int i = 0; i < 8; ++i)
        fv |= quint64(p[i]) << (8 * i);
    p += 8;
    // The stream's length must be possible for n - 1 points (which also bounds
    // what decode() reserves by the input's size).
    const quint64 bytes = quint64(end - p);
    const quint64 minBits = (n - 1) * kMinPointBits;
    const quint64 maxBits = (n - 1) * kMaxPointBits;
    if (bytes * 8 < minBits || bytes > (maxBits + 7) / 8)
        return false;
    h.points = qsizetype(n);
    h.first = first;
    h.span = span;
    h.firstValue = fv;
    h.stream = p;
    h.streamBytes = qsizetype(bytes);
    return true;
}

bool decodeInto(const Header &h, std::vector<Point> &out)
{
    BitReader in(h.stream, h.streamBytes);
    quint64 step = h.first, delta = 0, value = h.firstValue;
    int wLead = -1, wLen = 0; // no window yet
    out.push_back({unbiased(step), std::bit_cast<double>(value)});
    for (qsizetype i = 1; i < h.points; ++i) {
        // Step: the unary bucket prefix, then the dod.
        int ones = 0;
        for (bool b = true; ones < 4;) {
            if (!in.bit(b))
                return false;
            if (!b)
                break;
            ++ones;
        }
        quint64 dod = 0;
        if (ones > 0) {
            static constexpr int kWidth[] = {0, 7, 9, 12, 64};
            const int w = kWidth[ones];
            quint64 raw;
            if (!in.getWide(w, raw))
                return false;
            if (w < 64) {
                const quint64 sign = quint64(1) << (w - 1);
                dod = (raw ^ sign) - sign; // sign-extend
            } else {
                dod = raw;
            }
            // The smallest bucket that holds dod (0 has its own '0').
            const qint64 s = qint64(dod);
            const int prevW = kWidth[ones - 1];
            const bool fitsSmaller =
                prevW == 0 ? s == 0
                           : s >= -(qint64(1) << (prevW - 1)) && s < (qint64(1) << (prevW - 1));
            if (fitsSmaller)
                return false;
        }
        delta += dod;
        if (delta == 0 || delta > ~step)
            return false; // not increasing, or past INT64_MAX
        step += delta;

        // Value.
        bool b;
        if (!in.bit(b))
            return false;
        if (b) {
            if (!in.bit(b))
                return false;
            quint64 m;
            if (b) {
                quint64 lead, len;
                if (!in.get(5, lead) || !in.get(6, len))
                    return false;
                if (len == 0)
                    len = 64;
                if (lead + len > 64)
                    return false;
                if (!in.getWide(int(len), m))
                    return false;
                // Canonical: the window is x's own (ends on a one bit, starts on
                // one unless the leading zeros were clamped).
                if (!(m & 1) || (lead < 31 && !(m >> (len - 1))))
                    return false;
                wLead = int(lead);
                wLen = int(len);
            } else {
                if (wLead < 0)
                    return false;
                if (!in.getWide(wLen, m) || m == 0)
                    return false;
            }
            value ^= m << (64 - wLead - wLen);
        }
        out.push_back({unbiased(step), std::bit_cast<double>(value)});
    }
    return step == h.first + h.span && in.atCleanEnd();
}

} // namespace

QByteArray encode(std::span<const Point> points)
{
    const qsizetype n = qsizetype(points.size());
    Q_ASSERT(n >= 1 && n <= kMaxPoints);
    if (n < 1)
        return {};
    QByteArray out;
    out.reserve(32 + n * 4);
    out.append(char(kVersion));
    putVarint(out, quint64(n));
    putVarint(out, zigzag(points[0].step));
    putVarint(out, biased(points[n - 1].step) - biased(points[0].step));
    quint64 value = std::bit_cast<quint64>(points[0].value);
    for (int i = 0; i < 8; ++i)
        out.append(char(quint8(value >> (8 * i))));

    BitWriter w(out, n * 4);
    quint64 step = biased(points[0].step), delta = 0;
    int wLead = -1, wLen = 0, wTrail = 0;
    for (qsizetype i = 1; i < n; ++i) {
        w.room(kMaxPointBits / 8 + 2); // a point, and the bits still pending
        const quint64 s = biased(points[i].step);
        Q_ASSERT(s > step); // steps strictly increase
        const quint64 d = s - step;
        const qint64 dod = qint64(d - delta);
        if (dod == 0)
            w.put(0, 1);
        else if (dod >= -64 && dod < 64)
            w.put((quint64(0b10) << 7) | (quint64(dod) & 0x7f), 9);
        else if (dod >= -256 && dod < 256)
            w.put((quint64(0b110) << 9) | (quint64(dod) & 0x1ff), 12);
        else if (dod >= -2048 && dod < 2048)
            w.put((quint64(0b1110) << 12) | (quint64(dod) & 0xfff), 16);
        else {
            w.put(0b1111, 4);
            w.putWide(quint64(dod), 64);
        }
        step = s;
        delta = d;

        const quint64 v = std::bit_cast<quint64>(points[i].value);
        const quint64 x = v ^ value;
        value = v;
        if (x == 0) {
            w.put(0, 1);
            continue;
        }
        const int lead = std::min(std::countl_zero(x), 31);
        const int trail = std::countr_zero(x);
        const int len = 64 - lead - trail;
        // Reuse the window when x fits it and that is no dearer than a new one.
        if (wLead >= 0 && lead >= wLead && trail >= wTrail && wLen <= 11 + len) {
            w.put(0b10, 2);
            w.putWide(x >> wTrail, wLen);
        } else {
            w.put((quint64(0b11) << 11) | (quint64(lead) << 6) | quint64(len & 63), 13);
            w.putWide(x >> trail, len);
            wLead = lead;
            wLen = len;
            wTrail = trail;
        }
    }
    w.finish();
    return out;
}

bool decode(QByteArrayView data, std::vector<Point> &out)
{
    Header h;
    if (!readHeader(data, h))
        return false;
    const size_t before = out.size();
    out.reserve(before + size_t(h.points));
    if (!decodeInto(h, out)) {
        out.resize(before);
        return false;
    }
    return true;
}

bool summarize(QByteArrayView data, Summary &out)
{
    Header h;
    if (!readHeader(data, h))
        return false;
    out.points = h.points;
    out.firstStep = unbiased(h.first);
    out.lastStep = unbiased(h.first + h.span);
    return true;
}

} // namespace wfx::chunk
