// SPDX-License-Identifier: Apache-2.0
// The real server on port 0 over a fresh store (SQLite unless a backend is named),
// and raw-socket helpers.
#pragma once

#include "TestStore.h"

#include "server/core/ApiServer.h"

#include <QElapsedTimer>
#include <QTcpSocket>

#include <memory>

namespace wfxtest {

class TestServer
{
public:
    explicit TestServer(wfx::ServerConfig config = {}, bool withSigningKey = true,
                        const QString &backend = QStringLiteral("sqlite"))
        : store(backend)
    {
        config.port = 0;
        config.listen = QHostAddress::LocalHost;
        config.dataDir = store.dir.path();
        if (withSigningKey &&
            config.signingKey.isEmpty()) // the instance key app/ reads from the secrets
            config.signingKey = wfx::crypto::randomBytes(32);
        server = std::make_unique<wfx::ApiServer>(store.ctx, config);
        port = server->start();
        if (!port)
            qFatal("test server did not start");
    }
    ~TestServer() { server->stop(); }

    // Sends raw bytes and reads until the peer closes or `ms` pass.
    QByteArray raw(const QByteArray &bytes, int ms = 3000, bool *closed = nullptr)
    {
        return rawTo(port, bytes, ms, closed);
    }
    // The same to any port on loopback.
    static QByteArray rawTo(quint16 port, const QByteArray &bytes, int ms = 3000,
                            bool *closed = nullptr)
    {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, port);
        if (!s.waitForConnected(2000))
            return {};
        s.write(bytes);
        s.waitForBytesWritten(2000);
        return readAll(s, ms, closed);
    }
    static QByteArray readAll(QTcpSocket &s, int ms, bool *closed = nullptr)
    {
        QByteArray out;
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < ms) {
            if (s.state() != QAbstractSocket::ConnectedState && s.bytesAvailable() == 0)
                break;
            if (s.waitForReadyRead(qMax<qint64>(10, ms - t.elapsed())))
                out += s.readAll();
        }
        out += s.readAll();
        if (closed)
            *closed = s.state() != QAbstractSocket::ConnectedState;
        return out;
    }
    QByteArray hostHeader() const { return "Host: 127.0.0.1:" + QByteArray::number(port) + "\r\n"; }

    TestStore store;
    std::unique_ptr<wfx::ApiServer> server;
    quint16 port = 0;
};

} // namespace wfxtest
