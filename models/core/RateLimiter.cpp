// SPDX-License-Identifier: Apache-2.0
#include "core/RateLimiter.h"

#include "core/Clock.h"
#include "db/Database.h"
#include "db/Tx.h"

#include <algorithm>

namespace wfx {

namespace {
constexpr qint64 kSubWindowMs = 60'000;
QString S(const char *s) { return QString::fromLatin1(s); }
QString lockBucket(const QString &bucket) { return S("lock:") + bucket; }
} // namespace

Result<RateDecision> RateLimiter::hit(const QString &bucket, int limit, qint64 windowMs)
{
    const qint64 now = m_ctx.clock->nowMs();
    const qint64 start = now - now % windowMs;
    Query q(m_ctx.db->connection(),
            S("INSERT INTO rate_counters (bucket, window_start, count) VALUES (:b, :w, 1) "
              "ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_counters.count + 1 RETURNING count"));
    q.bind(S(":b"), bucket).bind(S(":w"), start);
    if (!q.exec() || !q.next())
        return Error{ErrorCode::Unavailable, S("The store is not available.")};
    const qint64 count = q.i64(0);
    RateDecision d;
    d.limit = limit;
    d.allowed = count <= limit;
    d.remaining = int(std::max<qint64>(0, limit - count));
    d.resetSecs = std::max<qint64>(1, (start + windowMs - now + 999) / 1000);
    return d;
}

// The hits of the last windowMs; `counted`: the caller's hit is among them.
static Result<RateDecision> slidingState(const QSqlDatabase &conn, const QString &bucket, int limit, qint64 windowMs,
                                         qint64 now, bool counted)
{
    Query q(conn, S("SELECT window_start, count FROM rate_counters WHERE bucket = :b AND window_start > :since "
                    "ORDER BY window_start"));
    q.bind(S(":b"), bucket).bind(S(":since"), now - windowMs);
    if (!q.exec())
        return Error{ErrorCode::Unavailable, S("The store is not available.")};
    QList<std::pair<qint64, qint64>> steps;
    qint64 count = 0;
    while (q.next()) {
        steps.append({q.i64(0), q.i64(1)});
        count += q.i64(1);
    }
    RateDecision d;
    d.limit = limit;
    d.allowed = counted ? count <= limit : count < limit;
    d.remaining = int(std::max<qint64>(0, limit - count));
    qint64 resetAt = steps.isEmpty() ? now + windowMs : steps.first().first + windowMs;
    if (!d.allowed) {
        // The next hit is allowed once enough of the oldest sub-windows left.
        qint64 left = count;
        for (const auto &[stepStart, n] : std::as_const(steps)) {
            left -= n;
            resetAt = stepStart + windowMs;
            if (left <= limit - 1)
                break;
        }
    }
    d.resetSecs = std::max<qint64>(1, (resetAt - now + 999) / 1000);
    return d;
}

Result<RateDecision> RateLimiter::hitSliding(const QString &bucket, int limit, qint64 windowMs, qint64 stepMs)
{
    const qint64 now = m_ctx.clock->nowMs();
    stepMs = std::clamp<qint64>(stepMs, 1, std::max<qint64>(1, windowMs));
    const qint64 start = std::max<qint64>(1, now - now % stepMs); // 0 is the lock row
    const qint64 since = now - windowMs;                          // start > since: stepMs <= windowMs
    QSqlDatabase conn = m_ctx.db->connection();
    // One statement counts the hit and reads the window: the caller's own
    // sub-window comes from RETURNING, the others from subqueries that leave it
    // out (so it does not matter whether they see the new count).
    Query up(conn, S("INSERT INTO rate_counters (bucket, window_start, count) VALUES (:b, :w, 1) "
                     "ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_counters.count + 1 "
                     "RETURNING count, "
                     "(SELECT COALESCE(SUM(o.count), 0) FROM rate_counters o "
                     " WHERE o.bucket = :b AND o.window_start > :since AND o.window_start <> :w), "
                     "(SELECT MIN(o.window_start) FROM rate_counters o "
                     " WHERE o.bucket = :b AND o.window_start > :since AND o.window_start <> :w)"));
    up.bind(S(":b"), bucket).bind(S(":w"), start).bind(S(":since"), since);
    if (!up.exec() || !up.next())
        return Error{ErrorCode::Unavailable, S("The store is not available.")};
    const qint64 count = up.i64(0) + up.i64(1);
    const qint64 oldest = up.isNull(2) ? start : std::min(start, up.i64(2));
    if (count > limit) {
        up.raw().finish();
        return slidingState(conn, bucket, limit, windowMs, now, true); // the exact reset needs every sub-window
    }
    RateDecision d;
    d.limit = limit;
    d.allowed = true;
    d.remaining = int(std::max<qint64>(0, limit - count));
    d.resetSecs = std::max<qint64>(1, (oldest + windowMs - now + 999) / 1000);
    return d;
}

Result<RateDecision> RateLimiter::peekSliding(const QString &bucket, int limit, qint64 windowMs)
{
    return slidingState(m_ctx.db->connection(), bucket, limit, windowMs, m_ctx.clock->nowMs(), false);
}

Result<RateDecision> RateLimiter::peek(const QString &bucket, int limit, qint64 windowMs)
{
    const qint64 now = m_ctx.clock->nowMs();
    const qint64 start = now - now % windowMs;
    Query q(m_ctx.db->connection(), S("SELECT count FROM rate_counters WHERE bucket = :b AND window_start = :w"));
    q.bind(S(":b"), bucket).bind(S(":w"), start);
    if (!q.exec())
        return Error{ErrorCode::Unavailable, S("The store is not available.")};
    const qint64 count = q.next() ? q.i64(0) : 0;
    RateDecision d;
    d.limit = limit;
    d.allowed = count < limit;
    d.remaining = int(std::max<qint64>(0, limit - count));
    d.resetSecs = std::max<qint64>(1, (start + windowMs - now + 999) / 1000);
    return d;
}

Result<RateDecision> RateLimiter::recordFailure(const QString &bucket, int maxFailures, qint64 windowMs, qint64 lockMs)
{
    const qint64 now = m_ctx.clock->nowMs();
    auto began = Tx::begin(*m_ctx.db);
    if (!began)
        return began.error();
    Tx &tx = *began;
    const qint64 sub = now - now % kSubWindowMs;
    Query up = tx.query(S("INSERT INTO rate_counters (bucket, window_start, count) VALUES (:b, :w, 1) "
                          "ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_counters.count + 1"));
    up.bind(S(":b"), bucket).bind(S(":w"), sub);
    if (!up.exec())
        return Error{ErrorCode::Unavailable, S("The store is not available.")};
    Query sum = tx.query(S("SELECT COALESCE(SUM(count), 0) FROM rate_counters WHERE bucket = :b AND window_start > :since"));
    sum.bind(S(":b"), bucket).bind(S(":since"), now - windowMs);
    if (!sum.exec() || !sum.next())
        return Error{ErrorCode::Unavailable, S("The store is not available.")};
    const qint64 failures = sum.i64(0);
    sum.raw().finish();
    RateDecision d;
    d.limit = maxFailures;
    d.remaining = int(std::max<qint64>(0, maxFailures - failures));
    d.allowed = failures < maxFailures;
    if (!d.allowed) {
        d.lockedUntilMs = now + lockMs;
        Query lock = tx.query(S("INSERT INTO rate_counters (bucket, window_start, count, locked_until) VALUES (:b, 0, 0, :u) "
                                "ON CONFLICT (bucket, window_start) DO UPDATE SET locked_until = :u"));
        lock.bind(S(":b"), lockBucket(bucket)).bind(S(":u"), d.lockedUntilMs);
        if (!lock.exec())
            return Error{ErrorCode::Unavailable, S("The store is not available.")};
        // The failures that led to the lock are spent.
        Query clear = tx.query(S("DELETE FROM rate_counters WHERE bucket = :b"));
        clear.bind(S(":b"), bucket);
        if (!clear.exec())
            return Error{ErrorCode::Unavailable, S("The store is not available.")};
        d.resetSecs = (lockMs + 999) / 1000;
    } else {
        d.resetSecs = (windowMs + 999) / 1000;
    }
    if (auto c = tx.commit(); !c)
        return c.error();
    return d;
}

Result<qint64> RateLimiter::lockedUntil(const QString &bucket)
{
    Query q(m_ctx.db->connection(), S("SELECT locked_until FROM rate_counters WHERE bucket = :b AND window_start = 0"));
    q.bind(S(":b"), lockBucket(bucket));
    if (!q.exec())
        return Error{ErrorCode::Unavailable, S("The store is not available.")};
    const qint64 until = q.next() ? q.i64(0) : 0;
    return until > m_ctx.clock->nowMs() ? until : 0;
}

Status RateLimiter::unlock(const QString &bucket)
{
    Query q(m_ctx.db->connection(), S("DELETE FROM rate_counters WHERE bucket = :b OR bucket = :l"));
    q.bind(S(":b"), bucket).bind(S(":l"), lockBucket(bucket));
    if (!q.exec())
        return Error{ErrorCode::Unavailable, S("The store is not available.")};
    return Ok{};
}

Result<int> RateLimiter::sweep(qint64 beforeMs)
{
    Query q(m_ctx.db->connection(),
            S("DELETE FROM rate_counters WHERE (window_start > 0 AND window_start < :t) OR "
              "(window_start = 0 AND locked_until < :now)"));
    q.bind(S(":t"), beforeMs).bind(S(":now"), m_ctx.clock->nowMs());
    if (!q.exec())
        return Error{ErrorCode::Unavailable, S("The store is not available.")};
    return q.rowsAffected();
}

} // namespace wfx
