// SPDX-License-Identifier: Apache-2.0
#include "ui/workspaces/WorkspacesPanel.h"

#include "models/workspaces/WorkspaceService.h"
#include "ui/common/AllUsers.h"
#include "ui/common/CollectAll.h"
#include "ui/common/Confirm.h"
#include "ui/common/ErrorText.h"
#include "ui/common/Heading.h"
#include "ui/common/PanelButton.h"
#include "ui/common/ShortTime.h"
#include "ui/common/TextRowsModel.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTreeView>
#include <QVBoxLayout>

#include <optional>

using namespace Qt::StringLiterals;

namespace wfx::ui {

namespace {

struct Directory
{
    QList<Workspace> workspaces;
    QList<User> users;
    std::optional<Error> error;
};

struct Details
{
    QString workspaceId;
    QList<Project> projects;
    QList<Member> members;
    QList<Invitation> invitations;
    std::optional<Error> error;
};

QString roleText(const QString &role)
{
    if (role == QLatin1String("owner"))
        return WorkspacesPanel::tr("Owner");
    if (role == QLatin1String("admin"))
        return WorkspacesPanel::tr("Admin");
    if (role == QLatin1String("member"))
        return WorkspacesPanel::tr("Member");
    if (role == QLatin1String("viewer"))
        return WorkspacesPanel::tr("Viewer");
    return role;
}

QString invitationStateText(const QString &state)
{
    if (state == QLatin1String("pending"))
        return WorkspacesPanel::tr("Pending");
    if (state == QLatin1String("accepted"))
        return WorkspacesPanel::tr("Accepted");
    if (state == QLatin1String("revoked"))
        return WorkspacesPanel::tr("Revoked");
    if (state == QLatin1String("expired"))
        return WorkspacesPanel::tr("Expired");
    return state;
}

} // namespace

WorkspacesPanel::~WorkspacesPanel()
{
    m_actions.waitForAll();
}

WorkspacesPanel::WorkspacesPanel(ModelContext ctx, Actor actor, QWidget *parent)
    : StorePanel(std::move(ctx), std::move(actor), parent),
      m_actions(this, [this](const QString &text) { m_status->setText(text); })
{
    setAccessibleName(tr("Workspaces"));
    auto *layout = new QVBoxLayout(this);
    auto *title = heading(tr("Workspaces"), this);
    layout->addWidget(title);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setChildrenCollapsible(false);

    // Left: the workspaces, and what to do with them.
    auto *left = new QWidget(splitter);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    m_workspaces = newTextRowsView(left, {tr("Name"), tr("Plan"), tr("Created")},
                                   u"workspaceList"_s, tr("Workspaces list"));
    leftLayout->addWidget(m_workspaces, 1);
    auto *wsForm = new QFormLayout;
    m_wsName = new QLineEdit(left);
    m_wsName->setObjectName(QStringLiteral("workspaceName"));
    m_wsName->setAccessibleName(tr("Workspace name"));
    m_wsName->setPlaceholderText(tr("Name for a new or the selected workspace"));
    m_owner = new QComboBox(left);
    m_owner->setObjectName(QStringLiteral("workspaceOwner"));
    m_owner->setAccessibleName(tr("Owner of a new workspace"));
    m_owner->setToolTip(tr("A workspace belongs to a person: the new workspace "
                           "is created as this user"));
    auto *nameLabel = new QLabel(tr("&Name:"), left);
    nameLabel->setBuddy(m_wsName);
    auto *ownerLabel = new QLabel(tr("O&wner:"), left);
    ownerLabel->setBuddy(m_owner);
    wsForm->addRow(nameLabel, m_wsName);
    wsForm->addRow(ownerLabel, m_owner);
    leftLayout->addLayout(wsForm);
    auto *wsButtons = new QHBoxLayout;
    auto *wsCreate = panelButton(left, tr("&Create"), u"createWorkspace"_s, this,
                                 &WorkspacesPanel::createWorkspace);
    auto *wsRename = panelButton(left, tr("Re&name"), u"renameWorkspace"_s, this,
                                 &WorkspacesPanel::renameWorkspace);
    auto *wsDelete = panelButton(left, tr("&Delete…"), u"deleteWorkspace"_s, this,
                                 &WorkspacesPanel::deleteWorkspace);
    wsButtons->addWidget(wsCreate);
    wsButtons->addWidget(wsRename);
    wsButtons->addWidget(wsDelete);
    wsButtons->addStretch(1);
    leftLayout->addLayout(wsButtons);

    // Right: the selected workspace.
    auto *right = new QWidget(splitter);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    m_detailsTitle = new QLabel(right);
    m_detailsTitle->setObjectName(QStringLiteral("detailsTitle"));
    QFont df = m_detailsTitle->font();
    df.setBold(true);
    m_detailsTitle->setFont(df);
    rightLayout->addWidget(m_detailsTitle);
    m_tabs = new QTabWidget(right);
    m_tabs->setObjectName(QStringLiteral("workspaceTabs"));
    m_tabs->setAccessibleName(tr("Selected workspace"));
    rightLayout->addWidget(m_tabs, 1);
    m_forWorkspace.add({wsRename, wsDelete, m_tabs});

    // Projects.
    auto *projectsTab = new QWidget(m_tabs);
    auto *pl = new QVBoxLayout(projectsTab);
    m_projects = newTextRowsView(projectsTab, {tr("Project"), tr("Created")}, u"projectList"_s,
                                 tr("Projects list"));
    pl->addWidget(m_projects, 1);
    auto *prow = new QHBoxLayout;
    m_projectName = new QLineEdit(projectsTab);
    m_projectName->setObjectName(QStringLiteral("projectName"));
    m_projectName->setAccessibleName(tr("Project name"));
    m_projectName->setPlaceholderText(tr("Project name"));
    prow->addWidget(m_projectName, 1);
    prow->addWidget(panelButton(projectsTab, tr("Create &project"), u"createProject"_s, this,
                                &WorkspacesPanel::createProject));
    prow->addWidget(panelButton(projectsTab, tr("Rename project"), u"renameProject"_s, this,
                                &WorkspacesPanel::renameProject));
    prow->addWidget(panelButton(projectsTab, tr("Delete project…"), u"deleteProject"_s, this,
                                &WorkspacesPanel::deleteProject));
    pl->addLayout(prow);
    m_tabs->addTab(projectsTab, tr("Projects"));

    // Members.
    auto *membersTab = new QWidget(m_tabs);
    auto *ml = new QVBoxLayout(membersTab);
    m_members = newTextRowsView(membersTab, {tr("Email"), tr("Role"), tr("Member since")},
                                u"memberList"_s, tr("Members list"));
    ml->addWidget(m_members, 1);
    auto *mrow = new QHBoxLayout;
    m_memberRole = new QComboBox(membersTab);
    m_memberRole->setObjectName(QStringLiteral("memberRole"));
    m_memberRole->setAccessibleName(tr("New role for the selected member"));
    for (const char *r : {"admin", "member", "viewer"})
        m_memberRole->addItem(roleText(QString::fromLatin1(r)), QString::fromLatin1(r));
    auto *transfer = panelButton(membersTab, tr("&Transfer ownership…"), u"transferOwnership"_s,
                                 this, &WorkspacesPanel::transferOwnership);
    transfer->setToolTip(tr("Make the selected member the owner; the current "
                            "owner becomes an admin"));
    mrow->addWidget(m_memberRole);
    mrow->addWidget(panelButton(membersTab, tr("Change &role"), u"changeRole"_s, this,
                                &WorkspacesPanel::changeRole));
    mrow->addWidget(panelButton(membersTab, tr("Remove member…"), u"removeMember"_s, this,
                                &WorkspacesPanel::removeMember));
    mrow->addStretch(1);
    mrow->addWidget(transfer);
    ml->addLayout(mrow);
    m_tabs->addTab(membersTab, tr("Members"));

    // Invitations.
    auto *invTab = new QWidget(m_tabs);
    auto *il = new QVBoxLayout(invTab);
    m_invitations = newTextRowsView(invTab, {tr("Email"), tr("Role"), tr("State"), tr("Expires")},
                                    u"invitationList"_s, tr("Invitations list"));
    il->addWidget(m_invitations, 1);
    auto *irow = new QHBoxLayout;
    m_inviteEmail = new QLineEdit(invTab);
    m_inviteEmail->setObjectName(QStringLiteral("inviteEmail"));
    m_inviteEmail->setAccessibleName(tr("Email to invite"));
    m_inviteEmail->setPlaceholderText(tr("name@example.com"));
    m_inviteRole = new QComboBox(invTab);
    m_inviteRole->setObjectName(QStringLiteral("inviteRole"));
    m_inviteRole->setAccessibleName(tr("Role of the invited person"));
    for (const char *r : {"member", "viewer", "admin"})
        m_inviteRole->addItem(roleText(QString::fromLatin1(r)), QString::fromLatin1(r));
    irow->addWidget(m_inviteEmail, 1);
    irow->addWidget(m_inviteRole);
    irow->addWidget(
        panelButton(invTab, tr("&Invite"), u"invite"_s, this, &WorkspacesPanel::invite));
    irow->addWidget(panelButton(invTab, tr("Re&voke…"), u"revokeInvitation"_s, this,
                                &WorkspacesPanel::revokeInvitation));
    il->addLayout(irow);
    m_tokenBox = new QWidget(invTab);
    m_tokenBox->setObjectName(QStringLiteral("invitationTokenBox"));
    auto *trow = new QHBoxLayout(m_tokenBox);
    trow->setContentsMargins(0, 0, 0, 0);
    trow->addWidget(
        new QLabel(tr("Send this token to the invited person; it is shown only now:"), m_tokenBox));
    m_token = new QLineEdit(m_tokenBox);
    m_token->setObjectName(QStringLiteral("invitationToken"));
    m_token->setAccessibleName(tr("Invitation token, shown once"));
    m_token->setReadOnly(true);
    trow->addWidget(m_token, 1);
    trow->addWidget(panelButton(m_tokenBox, tr("&Copy"), u"copyInvitationToken"_s, this, [this] {
        QApplication::clipboard()->setText(m_token->text());
        m_actions.show(tr("Invitation token copied."));
    }));
    m_tokenBox->hide();
    il->addWidget(m_tokenBox);
    m_tabs->addTab(invTab, tr("Invitations"));

    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setSizes({420, 600});
    layout->addWidget(splitter, 1);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("workspacesStatus"));
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    connect(m_workspaces->selectionModel(), &QItemSelectionModel::currentChanged, this, [this] {
        if (!m_refilling)
            onWorkspaceSelected();
    });
    connect(m_projects->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) {
                if (current.isValid())
                    m_projectName->setText(currentRowText(m_projects));
            });
    connect(m_members->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) {
                if (!current.isValid())
                    return;
                const QString role = textRows(m_members)->rowAt(current.row()).values.value(0);
                if (const int i = m_memberRole->findData(role); i >= 0)
                    m_memberRole->setCurrentIndex(i);
            });
    connect(m_inviteEmail, &QLineEdit::returnPressed, this, &WorkspacesPanel::invite);

    reloadOnChange(
        {u"workspace"_s, u"project"_s, u"member"_s, u"invitation"_s, u"user"_s, u"billing"_s},
        [this] { reloadAll(); });
    onWorkspaceSelected();
    reloadWorkspaces();
}

QString WorkspacesPanel::selectedWorkspaceId() const
{
    return currentRowId(m_workspaces);
}

bool WorkspacesPanel::selectWorkspace(const QString &id)
{
    return setCurrentRowId(m_workspaces, id);
}

QString WorkspacesPanel::shownInvitationToken() const
{
    return m_tokenBox->isHidden() ? QString() : m_token->text();
}

void WorkspacesPanel::reloadAll()
{
    reloadWorkspaces();
}

void WorkspacesPanel::reloadWorkspaces()
{
    m_actions.run(
        [ctx = m_ctx, actor = m_actor] {
            Directory dir;
            WorkspaceService ws(ctx);
            auto all =
                collectAll([&](const QString &c) { return ws.list(actor, kCollectAllPage, c); });
            if (!all) {
                dir.error = all.error();
                return dir;
            }
            dir.workspaces = *all;
            if (auto users = allUsersByEmail(ctx, actor))
                dir.users = *users;
            return dir;
        },
        [this](const Directory &dir) {
            if (dir.error) {
                m_actions.show(ErrorText::failure(tr("Cannot list workspaces"), *dir.error));
                return;
            }
            const QString keep =
                m_pendingSelect.isEmpty() ? selectedWorkspaceId() : m_pendingSelect;
            m_pendingSelect.clear();
            const QString keepOwner = m_owner->currentData().toString();
            QHash<QString, QString> emails;
            for (const User &u : dir.users)
                emails.insert(u.id, u.email);
            QList<TextRowsModel::Row> rows;
            for (const Workspace &w : dir.workspaces)
                rows.append({w.id,
                             {w.name, w.plan, shortTime(w.createdAt)},
                             {},
                             {{0, tr("Owner: %1").arg(emails.value(w.ownerId, w.ownerId))}},
                             {}});
            m_refilling = true;
            textRows(m_workspaces)->setRows(std::move(rows));
            m_refilling = false;
            m_owner->clear();
            for (const User &u : dir.users)
                m_owner->addItem(
                    u.displayName.isEmpty() ? u.email : tr("%1 <%2>").arg(u.displayName, u.email),
                    u.id);
            if (const int i = m_owner->findData(keepOwner); i >= 0)
                m_owner->setCurrentIndex(i);
            const QString before = m_shownWorkspace;
            m_refilling = true;
            const bool found = !keep.isEmpty() && selectWorkspace(keep);
            m_refilling = false;
            if (found && keep == before)
                reloadDetails(); // same workspace: refresh its lists, keep the shown token
            else
                onWorkspaceSelected();
        });
}

void WorkspacesPanel::onWorkspaceSelected()
{
    const QString id = selectedWorkspaceId();
    const bool has = !id.isEmpty();
    m_forWorkspace.setEnabled(has);
    m_shownWorkspace = id;
    m_tokenBox->hide();
    m_token->clear();
    if (!has) {
        m_detailsTitle->setText(
            tr("Select a workspace to see its projects, members and invitations."));
        for (QTreeView *list : {m_projects, m_members, m_invitations})
            textRows(list)->setRows({});
        return;
    }
    m_wsName->setText(currentRowText(m_workspaces));
    m_detailsTitle->setText(currentRowText(m_workspaces));
    reloadDetails();
}

void WorkspacesPanel::reloadDetails()
{
    const QString id = selectedWorkspaceId();
    if (id.isEmpty())
        return;
    m_actions.run(
        [ctx = m_ctx, actor = m_actor, id] {
            Details d;
            d.workspaceId = id;
            WorkspaceService ws(ctx);
            auto projects = collectAll(
                [&](const QString &c) { return ws.listProjects(actor, id, kCollectAllPage, c); });
            auto members = ws.members(actor, id);
            auto invitations = collectAll(
                [&](const QString &c) { return ws.invitations(actor, id, kCollectAllPage, c); });
            if (!projects || !members || !invitations) {
                d.error = !projects  ? projects.error()
                          : !members ? members.error()
                                     : invitations.error();
                return d;
            }
            d.projects = *projects;
            d.members = *members;
            d.invitations = *invitations;
            return d;
        },
        [this](const Details &d) {
            if (d.workspaceId != selectedWorkspaceId())
                return; // the selection moved on
            if (d.error) {
                m_actions.show(ErrorText::failure(tr("Cannot load the workspace"), *d.error));
                return;
            }
            auto refill = [](QTreeView *list, QList<TextRowsModel::Row> rows) {
                const QString keep = currentRowId(list);
                textRows(list)->setRows(std::move(rows));
                setCurrentRowId(list, keep);
            };
            QList<TextRowsModel::Row> projects, members, invitations;
            for (const Project &p : d.projects)
                projects.append({p.id, {p.name, shortTime(p.createdAt)}, {}, {}, {}});
            for (const Member &m : d.members)
                members.append({m.userId,
                                {m.email, roleText(m.role), shortTime(m.createdAt)},
                                {m.role},
                                {},
                                {}});
            for (const Invitation &inv : d.invitations)
                invitations.append({inv.id,
                                    {inv.email, roleText(inv.role), invitationStateText(inv.state),
                                     shortTime(inv.expiresAt)},
                                    {inv.state},
                                    {},
                                    {}});
            refill(m_projects, std::move(projects));
            refill(m_members, std::move(members));
            refill(m_invitations, std::move(invitations));
            m_tabs->setTabText(0, tr("Projects (%1)").arg(d.projects.size()));
            m_tabs->setTabText(1, tr("Members (%1)").arg(d.members.size()));
            m_tabs->setTabText(2, tr("Invitations (%1)").arg(d.invitations.size()));
        });
}

void WorkspacesPanel::createWorkspace()
{
    const QString name = m_wsName->text();
    const QString ownerId = m_owner->currentData().toString();
    if (ownerId.isEmpty()) {
        m_actions.show(tr("Choose the owner of the new workspace."));
        return;
    }
    m_actions.act([ctx = m_ctx, name,
                   ownerId] { return WorkspaceService(ctx).create(Actor::user(ownerId), name); },
                  tr("Cannot create the workspace"),
                  [this](const Workspace &w) {
                      m_pendingSelect = w.id; // selected once the list has it
                      return tr("Created workspace “%1”.").arg(w.name);
                  },
                  [this] { reloadWorkspaces(); });
}

void WorkspacesPanel::renameWorkspace()
{
    const QString id = selectedWorkspaceId();
    const QString name = m_wsName->text();
    if (id.isEmpty())
        return;
    m_actions.act(
        [ctx = m_ctx, actor = m_actor, id, name] {
            return WorkspaceService(ctx).rename(actor, id, name);
        },
        tr("Cannot rename the workspace"),
        [](const Workspace &w) { return tr("Renamed the workspace to “%1”.").arg(w.name); },
        [this] { reloadWorkspaces(); });
}

void WorkspacesPanel::deleteWorkspace()
{
    const QString id = selectedWorkspaceId();
    if (id.isEmpty())
        return;
    const QString name = currentRowText(m_workspaces);
    m_actions.run(
        [ctx = m_ctx, actor = m_actor, id] { return WorkspaceService(ctx).contents(actor, id); },
        [this, id, name](const Result<WorkspaceContents> &c) {
            if (!c) {
                m_actions.show(ErrorText::failure(tr("Cannot delete the workspace"), c.error()));
                return;
            }
            const QString text = tr("Delete the workspace “%1”? Its %2 and %3 go with it, with "
                                    "their metrics, logs and "
                                    "artifacts. This cannot be undone.")
                                     .arg(name, tr("%n project(s)", nullptr, int(c->projects)),
                                          tr("%n run(s)", nullptr, int(c->runs)));
            if (!Confirm::ask(this, tr("Delete workspace"), text, tr("Delete workspace")))
                return;
            m_actions.act([ctx = m_ctx, actor = m_actor,
                           id] { return WorkspaceService(ctx).remove(actor, id); },
                          tr("Cannot delete the workspace"),
                          [name] { return tr("Deleted the workspace “%1”.").arg(name); },
                          [this] { reloadWorkspaces(); });
        });
}

void WorkspacesPanel::createProject()
{
    const QString ws = selectedWorkspaceId();
    const QString name = m_projectName->text();
    if (ws.isEmpty())
        return;
    m_actions.act([ctx = m_ctx, actor = m_actor, ws,
                   name] { return WorkspaceService(ctx).createProject(actor, ws, name); },
                  tr("Cannot create the project"),
                  [this](const Project &p) {
                      m_projectName->clear();
                      return tr("Created project “%1”.").arg(p.name);
                  },
                  [this] { reloadDetails(); });
}

void WorkspacesPanel::renameProject()
{
    const QString id = currentRowId(m_projects);
    const QString name = m_projectName->text();
    if (id.isEmpty()) {
        m_actions.show(tr("Select a project to rename."));
        return;
    }
    m_actions.act([ctx = m_ctx, actor = m_actor, id,
                   name] { return WorkspaceService(ctx).renameProject(actor, id, name); },
                  tr("Cannot rename the project"),
                  [](const Project &p) { return tr("Renamed the project to “%1”.").arg(p.name); },
                  [this] { reloadDetails(); });
}

void WorkspacesPanel::deleteProject()
{
    const QString id = currentRowId(m_projects);
    if (id.isEmpty()) {
        m_actions.show(tr("Select a project to delete."));
        return;
    }
    const QString name = currentRowText(m_projects);
    if (!Confirm::ask(this, tr("Delete project"),
                      tr("Delete the project “%1” and all of its runs? This "
                         "cannot be undone.")
                          .arg(name),
                      tr("Delete project")))
        return;
    m_actions.act([ctx = m_ctx, actor = m_actor,
                   id] { return WorkspaceService(ctx).removeProject(actor, id); },
                  tr("Cannot delete the project"),
                  [name] { return tr("Deleted the project “%1”.").arg(name); },
                  [this] { reloadDetails(); });
}

void WorkspacesPanel::changeRole()
{
    const QString ws = selectedWorkspaceId();
    const QString user = currentRowId(m_members);
    const QString role = m_memberRole->currentData().toString();
    if (user.isEmpty()) {
        m_actions.show(tr("Select a member first."));
        return;
    }
    m_actions.act([ctx = m_ctx, actor = m_actor, ws, user,
                   role] { return WorkspaceService(ctx).setMemberRole(actor, ws, user, role); },
                  tr("Cannot change the role"),
                  [role] { return tr("Role changed to %1.").arg(roleText(role)); },
                  [this] { reloadDetails(); });
}

void WorkspacesPanel::removeMember()
{
    const QString ws = selectedWorkspaceId();
    const QString user = currentRowId(m_members);
    if (user.isEmpty()) {
        m_actions.show(tr("Select a member first."));
        return;
    }
    const QString email = currentRowText(m_members);
    if (!Confirm::ask(this, tr("Remove member"),
                      tr("Remove %1 from the workspace “%2”? They lose access at once.")
                          .arg(email, currentRowText(m_workspaces)),
                      tr("Remove member")))
        return;
    m_actions.act([ctx = m_ctx, actor = m_actor, ws,
                   user] { return WorkspaceService(ctx).removeMember(actor, ws, user); },
                  tr("Cannot remove the member"), [email] { return tr("Removed %1.").arg(email); },
                  [this] { reloadDetails(); });
}

void WorkspacesPanel::transferOwnership()
{
    const QString ws = selectedWorkspaceId();
    const QString user = currentRowId(m_members);
    if (user.isEmpty()) {
        m_actions.show(tr("Select the member who becomes the owner."));
        return;
    }
    const QString email = currentRowText(m_members);
    if (!Confirm::ask(this, tr("Transfer ownership"),
                      tr("Make %1 the owner of “%2”? The current owner becomes an admin.")
                          .arg(email, currentRowText(m_workspaces)),
                      tr("Transfer ownership")))
        return;
    m_actions.act(
        [ctx = m_ctx, actor = m_actor, ws, user] {
            return WorkspaceService(ctx).transferOwnership(actor, ws, user);
        },
        tr("Cannot transfer ownership"),
        [email](const Workspace &) { return tr("%1 now owns the workspace.").arg(email); },
        [this] { reloadWorkspaces(); });
}

void WorkspacesPanel::invite()
{
    const QString ws = selectedWorkspaceId();
    const QString email = m_inviteEmail->text();
    const QString role = m_inviteRole->currentData().toString();
    if (ws.isEmpty())
        return;
    m_actions.act([ctx = m_ctx, actor = m_actor, ws, email,
                   role] { return WorkspaceService(ctx).invite(actor, ws, email, role); },
                  tr("Cannot invite"),
                  [this](const IssuedInvitation &issued) {
                      m_inviteEmail->clear();
                      m_token->setText(issued.token);
                      m_tokenBox->show();
                      m_token->setFocus();
                      m_token->selectAll();
                      return tr("Invited %1.").arg(issued.invitation.email);
                  },
                  [this] { reloadDetails(); });
}

void WorkspacesPanel::revokeInvitation()
{
    const QString ws = selectedWorkspaceId();
    const QString id = currentRowId(m_invitations);
    if (id.isEmpty()) {
        m_actions.show(tr("Select an invitation first."));
        return;
    }
    const QString email = currentRowText(m_invitations);
    if (!Confirm::ask(this, tr("Revoke invitation"),
                      tr("Revoke the invitation for %1? Its token stops working.").arg(email),
                      tr("Revoke invitation")))
        return;
    m_actions.act([ctx = m_ctx, actor = m_actor, ws,
                   id] { return WorkspaceService(ctx).revokeInvitation(actor, ws, id); },
                  tr("Cannot revoke the invitation"),
                  [email] { return tr("Revoked the invitation for %1.").arg(email); },
                  [this] { reloadDetails(); });
}

} // namespace wfx::ui
