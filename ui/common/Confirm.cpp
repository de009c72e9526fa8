// SPDX-License-Identifier: Apache-2.0
#include "ui/common/Confirm.h"

#include <QMessageBox>
#include <QPushButton>

namespace wfx::ui {

bool Confirm::ask(QWidget *parent, const QString &title, const QString &text,
                  const QString &acceptLabel)
{
    s_lastText = text;
    if (const std::optional<bool> answer = takeNextAnswer())
        return *answer;
    QMessageBox box(QMessageBox::Warning, title, text, QMessageBox::NoButton, parent);
    QPushButton *yes = box.addButton(acceptLabel, QMessageBox::DestructiveRole);
    QPushButton *no = box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(no);
    box.exec();
    return box.clickedButton() == yes;
}

} // namespace wfx::ui
