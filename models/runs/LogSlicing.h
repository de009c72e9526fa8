// SPDX-License-Identifier: Apache-2.0
// A run log read in pieces by UTF-8 byte offsets, never splitting a character.
#pragma once

#include "models/runs/RunService.h"

#include <QByteArray>

namespace wfx {

// At most `limit` bytes of `log` from `offset`: an offset inside a character
// starts at the next one, the end moves back to a character's start, and a
// limit smaller than one character still takes that whole character.
// nextOffset is -1 once the slice reaches the end. offset >= 0, limit >= 1.
LogSlice sliceLog(const QByteArray &log, qint64 offset, qint64 limit);

} // namespace wfx
