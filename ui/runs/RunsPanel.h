// SPDX-License-Identifier: Apache-2.0
// Runs: the list of every run on the instance with filters, live updates from
// the change bus, and a details dialog on double-click or Enter.
#pragma once

#include "ui/common/StorePanel.h"
#include "ui/runs/RunFiles.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTimer;
class QFrame;

namespace wfx::ui {

class RunsModel;
class RunDetailsDialog;
class RunCompareDialog;

class RunsPanel : public StorePanel
{
    Q_OBJECT
public:
    static constexpr int kTextDebounceMs = 300;

    RunsPanel(ModelContext ctx, Actor actor, QWidget *parent = nullptr)
        : RunsPanel(std::move(ctx), std::move(actor), RunFiles{}, parent)
    {
    }
    // `files` lets the details save artifacts and export evidence packages.
    RunsPanel(ModelContext ctx, Actor actor, RunFiles files, QWidget *parent = nullptr);

    RunsModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    // Opens the details of the run in that row (what double-click does).
    RunDetailsDialog *openDetails(int row);
    // True while the "New runs" bar is shown (changes arrived while scrolled down).
    bool hasPendingRefresh() const;
    // Compares the selected runs (2 to RunCompareDialog::kMaxRuns; what the
    // Compare button does); null when fewer or more are selected.
    RunCompareDialog *compareSelected();
    // The words for a metric filter the panel cannot read (empty: none).
    QString metricFilterError() const;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void loadWorkspaces();
    void loadProjects(const QString &workspaceId);
    void applyFilter();
    void onRunChanged();
    void refreshNow();
    void updateStatusLine();
    void updateCompareButton();

    RunFiles m_files;
    RunsModel *m_model = nullptr;
    QTableView *m_view = nullptr;
    QComboBox *m_workspace = nullptr;
    QComboBox *m_project = nullptr;
    QComboBox *m_status = nullptr;
    QComboBox *m_evidence = nullptr;
    QLineEdit *m_text = nullptr;
    QLineEdit *m_metric = nullptr;
    QComboBox *m_order = nullptr;
    QLabel *m_metricError = nullptr;
    QPushButton *m_compare = nullptr;
    QTimer *m_textTimer = nullptr;
    QTimer *m_liveTimer = nullptr;
    QFrame *m_newRunsBar = nullptr;
    QLabel *m_statusLine = nullptr;
    bool m_filling = false; // combos being filled: no filter changes
};

} // namespace wfx::ui
