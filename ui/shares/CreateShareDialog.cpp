// SPDX-License-Identifier: Apache-2.0
#include "ui/shares/CreateShareDialog.h"

#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/runs/RunService.h"
#include "ui/common/Async.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeEdit>
#include <QFormLayout>
#include <QLineEdit>
#include <QTimeZone>
#include <QVBoxLayout>

namespace wfx::ui {

CreateShareDialog::CreateShareDialog(ModelContext ctx, Actor actor, QWidget *parent)
    : FormDialog(parent)
{
    setWindowTitle(tr("New share link"));
    setAccessibleName(tr("New share link"));
    auto *layout = new QVBoxLayout(this);
    auto *form = new QFormLayout;

    m_run = new QComboBox(this);
    m_run->setObjectName(QStringLiteral("shareRun"));
    m_run->setAccessibleName(tr("Run"));
    m_run->setEditable(true);
    m_run->setInsertPolicy(QComboBox::NoInsert);
    m_run->setMinimumContentsLength(40);
    m_run->setToolTip(tr("Pick a recent run or paste a run id"));
    form->addRow(tr("&Run:"), m_run);

    m_password = new QLineEdit(this);
    m_password->setObjectName(QStringLiteral("sharePassword"));
    m_password->setAccessibleName(tr("Password (optional)"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setPlaceholderText(
        tr("Optional, at least %1 characters").arg(ShareService::kPasswordMin));
    form->addRow(tr("&Password:"), m_password);

    m_expiry = OptionalTime::create(this, tr("&Expires"), QStringLiteral("shareExpires"),
                                    QDateTime::fromMSecsSinceEpoch(ctx.clock->nowMs()).addDays(7),
                                    QStringLiteral("shareExpiry"), tr("Expiry"));
    form->addRow(m_expiry.on, m_expiry.time);

    m_artifact = new QLineEdit(this);
    m_artifact->setObjectName(QStringLiteral("shareArtifact"));
    m_artifact->setAccessibleName(tr("Artifact id (optional)"));
    m_artifact->setPlaceholderText(tr("Optional: share one artifact of the run"));
    form->addRow(tr("&Artifact id:"), m_artifact);
    layout->addLayout(form);

    addErrorAndButtons(layout, QStringLiteral("shareError"), tr("Create link"),
                       QStringLiteral("createShareOk"));

    runAsync(
        this, [ctx, actor] { return RunService(ctx).list(actor, RunFilter{}, 200, {}); },
        [this](const Result<Page<Run>> &runs) {
            if (runs) {
                const QString typed = m_run->currentText();
                for (const Run &r : runs->items)
                    m_run->addItem(tr("%1 (%2)").arg(r.name, r.id.left(8)), r.id);
                m_run->setCurrentIndex(typed.isEmpty() ? 0 : -1);
                if (!typed.isEmpty())
                    m_run->setEditText(typed);
            }
            m_loaded = true;
        });
}

ShareDraft CreateShareDialog::draft() const
{
    ShareDraft d;
    // A picked run carries its id; typed text is taken as an id.
    const int i = m_run->findText(m_run->currentText());
    d.runId = i >= 0 ? m_run->itemData(i).toString() : m_run->currentText().trimmed();
    if (!m_password->text().isEmpty())
        d.password = m_password->text();
    if (const std::optional<qint64> expiry = m_expiry.msecs())
        d.expiresAt = ids::formatTime(*expiry);
    if (!m_artifact->text().trimmed().isEmpty())
        d.artifactId = m_artifact->text().trimmed();
    return d;
}

} // namespace wfx::ui
