// SPDX-License-Identifier: Apache-2.0
#include "ui/apikeys/IssueKeyDialog.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>

#include <algorithm>

namespace wfx::ui {

IssueKeyDialog::IssueKeyDialog(const QString &userEmail, const QHash<QString, QString> &workspaces,
                               QWidget *parent)
    : FormDialog(parent)
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
    addErrorAndButtons(layout, QStringLiteral("keyError"), tr("Issue key"),
                       QStringLiteral("issueKeyOk"));
}

QString IssueKeyDialog::name() const
{
    return m_name->text();
}

QString IssueKeyDialog::workspaceId() const
{
    return m_scope->currentData().toString();
}

} // namespace wfx::ui
