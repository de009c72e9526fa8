// SPDX-License-Identifier: Apache-2.0
#include "core/ApiServer.h"

#include "core/Ids.h"
#include "db/Database.h"

#include <QDir>
#include <QFile>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTcpServer>

Q_LOGGING_CATEGORY(lcServer, "wfx.server.core", QtInfoMsg)

namespace wfx {

namespace {
QHttpServerResponse json(const QJsonObject &o, QHttpServerResponse::StatusCode code = QHttpServerResponse::StatusCode::Ok)
{
    return QHttpServerResponse(QByteArrayLiteral("application/json"),
                               QJsonDocument(o).toJson(QJsonDocument::Compact), code);
}
QHttpServerResponse error(QHttpServerResponse::StatusCode code, const QString &c, const QString &msg)
{
    return json(QJsonObject{{QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), c}, {QStringLiteral("message"), msg}}}}, code);
}
} // namespace

ApiServer::ApiServer(ModelContext ctx, ServerConfig config, QObject *parent)
    : QObject(parent), m_ctx(std::move(ctx)), m_config(std::move(config))
{
    m_thread.setObjectName(QStringLiteral("wfx-http"));
}

ApiServer::~ApiServer()
{
    stop();
}

quint16 ApiServer::start()
{
    m_anchor = new QObject;
    m_anchor->moveToThread(&m_thread);
    m_thread.start();
    QMetaObject::invokeMethod(
        m_anchor,
        [this] {
            m_http = new QHttpServer;
            auto ctx = m_ctx;
            const QString dataDir = m_config.dataDir;
            m_http->route(QStringLiteral("/"), QHttpServerRequest::Method::Get, [] {
                return json({{QStringLiteral("name"), QStringLiteral("WorldFlux Console")},
                             {QStringLiteral("version"), QStringLiteral(WFX_VERSION)},
                             {QStringLiteral("docs"), QStringLiteral("/docs")},
                             {QStringLiteral("openapi"), QStringLiteral("/openapi.json")}});
            });
            for (const char *p : {"/healthz", "/health"}) {
                m_http->route(QString::fromLatin1(p), QHttpServerRequest::Method::Get,
                              [] { return json({{QStringLiteral("status"), QStringLiteral("ok")}}); });
            }
            m_http->route(QStringLiteral("/health/db"), QHttpServerRequest::Method::Get, [ctx] {
                if (ctx.db->ping())
                    return json({{QStringLiteral("status"), QStringLiteral("ok")}});
                return error(QHttpServerResponse::StatusCode::ServiceUnavailable, QStringLiteral("unavailable"),
                             QStringLiteral("The store does not answer."));
            });
            m_http->route(QStringLiteral("/health/r2"), QHttpServerRequest::Method::Get, [dataDir] {
                QDir dir(dataDir);
                dir.mkpath(QStringLiteral("blobs"));
                QFile probe(dir.filePath(QStringLiteral("blobs/.health-probe")));
                if (probe.open(QIODevice::WriteOnly | QIODevice::Truncate) && probe.write("ok", 2) == 2) {
                    probe.close();
                    probe.remove();
                    return json({{QStringLiteral("status"), QStringLiteral("ok")}});
                }
                return error(QHttpServerResponse::StatusCode::ServiceUnavailable, QStringLiteral("unavailable"),
                             QStringLiteral("The artifact store is not writable."));
            });
            m_http->setMissingHandler([](const QHttpServerRequest &, QHttpServerResponder &&r) {
                r.write(QJsonDocument(QJsonObject{{QStringLiteral("error"),
                                                   QJsonObject{{QStringLiteral("code"), QStringLiteral("not_found")},
                                                               {QStringLiteral("message"), QStringLiteral("No such route.")}}}}),
                        QHttpServerResponder::StatusCode::NotFound);
            });
            m_port = m_http->listen(m_config.listen, m_config.port);
        },
        Qt::BlockingQueuedConnection);
    return m_port;
}

void ApiServer::stop()
{
    if (!m_thread.isRunning())
        return;
    QMetaObject::invokeMethod(
        m_anchor,
        [this] {
            delete m_http;
            m_http = nullptr;
            delete m_anchor;
            m_anchor = nullptr;
        },
        Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

QString ApiServer::baseUrl() const
{
    const QString host = m_config.listen.protocol() == QAbstractSocket::IPv6Protocol
        ? QLatin1Char('[') + m_config.listen.toString() + QLatin1Char(']')
        : m_config.listen.toString();
    return QStringLiteral("http://%1:%2").arg(host).arg(m_port);
}

} // namespace wfx
