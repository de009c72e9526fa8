// SPDX-License-Identifier: Apache-2.0
#include "JsonLog.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>

#include <cstdio>

namespace wfx {

namespace {
QString levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return QStringLiteral("debug");
    case QtInfoMsg:
        return QStringLiteral("info");
    case QtWarningMsg:
        return QStringLiteral("warning");
    case QtCriticalMsg:
        return QStringLiteral("critical");
    case QtFatalMsg:
        return QStringLiteral("fatal");
    }
    return QStringLiteral("info");
}

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    static QMutex mutex; // serving threads log concurrently: whole lines only
    const QByteArray out =
        JsonLog::line(type, context.category, message, QDateTime::currentMSecsSinceEpoch()) + '\n';
    QMutexLocker lock(&mutex);
    std::fwrite(out.constData(), 1, size_t(out.size()), stderr);
    std::fflush(stderr);
}
} // namespace

QByteArray JsonLog::line(QtMsgType type, const char *category, const QString &message,
                         qint64 epochMs)
{
    const QJsonObject o{
        {QStringLiteral("time"),
         QDateTime::fromMSecsSinceEpoch(epochMs, Qt::UTC).toString(Qt::ISODateWithMs)},
        {QStringLiteral("level"), levelName(type)},
        {QStringLiteral("category"), QString::fromLatin1(category ? category : "default")},
        {QStringLiteral("message"), message},
    };
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

void JsonLog::install()
{
    qInstallMessageHandler(handler);
}

} // namespace wfx
