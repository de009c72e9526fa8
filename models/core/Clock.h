// SPDX-License-Identifier: Apache-2.0
// Injected time: share expiry, rate windows, sessions, reservations, webhook tolerance.
#pragma once

#include <QtGlobal>

#include <atomic>

namespace wfx {

class Clock
{
public:
    virtual ~Clock() = default;
    // Milliseconds since the Unix epoch, UTC.
    virtual qint64 nowMs() const = 0;
    qint64 nowSecs() const { return nowMs() / 1000; }
};

class SystemClock final : public Clock
{
public:
    qint64 nowMs() const override;
};

// For tests: time stands still until advanced.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(qint64 startMs) : m_now(startMs) {}
    qint64 nowMs() const override { return m_now.load(); }
    void advanceMs(qint64 ms) { m_now += ms; }
    void setMs(qint64 ms) { m_now = ms; }

private:
    std::atomic<qint64> m_now;
};

} // namespace wfx
