// SPDX-License-Identifier: Apache-2.0
#include "server/core/Metrics.h"

#include "server/core/RouteTable.h"

namespace wfx {

namespace {
constexpr int kStatusSlots = int(Metrics::kStatuses.size()) + 1;
constexpr int kMethodSlots = int(Metrics::kMethods.size());

// Label values: backslash, double quote and line feed escaped.
QByteArray label(const QString &v)
{
    QByteArray out;
    for (const char c : v.toUtf8()) {
        if (c == '\\' || c == '"')
            out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

QByteArray number(double v)
{
    return QByteArray::number(v, 'g', 12);
}
} // namespace

struct Metrics::Series
{
    QString route;
    std::array<std::atomic<quint64>, kMethodSlots * kStatusSlots> counts{};
    std::array<std::atomic<quint64>, Metrics::kBuckets.size() + 1>
        buckets{}; // not cumulative; last: above 5 s
    std::atomic<quint64> sumNanos{0};
    std::atomic<quint64> count{0};
};

Metrics::Metrics(const RouteTable &table)
{
    auto add = [this](const QString &route) {
        if (m_index.contains(route))
            return;
        auto s = std::make_unique<Series>();
        s->route = route;
        m_index.insert(route, int(m_series.size()));
        m_series.push_back(std::move(s));
    };
    add(unmatched());
    for (const Route &r : table.routes())
        add(r.path);
}

Metrics::~Metrics() = default;

int Metrics::methodIndex(const QByteArray &method, bool head)
{
    if (head)
        return 1;
    for (int i = 0; i < kMethodSlots - 1; ++i) {
        if (method == kMethods[size_t(i)])
            return i;
    }
    return kMethodSlots - 1;
}

int Metrics::statusIndex(int status)
{
    for (size_t i = 0; i < kStatuses.size(); ++i) {
        if (kStatuses[i] == status)
            return int(i);
    }
    return int(kStatuses.size());
}

void Metrics::record(const QString &routeTemplate, const QByteArray &method, bool head, int status,
                     qint64 nanos)
{
    const int idx = m_index.value(routeTemplate.isEmpty() ? unmatched() : routeTemplate, 0);
    Series &s = *m_series[size_t(idx)];
    s.counts[size_t(methodIndex(method, head) * kStatusSlots + statusIndex(status))].fetch_add(
        1, std::memory_order_relaxed);
    const double seconds = double(qMax<qint64>(0, nanos)) / 1e9;
    size_t b = 0;
    while (b < kBuckets.size() && seconds > kBuckets[b])
        ++b;
    s.buckets[b].fetch_add(1, std::memory_order_relaxed);
    s.sumNanos.fetch_add(quint64(qMax<qint64>(0, nanos)), std::memory_order_relaxed);
    s.count.fetch_add(1, std::memory_order_relaxed);
    if (status == 429)
        m_rateLimited.fetch_add(1, std::memory_order_relaxed);
}

QByteArray Metrics::render(const Gauges &g) const
{
    QByteArray out;
    out.reserve(16 * 1024);
    out += "# HELP wfx_http_requests_total HTTP requests answered, by route template, method and "
           "status.\n"
           "# TYPE wfx_http_requests_total counter\n";
    for (const auto &s : m_series) {
        for (int m = 0; m < kMethodSlots; ++m) {
            for (int st = 0; st < kStatusSlots; ++st) {
                const quint64 n =
                    s->counts[size_t(m * kStatusSlots + st)].load(std::memory_order_relaxed);
                if (n == 0)
                    continue;
                const QByteArray status = st < int(kStatuses.size())
                                              ? QByteArray::number(kStatuses[size_t(st)])
                                              : QByteArray("other");
                out += "wfx_http_requests_total{route=\"" + label(s->route) + "\",method=\"" +
                       kMethods[size_t(m)] + "\",status=\"" + status + "\"} " +
                       QByteArray::number(n) + '\n';
            }
        }
    }
    out += "# HELP wfx_http_request_duration_seconds Time from the parsed request to the queued "
           "answer, by route template.\n"
           "# TYPE wfx_http_request_duration_seconds histogram\n";
    for (const auto &s : m_series) {
        const quint64 count = s->count.load(std::memory_order_relaxed);
        if (count == 0)
            continue;
        const QByteArray route = label(s->route);
        quint64 cumulative = 0;
        for (size_t b = 0; b < kBuckets.size(); ++b) {
            cumulative += s->buckets[b].load(std::memory_order_relaxed);
            out += "wfx_http_request_duration_seconds_bucket{route=\"" + route + "\",le=\"" +
                   number(kBuckets[b]) + "\"} " + QByteArray::number(cumulative) + '\n';
        }
        cumulative += s->buckets[kBuckets.size()].load(std::memory_order_relaxed);
        // Read apart from the buckets: +Inf and _count may differ by a request in flight; keep them
        // equal.
        out += "wfx_http_request_duration_seconds_bucket{route=\"" + route + "\",le=\"+Inf\"} " +
               QByteArray::number(cumulative) + '\n';
        out += "wfx_http_request_duration_seconds_sum{route=\"" + route + "\"} " +
               number(double(s->sumNanos.load(std::memory_order_relaxed)) / 1e9) + '\n';
        out += "wfx_http_request_duration_seconds_count{route=\"" + route + "\"} " +
               QByteArray::number(cumulative) + '\n';
    }
    out += "# HELP wfx_rate_limited_total Requests answered 429 Too Many Requests.\n"
           "# TYPE wfx_rate_limited_total counter\n"
           "wfx_rate_limited_total " +
           QByteArray::number(rateLimited()) + '\n';
    out += "# HELP wfx_store_up Whether the store answers a query (1) or not (0).\n"
           "# TYPE wfx_store_up gauge\n"
           "wfx_store_up " +
           QByteArray(g.storeUp ? "1" : "0") + '\n';
    out += "# HELP wfx_artifact_store_up Whether the artifact store is writable (1) or not (0).\n"
           "# TYPE wfx_artifact_store_up gauge\n"
           "wfx_artifact_store_up " +
           QByteArray(g.artifactStoreUp ? "1" : "0") + '\n';
    out += "# HELP wfx_shares Shares by state.\n"
           "# TYPE wfx_shares gauge\n";
    for (const auto &[state, n] : g.shares)
        out += "wfx_shares{state=\"" + label(state) + "\"} " + QByteArray::number(n) + '\n';
    return out;
}

} // namespace wfx
