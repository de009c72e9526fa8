// SPDX-License-Identifier: Apache-2.0
// Words: the English the API shows, filled in one pass.
#include "models/core/Words.h"

#include <QTest>

using namespace wfx;

class TestWords : public QObject
{
    Q_OBJECT
private slots:
    void fillsInOnePass()
    {
        const QStringList args{QStringLiteral("%2"), QStringLiteral("b")};
        QCOMPARE(Words::fill(QStringLiteral("%1 and %2, %3 and %10%"), args),
                 QStringLiteral("%2 and b, %3 and %10%"));
        QCOMPARE(Words::fill(QStringLiteral("%2%1"), args), QStringLiteral("b%2"));
    }

    void englishDurations_data()
    {
        QTest::addColumn<qint64>("ms");
        QTest::addColumn<QString>("words");
        QTest::newRow("negative") << qint64(-5000) << QStringLiteral("0 seconds");
        QTest::newRow("one second") << qint64(1999) << QStringLiteral("1 second");
        QTest::newRow("minutes") << qint64(15 * 60'000) << QStringLiteral("15 minutes");
        QTest::newRow("one hour") << qint64(3600'000) << QStringLiteral("1 hour");
        QTest::newRow("47 hours") << qint64(47 * 3600'000LL) << QStringLiteral("47 hours");
        QTest::newRow("days") << qint64(3 * 86400'000LL + 1) << QStringLiteral("3 days");
    }
    void englishDurations()
    {
        QFETCH(qint64, ms);
        QFETCH(QString, words);
        QCOMPARE(Words::englishDuration(ms), words);
    }

    void englishOfEveryKind()
    {
        const Words inner{"it is %1", {Words::term(QStringLiteral("an email address"))}};
        const Words w{"%1 %2 %3 %4 %5 %6",
                      {Words::text(QStringLiteral("203.0.113.7")), Words::count(42),
                       Words::duration(120'000), Words::instant(0),
                       Words::clock(13 * 3600'000LL + 5 * 60'000), Words::nested(inner)}};
        QCOMPARE(w.english(), QStringLiteral("203.0.113.7 42 2 minutes 1970-01-01T00:00:00.000Z "
                                             "13:05 UTC it is an email address"));
        QCOMPARE(Words{}.english(), QString());
    }
};

QTEST_GUILESS_MAIN(TestWords)
#include "tst_words.moc"
