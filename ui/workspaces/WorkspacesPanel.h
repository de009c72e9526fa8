// SPDX-License-Identifier: Apache-2.0
// Workspaces: every workspace on the instance; create (for an owner), rename,
// delete; and for the selected one its projects, members and roles,
// invitations (the link shown once) and ownership transfer. Store work runs on
// the thread pool; the change bus keeps the lists live.
#pragma once

#include "ui/common/PanelActions.h"
#include "ui/common/StorePanel.h"
#include "ui/common/WidgetGroup.h"

#include <QFutureWatcher>
#include <QPointer>

class QComboBox;
class QLabel;
class QLineEdit;
class QTabWidget;
class QTreeView;

namespace wfx::ui {

class WorkspacesPanel : public StorePanel
{
    Q_OBJECT
public:
    WorkspacesPanel(ModelContext ctx, Actor actor, QWidget *parent = nullptr);
    ~WorkspacesPanel() override;

    // True while store work started by the panel is still running (tests wait on it).
    bool isBusy() const { return m_actions.busy(); }
    QTreeView *workspaceList() const { return m_workspaces; }
    QString selectedWorkspaceId() const;
    // Selects the workspace with that id (false when it is not listed).
    bool selectWorkspace(const QString &id);
    // The invitation link or token shown once after inviting; empty otherwise.
    QString shownInvitationToken() const;

private:
    void reloadAll();
    void reloadWorkspaces();
    void reloadDetails();
    void onWorkspaceSelected();
    void createWorkspace();
    void renameWorkspace();
    void deleteWorkspace();
    void createProject();
    void renameProject();
    void deleteProject();
    void changeRole();
    void removeMember();
    void transferOwnership();
    void invite();
    void revokeInvitation();

    QString m_shownWorkspace; // whose details the tabs show
    QString m_pendingSelect;  // a workspace just created: selected on the next reload
    bool m_refilling = false; // the workspace list is being refilled: not a selection

    QTreeView *m_workspaces = nullptr;
    QLineEdit *m_wsName = nullptr;
    QComboBox *m_owner = nullptr;
    WidgetGroup m_forWorkspace; // rename, delete and the details: only with one selected

    QLabel *m_detailsTitle = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTreeView *m_projects = nullptr;
    QLineEdit *m_projectName = nullptr;

    QTreeView *m_members = nullptr;
    QComboBox *m_memberRole = nullptr;

    QTreeView *m_invitations = nullptr;
    QLineEdit *m_inviteEmail = nullptr;
    QComboBox *m_inviteRole = nullptr;
    QWidget *m_tokenBox = nullptr;
    QLineEdit *m_token = nullptr;

    QLabel *m_status = nullptr;
    PanelActions m_actions; // reports in m_status; waited for on destruction
};

} // namespace wfx::ui
