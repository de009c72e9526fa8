// SPDX-License-Identifier: Apache-2.0
// The fields of a new share: the run (picked from recent runs, or an id typed
// in), an optional password, expiry and artifact. The service validates.
#pragma once

#include "models/core/Context.h"
#include "models/shares/ShareService.h"

#include "ui/common/FormDialog.h"
#include "ui/common/OptionalTime.h"

class QComboBox;
class QLineEdit;

namespace wfx::ui {

class CreateShareDialog : public FormDialog
{
    Q_OBJECT
public:
    CreateShareDialog(ModelContext ctx, Actor actor, QWidget *parent = nullptr);

    ShareDraft draft() const;
    bool runsLoaded() const { return m_loaded; }

private:
    QComboBox *m_run = nullptr;
    QLineEdit *m_password = nullptr;
    OptionalTime m_expiry;
    QLineEdit *m_artifact = nullptr;
    bool m_loaded = false;
};

} // namespace wfx::ui
