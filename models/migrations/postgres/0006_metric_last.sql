-- Each run's last value per metric (the value at the series' highest step),
-- for the runs list's metric filter and order (RunFilter::metric and
-- orderMetric, RunService::fetchList): one row per series, written by
-- metricstore::add in the sync's transaction when a point with a higher step
-- than the stored one arrives (a late batch of lower steps leaves it). The
-- run's workspace and project repeat here so that each scope the list has
-- (one workspace, one project, every run) is one index range in value order.
-- Rows go with their run (ON DELETE CASCADE: run delete, DSAR erasure).
CREATE TABLE run_metric_last (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    step BIGINT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    workspace_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    PRIMARY KEY (run_id, name)
);
CREATE INDEX run_metric_last_ws ON run_metric_last (workspace_id, name, value, run_id);
CREATE INDEX run_metric_last_project ON run_metric_last (project_id, name, value, run_id);
CREATE INDEX run_metric_last_name ON run_metric_last (name, value, run_id);
-- The runs whose last values the data step of this migration
-- (metricstore::fillLastValues, run by db/Migrator.cpp right after this file)
-- has still to write from their chunks; it drops the table once it is empty,
-- so a store at this version that still has it is half way and finishes at
-- the next start.
CREATE TABLE run_metric_last_pending (
    run_id TEXT PRIMARY KEY
);
INSERT INTO run_metric_last_pending (run_id) SELECT DISTINCT run_id FROM run_metric_chunks;
