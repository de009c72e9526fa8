// SPDX-License-Identifier: Apache-2.0
#include "ui/workspaces/WorkspacesPanel.h"

#include "models/events/ChangeBus.h"
#include "models/workspaces/WorkspaceService.h"
#include "ui/common/AllUsers.h"
#include "ui/common/Async.h"
#include "ui/common/Confirm.h"
#include "ui/common/Heading.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDateTime>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace wfx::ui {

namespace {

constexpr int kIdRole = Qt::UserRole + 1;
constexpr int kExtraRole = Qt::UserRole + 2;

// Every page of a keyset list (these lists are short).
template <typename T, typename Fetch> Result<QList<T>> collectAll(Fetch fetch)
{
    QList<T> out;
    QString cursor;
    do {
        auto page = fetch(cursor);
        if (!page)
            return page.error();
        out.append(page->items);
        cursor = page->nextCursor;
    } while (!cursor.isEmpty() && out.size() < 100000);
    return out;
}

struct Directory
{
    QList<Workspace> workspaces;
    QList<User> users;
    QString error;
};

struct Details
{
    QString workspaceId;
    QList<Project> projects;
    QList<Member> members;
    QList<Invitation> invitations;
    QString error;
};

QString when(qint64 ms)
{
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(ms), QLocale::ShortFormat);
}

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

QTreeWidget *makeList(QWidget *parent, const QString &objectName, const QString &accessibleName,
                      const QStringList &headers)
{
    auto *t = new QTreeWidget(parent);
    t->setObjectName(objectName);
    t->setAccessibleName(accessibleName);
    t->setHeaderLabels(headers);
    t->setRootIsDecorated(false);
    t->setUniformRowHeights(true);
    t->setAlternatingRowColors(true);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    t->header()->setStretchLastSection(false);
    t->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int i = 1; i < headers.size(); ++i)
        t->header()->setSectionResizeMode(i, QHeaderView::ResizeToContents);
    return t;
}

QPushButton *makeButton(QWidget *parent, const QString &text, const QString &objectName)
{
    auto *b = new QPushButton(text, parent);
    b->setObjectName(objectName);
    return b;
}

QString selectedId(const QTreeWidget *t)
{
    const QTreeWidgetItem *item = t->currentItem();
    return item ? item->data(0, kIdRole).toString() : QString();
}

} // namespace

WorkspacesPanel::~WorkspacesPanel()
{
    m_jobs.waitForAll();
}

WorkspacesPanel::WorkspacesPanel(ModelContext ctx, Actor actor, QWidget *parent)
    : QWidget(parent), m_ctx(std::move(ctx)), m_actor(std::move(actor))
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
    m_workspaces = makeList(left, QStringLiteral("workspaceList"), tr("Workspaces list"),
                            {tr("Name"), tr("Plan"), tr("Created")});
    leftLayout->addWidget(m_workspaces, 1);
    auto *wsForm = new QFormLayout;
    m_wsName = new QLineEdit(left);
    m_wsName->setObjectName(QStringLiteral("workspaceName"));
    m_wsName->setAccessibleName(tr("Workspace name"));
    m_wsName->setPlaceholderText(tr("Name for a new or the selected workspace"));
    m_owner = new QComboBox(left);
    m_owner->setObjectName(QStringLiteral("workspaceOwner"));
    m_owner->setAccessibleName(tr("Owner of a new workspace"));
    m_owner->setToolTip(
        tr("A workspace belongs to a person: the new workspace is created as this user"));
    auto *nameLabel = new QLabel(tr("&Name:"), left);
    nameLabel->setBuddy(m_wsName);
    auto *ownerLabel = new QLabel(tr("O&wner:"), left);
    ownerLabel->setBuddy(m_owner);
    wsForm->addRow(nameLabel, m_wsName);
    wsForm->addRow(ownerLabel, m_owner);
    leftLayout->addLayout(wsForm);
    auto *wsButtons = new QHBoxLayout;
    m_wsCreate = makeButton(left, tr("&Create"), QStringLiteral("createWorkspace"));
    m_wsRename = makeButton(left, tr("Re&name"), QStringLiteral("renameWorkspace"));
    m_wsDelete = makeButton(left, tr("&Delete…"), QStringLiteral("deleteWorkspace"));
    wsButtons->addWidget(m_wsCreate);
    wsButtons->addWidget(m_wsRename);
    wsButtons->addWidget(m_wsDelete);
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

    // Projects.
    auto *projectsTab = new QWidget(m_tabs);
    auto *pl = new QVBoxLayout(projectsTab);
    m_projects = makeList(projectsTab, QStringLiteral("projectList"), tr("Projects list"),
                          {tr("Project"), tr("Created")});
    pl->addWidget(m_projects, 1);
    auto *prow = new QHBoxLayout;
    m_projectName = new QLineEdit(projectsTab);
    m_projectName->setObjectName(QStringLiteral("projectName"));
    m_projectName->setAccessibleName(tr("Project name"));
    m_projectName->setPlaceholderText(tr("Project name"));
    m_projectCreate =
        makeButton(projectsTab, tr("Create &project"), QStringLiteral("createProject"));
    m_projectRename =
        makeButton(projectsTab, tr("Rename project"), QStringLiteral("renameProject"));
    m_projectDelete =
        makeButton(projectsTab, tr("Delete project…"), QStringLiteral("deleteProject"));
    prow->addWidget(m_projectName, 1);
    prow->addWidget(m_projectCreate);
    prow->addWidget(m_projectRename);
    prow->addWidget(m_projectDelete);
    pl->addLayout(prow);
    m_tabs->addTab(projectsTab, tr("Projects"));

    // Members.
    auto *membersTab = new QWidget(m_tabs);
    auto *ml = new QVBoxLayout(membersTab);
    m_members = makeList(membersTab, QStringLiteral("memberList"), tr("Members list"),
                         {tr("Email"), tr("Role"), tr("Member since")});
    ml->addWidget(m_members, 1);
    auto *mrow = new QHBoxLayout;
    m_memberRole = new QComboBox(membersTab);
    m_memberRole->setObjectName(QStringLiteral("memberRole"));
    m_memberRole->setAccessibleName(tr("New role for the selected member"));
    for (const char *r : {"admin", "member", "viewer"})
        m_memberRole->addItem(roleText(QString::fromLatin1(r)), QString::fromLatin1(r));
    m_roleChange = makeButton(membersTab, tr("Change &role"), QStringLiteral("changeRole"));
    m_memberRemove = makeButton(membersTab, tr("Remove member…"), QStringLiteral("removeMember"));
    m_transfer =
        makeButton(membersTab, tr("&Transfer ownership…"), QStringLiteral("transferOwnership"));
    m_transfer->setToolTip(
        tr("Make the selected member the owner; the current owner becomes an admin"));
    mrow->addWidget(m_memberRole);
    mrow->addWidget(m_roleChange);
    mrow->addWidget(m_memberRemove);
    mrow->addStretch(1);
    mrow->addWidget(m_transfer);
    ml->addLayout(mrow);
    m_tabs->addTab(membersTab, tr("Members"));

    // Invitations.
    auto *invTab = new QWidget(m_tabs);
    auto *il = new QVBoxLayout(invTab);
    m_invitations = makeList(invTab, QStringLiteral("invitationList"), tr("Invitations list"),
                             {tr("Email"), tr("Role"), tr("State"), tr("Expires")});
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
    m_inviteButton = makeButton(invTab, tr("&Invite"), QStringLiteral("invite"));
    m_revoke = makeButton(invTab, tr("Re&voke…"), QStringLiteral("revokeInvitation"));
    irow->addWidget(m_inviteEmail, 1);
    irow->addWidget(m_inviteRole);
    irow->addWidget(m_inviteButton);
    irow->addWidget(m_revoke);
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
    auto *copy = makeButton(m_tokenBox, tr("&Copy"), QStringLiteral("copyInvitationToken"));
    trow->addWidget(m_token, 1);
    trow->addWidget(copy);
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

    connect(m_workspaces, &QTreeWidget::currentItemChanged, this,
            &WorkspacesPanel::onWorkspaceSelected);
    connect(m_wsCreate, &QPushButton::clicked, this, &WorkspacesPanel::createWorkspace);
    connect(m_wsRename, &QPushButton::clicked, this, &WorkspacesPanel::renameWorkspace);
    connect(m_wsDelete, &QPushButton::clicked, this, &WorkspacesPanel::deleteWorkspace);
    connect(m_projectCreate, &QPushButton::clicked, this, &WorkspacesPanel::createProject);
    connect(m_projectRename, &QPushButton::clicked, this, &WorkspacesPanel::renameProject);
    connect(m_projectDelete, &QPushButton::clicked, this, &WorkspacesPanel::deleteProject);
    connect(m_projects, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem *item) {
        if (item)
            m_projectName->setText(item->text(0));
    });
    connect(m_roleChange, &QPushButton::clicked, this, &WorkspacesPanel::changeRole);
    connect(m_memberRemove, &QPushButton::clicked, this, &WorkspacesPanel::removeMember);
    connect(m_transfer, &QPushButton::clicked, this, &WorkspacesPanel::transferOwnership);
    connect(m_members, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem *item) {
        if (item) {
            const int i = m_memberRole->findData(item->data(0, kExtraRole));
            if (i >= 0)
                m_memberRole->setCurrentIndex(i);
        }
    });
    connect(m_inviteButton, &QPushButton::clicked, this, &WorkspacesPanel::invite);
    connect(m_inviteEmail, &QLineEdit::returnPressed, this, &WorkspacesPanel::invite);
    connect(m_revoke, &QPushButton::clicked, this, &WorkspacesPanel::revokeInvitation);
    connect(copy, &QPushButton::clicked, this, [this] {
        QApplication::clipboard()->setText(m_token->text());
        showStatus(tr("Invitation token copied."));
    });

    m_liveTimer = new QTimer(this);
    m_liveTimer->setSingleShot(true);
    m_liveTimer->setInterval(kLiveDebounceMs);
    connect(m_liveTimer, &QTimer::timeout, this, &WorkspacesPanel::reloadAll);
    if (m_ctx.bus) {
        connect(m_ctx.bus, &ChangeBus::changed, this,
                [this](const QString &entity, const QString &, bool) {
                    static const QStringList watched{
                        QStringLiteral("workspace"), QStringLiteral("project"),
                        QStringLiteral("member"),    QStringLiteral("invitation"),
                        QStringLiteral("user"),      QStringLiteral("billing")};
                    if (watched.contains(entity))
                        m_liveTimer->start();
                });
    }
    onWorkspaceSelected();
    reloadWorkspaces();
}

QString WorkspacesPanel::selectedWorkspaceId() const
{
    return selectedId(m_workspaces);
}

bool WorkspacesPanel::selectWorkspace(const QString &id)
{
    for (int i = 0; i < m_workspaces->topLevelItemCount(); ++i) {
        if (m_workspaces->topLevelItem(i)->data(0, kIdRole).toString() == id) {
            m_workspaces->setCurrentItem(m_workspaces->topLevelItem(i));
            return true;
        }
    }
    return false;
}

QString WorkspacesPanel::shownInvitationToken() const
{
    return m_tokenBox->isHidden() ? QString() : m_token->text();
}

void WorkspacesPanel::showError(const QString &what, const QString &message)
{
    m_status->setText(tr("%1: %2").arg(what, message));
}

void WorkspacesPanel::showStatus(const QString &text)
{
    m_status->setText(text);
}

void WorkspacesPanel::reloadAll()
{
    reloadWorkspaces();
}

void WorkspacesPanel::reloadWorkspaces()
{
    m_jobs.run(
        [ctx = m_ctx, actor = m_actor] {
            Directory dir;
            WorkspaceService ws(ctx);
            auto all =
                collectAll<Workspace>([&](const QString &c) { return ws.list(actor, 200, c); });
            if (!all) {
                dir.error = all.error().message;
                return dir;
            }
            dir.workspaces = *all;
            if (auto users = allUsersByEmail(ctx, actor))
                dir.users = *users;
            return dir;
        },
        [this](const Directory &dir) {
            if (!dir.error.isEmpty()) {
                showError(tr("Cannot list workspaces"), dir.error);
                return;
            }
            const QString keep =
                m_pendingSelect.isEmpty() ? selectedWorkspaceId() : m_pendingSelect;
            m_pendingSelect.clear();
            const QString keepOwner = m_owner->currentData().toString();
            QHash<QString, QString> emails;
            for (const User &u : dir.users)
                emails.insert(u.id, u.email);
            m_workspaces->blockSignals(true);
            m_workspaces->clear();
            for (const Workspace &w : dir.workspaces) {
                auto *item = new QTreeWidgetItem(m_workspaces, {w.name, w.plan, when(w.createdAt)});
                item->setData(0, kIdRole, w.id);
                item->setData(0, kExtraRole, w.name);
                item->setToolTip(0, tr("Owner: %1").arg(emails.value(w.ownerId, w.ownerId)));
            }
            m_workspaces->blockSignals(false);
            m_owner->clear();
            for (const User &u : dir.users)
                m_owner->addItem(
                    u.displayName.isEmpty() ? u.email : tr("%1 <%2>").arg(u.displayName, u.email),
                    u.id);
            if (const int i = m_owner->findData(keepOwner); i >= 0)
                m_owner->setCurrentIndex(i);
            const QString before = m_shownWorkspace;
            m_workspaces->blockSignals(true);
            const bool found = !keep.isEmpty() && selectWorkspace(keep);
            m_workspaces->blockSignals(false);
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
    m_wsRename->setEnabled(has);
    m_wsDelete->setEnabled(has);
    m_tabs->setEnabled(has);
    m_shownWorkspace = id;
    m_tokenBox->hide();
    m_token->clear();
    if (!has) {
        m_detailsTitle->setText(
            tr("Select a workspace to see its projects, members and invitations."));
        m_projects->clear();
        m_members->clear();
        m_invitations->clear();
        return;
    }
    m_wsName->setText(m_workspaces->currentItem()->text(0));
    m_detailsTitle->setText(m_workspaces->currentItem()->text(0));
    reloadDetails();
}

void WorkspacesPanel::reloadDetails()
{
    const QString id = selectedWorkspaceId();
    if (id.isEmpty())
        return;
    m_jobs.run(
        [ctx = m_ctx, actor = m_actor, id] {
            Details d;
            d.workspaceId = id;
            WorkspaceService ws(ctx);
            auto projects = collectAll<Project>(
                [&](const QString &c) { return ws.listProjects(actor, id, 200, c); });
            auto members = ws.members(actor, id);
            auto invitations = collectAll<Invitation>(
                [&](const QString &c) { return ws.invitations(actor, id, 200, c); });
            if (!projects || !members || !invitations) {
                d.error = !projects  ? projects.error().message
                          : !members ? members.error().message
                                     : invitations.error().message;
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
            if (!d.error.isEmpty()) {
                showError(tr("Cannot load the workspace"), d.error);
                return;
            }
            const QString keepProject = selectedId(m_projects);
            const QString keepMember = selectedId(m_members);
            const QString keepInvitation = selectedId(m_invitations);
            auto refill = [](QTreeWidget *t, const QString &keep, auto fill) {
                t->clear();
                fill();
                for (int i = 0; i < t->topLevelItemCount(); ++i)
                    if (t->topLevelItem(i)->data(0, kIdRole).toString() == keep)
                        t->setCurrentItem(t->topLevelItem(i));
            };
            refill(m_projects, keepProject, [&] {
                for (const Project &p : d.projects) {
                    auto *item = new QTreeWidgetItem(m_projects, {p.name, when(p.createdAt)});
                    item->setData(0, kIdRole, p.id);
                }
            });
            refill(m_members, keepMember, [&] {
                for (const Member &m : d.members) {
                    auto *item = new QTreeWidgetItem(
                        m_members, {m.email, roleText(m.role), when(m.createdAt)});
                    item->setData(0, kIdRole, m.userId);
                    item->setData(0, kExtraRole, m.role);
                }
            });
            refill(m_invitations, keepInvitation, [&] {
                for (const Invitation &inv : d.invitations) {
                    auto *item = new QTreeWidgetItem(m_invitations, {inv.email, roleText(inv.role),
                                                                     invitationStateText(inv.state),
                                                                     when(inv.expiresAt)});
                    item->setData(0, kIdRole, inv.id);
                    item->setData(0, kExtraRole, inv.state);
                }
            });
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
        showStatus(tr("Choose the owner of the new workspace."));
        return;
    }
    m_jobs.run([ctx = m_ctx, name,
                ownerId] { return WorkspaceService(ctx).create(Actor::user(ownerId), name); },
               [this](const Result<Workspace> &r) {
                   if (!r) {
                       showError(tr("Cannot create the workspace"), r.error().message);
                       return;
                   }
                   showStatus(tr("Created workspace “%1”.").arg(r->name));
                   m_pendingSelect = r->id; // selected once the list has it
                   reloadWorkspaces();
               });
}

void WorkspacesPanel::renameWorkspace()
{
    const QString id = selectedWorkspaceId();
    const QString name = m_wsName->text();
    if (id.isEmpty())
        return;
    m_jobs.run([ctx = m_ctx, actor = m_actor, id,
                name] { return WorkspaceService(ctx).rename(actor, id, name); },
               [this](const Result<Workspace> &r) {
                   if (!r) {
                       showError(tr("Cannot rename the workspace"), r.error().message);
                       return;
                   }
                   showStatus(tr("Renamed the workspace to “%1”.").arg(r->name));
                   reloadWorkspaces();
               });
}

void WorkspacesPanel::deleteWorkspace()
{
    const QString id = selectedWorkspaceId();
    if (id.isEmpty())
        return;
    const QString name = m_workspaces->currentItem()->text(0);
    m_jobs.run(
        [ctx = m_ctx, actor = m_actor, id] { return WorkspaceService(ctx).contents(actor, id); },
        [this, id, name](const Result<WorkspaceContents> &c) {
            if (!c) {
                showError(tr("Cannot delete the workspace"), c.error().message);
                return;
            }
            const QString text = tr("Delete the workspace “%1”? Its %2 and %3 go with it, with "
                                    "their metrics, logs and "
                                    "artifacts. This cannot be undone.")
                                     .arg(name, tr("%n project(s)", nullptr, int(c->projects)),
                                          tr("%n run(s)", nullptr, int(c->runs)));
            if (!Confirm::ask(this, tr("Delete workspace"), text, tr("Delete workspace")))
                return;
            m_jobs.run([ctx = m_ctx, actor = m_actor,
                        id] { return WorkspaceService(ctx).remove(actor, id); },
                       [this, name](const Status &r) {
                           if (!r) {
                               showError(tr("Cannot delete the workspace"), r.error().message);
                               return;
                           }
                           showStatus(tr("Deleted the workspace “%1”.").arg(name));
                           reloadWorkspaces();
                       });
        });
}

void WorkspacesPanel::createProject()
{
    const QString ws = selectedWorkspaceId();
    const QString name = m_projectName->text();
    if (ws.isEmpty())
        return;
    m_jobs.run([ctx = m_ctx, actor = m_actor, ws,
                name] { return WorkspaceService(ctx).createProject(actor, ws, name); },
               [this](const Result<Project> &r) {
                   if (!r) {
                       showError(tr("Cannot create the project"), r.error().message);
                       return;
                   }
                   showStatus(tr("Created project “%1”.").arg(r->name));
                   m_projectName->clear();
                   reloadDetails();
               });
}

void WorkspacesPanel::renameProject()
{
    const QString id = selectedId(m_projects);
    const QString name = m_projectName->text();
    if (id.isEmpty()) {
        showStatus(tr("Select a project to rename."));
        return;
    }
    m_jobs.run([ctx = m_ctx, actor = m_actor, id,
                name] { return WorkspaceService(ctx).renameProject(actor, id, name); },
               [this](const Result<Project> &r) {
                   if (!r) {
                       showError(tr("Cannot rename the project"), r.error().message);
                       return;
                   }
                   showStatus(tr("Renamed the project to “%1”.").arg(r->name));
                   reloadDetails();
               });
}

void WorkspacesPanel::deleteProject()
{
    const QString id = selectedId(m_projects);
    if (id.isEmpty()) {
        showStatus(tr("Select a project to delete."));
        return;
    }
    const QString name = m_projects->currentItem()->text(0);
    if (!Confirm::ask(
            this, tr("Delete project"),
            tr("Delete the project “%1” and all of its runs? This cannot be undone.").arg(name),
            tr("Delete project")))
        return;
    m_jobs.run([ctx = m_ctx, actor = m_actor,
                id] { return WorkspaceService(ctx).removeProject(actor, id); },
               [this, name](const Status &r) {
                   if (!r) {
                       showError(tr("Cannot delete the project"), r.error().message);
                       return;
                   }
                   showStatus(tr("Deleted the project “%1”.").arg(name));
                   reloadDetails();
               });
}

void WorkspacesPanel::changeRole()
{
    const QString ws = selectedWorkspaceId();
    const QString user = selectedId(m_members);
    const QString role = m_memberRole->currentData().toString();
    if (user.isEmpty()) {
        showStatus(tr("Select a member first."));
        return;
    }
    m_jobs.run([ctx = m_ctx, actor = m_actor, ws, user,
                role] { return WorkspaceService(ctx).setMemberRole(actor, ws, user, role); },
               [this, role](const Status &r) {
                   if (!r) {
                       showError(tr("Cannot change the role"), r.error().message);
                       return;
                   }
                   showStatus(tr("Role changed to %1.").arg(roleText(role)));
                   reloadDetails();
               });
}

void WorkspacesPanel::removeMember()
{
    const QString ws = selectedWorkspaceId();
    const QString user = selectedId(m_members);
    if (user.isEmpty()) {
        showStatus(tr("Select a member first."));
        return;
    }
    const QString email = m_members->currentItem()->text(0);
    if (!Confirm::ask(this, tr("Remove member"),
                      tr("Remove %1 from the workspace “%2”? They lose access at once.")
                          .arg(email, m_workspaces->currentItem()->text(0)),
                      tr("Remove member")))
        return;
    m_jobs.run([ctx = m_ctx, actor = m_actor, ws,
                user] { return WorkspaceService(ctx).removeMember(actor, ws, user); },
               [this, email](const Status &r) {
                   if (!r) {
                       showError(tr("Cannot remove the member"), r.error().message);
                       return;
                   }
                   showStatus(tr("Removed %1.").arg(email));
                   reloadDetails();
               });
}

void WorkspacesPanel::transferOwnership()
{
    const QString ws = selectedWorkspaceId();
    const QString user = selectedId(m_members);
    if (user.isEmpty()) {
        showStatus(tr("Select the member who becomes the owner."));
        return;
    }
    const QString email = m_members->currentItem()->text(0);
    if (!Confirm::ask(this, tr("Transfer ownership"),
                      tr("Make %1 the owner of “%2”? The current owner becomes an admin.")
                          .arg(email, m_workspaces->currentItem()->text(0)),
                      tr("Transfer ownership")))
        return;
    m_jobs.run([ctx = m_ctx, actor = m_actor, ws,
                user] { return WorkspaceService(ctx).transferOwnership(actor, ws, user); },
               [this, email](const Result<Workspace> &r) {
                   if (!r) {
                       showError(tr("Cannot transfer ownership"), r.error().message);
                       return;
                   }
                   showStatus(tr("%1 now owns the workspace.").arg(email));
                   reloadWorkspaces();
               });
}

void WorkspacesPanel::invite()
{
    const QString ws = selectedWorkspaceId();
    const QString email = m_inviteEmail->text();
    const QString role = m_inviteRole->currentData().toString();
    if (ws.isEmpty())
        return;
    m_jobs.run([ctx = m_ctx, actor = m_actor, ws, email,
                role] { return WorkspaceService(ctx).invite(actor, ws, email, role); },
               [this](const Result<IssuedInvitation> &r) {
                   if (!r) {
                       showError(tr("Cannot invite"), r.error().message);
                       return;
                   }
                   showStatus(tr("Invited %1.").arg(r->invitation.email));
                   m_inviteEmail->clear();
                   m_token->setText(r->token);
                   m_tokenBox->show();
                   m_token->setFocus();
                   m_token->selectAll();
                   reloadDetails();
               });
}

void WorkspacesPanel::revokeInvitation()
{
    const QString ws = selectedWorkspaceId();
    const QString id = selectedId(m_invitations);
    if (id.isEmpty()) {
        showStatus(tr("Select an invitation first."));
        return;
    }
    const QString email = m_invitations->currentItem()->text(0);
    if (!Confirm::ask(this, tr("Revoke invitation"),
                      tr("Revoke the invitation for %1? Its token stops working.").arg(email),
                      tr("Revoke invitation")))
        return;
    m_jobs.run([ctx = m_ctx, actor = m_actor, ws,
                id] { return WorkspaceService(ctx).revokeInvitation(actor, ws, id); },
               [this, email](const Status &r) {
                   if (!r) {
                       showError(tr("Cannot revoke the invitation"), r.error().message);
                       return;
                   }
                   showStatus(tr("Revoked the invitation for %1.").arg(email));
                   reloadDetails();
               });
}

} // namespace wfx::ui
