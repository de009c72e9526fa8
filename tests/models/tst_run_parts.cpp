// SPDX-License-Identifier: Apache-2.0
// The free parts of runs: log slicing by UTF-8 bytes, signature checks and the
// compliance mapping, page limits, and row mapping on each backend.
#include "TestStore.h"

#include "models/core/Cursor.h"
#include "models/crypto/Crypto.h"
#include "models/db/Row.h"
#include "models/runs/LogSlicing.h"
#include "models/runs/RunCompliance.h"

#include <QTest>

using namespace wfx;
using namespace Qt::StringLiterals;

class TestRunParts : public QObject
{
    Q_OBJECT
private slots:
    void sliceLog_data()
    {
        QTest::addColumn<QByteArray>("log");
        QTest::addColumn<qint64>("offset");
        QTest::addColumn<qint64>("limit");
        QTest::addColumn<QString>("content");
        QTest::addColumn<qint64>("start");
        QTest::addColumn<qint64>("next");
        const QByteArray mixed = u"aé€😀b"_s.toUtf8(); // 1 + 2 + 3 + 4 + 1 bytes
        QTest::newRow("ascii whole")
            << QByteArray("hello") << 0LL << 64LL << u"hello"_s << 0LL << -1LL;
        QTest::newRow("ascii part") << QByteArray("hello") << 1LL << 3LL << u"ell"_s << 1LL << 4LL;
        QTest::newRow("end moves back") << mixed << 0LL << 5LL << u"aé"_s << 0LL << 3LL;
        QTest::newRow("inside a character") << mixed << 2LL << 4LL << u"€"_s << 3LL << 6LL;
        QTest::newRow("limit below a character") << mixed << 6LL << 1LL << u"😀"_s << 6LL << 10LL;
        QTest::newRow("last byte") << mixed << 10LL << 1LL << u"b"_s << 10LL << -1LL;
        QTest::newRow("past the end") << mixed << 20LL << 4LL << QString() << 20LL << -1LL;
        QTest::newRow("empty") << QByteArray() << 0LL << 4LL << QString() << 0LL << -1LL;
    }
    void sliceLog()
    {
        QFETCH(QByteArray, log);
        QFETCH(qint64, offset);
        QFETCH(qint64, limit);
        QFETCH(QString, content);
        QFETCH(qint64, start);
        QFETCH(qint64, next);
        const LogSlice s = wfx::sliceLog(log, offset, limit);
        QCOMPARE(s.content, content);
        QCOMPARE(s.offset, start);
        QCOMPARE(s.nextOffset, next);
        QCOMPARE(s.totalBytes, qint64(log.size()));
    }

    void slicesCoverTheLog()
    {
        const QByteArray log = u"Ω-€-😀-x\n"_s.repeated(7).toUtf8();
        for (qint64 limit = 1; limit <= 9; ++limit) {
            QByteArray joined;
            qint64 at = 0;
            while (at >= 0) {
                const LogSlice s = wfx::sliceLog(log, at, limit);
                QCOMPARE(s.offset, at);
                joined += s.content.toUtf8();
                at = s.nextOffset;
            }
            QCOMPARE(joined, log);
        }
    }

    void strictBase64()
    {
        const auto hi = compliance::strictBase64(u"aGk="_s);
        QVERIFY(hi);
        QCOMPARE(*hi, QByteArray("hi"));
        QVERIFY(!compliance::strictBase64(u"aGk"_s));   // no padding
        QVERIFY(!compliance::strictBase64(u"aG k="_s)); // not the alphabet
        QVERIFY(!compliance::strictBase64(u"aGl="_s));  // non-canonical trailing bits
        QVERIFY(!compliance::strictBase64(u"aGk€"_s));  // not Latin-1
        QVERIFY(!compliance::strictBase64(u"aGk-"_s));  // base64url is not base64
    }

    void verifySignature()
    {
        const auto pair = crypto::ed25519Generate();
        const QByteArray message = "{\"a\":1}";
        const QByteArray sig = crypto::ed25519Sign(pair.privateKey, message);
        const SignatureInput good{u"ed25519"_s, QString::fromLatin1(pair.publicKey.toBase64()),
                                  QString::fromLatin1(sig.toBase64())};
        QVERIFY(compliance::verifySignature(good, message));
        QVERIFY(!compliance::verifySignature(good, "{\"a\":2}"));
        SignatureInput shortKey = good;
        shortKey.publicKey = QString::fromLatin1(pair.publicKey.left(31).toBase64());
        QVERIFY(!compliance::verifySignature(shortKey, message));
        SignatureInput loose = good;
        loose.sig = QString::fromLatin1(sig.toBase64(QByteArray::OmitTrailingEquals));
        QVERIFY(!compliance::verifySignature(loose, message));
    }

    void mapping()
    {
        const auto items = compliance::mappingFor({u"verified"_s, u"abc"_s, 2, 10, 3});
        QCOMPARE(items.size(), qsizetype(4));
        QStringList controls, statuses;
        for (const auto &i : items) {
            QCOMPARE(i.framework, RunService::kFramework);
            controls << i.control;
            statuses << i.status;
        }
        QCOMPARE(controls, (QStringList{u"integrity.signature"_s, u"provenance.manifest"_s,
                                        u"reproducibility.metrics"_s, u"audit.logged"_s}));
        QCOMPARE(statuses, QStringList(4, u"satisfied"_s));
        QVERIFY(items.at(0).evidence.contains(u"abc"_s));
        QCOMPARE(items.at(2).evidence, u"10 points in 3 series."_s);

        const auto bare = compliance::mappingFor({u"unsigned"_s, u"abc"_s, 0, 0, 0});
        QCOMPARE(bare.at(0).status, u"not_satisfied"_s);
        QCOMPARE(bare.at(1).status, u"not_satisfied"_s);
        QCOMPARE(bare.at(2).status, u"not_satisfied"_s);
        QCOMPARE(bare.at(3).status, u"satisfied"_s);
        QCOMPARE(compliance::mappingFor({u"unverified"_s, {}, 1, 0, 0}).at(0).evidence,
                 u"A signature is present but does not verify."_s);
        QCOMPARE(compliance::metricsItem(0, 0).evidence, u"No metrics were recorded."_s);
    }

    void seriesIn()
    {
        const QList<MetricInput> points{
            {u"loss"_s, 1, 0.5}, {u"loss"_s, 2, 0.4}, {u"acc"_s, 1, 0.1}, {u"loss"_s, 3, 0.3}};
        QCOMPARE(compliance::seriesIn(points), qsizetype(2));
        QCOMPARE(compliance::seriesIn({}), qsizetype(0));
    }

    void checkLimit()
    {
        QVERIFY(cursor::checkLimit(1).ok());
        QVERIFY(cursor::checkLimit(cursor::kMaxLimit).ok());
        for (int bad : {0, -1, cursor::kMaxLimit + 1}) {
            const Status s = cursor::checkLimit(bad);
            QVERIFY(!s.ok());
            QCOMPARE(s.error().code, ErrorCode::Validation);
            QCOMPARE(s.error().details.size(), qsizetype(1));
            QCOMPARE(s.error().details.at(0).field, u"limit"_s);
            QCOMPARE(s.error().message, u"limit must be between 1 and 200."_s);
        }
        QVERIFY(cursor::checkLimit(5000, 5000).ok());
        QCOMPARE(cursor::checkLimit(5001, 5000).error().message,
                 u"limit must be between 1 and 5000."_s);
    }

    void initTestCase_data() { wfxtest::addBackends(); }

    void rowRead()
    {
        QFETCH_GLOBAL(QString, backend);
        wfxtest::TestStore store(backend);
        Query q(store.db->connection(),
                u"SELECT 'x', CAST(NULL AS TEXT), 42, CAST(NULL AS BIGINT), 2.5, 1, 0, "
                "CAST(NULL AS BIGINT), 7"_s);
        QVERIFY(q.exec());
        QVERIFY(q.next());
        QString text, none;
        qint64 n = 0, zero = -1;
        double d = 0;
        bool yes = false, no = true;
        std::optional<qint64> absent = 1, present;
        row::read(q, text, none, n, zero, d, yes, no, absent);
        QCOMPARE(text, u"x"_s);
        QVERIFY(none.isEmpty());
        QCOMPARE(n, qint64(42));
        QCOMPARE(zero, qint64(0));
        QCOMPARE(d, 2.5);
        QVERIFY(yes);
        QVERIFY(!no);
        QVERIFY(!absent);
        row::readFrom(q, 8, present);
        QVERIFY(present);
        QCOMPARE(*present, qint64(7));
        QVERIFY(sqlvalue::time(std::nullopt).isNull());
        QCOMPARE(sqlvalue::time(5).toLongLong(), 5LL);
    }
};

QTEST_GUILESS_MAIN(TestRunParts)
#include "tst_run_parts.moc"
