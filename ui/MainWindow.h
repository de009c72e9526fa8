// SPDX-License-Identifier: Apache-2.0
// The console window: a navigation list on the left, one panel per area.
#pragma once

#include "core/Context.h"

#include <QMainWindow>

class QListWidget;
class QStackedWidget;

namespace wfx {
class ServerControl;
class SettingsBackend;
}

namespace wfx::ui {

class OverviewPanel;
class RunsPanel;
class SharesPanel;
class ApiKeysPanel;
class SettingsPanel;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    enum Area { Overview, Workspaces, Runs, Shares, ApiKeys, Billing, Dsar, Audit, Settings, AreaCount };

    // The console acts as the instance administrator: `actor` is normally Actor::system().
    // `settings` may be null: the Settings panel then says it has no settings to show.
    MainWindow(ModelContext ctx, Actor actor, ServerControl *server, SettingsBackend *settings = nullptr,
               QWidget *parent = nullptr);

    void showArea(Area area);
    Area currentArea() const;
    QListWidget *navigation() const { return m_nav; }
    QWidget *panel(Area area) const;
    OverviewPanel *overviewPanel() const { return m_overview; }
    RunsPanel *runsPanel() const { return m_runs; }
    SharesPanel *sharesPanel() const { return m_shares; }
    ApiKeysPanel *apiKeysPanel() const { return m_apiKeys; }
    SettingsPanel *settingsPanel() const { return m_settings; }

private:
    QListWidget *m_nav = nullptr;
    QStackedWidget *m_stack = nullptr;
    OverviewPanel *m_overview = nullptr;
    RunsPanel *m_runs = nullptr;
    SharesPanel *m_shares = nullptr;
    ApiKeysPanel *m_apiKeys = nullptr;
    SettingsPanel *m_settings = nullptr;
};

} // namespace wfx::ui
