// SPDX-License-Identifier: Apache-2.0
// What a console panel over the store (or a part of one) starts from: the store
// and who acts on it (the console: normally Actor::system()), and its live
// updates: when the change bus reports a change to what the panel shows, the
// panel reloads once the burst of changes has passed.
#pragma once

#include "models/core/Context.h"

#include <QStringList>
#include <QWidget>

#include <functional>

class QTimer;

namespace wfx::ui {

class StorePanel : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kLiveDebounceMs = 200;

protected:
    StorePanel(ModelContext ctx, Actor actor, QWidget *parent);

    // Runs `reload` once changes to any of `entities` (empty: to anything) have
    // stopped arriving for `debounceMs`. Starting the timer returned asks for the
    // same reload (after a change the panel made itself).
    QTimer *reloadOnChange(const QStringList &entities, std::function<void()> reload,
                           int debounceMs = kLiveDebounceMs);

    ModelContext m_ctx;
    Actor m_actor;
};

} // namespace wfx::ui
