// SPDX-License-Identifier: Apache-2.0
#include "server/core/ConnectionGuard.h"

#include "server/core/ClientAddress.h"
#include "server/core/RequestHead.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <memory>
#include <utility>

#include <sys/socket.h>

Q_LOGGING_CATEGORY(lcGuard, "wfx.server.guard", QtInfoMsg)

namespace wfx {

namespace {
const char *reasonPhrase(int status)
{
    switch (status) {
    case 408:
        return "Request Timeout";
    case 413:
        return "Payload Too Large";
    case 431:
        return "Request Header Fields Too Large";
    case 501:
        return "Not Implemented";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Bad Request";
    }
}

// Where the guarded connection of a socket is found by the server (a property
// rather than a child lookup: GuardedConnection has no meta-object).
constexpr char kGuardProperty[] = "_wfx_guarded_connection";
} // namespace

// Follows the HTTP/1.1 framing of one connection from the bytes QHttpServer is
// about to read, so limits apply before anything is buffered.
class GuardedConnection : public QObject
{
public:
    // The facts of each head passed on and not yet taken by the server, oldest first.
    QList<ConnectionGuard::RequestFacts> m_facts;

    // Connected after QHttpServer's slot: what it read came off the front of the buffer.
    void afterServerRead() { m_seen = qMin(m_seen, m_socket->bytesAvailable()); }

    GuardedConnection(ConnectionGuard *server, QTcpSocket *socket)
        : QObject(socket), m_server(server), m_socket(socket),
          m_client(socket->peerAddress().toString())
    {
        m_timer.setSingleShot(true);
        connect(&m_timer, &QTimer::timeout, this, &GuardedConnection::onTimeout);
        // Connected before QHttpServer connects its own slot: we see the bytes first.
        connect(socket, &QTcpSocket::readyRead, this, &GuardedConnection::onReadyRead);
        connect(socket, &QTcpSocket::bytesWritten, this, [this] { armTimer(); });
        socket->setProperty(kGuardProperty, QVariant::fromValue(static_cast<void *>(this)));
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
    // Closed: a request asked to close (or was HTTP/1.0); nothing after it is served.
    enum class State { Head, Body, ChunkSize, ChunkData, ChunkCrlf, Trailer, Closed, Rejected };

    const GuardLimits &limits() const { return m_server->limits(); }

    // Before QHttpServer's slot. QHttpServer 6.4 reads one request per readyRead
    // and emits readyRead again for what it left, so the front of the buffer may
    // hold bytes fed already (m_seen of them): only what follows is new.
    void onReadyRead()
    {
        const qint64 available = m_socket->bytesAvailable();
        if (m_state == State::Rejected) {
            m_socket->readAll(); // discard: nothing reaches QHttpServer any more
            m_seen = 0;
            return;
        }
        if (m_state == State::Closed) {
            // Requests passed before the closing one are still served; once they
            // are read, the rest is dropped (HttpServer skips what we did not pass).
            if (m_seen == 0)
                m_socket->readAll();
            return;
        }
        if (available <= m_seen) {
            m_seen = available;
            return;
        }
        const QByteArray data = m_socket->peek(available);
        const qint64 fed = m_seen;
        m_seen = available;
        feed(QByteArrayView(data).sliced(fed));
        armTimer();
    }

    void feed(QByteArrayView data)
    {
        qsizetype i = 0;
        while (i < data.size() && m_state != State::Rejected) {
            switch (m_state) {
            case State::Head: {
                // Empty lines before a request line are skipped, as QHttpServer's parser does.
                if (m_head.isEmpty() && (data[i] == '\r' || data[i] == '\n')) {
                    ++i;
                    break;
                }
                const qsizetype end = data.indexOf('\n', i);
                const qsizetype take = end < 0 ? data.size() - i : end - i + 1;
                m_head.append(data.data() + i, take);
                i += take;
                if (m_head.size() > limits().maxHeadBytes)
                    return reject(431, "request_header_fields_too_large",
                                  "The request head is too large.");
                if (end < 0)
                    break;
                // The head ends with an empty line; the parser refuses a bare LF,
                // so "\n" alone ends it too (and is then refused).
                const QByteArrayView lastLine = QByteArrayView(m_head).sliced(m_lineStart);
                m_lineStart = m_head.size();
                if (lastLine == "\r\n" || lastLine == "\n")
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
                const qsizetype end = data.indexOf('\n', i);
                const qsizetype take = end < 0 ? data.size() - i : end - i + 1;
                m_line.append(data.data() + i, take);
                i += take;
                if (m_line.size() > 4096)
                    return reject(400, "bad_request", "Malformed chunked body.");
                if (end < 0)
                    break;
                const QByteArray line = std::exchange(m_line, {});
                http::Rejection why;
                if (m_state == State::Trailer) {
                    bool last = false;
                    if (!http::parseTrailerLine(line, &last, &why))
                        return reject(why);
                    if (last)
                        requestComplete();
                    break;
                }
                qint64 size = 0;
                if (!http::parseChunkSizeLine(line, &size, &why))
                    return reject(why);
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
                if (m_remaining == 0) {
                    m_state = State::ChunkCrlf;
                    m_crlfSeen = 0;
                }
                break;
            }
            case State::ChunkCrlf: {
                // Exactly CRLF after the chunk data (it may arrive split).
                if (data[i] != "\r\n"[m_crlfSeen])
                    return reject(400, "bad_request", "A chunk's data must end with CRLF.");
                ++i;
                if (++m_crlfSeen == 2)
                    m_state = State::ChunkSize;
                break;
            }
            case State::Closed: // the rest of this read: HttpServer skips whatever it holds
            case State::Rejected:
                return;
            }
        }
    }

    void headComplete()
    {
        const http::HeadResult parsed = http::parseRequestHead(m_head);
        if (!parsed.ok)
            return reject(parsed.rejection);
        const http::RequestHead &h = parsed.head;
        m_closeAfter = !h.keepAlive;
        m_bodyLimit = h.path.startsWith("/uploads/") ? limits().maxPartBody : limits().maxJsonBody;
        // In order with QHttpServer's requests: it reads this head after us.
        const bool absolute = h.form == http::TargetForm::Absolute;
        m_facts.append({true, m_closeAfter, absolute ? h.authority.toByteArray() : QByteArray()});
        const qint64 length = h.contentLength;
        const bool chunked = h.chunked;
        m_expectContinue = h.expectContinue;
        m_head.clear();
        m_lineStart = 0;
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
        // HttpServer answers this one with Connection: close and closes; nothing
        // after it is served (RFC 9112 9.6).
        m_state = m_closeAfter ? State::Closed : State::Head;
    }

    void reject(const http::Rejection &why) { reject(why.status, why.code, why.message); }

    void reject(int status, const char *code, const char *message)
    {
        m_state = State::Rejected;
        m_socket->readAll();
        m_seen = 0;
        const QByteArray body =
            QJsonDocument(
                QJsonObject{{QStringLiteral("error"),
                             QJsonObject{{QStringLiteral("code"), QLatin1String(code)},
                                         {QStringLiteral("message"), QLatin1String(message)}}}})
                .toJson(QJsonDocument::Compact);
        const char *reason = reasonPhrase(status);
        m_socket->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + reason +
                        "\r\nContent-Type: application/json\r\nContent-Length: " +
                        QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
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
        else if (m_state != State::Head && m_state != State::Closed)
            ms = limits().bodyStallMs;
        if (m_state == State::Head && !m_head.isEmpty() && m_timer.isActive() && m_headTimerRunning)
            return; // the head deadline runs from its first byte, not from the last
        m_headTimerRunning = m_state == State::Head && !m_head.isEmpty();
        m_timer.start(ms);
    }

    void onTimeout()
    {
        if (m_state == State::Rejected || m_state == State::Closed ||
            m_socket->bytesToWrite() > 0 || (m_state == State::Head && m_head.isEmpty())) {
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
    qsizetype m_lineStart = 0; // where the head's last (unfinished) line starts
    qint64 m_seen = 0;         // bytes at the front of the socket's buffer fed already
    int m_crlfSeen = 0;        // of the CRLF after a chunk's data
    qint64 m_remaining = 0, m_bodySeen = 0, m_bodyLimit = 0;
    bool m_closeAfter = false, m_expectContinue = false, m_released = false,
         m_headTimerRunning = false;
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

ConnectionGuard::ConnectionGuard(const GuardLimits &limits, QObject *parent,
                                 std::shared_ptr<ClientConnections> clients)
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
        static const QByteArray body =
            R"({"error":{"code":"unavailable","message":"Too many connections from this address."}})";
        socket->write("HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
                      "application/json\r\nConnection: close\r\n"
                      "Content-Length: " +
                      QByteArray::number(body.size()) + "\r\n\r\n" + body);
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
    auto *guarded = new GuardedConnection(this, socket);
    // pendingConnectionAvailable: QHttpServer takes the socket and connects its readyRead slot.
    addPendingConnection(socket);
    connect(socket, &QTcpSocket::readyRead, guarded, &GuardedConnection::afterServerRead);
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
    connect(socket, &QSslSocket::sslErrors, socket,
            [socket](const QList<QSslError> &) { socket->abort(); });
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

ConnectionGuard::RequestFacts ConnectionGuard::takeRequestFacts(QTcpSocket *socket)
{
    void *property = socket->property(kGuardProperty).value<void *>();
    auto *guarded = static_cast<GuardedConnection *>(property);
    if (!guarded)
        return {}; // not behind a guard
    if (guarded->m_facts.isEmpty())
        return {false, true, {}};
    return guarded->m_facts.takeFirst();
}

void ConnectionGuard::released(const QString &client)
{
    m_clients->release(client); // shared with the other threads' guards: always given back
    if (m_closing)
        return;
    --m_open;
}

} // namespace wfx
