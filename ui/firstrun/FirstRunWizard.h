// SPDX-License-Identifier: Apache-2.0
// The guide an empty instance opens with: create the administrator (email,
// name, password twice), a workspace with a first project, an API key (its
// secret shown once), and finally the one command that syncs a first run to
// this server. Each step's store work runs on the thread pool; the page waits
// with its fields disabled and moves on when the work is done.
#pragma once

#include "models/core/Context.h"
#include "ui/common/ShownOnceDialog.h"

#include <QPointer>
#include <QWizard>

#include <functional>

class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace wfx::ui {

class FirstRunWizard : public QWizard
{
    Q_OBJECT
public:
    enum Page { AdminPage, WorkspacePage, KeyPage, CommandPage };

    // `address` gives the server's base URL (e.g. http://127.0.0.1:8787) when the
    // command is shown.
    FirstRunWizard(ModelContext ctx, std::function<QString()> address, QWidget *parent = nullptr);
    ~FirstRunWizard() override;

    bool validateCurrentPage() override;

    bool isBusy() const { return m_busy; }
    QString adminId() const { return m_adminId; }
    QString workspaceId() const { return m_workspaceId; }
    QString projectId() const { return m_projectId; }
    // The command shown on the last page.
    QString command() const;
    // The dialog that showed the API key's secret (tests read it).
    ShownOnceDialog *shownOnce() const { return m_shownOnce; }

    // The command that POSTs a minimal run to <address>/api/sync/runs.
    static QString syncCommand(const QString &address, const QString &secret,
                               const QString &projectId);

signals:
    // A step's store work ended (error empty on success).
    void stepFinished(int page, const QString &error);

private:
    QWizardPage *buildAdminPage();
    QWizardPage *buildWorkspacePage();
    QWizardPage *buildKeyPage();
    QWizardPage *buildCommandPage();
    // Fields and Next/Back locked while a step runs.
    void setBusy(bool busy, QLabel *status);
    void stepDone(int page, QLabel *status, const QString &error);

    bool createAdmin();
    bool createWorkspace();
    bool issueKey();

    ModelContext m_ctx;
    std::function<QString()> m_address;
    bool m_busy = false;
    bool m_done[3] = {false, false, false};
    QString m_adminId, m_workspaceId, m_projectId, m_secret;

    QLineEdit *m_email = nullptr;
    QLineEdit *m_name = nullptr;
    QLineEdit *m_password = nullptr;
    QLineEdit *m_password2 = nullptr;
    QLabel *m_adminStatus = nullptr;
    QLineEdit *m_workspace = nullptr;
    QLineEdit *m_project = nullptr;
    QLabel *m_workspaceStatus = nullptr;
    QLineEdit *m_keyName = nullptr;
    QLabel *m_keyStatus = nullptr;
    QPlainTextEdit *m_command = nullptr;
    QPointer<ShownOnceDialog> m_shownOnce;
};

} // namespace wfx::ui
