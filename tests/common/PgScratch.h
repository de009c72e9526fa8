// SPDX-License-Identifier: Apache-2.0
// A fresh PostgreSQL database on the WFX_TEST_PG_URL server for tests that
// start real server processes on it; dropped (WITH FORCE) when this goes.
#pragma once

#include "models/crypto/Crypto.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>

namespace wfxtest {

class PgScratch
{
public:
    PgScratch() : m_admin(qEnvironmentVariable("WFX_TEST_PG_URL"))
    {
        const QString name =
            QStringLiteral("wfx_p_") + wfx::crypto::sha256Hex(wfx::crypto::randomBytes(8)).left(16);
        if (!exec(QStringLiteral("CREATE DATABASE ") + name))
            return;
        m_name = name;
        QUrl u = m_admin;
        u.setPath(QLatin1Char('/') + m_name);
        m_url = u.toString();
    }
    ~PgScratch() { drop(); }
    PgScratch(const PgScratch &) = delete;
    PgScratch &operator=(const PgScratch &) = delete;

    bool ok() const { return !m_name.isEmpty(); }
    QString url() const { return m_url; }
    QString error() const { return m_error; }
    // Drops the database now (servers on it are disconnected); false with error().
    bool drop()
    {
        if (m_name.isEmpty())
            return true;
        const bool dropped = exec(QStringLiteral("DROP DATABASE IF EXISTS ") + m_name +
                                  QStringLiteral(" WITH (FORCE)"));
        m_name.clear();
        return dropped;
    }

private:
    bool exec(const QString &sql)
    {
        const QString conn = QStringLiteral("wfx-pg-scratch-admin");
        bool ok = false;
        {
            QSqlDatabase a = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), conn);
            a.setHostName(m_admin.host());
            a.setPort(m_admin.port(5432));
            a.setUserName(m_admin.userName());
            a.setPassword(m_admin.password());
            a.setDatabaseName(m_admin.path().mid(1));
            if (!a.open()) {
                m_error = a.lastError().text();
            } else {
                QSqlQuery q(a);
                ok = q.exec(sql);
                if (!ok)
                    m_error = q.lastError().text();
            }
        }
        QSqlDatabase::removeDatabase(conn);
        return ok;
    }

    QUrl m_admin;
    QString m_name, m_url, m_error;
};

} // namespace wfxtest
