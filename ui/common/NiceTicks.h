// SPDX-License-Identifier: Apache-2.0
// Axis ticks a person reads at a glance (1, 2 or 5 times a power of ten), the
// one tick rule every chart of the console uses.
#pragma once

#include <utility>

class QLogValueAxis;
class QValueAxis;

namespace wfx::ui {

struct NiceTicks
{
    double first = 0;    // the first tick inside the range
    double last = 1;     // the last tick inside the range
    double interval = 1; // 1, 2 or 5 times a power of ten
    int decimals = 0;    // digits after the point a tick's label needs
};

struct TickRule
{
    int maxTicks = 6;      // at most this many ticks over the range (at least 2)
    bool integers = false; // steps, counts: never a tick between two whole numbers
};

// The closest-spaced nice ticks inside [lo, hi] that are at most rule.maxTicks;
// lo == hi gets a range around it, non-finite input the range 0..1.
NiceTicks niceTicks(double lo, double hi, TickRule rule = {});

// The first of the nice ticks over [0, v] at or above v (> 0): the top of a
// range from 0 that moves only when the data crosses a tick.
double niceCeiling(double v, TickRule rule = {});

// The powers of ten around [lo, hi] (both > 0): a log axis over them shows a
// label at each end, however narrow the data.
std::pair<double, double> decadeRange(double lo, double hi);

// Keeps the axis' ticks nice for whatever range it shows, now and after each
// setRange, zoom or zoom reset. The chart must localize numbers (labels in the
// console's locale); call once per axis.
void keepTicksNice(QValueAxis *axis, TickRule rule = {});

// A base-10 log axis over the decades around [lo, hi] (both > 0), labelled in
// the console's locale.
void setDecadeRange(QLogValueAxis *axis, double lo, double hi);

} // namespace wfx::ui
