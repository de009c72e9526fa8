// SPDX-License-Identifier: Apache-2.0
// Request counters and latency histograms for GET /metrics (Prometheus text
// format 0.0.4). The series are fixed when the server starts, one per route
// template of the table plus "unmatched", each a block of atomics: recording
// is a few relaxed increments, no lock; a scrape reads them all.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QPair>
#include <QString>

#include <array>
#include <atomic>
#include <memory>
#include <vector>

namespace wfx {

class RouteTable;

class Metrics
{
public:
    static constexpr std::array<double, 12> kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,   0.25,   0.5,   1.0,  2.5,   5.0};
    static constexpr std::array<int, 29> kStatuses{200, 201, 202, 204, 206, 301, 302, 304, 307, 308,
                                                   400, 401, 402, 403, 404, 405, 408, 409, 410, 413,
                                                   415, 416, 421, 422, 429, 431, 500, 502, 503};
    static constexpr std::array<const char *, 8> kMethods{"GET",   "HEAD",   "POST",    "PUT",
                                                          "PATCH", "DELETE", "OPTIONS", "OTHER"};
    static QString unmatched() { return QStringLiteral("unmatched"); }

    explicit Metrics(const RouteTable &table);
    ~Metrics();

    // One answered request. `routeTemplate` empty: no route matched.
    void record(const QString &routeTemplate, const QByteArray &method, bool head, int status,
                qint64 nanos);
    quint64 rateLimited() const { return m_rateLimited.load(std::memory_order_relaxed); }

    // Values read on each scrape.
    struct Gauges
    {
        bool storeUp = false;
        bool artifactStoreUp = false;
        QList<QPair<QString, qint64>> shares; // state -> count
    };
    QByteArray render(const Gauges &gauges) const;

private:
    struct Series;
    static int methodIndex(const QByteArray &method, bool head);
    static int statusIndex(int status); // kStatuses.size(): other
    std::vector<std::unique_ptr<Series>> m_series;
    QHash<QString, int> m_index; // template -> series; read-only after construction
    std::atomic<quint64> m_rateLimited{0};
};

} // namespace wfx
