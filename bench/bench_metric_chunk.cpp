// SPDX-License-Identifier: Apache-2.0
// The metric chunk codec (issue 13) on training curves as clients log them:
// float32 values widened to double, one point a step. Reports bytes per point
// for each series and in all, and encode and decode time per point.
//   bench_metric_chunk [--steps 2500] [--repeat 200] [--seed 1]
#include "models/runs/MetricChunk.h"

#include "BenchTiming.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

using namespace wfx;

namespace {

struct Series
{
    const char *name;
    std::vector<chunk::Point> points;
};

std::vector<Series> trainingCurves(int steps, quint64 seed)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g(0.0, 1.0);
    std::vector<Series> s = {{"loss", {}}, {"reward", {}}, {"lr", {}}, {"grad_norm", {}}};
    const double pi = std::acos(-1.0);
    for (int i = 0; i < steps; ++i) {
        const double t = i;
        s[0].points.push_back({i, double(float(2.0 * std::exp(-t / 800) + 0.05 * g(rng)))});
        s[1].points.push_back({i, double(float(100.0 * (1 - std::exp(-t / 600)) + 5.0 * g(rng)))});
        // Linear warm-up over 100 steps, then cosine decay (what most schedulers log).
        s[2].points.push_back({i, double(float(3e-4 * std::min(1.0, (t + 1) / 100) * 0.5 *
                                               (1 + std::cos(pi * t / steps))))});
        s[3].points.push_back(
            {i, double(float(std::abs(1.0 + 0.3 * g(rng)) * std::exp(-t / 2000) + 0.1))});
    }
    return s;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser cli;
    cli.addHelpOption();
    cli.addOption({QStringLiteral("steps"), QStringLiteral("Points per series."),
                   QStringLiteral("n"), QStringLiteral("2500")});
    cli.addOption({QStringLiteral("repeat"), QStringLiteral("Timed repetitions."),
                   QStringLiteral("n"), QStringLiteral("200")});
    cli.addOption({QStringLiteral("seed"), QStringLiteral("Noise seed."), QStringLiteral("n"),
                   QStringLiteral("1")});
    cli.process(app);
    const int steps =
        std::clamp(cli.value(QStringLiteral("steps")).toInt(), 1, int(chunk::kMaxPoints));
    const int repeat = std::max(1, cli.value(QStringLiteral("repeat")).toInt());
    const std::vector<Series> series =
        trainingCurves(steps, cli.value(QStringLiteral("seed")).toULongLong());

    qint64 bytes = 0, points = 0;
    double encNs = 0, decNs = 0;
    std::printf("%-10s %8s %8s %10s %12s %12s\n", "series", "points", "bytes", "bytes/pt",
                "encode ns/pt", "decode ns/pt");
    for (const Series &s : series) {
        const QByteArray c = chunk::encode(s.points);
        std::vector<chunk::Point> back;
        if (!chunk::decode(c, back) || back.size() != s.points.size() ||
            std::memcmp(back.data(), s.points.data(), back.size() * sizeof(chunk::Point)) != 0) {
            std::fprintf(stderr, "%s did not round-trip\n", s.name);
            return 1;
        }
        qsizetype sink = 0;
        const double enc =
            1e6 * bench::timeIt(repeat, [&] { sink += chunk::encode(s.points).size(); }).medianMs;
        const double dec = 1e6 * bench::timeIt(repeat, [&] {
                                     back.clear();
                                     chunk::decode(c, back);
                                 }).medianMs;
        const double n = double(s.points.size());
        std::printf("%-10s %8zu %8lld %10.3f %12.1f %12.1f\n", s.name, s.points.size(),
                    qlonglong(c.size()), c.size() / n, enc / n, dec / n);
        bytes += c.size();
        points += qint64(s.points.size());
        encNs += enc;
        decNs += dec;
        if (sink < 0)
            return 2;
    }
    std::printf("%-10s %8lld %8lld %10.3f %12.1f %12.1f\n", "all", qlonglong(points),
                qlonglong(bytes), double(bytes) / points, encNs / points, decNs / points);
    return 0;
}
