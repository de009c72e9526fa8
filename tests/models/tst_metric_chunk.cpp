// SPDX-License-Identifier: Apache-2.0
// The metric chunk codec (runs/MetricChunk): every float64 bit pattern and any
// strictly increasing qint64 steps come back bit for bit, the format is the one
// MetricChunk.cpp documents (golden chunks written out by hand), and the decoder
// refuses what no encoder wrote without touching its output or crashing.
#include "models/runs/MetricChunk.h"

#include <QTest>

#include <bit>
#include <cfloat>
#include <cmath>
#include <limits>
#include <random>

using namespace wfx;
using chunk::Point;
using Points = std::vector<Point>;
Q_DECLARE_METATYPE(Points)

namespace {

constexpr qint64 kMin = std::numeric_limits<qint64>::min();
constexpr qint64 kMax = std::numeric_limits<qint64>::max();

// Same steps and the same value bits (== would call NaN unequal and -0 equal to +0).
bool identical(const Points &a, const Points &b, QByteArray *why = nullptr)
{
    if (a.size() != b.size()) {
        if (why)
            *why = "sizes " + QByteArray::number(qulonglong(a.size())) + " and " +
                   QByteArray::number(qulonglong(b.size()));
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].step != b[i].step ||
            std::bit_cast<quint64>(a[i].value) != std::bit_cast<quint64>(b[i].value)) {
            if (why)
                *why = "point " + QByteArray::number(qulonglong(i)) + ": step " +
                       QByteArray::number(a[i].step) + " bits " +
                       QByteArray::number(std::bit_cast<quint64>(a[i].value), 16) +
                       " came back as step " + QByteArray::number(b[i].step) + " bits " +
                       QByteArray::number(std::bit_cast<quint64>(b[i].value), 16);
            return false;
        }
    }
    return true;
}

Points onSteps(const std::vector<double> &values, qint64 first = 0)
{
    Points p;
    for (double v : values)
        p.push_back({first + qint64(p.size()), v});
    return p;
}

Points withValue(const std::vector<qint64> &steps, double v = 1.0)
{
    Points p;
    for (qint64 s : steps)
        p.push_back({s, v});
    return p;
}

// A float32-valued training curve: a decaying loss with Gaussian noise.
Points noisyLoss(int n, quint64 seed)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> noise(0.0, 1.0);
    Points p;
    for (int s = 0; s < n; ++s)
        p.push_back({s, double(float(2.0 * std::exp(-s / 800.0) + 0.05 * noise(rng)))});
    return p;
}

// The float64 classes: zeros, NaNs (quiet, signalling, negative, payloads),
// infinities, subnormals, the normal extremes and a few ordinary values.
std::vector<double> specials()
{
    std::vector<double> v = {0.0,
                             -0.0,
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(),
                             DBL_MIN,
                             -DBL_MIN,
                             DBL_MAX,
                             -DBL_MAX,
                             std::numeric_limits<double>::denorm_min(),
                             -std::numeric_limits<double>::denorm_min(),
                             1.0,
                             -1.0,
                             0.1,
                             3.0e-300};
    for (quint64 b : {0x7ff8000000000000ULL, 0x7ff8000000000001ULL, 0x7ff0000000000001ULL,
                      0x7ff4000000000000ULL, 0x7fffffffffffffffULL, 0xfff8000000000000ULL,
                      0xfff0000000000001ULL, 0xffffffffffffffffULL, 0x000fffffffffffffULL,
                      0x800fffffffffffffULL, 0x0000000000000002ULL})
        v.push_back(std::bit_cast<double>(b));
    return v;
}

// Hand-written chunks: the header fields, then the bitstream as '0'/'1' text
// (spaces ignored), padded with zero bits.
QByteArray varint(quint64 v)
{
    QByteArray out;
    for (; v >= 0x80; v >>= 7)
        out.append(char(quint8(v) | 0x80));
    out.append(char(v));
    return out;
}
quint64 zz(qint64 v)
{
    return (quint64(v) << 1) ^ (v < 0 ? ~quint64(0) : 0);
}
QByteArray handChunk(quint64 n, qint64 first, quint64 span, double firstValue,
                     const QByteArray &bits)
{
    QByteArray out(1, char(1));
    out += varint(n) + varint(zz(first)) + varint(span);
    const quint64 fv = std::bit_cast<quint64>(firstValue);
    for (int i = 0; i < 8; ++i)
        out.append(char(quint8(fv >> (8 * i))));
    int used = 0;
    quint8 cur = 0;
    for (const char c : bits) {
        if (c == ' ')
            continue;
        cur = quint8(cur << 1 | (c == '1'));
        if (++used == 8) {
            out.append(char(cur));
            used = 0;
            cur = 0;
        }
    }
    if (used)
        out.append(char(quint8(cur << (8 - used))));
    return out;
}

// What decode() may leave in `out`: these, bit for bit, on any failure.
const Points &sentinel()
{
    static const Points s = {{-5, std::bit_cast<double>(0x7ff0000000000abcULL)}, {7, -0.0}};
    return s;
}

// decode() into a vector that already holds points; the refusal leaves them alone.
bool decodeChecked(QByteArrayView data, Points &got)
{
    Points out = sentinel();
    const bool ok = chunk::decode(data, out);
    if (!ok) {
        if (!identical(out, sentinel()))
            qFatal("a refused decode changed its output");
        return false;
    }
    if (!identical(Points(out.begin(), out.begin() + 2), sentinel()))
        qFatal("decode changed the points it appends to");
    got.assign(out.begin() + 2, out.end());
    return true;
}

// A chunk that decodes agrees with its summary, re-encodes to the same points,
// and the encoder is deterministic.
void checkDecodedChunk(QByteArrayView data, const Points &got)
{
    chunk::Summary s;
    QVERIFY(chunk::summarize(data, s));
    QCOMPARE(s.points, qsizetype(got.size()));
    QCOMPARE(s.firstStep, got.front().step);
    QCOMPARE(s.lastStep, got.back().step);
    for (size_t i = 1; i < got.size(); ++i)
        QVERIFY(got[i - 1].step < got[i].step);
    const QByteArray again = chunk::encode(got);
    QCOMPARE(chunk::encode(got), again);
    Points back;
    QVERIFY(decodeChecked(again, back));
    QByteArray why;
    QVERIFY2(identical(got, back, &why), why.constData());
}

} // namespace

class TestMetricChunk : public QObject
{
    Q_OBJECT
private slots:
    void roundTrip_data()
    {
        QTest::addColumn<Points>("points");
        std::mt19937_64 rng(20240613);

        // Values.
        const std::vector<double> sp = specials();
        for (size_t i = 0; i < sp.size(); ++i)
            QTest::addRow("single-special-%zu", i) << onSteps({sp[i]});
        std::vector<double> pairs; // every special after every other one, both ways
        for (double a : sp)
            for (double b : sp)
                pairs.insert(pairs.end(), {a, b});
        QTest::newRow("special-pairs") << onSteps(pairs);
        QTest::newRow("repeated") << onSteps(std::vector<double>(1000, 3.25));
        QTest::newRow("repeated-nan")
            << onSteps(std::vector<double>(50, std::bit_cast<double>(0x7ff0000000000001ULL)));
        std::vector<double> alt, altNan, random, random32, ints, windows;
        for (int i = 0; i < 1000; ++i) {
            alt.push_back(i % 2 ? 1.0 : -1.0);
            altNan.push_back(i % 2 ? 0.0
                                   : std::bit_cast<double>(0xfff8000000000000ULL | quint64(i)));
            random.push_back(std::bit_cast<double>(rng()));
            random32.push_back(double(std::bit_cast<float>(quint32(rng()))));
            ints.push_back(double(i / 7));
            // XORs that shrink and grow inside and outside the last window.
            windows.push_back(std::bit_cast<double>(0x4000000000000000ULL | (rng() >> (rng() % 64))
                                                                                << (rng() % 12)));
        }
        QTest::newRow("alternating") << onSteps(alt);
        QTest::newRow("alternating-nan-zero") << onSteps(altNan);
        QTest::newRow("random-bits") << onSteps(random);
        QTest::newRow("random-float32") << onSteps(random32);
        QTest::newRow("integers") << onSteps(ints);
        QTest::newRow("windows") << onSteps(windows);
        QTest::newRow("float32-loss") << noisyLoss(2500, 1);

        // Steps.
        for (qint64 s : {qint64(0), qint64(-1), kMin, kMax, qint64(1) << 62})
            QTest::addRow("single-step-%lld", qlonglong(s)) << withValue({s});
        std::vector<qint64> consecutive, negative, gaps;
        for (qint64 s = 0; s < 1000; ++s)
            consecutive.push_back(s);
        for (qint64 s = -3000; s < 0; s += 3)
            negative.push_back(s);
        QTest::newRow("consecutive") << withValue(consecutive);
        QTest::newRow("negative") << withValue(negative);
        QTest::newRow("min-to-max") << withValue({kMin, kMax});
        QTest::newRow("min-zero-max") << withValue({kMin, -1, 0, kMax});
        QTest::newRow("min-max-minus-one") << withValue({kMin, kMin + 1, kMax - 1, kMax});
        QTest::newRow("gaps-over-2^62")
            << withValue({kMin, kMin + (qint64(1) << 62) + 5, 7, (qint64(1) << 62) + 9, kMax});
        // Every delta-of-delta bucket boundary, as the first gap and as a change
        // of gap from a steady 10000 (dod +d, then -d back).
        const qint64 edges[] = {1,   2,   62,   63,   64,   65,   254,      255,
                                256, 257, 2046, 2047, 2048, 2049, 1LL << 40};
        for (qint64 d : edges) {
            QTest::addRow("first-gap-%lld", qlonglong(d))
                << withValue({-7, -7 + d, -7 + 2 * d, -7 + 3 * d + 1});
            for (qint64 sign : {1, -1}) {
                const qint64 gap = 10000 + (qint64(1) << 41);
                std::vector<qint64> s = {0, gap, 2 * gap};
                s.push_back(s.back() + gap + sign * d);
                s.push_back(s.back() + gap);
                s.push_back(s.back() + gap);
                QTest::addRow("dod-%lld", qlonglong(sign * d)) << withValue(s, 0.5);
            }
        }
        std::vector<qint64> irregular = {kMin};
        for (int i = 0; i < 2000; ++i)
            irregular.push_back(irregular.back() + 1 +
                                qint64(rng() >> (1 + rng() % 63)) % (1LL << 52));
        QTest::newRow("irregular") << withValue(irregular);

        // The most points a chunk holds, with noisy values and a few jumps.
        Points most = noisyLoss(int(chunk::kMaxPoints), 2);
        for (size_t i = 0; i < most.size(); ++i)
            most[i].step = qint64(i) * 3 + (i > 30000 ? (1LL << 50) : 0) - 50000;
        QTest::newRow("kMaxPoints") << most;
    }
    void roundTrip()
    {
        QFETCH(Points, points);
        const QByteArray c = chunk::encode(points);
        Points back;
        QVERIFY(decodeChecked(c, back));
        QByteArray why;
        QVERIFY2(identical(points, back, &why), why.constData());
        checkDecodedChunk(c, back);
        // Trailing bytes, whether or not the decoder had read ahead to them.
        for (qsizetype extra : {1, 8, 9})
            QVERIFY(!decodeChecked(QByteArray(c + QByteArray(extra, '\0')), back));
        // A raw point (8 bytes step + 8 bytes value) is never cheaper than a coded one
        // by more than the worst case of the format (145 bits) allows.
        QVERIFY(c.size() <= 32 + qsizetype(points.size()) * 19);
    }

    // The format, written out by hand: a change of format has to change these.
    void goldenChunks()
    {
        // (0, 1.0), (1, 1.0): dod 1 = '10 0000001', same value = '0'.
        QCOMPARE(chunk::encode(Points{{0, 1.0}, {1, 1.0}}),
                 QByteArray::fromHex("01 02 00 01 000000000000f03f 8080"));
        // (0, 1.0), (1, 2.0): x = 0x7ff0... = '11' + 5 bits 1 + 6 bits 11 + 11 one bits.
        QCOMPARE(chunk::encode(Points{{0, 1.0}, {1, 2.0}}),
                 QByteArray::fromHex("01 02 00 01 000000000000f03f 80e12fff80"));
        // First step -1 (zigzag 1); -1 .. 300 is span 301 (varint ad 02), and the
        // dod 301 needs '1110' + 12 bits.
        QCOMPARE(chunk::encode(Points{{-1, 0.0}, {300, 0.0}}),
                 QByteArray(QByteArray::fromHex("01 02 01 ad02 0000000000000000") +
                            handChunk(2, 0, 1, 0, "1110 000100101101 0").mid(12)));
        // A single point has no stream; INT64_MIN's zigzag is ten varint bytes.
        QCOMPARE(chunk::encode(Points{{kMin, -0.0}}),
                 QByteArray::fromHex("01 01 ffffffffffffffffff01 00 0000000000000080"));
        // handChunk agrees with the encoder, so the refusals below are made of valid parts.
        QCOMPARE(handChunk(2, 0, 1, 1.0, "10 0000001 0"),
                 chunk::encode(Points{{0, 1.0}, {1, 1.0}}));
    }

    void compresses()
    {
        // Consecutive steps and repeated values: 2 bits a point.
        const QByteArray flat = chunk::encode(onSteps(std::vector<double>(8001, 0.25)));
        QVERIFY2(flat.size() <= 16 + 2000 + 1, QByteArray::number(flat.size()).constData());
        // A float32 training curve stays well under the 8 + 8 bytes of a raw point.
        const Points loss = noisyLoss(2500, 3);
        const double perPoint = double(chunk::encode(loss).size()) / double(loss.size());
        QVERIFY2(perPoint < 3.5, QByteArray::number(perPoint).constData());
    }

    void summarizeWithoutValues()
    {
        chunk::Summary s;
        QVERIFY(chunk::summarize(chunk::encode(withValue({kMin, 5, kMax})), s));
        QCOMPARE(s.points, qsizetype(3));
        QCOMPARE(s.firstStep, kMin);
        QCOMPARE(s.lastStep, kMax);
        QVERIFY(chunk::summarize(chunk::encode(withValue({42})), s));
        QCOMPARE(s.points, qsizetype(1));
        QCOMPARE(s.firstStep, qint64(42));
        QCOMPARE(s.lastStep, qint64(42));
    }

    void refusals_data()
    {
        QTest::addColumn<QByteArray>("chunk");
        QTest::addColumn<bool>("valid");
        const QByteArray good = handChunk(3, 0, 2, 1.0, "10 0000001 0  0 0");
        QTest::newRow("control") << good << true;
        QTest::newRow("empty") << QByteArray() << false;
        QTest::newRow("version-0") << QByteArray(good).replace(0, 1, QByteArray(1, '\0')) << false;
        QTest::newRow("version-2") << QByteArray(good).replace(0, 1, QByteArray(1, '\2')) << false;
        QTest::newRow("version-255")
            << QByteArray(good).replace(0, 1, QByteArray(1, '\xff')) << false;
        QTest::newRow("trailing-zero") << QByteArray(good + QByteArray(1, '\0')) << false;
        QTest::newRow("trailing-byte") << QByteArray(good + QByteArray(1, '\x80')) << false;
        QTest::newRow("padding-bit") << handChunk(3, 0, 2, 1.0, "10 0000001 0  0 0 0001") << false;
        QTest::newRow("count-0") << handChunk(0, 0, 0, 1.0, "") << false;
        QTest::newRow("count-0-span") << handChunk(0, 0, 1, 1.0, "10 0000001 0") << false;
        QTest::newRow("one-point") << handChunk(1, 0, 0, 1.0, "") << true;
        QTest::newRow("one-point-span") << handChunk(1, 0, 1, 1.0, "") << false;
        QTest::newRow("one-point-stream") << handChunk(1, 0, 0, 1.0, "1") << false;
        QTest::newRow("long-count")
            << QByteArray(good).replace(1, 1, QByteArray::fromHex("8300")) << false;
        QTest::newRow("long-first-step")
            << QByteArray(good).replace(2, 1, QByteArray::fromHex("8000")) << false;
        QTest::newRow("varint-past-64-bits")
            << QByteArray(good).replace(2, 1, QByteArray::fromHex("ffffffffffffffffff02")) << false;
        // Steps: strictly increasing, ending where the header says.
        QTest::newRow("repeated-first-step")
            << handChunk(3, 0, 2, 1.0, "0 0  10 0000010 0") << false;
        QTest::newRow("repeated-step")
            << handChunk(3, 0, 2, 1.0, "10 0000001 0  10 1111111 0") << false;
        QTest::newRow("step-back")
            << handChunk(3, 0, 2, 1.0, "10 0000001 0  10 1111110 0") << false;
        QTest::newRow("last-not-span") << handChunk(3, 0, 3, 1.0, "10 0000001 0  0 0") << false;
        QTest::newRow("span-below-count") << handChunk(3, 0, 1, 1.0, "10 0000001 0  0 0") << false;
        QTest::newRow("span-past-max") << handChunk(2, kMax - 1, 2, 1.0, "10 0000010 0") << false;
        QTest::newRow("to-max") << handChunk(3, kMax - 10, 10, 1.0, "10 0000101 0  0 0") << true;
        QTest::newRow("past-max") << handChunk(3, kMax - 10, 10, 1.0, "10 0000101 0  10 0000001 0")
                                  << false;
        QTest::newRow("wrap-past-max")
            << handChunk(3, kMax - 10, 10, 1.0,
                         "10 0000101 0  1111 "
                         "1000000000000000000000000000000000000000000000000000000000000000 0")
            << false;
        // Buckets: the smallest that holds the dod.
        QTest::newRow("dod-63-in-7") << handChunk(2, 0, 63, 1.0, "10 0111111 0") << true;
        QTest::newRow("dod-64-in-9") << handChunk(2, 0, 64, 1.0, "110 001000000 0") << true;
        QTest::newRow("dod-63-in-9") << handChunk(2, 0, 63, 1.0, "110 000111111 0") << false;
        QTest::newRow("dod-0-in-7")
            << handChunk(3, 0, 2, 1.0, "10 0000001 0  10 0000000 0") << false;
        QTest::newRow("dod-255-in-12") << handChunk(2, 0, 255, 1.0, "1110 000011111111 0") << false;
        QTest::newRow("dod-2047-in-64")
            << handChunk(2, 0, 2047, 1.0,
                         "1111 0000000000000000000000000000000000000000000000000000011111111111 0")
            << false;
        QTest::newRow("dod-2048-in-64")
            << handChunk(2, 0, 2048, 1.0,
                         "1111 0000000000000000000000000000000000000000000000000000100000000000 0")
            << true;
        // Values.
        QTest::newRow("reuse-without-window")
            << handChunk(2, 0, 1, 1.0, "10 0000001 10 1") << false;
        QTest::newRow("reuse-without-window-empty")
            << handChunk(2, 0, 1, 1.0, "10 0000001 10") << false;
        QTest::newRow("window") << handChunk(3, 0, 2, 1.0, "10 0000001 11 00001 000001 1  0 10 1")
                                << true;
        QTest::newRow("window-zero-bits")
            << handChunk(3, 0, 2, 1.0, "10 0000001 11 00001 000001 1  0 10 0") << false;
        QTest::newRow("new-window-zero-bits")
            << handChunk(2, 0, 1, 1.0, "10 0000001 11 00001 000001 0") << false;
        QTest::newRow("window-not-tight-low")
            << handChunk(2, 0, 1, 1.0, "10 0000001 11 00001 000010 10") << false;
        QTest::newRow("window-not-tight-high")
            << handChunk(2, 0, 1, 1.0, "10 0000001 11 00001 000010 01") << false;
        QTest::newRow("window-clamped")
            << handChunk(2, 0, 1, 1.0, "10 0000001 11 11111 000010 01") << true;
        QTest::newRow("window-past-64")
            << handChunk(2, 0, 1, 1.0,
                         QByteArray("10 0000001 11 11111 100010 1") + QByteArray(33, '0'))
            << false;
        QTest::newRow("window-64")
            << handChunk(2, 0, 1, 1.0,
                         "10 0000001 11 00000 000000 1"
                         "000000000000000000000000000000000000000000000000000000000000001")
            << true;
        QTest::newRow("truncated-window")
            << handChunk(2, 0, 1, 1.0,
                         "10 0000001 11 00000 000000 1"
                         "0000000000000000000000000000000000000000000000000000")
            << false;
    }
    void refusals()
    {
        QFETCH(QByteArray, chunk);
        QFETCH(bool, valid);
        Points got;
        QCOMPARE(decodeChecked(chunk, got), valid);
        if (valid)
            checkDecodedChunk(chunk, got);
    }

    // summarize() reads only the header, but refuses any header decode() would.
    void summarizeRefusesBadHeaders_data()
    {
        QTest::addColumn<QByteArray>("chunk");
        QTest::newRow("version") << QByteArray::fromHex("02 01 00 00 000000000000f03f");
        QTest::newRow("count-0") << handChunk(0, 0, 0, 1.0, "");
        QTest::newRow("long-count") << QByteArray::fromHex("01 8100 00 00 000000000000f03f");
        QTest::newRow("one-point-span") << handChunk(1, 0, 1, 1.0, "");
        QTest::newRow("span-0") << handChunk(2, 0, 0, 1.0, "10 0000001 0");
        QTest::newRow("span-below-count") << handChunk(3, 0, 1, 1.0, "10 0000001 0  0 0");
        QTest::newRow("span-past-max") << handChunk(2, kMax - 1, 2, 1.0, "10 0000010 0");
        QTest::newRow("no-first-value") << handChunk(1, 0, 0, 1.0, "").left(10);
        QTest::newRow("stream-too-short") << handChunk(10, 0, 9, 1.0, "0 0 0 0");
        QTest::newRow("stream-too-long") << handChunk(2, 0, 1, 1.0, QByteArray(160, '0'));
    }
    void summarizeRefusesBadHeaders()
    {
        QFETCH(QByteArray, chunk);
        chunk::Summary s{7, 8, 9};
        QVERIFY(!chunk::summarize(chunk, s));
        Points got;
        QVERIFY(!decodeChecked(chunk, got));
    }

    void countLimit()
    {
        // kMaxPoints consecutive equal points decode; one more is refused, by both
        // decode() and summarize().
        for (quint64 n : {quint64(chunk::kMaxPoints), quint64(chunk::kMaxPoints) + 1}) {
            QByteArray bits = "10 0000001 0";
            for (quint64 i = 2; i < n; ++i)
                bits += " 0 0";
            const QByteArray c = handChunk(n, 0, n - 1, 1.0, bits);
            Points got;
            chunk::Summary s;
            const bool ok = n <= quint64(chunk::kMaxPoints);
            QCOMPARE(decodeChecked(c, got), ok);
            QCOMPARE(chunk::summarize(c, s), ok);
            if (ok)
                QCOMPARE(got.size(), size_t(n));
        }
    }

    void everyTruncationIsRefused()
    {
        const Points cases[] = {withValue({kMin, 0, kMax}), onSteps(specials()), noisyLoss(300, 4),
                                withValue({3}, std::bit_cast<double>(0x7ff0000000000001ULL))};
        for (const Points &p : cases) {
            const QByteArray c = chunk::encode(p);
            const qsizetype head = 9 + varint(p.size()).size() + varint(zz(p.front().step)).size() +
                                   varint(quint64(p.back().step) - quint64(p.front().step)).size();
            for (qsizetype len = 0; len < c.size(); ++len) {
                Points got;
                chunk::Summary s;
                QVERIFY2(!decodeChecked(c.left(len), got), QByteArray::number(len).constData());
                // summarize() reads no values, but sees a cut in the header or the
                // first value, and a stream shorter than 2 bits a point.
                const qsizetype stream = len - head;
                const bool plausible = stream >= 0 && stream * 8 >= (qsizetype(p.size()) - 1) * 2;
                QVERIFY2(chunk::summarize(c.left(len), s) == plausible,
                         QByteArray::number(len).constData());
            }
        }
    }

    void flippedBitsDecodeOrFailCleanly()
    {
        std::vector<double> mixed = specials();
        for (int i = 0; i < 40; ++i)
            mixed.push_back(double(float(i * 0.37)));
        Points irregular = noisyLoss(60, 5);
        for (size_t i = 0; i < irregular.size(); ++i)
            irregular[i].step = qint64(i * i * i * 1000) - 7;
        const Points cases[] = {onSteps(mixed), irregular, withValue({kMin, -1, 0, kMax}, -0.0)};
        int decoded = 0, refused = 0;
        for (const Points &p : cases) {
            const QByteArray c = chunk::encode(p);
            for (qsizetype bit = 0; bit < c.size() * 8; ++bit) {
                QByteArray bad = c;
                bad[bit / 8] = char(bad[bit / 8] ^ (1 << (bit % 8)));
                Points got;
                chunk::Summary s;
                const bool summarized = chunk::summarize(bad, s);
                if (decodeChecked(bad, got)) {
                    ++decoded;
                    QVERIFY(summarized); // summarize() refuses only what decode() refuses
                    checkDecodedChunk(bad, got);
                } else {
                    ++refused;
                }
            }
        }
        // Both outcomes happen (a flipped value bit is often another valid value).
        QVERIFY(decoded > 0);
        QVERIFY(refused > 0);
    }
};

QTEST_GUILESS_MAIN(TestMetricChunk)
#include "tst_metric_chunk.moc"
