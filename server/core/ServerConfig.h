// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHostAddress>
#include <QString>
#include <QStringList>

namespace wfx {

struct ServerConfig
{
    QHostAddress listen = QHostAddress::LocalHost;
    quint16 port = 8787;
    QString dataDir;
    QStringList publicHostNames; // extra allowed Host names
    qint64 maxJsonBody = 1 << 20;
    qint64 partSize = 8 * 1024 * 1024; // artifact upload part size
    int threads = 2;                   // serving threads on one port
};

} // namespace wfx
