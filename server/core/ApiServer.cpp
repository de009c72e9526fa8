// SPDX-License-Identifier: Apache-2.0
#include "server/core/ApiServer.h"

#include "models/core/Clock.h"
#include "models/db/Database.h"
#include "server/core/ClientAddress.h"
#include "server/core/ConnectionGuard.h"
#include "server/core/Dispatcher.h"
#include "server/core/HttpServer.h"
#include "server/core/HttpsRedirect.h"
#include "server/core/Maintenance.h"
#include "server/core/Metrics.h"
#include "server/core/RouteTable.h"
#include "server/core/Schema.h"
#include "server/core/Services.h"
#include "server/core/StoreAuthenticator.h"
#include "server/core/TlsFiles.h"
#include "server/routes/Routes.h"

#include <QDir>
#include <QLoggingCategory>
#include <QThread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcServer, "wfx.server.core", QtInfoMsg)

namespace wfx {

namespace {
// A listening socket that other threads may also bind (SO_REUSEPORT): the
// kernel spreads connections over the threads.
int listenSocket(const QHostAddress &addr, quint16 port, quint16 *boundPort)
{
    const bool v6 = addr.protocol() == QAbstractSocket::IPv6Protocol;
    const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (v6) {
        auto *a = reinterpret_cast<sockaddr_in6 *>(&ss);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        const Q_IPV6ADDR ip = addr.toIPv6Address();
        memcpy(&a->sin6_addr, &ip, 16);
        len = sizeof(sockaddr_in6);
    } else {
        auto *a = reinterpret_cast<sockaddr_in *>(&ss);
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        a->sin_addr.s_addr = htonl(addr.toIPv4Address());
        len = sizeof(sockaddr_in);
    }
    if (::bind(fd, reinterpret_cast<sockaddr *>(&ss), len) != 0 || ::listen(fd, 1024) != 0) {
        ::close(fd);
        return -1;
    }
    sockaddr_storage bound{};
    socklen_t blen = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &blen);
    *boundPort = ntohs(v6 ? reinterpret_cast<sockaddr_in6 *>(&bound)->sin6_port
                          : reinterpret_cast<sockaddr_in *>(&bound)->sin_port);
    return fd;
}
} // namespace

ApiServer::ApiServer(ModelContext ctx, ServerConfig config, QObject *parent)
    : QObject(parent), m_ctx(std::move(ctx)), m_config(std::move(config))
{
    m_services = std::make_unique<Services>(m_ctx, m_config);
    m_table = std::make_unique<RouteTable>();
    registerRoutes(*m_table, *m_services);
    addMetricsRoute();
    m_metrics =
        std::make_unique<Metrics>(*m_table); // a series per route template, fixed from now on
    m_clients = std::make_shared<ClientConnections>();
    m_auth = std::make_unique<StoreAuthenticator>(*m_services);
    DispatchConfig dc;
    dc.publicHostNames = m_config.publicHostNames;
    dc.trustedProxies = m_config.trustedProxies;
    dc.tls = m_config.tls;
    m_dispatcher = std::make_unique<Dispatcher>(*m_table, m_auth.get(), dc);
}

ApiServer::~ApiServer()
{
    stop();
}

quint16 ApiServer::start()
{
    if (m_port)
        return m_port;
    m_error.clear();
    if (m_config.tls &&
        !TlsFiles::load(m_config.tlsCertFile, m_config.tlsKeyFile, &m_tls, &m_error)) {
        qCWarning(lcServer).noquote() << m_error;
        return 0;
    }
    if (m_config.httpRedirectPort >= 0 && !m_config.tls) {
        m_error = QStringLiteral("the HTTP redirect port needs TLS: it redirects to https");
        qCWarning(lcServer).noquote() << m_error;
        return 0;
    }
    if (m_config.httpRedirectPort > 0 && m_config.httpRedirectPort == m_config.port) {
        m_error = QStringLiteral("the HTTP redirect port %1 is the main port").arg(m_config.port);
        qCWarning(lcServer).noquote() << m_error;
        return 0;
    }
    quint16 port = m_config.port;
    const int threads = qMax(1, m_config.threads);
    for (int i = 0; i < threads; ++i) {
        quint16 bound = 0;
        const int fd = listenSocket(m_config.listen, port, &bound);
        if (fd < 0) {
            m_error =
                QStringLiteral("cannot listen on %1:%2").arg(m_config.listen.toString()).arg(port);
            qCWarning(lcServer).noquote() << m_error;
            stop();
            return 0;
        }
        port = bound;
        m_dispatcher->setPort(port); // before any thread serves
        auto *th = new QThread;
        th->setObjectName(QStringLiteral("wfx-http-%1").arg(i));
        th->start();
        auto *anchor = new QObject; // owns the thread's server objects
        anchor->moveToThread(th);
        bool ok = false;
        QMetaObject::invokeMethod(
            anchor,
            [this, anchor, fd, &ok] {
                auto *guard = new ConnectionGuard(guardLimits(), anchor, m_clients);
                if (m_config.tls)
                    guard->setTlsConfiguration(m_tls);
                auto *http = new HttpServer(*m_dispatcher, &m_requests, m_metrics.get(), anchor);
                ok = guard->setSocketDescriptor(fd);
                http->bind(guard);
            },
            Qt::BlockingQueuedConnection);
        m_anchors.push_back(anchor);
        if (!ok) {
            m_threads.push_back(th);
            stop();
            return 0;
        }
        m_threads.push_back(th);
    }
    if (m_config.httpRedirectPort >= 0 && !startRedirect(port)) {
        qCWarning(lcServer).noquote() << m_error;
        stop();
        return 0;
    }
    m_port = port;
    m_maintenance = std::make_unique<Maintenance>(*m_services);
    m_maintenance->start();
    return m_port;
}

GuardLimits ApiServer::guardLimits() const
{
    GuardLimits limits = m_config.guard;
    limits.maxJsonBody = m_config.maxJsonBody;
    limits.maxPartBody = m_config.partSize;
    limits.uncappedPeers = m_config.trustedProxies;
    return limits;
}

bool ApiServer::startRedirect(quint16 httpsPort)
{
    // On the first serving thread; it goes when that thread's anchor does.
    QObject *anchor = m_anchors.front();
    bool ok = false;
    QMetaObject::invokeMethod(
        anchor,
        [this, anchor, httpsPort, &ok] {
            auto *redirect = new HttpsRedirect(guardLimits(), m_config.listen, httpsPort, anchor);
            ok = redirect->listen(quint16(m_config.httpRedirectPort));
            if (ok &&
                redirect->port() == httpsPort) // port 0 cannot pick the main port, but be sure
                ok = false;
            if (ok) {
                m_redirectPort = redirect->port();
            } else {
                m_error = QStringLiteral("cannot listen for the HTTP redirect on %1:%2: %3")
                              .arg(m_config.listen.toString())
                              .arg(m_config.httpRedirectPort)
                              .arg(redirect->errorString());
                delete redirect;
            }
        },
        Qt::BlockingQueuedConnection);
    return ok;
}

void ApiServer::stop()
{
    m_maintenance.reset(); // flushes what is batched
    for (size_t i = 0; i < m_threads.size(); ++i) {
        if (i < m_anchors.size())
            QMetaObject::invokeMethod(
                m_anchors[i], [a = m_anchors[i]] { delete a; }, Qt::BlockingQueuedConnection);
        m_threads[i]->quit();
        m_threads[i]->wait();
        delete m_threads[i];
    }
    m_threads.clear();
    m_anchors.clear();
    m_port = 0;
    m_redirectPort = 0;
}

QString ApiServer::baseUrl() const
{
    const QString host = m_config.listen.protocol() == QAbstractSocket::IPv6Protocol
                             ? QLatin1Char('[') + m_config.listen.toString() + QLatin1Char(']')
                             : m_config.listen.toString();
    return QStringLiteral("%1://%2:%3")
        .arg(m_config.tls ? QStringLiteral("https") : QStringLiteral("http"), host)
        .arg(m_port);
}

void ApiServer::addMetricsRoute()
{
    // Public in the table (no credentials), but answered only to loopback and
    // the configured subnets (ServerConfig::metricsAllow); others get 404.
    m_table
        ->route("GET", QStringLiteral("/metrics"), Access::Public, QStringLiteral("system"),
                QStringLiteral(
                    "Prometheus metrics (text format 0.0.4); loopback clients and the subnets "
                    "configured with --metrics-allow only, 404 for others"))
        .returnsBytes(200, "text/plain; version=0.0.4; charset=utf-8")
        .errors({404})
        .handle([this](HttpRequest &req) {
            if (!req.remote.isLoopback() && !inSubnets(req.remote, m_config.metricsAllow))
                return HttpResponse::error(404, QStringLiteral("not_found"),
                                           QStringLiteral("No such route."));
            Metrics::Gauges g;
            g.storeUp = m_services->ctx.db->ping();
            g.artifactStoreUp = bool(m_services->blobs.health()); // the probe /api/status uses
            if (g.storeUp)
                g.shares = shareCounts();
            HttpResponse r;
            r.contentType = "text/plain; version=0.0.4; charset=utf-8";
            r.body = m_metrics->render(g);
            return r;
        });
}

QList<QPair<QString, qint64>> ApiServer::shareCounts()
{
    // A count over the shares table: cached a few seconds so scrapes stay cheap.
    constexpr qint64 kTtlMs = 5000;
    QMutexLocker lock(&m_shareCounts.mutex);
    const qint64 now = m_services->ctx.clock->nowMs();
    if (m_shareCounts.at < 0 || now - m_shareCounts.at >= kTtlMs || now < m_shareCounts.at) {
        if (auto counts = m_services->shares.countByState()) {
            m_shareCounts.counts = *counts;
            m_shareCounts.at = now;
        }
    }
    return m_shareCounts.counts;
}

} // namespace wfx
