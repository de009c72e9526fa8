// SPDX-License-Identifier: Apache-2.0
// A panel's push button: named (tests and accessibility tools find it by its
// object name) and connected to what it does when clicked.
#pragma once

#include <QPushButton>

namespace wfx::ui {

template <typename Receiver, typename Slot>
QPushButton *panelButton(QWidget *parent, const QString &text, const QString &objectName,
                         Receiver *receiver, Slot slot)
{
    auto *button = new QPushButton(text, parent);
    button->setObjectName(objectName);
    QObject::connect(button, &QPushButton::clicked, receiver, std::move(slot));
    return button;
}

} // namespace wfx::ui
