// SPDX-License-Identifier: Apache-2.0
#include "common/PlaceholderPanel.h"

#include <QLabel>
#include <QVBoxLayout>

namespace wfx::ui {

PlaceholderPanel::PlaceholderPanel(const QString &title, QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    auto *heading = new QLabel(title, this);
    QFont f = heading->font();
    f.setPointSizeF(f.pointSizeF() * 1.4);
    f.setBold(true);
    heading->setFont(f);
    auto *text = new QLabel(tr("This panel arrives in a later release."), this);
    text->setObjectName(QStringLiteral("placeholderText"));
    text->setWordWrap(true);
    layout->addWidget(heading);
    layout->addWidget(text);
    layout->addStretch(1);
    setAccessibleName(title);
}

} // namespace wfx::ui
