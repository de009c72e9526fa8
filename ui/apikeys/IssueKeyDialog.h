// SPDX-License-Identifier: Apache-2.0
// The fields of a new API key: a name and an optional workspace scope.
#pragma once

#include <QDialog>
#include <QHash>

class QComboBox;
class QLabel;
class QLineEdit;

namespace wfx::ui {

class IssueKeyDialog : public QDialog
{
    Q_OBJECT
public:
    // workspaces: id -> name, offered as scopes.
    IssueKeyDialog(const QString &userEmail, const QHash<QString, QString> &workspaces,
                   QWidget *parent = nullptr);

    QString name() const;
    QString workspaceId() const; // empty: not scoped
    void showError(const QString &text);

signals:
    void submitted();

private:
    QLineEdit *m_name = nullptr;
    QComboBox *m_scope = nullptr;
    QLabel *m_error = nullptr;
};

} // namespace wfx::ui
