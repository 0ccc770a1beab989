-- Accounting documents built from validated settlements: the ledger-agnostic contract the posting layer
-- renders. One row per document version; a changed mapping adds a version only while the document is not
-- posted, and never rewrites a posted one.
CREATE SCHEMA IF NOT EXISTS accounting;

CREATE TABLE accounting.documents (
    key             text        PRIMARY KEY,
    identity        text        NOT NULL,
    version         integer     NOT NULL CHECK (version >= 1),
    flow_id         text        NOT NULL,
    settlement_id   text        NOT NULL,
    marketplace     text        NOT NULL,
    part            text        NOT NULL,
    kind            text        NOT NULL
        CHECK (kind IN ('settlement_summary', 'order_invoice', 'credit_note', 'settlement_clearing')),
    ref             text        NOT NULL DEFAULT '',
    currency        text        NOT NULL,
    doc_date        date        NOT NULL,
    net_amount      numeric(20, 4) NOT NULL,
    debit_total     numeric(20, 4) NOT NULL,
    payload         jsonb       NOT NULL,
    source_lines    jsonb       NOT NULL,
    content_hash    text        NOT NULL,
    mapping_version text        NOT NULL,
    mapping_hash    text        NOT NULL,
    status          text        NOT NULL DEFAULT 'current' CHECK (status IN ('current', 'superseded', 'withdrawn')),
    built_at        timestamptz NOT NULL DEFAULT now(),
    built_run_id    text,
    superseded_at   timestamptz,
    superseded_by   text        REFERENCES accounting.documents (key),
    drift_hash      text,
    drift_at        timestamptz,
    posted_at       timestamptz,
    ledger_id       text,
    UNIQUE (identity, version)
);
CREATE UNIQUE INDEX documents_one_current_idx ON accounting.documents (identity) WHERE status = 'current';
CREATE INDEX documents_settlement_idx ON accounting.documents (flow_id, settlement_id);

COMMENT ON TABLE accounting.documents IS
    'Ledger-agnostic accounting documents (settlement summaries, order invoices, credit notes, settlement clearing '
    'documents) per flow and settlement. payload is the full document (sellerledger.accounting.model.Document) with '
    'amounts as decimal strings. A rebuild with different content becomes version n+1 only while version n is not '
    'posted; a posted version is never replaced (a difference is recorded in drift_hash instead).';
COMMENT ON COLUMN accounting.documents.key IS 'Deterministic idempotency key: sl1/flow/settlement/marketplace/part/kind/ref/vN.';
COMMENT ON COLUMN accounting.documents.identity IS 'The key without its version: the logical document across rebuilds.';
COMMENT ON COLUMN accounting.documents.version IS 'Version of the logical document, from 1; a new version supersedes an unposted one.';
COMMENT ON COLUMN accounting.documents.flow_id IS 'Flow (seller x region x ledger).';
COMMENT ON COLUMN accounting.documents.settlement_id IS 'Amazon settlement id the document belongs to.';
COMMENT ON COLUMN accounting.documents.marketplace IS 'Marketplace code (US, UK, DE ...).';
COMMENT ON COLUMN accounting.documents.part IS 'Month part YYYY-MM in the flow time zone, or all when the flow does not split by month.';
COMMENT ON COLUMN accounting.documents.kind IS 'settlement_summary (summary mode), order_invoice, credit_note, settlement_clearing (per_order mode).';
COMMENT ON COLUMN accounting.documents.ref IS 'Order id for invoices, order id[~adjustment id] for credit notes, empty for settlement documents.';
COMMENT ON COLUMN accounting.documents.currency IS 'ISO 4217 currency of every amount of the document (never mixed).';
COMMENT ON COLUMN accounting.documents.doc_date IS 'Document date in the flow time zone.';
COMMENT ON COLUMN accounting.documents.net_amount IS 'Money: the deposit (or, negative, the payable) the document lands, in currency; 0 for invoices, credit notes and earlier month parts.';
COMMENT ON COLUMN accounting.documents.debit_total IS 'Money: sum of the debit side of the document journal (equals the credit side), in currency.';
COMMENT ON COLUMN accounting.documents.payload IS 'The document as JSON (amounts as decimal strings): lines, invoice lines, netted groups, FX, settlement header.';
COMMENT ON COLUMN accounting.documents.source_lines IS 'Settlement lines the document carries, as [[settlement_id, line_number], ...] (staging.settlement_lines).';
COMMENT ON COLUMN accounting.documents.content_hash IS 'sha256 of the document content, ignoring version and mapping labels; equal hashes post the same thing.';
COMMENT ON COLUMN accounting.documents.mapping_version IS 'Mapping set version label used to build the document.';
COMMENT ON COLUMN accounting.documents.mapping_hash IS 'sha256 of the merged mapping set used to build the document.';
COMMENT ON COLUMN accounting.documents.status IS 'current: the version to post; superseded: replaced by superseded_by before posting; withdrawn: no longer produced by a rebuild and never posted.';
COMMENT ON COLUMN accounting.documents.built_at IS 'When this version was built.';
COMMENT ON COLUMN accounting.documents.built_run_id IS 'Run that built this version.';
COMMENT ON COLUMN accounting.documents.superseded_at IS 'When a newer version replaced this one.';
COMMENT ON COLUMN accounting.documents.superseded_by IS 'Key of the version that replaced this one.';
COMMENT ON COLUMN accounting.documents.drift_hash IS 'Content hash of a later rebuild that differs from this posted version (a mapping changed after posting); NULL when none.';
COMMENT ON COLUMN accounting.documents.drift_at IS 'When that differing rebuild was seen.';
COMMENT ON COLUMN accounting.documents.posted_at IS 'Set by the posting layer when the ledger accepted this version (posting.log is also consulted).';
COMMENT ON COLUMN accounting.documents.ledger_id IS 'Ledger id of the posted document, set by the posting layer.';

CREATE TABLE accounting.document_lines (
    doc_key   text        NOT NULL REFERENCES accounting.documents (key) ON DELETE CASCADE,
    line_no   integer     NOT NULL,
    role      text        NOT NULL
        CHECK (role IN ('body', 'deposit', 'payable', 'carried_forward', 'receivable', 'clearing')),
    account   text        NOT NULL,
    amount    numeric(20, 4) NOT NULL CHECK (amount <> 0),
    currency  text        NOT NULL,
    category  text,
    tax_code  text,
    tracking  jsonb       NOT NULL DEFAULT '[]'::jsonb,
    ref       text,
    suspense  boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (doc_key, line_no)
);
CREATE INDEX document_lines_account_idx ON accounting.document_lines (account);

COMMENT ON TABLE accounting.document_lines IS
    'Journal lines of every document version, for SQL: debit positive, credit negative; each version sums to zero.';
COMMENT ON COLUMN accounting.document_lines.doc_key IS 'Document version key (accounting.documents.key).';
COMMENT ON COLUMN accounting.document_lines.line_no IS 'Position of the line in the document, from 1.';
COMMENT ON COLUMN accounting.document_lines.role IS 'body (a mapped category), deposit, payable, carried_forward, receivable (invoice total), clearing (clears an invoice).';
COMMENT ON COLUMN accounting.document_lines.account IS 'Ledger account code.';
COMMENT ON COLUMN accounting.document_lines.amount IS 'Money: signed amount in currency, debit > 0, credit < 0.';
COMMENT ON COLUMN accounting.document_lines.currency IS 'ISO 4217 currency of amount (the document currency).';
COMMENT ON COLUMN accounting.document_lines.category IS 'Canonical category of a body line (unmapped for suspense).';
COMMENT ON COLUMN accounting.document_lines.tax_code IS 'Ledger tax code of the line, when any.';
COMMENT ON COLUMN accounting.document_lines.tracking IS 'Tracking pairs [[category, option], ...] (Xero tracking, QBO class, Zoho tag).';
COMMENT ON COLUMN accounting.document_lines.ref IS 'clearing: identity of the cleared invoice or credit note; carried_forward: the month part.';
COMMENT ON COLUMN accounting.document_lines.suspense IS 'True for unmapped amounts routed to the suspense account.';

CREATE TABLE accounting.document_sources (
    doc_key       text    NOT NULL REFERENCES accounting.documents (key) ON DELETE CASCADE,
    line_no       integer NOT NULL,
    settlement_id text    NOT NULL,
    line_number   integer NOT NULL,
    PRIMARY KEY (doc_key, settlement_id, line_number)
);
CREATE INDEX document_sources_line_idx ON accounting.document_sources (settlement_id, line_number);

COMMENT ON TABLE accounting.document_sources IS
    'Which settlement line each document version carries (line_no 0: in a group that netted to zero). In the current '
    'versions of a validated settlement every staged line appears exactly once.';
COMMENT ON COLUMN accounting.document_sources.doc_key IS 'Document version key.';
COMMENT ON COLUMN accounting.document_sources.line_no IS 'Journal line of the document carrying the settlement line (0 when netted to zero).';
COMMENT ON COLUMN accounting.document_sources.settlement_id IS 'Settlement id of the staged line.';
COMMENT ON COLUMN accounting.document_sources.line_number IS 'line_number of the staged line (staging.settlement_lines).';
