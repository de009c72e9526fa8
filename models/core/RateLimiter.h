// SPDX-License-Identifier: Apache-2.0
// Defensive counters in the store (never only in memory), so several server
// processes on one PostgreSQL share them: read limits, login throttles,
// password lockouts. Buckets are built by callers from fixed prefixes plus ids
// or client addresses; they are never shown to anyone.
#pragma once

#include "models/core/Context.h"
#include "models/core/Result.h"

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
    // leaves the window. Exact under concurrency: the decision is one statement
    // on the bucket's head row (RateLimiter.cpp).
    Result<RateDecision> hitSliding(const QString &bucket, int limit, qint64 windowMs,
                                    qint64 stepMs = 1000);
    // The sliding window's state without counting (allowed: the next hit would be).
    Result<RateDecision> peekSliding(const QString &bucket, int limit, qint64 windowMs);
    // The bucket's state without counting.
    Result<RateDecision> peek(const QString &bucket, int limit, qint64 windowMs);

    // Lockouts (a share's password for one client, sign-ins per account and per
    // address): `maxFailures` failures within `windowMs` of the window's first
    // attempt lock the bucket for `lockMs`. The guarded check (scrypt) is slow
    // and runs between statements, so a caller does, in this order:
    //   reserveAttempt  before the check; refused: answer "locked", check nothing;
    //   confirmFailure  when the secret was wrong: answer "wrong" (the failure
    //                   that reaches the limit sets the lock and still says wrong);
    //   releaseAttempt  when it was right: the attempt is given back, uncounted.
    // Each moves the bucket's one row with one conditional statement, so the
    // decision holds across threads and processes (see RateLimiter.cpp).
    struct Lockout
    {
        int maxFailures = 5;
        qint64 windowMs = 15 * 60'000;
        qint64 lockMs = 15 * 60'000;
    };
    struct Attempt
    {
        bool granted = false;
        qint64 window = 0;        // the window it was taken in (its start)
        qint64 lockedUntilMs = 0; // refused: when the caller may try again
    };
    Result<Attempt> reserveAttempt(const QString &bucket, const Lockout &policy);
    // The state after this failure (allowed=false: this one set the lock).
    Result<RateDecision> confirmFailure(const QString &bucket, const Attempt &attempt,
                                        const Lockout &policy);
    // `forgive`: the window's earlier failures go too (a successful sign-in).
    Status releaseAttempt(const QString &bucket, const Attempt &attempt, bool forgive = false);
    // When the bucket's lock ends, 0 if it is not locked now.
    Result<qint64> lockedUntil(const QString &bucket);
    // Lifts the lock and forgets the failures.
    Status unlock(const QString &bucket);
    // Forget windows that ended before `beforeMs` (and expired locks).
    Result<int> sweep(qint64 beforeMs);

private:
    ModelContext m_ctx;
};

} // namespace wfx
