-- Flow runs and alerts: what each run did, and every alert raised (held settlements, sync blocks,
-- unmapped types, missing settlements, task failures).
CREATE SCHEMA IF NOT EXISTS ops;

CREATE TABLE ops.run_summaries (
    flow_id      text        NOT NULL,
    run_id       text        NOT NULL,
    dry_run      boolean     NOT NULL DEFAULT false,
    started_at   timestamptz,
    finished_at  timestamptz NOT NULL DEFAULT now(),
    counts       jsonb       NOT NULL,
    settlements  jsonb       NOT NULL,
    PRIMARY KEY (flow_id, run_id)
);
COMMENT ON TABLE ops.run_summaries IS 'One row per flow run: counts (orders, events, lines, documents created / found / skipped) and per-settlement outcome with totals as decimal strings.';
COMMENT ON COLUMN ops.run_summaries.settlements IS 'Per settlement: id, currency, total_amount and posted_total (decimal strings), status, documents created.';

CREATE TABLE ops.alerts (
    id          bigserial   PRIMARY KEY,
    flow_id     text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('held', 'sync_block', 'unmapped', 'missing_settlement', 'task_failure', 'posting_failed')),
    subject     text        NOT NULL,
    detail      text        NOT NULL,
    delivered   text[]      NOT NULL DEFAULT '{}',
    raised_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_flow_idx ON ops.alerts (flow_id, raised_at DESC);
COMMENT ON TABLE ops.alerts IS 'Every alert raised, whether or not a webhook or e-mail target is configured; delivered lists the targets reached.';
