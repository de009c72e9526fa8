// SPDX-License-Identifier: Apache-2.0
// The console window: a navigation list on the left, one panel per area.
#pragma once

#include "firstrun/FirstRunWizard.h"
#include "models/core/Context.h"

#include <QMainWindow>
#include <QPointer>

class QListWidget;
class QStackedWidget;

namespace wfx {
class ServerControl;
class SettingsBackend;
} // namespace wfx

namespace wfx::ui {

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    enum Area {
        Overview,
        Workspaces,
        Runs,
        Shares,
        ApiKeys,
        Billing,
        Dsar,
        Audit,
        Settings,
        Mail,
        AreaCount
    };

    // The console acts as the instance administrator: `actor` is normally Actor::system().
    // `settings` may be null: the Settings panel then says it has no settings to show.
    MainWindow(ModelContext ctx, Actor actor, ServerControl *server,
               SettingsBackend *settings = nullptr, QWidget *parent = nullptr);

    void showArea(Area area);
    Area currentArea() const;
    QListWidget *navigation() const { return m_nav; }
    QWidget *panel(Area area) const;
    // The panel of an area as its own class: panelAs<RunsPanel>(Runs).
    template <typename Panel> Panel *panelAs(Area area) const
    {
        return qobject_cast<Panel *>(panel(area));
    }

    // Looks (off the GUI thread) whether the instance has any account; when it
    // has none, opens the first-run guide. app/ calls it once the window shows.
    void checkFirstRun();
    FirstRunWizard *firstRunWizard() const { return m_firstRun; }

signals:
    // checkFirstRun() finished: whether the guide was opened.
    void firstRunChecked(bool guideShown);

private:
    ModelContext m_ctx;
    ServerControl *m_server = nullptr;
    QPointer<FirstRunWizard> m_firstRun;
    QListWidget *m_nav = nullptr;
    QStackedWidget *m_stack = nullptr; // the panels, in the order of Area
};

} // namespace wfx::ui
