// SPDX-License-Identifier: Apache-2.0
#include "ui/firstrun/FirstRunWizard.h"

#include "models/accounts/AccountService.h"
#include "models/accounts/ApiKeyService.h"
#include "models/workspaces/WorkspaceService.h"
#include "ui/common/Async.h"
#include "ui/common/ErrorText.h"
#include "ui/common/ShownOnceDialog.h"
#include "ui/common/Tone.h"

#include <QAbstractButton>
#include <QClipboard>
#include <QFontDatabase>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace wfx::ui {

namespace {

// The console runs on this machine: the first account is created from loopback.
const QString kLocalIp = QStringLiteral("127.0.0.1");

QLabel *statusLabel(QWidget *parent, const QString &objectName)
{
    auto *l = new QLabel(parent);
    l->setObjectName(objectName);
    l->setWordWrap(true);
    return l;
}

QLineEdit *lineEdit(QWidget *parent, const QString &objectName, const QString &accessibleName)
{
    auto *e = new QLineEdit(parent);
    e->setObjectName(objectName);
    e->setAccessibleName(accessibleName);
    return e;
}

struct AdminResult
{
    QString id, error;
};
struct WorkspaceResult
{
    QString workspaceId, projectId, error;
};
struct KeyResult
{
    QString secret, error;
};

} // namespace

FirstRunWizard::FirstRunWizard(ModelContext ctx, std::function<QString()> address, QWidget *parent)
    : QWizard(parent), m_ctx(std::move(ctx)), m_address(std::move(address))
{
    setWindowTitle(tr("Set up WorldFlux Console"));
    setAccessibleName(tr("First-run guide"));
    setObjectName(QStringLiteral("firstRunWizard"));
    setWizardStyle(QWizard::ClassicStyle);
    setOption(QWizard::NoCancelButtonOnLastPage);
    setPage(AdminPage, buildAdminPage());
    setPage(WorkspacePage, buildWorkspacePage());
    setPage(KeyPage, buildKeyPage());
    setPage(CommandPage, buildCommandPage());
    setStartId(AdminPage);
    resize(640, 480);
    connect(this, &QWizard::currentIdChanged, this, [this](int id) {
        if (id == CommandPage)
            m_command->setPlainText(
                syncCommand(m_address ? m_address() : QString(), m_secret, m_projectId));
    });
}

FirstRunWizard::~FirstRunWizard()
{
    // The steps' workers hold copies only, but let them end before the store may go.
    for (auto *w : findChildren<QFutureWatcherBase *>()) {
        w->disconnect(this);
        w->waitForFinished();
    }
}

QWizardPage *FirstRunWizard::buildAdminPage()
{
    auto *page = new QWizardPage(this);
    page->setTitle(tr("Create the administrator"));
    page->setSubTitle(
        tr("This instance has no account yet. The first account administers the whole instance."));
    auto *form = new QFormLayout(page);
    m_email = lineEdit(page, QStringLiteral("adminEmail"), tr("Email"));
    m_name = lineEdit(page, QStringLiteral("adminName"), tr("Name"));
    m_password = lineEdit(page, QStringLiteral("adminPassword"), tr("Password"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password2 = lineEdit(page, QStringLiteral("adminPassword2"), tr("Password again"));
    m_password2->setEchoMode(QLineEdit::Password);
    m_adminStatus = statusLabel(page, QStringLiteral("adminStatus"));
    form->addRow(tr("&Email:"), m_email);
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&Password:"), m_password);
    form->addRow(tr("Password &again:"), m_password2);
    form->addRow(new QLabel(
        tr("At least %n character(s).", nullptr, AccountService::kMinPasswordLength), page));
    form->addRow(m_adminStatus);
    return page;
}

QWizardPage *FirstRunWizard::buildWorkspacePage()
{
    auto *page = new QWizardPage(this);
    page->setTitle(tr("Create a workspace"));
    page->setSubTitle(
        tr("Runs belong to a project in a workspace. The administrator owns this one."));
    auto *form = new QFormLayout(page);
    m_workspace = lineEdit(page, QStringLiteral("workspaceName"), tr("Workspace name"));
    m_project = lineEdit(page, QStringLiteral("projectName"), tr("Project name"));
    m_project->setText(tr("first-project"));
    m_workspaceStatus = statusLabel(page, QStringLiteral("workspaceStatus"));
    form->addRow(tr("&Workspace:"), m_workspace);
    form->addRow(tr("&Project:"), m_project);
    form->addRow(m_workspaceStatus);
    return page;
}

QWizardPage *FirstRunWizard::buildKeyPage()
{
    auto *page = new QWizardPage(this);
    page->setTitle(tr("Issue an API key"));
    page->setSubTitle(tr(
        "Training code syncs runs with an API key. Its secret is shown once, when it is issued."));
    auto *form = new QFormLayout(page);
    m_keyName = lineEdit(page, QStringLiteral("keyName"), tr("Key name"));
    m_keyName->setText(tr("first key"));
    m_keyStatus = statusLabel(page, QStringLiteral("keyStatus"));
    form->addRow(tr("Key &name:"), m_keyName);
    form->addRow(m_keyStatus);
    return page;
}

QWizardPage *FirstRunWizard::buildCommandPage()
{
    auto *page = new QWizardPage(this);
    page->setTitle(tr("Sync a first run"));
    page->setSubTitle(
        tr("Run this command in a terminal on a machine that reaches this server. The run appears "
           "in the Runs panel at once."));
    auto *layout = new QVBoxLayout(page);
    m_command = new QPlainTextEdit(page);
    m_command->setObjectName(QStringLiteral("syncCommand"));
    m_command->setAccessibleName(tr("Command that syncs a first run"));
    m_command->setReadOnly(true);
    m_command->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    auto *copy = new QPushButton(tr("&Copy command"), page);
    copy->setObjectName(QStringLiteral("copyCommand"));
    auto *note = new QLabel(tr("The command holds the API key's secret: keep it private."), page);
    note->setWordWrap(true);
    // Training code is Python: the example client beside the curl command (README, "Syncing runs").
    auto *python =
        new QLabel(tr("From Python training code: %1 (standard library only) syncs a run while it "
                      "trains, with this address and key.")
                       .arg(QStringLiteral("docs/examples/worldflux_client.py")),
                   page);
    python->setObjectName(QStringLiteral("pythonExample"));
    python->setWordWrap(true);
    python->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_command, 1);
    layout->addWidget(copy, 0, Qt::AlignLeft);
    layout->addWidget(note);
    layout->addWidget(python);
    connect(copy, &QPushButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(command()); });
    return page;
}

QString FirstRunWizard::command() const
{
    return m_command->toPlainText();
}

QString FirstRunWizard::syncCommand(const QString &address, const QString &secret,
                                    const QString &projectId)
{
    const QJsonObject body{{QStringLiteral("project_id"), projectId},
                           {QStringLiteral("client_run_id"), QStringLiteral("first-run")},
                           {QStringLiteral("name"), QStringLiteral("first-run")},
                           {QStringLiteral("status"), QStringLiteral("completed")},
                           {QStringLiteral("manifest"),
                            QJsonObject{{QStringLiteral("note"), QStringLiteral("my first run")}}},
                           {QStringLiteral("metrics"),
                            QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("loss")},
                                                   {QStringLiteral("step"), 0},
                                                   {QStringLiteral("value"), 1.25}},
                                       QJsonObject{{QStringLiteral("name"), QStringLiteral("loss")},
                                                   {QStringLiteral("step"), 1},
                                                   {QStringLiteral("value"), 0.75}}}},
                           {QStringLiteral("log"), QStringLiteral("hello from my first run\n")}};
    // Single quotes for the shell: none of these values can hold one (ids, a
    // URL, a key secret), and the JSON is built here.
    return QStringLiteral("curl -sS -X POST '%1/api/sync/runs' \\\n"
                          "  -H 'Authorization: Bearer %2' \\\n"
                          "  -H 'Content-Type: application/json' \\\n"
                          "  -d '%3'\n")
        .arg(address, secret,
             QString::fromUtf8(QJsonDocument(body).toJson(QJsonDocument::Compact)));
}

void FirstRunWizard::setBusy(bool busy, QLabel *status)
{
    m_busy = busy;
    currentPage()->setEnabled(!busy);
    if (QAbstractButton *next = button(QWizard::NextButton))
        next->setEnabled(!busy);
    if (QAbstractButton *back = button(QWizard::BackButton))
        back->setEnabled(!busy);
    if (busy) {
        status->setPalette(palette());
        status->setText(tr("Working…"));
    }
}

void FirstRunWizard::stepDone(int page, QLabel *status, const QString &error)
{
    setBusy(false, status);
    if (!error.isEmpty()) {
        setTone(status, Tone::Bad);
        status->setText(error);
        emit stepFinished(page, error);
        return;
    }
    m_done[page] = true;
    status->clear();
    // The created thing cannot be edited here any more: going back shows what was made.
    for (QLineEdit *e : this->page(page)->findChildren<QLineEdit *>())
        e->setReadOnly(true);
    emit stepFinished(page, QString());
    next();
}

bool FirstRunWizard::validateCurrentPage()
{
    const int id = currentId();
    if (id == CommandPage)
        return true;
    if (m_done[id])
        return true;
    if (m_busy)
        return false;
    if (id == AdminPage)
        return createAdmin();
    if (id == WorkspacePage)
        return createWorkspace();
    return issueKey();
}

bool FirstRunWizard::createAdmin()
{
    const QString email = m_email->text().trimmed();
    const QString name = m_name->text().trimmed();
    const QString password = m_password->text();
    QString problem;
    static const QRegularExpression plausibleEmail(
        QStringLiteral("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"));
    if (!plausibleEmail.match(email).hasMatch())
        problem = tr("Enter an email address such as admin@example.org.");
    else if (name.isEmpty())
        problem = tr("Enter the administrator's name.");
    else if (name.size() > AccountService::kMaxDisplayNameLength)
        problem = tr("The name is too long.");
    else if (password.size() < AccountService::kMinPasswordLength)
        problem = tr("The password needs at least %n character(s).", nullptr,
                     AccountService::kMinPasswordLength);
    else if (password != m_password2->text())
        problem = tr("The two passwords differ.");
    if (!problem.isEmpty()) {
        setTone(m_adminStatus, Tone::Bad);
        m_adminStatus->setText(problem);
        return false;
    }
    setBusy(true, m_adminStatus);
    runAsync(
        this,
        [ctx = m_ctx, email, name, password] {
            AccountService accounts(ctx);
            AdminResult r;
            auto user = accounts.signup(email, password, kLocalIp);
            if (!user) {
                r.error = ErrorText::of(user.error());
                return r;
            }
            r.id = user->id;
            if (auto p = accounts.updateProfile(Actor::user(r.id, kLocalIp), name); !p)
                r.error = ErrorText::of(p.error());
            return r;
        },
        [this](const AdminResult &r) {
            if (!r.id.isEmpty())
                m_adminId = r.id;
            stepDone(AdminPage, m_adminStatus, r.error);
        });
    return false;
}

bool FirstRunWizard::createWorkspace()
{
    const QString workspace = m_workspace->text().trimmed();
    const QString project = m_project->text().trimmed();
    if (workspace.isEmpty() || project.isEmpty()) {
        setTone(m_workspaceStatus, Tone::Bad);
        m_workspaceStatus->setText(tr("Enter a name for the workspace and for its first project."));
        return false;
    }
    setBusy(true, m_workspaceStatus);
    runAsync(
        this,
        [ctx = m_ctx, admin = m_adminId, workspace, project, haveWorkspace = m_workspaceId] {
            WorkspaceService ws(ctx);
            const Actor actor = Actor::user(admin, kLocalIp);
            WorkspaceResult r;
            r.workspaceId = haveWorkspace; // a retry after a failed project keeps the workspace
            if (r.workspaceId.isEmpty()) {
                auto w = ws.create(actor, workspace);
                if (!w) {
                    r.error = ErrorText::of(w.error());
                    return r;
                }
                r.workspaceId = w->id;
            }
            auto p = ws.createProject(actor, r.workspaceId, project);
            if (!p)
                r.error = ErrorText::of(p.error());
            else
                r.projectId = p->id;
            return r;
        },
        [this](const WorkspaceResult &r) {
            m_workspaceId = r.workspaceId;
            m_projectId = r.projectId;
            stepDone(WorkspacePage, m_workspaceStatus, r.error);
        });
    return false;
}

bool FirstRunWizard::issueKey()
{
    const QString name = m_keyName->text().trimmed();
    if (name.isEmpty()) {
        setTone(m_keyStatus, Tone::Bad);
        m_keyStatus->setText(tr("Enter a name for the key, e.g. where it will be used."));
        return false;
    }
    setBusy(true, m_keyStatus);
    runAsync(
        this,
        [ctx = m_ctx, admin = m_adminId, workspace = m_workspaceId, name] {
            KeyResult r;
            auto key = ApiKeyService(ctx).issue(Actor::user(admin, kLocalIp), name, workspace);
            if (!key)
                r.error = ErrorText::of(key.error());
            else
                r.secret = key->secret;
            return r;
        },
        [this](const KeyResult &r) {
            if (r.error.isEmpty()) {
                m_secret = r.secret;
                m_shownOnce = new ShownOnceDialog(
                    tr("API key issued"),
                    tr("Copy the secret now: it is shown here once and never again. The next page "
                       "puts it into "
                       "the command that syncs a first run."),
                    {{tr("Secret"), r.secret, QStringLiteral("keySecret")}}, this);
                m_shownOnce->setAttribute(Qt::WA_DeleteOnClose);
                m_shownOnce->open();
            }
            stepDone(KeyPage, m_keyStatus, r.error);
        });
    return false;
}

} // namespace wfx::ui
