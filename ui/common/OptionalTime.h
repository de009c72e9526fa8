// SPDX-License-Identifier: Apache-2.0
// A time the user may leave unset (a filter's bounds, a share's expiry): a check
// box that turns on a date-time editor beside it; the time counts only while the
// box is checked.
#pragma once

#include <QString>

#include <optional>

class QCheckBox;
class QDateTime;
class QDateTimeEdit;
class QWidget;

namespace wfx::ui {

struct OptionalTime
{
    // Unchecked, its editor showing `initial`; the names are the object names
    // tests find the two by, and the editor's accessible name.
    static OptionalTime create(QWidget *parent, const QString &label, const QString &checkName,
                               const QDateTime &initial, const QString &editName,
                               const QString &accessibleName);

    // Milliseconds since the epoch, or nothing while unchecked.
    std::optional<qint64> msecs() const;

    QCheckBox *on = nullptr;
    QDateTimeEdit *time = nullptr;
};

} // namespace wfx::ui
