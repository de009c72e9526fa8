// SPDX-License-Identifier: Apache-2.0
#include "models/events/ChangeBus.h"

#include "models/core/Ids.h"
#include "models/db/Database.h"

#include <QLoggingCategory>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>

Q_LOGGING_CATEGORY(lcBus, "wfx.models.bus", QtInfoMsg)

namespace wfx {

static const QString kChannel = QStringLiteral("wfx_changes");

ChangeBus::ChangeBus(QObject *parent) : QObject(parent), m_tag(ids::newUuid().left(8)) {}

ChangeBus::~ChangeBus()
{
    if (m_listenDb)
        m_listenDb->releaseDedicated(QStringLiteral("listen"));
}

void ChangeBus::announceLocal(const QString &entity, const QString &id)
{
    emit changed(entity, id, false);
}

void ChangeBus::notifyInTransaction(const QSqlDatabase &conn, const QString &entity,
                                    const QString &id)
{
    QSqlQuery q(conn);
    q.prepare(QStringLiteral("SELECT pg_notify(:c, :p)"));
    q.bindValue(QStringLiteral(":c"), kChannel);
    q.bindValue(QStringLiteral(":p"),
                QString(m_tag + QLatin1Char(' ') + entity + QLatin1Char(' ') + id));
    if (!q.exec())
        qCWarning(lcBus) << "pg_notify failed:" << q.lastError().text();
}

bool ChangeBus::listen(const std::shared_ptr<Database> &db)
{
    if (!db || !db->isPostgres())
        return true;
    m_listenDb = db;
    QSqlDatabase conn = db->openDedicated(QStringLiteral("listen"));
    if (!conn.isOpen() || !conn.driver()->subscribeToNotification(kChannel)) {
        qCWarning(lcBus) << "cannot LISTEN on" << db->describe();
        return false;
    }
    connect(conn.driver(), &QSqlDriver::notification, this,
            [this](const QString &name, QSqlDriver::NotificationSource, const QVariant &payload) {
                if (name != kChannel)
                    return;
                const QStringList parts = payload.toString().split(QLatin1Char(' '));
                if (parts.size() != 3 || parts[0] == m_tag)
                    return;
                emit changed(parts[1], parts[2], true);
            });
    return true;
}

} // namespace wfx
