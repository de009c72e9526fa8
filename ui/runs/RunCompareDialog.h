// SPDX-License-Identifier: Apache-2.0
// Runs side by side: one chart per metric with a line per run (thinned from
// the stored rollups, RunService::metricSeries), a table of each run's last,
// lowest and highest value per metric, and the manifest keys whose values
// differ between the runs. Everything loads on the thread pool.
#pragma once

#include "models/core/Context.h"
#include "models/runs/RunService.h"

#include "ui/common/Async.h"

#include <QDialog>
#include <QJsonObject>
#include <QMap>

class QLabel;
class QTabWidget;
class QTableWidget;
class QGridLayout;

namespace wfx::ui {

class MetricChart;

class RunCompareDialog : public QDialog
{
    Q_OBJECT
public:
    static constexpr int kMaxRuns = 20;
    static constexpr int kSeriesPoints = 600; // per line: about a chart's width

    struct RunData
    {
        QString id, label;
        QList<MetricSummary> summaries;
        QMap<QString, QString> manifest; // flattened: dotted key -> JSON text of the value
        QHash<QString, QList<SeriesPoint>> series;
    };
    struct Comparison
    {
        QList<RunData> runs;
        QStringList metrics; // every metric of any run, sorted
        QString error;
        qint64 elapsedMs = 0;
    };

    RunCompareDialog(ModelContext ctx, Actor actor, const QList<Run> &runs,
                     QWidget *parent = nullptr);
    ~RunCompareDialog() override;

    // A JSON object as dotted keys (arrays by index: a.0.b) and each leaf's
    // compact JSON text; empty objects and arrays are leaves ({} and []).
    static QMap<QString, QString> flatten(const QJsonObject &o);
    // Keys whose values are not the same in every run (a missing key differs).
    static QStringList differingKeys(const QList<RunData> &runs);
    // Everything shown, read from the store (what the pool runs).
    static Comparison load(const ModelContext &ctx, const Actor &actor, const QList<Run> &runs);

    bool isLoading() const { return m_jobs.busy(); }
    QTabWidget *tabs() const { return m_tabs; }
    QTableWidget *summaryTable() const { return m_summary; }
    QTableWidget *manifestTable() const { return m_manifest; }
    // One chart per metric, in the order of Comparison::metrics.
    QList<MetricChart *> charts() const { return m_charts; }

signals:
    void loaded();

private:
    void present(const Comparison &c);
    void fillCharts(const Comparison &c);

    ModelContext m_ctx;
    Actor m_actor;
    QList<Run> m_runs;
    QLabel *m_status = nullptr;
    QTabWidget *m_tabs = nullptr;
    QGridLayout *m_chartGrid = nullptr;
    QTableWidget *m_summary = nullptr;
    QTableWidget *m_manifest = nullptr;
    QList<MetricChart *> m_charts;
    PanelJobs m_jobs{this};
};

} // namespace wfx::ui
