// SPDX-License-Identifier: Apache-2.0
#include "ui/apikeys/ApiKeysPanel.h"

#include "models/accounts/AccountService.h"
#include "models/accounts/ApiKeyService.h"
#include "models/workspaces/WorkspaceService.h"
#include "ui/apikeys/ApiKeysModel.h"
#include "ui/apikeys/IssueKeyDialog.h"
#include "ui/common/Async.h"
#include "ui/common/CollectAll.h"
#include "ui/common/Confirm.h"
#include "ui/common/ErrorText.h"
#include "ui/common/Heading.h"
#include "ui/common/ListTable.h"
#include "ui/common/ShownOnceDialog.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace wfx::ui {

namespace {
struct Directory
{
    QList<User> users;
    QHash<QString, QString> workspaces;
    QString error;
};
} // namespace

ApiKeysPanel::ApiKeysPanel(ModelContext ctx, Actor actor, QWidget *parent)
    : StorePanel(std::move(ctx), std::move(actor), parent)
{
    setAccessibleName(tr("API keys"));
    auto *layout = new QVBoxLayout(this);
    auto *title = heading(tr("API keys"), this);
    layout->addWidget(title);

    auto *row = new QHBoxLayout;
    m_user = new QComboBox(this);
    m_user->setObjectName(QStringLiteral("keyUser"));
    m_user->setAccessibleName(tr("User"));
    m_user->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    auto *userLabel = new QLabel(tr("&User:"), this);
    userLabel->setBuddy(m_user);
    m_issue = new QPushButton(tr("&Issue key…"), this);
    m_issue->setObjectName(QStringLiteral("issueKey"));
    m_rotate = new QPushButton(tr("R&otate…"), this);
    m_rotate->setObjectName(QStringLiteral("rotateKey"));
    m_rotate->setToolTip(
        tr("A new secret for the selected key; the old one stops working at once"));
    m_revoke = new QPushButton(tr("&Revoke…"), this);
    m_revoke->setObjectName(QStringLiteral("revokeKey"));
    row->addWidget(userLabel);
    row->addWidget(m_user);
    row->addStretch(1);
    row->addWidget(m_issue);
    row->addWidget(m_rotate);
    row->addWidget(m_revoke);
    layout->addLayout(row);

    m_model = new ApiKeysModel(m_ctx, m_actor, this);
    m_view = newListTable(this, m_model, QStringLiteral("keysTable"), tr("API keys of the user"));
    QHeaderView *h = m_view->horizontalHeader();
    h->setSectionResizeMode(ApiKeysModel::Name, QHeaderView::Stretch);
    h->resizeSection(ApiKeysModel::Prefix, 140);
    h->resizeSection(ApiKeysModel::Scope, 220);
    h->resizeSection(ApiKeysModel::Created, 150);
    h->resizeSection(ApiKeysModel::LastUsed, 150);
    layout->addWidget(m_view, 1);

    auto *note =
        new QLabel(tr("Secrets are shown once, when a key is issued or rotated; only their hash is "
                      "stored. Revoked keys are not listed."),
                   this);
    note->setWordWrap(true);
    layout->addWidget(note);
    m_statusLine = new QLabel(this);
    m_statusLine->setObjectName(QStringLiteral("keysStatusLine"));
    layout->addWidget(m_statusLine);

    connect(m_user, &QComboBox::currentIndexChanged, this, [this] {
        m_model->setUser(m_user->currentData().toString());
        updateButtons();
    });
    connect(m_issue, &QPushButton::clicked, this, &ApiKeysPanel::openIssue);
    connect(m_rotate, &QPushButton::clicked, this, &ApiKeysPanel::rotateSelected);
    connect(m_revoke, &QPushButton::clicked, this, &ApiKeysPanel::revokeSelected);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ApiKeysPanel::updateButtons);
    connect(m_model, &QAbstractItemModel::modelReset, this, &ApiKeysPanel::updateButtons);
    connect(m_model, &ApiKeysModel::loaded, this, &ApiKeysPanel::updateStatusLine);

    m_liveTimer = reloadOnChange({QStringLiteral("api_key")}, [this] { m_model->reload(); });

    updateButtons();
    loadUsers();
}

ApiKeysPanel::~ApiKeysPanel()
{
    m_actions.waitForAll();
}

void ApiKeysPanel::loadUsers()
{
    runAsync(
        this,
        [ctx = m_ctx, actor = m_actor] {
            Directory dir;
            AccountService accounts(ctx);
            auto users = collectAll([&](const QString &cursor) {
                return accounts.listUsers(actor, kCollectAllPage, cursor);
            });
            if (!users) {
                dir.error = ErrorText::of(users.error());
                return dir;
            }
            dir.users = std::move(users).value();
            WorkspaceService ws(ctx);
            if (auto workspaces = collectAll(
                    [&](const QString &cursor) { return ws.list(actor, kCollectAllPage, cursor); }))
                for (const Workspace &w : workspaces.value())
                    dir.workspaces.insert(w.id, w.name);
            return dir;
        },
        [this](const Directory &dir) {
            m_usersLoaded = true;
            if (!dir.error.isEmpty()) {
                m_message = tr("Cannot list users: %1").arg(dir.error);
                updateStatusLine();
                return;
            }
            m_workspaces = dir.workspaces;
            m_model->setWorkspaceNames(m_workspaces);
            for (const User &u : dir.users) {
                const QString label =
                    u.displayName.isEmpty() ? u.email : tr("%1 <%2>").arg(u.displayName, u.email);
                m_user->addItem(u.isAdmin ? tr("%1 (administrator)").arg(label) : label, u.id);
                m_user->setItemData(m_user->count() - 1, u.email, Qt::UserRole + 1);
            }
            updateButtons();
        });
}

QString ApiKeysPanel::selectedKeyId() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(ApiKeysModel::KeyIdRole).toString();
}

void ApiKeysPanel::updateButtons()
{
    const bool user = !m_user->currentData().toString().isEmpty();
    const bool key = !selectedKeyId().isEmpty();
    m_issue->setEnabled(user);
    m_rotate->setEnabled(key);
    m_revoke->setEnabled(key);
}

IssueKeyDialog *ApiKeysPanel::openIssue()
{
    if (m_user->currentData().toString().isEmpty())
        return nullptr;
    auto *dialog =
        new IssueKeyDialog(m_user->currentData(Qt::UserRole + 1).toString(), m_workspaces, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &IssueKeyDialog::submitted, this, [this, dialog] { issueFrom(dialog); });
    dialog->open();
    return dialog;
}

void ApiKeysPanel::showSecret(const QString &title, const QString &intro, const QString &secret)
{
    m_lastShownOnce = new ShownOnceDialog(
        title, intro, {{tr("Secret"), secret, QStringLiteral("keySecret")}}, this);
    m_lastShownOnce->open();
}

void ApiKeysPanel::issueFrom(IssueKeyDialog *dialog)
{
    const QString user = m_user->currentData().toString();
    const QString name = dialog->name();
    const QString scope = dialog->workspaceId();
    runAsync(
        dialog,
        [ctx = m_ctx, actor = m_actor, user, name, scope] {
            return ApiKeyService(ctx).issueForUser(actor, user, name, scope);
        },
        [this, dialog](const Result<IssuedApiKey> &r) {
            if (!r) {
                dialog->showError(tr("Cannot issue the key: %1").arg(ErrorText::of(r.error())));
                return;
            }
            dialog->accept();
            showSecret(tr("API key issued"),
                       tr("The secret of “%1”. Use it as “Authorization: Bearer <secret>”.")
                           .arg(r->apiKey.name),
                       r->secret);
            m_message = tr("Key “%1” issued.").arg(r->apiKey.name);
            updateStatusLine();
            m_liveTimer->start();
            emit keyIssued(r->apiKey.id);
        });
}

void ApiKeysPanel::rotateSelected()
{
    const int row = m_model->rowOf(selectedKeyId());
    if (row < 0)
        return;
    const ApiKey key = m_model->keyAt(row);
    if (!Confirm::ask(this, tr("Rotate key"),
                      tr("Rotate the key “%1” (%2…)? The current secret stops working at once.")
                          .arg(key.name, key.prefix),
                      tr("Rotate")))
        return;
    m_actions.act(
        [ctx = m_ctx, actor = m_actor, user = key.userId, id = key.id] {
            return ApiKeyService(ctx).rotateForUser(actor, user, id);
        },
        tr("Cannot rotate"),
        [this](const IssuedApiKey &issued) {
            showSecret(
                tr("API key rotated"),
                tr("The new secret of “%1”; the old one no longer works.").arg(issued.apiKey.name),
                issued.secret);
            emit keyRotated(issued.apiKey.id);
            return tr("Key “%1” rotated.").arg(issued.apiKey.name);
        },
        [this] { m_liveTimer->start(); });
}

void ApiKeysPanel::revokeSelected()
{
    const int row = m_model->rowOf(selectedKeyId());
    if (row < 0)
        return;
    const ApiKey key = m_model->keyAt(row);
    if (!Confirm::ask(this, tr("Revoke key"),
                      tr("Revoke the key “%1” (%2…)? Programs using it are refused from now on. "
                         "This cannot be undone.")
                          .arg(key.name, key.prefix),
                      tr("Revoke")))
        return;
    m_actions.act([ctx = m_ctx, actor = m_actor, user = key.userId,
                   id = key.id] { return ApiKeyService(ctx).revokeForUser(actor, user, id); },
                  tr("Cannot revoke"),
                  [this, key] {
                      emit keyRevoked(key.id);
                      return tr("Key “%1” revoked.").arg(key.name);
                  },
                  [this] { m_liveTimer->start(); });
}

QString ApiKeysPanel::statusText() const
{
    return m_statusLine->text();
}

void ApiKeysPanel::updateStatusLine()
{
    QString text;
    if (!m_model->lastError().isEmpty())
        text = tr("Cannot load keys: %1").arg(m_model->lastError());
    else if (!m_model->userId().isEmpty())
        text = m_model->rowCount() == 0 ? tr("This user has no live keys.")
                                        : tr("%n live key(s)", nullptr, m_model->rowCount());
    if (!m_message.isEmpty())
        text = text.isEmpty() ? m_message : m_message + QStringLiteral("  ·  ") + text;
    m_statusLine->setText(text);
}

} // namespace wfx::ui
