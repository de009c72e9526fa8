// SPDX-License-Identifier: Apache-2.0
#include "core/ConnectionGuard.h"

#include "core/ClientAddress.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <memory>

#include <sys/socket.h>

Q_LOGGING_CATEGORY(lcGuard, "wfx.server.guard", QtInfoMsg)

namespace wfx {

// Follows the HTTP/1.1 framing of one connection from the bytes QHttpServer is
// about to read, so limits apply before anything is buffered.
class GuardedConnection : public QObject
{
public:
    GuardedConnection(ConnectionGuard *server, QTcpSocket *socket)
        : QObject(socket), m_server(server), m_socket(socket), m_client(socket->peerAddress().toString())
    {
        m_timer.setSingleShot(true);
        connect(&m_timer, &QTimer::timeout, this, &GuardedConnection::onTimeout);
        // Connected before QHttpServer connects its own slot: we see the bytes first.
        connect(socket, &QTcpSocket::readyRead, this, &GuardedConnection::onReadyRead);
        connect(socket, &QTcpSocket::bytesWritten, this, [this] { armTimer(); });
        connect(socket, &QTcpSocket::disconnected, this, [this] {
            m_timer.stop();
            if (!m_released) {
                m_released = true;
                m_server->released(m_client);
            }
        });
        armTimer();
    }

private:
    enum class State { Head, Body, ChunkSize, ChunkData, ChunkCrlf, Trailer, Rejected };

    const GuardLimits &limits() const { return m_server->limits(); }

    void onReadyRead()
    {
        if (m_state == State::Rejected) {
            m_socket->readAll(); // discard: nothing reaches QHttpServer any more
            return;
        }
        const QByteArray data = m_socket->peek(m_socket->bytesAvailable());
        feed(data);
        armTimer();
    }

    void feed(const QByteArray &data)
    {
        qsizetype i = 0;
        while (i < data.size() && m_state != State::Rejected) {
            switch (m_state) {
            case State::Head: {
                if (m_head.isEmpty() && (data[i] == '\r' || data[i] == '\n')) { // stray CRLF between requests
                    ++i;
                    break;
                }
                const qsizetype end = data.indexOf("\n", i);
                const qsizetype take = end < 0 ? data.size() - i : end - i + 1;
                m_head.append(data.constData() + i, take);
                i += take;
                if (m_head.size() > limits().maxHeadBytes)
                    return reject(431, "request_header_fields_too_large", "The request head is too large.");
                if (m_head.endsWith("\r\n\r\n") || m_head.endsWith("\n\n"))
                    headComplete();
                break;
            }
            case State::Body: {
                const qint64 take = qMin<qint64>(m_remaining, data.size() - i);
                m_remaining -= take;
                i += take;
                if (m_remaining == 0)
                    requestComplete();
                break;
            }
            case State::ChunkSize:
            case State::Trailer: {
                const qsizetype end = data.indexOf("\n", i);
                const qsizetype take = end < 0 ? data.size() - i : end - i + 1;
                m_line.append(data.constData() + i, take);
                i += take;
                if (m_line.size() > 4096)
                    return reject(400, "bad_request", "Malformed chunked body.");
                if (end < 0)
                    break;
                const QByteArray line = m_line.trimmed();
                m_line.clear();
                if (m_state == State::Trailer) {
                    if (line.isEmpty())
                        requestComplete();
                    break;
                }
                bool ok = false;
                const qint64 size = line.split(';').value(0).trimmed().toLongLong(&ok, 16);
                if (!ok || size < 0)
                    return reject(400, "bad_request", "Malformed chunked body.");
                if (size == 0) {
                    m_state = State::Trailer;
                    break;
                }
                m_bodySeen += size;
                if (m_bodySeen > m_bodyLimit)
                    return reject(413, "payload_too_large", "The request body is too large.");
                m_remaining = size;
                m_state = State::ChunkData;
                break;
            }
            case State::ChunkData: {
                const qint64 take = qMin<qint64>(m_remaining, data.size() - i);
                m_remaining -= take;
                i += take;
                if (m_remaining == 0)
                    m_state = State::ChunkCrlf;
                break;
            }
            case State::ChunkCrlf: {
                const qsizetype end = data.indexOf("\n", i);
                if (end < 0) {
                    i = data.size();
                    break;
                }
                i = end + 1;
                m_state = State::ChunkSize;
                break;
            }
            case State::Rejected:
                return;
            }
        }
    }

    void headComplete()
    {
        const QList<QByteArray> lines = m_head.split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        m_closeAfter = requestLine.value(2) == "HTTP/1.0";
        const QByteArray path = requestLine.value(1);
        m_bodyLimit = path.startsWith("/uploads/") ? limits().maxPartBody : limits().maxJsonBody;
        qint64 length = 0;
        bool chunked = false;
        for (qsizetype n = 1; n < lines.size(); ++n) {
            const QByteArray line = lines[n].trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                continue;
            const QByteArray name = line.left(colon).trimmed().toLower();
            const QByteArray value = line.mid(colon + 1).trimmed();
            if (name == "content-length") {
                bool ok = false;
                length = value.toLongLong(&ok);
                if (!ok || length < 0)
                    return reject(400, "bad_request", "Malformed Content-Length.");
            } else if (name == "transfer-encoding") {
                chunked = value.toLower().contains("chunked");
            } else if (name == "connection") {
                // "Connection: close" is honoured by HttpServer after its answer; an
                // HTTP/1.0 client closes unless it asked to keep the connection.
                if (value.toLower().contains("keep-alive"))
                    m_closeAfter = false;
            } else if (name == "expect" && value.toLower() == "100-continue") {
                m_expectContinue = true;
            }
        }
        m_head.clear();
        if (!chunked && length > m_bodyLimit)
            return reject(413, "payload_too_large", "The request body is too large.");
        if (m_expectContinue) {
            // QHttpServer 6.4 never answers Expect: 100-continue; clients would wait.
            m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
            m_expectContinue = false;
        }
        m_bodySeen = 0;
        if (chunked) {
            m_state = State::ChunkSize;
        } else if (length > 0) {
            m_remaining = length;
            m_state = State::Body;
        } else {
            requestComplete();
        }
    }

    void requestComplete()
    {
        m_state = State::Head;
        if (m_closeAfter) {
            // Runs after QHttpServer handled this readyRead and queued its answer.
            QPointer<QTcpSocket> s = m_socket;
            QMetaObject::invokeMethod(this, [s] {
                if (s)
                    s->disconnectFromHost();
            }, Qt::QueuedConnection);
        }
    }

    void reject(int status, const char *code, const char *message)
    {
        m_state = State::Rejected;
        m_socket->readAll();
        const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("error"),
                                                           QJsonObject{{QStringLiteral("code"), QLatin1String(code)},
                                                                       {QStringLiteral("message"), QLatin1String(message)}}}})
                                    .toJson(QJsonDocument::Compact);
        const char *reason = status == 413 ? "Payload Too Large" : status == 431 ? "Request Header Fields Too Large"
                           : status == 408 ? "Request Timeout" : "Bad Request";
        m_socket->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + reason
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size())
                        + "\r\nConnection: close\r\n\r\n" + body);
        m_socket->flush();
        // Half-close and keep draining so the client reads the answer instead of a reset.
        ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
        m_timer.start(5'000);
        qCInfo(lcGuard) << "refused a request from" << m_client << "with" << status;
    }

    void armTimer()
    {
        if (m_state == State::Rejected)
            return;
        int ms = limits().idleTimeoutMs;
        if (m_socket->bytesToWrite() > 0)
            ms = limits().writeStallMs;
        else if (m_state == State::Head && !m_head.isEmpty())
            ms = limits().headTimeoutMs;
        else if (m_state != State::Head)
            ms = limits().bodyStallMs;
        if (m_state == State::Head && !m_head.isEmpty() && m_timer.isActive() && m_headTimerRunning)
            return; // the head deadline runs from its first byte, not from the last
        m_headTimerRunning = m_state == State::Head && !m_head.isEmpty();
        m_timer.start(ms);
    }

    void onTimeout()
    {
        if (m_state == State::Rejected || m_socket->bytesToWrite() > 0 || (m_state == State::Head && m_head.isEmpty())) {
            m_socket->abort();
            return;
        }
        reject(408, "request_timeout", "The request took too long to arrive.");
    }

    ConnectionGuard *m_server;
    QTcpSocket *m_socket;
    QString m_client;
    QTimer m_timer;
    State m_state = State::Head;
    QByteArray m_head, m_line;
    qint64 m_remaining = 0, m_bodySeen = 0, m_bodyLimit = 0;
    bool m_closeAfter = false, m_expectContinue = false, m_released = false, m_headTimerRunning = false;
};

bool ClientConnections::tryAcquire(const QString &client, int max)
{
    QMutexLocker lock(&m_mutex);
    int &count = m_count[client];
    if (count >= max) {
        if (count == 0)
            m_count.remove(client);
        return false;
    }
    ++count;
    return true;
}

void ClientConnections::release(const QString &client)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_count.find(client);
    if (it != m_count.end() && --it.value() <= 0)
        m_count.erase(it);
}

ConnectionGuard::ConnectionGuard(const GuardLimits &limits, QObject *parent, std::shared_ptr<ClientConnections> clients)
    : QTcpServer(parent), m_limits(limits),
      m_clients(clients ? std::move(clients) : std::make_shared<ClientConnections>())
{
}

void ConnectionGuard::setTlsConfiguration(const QSslConfiguration &config)
{
    m_tls = config;
}

void ConnectionGuard::incomingConnection(qintptr fd)
{
    QTcpSocket *socket = m_tls ? new QSslSocket(this) : new QTcpSocket(this);
    if (!socket->setSocketDescriptor(fd)) {
        delete socket;
        return;
    }
    const QString client = socket->peerAddress().toString();
    const bool capped = !inSubnets(socket->peerAddress(), m_limits.uncappedPeers);
    if (capped && !m_clients->tryAcquire(client, m_limits.maxConnectionsPerClient)) {
        static const QByteArray body = R"({"error":{"code":"unavailable","message":"Too many connections from this address."}})";
        socket->write("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
                      "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        socket->disconnectFromHost();
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        return;
    }
    ++m_open;
    if (m_tls)
        startTls(socket, client);
    else
        accept(socket);
}

void ConnectionGuard::accept(QTcpSocket *socket)
{
    new GuardedConnection(this, socket);
    addPendingConnection(socket); // pendingConnectionAvailable: QHttpServer takes it
}

void ConnectionGuard::startTls(QTcpSocket *plain, const QString &client)
{
    auto *socket = static_cast<QSslSocket *>(plain);
    socket->setSslConfiguration(*m_tls);
    // Until the handshake ends the socket is ours: a slow or failed handshake
    // releases its slot; once encrypted the guarded connection takes over.
    auto *deadline = new QTimer(socket);
    deadline->setSingleShot(true);
    auto done = std::make_shared<bool>(false);
    connect(deadline, &QTimer::timeout, socket, [socket] { socket->abort(); });
    connect(socket, &QSslSocket::sslErrors, socket, [socket](const QList<QSslError> &) { socket->abort(); });
    connect(socket, &QAbstractSocket::disconnected, this, [this, socket, client, done] {
        if (*done)
            return;
        *done = true;
        released(client);
        socket->deleteLater();
    });
    connect(socket, &QSslSocket::encrypted, this, [this, socket, deadline, done] {
        if (*done)
            return;
        *done = true; // from now on the guarded connection releases the slot
        deadline->stop();
        deadline->deleteLater();
        accept(socket);
    });
    deadline->start(m_limits.headTimeoutMs);
    socket->startServerEncryption();
}

ConnectionGuard::~ConnectionGuard()
{
    // Sockets go first: their disconnected() handlers still reach this object.
    m_closing = true;
    qDeleteAll(findChildren<QTcpSocket *>(Qt::FindDirectChildrenOnly));
}

void ConnectionGuard::released(const QString &client)
{
    m_clients->release(client); // shared with the other threads' guards: always given back
    if (m_closing)
        return;
    --m_open;
}

} // namespace wfx
