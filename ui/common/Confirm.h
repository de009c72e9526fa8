// SPDX-License-Identifier: Apache-2.0
// Yes/no questions to the user, scriptable in tests (ScriptedAnswer: true is the
// destructive action).
#pragma once

#include "ui/common/ScriptedAnswer.h"

#include <QString>

class QWidget;

namespace wfx::ui {

class Confirm : public ScriptedAnswer<Confirm, bool>
{
public:
    // Shows a warning-style question; true when the user chose the destructive action.
    static bool ask(QWidget *parent, const QString &title, const QString &text,
                    const QString &acceptLabel);
    // The text of the last question asked (tests check that it names the object).
    static QString lastText() { return s_lastText; }

private:
    static inline QString s_lastText;
};

} // namespace wfx::ui
