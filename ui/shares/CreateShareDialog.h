// SPDX-License-Identifier: Apache-2.0
// The fields of a new share: the run (picked from recent runs, or an id typed
// in), an optional password, expiry and artifact. The service validates.
#pragma once

#include "models/core/Context.h"
#include "models/shares/ShareService.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;

namespace wfx::ui {

class CreateShareDialog : public QDialog
{
    Q_OBJECT
public:
    CreateShareDialog(ModelContext ctx, Actor actor, QWidget *parent = nullptr);

    ShareDraft draft() const;
    bool runsLoaded() const { return m_loaded; }
    // Shows why the store refused the draft; the dialog stays open.
    void showError(const QString &text);

signals:
    // Create was pressed: the panel creates the share and closes the dialog on success.
    void submitted();

private:
    QComboBox *m_run = nullptr;
    QLineEdit *m_password = nullptr;
    QCheckBox *m_expires = nullptr;
    QDateTimeEdit *m_expiry = nullptr;
    QLineEdit *m_artifact = nullptr;
    QLabel *m_error = nullptr;
    bool m_loaded = false;
};

} // namespace wfx::ui
