// SPDX-License-Identifier: Apache-2.0
#include "MainWindow.h"

#include "ServerControl.h"
#include "apikeys/ApiKeysPanel.h"
#include "audit/AuditPanel.h"
#include "billing/BillingPanel.h"
#include "common/Async.h"
#include "dsar/DsarPanel.h"
#include "firstrun/FirstRunWizard.h"
#include "mail/MailPanel.h"
#include "models/accounts/AccountService.h"
#include "overview/OverviewPanel.h"
#include "runs/RunsPanel.h"
#include "settings/SettingsPanel.h"
#include "shares/SharesPanel.h"
#include "workspaces/WorkspacesPanel.h"

#include <QAction>
#include <QFrame>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QListWidget>
#include <QStackedWidget>
#include <QStatusBar>

namespace wfx::ui {

MainWindow::MainWindow(ModelContext ctx, Actor actor, ServerControl *server,
                       SettingsBackend *settings, QWidget *parent)
    : QMainWindow(parent), m_ctx(ctx), m_server(server)
{
    setWindowTitle(tr("WorldFlux Console"));
    setAccessibleName(tr("WorldFlux Console"));
    resize(1180, 760);

    struct Entry
    {
        Area area;
        QString title;
        const char *icon; // freedesktop icon name; no icon where the theme has none
    };
    const QList<Entry> entries{
        {Overview, tr("Overview"), "go-home"},
        {Workspaces, tr("Workspaces"), "folder"},
        {Runs, tr("Runs"), "system-run"},
        {Shares, tr("Shares"), "emblem-shared"},
        {ApiKeys, tr("API keys"), "dialog-password"},
        {Billing, tr("Billing"), "accessories-calculator"},
        {Dsar, tr("DSAR requests"), "contact-new"},
        {Audit, tr("Audit log"), "document-open-recent"},
        {Settings, tr("Settings"), "preferences-system"},
        {Mail, tr("Mail outbox"), "mail-send"},
    };

    auto *central = new QWidget(this);
    auto *row = new QHBoxLayout(central);
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(0);
    m_nav = new QListWidget(central);
    m_nav->setObjectName(QStringLiteral("navigation"));
    m_nav->setAccessibleName(tr("Areas"));
    m_nav->setIconSize(QSize(20, 20));
    m_nav->setUniformItemSizes(true);
    m_nav->setFrameShape(QFrame::NoFrame);
    m_nav->setBackgroundRole(QPalette::Window); // a sidebar, not a document
    m_stack = new QStackedWidget(central);
    m_stack->setObjectName(QStringLiteral("panels"));

    for (const Entry &e : entries) {
        auto *item =
            new QListWidgetItem(QIcon::fromTheme(QString::fromLatin1(e.icon)), e.title, m_nav);
        item->setData(Qt::AccessibleTextRole, e.title);
        item->setSizeHint(QSize(0, m_nav->fontMetrics().height() + 14));
        // Ctrl+1 … Ctrl+9, then Ctrl+0 for the tenth area.
        const int digit = (int(e.area) + 1) % 10;
        item->setToolTip(tr("%1 (Ctrl+%2)").arg(e.title).arg(digit));
        QWidget *panel = nullptr;
        if (e.area == Overview)
            panel = new OverviewPanel(server, m_stack);
        else if (e.area == Runs)
            panel = new RunsPanel(ctx, actor, RunFiles{server->dataDir(), server->signingSeed()},
                                  m_stack);
        else if (e.area == Workspaces)
            panel = new WorkspacesPanel(ctx, actor, m_stack);
        else if (e.area == Billing)
            panel = new BillingPanel(
                ctx, actor, server->billingProvider(), [server] { return server->address(); },
                m_stack);
        else if (e.area == Dsar)
            panel = new DsarPanel(ctx, actor, m_stack);
        else if (e.area == Audit)
            panel = new AuditPanel(ctx, actor, m_stack);
        else if (e.area == Shares)
            panel = new SharesPanel(
                ctx, actor, [server] { return server->address(); }, m_stack);
        else if (e.area == ApiKeys)
            panel = new ApiKeysPanel(ctx, actor, m_stack);
        else if (e.area == Mail)
            panel = new MailPanel(ctx, actor, m_stack);
        else
            panel = new SettingsPanel(settings, m_stack);
        m_stack->addWidget(panel);

        auto *shortcut = new QAction(this);
        shortcut->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_0 + digit)));
        shortcut->setShortcutContext(Qt::ApplicationShortcut);
        connect(shortcut, &QAction::triggered, this, [this, area = e.area] { showArea(area); });
        addAction(shortcut);
    }
    // Wide enough for the longest entry and its icon.
    int widest = 0;
    for (const Entry &e : entries)
        widest = qMax(widest, m_nav->fontMetrics().horizontalAdvance(e.title));
    m_nav->setFixedWidth(widest + m_nav->iconSize().width() + 40);
    auto *line = new QFrame(central);
    line->setFrameShape(QFrame::VLine);
    line->setFrameShadow(QFrame::Sunken);
    row->addWidget(m_nav);
    row->addWidget(line);
    row->addWidget(m_stack, 1);
    setCentralWidget(central);

    connect(m_nav, &QListWidget::currentRowChanged, m_stack, &QStackedWidget::setCurrentIndex);
    m_nav->setCurrentRow(Overview);
    m_nav->setFocus();

    auto *serverState = new QLabel(this);
    auto updateServerState = [serverState, server] {
        serverState->setText(server->isRunning() ? tr("Serving on %1").arg(server->address())
                                                 : tr("Server stopped"));
    };
    updateServerState();
    statusBar()->addPermanentWidget(serverState);
    connect(panelAs<OverviewPanel>(Overview), &OverviewPanel::serverStateChanged, this,
            updateServerState);
}

void MainWindow::checkFirstRun()
{
    runAsync(
        this,
        [ctx = m_ctx] {
            auto users = AccountService(ctx).listUsers(Actor::system(), 1, {});
            return users.ok() && users->items.isEmpty();
        },
        [this](bool empty) {
            if (empty && !m_firstRun) {
                ServerControl *server = m_server;
                m_firstRun = new FirstRunWizard(
                    m_ctx, [server] { return server->address(); }, this);
                m_firstRun->setAttribute(Qt::WA_DeleteOnClose);
                m_firstRun->setWindowModality(Qt::WindowModal);
                m_firstRun->show();
            }
            emit firstRunChecked(empty);
        });
}

void MainWindow::showArea(Area area)
{
    m_nav->setCurrentRow(int(area));
}

MainWindow::Area MainWindow::currentArea() const
{
    return Area(m_stack->currentIndex());
}

QWidget *MainWindow::panel(Area area) const
{
    return m_stack->widget(int(area));
}

} // namespace wfx::ui
