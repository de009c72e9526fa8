// SPDX-License-Identifier: Apache-2.0
// Yes/no questions to the user, scriptable in tests: a test sets the next answer
// and no dialog is shown (as KeePassXC's MessageBox does).
#pragma once

#include "ui/common/NextAnswer.h"

#include <QString>

class QWidget;

namespace wfx::ui {

class Confirm
{
public:
    // Shows a warning-style question; true when the user chose the destructive action.
    static bool ask(QWidget *parent, const QString &title, const QString &text,
                    const QString &acceptLabel);
    // The answer the next ask() returns without showing anything (tests).
    static void setNextAnswer(bool yes) { s_next.set(yes); }
    // The text of the last question asked (tests check that it names the object).
    static QString lastText() { return s_lastText; }

private:
    static inline NextAnswer<bool> s_next;
    static inline QString s_lastText;
};

} // namespace wfx::ui
