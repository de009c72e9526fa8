// SPDX-License-Identifier: Apache-2.0
// The HTTP server: runs on its own thread, never on the GUI thread.
#pragma once

#include "core/Context.h"
#include "core/ServerConfig.h"

#include <QObject>
#include <QThread>

#include <memory>

class QHttpServer;

namespace wfx {

class ApiServer : public QObject
{
    Q_OBJECT
public:
    ApiServer(ModelContext ctx, ServerConfig config, QObject *parent = nullptr);
    ~ApiServer() override;

    // Blocks until the server listens (or failed); returns the bound port or 0.
    quint16 start();
    void stop();
    QString baseUrl() const;

private:
    ModelContext m_ctx;
    ServerConfig m_config;
    QThread m_thread;
    QObject *m_anchor = nullptr;    // lives in m_thread: context for work there
    QHttpServer *m_http = nullptr; // lives in m_thread
    quint16 m_port = 0;
};

} // namespace wfx
