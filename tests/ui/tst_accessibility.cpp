// SPDX-License-Identifier: Apache-2.0
// Keyboard and accessibility over every panel of the window, the run details
// and the first-run guide: each visible, enabled control a user can operate
// (button, line edit, combo box, item view) is reached by pressing Tab and has
// an accessible name, a text, or a label that names it (buddy). And the
// console's own colours follow a dark palette (no dark-on-dark text).
// The Settings panel runs over the real settings backend (a temporary settings
// file and a file-only secret store), so its form is there to check.
// Runs on SQLite and PostgreSQL.
#include "FakeServerControl.h"
#include "TestStore.h"
#include "app/ConfigSettingsBackend.h"

#include "models/runs/RunService.h"
#include "models/secrets/SecretStore.h"
#include "models/workspaces/WorkspaceService.h"
#include "ui/MainWindow.h"
#include "ui/common/Tone.h"
#include "ui/firstrun/FirstRunWizard.h"
#include "ui/runs/RunDetailsDialog.h"
#include "ui/runs/RunsModel.h"
#include "ui/runs/RunsPanel.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAbstractSpinBox>
#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSet>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

using namespace wfx;

namespace {

bool isControl(QWidget *w)
{
    if (!(qobject_cast<QAbstractButton *>(w) || qobject_cast<QLineEdit *>(w) ||
          qobject_cast<QComboBox *>(w) || qobject_cast<QAbstractItemView *>(w)))
        return false;
    // The line edit inside a combo box or a spin box is named through its owner.
    if (qobject_cast<QLineEdit *>(w) && (qobject_cast<QComboBox *>(w->parentWidget()) ||
                                         qobject_cast<QAbstractSpinBox *>(w->parentWidget())))
        return false;
    return (w->focusPolicy() & Qt::TabFocus) && w->isVisible() && w->isEnabled();
}

QString describe(QWidget *w)
{
    return u"%1 \"%2\" in %3"_s.arg(
        QString::fromLatin1(w->metaObject()->className()), w->objectName(),
        w->parentWidget() ? QString::fromLatin1(w->parentWidget()->metaObject()->className())
                          : QString());
}

bool isNamed(QWidget *w, QWidget *top)
{
    if (!w->accessibleName().trimmed().isEmpty())
        return true;
    if (auto *b = qobject_cast<QAbstractButton *>(w);
        b && !b->text().remove(QLatin1Char('&')).trimmed().isEmpty())
        return true;
    for (QLabel *l : top->findChildren<QLabel *>())
        if (l->buddy() == w && !l->text().trimmed().isEmpty())
            return true;
    return false;
}

// Presses Tab from the first control until focus comes back around; returns
// the widgets that had focus on the way.
QSet<QWidget *> tabWalk(QWidget *top, const QList<QWidget *> &controls)
{
    QSet<QWidget *> seen;
    if (controls.isEmpty())
        return seen;
    top->activateWindow();
    controls.first()->setFocus(Qt::TabFocusReason);
    QWidget *start = QApplication::focusWidget();
    for (int i = 0; i < 400 && start; ++i) {
        QWidget *f = QApplication::focusWidget();
        if (!f)
            break;
        seen.insert(f);
        QTest::keyClick(f, Qt::Key_Tab);
        if (QApplication::focusWidget() == start && i > 0)
            break;
    }
    return seen;
}

} // namespace

class TestAccessibility : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    wfxtest::FakeServerControl server;
    Run run;
    std::unique_ptr<QTemporaryDir> settingsDir;
    std::unique_ptr<SecretStore> secrets;
    std::unique_ptr<ConfigSettingsBackend> settings;

    // Every control under `top` (visible now) is named and reached by Tab.
    void checkControls(QWidget *top, const QString &where)
    {
        QList<QWidget *> controls;
        for (QWidget *w : top->findChildren<QWidget *>())
            if (isControl(w))
                controls << w;
        QVERIFY2(!controls.isEmpty(), qPrintable(where));
        QStringList unnamed, unreached;
        for (QWidget *w : controls)
            if (!isNamed(w, top->window()))
                unnamed << describe(w);
        const QSet<QWidget *> reached = tabWalk(top, controls);
        for (QWidget *w : controls)
            if (!reached.contains(w))
                unreached << describe(w);
        QVERIFY2(unnamed.isEmpty(),
                 qPrintable(where + u": no accessible name: "_s + unnamed.join(u"; "_s)));
        QVERIFY2(unreached.isEmpty(),
                 qPrintable(where + u": not reached by Tab: "_s + unreached.join(u"; "_s)));
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        const QString alice = s->createUser(u"alice@example.com"_s, true);
        WorkspaceService ws(s->ctx);
        const QString wsId = ws.create(s->actor(alice), u"Robotics lab"_s)->id;
        const QString project = ws.createProject(s->actor(alice), wsId, u"dreamer"_s)->id;
        auto synced = RunService(s->ctx).sync(
            s->actor(alice), QJsonObject{{u"project_id"_s, project},
                                         {u"client_run_id"_s, u"r1"_s},
                                         {u"name"_s, u"dreamer-seed-1"_s},
                                         {u"status"_s, u"completed"_s},
                                         {u"manifest"_s, QJsonObject{{u"algo"_s, u"dreamer"_s}}},
                                         {u"log"_s, u"done\n"_s}});
        QVERIFY(synced.ok());
        run = synced->run;

        // What the console gets at start: the settings as resolved from a settings file.
        settingsDir = std::make_unique<QTemporaryDir>();
        QVERIFY(settingsDir->isValid());
        secrets = std::make_unique<SecretStore>(u"wfx-test"_s, settingsDir->path(),
                                                SecretStore::Mode::FileOnly);
        ConfigSources src;
        src.file = settingsDir->filePath(u"worldflux-console.ini"_s);
        ResolvedConfig resolved = Config::resolve(src);
        QVERIFY2(resolved.ok(), qPrintable(resolved.error));
        ConfigSettingsBackend::applySecretStore(resolved, *secrets);
        settings = std::make_unique<ConfigSettingsBackend>(src, resolved, secrets.get());
    }
    void cleanup()
    {
        QTest::qWait(0);
        settings.reset();
        secrets.reset();
        settingsDir.reset();
        s.reset();
    }

    void everyPanelIsNamedAndTabReachable()
    {
        ui::MainWindow window(s->ctx, Actor::system(), &server, settings.get());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        for (int a = 0; a < ui::MainWindow::AreaCount; ++a) {
            window.showArea(ui::MainWindow::Area(a));
            QTest::qWait(
                200); // let the panel's first page arrive, so its widgets are as a user sees them
            QWidget *panel = window.panel(ui::MainWindow::Area(a));
            // A panel with tabs: every tab's controls.
            const auto tabWidgets = panel->findChildren<QTabWidget *>();
            if (tabWidgets.isEmpty()) {
                checkControls(panel, panel->accessibleName());
            } else {
                for (QTabWidget *tabs : tabWidgets) {
                    for (int t = 0; t < tabs->count(); ++t) {
                        if (!tabs->isVisible() || !tabs->isTabEnabled(t))
                            continue;
                        tabs->setCurrentIndex(t);
                        checkControls(panel, panel->accessibleName() + u" / "_s + tabs->tabText(t));
                    }
                }
            }
            if (QTest::currentTestFailed())
                return;
        }
        // And the window as a whole: the navigation list is part of the Tab order.
        checkControls(&window, u"window"_s);
    }

    void runDetailsAreNamedAndTabReachable()
    {
        ui::RunDetailsDialog dialog(s->ctx, Actor::system(), run,
                                    ui::RunFiles{s->dir.path(), QByteArray(32, 'k')});
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTRY_VERIFY_WITH_TIMEOUT(dialog.isLoaded(), 10000);
        for (int t = 0; t < dialog.tabs()->count(); ++t) {
            dialog.tabs()->setCurrentIndex(t);
            QTest::qWait(50);
            checkControls(&dialog, u"run details / "_s + dialog.tabs()->tabText(t));
            if (QTest::currentTestFailed())
                return;
        }
    }

    void firstRunGuideIsNamedAndTabReachable()
    {
        ui::FirstRunWizard wizard(s->ctx, [] { return u"http://127.0.0.1:8787"_s; });
        wizard.show();
        QVERIFY(QTest::qWaitForWindowExposed(&wizard));
        checkControls(&wizard, u"first-run guide"_s);
    }

    void statusColoursFollowTheDarkPalette()
    {
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(0x20, 0x22, 0x25));
        dark.setColor(QPalette::WindowText, QColor(0xe8, 0xe8, 0xe8));
        QPalette light;
        light.setColor(QPalette::Window, QColor(0xf5, 0xf5, 0xf5));
        light.setColor(QPalette::WindowText, QColor(0x10, 0x10, 0x10));
        for (ui::Tone tone : {ui::Tone::Good, ui::Tone::Warning, ui::Tone::Bad}) {
            // Readable: far from the background on both palettes.
            QVERIFY(qAbs(ui::toneColor(dark, tone).lightness() -
                         dark.color(QPalette::Window).lightness()) > 100);
            QVERIFY(qAbs(ui::toneColor(light, tone).lightness() -
                         light.color(QPalette::Window).lightness()) > 100);
        }
    }
};

QTEST_MAIN(TestAccessibility)
#include "tst_accessibility.moc"
