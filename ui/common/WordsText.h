// SPDX-License-Identifier: Apache-2.0
// Model words (core/Words.h) in the console's language.
#pragma once

#include "models/core/Words.h"

namespace wfx::ui {

// The source translated (context "wfx::Words"), counts and durations worded
// for the locale, times in local time; English where no translation exists.
QString wordsText(const Words &words);

} // namespace wfx::ui
