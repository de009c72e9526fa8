// SPDX-License-Identifier: Apache-2.0
#include "ui/common/FileChooser.h"

#include <QDir>
#include <QFileDialog>

namespace wfx::ui {

QString FileChooser::saveFile(QWidget *parent, const QString &title, const QString &suggestedName,
                              const QString &filter)
{
    if (const std::optional<QString> path = takeNextAnswer())
        return *path;
    return QFileDialog::getSaveFileName(parent, title, QDir::home().filePath(suggestedName),
                                        filter);
}

} // namespace wfx::ui
