-- Posting: the exactly-once log, the audit trail, sync blocks, and the encrypted token store.
CREATE SCHEMA IF NOT EXISTS posting;
CREATE SCHEMA IF NOT EXISTS ops;

CREATE TABLE posting.log (
    flow_id        text        NOT NULL,
    doc_key        text        NOT NULL,
    ledger         text        NOT NULL,
    tenant         text        NOT NULL,
    kind           text        NOT NULL,
    settlement_id  text,
    reference      text        NOT NULL,
    currency       text        NOT NULL,
    total_amount   numeric(20, 4) NOT NULL,
    payload_hash   text        NOT NULL,
    state          text        NOT NULL CHECK (state IN ('intent', 'posted', 'failed', 'blocked', 'superseded')),
    ledger_id      text,
    ledger_version text,
    attempts       integer     NOT NULL DEFAULT 0,
    last_error     text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    posted_at      timestamptz,
    PRIMARY KEY (flow_id, doc_key)
);
CREATE INDEX log_settlement_idx ON posting.log (flow_id, settlement_id);
CREATE INDEX log_state_idx ON posting.log (flow_id, state);
COMMENT ON TABLE posting.log IS
  'One row per ledger document per flow: intent recorded (with the payload hash) before the ledger call, the ledger id after it. A rerun reads this first, then looks in the ledger, and only then posts.';
COMMENT ON COLUMN posting.log.doc_key IS 'Deterministic idempotency key of the document (flow, settlement, marketplace, month part, kind, version).';
COMMENT ON COLUMN posting.log.total_amount IS 'Document total in its own currency (decimal, never float).';
COMMENT ON COLUMN posting.log.currency IS 'ISO 4217 currency of total_amount.';
COMMENT ON COLUMN posting.log.payload_hash IS 'sha256 of the canonical rendered payload; a different hash for a posted key means the source changed (update or reverse).';
COMMENT ON COLUMN posting.log.state IS 'intent: call may have happened, look in the ledger first; posted: ledger_id known; failed: fatal error, see last_error; blocked: ledger auth blocked; superseded: replaced by a newer version.';
COMMENT ON COLUMN posting.log.ledger_version IS 'Concurrency token last seen (QBO SyncToken, MYOB RowVersion) when the ledger has one.';

CREATE TABLE posting.audit (
    id            bigserial   PRIMARY KEY,
    flow_id       text        NOT NULL,
    doc_key       text        NOT NULL,
    ledger        text        NOT NULL,
    kind          text        NOT NULL,
    action        text        NOT NULL,
    outcome       text        NOT NULL,
    attempt       integer     NOT NULL,
    currency      text,
    total_amount  numeric(20, 4),
    ledger_id     text,
    detail        text,
    run_id        text,
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_doc_idx ON posting.audit (flow_id, doc_key);
COMMENT ON TABLE posting.audit IS
  'Append-only audit trail of every posting attempt: who (flow, run), what (document key, kind, amount), where (ledger id), which attempt, outcome.';
COMMENT ON COLUMN posting.audit.action IS 'create, update, reverse, found (already in the ledger), skip (already logged), replay.';
COMMENT ON COLUMN posting.audit.outcome IS 'ok, retriable_error, fatal_error, auth_blocked, conflict.';
COMMENT ON COLUMN posting.audit.total_amount IS 'Document total in its own currency.';

CREATE TABLE ops.sync_blocks (
    flow_id     text        NOT NULL,
    ledger      text        NOT NULL,
    conn_id     text        NOT NULL,
    reason      text        NOT NULL,
    blocked_at  timestamptz NOT NULL DEFAULT now(),
    cleared_at  timestamptz,
    PRIMARY KEY (flow_id, ledger, blocked_at)
);
COMMENT ON TABLE ops.sync_blocks IS
  'A ledger that refused our credentials (401, revoked grant): posting stops for the flow until someone re-authorises the named connection and the block is cleared.';

CREATE TABLE ops.token_store (
    token_key   text        PRIMARY KEY,
    ciphertext  bytea       NOT NULL,
    version     integer     NOT NULL DEFAULT 1,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ops.token_store IS
  'OAuth tokens per connection (rotating refresh tokens saved the moment they arrive), Fernet-encrypted; rows are locked FOR UPDATE while a refresh is in flight.';
COMMENT ON COLUMN ops.token_store.ciphertext IS 'Fernet token of the JSON token set; never stored in clear text.';
