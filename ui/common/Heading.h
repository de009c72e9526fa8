// SPDX-License-Identifier: Apache-2.0
// The title at the head of a panel or dialog: the console's one heading style.
#pragma once

#include <QtGlobal>

class QLabel;
class QString;
class QWidget;

namespace wfx::ui {

// A bold label at `scale` times the widget font's size (panels 1.4).
QLabel *heading(const QString &text, QWidget *parent, qreal scale = 1.4);

} // namespace wfx::ui
