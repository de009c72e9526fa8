// SPDX-License-Identifier: Apache-2.0
// One run in full: evidence explained in words, the manifest as a tree, metric
// charts (MetricChart, rubber-band zoom), the log with search, the artifacts and the
// evidence package (RunFilesTab), and Delete (confirmed).
#pragma once

#include "models/core/Context.h"
#include "models/runs/RunService.h"
#include "ui/runs/RunFiles.h"

#include <QDialog>
#include <QSet>

class QChart;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QStandardItemModel;
class QTabWidget;
class QTimer;
class QTreeView;

namespace wfx::ui {

class MetricChart;
class RunFilesTab;

class RunDetailsDialog : public QDialog
{
    Q_OBJECT
public:
    static constexpr int kSeriesPoints = 2000;
    static constexpr int kDefaultSeries = 3; // series shown at first

    RunDetailsDialog(ModelContext ctx, Actor actor, const Run &run, QWidget *parent = nullptr)
        : RunDetailsDialog(std::move(ctx), std::move(actor), run, RunFiles{}, parent)
    {
    }
    RunDetailsDialog(ModelContext ctx, Actor actor, const Run &run, RunFiles files,
                     QWidget *parent = nullptr);
    ~RunDetailsDialog() override;

    // The sentence that explains a run's evidence state.
    static QString evidenceExplanation(const QString &evidence);
    QString runId() const { return m_run.id; }
    // True once the run's details (manifest, metric names, signature) arrived.
    bool isLoaded() const { return m_loaded; }
    // The run as last read: a run that grows while it trains is followed live
    // (its status, points, series and log), as the change bus reports syncs.
    const Run &run() const { return m_run; }
    QStandardItemModel *manifestModel() const { return m_manifest; }
    QChart *chart() const;
    QPlainTextEdit *logView() const { return m_log; }
    QTabWidget *tabs() const { return m_tabs; }
    RunFilesTab *filesTab() const { return m_files; }

public slots:
    // Asks for confirmation naming the run, then deletes it off the GUI thread.
    void deleteRun();

signals:
    void loaded();
    void refreshed(); // a later sync of the run is shown
    void seriesLoaded();
    void logLoaded();
    void runDeleted(const QString &runId);
    void failed(const QString &message);

private:
    QWidget *buildSummaryTab();
    QWidget *buildManifestTab();
    QWidget *buildMetricsTab();
    QWidget *buildLogTab();
    void loadDetails();
    void loadSeries();
    void loadLog(qint64 offset);
    void findInLog(bool fromStart);

    ModelContext m_ctx;
    Actor m_actor;
    Run m_run;
    bool m_loaded = false;
    QTabWidget *m_tabs = nullptr;
    QLabel *m_evidence = nullptr;
    QLabel *m_signatureDetails = nullptr;
    QLabel *m_message = nullptr;
    QStandardItemModel *m_manifest = nullptr;
    QTreeView *m_manifestView = nullptr;
    QListWidget *m_metricList = nullptr;
    MetricChart *m_metricChart = nullptr;
    QLabel *m_metricsNote = nullptr;
    QPlainTextEdit *m_log = nullptr;
    QLineEdit *m_logSearch = nullptr;
    QLabel *m_logNote = nullptr;
    QPushButton *m_logMore = nullptr;
    QPushButton *m_delete = nullptr;
    RunFilesTab *m_files = nullptr;
    qint64 m_logNext = 0;
    qint64 m_logShown = 0; // bytes of the log in the view
    quint64 m_seriesGeneration = 0;
    // A run that grows while it trains (later syncs): what the summary shows of
    // it, followed live through the change bus.
    QLabel *m_status = nullptr;
    QLabel *m_finished = nullptr;
    QLabel *m_points = nullptr;
    QLabel *m_logSize = nullptr;
    QTimer *m_follow = nullptr;
    bool m_refreshing = false;
    void followChanges();
    void refresh();
    void showRun(const Run &run);
};

} // namespace wfx::ui
