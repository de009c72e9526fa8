// SPDX-License-Identifier: Apache-2.0
// DSAR requests: the queue of every data-subject request (kind, state, person,
// due dates); export a person's data to a file; cancel or carry out a scheduled
// deletion; lift a restriction. The services write the audit entries.
#pragma once

#include "ui/common/JobProgress.h"
#include "ui/common/PanelActions.h"
#include "ui/common/StorePanel.h"

#include <QFutureWatcher>
#include <QHash>
#include <QPointer>

#include <functional>
#include <memory>

class QComboBox;
class QLabel;
class QPushButton;
class QTreeView;

namespace wfx::ui {

class DsarPanel : public StorePanel
{
    Q_OBJECT
public:
    DsarPanel(ModelContext ctx, Actor actor, QWidget *parent = nullptr);
    ~DsarPanel() override;

    // Where an export is written, asked with the person's email; empty cancels.
    // Defaults to a save dialog; tests inject a path.
    void setExportPathProvider(std::function<QString(const QString &email)> provider)
    {
        m_exportPath = std::move(provider);
    }
    bool isBusy() const { return m_actions.busy(); }
    bool isExporting() const { return m_exportJob->isRunning(); }
    QTreeView *queue() const { return m_queue; }
    QComboBox *userChooser() const { return m_user; }
    // Selects the queue row of that request (false when not listed).
    bool selectRequest(const QString &requestId);
    QString statusText() const;

    void exportSelectedUser();
    void cancelExport();
    void cancelDeletion();
    void deleteNow();
    void liftRestriction();
    void reload();

signals:
    void exportFinished(bool ok);

private:
    void updateActions();
    QString selectedUserId() const;
    QString currentValue(int value) const; // of the current queue row (DsarPanel.cpp: Value)
    QString emailOf(const QString &userId) const;

    QHash<QString, QString> m_emails;
    std::function<QString(const QString &)> m_exportPath;

    QTreeView *m_queue = nullptr;
    QComboBox *m_user = nullptr;
    QPushButton *m_export = nullptr;
    QPushButton *m_cancelDeletion = nullptr, *m_deleteNow = nullptr, *m_lift = nullptr;
    JobProgress *m_exportJob = nullptr;
    QLabel *m_status = nullptr;
    PanelActions m_actions; // reports in m_status; waited for on destruction
};

} // namespace wfx::ui
