// SPDX-License-Identifier: Apache-2.0
// The server: the route table, the dispatcher and N serving threads sharing one
// port (SO_REUSEPORT), none of them the GUI thread.
#pragma once

#include "models/core/Context.h"
#include "server/core/ServerConfig.h"

#include <QMutex>
#include <QObject>
#include <QSslConfiguration>

#include <atomic>
#include <memory>
#include <vector>

class QThread;

namespace wfx {

class Authenticator;
class ClientConnections;
class Dispatcher;
class Maintenance;
class Metrics;
class RouteTable;
struct Services;

class ApiServer : public QObject
{
    Q_OBJECT
public:
    ApiServer(ModelContext ctx, ServerConfig config, QObject *parent = nullptr);
    ~ApiServer() override;

    // Starts the threads; blocks until all listen. Returns the port, or 0
    // (lastError() says why).
    quint16 start();
    QString lastError() const { return m_error; }
    // The TLS configuration served when config.tls (after start()).
    const QSslConfiguration &tlsConfiguration() const { return m_tls; }
    void stop();
    bool isRunning() const { return m_port != 0; }
    QString baseUrl() const;
    quint16 port() const { return m_port; }
    // The plain-HTTP port that redirects to https, or 0 when there is none.
    quint16 redirectPort() const { return m_redirectPort; }
    quint64 requestCount() const { return m_requests.load(std::memory_order_relaxed); }
    const RouteTable &routes() const { return *m_table; }
    Services &services() { return *m_services; }
    Metrics &metrics() { return *m_metrics; }

private:
    ModelContext m_ctx;
    ServerConfig m_config;
    std::unique_ptr<Services> m_services;
    std::unique_ptr<RouteTable> m_table;
    std::unique_ptr<Authenticator> m_auth;
    std::unique_ptr<Dispatcher> m_dispatcher;
    std::unique_ptr<Maintenance> m_maintenance;
    std::unique_ptr<Metrics> m_metrics;
    std::shared_ptr<ClientConnections> m_clients; // the per-address connection cap, for all threads
    QSslConfiguration m_tls;
    QString m_error;
    struct ShareCountCache
    {
        QMutex mutex;
        qint64 at = -1;
        QList<QPair<QString, qint64>> counts;
    } m_shareCounts;
    void addMetricsRoute();
    bool startRedirect(quint16 httpsPort);
    GuardLimits guardLimits() const;
    QList<QPair<QString, qint64>> shareCounts();
    std::vector<QThread *> m_threads;
    std::vector<QObject *> m_anchors; // one per thread, living there
    std::atomic<quint64> m_requests{0};
    quint16 m_port = 0;
    quint16 m_redirectPort = 0;
};

} // namespace wfx
