// SPDX-License-Identifier: Apache-2.0
#include "ui/shares/CreateShareDialog.h"

#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/runs/RunService.h"
#include "ui/common/Async.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTimeZone>
#include <QVBoxLayout>

namespace wfx::ui {

CreateShareDialog::CreateShareDialog(ModelContext ctx, Actor actor, QWidget *parent)
    : QDialog(parent)
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

    m_expires = new QCheckBox(tr("&Expires"), this);
    m_expires->setObjectName(QStringLiteral("shareExpires"));
    m_expiry = new QDateTimeEdit(this);
    m_expiry->setObjectName(QStringLiteral("shareExpiry"));
    m_expiry->setAccessibleName(tr("Expiry"));
    m_expiry->setCalendarPopup(true);
    m_expiry->setDateTime(QDateTime::fromMSecsSinceEpoch(ctx.clock->nowMs()).addDays(7));
    m_expiry->setEnabled(false);
    connect(m_expires, &QCheckBox::toggled, m_expiry, &QWidget::setEnabled);
    form->addRow(m_expires, m_expiry);

    m_artifact = new QLineEdit(this);
    m_artifact->setObjectName(QStringLiteral("shareArtifact"));
    m_artifact->setAccessibleName(tr("Artifact id (optional)"));
    m_artifact->setPlaceholderText(tr("Optional: share one artifact of the run"));
    form->addRow(tr("&Artifact id:"), m_artifact);
    layout->addLayout(form);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("shareError"));
    m_error->setWordWrap(true);
    m_error->hide();
    layout->addWidget(m_error);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Create link"));
    buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("createShareOk"));
    connect(buttons, &QDialogButtonBox::accepted, this, &CreateShareDialog::submitted);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);

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
    if (m_expires->isChecked())
        d.expiresAt = ids::formatTime(m_expiry->dateTime().toMSecsSinceEpoch());
    if (!m_artifact->text().trimmed().isEmpty())
        d.artifactId = m_artifact->text().trimmed();
    return d;
}

void CreateShareDialog::showError(const QString &text)
{
    m_error->setText(text);
    m_error->show();
}

} // namespace wfx::ui
