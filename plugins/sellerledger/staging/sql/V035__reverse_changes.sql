-- Reverse and reference flows (prices to Amazon, stock both ways, contacts): one audit row per decision,
-- the customer map of the contacts flow, and the alert kinds these flows raise.
CREATE TABLE ops.reverse_changes (
    id          bigserial   PRIMARY KEY,
    flow_id     text        NOT NULL,
    run_id      text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('prices', 'stock', 'contacts')),
    subject     text        NOT NULL,
    status      text        NOT NULL,
    dry_run     boolean     NOT NULL DEFAULT false,
    detail      jsonb       NOT NULL DEFAULT '{}',
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reverse_changes_flow_idx ON ops.reverse_changes (flow_id, kind, recorded_at DESC);
COMMENT ON TABLE ops.reverse_changes IS 'Audit trail of the reverse flows: per SKU × marketplace (prices), SKU (stock) or ledger contact (contacts), what each side said and what was done (pushed, unchanged, rejected, adjusted, conflict, unknown_sku, updated...). Never buyer PII: contacts rows name changed fields only.';
COMMENT ON COLUMN ops.reverse_changes.detail IS 'Prices: currency, old and new price as decimal strings, issues; stock: quantities per side and actions; contacts: order id and the names of the fields changed.';

CREATE TABLE ops.contact_map (
    flow_id         text        NOT NULL,
    amazon_order_id text        NOT NULL,
    contact_id      text        NOT NULL,
    mapped_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (flow_id, amazon_order_id)
);
COMMENT ON TABLE ops.contact_map IS 'Customers of the contacts flow: a ledger contact (MYOB Contact/Customer UID) kept current from the buyer and ship-to details of its Amazon order(s); the latest mapped order wins. Holds ids only, never PII.';

ALTER TABLE ops.alerts DROP CONSTRAINT IF EXISTS alerts_kind_check;
ALTER TABLE ops.alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN ('held', 'sync_block', 'unmapped',
    'missing_settlement', 'task_failure', 'posting_failed', 'price_rejected', 'stock_conflict', 'unknown_sku',
    'contact_failed'));
