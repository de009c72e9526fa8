// SPDX-License-Identifier: Apache-2.0
#include "models/db/Migrator.h"

#include "models/db/Database.h"
#include "models/runs/MetricStore.h"

#include <QDir>
#include <QFile>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>

#include <limits>

Q_DECLARE_LOGGING_CATEGORY(lcDb)

static void initMigrationResources()
{
    Q_INIT_RESOURCE(migrations);
}

namespace wfx {

namespace {
struct MigrationFile
{
    int version;
    QString name;
    QString path;
};

QList<MigrationFile> migrationFiles(Dialect d)
{
    initMigrationResources();
    const QString dir = d == Dialect::Sqlite ? QStringLiteral(":/migrations/sqlite")
                                             : QStringLiteral(":/migrations/postgres");
    QList<MigrationFile> out;
    static const QRegularExpression re(QStringLiteral("^(\\d{4})_([a-z0-9_]+)\\.sql$"));
    const QStringList entries = QDir(dir).entryList(QDir::Files, QDir::Name);
    for (const QString &f : entries) {
        const auto m = re.match(f);
        if (m.hasMatch())
            out.append({m.captured(1).toInt(), m.captured(2), dir + QLatin1Char('/') + f});
    }
    return out;
}

// Statements end with ';' at the end of a line; comments are "--" lines.
QStringList splitStatements(const QString &sql)
{
    QStringList out;
    QString cur;
    const QStringList lines = sql.split(QLatin1Char('\n'));
    for (const QString &line : lines) {
        const QString t = line.trimmed();
        if (t.isEmpty() || t.startsWith(QLatin1String("--")))
            continue;
        cur += line + QLatin1Char('\n');
        if (t.endsWith(QLatin1Char(';'))) {
            out.append(cur.trimmed());
            cur.clear();
        }
    }
    if (!cur.trimmed().isEmpty())
        out.append(cur.trimmed());
    return out;
}
} // namespace

int Migrator::latestVersion() const
{
    const auto files = migrationFiles(m_db.dialect());
    return files.isEmpty() ? 0 : files.last().version;
}

int Migrator::versionNamed(const QString &name) const
{
    for (const MigrationFile &m : migrationFiles(m_db.dialect())) {
        if (m.name == name)
            return m.version;
    }
    return 0;
}

int Migrator::currentVersion()
{
    QSqlQuery q(m_db.connection());
    if (!q.exec(QStringLiteral("SELECT MAX(version) FROM schema_migrations")) || !q.next())
        return 0;
    return q.value(0).toInt();
}

Status Migrator::run()
{
    return runUpTo(std::numeric_limits<int>::max());
}

Status Migrator::runUpTo(int version)
{
    QSqlDatabase c = m_db.connection();
    if (!c.isOpen())
        return Error{ErrorCode::Unavailable,
                     QStringLiteral("Store not reachable: %1").arg(c.lastError().text())};
    QSqlQuery q(c);
    const bool pg = m_db.isPostgres();
    if (!q.exec(QStringLiteral(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL, applied_at BIGINT NOT NULL)")))
        return Error::internal(q.lastError().text());
    // The data step of a migration, by name (the number may change at a merge).
    auto dataStep = [&](const MigrationFile &m) -> Status {
        if (m.name == QLatin1String("metric_chunks"))
            return metricstore::migrateRows(m_db, m_stopAfterRuns);
        if (m.name == QLatin1String("metric_last"))
            return metricstore::fillLastValues(m_db, m_stopAfterRuns);
        return Ok{};
    };
    for (const MigrationFile &m : migrationFiles(m_db.dialect())) {
        if (m.version > version)
            break;
        if (!q.exec(pg ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE")))
            return Error::internal(q.lastError().text());
        auto fail = [&](const QString &what) {
            const QString text = what + QStringLiteral(": ") + q.lastError().text();
            QSqlQuery(c).exec(QStringLiteral("ROLLBACK"));
            qCCritical(lcDb) << "migration" << m.version << m.name << "failed:" << text;
            return Status(Error::internal(
                QStringLiteral("Migration %1 failed: %2").arg(m.version).arg(text)));
        };
        // Several processes may start together on one PostgreSQL: one migrates, the others wait.
        if (pg && !q.exec(QStringLiteral("SELECT pg_advisory_xact_lock(715517)")))
            return fail(QStringLiteral("lock"));
        q.prepare(QStringLiteral("SELECT 1 FROM schema_migrations WHERE version = :v"));
        q.bindValue(QStringLiteral(":v"), m.version);
        if (!q.exec())
            return fail(QStringLiteral("read"));
        if (q.next()) {
            q.finish();
            QSqlQuery(c).exec(QStringLiteral("COMMIT"));
            if (auto d = dataStep(m); !d)
                return d;
            continue;
        }
        QFile f(m.path);
        if (!f.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("open ") + m.path);
        const QStringList stmts = splitStatements(QString::fromUtf8(f.readAll()));
        for (const QString &s : stmts) {
            if (!q.exec(s))
                return fail(s.left(80));
        }
        q.prepare(QStringLiteral(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (:v, :n, :t)"));
        q.bindValue(QStringLiteral(":v"), m.version);
        q.bindValue(QStringLiteral(":n"), m.name);
        q.bindValue(QStringLiteral(":t"), QDateTime::currentMSecsSinceEpoch());
        if (!q.exec())
            return fail(QStringLiteral("record"));
        if (!q.exec(QStringLiteral("COMMIT")))
            return fail(QStringLiteral("commit"));
        qCInfo(lcDb) << "applied migration" << m.version << m.name;
        if (auto d = dataStep(m); !d)
            return d;
    }
    return Ok{};
}

} // namespace wfx
