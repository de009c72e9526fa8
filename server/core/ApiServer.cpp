// SPDX-License-Identifier: Apache-2.0
#include "core/ApiServer.h"

#include "core/ConnectionGuard.h"
#include "core/Dispatcher.h"
#include "core/HttpServer.h"
#include "core/Maintenance.h"
#include "core/RouteTable.h"
#include "core/Services.h"
#include "core/StoreAuthenticator.h"
#include "routes/Routes.h"

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
    m_auth = std::make_unique<StoreAuthenticator>(*m_services);
    DispatchConfig dc;
    dc.publicHostNames = m_config.publicHostNames;
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
    quint16 port = m_config.port;
    const int threads = qMax(1, m_config.threads);
    for (int i = 0; i < threads; ++i) {
        quint16 bound = 0;
        const int fd = listenSocket(m_config.listen, port, &bound);
        if (fd < 0) {
            qCWarning(lcServer) << "cannot listen on" << m_config.listen.toString() << port;
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
                GuardLimits limits = m_config.guard;
                limits.maxJsonBody = m_config.maxJsonBody;
                limits.maxPartBody = m_config.partSize;
                auto *guard = new ConnectionGuard(limits, anchor);
                auto *http = new HttpServer(*m_dispatcher, &m_requests, anchor);
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
    m_port = port;
    m_maintenance = std::make_unique<Maintenance>(*m_services);
    m_maintenance->start();
    return m_port;
}

void ApiServer::stop()
{
    m_maintenance.reset(); // flushes what is batched
    for (size_t i = 0; i < m_threads.size(); ++i) {
        if (i < m_anchors.size())
            QMetaObject::invokeMethod(m_anchors[i], [a = m_anchors[i]] { delete a; }, Qt::BlockingQueuedConnection);
        m_threads[i]->quit();
        m_threads[i]->wait();
        delete m_threads[i];
    }
    m_threads.clear();
    m_anchors.clear();
    m_port = 0;
}

QString ApiServer::baseUrl() const
{
    const QString host = m_config.listen.protocol() == QAbstractSocket::IPv6Protocol
        ? QLatin1Char('[') + m_config.listen.toString() + QLatin1Char(']')
        : m_config.listen.toString();
    return QStringLiteral("http://%1:%2").arg(host).arg(m_port);
}

} // namespace wfx
