// SPDX-License-Identifier: Apache-2.0
#include "ui/runs/RunsPanel.h"

#include "models/runs/MetricFilter.h"
#include "models/workspaces/WorkspaceService.h"
#include "ui/common/Async.h"
#include "ui/common/CollectAll.h"
#include "ui/common/ErrorText.h"
#include "ui/common/Heading.h"
#include "ui/common/ListTable.h"
#include "ui/runs/RunCompareDialog.h"
#include "ui/runs/RunDetailsDialog.h"
#include "ui/runs/RunsModel.h"

#include <QComboBox>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QScrollBar>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace wfx::ui {

namespace {

struct Directory
{
    QList<Workspace> workspaces;
    QHash<QString, QString> projects; // id -> name
    QString error;
};

} // namespace

RunsPanel::RunsPanel(ModelContext ctx, Actor actor, RunFiles files, QWidget *parent)
    : StorePanel(std::move(ctx), std::move(actor), parent), m_files(std::move(files))
{
    setAccessibleName(tr("Runs"));
    auto *layout = new QVBoxLayout(this);

    auto *title = heading(tr("Runs"), this);
    layout->addWidget(title);

    // Filters.
    auto *filters = new QHBoxLayout;
    m_workspace = new QComboBox(this);
    m_workspace->setObjectName(QStringLiteral("workspaceFilter"));
    m_workspace->setAccessibleName(tr("Workspace filter"));
    m_workspace->addItem(tr("All workspaces"), QString());
    m_workspace->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_project = new QComboBox(this);
    m_project->setObjectName(QStringLiteral("projectFilter"));
    m_project->setAccessibleName(tr("Project filter"));
    m_project->addItem(tr("All projects"), QString());
    m_project->setEnabled(false);
    m_project->setToolTip(tr("Choose a workspace to filter by project"));
    m_project->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_status = new QComboBox(this);
    m_status->setObjectName(QStringLiteral("statusFilter"));
    m_status->setAccessibleName(tr("Status filter"));
    m_status->addItem(tr("Any status"), QString());
    m_status->addItem(tr("Queued"), QStringLiteral("queued"));
    m_status->addItem(tr("Running"), QStringLiteral("running"));
    m_status->addItem(tr("Completed"), QStringLiteral("completed"));
    m_status->addItem(tr("Failed"), QStringLiteral("failed"));
    m_status->addItem(tr("Cancelled"), QStringLiteral("cancelled"));
    m_evidence = new QComboBox(this);
    m_evidence->setObjectName(QStringLiteral("evidenceFilter"));
    m_evidence->setAccessibleName(tr("Evidence filter"));
    m_evidence->addItem(tr("Any evidence"), QString());
    m_evidence->addItem(tr("Verified"), QStringLiteral("verified"));
    m_evidence->addItem(tr("Signature mismatch"), QStringLiteral("unverified"));
    m_evidence->addItem(tr("Unsigned"), QStringLiteral("unsigned"));
    m_text = new QLineEdit(this);
    m_text->setObjectName(QStringLiteral("textFilter"));
    m_text->setAccessibleName(tr("Search run names"));
    m_text->setPlaceholderText(tr("Search names…"));
    m_text->setClearButtonEnabled(true);
    filters->addWidget(m_workspace);
    filters->addWidget(m_project);
    filters->addWidget(m_status);
    filters->addWidget(m_evidence);
    filters->addWidget(m_text, 1);
    layout->addLayout(filters);

    // A metric's last value: filter (`loss < 0.1`) and order (by the named metric).
    auto *metricRow = new QHBoxLayout;
    m_metric = new QLineEdit(this);
    m_metric->setObjectName(QStringLiteral("metricFilter"));
    m_metric->setAccessibleName(tr("Metric filter"));
    m_metric->setPlaceholderText(tr("Metric filter, e.g. loss < 0.1"));
    m_metric->setToolTip(
        tr("A metric's last value (at the run's highest step): a name, one of < <= > >= = != "
           "and a number. A name alone orders by that metric."));
    m_metric->setClearButtonEnabled(true);
    m_order = new QComboBox(this);
    m_order->setObjectName(QStringLiteral("runOrder"));
    m_order->setAccessibleName(tr("Order of runs"));
    m_order->addItem(tr("Newest first"));
    m_order->addItem(tr("Metric, lowest first"));
    m_order->addItem(tr("Metric, highest first"));
    m_compare = new QPushButton(tr("&Compare…"), this);
    m_compare->setObjectName(QStringLiteral("compareRuns"));
    m_compare->setToolTip(
        tr("Select 2 to %1 runs (Ctrl+click) to compare them").arg(RunCompareDialog::kMaxRuns));
    m_compare->setEnabled(false);
    metricRow->addWidget(m_metric, 1);
    metricRow->addWidget(m_order);
    metricRow->addWidget(m_compare);
    layout->addLayout(metricRow);
    m_metricError = new QLabel(this);
    m_metricError->setObjectName(QStringLiteral("metricFilterError"));
    m_metricError->setWordWrap(true);
    m_metricError->setStyleSheet(QStringLiteral("color: #b3261e;"));
    m_metricError->hide();
    layout->addWidget(m_metricError);

    // "New runs" bar, shown when changes arrive while the user is scrolled down.
    m_newRunsBar = new QFrame(this);
    m_newRunsBar->setObjectName(QStringLiteral("newRunsBar"));
    m_newRunsBar->setFrameShape(QFrame::StyledPanel);
    m_newRunsBar->setAutoFillBackground(true);
    m_newRunsBar->setBackgroundRole(QPalette::AlternateBase);
    auto *barLayout = new QHBoxLayout(m_newRunsBar);
    barLayout->setContentsMargins(8, 4, 8, 4);
    barLayout->addWidget(new QLabel(tr("Runs were added or removed."), m_newRunsBar), 1);
    auto *refresh = new QPushButton(tr("&Refresh"), m_newRunsBar);
    refresh->setObjectName(QStringLiteral("refreshRuns"));
    barLayout->addWidget(refresh);
    m_newRunsBar->hide();
    layout->addWidget(m_newRunsBar);

    m_model = new RunsModel(m_ctx, m_actor, this);
    m_view = newListTable(this, m_model, QStringLiteral("runsTable"), tr("Runs table"));
    m_view->setSortingEnabled(false); // the store's order: newest first, or by a metric
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection); // runs to compare
    QHeaderView *h = m_view->horizontalHeader();
    h->setSectionResizeMode(QHeaderView::Interactive);
    h->setStretchLastSection(false);
    h->setSectionResizeMode(RunsModel::Name, QHeaderView::Stretch);
    h->resizeSection(RunsModel::Status, 110);
    h->resizeSection(RunsModel::Evidence, 150);
    h->resizeSection(RunsModel::Project, 160);
    h->resizeSection(RunsModel::Created, 160);
    h->resizeSection(RunsModel::Metrics, 110);
    layout->addWidget(m_view, 1);

    m_statusLine = new QLabel(this);
    m_statusLine->setObjectName(QStringLiteral("runsStatusLine"));
    layout->addWidget(m_statusLine);

    m_textTimer = new QTimer(this);
    m_textTimer->setSingleShot(true);
    m_textTimer->setInterval(kTextDebounceMs);

    connect(m_text, &QLineEdit::textChanged, m_textTimer, qOverload<>(&QTimer::start));
    connect(m_metric, &QLineEdit::textChanged, m_textTimer, qOverload<>(&QTimer::start));
    connect(m_metric, &QLineEdit::returnPressed, this, &RunsPanel::applyFilter);
    connect(m_order, &QComboBox::currentIndexChanged, this, &RunsPanel::applyFilter);
    connect(m_compare, &QPushButton::clicked, this, &RunsPanel::compareSelected);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &RunsPanel::updateCompareButton);
    connect(m_model, &QAbstractItemModel::modelReset, this, &RunsPanel::updateCompareButton);
    connect(m_textTimer, &QTimer::timeout, this, &RunsPanel::applyFilter);
    connect(m_workspace, &QComboBox::currentIndexChanged, this, [this] {
        if (m_filling)
            return;
        loadProjects(m_workspace->currentData().toString());
        applyFilter();
    });
    for (QComboBox *c : {m_project, m_status, m_evidence})
        connect(c, &QComboBox::currentIndexChanged, this, [this] {
            if (!m_filling)
                applyFilter();
        });
    connect(m_view, &QTableView::doubleClicked, this,
            [this](const QModelIndex &index) { openDetails(index.row()); });
    connect(refresh, &QPushButton::clicked, this, &RunsPanel::refreshNow);
    connect(m_model, &RunsModel::pageLoaded, this, &RunsPanel::updateStatusLine);
    connect(m_model, &RunsModel::loadingChanged, this, &RunsPanel::updateStatusLine);
    connect(m_model, &QAbstractItemModel::modelReset, this, &RunsPanel::updateStatusLine);
    m_view->installEventFilter(this);

    m_liveTimer = reloadOnChange({QStringLiteral("run")}, [this] { onRunChanged(); });
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int v) {
        if (v == 0 && m_newRunsBar->isVisible())
            refreshNow(); // back at the top: show what arrived
    });

    loadWorkspaces();
    m_model->reload();
}

bool RunsPanel::eventFilter(QObject *watched, QEvent *event)
{
    // Enter or Return on the table opens the selected run's details.
    if (watched == m_view && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent *>(event)->key();
        if ((key == Qt::Key_Return || key == Qt::Key_Enter) && m_view->currentIndex().isValid()) {
            openDetails(m_view->currentIndex().row());
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

bool RunsPanel::hasPendingRefresh() const
{
    return !m_newRunsBar->isHidden();
}

RunDetailsDialog *RunsPanel::openDetails(int row)
{
    if (row < 0 || row >= m_model->rowCount())
        return nullptr;
    auto *dialog = new RunDetailsDialog(m_ctx, m_actor, m_model->runAt(row), m_files, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &RunDetailsDialog::runDeleted, this, [this](const QString &) {
        m_liveTimer->start(); // the bus also says so; either way one refresh
    });
    dialog->show();
    return dialog;
}

RunCompareDialog *RunsPanel::compareSelected()
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    if (rows.size() < 2 || rows.size() > RunCompareDialog::kMaxRuns)
        return nullptr;
    QList<Run> runs;
    for (const QModelIndex &i : rows)
        runs.append(m_model->runAt(i.row()));
    // In the table's order, whatever order they were picked in.
    std::sort(runs.begin(), runs.end(), [this](const Run &a, const Run &b) {
        return m_model->rowOf(a.id) < m_model->rowOf(b.id);
    });
    auto *dialog = new RunCompareDialog(m_ctx, m_actor, runs, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    return dialog;
}

void RunsPanel::updateCompareButton()
{
    const qsizetype n = m_view->selectionModel()->selectedRows().size();
    m_compare->setEnabled(n >= 2 && n <= RunCompareDialog::kMaxRuns);
    if (n > RunCompareDialog::kMaxRuns)
        m_compare->setToolTip(
            tr("At most %1 runs can be compared at once").arg(RunCompareDialog::kMaxRuns));
    else
        m_compare->setToolTip(
            tr("Select 2 to %1 runs (Ctrl+click) to compare them").arg(RunCompareDialog::kMaxRuns));
}

QString RunsPanel::metricFilterError() const
{
    return m_metricError->isHidden() ? QString() : m_metricError->text();
}

namespace {
QString problemText(const metricfilter::Parsed &p)
{
    using P = metricfilter::Problem;
    switch (p.problem) {
    case P::None:
        return {};
    case P::Empty:
    case P::MissingName:
        return RunsPanel::tr("Write a metric name before the operator, e.g. loss < 0.1.");
    case P::MissingOp:
        return RunsPanel::tr(
            "After the metric name comes one of < <= > >= = != and a number, e.g. loss < 0.1.");
    case P::MissingValue:
        return RunsPanel::tr("A number is missing after the operator, e.g. loss < 0.1.");
    case P::BadValue:
        return RunsPanel::tr("“%1” is not a number: write it like 0.1, -2 or 1e-3.").arg(p.near);
    case P::Unterminated:
        return RunsPanel::tr("The quoted metric name has no closing quote.");
    case P::TooLong:
        return RunsPanel::tr("The metric name is too long.");
    }
    return {};
}

bool hasOperator(const QString &text)
{
    for (const QChar c : text)
        if (c == QLatin1Char('<') || c == QLatin1Char('>') || c == QLatin1Char('=') ||
            c == QLatin1Char('!'))
            return true;
    return false;
}
} // namespace

void RunsPanel::loadWorkspaces()
{
    ModelContext ctx = m_ctx;
    Actor actor = m_actor;
    runAsync(
        this,
        [ctx, actor] {
            WorkspaceService ws(ctx);
            Directory dir;
            auto workspaces = collectAll(
                [&](const QString &cursor) { return ws.list(actor, kCollectAllPage, cursor); });
            if (!workspaces) {
                dir.error = ErrorText::of(workspaces.error());
                return dir;
            }
            dir.workspaces = workspaces.value();
            // Project names for the Project column.
            for (const Workspace &w : dir.workspaces) {
                auto projects = collectAll([&](const QString &cursor) {
                    return ws.listProjects(actor, w.id, kCollectAllPage, cursor);
                });
                if (projects)
                    for (const Project &p : projects.value())
                        dir.projects.insert(p.id, p.name);
            }
            return dir;
        },
        [this](const Directory &dir) {
            if (!dir.error.isEmpty()) {
                m_statusLine->setText(tr("Cannot list workspaces: %1").arg(dir.error));
                return;
            }
            m_filling = true;
            for (const Workspace &w : dir.workspaces)
                m_workspace->addItem(w.name, w.id);
            m_filling = false;
            m_model->setProjectNames(dir.projects);
        });
}

void RunsPanel::loadProjects(const QString &workspaceId)
{
    m_filling = true;
    m_project->clear();
    m_project->addItem(tr("All projects"), QString());
    m_project->setEnabled(false);
    m_filling = false;
    if (workspaceId.isEmpty())
        return;
    ModelContext ctx = m_ctx;
    Actor actor = m_actor;
    runAsync(
        this,
        [ctx, actor, workspaceId] {
            WorkspaceService ws(ctx);
            return collectAll([&](const QString &cursor) {
                return ws.listProjects(actor, workspaceId, kCollectAllPage, cursor);
            });
        },
        [this, workspaceId](const Result<QList<Project>> &r) {
            if (!r || m_workspace->currentData().toString() != workspaceId)
                return;
            m_filling = true;
            for (const Project &p : r.value())
                m_project->addItem(p.name, p.id);
            m_project->setEnabled(true);
            m_project->setToolTip(QString());
            m_filling = false;
        });
}

void RunsPanel::applyFilter()
{
    m_textTimer->stop();
    RunFilter f;
    f.workspaceId = m_workspace->currentData().toString();
    f.projectId = m_project->currentData().toString();
    f.status = m_status->currentData().toString();
    f.evidence = m_evidence->currentData().toString();
    f.text = m_text->text().trimmed();
    // The metric field holds a condition, or a name alone to order by.
    const QString metric = m_metric->text().trimmed();
    QString orderName, error;
    if (!metric.isEmpty() && (hasOperator(metric) || metric.startsWith(QLatin1Char('"')))) {
        const auto parsed = metricfilter::parse(metric);
        if (parsed.condition) {
            f.metric = parsed.condition;
            orderName = parsed.condition->name;
        } else {
            error = problemText(parsed);
        }
    } else {
        orderName = metric;
    }
    if (error.isEmpty() && m_order->currentIndex() > 0) {
        if (orderName.isEmpty())
            error = tr("Name a metric to order by, e.g. loss.");
        f.orderMetric = orderName;
        f.orderDescending = m_order->currentIndex() == 2;
    }
    m_metricError->setText(error);
    m_metricError->setVisible(!error.isEmpty());
    if (!error.isEmpty())
        return; // the listing stays as it was until the expression reads
    m_newRunsBar->hide();
    m_model->setFilter(f);
}

void RunsPanel::onRunChanged()
{
    if (m_view->verticalScrollBar()->value() == 0)
        refreshNow();
    else
        m_newRunsBar->show();
}

void RunsPanel::refreshNow()
{
    m_newRunsBar->hide();
    m_model->reload();
}

void RunsPanel::updateStatusLine()
{
    const int n = m_model->rowCount();
    QString text;
    if (!m_model->lastError().isEmpty())
        text = tr("Cannot load runs: %1").arg(m_model->lastError());
    else if (m_model->isLoading())
        text = tr("%n run(s) shown, loading more…", nullptr, n);
    else if (m_model->atEnd())
        text = n == 0 ? tr("No runs match.") : tr("%n run(s), all shown", nullptr, n);
    else
        text = tr("%n run(s) shown, scroll for more", nullptr, n);
    m_statusLine->setText(text);
}

} // namespace wfx::ui
