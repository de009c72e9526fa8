// SPDX-License-Identifier: Apache-2.0
// The Settings panel over the real settings table (ConfigSettingsBackend on a
// temporary INI file and a file-only secret store), driven by input events.
#include "ConfigSettingsBackend.h"
#include "settings/SettingsPanel.h"

#include "secrets/SecretStore.h"

#include <QApplication>
#include <QProgressBar>
#include <QSemaphore>
#include <QThread>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace wfx;
using wfx::ui::SettingsPanel;

namespace {
QString S(const char *s)
{
    return QString::fromUtf8(s);
}
} // namespace

// Forwards to the real backend; save() waits until the test lets it go (a stalled
// keychain write) and records the thread it ran on.
class HeldBackend : public SettingsBackend
{
public:
    explicit HeldBackend(SettingsBackend *inner) : m_inner(inner) {}
    QList<Entry> entries() const override { return m_inner->entries(); }
    QString filePath() const override { return m_inner->filePath(); }
    QString secretStoreDescription() const override { return m_inner->secretStoreDescription(); }
    QString validate(const QString &key, const QString &value) const override { return m_inner->validate(key, value); }
    bool save(const QHash<QString, QString> &values, const QHash<QString, QByteArray> &secrets,
              QString *error) override
    {
        savedOn = QThread::currentThread();
        entered.release();
        release.acquire();
        return m_inner->save(values, secrets, error);
    }
    QSemaphore entered, release;
    QThread *savedOn = nullptr;

private:
    SettingsBackend *m_inner;
};

class TestSettingsPanel : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SecretStore> m_secrets;
    std::unique_ptr<ConfigSettingsBackend> m_backend;
    QString m_ini;

    // A run started with --threads 8, port 9000 in the file, WFX_LOG_FORMAT and
    // the webhook secret in the environment.
    void makeBackend()
    {
        ConfigSources src;
        src.file = m_ini;
        src.flags.insert(S("threads"), S("8"));
        src.env.insert(S("WFX_LOG_FORMAT"), S("json"));
        src.env.insert(S("WFX_BILLING_WEBHOOK_SECRET"), S("whsec_envsecretvalue123"));
        ResolvedConfig resolved = Config::resolve(src);
        QVERIFY2(resolved.ok(), qPrintable(resolved.error));
        ConfigSettingsBackend::applySecretStore(resolved, *m_secrets);
        m_backend = std::make_unique<ConfigSettingsBackend>(src, resolved, m_secrets.get());
    }

    static QString cell(QTableWidget *t, const QString &key, int column)
    {
        for (int r = 0; r < t->rowCount(); ++r) {
            if (t->item(r, 0)->text() == key)
                return t->item(r, column)->text();
        }
        return S("<missing>");
    }

    static QString fileText(const QString &path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }

    static void clickSaveAndWait(SettingsPanel &panel)
    {
        QTest::mouseClick(panel.findChild<QPushButton *>(S("settingsSave")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!panel.isSaving(), 10000);
    }

    static void retype(QLineEdit *edit, const QString &text)
    {
        edit->setFocus();
        QTest::keyClick(edit, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClick(edit, Qt::Key_Delete);
        QTest::keyClicks(edit, text);
    }

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_ini = m_dir->filePath(S("worldflux-console.ini"));
        {
            QSettings file(m_ini, QSettings::IniFormat);
            file.setValue(S("port"), S("9000"));
            file.sync();
        }
        m_secrets = std::make_unique<SecretStore>(S("wfx-test"), m_dir->path(), SecretStore::Mode::FileOnly);
        makeBackend();
    }

    void cleanup()
    {
        m_backend.reset();
        m_secrets.reset();
        m_dir.reset();
    }

    void listsEveryKeyWithItsSource()
    {
        SettingsPanel panel(m_backend.get());
        auto *table = panel.findChild<QTableWidget *>(S("settingsTable"));
        QVERIFY(table);
        QCOMPARE(table->rowCount(), int(configKeys().size()));
        for (const ConfigKey &k : configKeys())
            QVERIFY2(cell(table, S(k.key), 0) == S(k.key), k.key);
        QCOMPARE(cell(table, S("threads"), 1), S("8"));
        QCOMPARE(cell(table, S("threads"), 2), S("flag"));
        QCOMPARE(cell(table, S("port"), 1), S("9000"));
        QCOMPARE(cell(table, S("port"), 2), S("file"));
        QCOMPARE(cell(table, S("log-format"), 1), S("json"));
        QCOMPARE(cell(table, S("log-format"), 2), S("environment"));
        QCOMPARE(cell(table, S("listen"), 1), S("127.0.0.1"));
        QCOMPARE(cell(table, S("listen"), 2), S("default"));
        // Changes apply at the next start, and the panel says so.
        auto *notice = panel.findChild<QLabel *>(S("settingsNotice"));
        QVERIFY(notice);
        QVERIFY(notice->text().contains(S("next start")));
        QVERIFY(notice->text().contains(m_ini));
        // The file's value is the one being edited; non-file keys have no field.
        QCOMPARE(panel.findChild<QLineEdit *>(S("edit-port"))->text(), S("9000"));
        QVERIFY(!panel.findChild<QLineEdit *>(S("edit-threads")));
        QVERIFY(!panel.findChild<QLineEdit *>(S("edit-e2e-fixtures")));
    }

    void invalidPortShowsAnErrorAndWritesNothing()
    {
        SettingsPanel panel(m_backend.get());
        panel.show();
        const QString before = fileText(m_ini);
        retype(panel.findChild<QLineEdit *>(S("edit-port")), S("70000"));
        retype(panel.findChild<QLineEdit *>(S("edit-sendmail")), S("/usr/sbin/sendmail -t"));
        QTest::mouseClick(panel.findChild<QPushButton *>(S("settingsSave")), Qt::LeftButton);
        auto *error = panel.findChild<QLabel *>(S("error-port"));
        QVERIFY(error->isVisible());
        QCOMPARE(error->text(), S("port must be a whole number from 0 to 65535"));
        QVERIFY(!panel.findChild<QLabel *>(S("error-sendmail"))->isVisible());
        QVERIFY(panel.findChild<QLabel *>(S("settingsStatus"))->text().startsWith(S("Nothing was saved")));
        QCOMPARE(fileText(m_ini), before);
    }

    void validChangesAreWrittenToTheFile()
    {
        SettingsPanel panel(m_backend.get());
        panel.show();
        retype(panel.findChild<QLineEdit *>(S("edit-port")), S("8443"));
        retype(panel.findChild<QLineEdit *>(S("edit-public-hosts")), S("console.lab.example,wfx.lab.example"));
        retype(panel.findChild<QLineEdit *>(S("edit-log-format")), S("json"));
        clickSaveAndWait(panel);
        QVERIFY2(panel.findChild<QLabel *>(S("settingsStatus"))->text().contains(S("next start")),
                 qPrintable(panel.findChild<QLabel *>(S("settingsStatus"))->text()));

        // The same table reads the file back: the file now gives those values.
        ConfigSources src;
        src.file = m_ini;
        const ResolvedConfig again = Config::resolve(src);
        QVERIFY2(again.ok(), qPrintable(again.error));
        QCOMPARE(again.values.port, quint16(8443));
        QCOMPARE(again.values.publicHosts, QStringList({S("console.lab.example"), S("wfx.lab.example")}));
        QCOMPARE(again.values.logFormat, S("json"));
        QVERIFY(again.origin.value(S("port")).startsWith(S("file")));
        // The running values shown do not change: nothing is applied live.
        auto *table = panel.findChild<QTableWidget *>(S("settingsTable"));
        QCOMPARE(cell(table, S("port"), 1), S("9000"));
    }

    void emptyingAFieldRemovesTheKeyFromTheFile()
    {
        SettingsPanel panel(m_backend.get());
        panel.show();
        retype(panel.findChild<QLineEdit *>(S("edit-port")), QString());
        clickSaveAndWait(panel);
        QSettings file(m_ini, QSettings::IniFormat);
        QVERIFY(!file.contains(S("port")));
    }

    void secretsAreNeverShownAndGoToTheSecretStore()
    {
        const QString secret = S("sk_live_supersecretstripekey0123");
        {
            SettingsPanel panel(m_backend.get());
            panel.show();
            auto *table = panel.findChild<QTableWidget *>(S("settingsTable"));
            QCOMPARE(cell(table, S("webhook-secret"), 1), S("(set)"));
            QCOMPARE(cell(table, S("webhook-secret"), 2), S("environment"));
            QCOMPARE(cell(table, S("stripe-secret-key"), 1), S("(unset)"));
            auto *edit = panel.findChild<QLineEdit *>(S("edit-stripe-secret-key"));
            QCOMPARE(edit->echoMode(), QLineEdit::Password);
            QCOMPARE(panel.findChild<QLineEdit *>(S("edit-webhook-secret"))->text(), QString());
            edit->setFocus();
            QTest::keyClicks(edit, secret);
            clickSaveAndWait(panel);
            QCOMPARE(edit->text(), QString());
        }
        // Stored in the secret store, never in the settings file.
        QCOMPARE(m_secrets->get(S("stripe-secret-key")).value_or(QByteArray()), secret.toUtf8());
        QVERIFY(!fileText(m_ini).contains(secret));
        QVERIFY(!QSettings(m_ini, QSettings::IniFormat).contains(S("stripe-secret-key")));

        // At the next start the store supplies it: shown as (set), from the keychain, never in clear.
        makeBackend();
        SettingsPanel panel(m_backend.get());
        auto *table = panel.findChild<QTableWidget *>(S("settingsTable"));
        QCOMPARE(cell(table, S("stripe-secret-key"), 1), S("(set)"));
        QCOMPARE(cell(table, S("stripe-secret-key"), 2), S("keychain"));
        for (QWidget *w : panel.findChildren<QWidget *>()) {
            if (auto *l = qobject_cast<QLabel *>(w))
                QVERIFY(!l->text().contains(S("supersecret")) && !l->text().contains(S("envsecret")));
            if (auto *e = qobject_cast<QLineEdit *>(w))
                QVERIFY(!e->text().contains(S("supersecret")) && !e->text().contains(S("envsecret")));
        }
        for (int r = 0; r < table->rowCount(); ++r) {
            for (int c = 0; c < table->columnCount(); ++c) {
                QVERIFY(!table->item(r, c)->text().contains(S("supersecret")));
                QVERIFY(!table->item(r, c)->text().contains(S("envsecret")));
            }
        }
    }

    void saveRunsOffTheGuiThreadWithTheFormDisabled()
    {
        HeldBackend held(m_backend.get());
        SettingsPanel panel(&held);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        auto *save = panel.findChild<QPushButton *>(S("settingsSave"));
        auto *progress = panel.findChild<QProgressBar *>(S("settingsProgress"));
        auto *port = panel.findChild<QLineEdit *>(S("edit-port"));
        auto *status = panel.findChild<QLabel *>(S("settingsStatus"));
        QVERIFY(progress && !progress->isVisible());
        retype(port, S("8444"));
        QTest::keyClicks(panel.findChild<QLineEdit *>(S("edit-stripe-secret-key")), S("sk_live_heldsecretvalue000"));
        QSignalSpy finished(&panel, &SettingsPanel::saveFinished);
        QTest::mouseClick(save, Qt::LeftButton);

        // The backend is stuck in its write, and the event loop still runs: the
        // click returned, the panel shows it is saving and takes no more input.
        QVERIFY(held.entered.tryAcquire(1, 10000));
        QVERIFY(held.savedOn != QThread::currentThread());
        QVERIFY(panel.isSaving());
        QVERIFY(progress->isVisible());
        QVERIFY(!save->isEnabled());
        QVERIFY(!port->isEnabled());
        QCOMPARE(status->text(), S("Saving…"));
        QTest::keyClicks(port, S("9"));
        QCOMPARE(port->text(), S("8444"));
        QVERIFY(!panel.save()); // a second save does not start while one runs
        QCOMPARE(finished.count(), 0);
        QVERIFY(!QSettings(m_ini, QSettings::IniFormat).contains(S("stripe-secret-key")));
        QCOMPARE(QSettings(m_ini, QSettings::IniFormat).value(S("port")).toString(), S("9000"));

        held.release.release();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QCOMPARE(finished.at(0).at(0).toBool(), true);
        QVERIFY(!panel.isSaving());
        QVERIFY(!progress->isVisible());
        QVERIFY(save->isEnabled() && port->isEnabled());
        QVERIFY2(status->text().startsWith(S("Saved 2 change")), qPrintable(status->text()));
        QCOMPARE(QSettings(m_ini, QSettings::IniFormat).value(S("port")).toString(), S("8444"));
        QCOMPARE(m_secrets->get(S("stripe-secret-key")).value_or(QByteArray()), QByteArray("sk_live_heldsecretvalue000"));
    }

    void aFailedSaveSaysWhyAndKeepsTheFields()
    {
        // A settings file in a folder that does not exist cannot be written.
        ConfigSources src;
        src.file = m_dir->filePath(S("missing/dir/worldflux-console.ini"));
        ResolvedConfig resolved = Config::resolve(src);
        QVERIFY(resolved.ok());
        QVERIFY(QFile(m_dir->filePath(S("missing"))).open(QIODevice::WriteOnly)); // a file where the folder should be
        ConfigSettingsBackend backend(src, resolved, m_secrets.get());
        SettingsPanel panel(&backend);
        panel.show();
        QSignalSpy finished(&panel, &SettingsPanel::saveFinished);
        retype(panel.findChild<QLineEdit *>(S("edit-port")), S("8445"));
        QTest::mouseClick(panel.findChild<QPushButton *>(S("settingsSave")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QCOMPARE(finished.at(0).at(0).toBool(), false);
        QVERIFY2(panel.findChild<QLabel *>(S("settingsStatus"))->text().startsWith(S("Nothing was saved: ")),
                 qPrintable(panel.findChild<QLabel *>(S("settingsStatus"))->text()));
        QCOMPARE(panel.findChild<QLineEdit *>(S("edit-port"))->text(), S("8445"));
        QVERIFY(panel.findChild<QPushButton *>(S("settingsSave"))->isEnabled());
    }

    void aFlagOrEnvSecretWinsOverTheStore()
    {
        QVERIFY(m_secrets->set(S("webhook-secret"), QByteArray("whsec_fromthekeychain0000")).ok());
        makeBackend(); // WFX_BILLING_WEBHOOK_SECRET is set in the environment
        bool found = false;
        for (const SettingsBackend::Entry &e : m_backend->entries()) {
            if (e.key == S("webhook-secret")) {
                found = true;
                QCOMPARE(e.origin, S("env WFX_BILLING_WEBHOOK_SECRET"));
            }
        }
        QVERIFY(found);
    }
};

QTEST_MAIN(TestSettingsPanel)
#include "tst_settings_panel.moc"
