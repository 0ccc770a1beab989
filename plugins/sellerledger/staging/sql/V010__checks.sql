-- Data-check results per run and settlement, readable by analysts, plus views of the latest outcome
-- and of the amount types no mapping covers.
CREATE SCHEMA IF NOT EXISTS ops;

CREATE TABLE ops.check_runs (
    run_id          text        NOT NULL,
    flow_id         text        NOT NULL,
    settlement_id   text        NOT NULL,
    outcome         text        NOT NULL CHECK (outcome IN ('validated', 'held')),
    reasons         text[]      NOT NULL DEFAULT '{}',
    mode            text        NOT NULL,
    ledger          text        NOT NULL,
    mapping_version text        NOT NULL,
    mapping_hash    text        NOT NULL,
    total_amount    numeric(20, 4),
    lines_sum       numeric(20, 4),
    currency        text,
    line_count      integer     NOT NULL DEFAULT 0,
    document_count  integer     NOT NULL DEFAULT 0,
    checked_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, flow_id, settlement_id)
);
CREATE INDEX check_runs_settlement_idx ON ops.check_runs (flow_id, settlement_id, checked_at DESC);

COMMENT ON TABLE ops.check_runs IS
    'One row per check of a settlement: whether it was validated or held, and why. A rerun after a fix adds a row.';
COMMENT ON COLUMN ops.check_runs.run_id IS 'Run that checked the settlement (Airflow run id, or a CLI/test run id).';
COMMENT ON COLUMN ops.check_runs.flow_id IS 'Flow (seller x region x ledger) the settlement was checked for.';
COMMENT ON COLUMN ops.check_runs.settlement_id IS 'Amazon settlement id.';
COMMENT ON COLUMN ops.check_runs.outcome IS 'validated: every error-severity check passed and documents were built; held: at least one failed.';
COMMENT ON COLUMN ops.check_runs.reasons IS 'Messages of the failed error-severity checks (empty when validated).';
COMMENT ON COLUMN ops.check_runs.mode IS 'Accounting mode of the flow: summary or per_order.';
COMMENT ON COLUMN ops.check_runs.ledger IS 'Ledger the mapping targets: xero, qbo, myob, wave or zoho.';
COMMENT ON COLUMN ops.check_runs.mapping_version IS 'Version label of the mapping set used (with the override seller, if any).';
COMMENT ON COLUMN ops.check_runs.mapping_hash IS 'sha256 of the merged mapping set used.';
COMMENT ON COLUMN ops.check_runs.total_amount IS 'Money: the settlement total-amount (net payout) in currency.';
COMMENT ON COLUMN ops.check_runs.lines_sum IS 'Money: the sum of the staged detail lines in currency (equals total_amount when the file is complete).';
COMMENT ON COLUMN ops.check_runs.currency IS 'ISO 4217 currency of total_amount and lines_sum.';
COMMENT ON COLUMN ops.check_runs.line_count IS 'Staged detail lines checked.';
COMMENT ON COLUMN ops.check_runs.document_count IS 'Accounting documents built (0 when held before building).';
COMMENT ON COLUMN ops.check_runs.checked_at IS 'When the check ran.';

CREATE TABLE ops.check_results (
    id            bigserial   PRIMARY KEY,
    run_id        text        NOT NULL,
    flow_id       text        NOT NULL,
    settlement_id text        NOT NULL,
    suite         text        NOT NULL CHECK (suite IN ('settlement', 'sql', 'gx')),
    check_name    text        NOT NULL,
    passed        boolean     NOT NULL,
    severity      text        NOT NULL CHECK (severity IN ('error', 'warning')),
    message       text        NOT NULL,
    observed      numeric(20, 4),
    expected      numeric(20, 4),
    currency      text,
    details       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    checked_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (run_id, flow_id, settlement_id, suite, check_name)
);
CREATE INDEX check_results_settlement_idx ON ops.check_results (flow_id, settlement_id, checked_at DESC);
CREATE INDEX check_results_failed_idx ON ops.check_results (check_name) WHERE NOT passed;

COMMENT ON TABLE ops.check_results IS
    'Every data check of every settlement per run: pure settlement checks, SQL reconciliation and great-expectations '
    'suites. Failed error-severity checks hold the settlement.';
COMMENT ON COLUMN ops.check_results.run_id IS 'Run that executed the check.';
COMMENT ON COLUMN ops.check_results.flow_id IS 'Flow the settlement was checked for.';
COMMENT ON COLUMN ops.check_results.settlement_id IS 'Amazon settlement id.';
COMMENT ON COLUMN ops.check_results.suite IS 'settlement (pure Python checks), sql (reconciliation queries) or gx (great-expectations).';
COMMENT ON COLUMN ops.check_results.check_name IS 'Check identifier, e.g. lines_sum_to_total, every_line_mapped, documents_net_to_total.';
COMMENT ON COLUMN ops.check_results.passed IS 'True when the check passed.';
COMMENT ON COLUMN ops.check_results.severity IS 'error: a failure holds the settlement; warning: reported only.';
COMMENT ON COLUMN ops.check_results.message IS 'Human explanation with the figures (never secrets or buyer data).';
COMMENT ON COLUMN ops.check_results.observed IS 'Money (when the check is about an amount): the value found, in currency.';
COMMENT ON COLUMN ops.check_results.expected IS 'Money (when the check is about an amount): the value required, in currency.';
COMMENT ON COLUMN ops.check_results.currency IS 'ISO 4217 currency of observed and expected.';
COMMENT ON COLUMN ops.check_results.details IS 'Check-specific facts as JSON (amounts as strings): offending line numbers, unmapped types, GX statistics.';
COMMENT ON COLUMN ops.check_results.checked_at IS 'When the check ran.';

CREATE VIEW ops.settlement_check_status AS
SELECT DISTINCT ON (flow_id, settlement_id)
       flow_id, settlement_id, run_id, outcome, reasons, total_amount, lines_sum, currency, mapping_version, checked_at
FROM ops.check_runs
ORDER BY flow_id, settlement_id, checked_at DESC, run_id DESC;

COMMENT ON VIEW ops.settlement_check_status IS 'The latest check outcome of every settlement per flow.';

CREATE VIEW ops.unmapped_amount_types AS
SELECT r.flow_id,
       r.settlement_id,
       r.run_id,
       u ->> 'transaction_type'   AS transaction_type,
       u ->> 'amount_type'        AS amount_type,
       u ->> 'amount_description' AS amount_description,
       u ->> 'category'           AS category,
       u ->> 'marketplace'        AS marketplace,
       (u ->> 'count')::integer   AS line_count,
       (u ->> 'total')::numeric   AS total_amount,
       u ->> 'currency'           AS currency,
       u ->> 'reason'             AS reason,
       r.checked_at
FROM ops.check_results r
JOIN ops.settlement_check_status s
  ON s.flow_id = r.flow_id AND s.settlement_id = r.settlement_id AND s.run_id = r.run_id
CROSS JOIN LATERAL jsonb_array_elements(r.details -> 'unmapped') AS u
WHERE r.check_name = 'every_line_mapped';

COMMENT ON VIEW ops.unmapped_amount_types IS
    'Unmapped report: amount types (transaction-type, amount-type, amount-description) of the latest check of each '
    'settlement that no mapping row or account covers, with line count and total. Add them to include/mappings.';
