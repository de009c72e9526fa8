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
};

} // namespace wfx
