// SPDX-License-Identifier: Apache-2.0
#include "ui/runs/RunCompareDialog.h"

#include "ui/common/ErrorText.h"
#include "ui/runs/MetricChart.h"

#include <QDialogButtonBox>
#include <QElapsedTimer>
#include <QGridLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLocale>
#include <QScrollArea>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtCharts/QChart>

#include <algorithm>
#include <cmath>

namespace wfx::ui {

namespace {

void flattenInto(QMap<QString, QString> &out, const QString &prefix, const QJsonValue &v)
{
    auto key = [&prefix](const QString &k) {
        return prefix.isEmpty() ? k : prefix + QLatin1Char('.') + k;
    };
    if (v.isObject() && !v.toObject().isEmpty()) {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            flattenInto(out, key(it.key()), it.value());
    } else if (v.isArray() && !v.toArray().isEmpty()) {
        const QJsonArray a = v.toArray();
        for (qsizetype i = 0; i < a.size(); ++i)
            flattenInto(out, key(QString::number(i)), a.at(i));
    } else if (v.isObject()) {
        out.insert(prefix, QStringLiteral("{}"));
    } else if (v.isArray()) {
        out.insert(prefix, QStringLiteral("[]"));
    } else if (v.isDouble()) {
        // The shortest text that reads back as the same number (0.0003, not 3e-04).
        const double d = v.toDouble();
        const bool plain = d == 0 || (std::abs(d) >= 1e-6 && std::abs(d) < 1e15);
        out.insert(prefix, QString::number(d, plain ? 'f' : 'g', QLocale::FloatingPointShortest));
    } else {
        // A scalar's JSON text: strings quoted, so "1" and 1 differ.
        const QByteArray doc = QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact);
        out.insert(prefix, QString::fromUtf8(doc.mid(1, doc.size() - 2)));
    }
}

QString number(double v)
{
    return QLocale().toString(v, 'g', 6);
}

QTableWidgetItem *cell(const QString &text, bool numeric = false)
{
    auto *item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    if (numeric)
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

} // namespace

RunCompareDialog::RunCompareDialog(ModelContext ctx, Actor actor, const QList<Run> &runs,
                                   QWidget *parent)
    : QDialog(parent), m_ctx(std::move(ctx)), m_actor(std::move(actor)),
      m_runs(runs.mid(0, kMaxRuns))
{
    setObjectName(QStringLiteral("runCompareDialog"));
    setWindowTitle(tr("Compare %n run(s)", nullptr, int(m_runs.size())));
    resize(980, 720);
    auto *layout = new QVBoxLayout(this);
    m_status = new QLabel(tr("Loading…"), this);
    m_status->setObjectName(QStringLiteral("compareStatus"));
    layout->addWidget(m_status);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("compareTabs"));
    auto *scroll = new QScrollArea(m_tabs);
    scroll->setWidgetResizable(true);
    auto *grid = new QWidget(scroll);
    m_chartGrid = new QGridLayout(grid);
    scroll->setWidget(grid);
    m_tabs->addTab(scroll, tr("Charts"));

    m_summary = new QTableWidget(0, 6, m_tabs);
    m_summary->setObjectName(QStringLiteral("compareSummary"));
    m_summary->setAccessibleName(tr("Last, lowest and highest value per metric and run"));
    m_summary->setHorizontalHeaderLabels(
        {tr("Metric"), tr("Run"), tr("Last"), tr("Lowest"), tr("Highest"), tr("Last step")});
    m_summary->verticalHeader()->hide();
    m_summary->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_summary->horizontalHeader()->setStretchLastSection(true);
    m_tabs->addTab(m_summary, tr("Values"));

    m_manifest = new QTableWidget(0, 1, m_tabs);
    m_manifest->setObjectName(QStringLiteral("compareManifest"));
    m_manifest->setAccessibleName(tr("Manifest keys whose values differ"));
    m_manifest->verticalHeader()->hide();
    m_tabs->addTab(m_manifest, tr("Manifest differences"));
    layout->addWidget(m_tabs, 1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);

    m_jobs.run([ctx = m_ctx, actor = m_actor, runs = m_runs] { return load(ctx, actor, runs); },
               [this](const Comparison &c) { present(c); });
}

RunCompareDialog::~RunCompareDialog()
{
    m_jobs.waitForAll();
}

QMap<QString, QString> RunCompareDialog::flatten(const QJsonObject &o)
{
    QMap<QString, QString> out;
    flattenInto(out, QString(), o);
    out.remove(QString()); // an empty manifest has no keys
    return out;
}

QStringList RunCompareDialog::differingKeys(const QList<RunData> &runs)
{
    QStringList keys;
    for (const RunData &r : runs)
        keys += r.manifest.keys();
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    QStringList out;
    for (const QString &k : std::as_const(keys)) {
        bool same = true;
        for (const RunData &r : runs) {
            if (!r.manifest.contains(k) || r.manifest.value(k) != runs.first().manifest.value(k)) {
                same = false;
                break;
            }
        }
        if (!same)
            out << k;
    }
    return out;
}

RunCompareDialog::Comparison RunCompareDialog::load(const ModelContext &ctx, const Actor &actor,
                                                    const QList<Run> &runs)
{
    QElapsedTimer timer;
    timer.start();
    RunService service(ctx);
    Comparison c;
    QHash<QString, int> nameCount;
    for (const Run &r : runs)
        ++nameCount[r.name];
    for (const Run &r : runs) {
        RunData d;
        d.id = r.id;
        // Runs of one name (seeds of one config) are told apart by their id.
        d.label =
            nameCount.value(r.name) > 1 ? r.name + QStringLiteral(" · ") + r.id.left(8) : r.name;
        auto sums = service.metricSummaries(actor, r.id);
        if (!sums) {
            c.error = ErrorText::of(sums.error());
            return c;
        }
        d.summaries = *sums;
        auto manifest = service.manifest(actor, r.id);
        if (!manifest) {
            c.error = ErrorText::of(manifest.error());
            return c;
        }
        d.manifest = flatten(*manifest);
        for (const MetricSummary &m : std::as_const(d.summaries)) {
            auto pts = service.metricSeries(actor, r.id, m.name, kSeriesPoints);
            if (!pts) {
                c.error = ErrorText::of(pts.error());
                return c;
            }
            d.series.insert(m.name, *pts);
            c.metrics << m.name;
        }
        c.runs.append(d);
    }
    std::sort(c.metrics.begin(), c.metrics.end());
    c.metrics.erase(std::unique(c.metrics.begin(), c.metrics.end()), c.metrics.end());
    c.elapsedMs = timer.elapsed();
    return c;
}

void RunCompareDialog::present(const Comparison &c)
{
    if (!c.error.isEmpty()) {
        m_status->setText(tr("Cannot load the comparison: %1").arg(c.error));
        emit loaded();
        return;
    }
    m_status->setText(
        tr("%n metric(s) of %1 runs", nullptr, int(c.metrics.size())).arg(c.runs.size()));
    fillCharts(c);

    m_summary->setRowCount(0);
    for (const QString &metric : c.metrics) {
        for (const RunData &r : c.runs) {
            const auto it =
                std::find_if(r.summaries.begin(), r.summaries.end(),
                             [&metric](const MetricSummary &m) { return m.name == metric; });
            const int row = m_summary->rowCount();
            m_summary->insertRow(row);
            m_summary->setItem(row, 0, cell(metric));
            m_summary->setItem(row, 1, cell(r.label));
            if (it == r.summaries.end()) {
                for (int col = 2; col < 6; ++col)
                    m_summary->setItem(row, col, cell(QStringLiteral("—"), true));
                continue;
            }
            m_summary->setItem(row, 2, cell(number(it->last), true));
            m_summary->setItem(row, 3, cell(number(it->min), true));
            m_summary->setItem(row, 4, cell(number(it->max), true));
            m_summary->setItem(row, 5, cell(QLocale().toString(it->lastStep), true));
        }
    }

    const QStringList keys = differingKeys(c.runs);
    m_manifest->clear();
    m_manifest->setColumnCount(int(c.runs.size()) + 1);
    QStringList headers{tr("Key")};
    for (const RunData &r : c.runs)
        headers << r.label;
    m_manifest->setHorizontalHeaderLabels(headers);
    m_manifest->setRowCount(int(keys.size()));
    for (int row = 0; row < keys.size(); ++row) {
        m_manifest->setItem(row, 0, cell(keys.at(row)));
        for (int col = 0; col < c.runs.size(); ++col) {
            const auto &m = c.runs.at(col).manifest;
            m_manifest->setItem(
                row, col + 1,
                cell(m.contains(keys.at(row)) ? m.value(keys.at(row)) : tr("(none)")));
        }
    }
    m_manifest->resizeColumnsToContents();
    if (keys.isEmpty())
        m_tabs->setTabText(2, tr("Manifest differences (none)"));
    emit loaded();
}

// The console's metric chart (nice ticks, step numbers, read-out, log scale,
// smoothing), a line per run.
void RunCompareDialog::fillCharts(const Comparison &c)
{
    qDeleteAll(m_charts);
    m_charts.clear();
    int at = 0;
    for (const QString &metric : c.metrics) {
        QList<MetricChart::Line> lines;
        for (const RunData &r : c.runs) {
            const auto it = r.series.constFind(metric);
            if (it == r.series.constEnd())
                continue;
            MetricChart::Line line{r.label, {}};
            line.points.reserve(it->size());
            for (const SeriesPoint &p : *it)
                line.points.append(QPointF(double(p.step), p.value));
            lines.append(line);
        }
        auto *chart = new MetricChart;
        chart->setObjectName(QStringLiteral("compareChart"));
        chart->chart()->setTitle(metric);
        chart->setValueTitle(metric);
        chart->setMinimumHeight(300);
        chart->setAccessibleName(tr("Chart of %1").arg(metric));
        chart->setLines(lines);
        m_chartGrid->addWidget(chart, at / 2, at % 2);
        m_charts.append(chart);
        ++at;
    }
}

} // namespace wfx::ui
