// SPDX-License-Identifier: Apache-2.0
// The one place that knows about Qt 6.4 QHttpServer's gaps (PLATFORM.md 2): a
// QTcpServer that creates each socket itself and watches the bytes before
// QHttpServer reads them. It enforces the head size (431), the declared or
// streamed body size (413, before the body is buffered), header/body/idle and
// write-stall timeouts, a cap of connections per client address, and closes
// after a response when the client asked (Connection: close, HTTP/1.0).
// Heads and chunked framing are read strictly (core/RequestHead.h); after any
// framing error the answer is the contract's JSON error with Connection: close
// and the connection ends, before QHttpServer has seen the request.
// With a TLS configuration it does what QSslServer does (a QSslSocket per
// connection, the server handshake, the socket handed over only once
// encrypted) and the guard reads the decrypted bytes the same way.
#pragma once

#include "server/core/ServerConfig.h"

#include <QHash>
#include <QMutex>

#include <memory>
#include <optional>

#include <QSslConfiguration>
#include <QTcpServer>

class QTcpSocket;

namespace wfx {

// Open connections per client address, shared by every serving thread's guard
// so that the cap holds for the process, not for each thread.
class ClientConnections
{
public:
    bool tryAcquire(const QString &client, int max);
    void release(const QString &client);

private:
    QMutex m_mutex;
    QHash<QString, int> m_count;
};

class ConnectionGuard : public QTcpServer
{
    Q_OBJECT
public:
    // clients: the per-address counts this guard shares with its siblings (own counts when null).
    explicit ConnectionGuard(const GuardLimits &limits, QObject *parent = nullptr,
                             std::shared_ptr<ClientConnections> clients = {});
    ~ConnectionGuard() override;
    const GuardLimits &limits() const { return m_limits; }
    int openConnections() const { return m_open; }
    // Serve TLS on every later connection (the handshake must finish within headTimeoutMs).
    void setTlsConfiguration(const QSslConfiguration &config);
    // What the guard read in the head of the request QHttpServer is about to
    // handle on `socket` (one call per request, in order). QHttpServer 6.4 keeps
    // neither the HTTP version nor the target's authority (a Host field overrides
    // the host in QHttpServerRequest::url()), so only the guard knows them.
    struct RequestFacts
    {
        bool pass = true;     // false: the guard did not pass it (it follows a closing request)
        bool close = false;   // answer with Connection: close and close (RFC 9112 9.3, 9.6)
        QByteArray authority; // an absolute-form target's authority: replaces Host (RFC 9112 3.2.2)
    };
    static RequestFacts takeRequestFacts(QTcpSocket *socket);

protected:
    void incomingConnection(qintptr fd) override;

private:
    friend class GuardedConnection;
    void released(const QString &client);
    void accept(QTcpSocket *socket);
    void startTls(QTcpSocket *socket, const QString &client);
    std::optional<QSslConfiguration> m_tls;
    GuardLimits m_limits;
    std::shared_ptr<ClientConnections> m_clients;
    int m_open = 0;
    bool m_closing = false;
};

} // namespace wfx
