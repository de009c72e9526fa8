// SPDX-License-Identifier: Apache-2.0
// --log-format json: a Qt message handler that writes one JSON object per
// line to stderr: {"time", "level", "category", "message"}.
#pragma once

#include <QByteArray>
#include <QString>
#include <QtGlobal>

namespace wfx {

class JsonLog
{
public:
    static void install();
    // The line written for one message (without the trailing newline).
    static QByteArray line(QtMsgType type, const char *category, const QString &message,
                           qint64 epochMs);
};

} // namespace wfx
