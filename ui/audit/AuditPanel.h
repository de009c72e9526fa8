// SPDX-License-Identifier: Apache-2.0
// Audit log: the chain filtered by actor, action, target and time, paged as the
// table scrolls; Verify walks the whole chain with progress and Cancel and names
// the first bad entry; Export writes the current filter to CSV or JSON.
#pragma once

#include "models/audit/AuditService.h"

#include "ui/common/JobProgress.h"
#include "ui/common/OptionalTime.h"
#include "ui/common/StorePanel.h"
#include "ui/common/WidgetGroup.h"

#include <QFutureWatcher>
#include <QPointer>

#include <functional>
#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace wfx::ui {

class AuditModel;

class AuditPanel : public StorePanel
{
    Q_OBJECT
public:
    static constexpr int kLiveDebounceMs = 300;

    AuditPanel(ModelContext ctx, Actor actor, QWidget *parent = nullptr);
    ~AuditPanel() override;

    AuditModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    // Where Export writes: asked with the format ("csv" or "json"); an empty
    // answer cancels. Defaults to a save dialog; tests inject a path.
    void setExportPathProvider(std::function<QString(const QString &format)> provider)
    {
        m_exportPath = std::move(provider);
    }
    // The filter the controls describe now.
    AuditFilter currentFilter() const;
    void applyFilter();
    // Verification or export is running.
    bool isWorking() const { return m_working != nullptr; }
    // The last verdict, as shown.
    QString verdictText() const;
    bool lastVerifyOk() const { return m_lastVerifyOk; }
    qint64 lastBadSeq() const { return m_lastBadSeq; }

    void verify();
    void exportAs(const QString &format);
    void cancelWork();

signals:
    void verifyFinished(bool ok);
    void exportFinished(bool ok, const QString &message);

private:
    void loadUsers();
    // Shows the job's progress and returns the counters its worker updates.
    std::shared_ptr<JobProgress::Counters> startWork(const QString &label, bool determinate);
    void endWork();
    void updateStatusLine();

    AuditModel *m_model = nullptr;
    QTableView *m_view = nullptr;
    QComboBox *m_actorFilter = nullptr;
    QComboBox *m_action = nullptr;
    QLineEdit *m_targetType = nullptr;
    QLineEdit *m_targetId = nullptr;
    OptionalTime m_from, m_to;
    WidgetGroup m_startsWork;     // verify and export: not while one runs
    JobProgress *m_job = nullptr; // verify or export, one at a time
    QLabel *m_progressLabel = nullptr;
    QLabel *m_verdict = nullptr;
    QLabel *m_statusLine = nullptr;

    QPointer<QFutureWatcherBase> m_working;
    QList<QPointer<QFutureWatcherBase>> m_jobs;
    std::function<QString(const QString &)> m_exportPath;
    bool m_lastVerifyOk = false;
    qint64 m_lastBadSeq = 0;
};

} // namespace wfx::ui
