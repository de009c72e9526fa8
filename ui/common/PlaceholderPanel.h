// SPDX-License-Identifier: Apache-2.0
// The panel of an area that is not built yet: it says so, and nothing else.
#pragma once

#include <QWidget>

namespace wfx::ui {

class PlaceholderPanel : public QWidget
{
    Q_OBJECT
public:
    PlaceholderPanel(const QString &title, QWidget *parent = nullptr);
};

} // namespace wfx::ui
