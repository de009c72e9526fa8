// SPDX-License-Identifier: Apache-2.0
#include "ui/dsar/DsarPanel.h"

#include "models/core/Clock.h"
#include "models/dsar/DsarService.h"
#include "ui/common/AllUsers.h"
#include "ui/common/Async.h"
#include "ui/common/CollectAll.h"
#include "ui/common/Confirm.h"
#include "ui/common/ErrorText.h"
#include "ui/common/Heading.h"
#include "ui/common/ShortTime.h"
#include "ui/common/TextRowsModel.h"
#include "ui/common/Tone.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace wfx::ui {

namespace {

// What a queue row holds beside its id (TextRowsModel::Row::values).
enum Value { UserValue, KindValue, StateValue };

enum Col { Kind, State, Person, Created, Due, Scheduled, Completed };

struct Queue
{
    QList<DsarRequest> requests;
    QList<User> users;
    QString error;
};

QString kindText(const QString &kind)
{
    if (kind == QLatin1String("export"))
        return DsarPanel::tr("Export");
    if (kind == QLatin1String("deletion"))
        return DsarPanel::tr("Deletion");
    if (kind == QLatin1String("restriction"))
        return DsarPanel::tr("Restriction");
    if (kind == QLatin1String("objection"))
        return DsarPanel::tr("Objection");
    return kind;
}

QString stateText(const QString &state)
{
    if (state == QLatin1String("scheduled"))
        return DsarPanel::tr("Scheduled");
    if (state == QLatin1String("completed"))
        return DsarPanel::tr("Completed");
    if (state == QLatin1String("cancelled"))
        return DsarPanel::tr("Cancelled");
    if (state == QLatin1String("open"))
        return DsarPanel::tr("In force");
    if (state == QLatin1String("lifted"))
        return DsarPanel::tr("Lifted");
    return state;
}

} // namespace

DsarPanel::DsarPanel(ModelContext ctx, Actor actor, QWidget *parent)
    : StorePanel(std::move(ctx), std::move(actor), parent),
      m_actions(this, [this](const QString &text) { m_status->setText(text); })
{
    setAccessibleName(tr("DSAR requests"));
    auto *layout = new QVBoxLayout(this);
    auto *title = heading(tr("DSAR requests"), this);
    layout->addWidget(title);
    auto *intro =
        new QLabel(tr("Data-subject requests from every account: exports, scheduled deletions, "
                      "restrictions of processing and objections."),
                   this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    m_queue = newTextRowsView(this,
                              {tr("Kind"), tr("State"), tr("Person"), tr("Received"), tr("Due"),
                               tr("Scheduled for"), tr("Completed")},
                              u"dsarQueue"_s, tr("Request queue"), Person);
    layout->addWidget(m_queue, 1);

    auto *actions = new QHBoxLayout;
    m_cancelDeletion = new QPushButton(tr("Cancel &deletion…"), this);
    m_cancelDeletion->setObjectName(QStringLiteral("cancelDeletion"));
    m_deleteNow = new QPushButton(tr("Carry out deletion &now…"), this);
    m_deleteNow->setObjectName(QStringLiteral("deleteNow"));
    m_deleteNow->setToolTip(
        tr("Delete the account and the workspaces it owns before the grace period ends"));
    m_lift = new QPushButton(tr("&Lift restriction"), this);
    m_lift->setObjectName(QStringLiteral("liftRestriction"));
    actions->addWidget(m_cancelDeletion);
    actions->addWidget(m_deleteNow);
    actions->addWidget(m_lift);
    actions->addStretch(1);
    layout->addLayout(actions);

    auto *exportRow = new QHBoxLayout;
    auto *userLabel = new QLabel(tr("E&xport the data of:"), this);
    m_user = new QComboBox(this);
    m_user->setObjectName(QStringLiteral("exportUser"));
    m_user->setAccessibleName(tr("Person whose data to export"));
    m_user->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    userLabel->setBuddy(m_user);
    m_export = new QPushButton(tr("&Export to file…"), this);
    m_export->setObjectName(QStringLiteral("exportData"));
    m_exportJob = new JobProgress(this, QStringLiteral("exportProgress"), tr("Export progress"),
                                  tr("Cancel export"), QStringLiteral("cancelExport"));
    m_exportJob->bar()->setRange(0, 0);
    exportRow->addWidget(userLabel);
    exportRow->addWidget(m_user);
    exportRow->addWidget(m_export);
    exportRow->addWidget(m_exportJob->bar(), 1);
    exportRow->addWidget(m_exportJob->cancelButton());
    exportRow->addStretch(0);
    layout->addLayout(exportRow);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("dsarStatus"));
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    connect(m_queue->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) {
                if (current.isValid()) {
                    const int i = m_user->findData(currentValue(UserValue));
                    if (i >= 0)
                        m_user->setCurrentIndex(i);
                }
                updateActions();
            });
    connect(m_export, &QPushButton::clicked, this, &DsarPanel::exportSelectedUser);
    connect(m_exportJob, &JobProgress::cancelled, this,
            [this] { m_status->setText(tr("Cancelling the export…")); });
    connect(m_cancelDeletion, &QPushButton::clicked, this, &DsarPanel::cancelDeletion);
    connect(m_deleteNow, &QPushButton::clicked, this, &DsarPanel::deleteNow);
    connect(m_lift, &QPushButton::clicked, this, &DsarPanel::liftRestriction);

    reloadOnChange({u"dsar_request"_s, u"user"_s}, [this] { reload(); });
    m_exportPath = [this](const QString &email) {
        return QFileDialog::getSaveFileName(this, tr("Export personal data"),
                                            tr("data-export-%1.json").arg(email),
                                            tr("JSON files (*.json)"));
    };
    updateActions();
    reload();
}

DsarPanel::~DsarPanel()
{
    m_exportJob->cancel();
    m_actions.waitForAll();
}

QString DsarPanel::statusText() const
{
    return m_status->text();
}

QString DsarPanel::emailOf(const QString &userId) const
{
    return m_emails.value(userId, userId);
}

QString DsarPanel::selectedUserId() const
{
    return currentValue(UserValue);
}

bool DsarPanel::selectRequest(const QString &requestId)
{
    return setCurrentRowId(m_queue, requestId);
}

QString DsarPanel::currentValue(int value) const
{
    const QModelIndex current = m_queue->currentIndex();
    return current.isValid() ? textRows(m_queue)->rowAt(current.row()).values.value(value)
                             : QString();
}

void DsarPanel::updateActions()
{
    const QString kind = currentValue(KindValue);
    const QString state = currentValue(StateValue);
    const bool scheduled = kind == QLatin1String("deletion") && state == QLatin1String("scheduled");
    m_cancelDeletion->setEnabled(scheduled);
    m_deleteNow->setEnabled(scheduled);
    m_lift->setEnabled(kind == QLatin1String("restriction") && state == QLatin1String("open"));
    m_export->setEnabled(!m_exportJob->isRunning() && m_user->count() > 0);
}

void DsarPanel::reload()
{
    m_actions.run(
        [ctx = m_ctx, actor = m_actor] {
            Queue q;
            DsarService dsar(ctx);
            auto requests = collectAll([&](const QString &cursor) {
                return dsar.listRequests(actor, kCollectAllPage, cursor);
            });
            if (!requests) {
                q.error = ErrorText::of(requests.error());
                return q;
            }
            q.requests = std::move(requests).value();
            if (auto users = allUsersByEmail(ctx, actor))
                q.users = *users;
            return q;
        },
        [this](const Queue &q) {
            if (!q.error.isEmpty()) {
                m_status->setText(tr("Cannot list requests: %1").arg(q.error));
                return;
            }
            m_emails.clear();
            const QString keepUser = m_user->currentData().toString();
            m_user->clear();
            for (const User &u : q.users) {
                m_emails.insert(u.id, u.email);
                m_user->addItem(u.email, u.id);
            }
            if (const int i = m_user->findData(keepUser); i >= 0)
                m_user->setCurrentIndex(i);
            const QString keep = currentRowId(m_queue);
            const qint64 now = m_ctx.clock ? m_ctx.clock->nowMs() : 0;
            QList<TextRowsModel::Row> rows;
            for (const DsarRequest &r : q.requests) {
                const bool deleted = !m_emails.contains(r.userId);
                TextRowsModel::Row row{
                    r.id,
                    {kindText(r.kind), stateText(r.state),
                     deleted ? tr("%1 (account deleted)").arg(r.userId) : emailOf(r.userId),
                     shortTime(r.createdAt), shortTime(r.dueAt), shortTime(r.scheduledFor),
                     shortTime(r.completedAt)},
                    {r.userId, r.kind, r.state},
                    {},
                    {}};
                if (!r.detail.isEmpty())
                    row.toolTips.insert(Kind, QString::fromUtf8(QJsonDocument(r.detail).toJson(
                                                  QJsonDocument::Compact)));
                // Overdue: a request still waiting past its due date (a restriction
                // in force is not waiting for anything).
                if (r.state == QLatin1String("scheduled") && r.dueAt && r.dueAt <= now)
                    row.foreground.insert(Due, toneColor(palette(), Tone::Bad));
                rows.append(std::move(row));
            }
            textRows(m_queue)->setRows(std::move(rows));
            if (!keep.isEmpty())
                selectRequest(keep);
            updateActions();
        });
}

void DsarPanel::exportSelectedUser()
{
    const QString userId = m_user->currentData().toString();
    if (userId.isEmpty() || m_exportJob->isRunning())
        return;
    const QString email = emailOf(userId);
    const QString path = m_exportPath ? m_exportPath(email) : QString();
    if (path.isEmpty())
        return;
    const std::shared_ptr<JobProgress::Counters> job = m_exportJob->start();
    m_exportJob->cancelButton()->setFocus();
    m_status->setText(tr("Exporting the data of %1…").arg(email));
    updateActions();
    struct Written
    {
        Result<qint64> bytes = qint64(0);
        bool cancelled = false;
    };
    m_actions.run(
        [ctx = m_ctx, userId, path, job] {
            Written w;
            // The person's own request, made on their behalf (dsar.export is audited).
            auto data = DsarService(ctx).exportData(Actor::user(userId));
            if (!data) {
                w.bytes = data.error();
                return w;
            }
            if (job->cancel.load()) {
                w.cancelled = true;
                return w;
            }
            // Written beside the target and put in place on the GUI thread (a
            // rename), so that a Cancel pressed until then still leaves no file.
            QFile file(path + QStringLiteral(".part"));
            const QByteArray bytes = QJsonDocument(*data).toJson(QJsonDocument::Indented);
            if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
                file.write(bytes) != bytes.size() || !file.flush()) {
                w.bytes = Error{ErrorCode::Internal, file.errorString()};
                file.close();
                file.remove();
                return w;
            }
            file.close();
            w.bytes = qint64(bytes.size());
            return w;
        },
        [this, email, path, job](Written w) {
            m_exportJob->finish();
            const QString part = path + QStringLiteral(".part");
            if (!w.cancelled && w.bytes && job->cancel.load()) {
                QFile::remove(part);
                w.cancelled = true;
            } else if (!w.cancelled && w.bytes) {
                QFile::remove(path);
                if (!QFile::rename(part, path)) {
                    QFile::remove(part);
                    w.bytes = Error{ErrorCode::Internal, tr("Cannot write %1.").arg(path)};
                }
            }
            if (w.cancelled)
                m_status->setText(
                    tr("Export cancelled; no file was written (the export request stays "
                       "recorded)."));
            else if (!w.bytes)
                m_status->setText(
                    tr("Export of %1 failed: %2").arg(email, ErrorText::of(w.bytes.error())));
            else
                m_status->setText(
                    tr("Exported the data of %1 to %2 (%3).")
                        .arg(email, path, QLocale().formattedDataSize(w.bytes.value())));
            updateActions();
            emit exportFinished(!w.cancelled && w.bytes.ok());
        });
}

void DsarPanel::cancelExport()
{
    m_exportJob->cancel();
}

void DsarPanel::cancelDeletion()
{
    const QString userId = selectedUserId();
    if (userId.isEmpty())
        return;
    const QString email = emailOf(userId);
    if (!Confirm::ask(
            this, tr("Cancel deletion"),
            tr("Cancel the scheduled deletion of the account %1? The account stays.").arg(email),
            tr("Cancel deletion")))
        return;
    m_actions.act(
        [ctx = m_ctx, userId] { return DsarService(ctx).cancelDeletion(Actor::user(userId)); },
        tr("Cannot cancel the deletion of %1").arg(email),
        [email] { return tr("The deletion of %1 is cancelled.").arg(email); },
        [this] { reload(); });
}

void DsarPanel::deleteNow()
{
    const QString userId = selectedUserId();
    if (userId.isEmpty())
        return;
    const QString email = emailOf(userId);
    if (!Confirm::ask(
            this, tr("Delete account now"),
            tr("Delete the account %1 now, before its grace period ends? The workspaces it owns "
               "go with it, with all their projects and runs. This cannot be undone.")
                .arg(email),
            tr("Delete account")))
        return;
    m_actions.act([ctx = m_ctx, actor = m_actor,
                   userId] { return DsarService(ctx).executeDeletionNow(actor, userId); },
                  tr("Cannot delete the account %1").arg(email),
                  [email] { return tr("The account %1 was deleted.").arg(email); },
                  [this] { reload(); });
}

void DsarPanel::liftRestriction()
{
    const QString userId = selectedUserId();
    if (userId.isEmpty())
        return;
    const QString email = emailOf(userId);
    m_actions.act([ctx = m_ctx,
                   userId] { return DsarService(ctx).setRestricted(Actor::user(userId), false); },
                  tr("Cannot lift the restriction on %1").arg(email),
                  [email] { return tr("The restriction on %1 is lifted.").arg(email); },
                  [this] { reload(); });
}

} // namespace wfx::ui
