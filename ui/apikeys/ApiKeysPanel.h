// SPDX-License-Identifier: Apache-2.0
// API keys: the console, as administrator, picks a user and sees their live
// keys; issues (secret shown once), rotates (shown once again) and revokes.
#pragma once

#include "ui/common/PanelActions.h"
#include "ui/common/StorePanel.h"

#include <QHash>

class QComboBox;
class QLabel;
class QPushButton;
class QTableView;
class QTimer;

namespace wfx::ui {

class ApiKeysModel;
class IssueKeyDialog;
class ShownOnceDialog;

class ApiKeysPanel : public StorePanel
{
    Q_OBJECT
public:
    ApiKeysPanel(ModelContext ctx, Actor actor, QWidget *parent = nullptr);
    ~ApiKeysPanel() override;

    ApiKeysModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QComboBox *userPicker() const { return m_user; }
    bool usersLoaded() const { return m_usersLoaded; }
    IssueKeyDialog *openIssue();
    ShownOnceDialog *lastShownOnce() const { return m_lastShownOnce; }
    QString statusText() const;

signals:
    void keyIssued(const QString &keyId);
    void keyRotated(const QString &keyId);
    void keyRevoked(const QString &keyId);

private:
    void loadUsers();
    void issueFrom(IssueKeyDialog *dialog);
    void rotateSelected();
    void revokeSelected();
    QString selectedKeyId() const;
    void updateButtons();
    void updateStatusLine();
    void showSecret(const QString &title, const QString &intro, const QString &secret);

    ApiKeysModel *m_model = nullptr;
    QComboBox *m_user = nullptr;
    QTableView *m_view = nullptr;
    QPushButton *m_issue = nullptr;
    QPushButton *m_rotate = nullptr;
    QPushButton *m_revoke = nullptr;
    QLabel *m_statusLine = nullptr;
    QTimer *m_liveTimer = nullptr;
    ShownOnceDialog *m_lastShownOnce = nullptr;
    QHash<QString, QString> m_workspaces;
    QString m_message;
    bool m_usersLoaded = false;
    PanelActions m_actions{this, [this](const QString &text) {
                               m_message = text;
                               updateStatusLine();
                           }};
};

} // namespace wfx::ui
