// SPDX-License-Identifier: Apache-2.0
// Defensive counters in the store (never only in memory), so several server
// processes on one PostgreSQL share them: read limits, login throttles,
// password lockouts. Buckets are built by callers from fixed prefixes plus ids
// or client addresses; they are never shown to anyone.
#pragma once

#include "core/Context.h"
#include "core/Result.h"

namespace wfx {

struct RateDecision
{
    bool allowed = true;
    int limit = 0;
    int remaining = 0;
    qint64 resetSecs = 0;     // seconds until the window (or lock) ends
    qint64 lockedUntilMs = 0; // for lockouts: when the lock ends, 0 if none
};

class RateLimiter
{
public:
    explicit RateLimiter(ModelContext ctx) : m_ctx(std::move(ctx)) {}

    // Counts one hit in the bucket's current fixed window and says whether it
    // is within `limit`. Atomic (one upsert), so concurrent callers never both
    // get the last slot.
    Result<RateDecision> hit(const QString &bucket, int limit, qint64 windowMs);
    // Counts one hit and judges the hits of the last `windowMs` (a sliding
    // window kept in `stepMs` sub-windows; a sub-window leaves as soon as its
    // start is windowMs old). Refused hits count too. resetSecs: on refusal,
    // when the next hit would be allowed; otherwise when the oldest counted hit
    // leaves the window.
    Result<RateDecision> hitSliding(const QString &bucket, int limit, qint64 windowMs, qint64 stepMs = 1000);
    // The sliding window's state without counting (allowed: the next hit would be).
    Result<RateDecision> peekSliding(const QString &bucket, int limit, qint64 windowMs);
    // The bucket's state without counting.
    Result<RateDecision> peek(const QString &bucket, int limit, qint64 windowMs);

    // Failures within a sliding window (one-minute sub-windows); the
    // `maxFailures`th failure sets a lock for `lockMs`. Returns the state after
    // counting this failure (allowed=false once locked).
    Result<RateDecision> recordFailure(const QString &bucket, int maxFailures, qint64 windowMs, qint64 lockMs);
    // When the bucket's lock ends, 0 if it is not locked now.
    Result<qint64> lockedUntil(const QString &bucket);
    Status unlock(const QString &bucket);
    // Forget windows that ended before `beforeMs` (and expired locks).
    Result<int> sweep(qint64 beforeMs);

private:
    ModelContext m_ctx;
};

} // namespace wfx
