// SPDX-License-Identifier: Apache-2.0
#include "models/core/RateLimiter.h"

#include "models/core/Clock.h"
#include "models/db/Database.h"
#include "models/db/Tx.h"

#include <QElapsedTimer>
#include <QThread>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {
} // namespace

Result<RateDecision> RateLimiter::hit(const QString &bucket, int limit, qint64 windowMs)
{
    const qint64 now = m_ctx.clock->nowMs();
    const qint64 start = now - now % windowMs;
    Query q(
        m_ctx.db->connection(),
        u"INSERT INTO rate_counters (bucket, window_start, count) VALUES (:b, :w, 1) "
        "ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_counters.count + 1 RETURNING count"_s);
    q.bind(u":b"_s, bucket).bind(u":w"_s, start);
    if (!q.exec() || !q.next())
        return Error{ErrorCode::Unavailable, u"The store is not available."_s};
    const qint64 count = q.i64(0);
    RateDecision d;
    d.limit = limit;
    d.allowed = count <= limit;
    d.remaining = int(std::max<qint64>(0, limit - count));
    d.resetSecs = std::max<qint64>(1, (start + windowMs - now + 999) / 1000);
    return d;
}

// The hits of the last windowMs; `counted`: the caller's hit is among them.
static Result<RateDecision> slidingState(const QSqlDatabase &conn, const QString &bucket, int limit,
                                         qint64 windowMs, qint64 now, bool counted)
{
    Query q(conn, u"SELECT window_start, count FROM rate_counters WHERE bucket = :b AND "
                  u"window_start > :since "
                  "ORDER BY window_start"_s);
    q.bind(u":b"_s, bucket).bind(u":since"_s, now - windowMs);
    if (!q.exec())
        return Error{ErrorCode::Unavailable, u"The store is not available."_s};
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

Result<RateDecision> RateLimiter::hitSliding(const QString &bucket, int limit, qint64 windowMs,
                                             qint64 stepMs)
{
    const qint64 now = m_ctx.clock->nowMs();
    stepMs = std::clamp<qint64>(stepMs, 1, std::max<qint64>(1, windowMs));
    const qint64 start = std::max<qint64>(1, now - now % stepMs); // 0 is the head row
    const qint64 cut = now - windowMs;                            // start > cut: stepMs <= windowMs
    // Both writes in one transaction: one lock and one commit (one WAL append
    // on SQLite, one flush on PostgreSQL) per hit instead of two.
    auto began = Tx::begin(*m_ctx.db);
    if (!began)
        return began.error();
    Tx &tx = *began;
    QSqlDatabase conn = tx.conn();
    // The decision is one statement on one row: the bucket's head row (window_start
    // = 0) holds the hits of the sub-windows after `since`; each hit adds itself and
    // takes off the sub-windows that left the window since the last hit. Those are
    // at least windowMs old, so no concurrent statement still writes them, and the
    // head's RETURNING count is exact on PostgreSQL too (the row is locked and
    // re-read under concurrent updates; a sum over the sub-windows in the same
    // statement would read a snapshot and let two hits in adjacent sub-windows both
    // take the last slot). A head row that is new starts from the sub-windows there
    // are (after a sweep or an upgrade).
    Query head(
        conn,
        u"INSERT INTO rate_counters (bucket, window_start, count, since) VALUES (:b, 0, 1 + "
        "(SELECT COALESCE(SUM(o.count), 0) FROM rate_counters o WHERE o.bucket = :b AND "
        "o.window_start > :cut), "
        ":cut) "
        "ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_counters.count + 1 - "
        "(SELECT COALESCE(SUM(o.count), 0) FROM rate_counters o WHERE o.bucket = :b "
        " AND o.window_start > rate_counters.since AND o.window_start <= :cut), "
        "since = CASE WHEN rate_counters.since < :cut THEN :cut ELSE rate_counters.since END "
        "RETURNING count, "
        "(SELECT MIN(o.window_start) FROM rate_counters o WHERE o.bucket = :b AND o.window_start > :cut)"_s);
    head.bind(u":b"_s, bucket).bind(u":cut"_s, cut);
    if (!head.exec() || !head.next())
        return Error{ErrorCode::Unavailable, u"The store is not available."_s};
    const qint64 count = head.i64(0);
    const qint64 oldest = head.isNull(1) ? start : std::min(start, head.i64(1));
    head.raw().finish();
    // The hit's own sub-window, so it can leave the window later. Refused hits
    // count too: a client that keeps hammering stays refused.
    Query sub(conn,
              u"INSERT INTO rate_counters (bucket, window_start, count) VALUES (:b, :w, 1) "
              "ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_counters.count + 1"_s);
    sub.bind(u":b"_s, bucket).bind(u":w"_s, start);
    if (!sub.exec())
        return Error{ErrorCode::Unavailable, u"The store is not available."_s};
    if (count > limit) {
        // The exact reset needs every sub-window; refused whatever they say now.
        auto st = slidingState(conn, bucket, limit, windowMs, now, true);
        if (st) {
            st->allowed = false;
            st->remaining = 0;
        }
        if (auto c = tx.commit(); !c)
            return Error{ErrorCode::Unavailable, u"The store is not available."_s};
        return st;
    }
    if (auto c = tx.commit(); !c)
        return Error{ErrorCode::Unavailable, u"The store is not available."_s};
    RateDecision d;
    d.limit = limit;
    d.allowed = true;
    d.remaining = int(std::max<qint64>(0, limit - count));
    d.resetSecs = std::max<qint64>(1, (oldest + windowMs - now + 999) / 1000);
    return d;
}

Result<RateDecision> RateLimiter::peekSliding(const QString &bucket, int limit, qint64 windowMs)
{
    return slidingState(m_ctx.db->connection(), bucket, limit, windowMs, m_ctx.clock->nowMs(),
                        false);
}

Result<RateDecision> RateLimiter::peek(const QString &bucket, int limit, qint64 windowMs)
{
    const qint64 now = m_ctx.clock->nowMs();
    const qint64 start = now - now % windowMs;
    Query q(m_ctx.db->connection(),
            u"SELECT count FROM rate_counters WHERE bucket = :b AND window_start = :w"_s);
    q.bind(u":b"_s, bucket).bind(u":w"_s, start);
    if (!q.exec())
        return Error{ErrorCode::Unavailable, u"The store is not available."_s};
    const qint64 count = q.next() ? q.i64(0) : 0;
    RateDecision d;
    d.limit = limit;
    d.allowed = count < limit;
    d.remaining = int(std::max<qint64>(0, limit - count));
    d.resetSecs = std::max<qint64>(1, (start + windowMs - now + 999) / 1000);
    return d;
}

// Lockouts. The bucket's whole state is one row (window_start = 0): count =
// attempts held in the window (confirmed failures plus checks in flight),
// failures = confirmed failures, since = the window's start, locked_until.
// Every move is one statement whose WHERE decides, so two requests can never
// both take the last attempt, in one process or several on one PostgreSQL.
//
// Why reserve before the check: the check (scrypt) is slow, so it must not run
// for a request that is over the limit, and a request may answer "wrong" only
// if its own failure counted. An attempt is taken while count < maxFailures;
// a wrong secret confirms it (failures + 1; the failure that reaches the limit
// sets the lock, and with it every held attempt is a failure, so nothing is in
// flight); a right one gives it back. So at most maxFailures wrong answers per
// window, however the requests interleave, and a right secret is never counted.
// An attempt is only refused while the lock is set or while every free attempt
// is held by a check in flight; in the second case the bucket is not locked yet,
// so reserveAttempt waits for those checks to end (one scrypt) rather than turn
// a right secret away: they either give their attempts back or set the lock.
// An attempt whose process died mid-check stays held (counted as a failure)
// until its window ends.
namespace {
constexpr qint64 kBusyWaitMs = 5'000; // longer only if a process died holding attempts
// The window is over (its time passed without a lock, or its lock ended): the
// next attempt starts a new one.
const char *const kFreshWindow =
    "((rate_counters.locked_until = 0 AND rate_counters.since <= :cut) OR "
    "(rate_counters.locked_until > 0 AND rate_counters.locked_until <= :now))";
Error storeUnavailable()
{
    return Error{ErrorCode::Unavailable, u"The store is not available."_s};
}
} // namespace

Result<RateLimiter::Attempt> RateLimiter::reserveAttempt(const QString &bucket,
                                                         const Lockout &policy)
{
    const QString fresh = QString::fromLatin1(kFreshWindow);
    const QString sql =
        u"INSERT INTO rate_counters (bucket, window_start, count, failures, since, locked_until) "
        "VALUES (:b, 0, 1, 0, :now, 0) ON CONFLICT (bucket, window_start) DO UPDATE SET "_s +
        u"count = CASE WHEN %1 THEN 1 ELSE rate_counters.count + 1 END, "
        "failures = CASE WHEN %1 THEN 0 ELSE rate_counters.failures END, "
        "since = CASE WHEN %1 THEN :now ELSE rate_counters.since END, "
        "locked_until = CASE WHEN %1 THEN 0 ELSE rate_counters.locked_until END "
        "WHERE %1 OR (rate_counters.locked_until = 0 AND rate_counters.count < :limit) RETURNING since"_s
            .arg(fresh);
    QSqlDatabase conn = m_ctx.db->connection();
    QElapsedTimer waited;
    waited.start();
    for (int round = 0;; ++round) {
        const qint64 now = m_ctx.clock->nowMs();
        Query up(conn, sql);
        up.bind(u":b"_s, bucket)
            .bind(u":now"_s, now)
            .bind(u":cut"_s, now - policy.windowMs)
            .bind(u":limit"_s, policy.maxFailures);
        if (!up.exec())
            return storeUnavailable();
        if (up.next())
            return Attempt{true, up.i64(0), 0};
        up.raw().finish();
        // Refused: locked, or every attempt is held by a check in flight. This read
        // only picks the answer; the decision was the statement's.
        Query state(
            conn,
            u"SELECT locked_until, since FROM rate_counters WHERE bucket = :b AND window_start = 0"_s);
        state.bind(u":b"_s, bucket);
        if (!state.exec())
            return storeUnavailable();
        qint64 lockedUntil = 0, since = now;
        if (state.next()) {
            lockedUntil = state.i64(0);
            since = state.i64(1);
        }
        state.raw().finish();
        if (lockedUntil > now)
            return Attempt{false, since, lockedUntil};
        if (waited.elapsed() >= kBusyWaitMs)
            return Attempt{false, since, std::max(now + 1000, since + policy.windowMs)};
        QThread::msleep(std::min(5 + 5 * round, 50));
    }
}

Result<RateDecision> RateLimiter::confirmFailure(const QString &bucket, const Attempt &attempt,
                                                 const Lockout &policy)
{
    const qint64 now = m_ctx.clock->nowMs();
    Query up(m_ctx.db->connection(),
             u"UPDATE rate_counters SET failures = failures + 1, "
             "locked_until = CASE WHEN failures + 1 >= :limit THEN :until ELSE locked_until END "
             "WHERE bucket = :b AND window_start = 0 AND since = :w AND locked_until = 0 "
             "RETURNING failures, locked_until"_s);
    up.bind(u":b"_s, bucket)
        .bind(u":w"_s, attempt.window)
        .bind(u":limit"_s, policy.maxFailures)
        .bind(u":until"_s, now + policy.lockMs);
    if (!up.exec())
        return storeUnavailable();
    RateDecision d;
    d.limit = policy.maxFailures;
    // No row: the window ended (or an administrator unlocked) while this secret
    // was checked; the failure belongs to no window any more.
    const qint64 failures = up.next() ? up.i64(0) : 0;
    d.lockedUntilMs = failures > 0 ? up.i64(1) : 0;
    up.raw().finish();
    d.allowed = d.lockedUntilMs == 0;
    d.remaining = int(std::max<qint64>(0, policy.maxFailures - failures));
    d.resetSecs = ((d.allowed ? policy.windowMs : policy.lockMs) + 999) / 1000;
    return d;
}

Status RateLimiter::releaseAttempt(const QString &bucket, const Attempt &attempt, bool forgive)
{
    Query up(m_ctx.db->connection(),
             forgive
                 ? u"UPDATE rate_counters SET count = count - 1 - failures, failures = 0 "
                   "WHERE bucket = :b AND window_start = 0 AND since = :w AND locked_until = 0"_s
                 : u"UPDATE rate_counters SET count = count - 1 "
                   "WHERE bucket = :b AND window_start = 0 AND since = :w AND locked_until = 0"_s);
    up.bind(u":b"_s, bucket).bind(u":w"_s, attempt.window);
    if (!up.exec())
        return storeUnavailable();
    return Ok{};
}

Result<qint64> RateLimiter::lockedUntil(const QString &bucket)
{
    Query q(m_ctx.db->connection(),
            u"SELECT locked_until FROM rate_counters WHERE bucket = :b AND window_start = 0"_s);
    q.bind(u":b"_s, bucket);
    if (!q.exec())
        return storeUnavailable();
    const qint64 until = q.next() ? q.i64(0) : 0;
    q.raw().finish();
    return until > m_ctx.clock->nowMs() ? until : 0;
}

Status RateLimiter::unlock(const QString &bucket)
{
    Query q(m_ctx.db->connection(),
            u"DELETE FROM rate_counters WHERE bucket = :b AND window_start = 0"_s);
    q.bind(u":b"_s, bucket);
    if (!q.exec())
        return storeUnavailable();
    return Ok{};
}

Result<int> RateLimiter::sweep(qint64 beforeMs)
{
    Query q(m_ctx.db->connection(),
            u"DELETE FROM rate_counters WHERE (window_start > 0 AND window_start < :t) OR "
            "(window_start = 0 AND locked_until < :now AND since < :t)"_s);
    q.bind(u":t"_s, beforeMs).bind(u":now"_s, m_ctx.clock->nowMs());
    if (!q.exec())
        return Error{ErrorCode::Unavailable, u"The store is not available."_s};
    return q.rowsAffected();
}

} // namespace wfx
