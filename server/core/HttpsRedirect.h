// SPDX-License-Identifier: Apache-2.0
// Plain HTTP next to a TLS server: every request on this port is answered with
// 308 Permanent Redirect to the same path and query on https, then closed. The
// connection guard in front of it bounds the head (431) and its time (408); no
// body is read, nothing reaches the route table.
#pragma once

#include "server/core/ServerConfig.h"

#include <QByteArray>
#include <QHostAddress>
#include <QObject>

class QTcpSocket;

namespace wfx {

class ConnectionGuard;

class HttpsRedirect : public QObject
{
    Q_OBJECT
public:
    HttpsRedirect(const GuardLimits &limits, const QHostAddress &listen, quint16 httpsPort,
                  QObject *parent = nullptr);

    // Listens on the listen address; false with errorString() when the port is taken.
    bool listen(quint16 port);
    quint16 port() const;
    QString errorString() const;

    // The Location for a request target and its Host header: the host only when
    // it is a syntactically valid name or address (else the listen address),
    // the target only when it is a plain origin-form path (else "/").
    static QByteArray location(const QByteArray &target, const QByteArray &hostHeader,
                               const QHostAddress &listen, quint16 httpsPort);
    // The host part of a Host header value when it is a valid DNS name, IPv4 or
    // [IPv6] literal with an optional numeric port; empty otherwise.
    static QByteArray validHost(const QByteArray &hostHeader);

private:
    void serve(QTcpSocket *socket);

    ConnectionGuard *m_guard;
    QHostAddress m_listen;
    quint16 m_httpsPort;
};

} // namespace wfx
