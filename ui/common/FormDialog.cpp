// SPDX-License-Identifier: Apache-2.0
#include "ui/common/FormDialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace wfx::ui {

void FormDialog::showError(const QString &text)
{
    m_error->setText(text);
    m_error->show();
}

void FormDialog::addErrorAndButtons(QVBoxLayout *layout, const QString &errorName,
                                    const QString &okText, const QString &okName)
{
    m_error = new QLabel(this);
    m_error->setObjectName(errorName);
    m_error->setWordWrap(true);
    m_error->hide();
    layout->addWidget(m_error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(okText);
    buttons->button(QDialogButtonBox::Ok)->setObjectName(okName);
    connect(buttons, &QDialogButtonBox::accepted, this, &FormDialog::submitted);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

} // namespace wfx::ui
