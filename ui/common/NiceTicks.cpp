// SPDX-License-Identifier: Apache-2.0
#include "ui/common/NiceTicks.h"

#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

namespace wfx::ui {

namespace {

// Slack for quotients that land a hair beside a whole number (0.3 / 0.1).
constexpr double kSlack = 1e-9;

int decimalsFor(double interval)
{
    return std::max(0, int(-std::floor(std::log10(interval) + kSlack)));
}

} // namespace

NiceTicks niceTicks(double lo, double hi, TickRule rule)
{
    if (!std::isfinite(lo) || !std::isfinite(hi))
        lo = 0, hi = 1;
    if (lo > hi)
        std::swap(lo, hi);
    if (hi - lo <= std::max(std::abs(lo), std::abs(hi)) * 1e-12) {
        const double half = rule.integers ? 1.0 : std::max(std::abs(lo) * 0.1, 0.5);
        lo -= half;
        hi += half;
    }
    const int maxTicks = std::max(2, rule.maxTicks);
    double decade = std::pow(10.0, std::floor(std::log10((hi - lo) / maxTicks)));
    if (rule.integers)
        decade = std::max(decade, 1.0);
    // The smallest interval whose ticks inside [lo, hi] are few enough.
    for (;; decade *= 10) {
        for (double m : {1.0, 2.0, 5.0}) {
            const double interval = m * decade;
            const double first = std::ceil(lo / interval - kSlack);
            const double last = std::floor(hi / interval + kSlack);
            if (last - first + 1 <= maxTicks)
                return {first * interval, last * interval, interval,
                        rule.integers ? 0 : decimalsFor(interval)};
        }
    }
}

double niceCeiling(double v, TickRule rule)
{
    if (!(v > 0) || !std::isfinite(v))
        return 1;
    const double interval = niceTicks(0, v, rule).interval;
    return std::ceil(v / interval - kSlack) * interval;
}

std::pair<double, double> decadeRange(double lo, double hi)
{
    if (!(lo > 0) || !(hi > 0) || !std::isfinite(lo) || !std::isfinite(hi))
        return {1, 10};
    if (lo > hi)
        std::swap(lo, hi);
    const double first = std::floor(std::log10(lo) + kSlack);
    double last = std::ceil(std::log10(hi) - kSlack);
    if (last <= first)
        last = first + 1;
    return {std::pow(10.0, first), std::pow(10.0, last)};
}

void keepTicksNice(QValueAxis *axis, TickRule rule)
{
    auto retick = [axis, rule] {
        if (!(axis->max() > axis->min()))
            return;
        const NiceTicks t = niceTicks(axis->min(), axis->max(), rule);
        // Ticks fall on anchor + k * interval: anchored at the first one.
        axis->setTickAnchor(t.first);
        axis->setTickInterval(t.interval);
        // Localized charts need the "%.<n>f" form (a bare "%g" draws no labels).
        axis->setLabelFormat(QStringLiteral("%.%1f").arg(t.decimals));
    };
    axis->setTickType(QValueAxis::TicksDynamic);
    QObject::connect(axis, &QValueAxis::rangeChanged, axis, retick);
    retick();
}

void setDecadeRange(QLogValueAxis *axis, double lo, double hi)
{
    const auto [first, last] = decadeRange(lo, hi);
    axis->setBase(10);
    // A hair outside the decades: Qt finds the end labels by rounding logarithms,
    // and log10(0.1) rounds up to -0.99999...
    axis->setRange(first * (1 - kSlack), last * (1 + kSlack));
    axis->setLabelFormat(QStringLiteral("%.6g"));
}

} // namespace wfx::ui
