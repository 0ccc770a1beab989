-- Rate-limit buckets shared by every worker: one row per (seller or tenant, operation).
CREATE SCHEMA IF NOT EXISTS ops;
CREATE UNLOGGED TABLE ops.rate_buckets (
    bucket_key  text             PRIMARY KEY,
    tokens      double precision NOT NULL,
    updated_at  timestamptz      NOT NULL
);
COMMENT ON TABLE ops.rate_buckets IS 'Token buckets of the API rate limiters, shared by all workers (Celery or local) so several tasks of one seller or ledger tenant spend one budget. Unlogged: losing it on a crash only forgets pacing state.';
