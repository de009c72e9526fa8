// SPDX-License-Identifier: Apache-2.0
// The Settings panel over the real settings table (ConfigSettingsBackend on a
// temporary INI file and a file-only secret store), driven by input events.
#include "app/ConfigSettingsBackend.h"
#include "ui/settings/SettingsPanel.h"

#include "models/secrets/SecretStore.h"

#include <QApplication>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSemaphore>
#include <QSettings>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <memory>

using namespace Qt::StringLiterals;

using namespace wfx;
using wfx::ui::SettingsPanel;

namespace {
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
    QString validate(const QString &key, const QString &value) const override
    {
        return m_inner->validate(key, value);
    }
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
        src.flags.insert(u"threads"_s, u"8"_s);
        src.env.insert(u"WFX_LOG_FORMAT"_s, u"json"_s);
        src.env.insert(u"WFX_BILLING_WEBHOOK_SECRET"_s, u"whsec_envsecretvalue123"_s);
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
        return u"<missing>"_s;
    }

    static QString fileText(const QString &path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }

    static void clickSaveAndWait(SettingsPanel &panel)
    {
        QTest::mouseClick(panel.findChild<QPushButton *>(u"settingsSave"_s), Qt::LeftButton);
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
        m_ini = m_dir->filePath(u"worldflux-console.ini"_s);
        {
            QSettings file(m_ini, QSettings::IniFormat);
            file.setValue(u"port"_s, u"9000"_s);
            file.sync();
        }
        m_secrets = std::make_unique<SecretStore>(u"wfx-test"_s, m_dir->path(),
                                                  SecretStore::Mode::FileOnly);
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
        auto *table = panel.findChild<QTableWidget *>(u"settingsTable"_s);
        QVERIFY(table);
        QCOMPARE(table->rowCount(), int(configKeys().size()));
        for (const ConfigKey &k : configKeys())
            QVERIFY2(cell(table, QString::fromUtf8(k.key), 0) == QString::fromUtf8(k.key), k.key);
        QCOMPARE(cell(table, u"threads"_s, 1), u"8"_s);
        QCOMPARE(cell(table, u"threads"_s, 2), u"flag"_s);
        QCOMPARE(cell(table, u"port"_s, 1), u"9000"_s);
        QCOMPARE(cell(table, u"port"_s, 2), u"file"_s);
        QCOMPARE(cell(table, u"log-format"_s, 1), u"json"_s);
        QCOMPARE(cell(table, u"log-format"_s, 2), u"environment"_s);
        QCOMPARE(cell(table, u"listen"_s, 1), u"127.0.0.1"_s);
        QCOMPARE(cell(table, u"listen"_s, 2), u"default"_s);
        // Changes apply at the next start, and the panel says so.
        auto *notice = panel.findChild<QLabel *>(u"settingsNotice"_s);
        QVERIFY(notice);
        QVERIFY(notice->text().contains(u"next start"_s));
        QVERIFY(notice->text().contains(m_ini));
        // The file's value is the one being edited; non-file keys have no field.
        QCOMPARE(panel.findChild<QLineEdit *>(u"edit-port"_s)->text(), u"9000"_s);
        QVERIFY(!panel.findChild<QLineEdit *>(u"edit-threads"_s));
        QVERIFY(!panel.findChild<QLineEdit *>(u"edit-e2e-fixtures"_s));
    }

    void invalidPortShowsAnErrorAndWritesNothing()
    {
        SettingsPanel panel(m_backend.get());
        panel.show();
        const QString before = fileText(m_ini);
        retype(panel.findChild<QLineEdit *>(u"edit-port"_s), u"70000"_s);
        retype(panel.findChild<QLineEdit *>(u"edit-sendmail"_s), u"/usr/sbin/sendmail -t"_s);
        QTest::mouseClick(panel.findChild<QPushButton *>(u"settingsSave"_s), Qt::LeftButton);
        auto *error = panel.findChild<QLabel *>(u"error-port"_s);
        QVERIFY(error->isVisible());
        QCOMPARE(error->text(), u"port must be a whole number from 0 to 65535"_s);
        QVERIFY(!panel.findChild<QLabel *>(u"error-sendmail"_s)->isVisible());
        QVERIFY(panel.findChild<QLabel *>(u"settingsStatus"_s)
                    ->text()
                    .startsWith(u"Nothing was saved"_s));
        QCOMPARE(fileText(m_ini), before);
    }

    void validChangesAreWrittenToTheFile()
    {
        SettingsPanel panel(m_backend.get());
        panel.show();
        retype(panel.findChild<QLineEdit *>(u"edit-port"_s), u"8443"_s);
        retype(panel.findChild<QLineEdit *>(u"edit-public-hosts"_s),
               u"console.lab.example,wfx.lab.example"_s);
        retype(panel.findChild<QLineEdit *>(u"edit-log-format"_s), u"json"_s);
        clickSaveAndWait(panel);
        QVERIFY2(panel.findChild<QLabel *>(u"settingsStatus"_s)->text().contains(u"next start"_s),
                 qPrintable(panel.findChild<QLabel *>(u"settingsStatus"_s)->text()));

        // The same table reads the file back: the file now gives those values.
        ConfigSources src;
        src.file = m_ini;
        const ResolvedConfig again = Config::resolve(src);
        QVERIFY2(again.ok(), qPrintable(again.error));
        QCOMPARE(again.values.port, quint16(8443));
        QCOMPARE(again.values.publicHosts,
                 QStringList({u"console.lab.example"_s, u"wfx.lab.example"_s}));
        QCOMPARE(again.values.logFormat, u"json"_s);
        QVERIFY(again.origin.value(u"port"_s).startsWith(u"file"_s));
        // The running values shown do not change: nothing is applied live.
        auto *table = panel.findChild<QTableWidget *>(u"settingsTable"_s);
        QCOMPARE(cell(table, u"port"_s, 1), u"9000"_s);
    }

    void emptyingAFieldRemovesTheKeyFromTheFile()
    {
        SettingsPanel panel(m_backend.get());
        panel.show();
        retype(panel.findChild<QLineEdit *>(u"edit-port"_s), QString());
        clickSaveAndWait(panel);
        QSettings file(m_ini, QSettings::IniFormat);
        QVERIFY(!file.contains(u"port"_s));
    }

    void secretsAreNeverShownAndGoToTheSecretStore()
    {
        const QString secret = u"sk_live_supersecretstripekey0123"_s;
        {
            SettingsPanel panel(m_backend.get());
            panel.show();
            auto *table = panel.findChild<QTableWidget *>(u"settingsTable"_s);
            QCOMPARE(cell(table, u"webhook-secret"_s, 1), u"(set)"_s);
            QCOMPARE(cell(table, u"webhook-secret"_s, 2), u"environment"_s);
            QCOMPARE(cell(table, u"stripe-secret-key"_s, 1), u"(unset)"_s);
            auto *edit = panel.findChild<QLineEdit *>(u"edit-stripe-secret-key"_s);
            QCOMPARE(edit->echoMode(), QLineEdit::Password);
            QCOMPARE(panel.findChild<QLineEdit *>(u"edit-webhook-secret"_s)->text(), QString());
            edit->setFocus();
            QTest::keyClicks(edit, secret);
            clickSaveAndWait(panel);
            QCOMPARE(edit->text(), QString());
        }
        // Stored in the secret store, never in the settings file.
        QCOMPARE(m_secrets->get(u"stripe-secret-key"_s).value_or(QByteArray()), secret.toUtf8());
        QVERIFY(!fileText(m_ini).contains(secret));
        QVERIFY(!QSettings(m_ini, QSettings::IniFormat).contains(u"stripe-secret-key"_s));

        // At the next start the store supplies it: shown as (set), from the keychain, never in
        // clear.
        makeBackend();
        SettingsPanel panel(m_backend.get());
        auto *table = panel.findChild<QTableWidget *>(u"settingsTable"_s);
        QCOMPARE(cell(table, u"stripe-secret-key"_s, 1), u"(set)"_s);
        QCOMPARE(cell(table, u"stripe-secret-key"_s, 2), u"keychain"_s);
        for (QWidget *w : panel.findChildren<QWidget *>()) {
            if (auto *l = qobject_cast<QLabel *>(w))
                QVERIFY(!l->text().contains(u"supersecret"_s) &&
                        !l->text().contains(u"envsecret"_s));
            if (auto *e = qobject_cast<QLineEdit *>(w))
                QVERIFY(!e->text().contains(u"supersecret"_s) &&
                        !e->text().contains(u"envsecret"_s));
        }
        for (int r = 0; r < table->rowCount(); ++r) {
            for (int c = 0; c < table->columnCount(); ++c) {
                QVERIFY(!table->item(r, c)->text().contains(u"supersecret"_s));
                QVERIFY(!table->item(r, c)->text().contains(u"envsecret"_s));
            }
        }
    }

    void saveRunsOffTheGuiThreadWithTheFormDisabled()
    {
        HeldBackend held(m_backend.get());
        SettingsPanel panel(&held);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        auto *save = panel.findChild<QPushButton *>(u"settingsSave"_s);
        auto *progress = panel.findChild<QProgressBar *>(u"settingsProgress"_s);
        auto *port = panel.findChild<QLineEdit *>(u"edit-port"_s);
        auto *status = panel.findChild<QLabel *>(u"settingsStatus"_s);
        QVERIFY(progress && !progress->isVisible());
        retype(port, u"8444"_s);
        QTest::keyClicks(panel.findChild<QLineEdit *>(u"edit-stripe-secret-key"_s),
                         u"sk_live_heldsecretvalue000"_s);
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
        QCOMPARE(status->text(), u"Saving…"_s);
        QTest::keyClicks(port, u"9"_s);
        QCOMPARE(port->text(), u"8444"_s);
        QVERIFY(!panel.save()); // a second save does not start while one runs
        QCOMPARE(finished.count(), 0);
        QVERIFY(!QSettings(m_ini, QSettings::IniFormat).contains(u"stripe-secret-key"_s));
        QCOMPARE(QSettings(m_ini, QSettings::IniFormat).value(u"port"_s).toString(), u"9000"_s);

        held.release.release();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QCOMPARE(finished.at(0).at(0).toBool(), true);
        QVERIFY(!panel.isSaving());
        QVERIFY(!progress->isVisible());
        QVERIFY(save->isEnabled() && port->isEnabled());
        QVERIFY2(status->text().startsWith(u"Saved 2 change"_s), qPrintable(status->text()));
        QCOMPARE(QSettings(m_ini, QSettings::IniFormat).value(u"port"_s).toString(), u"8444"_s);
        QCOMPARE(m_secrets->get(u"stripe-secret-key"_s).value_or(QByteArray()),
                 QByteArray("sk_live_heldsecretvalue000"));
    }

    void aFailedSaveSaysWhyAndKeepsTheFields()
    {
        // A settings file in a folder that does not exist cannot be written.
        ConfigSources src;
        src.file = m_dir->filePath(u"missing/dir/worldflux-console.ini"_s);
        ResolvedConfig resolved = Config::resolve(src);
        QVERIFY(resolved.ok());
        QVERIFY(QFile(m_dir->filePath(u"missing"_s))
                    .open(QIODevice::WriteOnly)); // a file where the folder should be
        ConfigSettingsBackend backend(src, resolved, m_secrets.get());
        SettingsPanel panel(&backend);
        panel.show();
        QSignalSpy finished(&panel, &SettingsPanel::saveFinished);
        retype(panel.findChild<QLineEdit *>(u"edit-port"_s), u"8445"_s);
        QTest::mouseClick(panel.findChild<QPushButton *>(u"settingsSave"_s), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QCOMPARE(finished.at(0).at(0).toBool(), false);
        QVERIFY2(panel.findChild<QLabel *>(u"settingsStatus"_s)
                     ->text()
                     .startsWith(u"Nothing was saved: "_s),
                 qPrintable(panel.findChild<QLabel *>(u"settingsStatus"_s)->text()));
        QCOMPARE(panel.findChild<QLineEdit *>(u"edit-port"_s)->text(), u"8445"_s);
        QVERIFY(panel.findChild<QPushButton *>(u"settingsSave"_s)->isEnabled());
    }

    void aFlagOrEnvSecretWinsOverTheStore()
    {
        QVERIFY(m_secrets->set(u"webhook-secret"_s, QByteArray("whsec_fromthekeychain0000")).ok());
        makeBackend(); // WFX_BILLING_WEBHOOK_SECRET is set in the environment
        bool found = false;
        for (const SettingsBackend::Entry &e : m_backend->entries()) {
            if (e.key == u"webhook-secret"_s) {
                found = true;
                QCOMPARE(e.origin, u"env WFX_BILLING_WEBHOOK_SECRET"_s);
            }
        }
        QVERIFY(found);
    }
};

QTEST_MAIN(TestSettingsPanel)
#include "tst_settings_panel.moc"
