// SPDX-License-Identifier: Apache-2.0
// Shows a secret (an API key, a share token and its link) the one time it
// exists outside the store, with Copy buttons and a plain warning that it
// cannot be shown again. Opened window-modal with open(): tests read it.
#pragma once

#include <QDialog>

class QLineEdit;

namespace wfx::ui {

class ShownOnceDialog : public QDialog
{
    Q_OBJECT
public:
    struct Field
    {
        QString label, value, objectName;
    };
    ShownOnceDialog(const QString &title, const QString &intro, const QList<Field> &fields,
                    QWidget *parent = nullptr);

    // The value shown under that objectName (tests), empty if none.
    QString value(const QString &objectName) const;
};

} // namespace wfx::ui
