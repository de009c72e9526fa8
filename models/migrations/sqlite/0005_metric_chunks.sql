-- Metric points in packed chunks per series (runs/MetricStore.h, runs/MetricChunk.h):
-- one row per chunk of at most 4,096 points of one series, keyed by its first
-- step (a step is stored once per series, so no two chunks of a series start
-- at the same step; their step ranges may overlap). points, first_step and
-- last_step repeat what the chunk's header says, for range reads without
-- decoding.
--
-- run_metrics (one row per point) stays until the data step of this migration
-- (metricstore::migrateRows, run by db/Migrator.cpp right after this file) has
-- moved every run into chunks, one transaction per run, and drops it: a store
-- at this version that still has run_metrics is half way and finishes at the
-- next start.
CREATE TABLE run_metric_chunks (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    first_step BIGINT NOT NULL,
    last_step BIGINT NOT NULL,
    points INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (run_id, name, first_step)
) WITHOUT ROWID;
