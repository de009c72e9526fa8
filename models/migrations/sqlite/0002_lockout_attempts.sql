-- Lockouts (share passwords, logins) keep their whole state in one row per
-- bucket (window_start = 0), so one conditional statement can reserve an
-- attempt, confirm a failure or set the lock (core/RateLimiter.cpp):
-- count = attempts held in the window (confirmed failures plus checks in
-- flight), failures = confirmed failures, since = when the window began.
ALTER TABLE rate_counters ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rate_counters ADD COLUMN since BIGINT NOT NULL DEFAULT 0;
