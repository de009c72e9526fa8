// SPDX-License-Identifier: Apache-2.0
// "Save as" file choice, scriptable in tests like Confirm: a test sets the next
// path (or an empty one for Cancel) and no dialog is shown.
#pragma once

#include "ui/common/NextAnswer.h"

#include <QString>

class QWidget;

namespace wfx::ui {

class FileChooser
{
public:
    // The chosen path, or empty when cancelled.
    static QString saveFile(QWidget *parent, const QString &title, const QString &suggestedName,
                            const QString &filter);
    static void setNextPath(const QString &path) { s_next.set(path); }

private:
    static inline NextAnswer<QString> s_next;
};

} // namespace wfx::ui
