// SPDX-License-Identifier: Apache-2.0
#include "server/core/HttpServer.h"

#include "server/core/ConnectionGuard.h"
#include "server/core/Dispatcher.h"
#include "server/core/Http.h"
#include "server/core/Metrics.h"

#include <QElapsedTimer>
#include <QRandomGenerator>

#include <QFile>
#include <QHttpServerRequest>
#include <QLoggingCategory>
#include <QPointer>
#include <QTcpSocket>

#include <utility>

Q_LOGGING_CATEGORY(lcAccess, "wfx.server.access", QtInfoMsg)

namespace wfx {

namespace {

QByteArray reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 402:
        return "Payment Required";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 416:
        return "Range Not Satisfiable";
    case 421:
        return "Misdirected Request";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

// The Host the dispatcher judges: an absolute-form target's authority when there
// was one, else the Host field without the OWS QHttpServer 6.4 leaves on it.
void setHost(HeaderList &headers, QByteArray authority)
{
    for (auto &h : headers) {
        if (h.first.compare("host", Qt::CaseInsensitive) == 0) {
            h.second = authority.isEmpty() ? h.second.trimmed() : std::move(authority);
            return;
        }
    }
    if (!authority.isEmpty())
        headers.append({QByteArrayLiteral("Host"), std::move(authority)});
}

QByteArray methodName(QHttpServerRequest::Method m)
{
    switch (m) {
    case QHttpServerRequest::Method::Get:
        return "GET";
    case QHttpServerRequest::Method::Put:
        return "PUT";
    case QHttpServerRequest::Method::Delete:
        return "DELETE";
    case QHttpServerRequest::Method::Post:
        return "POST";
    case QHttpServerRequest::Method::Head:
        return "HEAD";
    case QHttpServerRequest::Method::Options:
        return "OPTIONS";
    case QHttpServerRequest::Method::Patch:
        return "PATCH";
    case QHttpServerRequest::Method::Connect:
        return "CONNECT";
    case QHttpServerRequest::Method::Trace:
        return "TRACE";
    default:
        return "UNKNOWN";
    }
}

// Streams [offset, offset+length) of a file, refilling the socket only while
// its write buffer is small, so a slow reader never makes the file sit in memory.
// `finished` runs when the socket has written the last byte, or when the
// connection goes first (this object is the socket's child).
class FileStreamer : public QObject
{
public:
    static constexpr qint64 kChunk = 256 * 1024;
    FileStreamer(QTcpSocket *socket, const QString &path, qint64 offset, qint64 length, bool close,
                 std::function<void()> finished)
        : QObject(socket), m_socket(socket), m_file(path), m_left(length), m_close(close),
          m_finished(std::move(finished))
    {
        if (!m_file.open(QIODevice::ReadOnly) || !m_file.seek(offset)) {
            m_socket->abort();
            return;
        }
        connect(socket, &QTcpSocket::bytesWritten, this, &FileStreamer::pump);
        pump();
    }
    ~FileStreamer() override { finish(); }

private:
    void finish()
    {
        if (m_finished)
            std::exchange(m_finished, nullptr)();
    }
    void pump()
    {
        if (m_left == 0) {
            if (m_socket->bytesToWrite() == 0)
                done();
            return;
        }
        while (m_left > 0 && m_socket->bytesToWrite() < 2 * kChunk) {
            const QByteArray chunk = m_file.read(qMin(kChunk, m_left));
            if (chunk.isEmpty()) {
                m_socket->abort(); // the file shrank under us: the framing cannot be kept
                return;
            }
            m_left -= chunk.size();
            m_socket->write(chunk);
        }
        if (m_left == 0 && m_socket->bytesToWrite() == 0)
            done(); // else the last bytesWritten calls back here
    }
    void done()
    {
        disconnect(m_socket, nullptr, this, nullptr);
        finish();
        if (m_close)
            m_socket->disconnectFromHost();
        deleteLater();
    }
    QTcpSocket *m_socket;
    QFile m_file;
    qint64 m_left;
    bool m_close;
    std::function<void()> m_finished;
};

} // namespace

HttpServer::HttpServer(const Dispatcher &dispatcher, std::atomic<quint64> *requestCounter,
                       Metrics *metrics, QObject *parent)
    : QAbstractHttpServer(parent), m_dispatcher(dispatcher), m_requests(requestCounter),
      m_metrics(metrics)
{
}

bool HttpServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    QElapsedTimer timer;
    timer.start();
    if (m_requests)
        m_requests->fetch_add(1, std::memory_order_relaxed);
    const ConnectionGuard::RequestFacts facts = ConnectionGuard::takeRequestFacts(socket);
    if (!facts.pass)
        return true; // pipelined after a request that closes the connection: never served
    HttpRequest req;
    req.method = methodName(request.method());
    if (req.method == "HEAD") {
        req.method = "GET";
        req.head = true;
    }
    const QUrl url = request.url();
    req.path = url.path(QUrl::FullyDecoded);
    req.urlQuery = request.query();
    req.headers = request.headers();
    // An absolute-form target's authority replaces Host (RFC 9112 3.2.2), so the
    // dispatcher's host allowlist judges the name the request was sent to.
    setHost(req.headers, facts.authority);
    req.body = request.body();
    req.remote = request.remoteAddress();
    req.requestId =
        QByteArray::number(QRandomGenerator::global()->generate64(), 16).rightJustified(16, '0');
    const bool close = facts.close || req.header("connection").toLower().contains("close");
    HttpResponse resp = m_dispatcher.handle(req);
    resp.header("X-Request-Id", req.requestId);
    auto finished = [metrics = m_metrics, timer, route = resp.route, method = req.method,
                     head = req.head, status = resp.status, id = req.requestId,
                     client = req.remote.toString()] {
        const qint64 nanos = timer.nsecsElapsed();
        if (metrics)
            metrics->record(route, method, head, status, nanos);
        qCInfo(lcAccess).noquote().nospace()
            << (head ? QByteArrayLiteral("HEAD") : method) << ' '
            << (route.isEmpty() ? QStringLiteral("-") : route) << ' ' << status << ' '
            << QString::number(double(nanos) / 1e6, 'f', 2) << "ms id=" << id << " ip=" << client;
    };
    write(socket, req, resp, close, std::move(finished));
    return true;
}

void HttpServer::missingHandler(const QHttpServerRequest &, QTcpSocket *socket)
{
    // handleRequest answers everything; never reached.
    socket->abort();
}

void HttpServer::write(QTcpSocket *socket, const HttpRequest &req, HttpResponse &resp, bool close,
                       std::function<void()> finished)
{
    QByteArray out;
    out.reserve(256 + (req.head ? 0 : resp.body.size()));
    out += "HTTP/1.1 " + QByteArray::number(resp.status) + ' ' + reason(resp.status) + "\r\n";
    const bool streaming = !resp.filePath.isEmpty();
    if (!resp.contentType.isEmpty() && resp.status != 204)
        out += "Content-Type: " + resp.contentType + "\r\n";
    for (const auto &h : std::as_const(resp.headers))
        out += h.first + ": " + h.second + "\r\n";
    out += "X-Content-Type-Options: nosniff\r\n";
    if (resp.status != 204 && resp.status != 304)
        out += "Content-Length: " +
               QByteArray::number(streaming ? resp.fileLength : resp.body.size()) + "\r\n";
    if (close)
        out += "Connection: close\r\n";
    out += "\r\n";
    const bool withBody = !req.head && resp.status != 204 && resp.status != 304;
    if (withBody && !streaming)
        out += resp.body;
    socket->write(out);
    if (withBody && streaming && resp.fileLength > 0) {
        new FileStreamer(socket, resp.filePath, resp.fileOffset, resp.fileLength, close,
                         std::move(finished));
        return;
    }
    finished();
    if (close)
        socket->disconnectFromHost();
}

} // namespace wfx
