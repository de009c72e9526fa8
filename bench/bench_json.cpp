// SPDX-License-Identifier: Apache-2.0
// The strict body reader (server/core/JsonReader: simdjson DOM + our checks +
// QJsonValue) against QJsonDocument::fromJson on the body bench/wrk/sync.lua
// sends (a sync with 100 metric points) and on bigger ones.
// Usage: bench_json [iterations=20000]   Prints µs per body and the ratios (>1: faster
// than QJsonDocument); "walk" builds every QJsonValue from simdjson's DOM.
#include "server/core/JsonReader.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace wfx;

namespace {
QByteArray syncBody(int points)
{
    QByteArray metrics = "[";
    for (int i = 0; i < points; ++i) {
        if (i)
            metrics += ',';
        metrics += "{\"name\":\"loss\",\"step\":" + QByteArray::number(i) +
                   ",\"value\":" + QByteArray::number(1.0 / (i + 1), 'f', 6) + '}';
    }
    metrics += ']';
    return "{\"project_id\":\"6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b\",\"client_run_id\":\"wrk-0-"
           "1700000000-1\","
           "\"name\":\"load\",\"status\":\"completed\",\"manifest\":{\"seed\":1},\"metrics\":" +
           metrics + '}';
}

// Nanoseconds per parse, the median of 7 timed batches.
template <typename F> double nsPerBody(int iterations, F parse)
{
    std::vector<double> batches;
    for (int b = 0; b < 7; ++b) {
        QElapsedTimer t;
        t.start();
        for (int i = 0; i < iterations; ++i)
            parse();
        batches.push_back(double(t.nsecsElapsed()) / iterations);
    }
    std::sort(batches.begin(), batches.end());
    return batches[batches.size() / 2];
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int iterations = argc > 1 ? QByteArray(argv[1]).toInt() : 20000;
    std::printf("%-22s %8s %12s %12s %7s %12s %7s\n", "body", "bytes", "QJsonDoc µs", "reader µs",
                "ratio", "walk µs", "ratio");
    for (const int points : {100, 1000, 10}) {
        const QByteArray body = syncBody(points);
        const int n = std::max(1, iterations * 100 / points);
        qint64 sink = 0;
        const double qt =
            nsPerBody(n, [&] { sink += QJsonDocument::fromJson(body).object().size(); });
        const double ours =
            nsPerBody(n, [&] { sink += JsonReader::read(body)->toObject().size(); });
        const double walk = nsPerBody(n, [&] {
            sink += JsonReader::read(body, JsonReader::Builder::WalkBuilds)->toObject().size();
        });
        std::printf("sync, %4d points     %8lld %12.2f %12.2f %6.2fx %12.2f %6.2fx%s\n", points,
                    static_cast<long long>(body.size()), qt / 1000, ours / 1000, qt / ours,
                    walk / 1000, qt / walk, sink ? "" : " ");
    }
    return 0;
}
