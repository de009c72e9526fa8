// SPDX-License-Identifier: Apache-2.0
#include "ui/runs/RunDetailsDialog.h"

#include "models/events/ChangeBus.h"
#include "ui/common/Async.h"
#include "ui/common/Confirm.h"
#include "ui/common/ErrorText.h"
#include "ui/common/Heading.h"
#include "ui/common/Tone.h"
#include "ui/runs/MetricChart.h"
#include "ui/runs/RunFilesTab.h"
#include "ui/runs/RunsModel.h"

#include <QDateTime>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTextCursor>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>
#include <QtCharts/QChart>

namespace wfx::ui {

namespace {

struct Details
{
    Result<QJsonObject> manifest = QJsonObject{};
    Result<QStringList> metricNames = QStringList{};
    Result<RunSignature> signature = RunSignature{};
};

struct SeriesBatch
{
    quint64 generation = 0;
    QList<MetricChart::Line> lines;
    QString error;
};

QString jsonScalar(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double:
        return QString::number(v.toDouble(), 'g', 17);
    case QJsonValue::String:
        return v.toString();
    default:
        return {};
    }
}

void addJson(QStandardItem *parent, const QString &key, const QJsonValue &value)
{
    auto *k = new QStandardItem(key);
    auto *v = new QStandardItem;
    k->setEditable(false);
    v->setEditable(false);
    if (value.isObject()) {
        const QJsonObject o = value.toObject();
        v->setText(RunDetailsDialog::tr("{%n key(s)}", nullptr, int(o.size())));
        for (auto it = o.constBegin(); it != o.constEnd(); ++it)
            addJson(k, it.key(), it.value());
    } else if (value.isArray()) {
        const QJsonArray a = value.toArray();
        v->setText(RunDetailsDialog::tr("[%n item(s)]", nullptr, int(a.size())));
        for (int i = 0; i < a.size(); ++i)
            addJson(k, QString::number(i), a.at(i));
    } else {
        v->setText(jsonScalar(value));
    }
    parent->appendRow({k, v});
}

QString when(std::optional<qint64> ms)
{
    return ms ? QLocale().toString(QDateTime::fromMSecsSinceEpoch(*ms), QLocale::LongFormat)
              : RunDetailsDialog::tr("—");
}

} // namespace

RunDetailsDialog::RunDetailsDialog(ModelContext ctx, Actor actor, const Run &run, RunFiles files,
                                   QWidget *parent)
    : QDialog(parent), m_ctx(std::move(ctx)), m_actor(std::move(actor)), m_run(run)
{
    setWindowTitle(tr("Run %1").arg(run.name));
    setAccessibleName(tr("Run details"));
    resize(900, 640);
    auto *layout = new QVBoxLayout(this);

    auto *title = heading(run.name, this, 1.3);
    title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(title);

    m_tabs = new QTabWidget(this);
    m_tabs->addTab(buildSummaryTab(), tr("&Summary"));
    m_tabs->addTab(buildManifestTab(), tr("&Manifest"));
    m_tabs->addTab(buildMetricsTab(), tr("Me&trics"));
    m_tabs->addTab(buildLogTab(), tr("&Log"));
    m_files = new RunFilesTab(m_ctx, m_actor, m_run.id, std::move(files), this);
    m_tabs->addTab(m_files, tr("&Files"));
    layout->addWidget(m_tabs, 1);

    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("message"));
    m_message->setWordWrap(true);
    layout->addWidget(m_message);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_delete = buttons->addButton(tr("&Delete…"), QDialogButtonBox::DestructiveRole);
    m_delete->setObjectName(QStringLiteral("deleteRun"));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_delete, &QPushButton::clicked, this, &RunDetailsDialog::deleteRun);
    layout->addWidget(buttons);

    loadDetails();
    loadLog(0);
    followChanges();
}

void RunDetailsDialog::followChanges()
{
    if (!m_ctx.bus)
        return;
    m_follow = new QTimer(this);
    m_follow->setSingleShot(true);
    m_follow->setInterval(200); // a burst of batches: one refresh
    connect(m_follow, &QTimer::timeout, this, &RunDetailsDialog::refresh);
    connect(m_ctx.bus, &ChangeBus::changed, this,
            [this](const QString &entity, const QString &id, bool) {
                if (entity == QLatin1String("run") && id == m_run.id && m_loaded)
                    m_follow->start();
            });
}

void RunDetailsDialog::showRun(const Run &run)
{
    m_run.status = run.status;
    m_run.finishedAt = run.finishedAt;
    m_run.metricCount = run.metricCount;
    m_run.logBytes = run.logBytes;
    m_run.evidence = run.evidence;
    m_status->setText(RunsModel::statusText(run.status));
    m_finished->setText(when(run.finishedAt));
    m_points->setText(QLocale().toString(run.metricCount));
    m_logSize->setText(QLocale().formattedDataSize(run.logBytes));
    m_evidence->setText(evidenceExplanation(run.evidence));
}

void RunDetailsDialog::refresh()
{
    if (m_refreshing) { // one at a time: the next change asks again
        m_follow->start();
        return;
    }
    m_refreshing = true;
    struct Fresh
    {
        Result<Run> run;
    };
    runAsync(
        this,
        [ctx = m_ctx, actor = m_actor, id = m_run.id] {
            return Fresh{RunService(ctx).get(actor, id)};
        },
        [this](const Fresh &f) {
            m_refreshing = false;
            if (!f.run)
                return; // deleted or no longer visible: the Delete path and the panel say so
            const Run &run = f.run.value();
            const bool logGrew = run.logBytes > m_run.logBytes;
            showRun(run);
            // New series join the list (shown while fewer than kDefaultSeries are).
            if (run.metricNames) {
                QSignalBlocker block(m_metricList);
                QSet<QString> listed;
                int checked = 0;
                for (int i = 0; i < m_metricList->count(); ++i) {
                    listed.insert(m_metricList->item(i)->text());
                    checked += m_metricList->item(i)->checkState() == Qt::Checked;
                }
                for (const QString &name : *run.metricNames) {
                    if (listed.contains(name))
                        continue;
                    auto *item = new QListWidgetItem(name, m_metricList);
                    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
                    item->setCheckState(checked++ < kDefaultSeries ? Qt::Checked : Qt::Unchecked);
                }
                if (!run.metricNames->isEmpty())
                    m_metricsNote->clear();
            }
            loadSeries();
            // The log's new bytes, when everything before them is shown.
            if (logGrew && m_logNext < 0)
                loadLog(m_logShown);
            emit refreshed();
        });
}

QChart *RunDetailsDialog::chart() const
{
    return m_metricChart->chart();
}

RunDetailsDialog::~RunDetailsDialog()
{
    // Workers read the store through m_ctx: let them end before it goes.
    m_files->cancelJob();
    const auto watchers = findChildren<QFutureWatcherBase *>();
    for (auto *w : watchers) {
        w->disconnect(this);
        w->waitForFinished();
    }
}

QString RunDetailsDialog::evidenceExplanation(const QString &evidence)
{
    if (evidence == QLatin1String("verified"))
        return tr("Signed with Ed25519 and the signature matches the manifest.");
    if (evidence == QLatin1String("unverified"))
        return tr("A signature was sent but does not match the manifest.");
    return tr("No signature was sent.");
}

QWidget *RunDetailsDialog::buildSummaryTab()
{
    auto *w = new QWidget(this);
    auto *form = new QFormLayout(w);
    auto value = [w](const QString &text) {
        auto *l = new QLabel(text, w);
        l->setTextInteractionFlags(Qt::TextSelectableByMouse);
        l->setWordWrap(true);
        return l;
    };
    form->addRow(tr("Run id:"), value(m_run.id));
    form->addRow(tr("Client run id:"), value(m_run.clientRunId));
    m_status = value(RunsModel::statusText(m_run.status));
    m_status->setObjectName(QStringLiteral("status"));
    form->addRow(tr("Status:"), m_status);
    form->addRow(tr("Project id:"), value(m_run.projectId));
    form->addRow(tr("Workspace id:"), value(m_run.workspaceId));
    form->addRow(tr("Created:"), value(when(m_run.createdAt)));
    form->addRow(tr("Started:"), value(when(m_run.startedAt)));
    m_finished = value(when(m_run.finishedAt));
    form->addRow(tr("Finished:"), m_finished);
    m_points = value(QLocale().toString(m_run.metricCount));
    m_points->setObjectName(QStringLiteral("metricPoints"));
    form->addRow(tr("Metric points:"), m_points);
    m_logSize = value(QLocale().formattedDataSize(m_run.logBytes));
    m_logSize->setObjectName(QStringLiteral("logSize"));
    form->addRow(tr("Log size:"), m_logSize);
    m_evidence = value(evidenceExplanation(m_run.evidence));
    m_evidence->setObjectName(QStringLiteral("evidence"));
    form->addRow(tr("Evidence:"), m_evidence);
    m_signatureDetails = value(QString());
    m_signatureDetails->setObjectName(QStringLiteral("signatureDetails"));
    form->addRow(QString(), m_signatureDetails);
    return w;
}

QWidget *RunDetailsDialog::buildManifestTab()
{
    m_manifest = new QStandardItemModel(this);
    m_manifest->setHorizontalHeaderLabels({tr("Key"), tr("Value")});
    m_manifestView = new QTreeView(this);
    m_manifestView->setObjectName(QStringLiteral("manifestTree"));
    m_manifestView->setAccessibleName(tr("Manifest"));
    m_manifestView->setModel(m_manifest);
    m_manifestView->setUniformRowHeights(true);
    m_manifestView->header()->setSectionResizeMode(0, QHeaderView::Interactive);
    m_manifestView->header()->resizeSection(0, 260);
    return m_manifestView;
}

QWidget *RunDetailsDialog::buildMetricsTab()
{
    auto *w = new QWidget(this);
    auto *layout = new QVBoxLayout(w);
    auto *splitter = new QSplitter(w);
    m_metricList = new QListWidget(splitter);
    m_metricList->setObjectName(QStringLiteral("metricList"));
    m_metricList->setAccessibleName(tr("Metrics to chart"));
    m_metricChart = new MetricChart(splitter);
    splitter->addWidget(m_metricList);
    splitter->addWidget(m_metricChart);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({180, 600});
    layout->addWidget(splitter, 1);
    auto *row = new QHBoxLayout;
    m_metricsNote = new QLabel(tr("Drag over the chart to zoom in."), w);
    auto *reset = new QPushButton(tr("&Reset zoom"), w);
    reset->setObjectName(QStringLiteral("resetZoom"));
    row->addWidget(m_metricsNote, 1);
    row->addWidget(reset);
    layout->addLayout(row);
    connect(reset, &QPushButton::clicked, m_metricChart->chart(), &QChart::zoomReset);
    connect(m_metricList, &QListWidget::itemChanged, this, [this] { loadSeries(); });
    return w;
}

QWidget *RunDetailsDialog::buildLogTab()
{
    auto *w = new QWidget(this);
    auto *layout = new QVBoxLayout(w);
    auto *row = new QHBoxLayout;
    m_logSearch = new QLineEdit(w);
    m_logSearch->setObjectName(QStringLiteral("logSearch"));
    m_logSearch->setAccessibleName(tr("Search the log"));
    m_logSearch->setPlaceholderText(tr("Search the log…"));
    m_logSearch->setClearButtonEnabled(true);
    auto *next = new QPushButton(tr("Find &next"), w);
    row->addWidget(m_logSearch, 1);
    row->addWidget(next);
    layout->addLayout(row);
    m_log = new QPlainTextEdit(w);
    m_log->setObjectName(QStringLiteral("logView"));
    m_log->setAccessibleName(tr("Log"));
    m_log->setReadOnly(true);
    m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    layout->addWidget(m_log, 1);
    auto *bottom = new QHBoxLayout;
    m_logNote = new QLabel(w);
    m_logNote->setObjectName(QStringLiteral("logNote"));
    m_logMore = new QPushButton(tr("Load &more"), w);
    m_logMore->setObjectName(QStringLiteral("logMore"));
    m_logMore->setEnabled(false);
    bottom->addWidget(m_logNote, 1);
    bottom->addWidget(m_logMore);
    layout->addLayout(bottom);
    connect(m_logSearch, &QLineEdit::textChanged, this, [this] { findInLog(true); });
    connect(m_logSearch, &QLineEdit::returnPressed, this, [this] { findInLog(false); });
    connect(next, &QPushButton::clicked, this, [this] { findInLog(false); });
    connect(m_logMore, &QPushButton::clicked, this, [this] { loadLog(m_logNext); });
    return w;
}

void RunDetailsDialog::loadDetails()
{
    runAsync(
        this,
        [ctx = m_ctx, actor = m_actor, id = m_run.id] {
            RunService runs(ctx);
            return Details{runs.manifest(actor, id), runs.metricNames(actor, id),
                           runs.signature(actor, id)};
        },
        [this](const Details &d) {
            if (!d.manifest) {
                m_message->setText(
                    tr("Cannot load the run: %1").arg(ErrorText::of(d.manifest.error())));
                emit failed(ErrorText::of(d.manifest.error()));
                return;
            }
            const QJsonObject manifest = d.manifest.value();
            for (auto it = manifest.constBegin(); it != manifest.constEnd(); ++it)
                addJson(m_manifest->invisibleRootItem(), it.key(), it.value());
            m_manifestView->expandToDepth(0);

            if (d.signature && d.signature->present) {
                const RunSignature &s = d.signature.value();
                m_evidence->setText(evidenceExplanation(s.evidence));
                m_signatureDetails->setText(
                    tr("Algorithm: %1\nPublic key: %2\nManifest SHA-256 at signing: %3\nChecked: "
                       "%4")
                        .arg(
                            s.alg, s.publicKey, s.signedSha256,
                            when(s.checkedAt ? std::optional<qint64>(s.checkedAt) : std::nullopt)));
            }

            if (d.metricNames) {
                QSignalBlocker block(m_metricList);
                int i = 0;
                for (const QString &name : d.metricNames.value()) {
                    auto *item = new QListWidgetItem(name, m_metricList);
                    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
                    item->setCheckState(i++ < kDefaultSeries ? Qt::Checked : Qt::Unchecked);
                }
                if (d.metricNames->isEmpty())
                    m_metricsNote->setText(tr("This run has no metrics."));
            }
            m_loaded = true;
            emit loaded();
            loadSeries();
        });
}

void RunDetailsDialog::loadSeries()
{
    QStringList names;
    for (int i = 0; i < m_metricList->count(); ++i)
        if (m_metricList->item(i)->checkState() == Qt::Checked)
            names << m_metricList->item(i)->text();
    const quint64 generation = ++m_seriesGeneration;
    runAsync(
        this,
        [ctx = m_ctx, actor = m_actor, id = m_run.id, names, generation] {
            RunService runs(ctx);
            SeriesBatch batch{generation, {}, {}};
            for (const QString &name : names) {
                auto points = runs.metricSeries(actor, id, name, kSeriesPoints);
                if (!points) {
                    batch.error = ErrorText::of(points.error());
                    break;
                }
                MetricChart::Line line{name, {}};
                line.points.reserve(points->size());
                for (const SeriesPoint &p : points.value())
                    line.points.append(QPointF(double(p.step), p.value));
                batch.lines.append(std::move(line));
            }
            return batch;
        },
        [this](const SeriesBatch &batch) {
            if (batch.generation != m_seriesGeneration)
                return; // the selection changed since
            if (!batch.error.isEmpty()) {
                m_metricsNote->setText(tr("Cannot load the metrics: %1").arg(batch.error));
                m_metricChart->setLines({});
                return;
            }
            m_metricChart->setLines(batch.lines);
            emit seriesLoaded();
        });
}

void RunDetailsDialog::loadLog(qint64 offset)
{
    m_logMore->setEnabled(false);
    runAsync(
        this,
        [ctx = m_ctx, actor = m_actor, id = m_run.id, offset] {
            RunService runs(ctx);
            return runs.log(actor, id, offset);
        },
        [this](const Result<LogSlice> &r) {
            if (!r) {
                m_logNote->setText(tr("Cannot load the log: %1").arg(ErrorText::of(r.error())));
                return;
            }
            QTextCursor end(m_log->document());
            end.movePosition(QTextCursor::End);
            end.insertText(r->content);
            m_logNext = r->nextOffset;
            const qint64 shown = r->nextOffset < 0 ? r->totalBytes : r->nextOffset;
            m_logShown = shown;
            if (r->totalBytes == 0)
                m_logNote->setText(tr("This run has no log."));
            else
                m_logNote->setText(tr("%1 of %2 loaded; search looks in the loaded part.")
                                       .arg(QLocale().formattedDataSize(shown),
                                            QLocale().formattedDataSize(r->totalBytes)));
            m_logMore->setEnabled(r->nextOffset >= 0);
            emit logLoaded();
        });
}

void RunDetailsDialog::findInLog(bool fromStart)
{
    const QString needle = m_logSearch->text();
    if (needle.isEmpty()) {
        m_logSearch->setPalette(palette());
        m_logSearch->setToolTip(QString());
        return;
    }
    if (fromStart)
        m_log->moveCursor(QTextCursor::Start);
    bool found = m_log->find(needle);
    if (!found && !fromStart) { // wrap around
        m_log->moveCursor(QTextCursor::Start);
        found = m_log->find(needle);
    }
    m_logSearch->setProperty("notFound", !found);
    m_logSearch->setToolTip(found ? QString() : tr("Not found in the loaded log"));
    QPalette pal = m_logSearch->palette();
    pal.setColor(QPalette::Text,
                 found ? palette().color(QPalette::Text) : toneColor(pal, Tone::Bad));
    m_logSearch->setPalette(pal);
}

void RunDetailsDialog::deleteRun()
{
    const bool yes = Confirm::ask(
        this, tr("Delete run"),
        tr("Delete the run \u201c%1\u201d? Its metrics, log and evidence are removed from the "
           "store. This cannot be undone.")
            .arg(m_run.name),
        tr("Delete run"));
    if (!yes)
        return;
    m_delete->setEnabled(false);
    m_message->setText(tr("Deleting…"));
    runAsync(
        this,
        [ctx = m_ctx, actor = m_actor, id = m_run.id] {
            RunService runs(ctx);
            return runs.remove(actor, id);
        },
        [this](const Status &s) {
            if (!s) {
                m_delete->setEnabled(true);
                m_message->setText(tr("Cannot delete the run: %1").arg(ErrorText::of(s.error())));
                emit failed(ErrorText::of(s.error()));
                return;
            }
            emit runDeleted(m_run.id);
            accept();
        });
}

} // namespace wfx::ui
