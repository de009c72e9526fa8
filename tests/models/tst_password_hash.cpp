// SPDX-License-Identifier: Apache-2.0
// Password hashing: the default scrypt settings are one of OWASP's equivalent
// choices with the smallest memory a server can afford per login (32 MiB, not
// 128), hashes carry their settings so ones made with the earlier default still
// verify, and absurd stored settings are refused before any work.
#include "models/crypto/Crypto.h"

#include <QTest>

using namespace wfx;

class TestPasswordHash : public QObject
{
    Q_OBJECT
private slots:
    void theDefaultIsOwaspsThirtyTwoMebibyteChoice()
    {
        const crypto::ScryptParams d = crypto::defaultScryptParams();
        QCOMPARE(d.n, quint64(1) << 15);
        QCOMPARE(d.r, quint32(8));
        QCOMPARE(d.p, quint32(3));
        QVERIFY(128ull * d.r * d.n <= 32ull << 20); // scrypt's V array, per hash
        const QString h = crypto::hashPassword(QStringLiteral("correct horse battery"));
        QVERIFY(h.startsWith(QStringLiteral("scrypt$32768$8$3$")));
        QVERIFY(crypto::verifyPassword(QStringLiteral("correct horse battery"), h));
        QVERIFY(!crypto::verifyPassword(QStringLiteral("correct horse battery!"), h));
    }

    void hashesOfTheEarlierDefaultStillVerify()
    {
        const QString old = crypto::hashPassword(QStringLiteral("pw-0123456789"),
                                                 crypto::ScryptParams{1u << 17, 8, 1});
        QVERIFY(old.startsWith(QStringLiteral("scrypt$131072$8$1$")));
        QVERIFY(crypto::verifyPassword(QStringLiteral("pw-0123456789"), old));
        QVERIFY(!crypto::verifyPassword(QStringLiteral("pw-0123456780"), old));
    }

    void absurdStoredSettingsAreRefused()
    {
        const QString salt = QString::fromLatin1(QByteArray(16, 'a').toBase64());
        const QString hash = QString::fromLatin1(QByteArray(32, 'b').toBase64());
        for (const char *params :
             {"1073741824$8$1", "32768$64$1", "32768$8$64", "0$8$1", "32768$0$1", "x$8$1"})
            QVERIFY(!crypto::verifyPassword(
                QStringLiteral("pw"),
                QStringLiteral("scrypt$%1$%2$%3").arg(QString::fromLatin1(params), salt, hash)));
    }
};

QTEST_GUILESS_MAIN(TestPasswordHash)
#include "tst_password_hash.moc"
