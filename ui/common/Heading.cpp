// SPDX-License-Identifier: Apache-2.0
#include "ui/common/Heading.h"

#include <QLabel>

namespace wfx::ui {

QLabel *heading(const QString &text, QWidget *parent, qreal scale)
{
    auto *label = new QLabel(text, parent);
    QFont f = label->font();
    f.setPointSizeF(f.pointSizeF() * scale);
    f.setBold(true);
    label->setFont(f);
    return label;
}

} // namespace wfx::ui
