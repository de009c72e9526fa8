-- WorldFlux Console schema, version 1 (PostgreSQL). Times are milliseconds since the
-- Unix epoch (UTC); ids are lowercase UUID text; flags are 0/1 integers.
-- Keep in step with ../sqlite/0001_initial.sql.

CREATE TABLE instance_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    restricted INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);

CREATE TABLE user_objections (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('analytics', 'marketing', 'research')),
    objected INTEGER NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, purpose)
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    selected_workspace_id TEXT,
    ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    error TEXT
);
CREATE INDEX mail_outbox_created ON mail_outbox(created_at, id);

-- Defensive counters (login attempts, share reads, share password failures):
-- one row per bucket and window, swept when old.
CREATE TABLE rate_counters (
    bucket TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    count INTEGER NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_counters_window ON rate_counters(window_start);

CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    plan TEXT NOT NULL DEFAULT 'free',
    created_at BIGINT NOT NULL
);
CREATE INDEX workspaces_created ON workspaces(created_at, id);

CREATE TABLE memberships (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id, workspace_id);

CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    accepted_by TEXT,
    revoked_at BIGINT
);
CREATE INDEX invitations_ws ON invitations(workspace_id, created_at, id);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    workspace_id TEXT REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_keys_user ON api_keys(user_id, created_at, id);

CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX projects_ws ON projects(workspace_id, created_at, id);

CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    client_run_id TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
    started_at BIGINT,
    finished_at BIGINT,
    created_at BIGINT NOT NULL,
    manifest TEXT NOT NULL DEFAULT '{}',
    evidence TEXT NOT NULL CHECK (evidence IN ('verified', 'unverified', 'unsigned')),
    metric_count INTEGER NOT NULL DEFAULT 0,
    log_bytes INTEGER NOT NULL DEFAULT 0,
    created_by TEXT,
    UNIQUE (project_id, client_run_id)
);
CREATE INDEX runs_ws_created ON runs(workspace_id, created_at, id);
CREATE INDEX runs_project_created ON runs(project_id, created_at, id);
CREATE INDEX runs_ws_status_created ON runs(workspace_id, status, created_at, id);
CREATE INDEX runs_created ON runs(created_at, id);

CREATE TABLE run_metrics (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    step BIGINT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (run_id, name, step)
);

-- Chart rollups of long series (RunService::metricSeries, runs/SeriesRollup.h):
-- for a series of more than 4,096 points, one row per level k = 4, 6, 8, ...:
-- the first, lowest, highest and last point of every bucket of 2^k consecutive
-- points (by step), packed as little-endian (int64 step, float64 value) pairs in
-- step order. Written with the points in the sync's transaction, never changed.
CREATE TABLE run_metric_rollups (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    level INTEGER NOT NULL,
    points BIGINT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (run_id, name, level)
);

CREATE TABLE run_logs (
    run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    content TEXT NOT NULL
);

CREATE TABLE run_signatures (
    run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    alg TEXT NOT NULL,
    public_key TEXT NOT NULL,
    sig TEXT NOT NULL,
    signed_sha256 TEXT NOT NULL,
    verified INTEGER NOT NULL,
    checked_at BIGINT NOT NULL
);

CREATE TABLE compliance_mappings (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    framework TEXT NOT NULL,
    control TEXT NOT NULL,
    status TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, framework, control)
);

CREATE TABLE artifacts (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'committed', 'aborted', 'deleted')),
    part_size BIGINT NOT NULL,
    upload_token_hash TEXT UNIQUE,
    upload_expires_at BIGINT,
    created_at BIGINT NOT NULL,
    committed_at BIGINT
);
CREATE INDEX artifacts_run ON artifacts(run_id, created_at, id);
CREATE INDEX artifacts_upload_expiry ON artifacts(state, upload_expires_at);

CREATE TABLE artifact_parts (
    artifact_id TEXT NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (artifact_id, number)
);

-- Sync ledger: one head per workspace, moved by compare-and-swap.
CREATE TABLE ledger_heads (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    head TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT
);

CREATE TABLE shares (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    artifact_id TEXT REFERENCES artifacts(id) ON DELETE SET NULL,
    artifact_ref TEXT,
    token_hash TEXT NOT NULL UNIQUE,
    token_prefix TEXT NOT NULL,
    password_hash TEXT,
    expires_at BIGINT,
    revoked_at BIGINT,
    created_by TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX shares_ws ON shares(workspace_id, created_at, id);
CREATE INDEX shares_run ON shares(run_id, created_at, id);

CREATE TABLE reliability_consents (
    id TEXT PRIMARY KEY,
    share_id TEXT NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    scope TEXT NOT NULL,
    granted_by TEXT,
    granted_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX reliability_consents_share ON reliability_consents(share_id, granted_at, id);

CREATE TABLE plan_caps (
    plan TEXT NOT NULL,
    metric TEXT NOT NULL CHECK (metric IN ('runs', 'artifact_bytes', 'compute_seconds')),
    cap BIGINT NOT NULL,
    PRIMARY KEY (plan, metric)
);
INSERT INTO plan_caps (plan, metric, cap) VALUES
    ('free', 'runs', 1000), ('free', 'artifact_bytes', 10737418240), ('free', 'compute_seconds', 360000),
    ('pro', 'runs', 100000), ('pro', 'artifact_bytes', 1099511627776), ('pro', 'compute_seconds', 36000000),
    ('team', 'runs', 1000000), ('team', 'artifact_bytes', 10995116277760), ('team', 'compute_seconds', 360000000);

CREATE TABLE usage_reservations (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    metric TEXT NOT NULL CHECK (metric IN ('runs', 'artifact_bytes', 'compute_seconds')),
    amount BIGINT NOT NULL CHECK (amount > 0),
    idempotency_key TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('reserved', 'committed', 'reverted', 'expired')),
    created_by TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    settled_at BIGINT,
    UNIQUE (workspace_id, idempotency_key)
);
CREATE INDEX usage_reservations_ws ON usage_reservations(workspace_id, metric, state);
CREATE INDEX usage_reservations_expiry ON usage_reservations(state, expires_at);

CREATE TABLE billing_customers (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    customer_ref TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE billing_subscriptions (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    provider_ref TEXT NOT NULL,
    plan TEXT NOT NULL,
    status TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX billing_subscriptions_ws ON billing_subscriptions(workspace_id);

CREATE TABLE billing_events (
    event_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    event_created BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    workspace_id TEXT,
    applied INTEGER NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX billing_events_received ON billing_events(received_at, event_id);

CREATE TABLE dsar_requests (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('export', 'deletion', 'restriction', 'objection')),
    state TEXT NOT NULL CHECK (state IN ('open', 'scheduled', 'completed', 'cancelled', 'lifted')),
    detail TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    scheduled_for BIGINT,
    completed_at BIGINT
);
CREATE INDEX dsar_requests_user ON dsar_requests(user_id, created_at, id);
CREATE INDEX dsar_requests_state ON dsar_requests(state, due_at);
CREATE INDEX dsar_requests_created ON dsar_requests(created_at, id);

-- Append-only, hash-chained: hash = SHA-256(prev_hash || canonical entry).
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    at BIGINT NOT NULL,
    actor_id TEXT,
    workspace_id TEXT,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT,
    ip TEXT,
    detail TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_ws ON audit_log(workspace_id, seq);
CREATE INDEX audit_log_actor ON audit_log(actor_id, seq);
CREATE INDEX audit_log_action ON audit_log(action, seq);

-- The chain's head: one row, updated in every appending transaction so that
-- appenders serialise on it (a row lock on PostgreSQL).
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE claims (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    statement TEXT NOT NULL,
    metric_name TEXT NOT NULL,
    comparator TEXT NOT NULL CHECK (comparator IN ('<', '<=', '>', '>=')),
    threshold DOUBLE PRECISION NOT NULL,
    aggregate TEXT NOT NULL CHECK (aggregate IN ('last', 'min', 'max', 'mean')),
    status TEXT NOT NULL CHECK (status IN ('supported', 'refuted', 'unverifiable')),
    observed DOUBLE PRECISION,
    published INTEGER NOT NULL DEFAULT 0,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    verified_at BIGINT NOT NULL
);
CREATE INDEX claims_ws ON claims(workspace_id, created_at, id);

CREATE TABLE museum_entries (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL UNIQUE REFERENCES runs(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    published_by TEXT,
    published_at BIGINT NOT NULL
);
CREATE INDEX museum_published ON museum_entries(published_at, id);

CREATE TABLE leaderboard_snapshots (
    id TEXT PRIMARY KEY,
    board TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX leaderboard_board ON leaderboard_snapshots(board, created_at, id);

CREATE TABLE status_samples (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    component TEXT NOT NULL,
    ok INTEGER NOT NULL,
    latency_ms INTEGER NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX status_samples_at ON status_samples(component, at);
