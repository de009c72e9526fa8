// SPDX-License-Identifier: Apache-2.0
// The contract's formats: lowercase UUIDs and RFC 3339 UTC times with Z.
#include "models/core/Ids.h"

#include <QDateTime>
#include <QTest>
#include <QTimeZone>

using namespace wfx;

class TestIds : public QObject
{
    Q_OBJECT
private slots:
    void formatTimeMatchesQDateTime_data()
    {
        QTest::addColumn<qint64>("ms");
        for (qint64 ms : {0LL, 1LL, 999LL, 1000LL, 86399999LL, 951782400000LL /* 2000-02-29 */,
                          1709164800123LL, 1800000000000LL, 4102444799999LL /* 2099-12-31 */, -1LL,
                          -86400001LL, 253402300799999LL})
            QTest::newRow(qPrintable(QString::number(ms))) << ms;
    }
    void formatTimeMatchesQDateTime()
    {
        QFETCH(qint64, ms);
        const QString want = QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc())
                                 .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzzZ"));
        QCOMPARE(ids::formatTime(ms), want);
        QCOMPARE(ids::parseTime(want), std::optional<qint64>(ms));
    }
    void everyDayOfFourCenturies()
    {
        for (qint64 day = -3650; day < 146097 + 3650; day += 1) {
            const qint64 ms = day * 86400000LL + 45296789; // 12:34:56.789
            const QString want = QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc())
                                     .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzzZ"));
            if (ids::formatTime(ms) != want)
                QFAIL(qPrintable(
                    QStringLiteral("day %1: %2 != %3").arg(day).arg(ids::formatTime(ms), want)));
        }
    }
    void uuids()
    {
        QVERIFY(ids::isUuid(ids::newUuid()));
        QVERIFY(!ids::isUuid(QStringLiteral("ABCDEF00-0000-4000-8000-000000000000")));
        QVERIFY(!ids::isUuid(QStringLiteral("not-a-uuid")));
    }
    void parseRejectsZoneless()
    {
        QVERIFY(!ids::parseTime(QStringLiteral("2026-11-01T10:00:00")));
        QVERIFY(ids::parseTime(QStringLiteral("2026-11-01T10:00:00+02:00")));
    }
};

QTEST_GUILESS_MAIN(TestIds)
#include "tst_ids.moc"
