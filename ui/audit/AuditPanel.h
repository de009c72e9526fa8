// SPDX-License-Identifier: Apache-2.0
// Audit log: the chain filtered by actor, action, target and time, paged as the
// table scrolls; Verify walks the whole chain with progress and Cancel and names
// the first bad entry; Export writes the current filter to CSV or JSON.
#pragma once

#include "models/audit/AuditService.h"

#include "ui/common/StorePanel.h"

#include <QFutureWatcher>
#include <QPointer>

#include <atomic>
#include <functional>
#include <memory>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableView;
class QTimer;

namespace wfx::ui {

class AuditModel;

class AuditPanel : public StorePanel
{
    Q_OBJECT
public:
    static constexpr int kLiveDebounceMs = 300;
    static constexpr int kProgressPollMs = 100;

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
    void startWork(const QString &label, bool determinate);
    void endWork();
    void updateStatusLine();

    AuditModel *m_model = nullptr;
    QTableView *m_view = nullptr;
    QComboBox *m_actorFilter = nullptr;
    QComboBox *m_action = nullptr;
    QLineEdit *m_targetType = nullptr;
    QLineEdit *m_targetId = nullptr;
    QCheckBox *m_fromOn = nullptr, *m_toOn = nullptr;
    QDateTimeEdit *m_from = nullptr, *m_to = nullptr;
    QPushButton *m_verify = nullptr, *m_exportCsv = nullptr, *m_exportJson = nullptr,
                *m_cancel = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_progressLabel = nullptr;
    QLabel *m_verdict = nullptr;
    QLabel *m_statusLine = nullptr;
    QTimer *m_pollTimer = nullptr;

    struct Work
    {
        std::atomic<qint64> done{0}, total{0};
        std::atomic<bool> cancel{false};
    };
    std::shared_ptr<Work> m_work;
    QPointer<QFutureWatcherBase> m_working;
    QList<QPointer<QFutureWatcherBase>> m_jobs;
    std::function<QString(const QString &)> m_exportPath;
    bool m_lastVerifyOk = false;
    qint64 m_lastBadSeq = 0;
};

} // namespace wfx::ui
