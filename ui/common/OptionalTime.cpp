// SPDX-License-Identifier: Apache-2.0
#include "ui/common/OptionalTime.h"

#include <QCheckBox>
#include <QDateTimeEdit>

namespace wfx::ui {

OptionalTime OptionalTime::create(QWidget *parent, const QString &label, const QString &checkName,
                                  const QDateTime &initial, const QString &editName,
                                  const QString &accessibleName)
{
    OptionalTime t;
    t.on = new QCheckBox(label, parent);
    t.on->setObjectName(checkName);
    t.time = new QDateTimeEdit(initial, parent);
    t.time->setObjectName(editName);
    t.time->setAccessibleName(accessibleName);
    t.time->setCalendarPopup(true);
    t.time->setEnabled(false);
    QObject::connect(t.on, &QCheckBox::toggled, t.time, &QWidget::setEnabled);
    return t;
}

std::optional<qint64> OptionalTime::msecs() const
{
    if (!on->isChecked())
        return std::nullopt;
    return time->dateTime().toMSecsSinceEpoch();
}

} // namespace wfx::ui
