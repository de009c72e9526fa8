// SPDX-License-Identifier: Apache-2.0
// Billing: per workspace the plan and its caps, usage against each cap, the
// reservations holding quota, checkout and the provider's portal (opened in the
// browser), and every webhook event received with whether it was applied.
#pragma once

#include "ui/common/PanelActions.h"
#include "ui/common/StorePanel.h"
#include "ui/common/WidgetGroup.h"

#include <QFutureWatcher>
#include <QPointer>
#include <QUrl>

#include <functional>
#include <memory>

class QComboBox;
class QLabel;
class QTreeView;

namespace wfx {
class BillingProvider;
}

namespace wfx::ui {

class BillingPanel : public StorePanel
{
    Q_OBJECT
public:
    // provider null: the offline provider. baseUrl resolves the relative links
    // the offline provider gives (the built-in server's address).
    BillingPanel(ModelContext ctx, Actor actor, std::shared_ptr<BillingProvider> provider,
                 std::function<QString()> baseUrl, QWidget *parent = nullptr);
    ~BillingPanel() override;

    // How a checkout or portal link is opened; defaults to QDesktopServices.
    void setUrlOpener(std::function<bool(const QUrl &)> opener) { m_openUrl = std::move(opener); }
    bool isBusy() const { return m_actions.busy(); }
    QComboBox *workspaceChooser() const { return m_workspace; }
    bool selectWorkspace(const QString &id);
    QString statusText() const;
    QTreeView *events() const { return m_events; }
    QTreeView *reservations() const { return m_reservations; }
    // Metric -> the text shown beside its bar (tests read it).
    QString usageText(const QString &metric) const;
    int usagePercent(const QString &metric) const;

    void checkout();
    void openPortal();
    void reload();

private:
    void loadWorkspace();
    // Opens a checkout or portal link; returns the status words.
    QString openLink(const QString &link, const QString &what);

    std::shared_ptr<BillingProvider> m_provider;
    std::function<QString()> m_baseUrl;
    std::function<bool(const QUrl &)> m_openUrl;

    QComboBox *m_workspace = nullptr;
    QLabel *m_plan = nullptr;
    QWidget *m_usageBox = nullptr;
    QTreeView *m_reservations = nullptr;
    QComboBox *m_targetPlan = nullptr;
    WidgetGroup m_forWorkspace; // checkout and portal: only with a workspace
    QTreeView *m_events = nullptr;
    QLabel *m_status = nullptr;
    bool m_filling = false;
    PanelActions m_actions; // reports in m_status; waited for on destruction
};

} // namespace wfx::ui
