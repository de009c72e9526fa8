// SPDX-License-Identifier: Apache-2.0
#include "models/core/Clock.h"

#include <QDateTime>

namespace wfx {

qint64 SystemClock::nowMs() const
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace wfx
