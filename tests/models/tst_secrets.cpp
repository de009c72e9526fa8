// SPDX-License-Identifier: Apache-2.0
// Instance secrets: the 0600 file fallback always; the real keychain when
// WFX_TEST_KEYRING=1 (scripts/test.sh runs this inside dbus-run-session with an
// unlocked gnome-keyring).
#include "models/secrets/SecretStore.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace wfx;

namespace {
QString L(const char *s)
{
    return QString::fromLatin1(s);
}
constexpr QFileDevice::Permissions kOthers = QFileDevice::ReadGroup | QFileDevice::WriteGroup |
                                             QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                             QFileDevice::WriteOther | QFileDevice::ExeOther;
bool keyring()
{
    return qEnvironmentVariableIntValue("WFX_TEST_KEYRING") == 1;
}
} // namespace

class TestSecrets : public QObject
{
    Q_OBJECT
    std::unique_ptr<QTemporaryDir> dir;

private slots:
    void initTestCase()
    {
        if (!keyring()) {
            // No Secret Service may answer, whatever desktop this runs on.
            qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/wfx-test-bus");
            qunsetenv("DISPLAY");
        }
    }
    void init() { dir = std::make_unique<QTemporaryDir>(); }
    void cleanup() { dir.reset(); }

    void fileRoundTripIsOwnerOnly()
    {
        const QString data = dir->filePath(L("data"));
        SecretStore store(L("wfx-test"), data, SecretStore::Mode::FileOnly);
        QCOMPARE(store.backend(), L("file"));
        QVERIFY(!store.get(SecretStore::kWebhookSecret).has_value());
        QVERIFY(store.lastError().isEmpty()); // absent is not an error
        const QByteArray secret("s3cr3t-\xcf\x80\x00\xff", 10);
        QVERIFY(store.set(SecretStore::kWebhookSecret, secret).ok());
        QCOMPARE(store.get(SecretStore::kWebhookSecret).value_or(QByteArray()), secret);

        QFile f(store.filePath());
        QCOMPARE(store.filePath(), data + L("/secrets.json"));
        QVERIFY(f.exists());
        QCOMPARE(f.permissions() & kOthers, QFileDevice::Permissions());
        QVERIFY(f.permissions().testFlag(QFileDevice::ReadOwner));
        QVERIFY(f.permissions().testFlag(QFileDevice::WriteOwner));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray raw = f.readAll();
        QVERIFY(raw.contains(secret.toBase64())); // stored base64, not raw bytes
        QVERIFY(!raw.contains("s3cr3t"));

        // Another instance (another process) reads the same secret; a second key keeps the first.
        SecretStore again(L("wfx-test"), data, SecretStore::Mode::FileOnly);
        QVERIFY(again.set(SecretStore::kCursorKey, QByteArray(32, 'c')).ok());
        QCOMPARE(again.get(SecretStore::kWebhookSecret).value_or(QByteArray()), secret);
        QCOMPARE(store.get(SecretStore::kCursorKey).value_or(QByteArray()), QByteArray(32, 'c'));
        QCOMPARE(QFile(store.filePath()).permissions() & kOthers, QFileDevice::Permissions());
    }

    void getOrCreateGeneratesOnce()
    {
        int calls = 0;
        auto gen = [&calls] {
            ++calls;
            return QByteArray::number(calls).repeated(8);
        };
        SecretStore a(L("wfx-test"), dir->path(), SecretStore::Mode::FileOnly);
        const QByteArray first = a.getOrCreate(SecretStore::kSessionSigningKey, gen);
        QCOMPARE(first, QByteArray("11111111"));
        SecretStore b(L("wfx-test"), dir->path(), SecretStore::Mode::FileOnly);
        QCOMPARE(b.getOrCreate(SecretStore::kSessionSigningKey, gen), first);
        QCOMPARE(calls, 1);
        // A generator that yields nothing stores nothing.
        QVERIFY(
            b.getOrCreate(SecretStore::kAuditSigningKey, [] { return QByteArray(); }).isEmpty());
        QVERIFY(!b.get(SecretStore::kAuditSigningKey).has_value());
    }

    void corruptedFileIsReportedAndNeverOverwritten()
    {
        SecretStore store(L("wfx-test"), dir->path(), SecretStore::Mode::FileOnly);
        const QByteArray garbage("{\"version\": 1, \"secrets\": {\"cursor-key\": ");
        {
            QFile f(store.filePath());
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(garbage);
        }
        QVERIFY(!store.get(SecretStore::kCursorKey).has_value());
        QVERIFY(store.lastError().contains(L("damaged")));
        QVERIFY(!store.set(SecretStore::kCursorKey, "x").ok());
        int calls = 0;
        QVERIFY(store
                    .getOrCreate(SecretStore::kCursorKey,
                                 [&calls] {
                                     ++calls;
                                     return QByteArray("new");
                                 })
                    .isEmpty());
        QCOMPARE(calls, 0);
        QFile f(store.filePath());
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), garbage);
    }

    void damagedEntryIsNotReplaced()
    {
        SecretStore store(L("wfx-test"), dir->path(), SecretStore::Mode::FileOnly);
        {
            QFile f(store.filePath());
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("{\"version\": 1, \"secrets\": {\"cursor-key\": \"***not base64***\"}}");
        }
        QVERIFY(!store.get(SecretStore::kCursorKey).has_value());
        QVERIFY(!store.lastError().isEmpty());
        QVERIFY(
            store.getOrCreate(SecretStore::kCursorKey, [] { return QByteArray("new"); }).isEmpty());
    }

    void loosenedPermissionsAreTightened()
    {
        SecretStore store(L("wfx-test"), dir->path(), SecretStore::Mode::FileOnly);
        QVERIFY(store.set(SecretStore::kCursorKey, "k").ok());
        QVERIFY(QFile::setPermissions(store.filePath(),
                                      QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                          QFileDevice::ReadGroup | QFileDevice::ReadOther));
        QCOMPARE(store.get(SecretStore::kCursorKey).value_or(QByteArray()), QByteArray("k"));
        QCOMPARE(QFile(store.filePath()).permissions() & kOthers, QFileDevice::Permissions());
    }

    void keyNamesAreChecked_data()
    {
        QTest::addColumn<QString>("key");
        QTest::newRow("empty") << QString();
        QTest::newRow("path") << L("../etc/passwd");
        QTest::newRow("upper") << L("Session");
        QTest::newRow("space") << L("a b");
    }
    void keyNamesAreChecked()
    {
        QFETCH(QString, key);
        SecretStore store(L("wfx-test"), dir->path(), SecretStore::Mode::FileOnly);
        QVERIFY(!store.set(key, "v").ok());
        QVERIFY(!store.get(key).has_value());
        QVERIFY(store.getOrCreate(key, [] { return QByteArray("v"); }).isEmpty());
        QVERIFY(!QFile::exists(store.filePath()));
    }

    void autoModeChoosesTheKeychainOnlyWhenOneAnswers()
    {
        SecretStore store(L("wfx-test"), dir->path(), SecretStore::Mode::Auto);
        store.setKeychainTimeoutMs(3000);
        // Under the test script's unlocked keyring the keychain answers; anywhere
        // else this test has cut the session bus off, and the file takes over.
        const QString expected = keyring() ? L("keychain") : L("file");
        QCOMPARE(store.backend(), expected);
        const QByteArray v =
            store.getOrCreate(SecretStore::kAuditSigningKey, [] { return QByteArray(32, 'a'); });
        QCOMPARE(v, QByteArray(32, 'a'));
        QCOMPARE(QFile::exists(store.filePath()), !keyring());
    }

    void autoModeKeepsAnExistingFile()
    {
        SecretStore file(L("wfx-test"), dir->path(), SecretStore::Mode::FileOnly);
        QVERIFY(file.set(SecretStore::kCursorKey, "from-file").ok());
        SecretStore store(L("wfx-test"), dir->path(), SecretStore::Mode::Auto);
        QCOMPARE(store.backend(), L("file"));
        QCOMPARE(store.get(SecretStore::kCursorKey).value_or(QByteArray()),
                 QByteArray("from-file"));
    }

    void keychainRoundTrip()
    {
        if (!keyring())
            QSKIP("Needs a Secret Service: set WFX_TEST_KEYRING=1 inside dbus-run-session with an "
                  "unlocked "
                  "gnome-keyring (scripts/test.sh does).");
        SecretStore store(L("wfx-test"), dir->path(), SecretStore::Mode::KeychainOnly);
        QCOMPARE(store.backend(), L("keychain"));
        QVERIFY(!store.get(SecretStore::kWebhookSecret).has_value());
        QVERIFY2(store.lastError().isEmpty(), qPrintable(store.lastError()));
        const QByteArray secret("k\x00\xfe\xff-bytes", 10);
        QVERIFY2(store.set(SecretStore::kWebhookSecret, secret).ok(),
                 qPrintable(store.lastError()));
        QCOMPARE(store.get(SecretStore::kWebhookSecret).value_or(QByteArray()), secret);
        QVERIFY(!QFile::exists(store.filePath())); // nothing on disk
        int calls = 0;
        auto gen = [&calls] {
            ++calls;
            return QByteArray(32, 's');
        };
        QCOMPARE(store.getOrCreate(SecretStore::kSessionSigningKey, gen), QByteArray(32, 's'));
        SecretStore again(L("wfx-test"), dir->path(), SecretStore::Mode::KeychainOnly);
        QCOMPARE(again.getOrCreate(SecretStore::kSessionSigningKey, gen), QByteArray(32, 's'));
        QCOMPARE(calls, 1);
        // Another data dir is another instance: it does not see these secrets.
        QTemporaryDir other;
        SecretStore elsewhere(L("wfx-test"), other.path(), SecretStore::Mode::KeychainOnly);
        QVERIFY(!elsewhere.get(SecretStore::kWebhookSecret).has_value());
    }
};

QTEST_GUILESS_MAIN(TestSecrets)
#include "tst_secrets.moc"
