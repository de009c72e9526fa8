// SPDX-License-Identifier: Apache-2.0
// The Files tab of a run's details: its artifacts (name, size, SHA-256,
// state) with "Save to file…", and "Export evidence package…". Both write on
// the thread pool to a path the user chose (FileChooser), with progress and
// Cancel; a cancelled or failed write leaves no file behind (QSaveFile), and
// a saved artifact is checked against its SHA-256 before it is kept.
#pragma once

#include "ui/common/JobProgress.h"
#include "ui/common/StorePanel.h"
#include "ui/runs/RunFiles.h"

#include <functional>
#include <memory>

class QLabel;
class QPushButton;
class QTableWidget;

namespace wfx::ui {

class RunFilesTab : public StorePanel
{
    Q_OBJECT
public:
    enum Column { Name, Size, Digest, State, ColumnCount };

    RunFilesTab(ModelContext ctx, Actor actor, QString runId, RunFiles files,
                QWidget *parent = nullptr);

    QTableWidget *table() const { return m_table; }
    bool isBusy() const { return m_job->isRunning(); }
    // Asks a running save or export to stop (it removes what it wrote).
    void cancelJob() { m_job->cancel(); }
    // Tests: called on the worker after each chunk written (bytes so far), so a
    // test can hold a write at a known point and cancel it.
    static void setChunkHook(std::function<void(qint64)> hook) { s_chunkHook = std::move(hook); }

    // A file name safe to suggest for `name` (no folders, no leading dots).
    static QString suggestedFileName(const QString &name);

signals:
    void artifactsLoaded();
    // A save or an export ended: ok, cancelled, or failed (message says which).
    void jobFinished(bool ok, const QString &message);

private:
    struct Outcome
    {
        bool ok = false;
        bool cancelled = false;
        QString error;
        qint64 bytes = 0;
    };
    // Writes chunks from `read` to `path` through QSaveFile; cancel, a read
    // error or a digest mismatch discards everything.
    static Outcome writeFile(const QString &path, const std::shared_ptr<JobProgress::Counters> &job,
                             const std::function<qint64(char *, qint64)> &read,
                             const QString &expectSha256);

    void loadArtifacts();
    void saveSelected();
    void exportEvidence();
    void updateSaveButton();
    std::shared_ptr<JobProgress::Counters> startJob(const QString &what);
    void finishJob(const QString &what, const QString &path, const Outcome &o);

    QString m_runId;
    RunFiles m_files;
    QTableWidget *m_table = nullptr;
    QPushButton *m_save = nullptr;
    QPushButton *m_export = nullptr;
    JobProgress *m_job = nullptr;
    QLabel *m_status = nullptr;
    static inline std::function<void(qint64)> s_chunkHook;
};

} // namespace wfx::ui
