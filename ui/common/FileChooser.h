// SPDX-License-Identifier: Apache-2.0
// "Save as" file choice, scriptable in tests like Confirm (ScriptedAnswer: the
// path, or an empty one for Cancel).
#pragma once

#include "ui/common/ScriptedAnswer.h"

#include <QString>

class QWidget;

namespace wfx::ui {

class FileChooser : public ScriptedAnswer<FileChooser, QString>
{
public:
    // The chosen path, or empty when cancelled.
    static QString saveFile(QWidget *parent, const QString &title, const QString &suggestedName,
                            const QString &filter);
};

} // namespace wfx::ui
