// SPDX-License-Identifier: Apache-2.0
#include "ui/audit/AuditPanel.h"

#include "models/core/Clock.h"
#include "models/core/Cursor.h"
#include "models/workspaces/WorkspaceService.h"
#include "ui/audit/AuditExporter.h"
#include "ui/audit/AuditModel.h"
#include "ui/common/AllUsers.h"
#include "ui/common/Async.h"
#include "ui/common/CollectAll.h"
#include "ui/common/ErrorText.h"
#include "ui/common/Heading.h"
#include "ui/common/ListTable.h"
#include "ui/common/PanelButton.h"
#include "ui/common/Tone.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeEdit>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QTableView>
#include <QVBoxLayout>

#include <limits>

namespace wfx::ui {

namespace {

const char *const kActions[] = {"workspace.create",
                                "workspace.update",
                                "workspace.delete",
                                "workspace.transfer_ownership",
                                "project.create",
                                "project.update",
                                "project.delete",
                                "member.update",
                                "member.remove",
                                "invitation.create",
                                "invitation.accept",
                                "invitation.revoke",
                                "run.sync",
                                "run.delete",
                                "run.evidence_export",
                                "share.create",
                                "share.update",
                                "share.revoke",
                                "api_key.create",
                                "api_key.rotate",
                                "api_key.revoke",
                                "billing.checkout",
                                "billing.plan_change",
                                "usage.reserve",
                                "usage.expire",
                                "dsar.export",
                                "dsar.delete_request",
                                "dsar.delete_cancel",
                                "dsar.deletion_executed",
                                "dsar.restrict",
                                "dsar.unrestrict",
                                "dsar.object",
                                "user.signup",
                                "user.login",
                                "user.logout",
                                "user.update",
                                "user.password_change",
                                "user.password_reset",
                                "instance.signup_toggle"};

struct VerifyOutcome
{
    AuditVerdict verdict;
    AuditEntry bad; // the first bad entry, when it could be read
    bool haveBad = false;
};

} // namespace

AuditPanel::AuditPanel(ModelContext ctx, Actor actor, QWidget *parent)
    : StorePanel(std::move(ctx), std::move(actor), parent)
{
    setAccessibleName(tr("Audit log"));
    auto *layout = new QVBoxLayout(this);
    auto *title = heading(tr("Audit log"), this);
    layout->addWidget(title);

    // Filters.
    auto *filters = new QHBoxLayout;
    m_actorFilter = new QComboBox(this);
    m_actorFilter->setObjectName(QStringLiteral("actorFilter"));
    m_actorFilter->setAccessibleName(tr("Actor filter"));
    m_actorFilter->addItem(tr("Any actor"), QString());
    m_actorFilter->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_action = new QComboBox(this);
    m_action->setObjectName(QStringLiteral("actionFilter"));
    m_action->setAccessibleName(tr("Action filter"));
    m_action->setEditable(true);
    m_action->setInsertPolicy(QComboBox::NoInsert);
    m_action->addItem(QString());
    for (const char *a : kActions)
        m_action->addItem(QString::fromLatin1(a));
    m_action->lineEdit()->setPlaceholderText(tr("Any action"));
    m_action->setMinimumContentsLength(18);
    m_targetType = new QLineEdit(this);
    m_targetType->setObjectName(QStringLiteral("targetTypeFilter"));
    m_targetType->setAccessibleName(tr("Target type filter"));
    m_targetType->setPlaceholderText(tr("Target type"));
    m_targetType->setClearButtonEnabled(true);
    m_targetId = new QLineEdit(this);
    m_targetId->setObjectName(QStringLiteral("targetIdFilter"));
    m_targetId->setAccessibleName(tr("Target id filter"));
    m_targetId->setPlaceholderText(tr("Target id"));
    m_targetId->setClearButtonEnabled(true);
    filters->addWidget(m_actorFilter);
    filters->addWidget(m_action);
    filters->addWidget(m_targetType);
    filters->addWidget(m_targetId, 1);
    layout->addLayout(filters);

    auto *range = new QHBoxLayout;
    const QDateTime now = QDateTime::fromMSecsSinceEpoch(m_ctx.clock ? m_ctx.clock->nowMs() : 0);
    m_from = OptionalTime::create(this, tr("&From"), QStringLiteral("fromEnabled"), now.addDays(-7),
                                  QStringLiteral("fromTime"), tr("Entries from"));
    m_to = OptionalTime::create(this, tr("&To"), QStringLiteral("toEnabled"), now.addDays(1),
                                QStringLiteral("toTime"), tr("Entries before"));
    auto *apply = new QPushButton(tr("&Apply filter"), this);
    apply->setObjectName(QStringLiteral("applyFilter"));
    range->addWidget(m_from.on);
    range->addWidget(m_from.time);
    range->addWidget(m_to.on);
    range->addWidget(m_to.time);
    range->addWidget(apply);
    range->addStretch(1);
    auto *verifyButton = panelButton(this, tr("&Verify chain"), QStringLiteral("verifyChain"), this,
                                     &AuditPanel::verify);
    verifyButton->setToolTip(
        tr("Recompute every entry's hash and check that each follows the one before"));
    auto *exportCsv = panelButton(this, tr("Export &CSV…"), QStringLiteral("exportCsv"), this,
                                  [this] { exportAs(QStringLiteral("csv")); });
    auto *exportJson = panelButton(this, tr("Export &JSON…"), QStringLiteral("exportJson"), this,
                                   [this] { exportAs(QStringLiteral("json")); });
    m_startsWork.add({verifyButton, exportCsv, exportJson});
    for (QPushButton *b : {exportCsv, exportJson})
        b->setToolTip(tr("Write the entries of the current filter to a file"));
    range->addWidget(verifyButton);
    range->addWidget(exportCsv);
    range->addWidget(exportJson);
    layout->addLayout(range);

    // Progress of verify or export, and the verdict.
    auto *work = new QHBoxLayout;
    m_progressLabel = new QLabel(this);
    m_job = new JobProgress(this, QStringLiteral("workProgress"), tr("Progress"), tr("Cancel"),
                            QStringLiteral("cancelWork"));
    work->addWidget(m_progressLabel);
    work->addWidget(m_job->bar(), 1);
    work->addWidget(m_job->cancelButton());
    layout->addLayout(work);
    m_progressLabel->hide();
    m_verdict = new QLabel(this);
    m_verdict->setObjectName(QStringLiteral("verdict"));
    m_verdict->setAccessibleName(tr("Verification result"));
    m_verdict->setWordWrap(true);
    m_verdict->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_verdict->hide();
    layout->addWidget(m_verdict);

    m_model = new AuditModel(m_ctx, m_actor, this);
    m_view = newListTable(this, m_model, QStringLiteral("auditTable"), tr("Audit entries"));
    QHeaderView *h = m_view->horizontalHeader();
    h->setSectionResizeMode(QHeaderView::Interactive);
    const QFontMetrics fm = m_view->fontMetrics();
    h->resizeSection(AuditModel::Seq, fm.horizontalAdvance(QStringLiteral("000000")) + 12);
    h->resizeSection(AuditModel::Time,
                     fm.horizontalAdvance(QLocale().toString(
                         QDateTime(QDate(2026, 12, 28), QTime(23, 58, 58)), QLocale::ShortFormat)) +
                         16);
    h->resizeSection(AuditModel::Actor, 160);
    h->resizeSection(AuditModel::Action, 170);
    h->resizeSection(AuditModel::Target, 170);
    h->resizeSection(AuditModel::Workspace, 120);
    h->setStretchLastSection(true);
    layout->addWidget(m_view, 1);

    m_statusLine = new QLabel(this);
    m_statusLine->setObjectName(QStringLiteral("auditStatusLine"));
    layout->addWidget(m_statusLine);

    connect(m_job, &JobProgress::polled, this, [this](qint64 done, qint64 total) {
        QProgressBar *bar = m_job->bar();
        if (bar->maximum() > 0 && total > 0) {
            bar->setMaximum(int(qMin<qint64>(total, std::numeric_limits<int>::max())));
            bar->setValue(int(qMin<qint64>(done, std::numeric_limits<int>::max())));
        }
        bar->setFormat(tr("%1 entries").arg(done));
        m_progressLabel->setText(bar->property("label").toString() + QLatin1Char(' ') +
                                 tr("(%1)").arg(QLocale().toString(done)));
    });
    connect(m_job, &JobProgress::cancelled, this,
            [this] { m_progressLabel->setText(tr("Cancelling…")); });

    connect(apply, &QPushButton::clicked, this, &AuditPanel::applyFilter);
    for (QLineEdit *e : {m_targetType, m_targetId})
        connect(e, &QLineEdit::returnPressed, this, &AuditPanel::applyFilter);
    connect(m_action->lineEdit(), &QLineEdit::returnPressed, this, &AuditPanel::applyFilter);
    connect(m_action, &QComboBox::activated, this, &AuditPanel::applyFilter);
    connect(m_actorFilter, &QComboBox::activated, this, &AuditPanel::applyFilter);
    connect(m_from.on, &QCheckBox::toggled, this, &AuditPanel::applyFilter);
    connect(m_to.on, &QCheckBox::toggled, this, &AuditPanel::applyFilter);
    connect(m_model, &AuditModel::pageLoaded, this, &AuditPanel::updateStatusLine);
    connect(m_model, &AuditModel::loadingChanged, this, &AuditPanel::updateStatusLine);
    connect(m_model, &QAbstractItemModel::modelReset, this, &AuditPanel::updateStatusLine);
    // Every change writes an entry: refresh (debounced) when the newest rows are in view.
    reloadOnChange(
        {},
        [this] {
            if (m_view->verticalScrollBar()->value() == 0)
                m_model->reload();
            else
                m_statusLine->setText(tr("New entries were written; scroll to the top or apply the "
                                         "filter to see them."));
        },
        kLiveDebounceMs);

    m_exportPath = [this](const QString &format) {
        return QFileDialog::getSaveFileName(
            this, tr("Export audit log"), QStringLiteral("audit-log.") + format,
            format == QLatin1String("csv") ? tr("CSV files (*.csv)") : tr("JSON files (*.json)"));
    };
    loadUsers();
    m_model->reload();
}

AuditPanel::~AuditPanel()
{
    m_job->cancel();
    for (const QPointer<QFutureWatcherBase> &w : std::as_const(m_jobs))
        if (w)
            w->waitForFinished();
}

void AuditPanel::loadUsers()
{
    struct Names
    {
        Result<QList<User>> users = QList<User>{};
        QHash<QString, QString> workspaces;
    };
    auto *w = runAsync(
        this,
        [ctx = m_ctx, actor = m_actor] {
            Names n;
            n.users = allUsersByEmail(ctx, actor);
            WorkspaceService ws(ctx);
            if (auto all = collectAll(
                    [&](const QString &cursor) { return ws.list(actor, kCollectAllPage, cursor); }))
                for (const Workspace &w : all.value())
                    n.workspaces.insert(w.id, w.name);
            return n;
        },
        [this](const Names &n) {
            m_model->setWorkspaceNames(n.workspaces);
            if (!n.users)
                return;
            QHash<QString, QString> names;
            for (const User &u : n.users.value()) {
                names.insert(u.id, u.email);
                m_actorFilter->addItem(u.email, u.id);
            }
            m_model->setUserNames(names);
        });
    m_jobs.append(w);
}

AuditFilter AuditPanel::currentFilter() const
{
    AuditFilter f;
    f.actorId = m_actorFilter->currentData().toString();
    f.action = m_action->currentText().trimmed();
    f.targetType = m_targetType->text().trimmed();
    f.targetId = m_targetId->text().trimmed();
    f.fromMs = m_from.msecs().value_or(0);
    f.toMs = m_to.msecs().value_or(0);
    return f;
}

void AuditPanel::applyFilter()
{
    m_model->setFilter(currentFilter());
}

void AuditPanel::updateStatusLine()
{
    const int n = m_model->rowCount();
    QString text;
    if (!m_model->lastError().isEmpty())
        text = tr("Cannot load the audit log: %1").arg(m_model->lastError());
    else if (m_model->isLoading())
        text = tr("%n entry(s) shown, loading more…", nullptr, n);
    else if (m_model->atEnd())
        text = n == 0 ? tr("No entries match.") : tr("%n entry(s), all shown", nullptr, n);
    else
        text = tr("%n entry(s) shown, scroll for more", nullptr, n);
    m_statusLine->setText(text);
}

QString AuditPanel::verdictText() const
{
    return m_verdict->isHidden() ? QString() : m_verdict->text();
}

std::shared_ptr<JobProgress::Counters> AuditPanel::startWork(const QString &label, bool determinate)
{
    m_job->bar()->setRange(0, determinate ? 100 : 0);
    m_job->bar()->setProperty("label", label);
    m_progressLabel->setText(label);
    m_progressLabel->show();
    std::shared_ptr<JobProgress::Counters> work = m_job->start();
    m_job->cancelButton()->setFocus();
    m_startsWork.setEnabled(false);
    return work;
}

void AuditPanel::endWork()
{
    m_job->finish();
    m_progressLabel->hide();
    m_startsWork.setEnabled(true);
    m_working = nullptr;
}

void AuditPanel::cancelWork()
{
    m_job->cancel();
}

void AuditPanel::verify()
{
    if (m_working)
        return;
    const auto work = startWork(tr("Verifying the chain…"), true);
    m_verdict->hide();
    auto *w = runAsync(
        this,
        [ctx = m_ctx, work] {
            VerifyOutcome out;
            AuditService audit(ctx);
            out.verdict = audit.verify([work](qint64 done, qint64 total) {
                work->done = done;
                work->total = total;
                return !work->cancel.load();
            });
            if (!out.verdict.ok && out.verdict.firstBadSeq > 0) {
                // The entry itself, for the verdict: the page that starts at it.
                auto page =
                    audit.list(Actor::system(), {}, 1,
                               cursor::encode(QJsonArray{double(out.verdict.firstBadSeq + 1)}));
                if (page && !page->items.isEmpty() &&
                    page->items.first().seq == out.verdict.firstBadSeq) {
                    out.bad = page->items.first();
                    out.haveBad = true;
                }
            }
            return out;
        },
        [this, work](const VerifyOutcome &out) {
            endWork();
            const AuditVerdict &v = out.verdict;
            m_lastVerifyOk = v.ok;
            m_lastBadSeq = v.firstBadSeq;
            QPalette pal = m_verdict->palette();
            if (v.ok) {
                m_verdict->setText(
                    tr("The chain is intact: %n entry(s) checked, each follows the one before "
                       "and none was altered.",
                       nullptr, int(v.checked)));
                pal.setColor(QPalette::WindowText, toneColor(pal, Tone::Good));
            } else if (work->cancel.load() && v.firstBadSeq == 0) {
                m_verdict->setText(tr("Verification cancelled after %n entry(s); no verdict.",
                                      nullptr, int(v.checked)));
                pal.setColor(QPalette::WindowText, palette().color(QPalette::WindowText));
            } else {
                QString text =
                    tr("The chain is broken. First bad entry: #%1 (%2). %n entry(s) before it are "
                       "intact.",
                       nullptr, int(v.checked))
                        .arg(v.firstBadSeq)
                        .arg(v.reason);
                if (out.haveBad)
                    text +=
                        QLatin1Char(' ') +
                        tr("Entry #%1 is “%2” by %3 at %4.")
                            .arg(out.bad.seq)
                            .arg(out.bad.action, m_model->actorName(out.bad.actorId),
                                 QDateTime::fromMSecsSinceEpoch(out.bad.at).toString(Qt::ISODate));
                m_verdict->setText(text);
                pal.setColor(QPalette::WindowText, toneColor(pal, Tone::Bad));
                const int row = m_model->rowOfSeq(v.firstBadSeq);
                if (row >= 0) {
                    m_view->selectRow(row);
                    m_view->scrollTo(m_model->index(row, 0));
                }
            }
            m_verdict->setPalette(pal);
            m_verdict->show();
            emit verifyFinished(v.ok);
        });
    m_working = w;
    m_jobs.append(w);
}

void AuditPanel::exportAs(const QString &format)
{
    if (m_working)
        return;
    const QString path = m_exportPath ? m_exportPath(format) : QString();
    if (path.isEmpty())
        return;
    const auto fmt =
        format == QLatin1String("json") ? AuditExporter::Format::Json : AuditExporter::Format::Csv;
    const auto work = startWork(tr("Exporting to %1…").arg(path), false);
    auto *w = runAsync(
        this,
        [ctx = m_ctx, actor = m_actor, filter = currentFilter(), fmt, path, work] {
            return AuditExporter::write(ctx, actor, filter, fmt, path, &work->done, &work->cancel);
        },
        [this, path, work](const Result<qint64> &r) {
            endWork();
            QString message;
            if (r)
                message = tr("Exported %n entry(s) to %1.", nullptr, int(r.value())).arg(path);
            else if (work->cancel.load())
                message = tr("Export cancelled; no file was written.");
            else
                message = tr("Export failed: %1").arg(ErrorText::of(r.error()));
            m_statusLine->setText(message);
            emit exportFinished(r.ok(), message);
        });
    m_working = w;
    m_jobs.append(w);
}

} // namespace wfx::ui
