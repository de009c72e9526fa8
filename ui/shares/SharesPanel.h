// SPDX-License-Identifier: Apache-2.0
// Shares: every share link on the instance (create, revoke, reliability
// consents) and the share inspector, with live updates from the change bus.
#pragma once

#include "models/shares/ShareService.h"

#include "ui/common/PanelActions.h"
#include "ui/common/StorePanel.h"
#include "ui/common/WidgetGroup.h"

#include <functional>

class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTableWidget;
class QTimer;

namespace wfx::ui {

class SharesModel;
class ShareInspector;
class CreateShareDialog;
class ShownOnceDialog;

class SharesPanel : public StorePanel
{
    Q_OBJECT
public:
    // linkBase gives the server's base URL (e.g. http://127.0.0.1:8787) for new links.
    SharesPanel(ModelContext ctx, Actor actor, std::function<QString()> linkBase,
                QWidget *parent = nullptr);
    ~SharesPanel() override;

    SharesModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    ShareInspector *inspector() const { return m_inspector; }
    QTableWidget *consentsTable() const { return m_consents; }
    // What the buttons do (tests drive the buttons; these return what opened).
    CreateShareDialog *openCreate();
    ShownOnceDialog *lastShownOnce() const { return m_lastShownOnce; }
    QString selectedShareId() const;
    bool consentsLoading() const { return m_consentsLoading; }
    QString statusText() const;

signals:
    void shareCreated(const QString &shareId);
    void consentsLoaded();
    void consentExported(const QString &path);

private:
    void onSelectionChanged();
    void createFrom(CreateShareDialog *dialog);
    void revokeSelected();
    void loadConsents();
    void addConsent();
    void revokeConsent();
    void exportConsent();
    void updateStatusLine();

    std::function<QString()> m_linkBase;
    SharesModel *m_model = nullptr;
    QTableView *m_view = nullptr;
    QPushButton *m_inspect = nullptr;
    QLabel *m_statusLine = nullptr;
    QTableWidget *m_consents = nullptr;
    QLineEdit *m_subject = nullptr;
    QLineEdit *m_scope = nullptr;
    QPushButton *m_addConsent = nullptr;
    WidgetGroup m_forLiveShare; // revoke, and adding a consent: a share not revoked
    WidgetGroup m_forConsent;   // revoke and export: a consent selected
    QLabel *m_consentTitle = nullptr;
    ShareInspector *m_inspector = nullptr;
    ShownOnceDialog *m_lastShownOnce = nullptr;
    QTimer *m_liveTimer = nullptr;
    QString m_message;
    bool m_consentsLoading = false;
    PanelActions m_actions{this, [this](const QString &text) {
                               m_message = text;
                               updateStatusLine();
                           }};
};

} // namespace wfx::ui
