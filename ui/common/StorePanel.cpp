// SPDX-License-Identifier: Apache-2.0
#include "ui/common/StorePanel.h"

#include "models/events/ChangeBus.h"

#include <QTimer>

namespace wfx::ui {

StorePanel::StorePanel(ModelContext ctx, Actor actor, QWidget *parent)
    : QWidget(parent), m_ctx(std::move(ctx)), m_actor(std::move(actor))
{
}

QTimer *StorePanel::reloadOnChange(const QStringList &entities, std::function<void()> reload,
                                   int debounceMs)
{
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    timer->setInterval(debounceMs);
    connect(timer, &QTimer::timeout, this, std::move(reload));
    if (m_ctx.bus) {
        connect(m_ctx.bus, &ChangeBus::changed, this,
                [timer, entities](const QString &entity, const QString &, bool) {
                    if (entities.isEmpty() || entities.contains(entity))
                        timer->start(); // a burst of changes: one reload
                });
    }
    return timer;
}

} // namespace wfx::ui
