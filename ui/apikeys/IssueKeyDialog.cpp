// SPDX-License-Identifier: Apache-2.0
#include "ui/apikeys/IssueKeyDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace wfx::ui {

IssueKeyDialog::IssueKeyDialog(const QString &userEmail, const QHash<QString, QString> &workspaces,
                               QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Issue an API key"));
    setAccessibleName(tr("Issue an API key"));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("A new key for %1.").arg(userEmail), this);
    layout->addWidget(intro);
    auto *form = new QFormLayout;
    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("keyName"));
    m_name->setAccessibleName(tr("Key name"));
    m_name->setPlaceholderText(tr("e.g. training cluster"));
    form->addRow(tr("&Name:"), m_name);
    m_scope = new QComboBox(this);
    m_scope->setObjectName(QStringLiteral("keyScope"));
    m_scope->setAccessibleName(tr("Workspace scope"));
    m_scope->addItem(tr("Not scoped (all of the user's workspaces)"), QString());
    QList<std::pair<QString, QString>> sorted;
    for (auto it = workspaces.cbegin(); it != workspaces.cend(); ++it)
        sorted.append({it.value(), it.key()});
    std::sort(sorted.begin(), sorted.end());
    for (const auto &w : sorted)
        m_scope->addItem(w.first, w.second);
    form->addRow(tr("&Scope:"), m_scope);
    layout->addLayout(form);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("keyError"));
    m_error->setWordWrap(true);
    m_error->hide();
    layout->addWidget(m_error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Issue key"));
    buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("issueKeyOk"));
    connect(buttons, &QDialogButtonBox::accepted, this, &IssueKeyDialog::submitted);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

QString IssueKeyDialog::name() const
{
    return m_name->text();
}

QString IssueKeyDialog::workspaceId() const
{
    return m_scope->currentData().toString();
}

void IssueKeyDialog::showError(const QString &text)
{
    m_error->setText(text);
    m_error->show();
}

} // namespace wfx::ui
