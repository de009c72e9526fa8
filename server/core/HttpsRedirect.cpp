// SPDX-License-Identifier: Apache-2.0
#include "server/core/HttpsRedirect.h"

#include "server/core/ConnectionGuard.h"

#include <QLoggingCategory>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTimer>

#include <limits>
#include <memory>

#include <sys/socket.h>

Q_LOGGING_CATEGORY(lcRedirect, "wfx.server.redirect", QtInfoMsg)

namespace wfx {

namespace {
constexpr int kLingerMs = 5'000; // after the answer: time for the client to close first

bool visibleAscii(const QByteArray &s)
{
    for (const char c : s) {
        if (uchar(c) < 0x21 || uchar(c) > 0x7e)
            return false;
    }
    return true;
}

// origin-form ("/a?b") as is; absolute-form ("http://h/a?b") reduced to its path.
QByteArray pathOf(const QByteArray &target)
{
    QByteArray path = target;
    if (path.startsWith("http://") || path.startsWith("https://")) {
        const qsizetype slash = path.indexOf('/', path.indexOf("//") + 2);
        path = slash < 0 ? QByteArray("/") : path.mid(slash);
    }
    if (!path.startsWith('/') || path.size() > 8192 || !visibleAscii(path))
        return "/";
    return path;
}
} // namespace

namespace {
// No body is ever buffered here (it is drained unread), so a declared body of
// any size still gets its redirect; the head limits and timeouts stay.
GuardLimits withoutBodyLimit(GuardLimits limits)
{
    limits.maxJsonBody = std::numeric_limits<qint64>::max();
    limits.maxPartBody = std::numeric_limits<qint64>::max();
    return limits;
}
} // namespace

HttpsRedirect::HttpsRedirect(const GuardLimits &limits, const QHostAddress &listen,
                             quint16 httpsPort, QObject *parent)
    : QObject(parent), m_guard(new ConnectionGuard(withoutBodyLimit(limits), this)),
      m_listen(listen), m_httpsPort(httpsPort)
{
    connect(m_guard, &QTcpServer::pendingConnectionAvailable, this, [this] {
        while (QTcpSocket *s = m_guard->nextPendingConnection())
            serve(s);
    });
}

bool HttpsRedirect::listen(quint16 port)
{
    return m_guard->listen(m_listen, port);
}

quint16 HttpsRedirect::port() const
{
    return m_guard->serverPort();
}

QString HttpsRedirect::errorString() const
{
    return m_guard->errorString();
}

QByteArray HttpsRedirect::validHost(const QByteArray &hostHeader)
{
    const QByteArray value = hostHeader.trimmed().toLower();
    if (value.isEmpty() || value.size() > 261)
        return {};
    QByteArray host = value;
    QByteArray port;
    if (value.startsWith('[')) {
        const qsizetype end = value.indexOf(']');
        if (end < 0)
            return {};
        host = value.left(end + 1);
        port = value.mid(end + 1);
        QHostAddress a;
        if (!a.setAddress(QString::fromLatin1(host.mid(1, host.size() - 2))) ||
            a.protocol() != QAbstractSocket::IPv6Protocol)
            return {};
    } else {
        const qsizetype colon = value.indexOf(':');
        if (colon >= 0) {
            host = value.left(colon);
            port = value.mid(colon);
        }
        // A DNS name (LDH labels) or a dotted IPv4 address: nothing else is reflected.
        static const QRegularExpression name(
            QStringLiteral("^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-"
                           "z0-9-]{0,61}[a-z0-9])?)*\\.?$"));
        if (!name.match(QString::fromLatin1(host)).hasMatch())
            return {};
    }
    if (!port.isEmpty()) {
        static const QRegularExpression digits(QStringLiteral("^:[0-9]{1,5}$"));
        if (!digits.match(QString::fromLatin1(port)).hasMatch())
            return {};
    }
    return host;
}

QByteArray HttpsRedirect::location(const QByteArray &target, const QByteArray &hostHeader,
                                   const QHostAddress &listen, quint16 httpsPort)
{
    QByteArray host = validHost(hostHeader);
    if (host.isEmpty()) {
        const bool any = listen == QHostAddress::Any || listen == QHostAddress::AnyIPv4 ||
                         listen == QHostAddress::AnyIPv6;
        if (any)
            host = "localhost";
        else if (listen.protocol() == QAbstractSocket::IPv6Protocol)
            host = '[' + listen.toString().toLatin1() + ']';
        else
            host = listen.toString().toLatin1();
    }
    QByteArray out = "https://" + host;
    if (httpsPort != 443)
        out += ':' + QByteArray::number(httpsPort);
    return out + pathOf(target);
}

void HttpsRedirect::serve(QTcpSocket *socket)
{
    // The guard saw these bytes first and answers 431/408 itself (then drains
    // the socket, so a head that is too large never completes here).
    auto head = std::make_shared<QByteArray>();
    auto answered = std::make_shared<bool>(false);
    const int maxHead = m_guard->limits().maxHeadBytes;
    auto *linger = new QTimer(socket);
    linger->setSingleShot(true);
    connect(linger, &QTimer::timeout, socket, &QTcpSocket::abort);
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    connect(socket, &QTcpSocket::bytesWritten, socket, [socket, answered] {
        // All of the answer is out: half-close so the client sees the end of it
        // (whatever body it still sends is drained, never read).
        if (*answered && socket->bytesToWrite() == 0)
            ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
    });
    connect(socket, &QTcpSocket::readyRead, socket,
            [this, socket, head, answered, maxHead, linger] {
                const QByteArray data = socket->readAll();
                if (*answered)
                    return;
                head->append(data);
                while (head->startsWith("\r\n") ||
                       head->startsWith('\n')) // stray CRLF before a request
                    head->remove(0, head->startsWith('\n') ? 1 : 2);
                qsizetype end = head->indexOf("\r\n\r\n");
                if (end < 0)
                    end = head->indexOf("\n\n");
                if (end < 0) {
                    if (head->size() >
                        2 * maxHead) // the guard answers 431 first; this only bounds memory
                        socket->abort();
                    return;
                }
                const QList<QByteArray> lines = head->left(end).split('\n');
                const QByteArray target = lines.value(0).trimmed().split(' ').value(1);
                QByteArray hostValue;
                int hosts = 0;
                for (qsizetype i = 1; i < lines.size(); ++i) {
                    const QByteArray line = lines[i].trimmed();
                    const qsizetype colon = line.indexOf(':');
                    if (colon > 0 && line.left(colon).trimmed().toLower() == "host") {
                        hostValue = line.mid(colon + 1);
                        ++hosts;
                    }
                }
                if (hosts != 1)
                    hostValue.clear(); // none or ambiguous: the listen address
                *answered = true;
                head->clear();
                const QByteArray loc = location(target, hostValue, m_listen, m_httpsPort);
                socket->write("HTTP/1.1 308 Permanent Redirect\r\nLocation: " + loc +
                              "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                linger->start(kLingerMs);
            });
}

} // namespace wfx
