// SPDX-License-Identifier: Apache-2.0
// A QAbstractHttpServer that hands every parsed request to the Dispatcher and
// writes the answer itself: exact status line and headers, Content-Length on
// HEAD without a body, no body on 204, Connection: close honoured, and files
// streamed with back-pressure (never read whole). Every answer carries an
// X-Request-Id and is counted in the metrics and the access log once its last
// byte is out (a streamed file: when the stream ends, not when the handler returns).
#pragma once

#include <QAbstractHttpServer>

#include <atomic>
#include <functional>

namespace wfx {

class Dispatcher;
class Metrics;
struct HttpRequest;
struct HttpResponse;

class HttpServer : public QAbstractHttpServer
{
    Q_OBJECT
public:
    // `metrics` may be null. Each answer is logged on wfx.server.access (method,
    // route template, status, duration, request id; never the raw path, headers or bodies).
    HttpServer(const Dispatcher &dispatcher, std::atomic<quint64> *requestCounter,
               Metrics *metrics = nullptr, QObject *parent = nullptr);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    // `finished` runs once the answer is written out (or the connection is gone).
    void write(QTcpSocket *socket, const HttpRequest &req, HttpResponse &resp, bool close,
               std::function<void()> finished);
    const Dispatcher &m_dispatcher;
    std::atomic<quint64> *m_requests;
    Metrics *m_metrics;
};

} // namespace wfx
