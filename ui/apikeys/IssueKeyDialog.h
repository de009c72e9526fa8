// SPDX-License-Identifier: Apache-2.0
// The fields of a new API key: a name and an optional workspace scope.
#pragma once

#include "ui/common/FormDialog.h"

#include <QHash>

class QComboBox;
class QLineEdit;

namespace wfx::ui {

class IssueKeyDialog : public FormDialog
{
    Q_OBJECT
public:
    // workspaces: id -> name, offered as scopes.
    IssueKeyDialog(const QString &userEmail, const QHash<QString, QString> &workspaces,
                   QWidget *parent = nullptr);

    QString name() const;
    QString workspaceId() const; // empty: not scoped

private:
    QLineEdit *m_name = nullptr;
    QComboBox *m_scope = nullptr;
};

} // namespace wfx::ui
