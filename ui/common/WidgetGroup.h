// SPDX-License-Identifier: Apache-2.0
// Widgets one condition enables together (the actions on the selected row, a
// form while nothing is saving): the panel names the group once and sets it in
// one place, instead of keeping a pointer per widget.
#pragma once

#include <QList>
#include <QWidget>

#include <initializer_list>

namespace wfx::ui {

class WidgetGroup
{
public:
    void add(std::initializer_list<QWidget *> widgets)
    {
        for (QWidget *w : widgets)
            m_widgets.append(w);
    }
    void setEnabled(bool enabled) const
    {
        for (QWidget *w : m_widgets)
            w->setEnabled(enabled);
    }

private:
    QList<QWidget *> m_widgets;
};

} // namespace wfx::ui
