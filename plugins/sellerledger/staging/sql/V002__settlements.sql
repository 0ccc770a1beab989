-- Settlement reports: one header row per settlement, its lines in the V2 model, and its state per flow.
-- Money is numeric with the currency beside it; times are timestamptz (UTC).

CREATE TABLE staging.settlements (
    settlement_id           text        PRIMARY KEY,
    seller                  text        NOT NULL,
    marketplace             text,
    currency                text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    settlement_start_date   timestamptz NOT NULL,
    settlement_end_date     timestamptz NOT NULL,
    deposit_date            timestamptz,
    total_amount            numeric     NOT NULL,
    lines_sum               numeric     NOT NULL,
    line_count              integer     NOT NULL CHECK (line_count >= 0),
    layout                  text        NOT NULL CHECK (layout IN ('v2', 'v1')),
    charset                 text        NOT NULL,
    raw_document_id         bigint      NOT NULL REFERENCES raw.documents (id),
    replaced_document_ids   bigint[]    NOT NULL DEFAULT '{}',
    problems                text[]      NOT NULL DEFAULT '{}',
    warnings                text[]      NOT NULL DEFAULT '{}',
    first_staged_at         timestamptz NOT NULL DEFAULT now(),
    staged_at               timestamptz NOT NULL DEFAULT now(),
    CHECK (settlement_end_date >= settlement_start_date)
);
CREATE INDEX settlements_seller_end_idx ON staging.settlements (seller, settlement_end_date);

COMMENT ON TABLE staging.settlements IS
    'One row per Amazon settlement (the summary row of its V2 or V1 flat file), as staged from raw.documents. '
    'total_amount is the net payout; lines_sum is the exact sum of its lines in staging.settlement_lines.';
COMMENT ON COLUMN staging.settlements.settlement_id IS 'Amazon settlement id (settlement-id), unique across sellers.';
COMMENT ON COLUMN staging.settlements.seller IS 'Seller account key of the flow or import that staged it.';
COMMENT ON COLUMN staging.settlements.marketplace IS 'Marketplace code (US, CA, DE, UK, JP, ...) most of the lines carry, from marketplace-name; NULL when no line names one.';
COMMENT ON COLUMN staging.settlements.currency IS 'ISO 4217 currency of every amount of the settlement.';
COMMENT ON COLUMN staging.settlements.settlement_start_date IS 'Start of the settlement period (settlement-start-date), UTC.';
COMMENT ON COLUMN staging.settlements.settlement_end_date IS 'End of the settlement period (settlement-end-date), UTC.';
COMMENT ON COLUMN staging.settlements.deposit_date IS 'When Amazon pays out (deposit-date), UTC; NULL if the file has none.';
COMMENT ON COLUMN staging.settlements.total_amount IS 'Money: net payout of the settlement (total-amount) in currency; negative when the seller owes Amazon.';
COMMENT ON COLUMN staging.settlements.lines_sum IS 'Money: exact sum of the amounts of the staged lines, in currency; equals total_amount when the file balances.';
COMMENT ON COLUMN staging.settlements.line_count IS 'Number of rows in staging.settlement_lines for this settlement.';
COMMENT ON COLUMN staging.settlements.layout IS 'File layout: v2 (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2) or v1 (legacy flat file, mapped onto V2 lines).';
COMMENT ON COLUMN staging.settlements.charset IS 'Character set the file was read with.';
COMMENT ON COLUMN staging.settlements.raw_document_id IS 'The raw document the lines were staged from.';
COMMENT ON COLUMN staging.settlements.replaced_document_ids IS 'Earlier raw documents of this settlement whose lines were replaced by a newer, different document (oldest first).';
COMMENT ON COLUMN staging.settlements.problems IS 'What makes the file invalid (sum differs from total-amount, duplicate lines, foreign currency, dates outside the window); empty when valid.';
COMMENT ON COLUMN staging.settlements.warnings IS 'Worth a look but not invalid (unknown extra columns, lines posted in the deferral period before the start).';
COMMENT ON COLUMN staging.settlements.first_staged_at IS 'When the settlement was first staged.';
COMMENT ON COLUMN staging.settlements.staged_at IS 'When its current lines were staged.';

CREATE TABLE staging.settlement_lines (
    line_number                 integer     NOT NULL,
    source_line                 integer     NOT NULL,
    marketplace                 text,
    settlement_id               text        NOT NULL,
    settlement_start_date       timestamptz,
    settlement_end_date         timestamptz,
    deposit_date                timestamptz,
    total_amount                numeric,
    currency                    text        NOT NULL,
    transaction_type            text,
    order_id                    text,
    merchant_order_id           text,
    adjustment_id               text,
    shipment_id                 text,
    marketplace_name            text,
    amount_type                 text        NOT NULL,
    amount_description          text        NOT NULL,
    amount                      numeric     NOT NULL,
    fulfillment_id              text,
    posted_date                 date,
    posted_date_time            timestamptz,
    order_item_code             text,
    merchant_order_item_id      text,
    merchant_adjustment_item_id text,
    sku                         text,
    quantity_purchased          integer,
    promotion_id                text,
    PRIMARY KEY (settlement_id, line_number)
);

COMMENT ON TABLE staging.settlement_lines IS
    'Every amount of every staged settlement in the V2 model: the 24 V2 columns typed, one row per detail line '
    '(a V1 row gives one row per non-empty amount column, with amount_type/amount_description as V2 writes them). '
    'Key: (settlement_id, line_number). The summary row is staging.settlements, never a line. Loaded by COPY; '
    'no foreign key to staging.settlements (both are written in one transaction by sellerledger.staging.settlements).';
COMMENT ON COLUMN staging.settlement_lines.line_number IS 'Position of the line in its settlement, 1..line_count (synthetic key with settlement_id).';
COMMENT ON COLUMN staging.settlement_lines.source_line IS 'Line of the file it came from (1 = header, 2 = summary row); V1 rows split into several lines share it.';
COMMENT ON COLUMN staging.settlement_lines.marketplace IS 'Marketplace code derived from marketplace_name (Amazon.com → US, Amazon.de → DE, Amazon.co.uk → UK); NULL when not an Amazon store.';
COMMENT ON COLUMN staging.settlement_lines.settlement_id IS 'settlement-id: the settlement the line belongs to (staging.settlements).';
COMMENT ON COLUMN staging.settlement_lines.settlement_start_date IS 'settlement-start-date: filled on the summary row only, so always NULL here (see staging.settlements).';
COMMENT ON COLUMN staging.settlement_lines.settlement_end_date IS 'settlement-end-date: summary row only, always NULL here (see staging.settlements).';
COMMENT ON COLUMN staging.settlement_lines.deposit_date IS 'deposit-date: summary row only, always NULL here (see staging.settlements).';
COMMENT ON COLUMN staging.settlement_lines.total_amount IS 'Money: total-amount, filled on the summary row only, so always NULL here (see staging.settlements.total_amount).';
COMMENT ON COLUMN staging.settlement_lines.currency IS 'currency of amount (the summary''s currency when the file leaves it empty).';
COMMENT ON COLUMN staging.settlement_lines.transaction_type IS 'transaction-type: Order, Refund, ServiceFee, other-transaction, Transfer, ... (V1 values such as Subscription Fee kept as written).';
COMMENT ON COLUMN staging.settlement_lines.order_id IS 'order-id: Amazon order id (3-7-7), when the line belongs to an order.';
COMMENT ON COLUMN staging.settlement_lines.merchant_order_id IS 'merchant-order-id: the seller''s own order id, if any.';
COMMENT ON COLUMN staging.settlement_lines.adjustment_id IS 'adjustment-id: id of a refund or adjustment.';
COMMENT ON COLUMN staging.settlement_lines.shipment_id IS 'shipment-id.';
COMMENT ON COLUMN staging.settlement_lines.marketplace_name IS 'marketplace-name as written (Amazon.com, amazon.de, Non-Amazon, ...).';
COMMENT ON COLUMN staging.settlement_lines.amount_type IS 'amount-type: ItemPrice, ItemFees, Promotion, ItemWithheldTax, Shipment-Fees, other-transaction, ...';
COMMENT ON COLUMN staging.settlement_lines.amount_description IS 'amount-description: Principal, Tax, Commission, FBAPerUnitFulfillmentFee, Storage Fee, ...';
COMMENT ON COLUMN staging.settlement_lines.amount IS 'Money: amount of the line in currency (exact; decimal commas normalised); positive credits the seller, negative debits.';
COMMENT ON COLUMN staging.settlement_lines.fulfillment_id IS 'fulfillment-id: AFN (fulfilled by Amazon) or MFN.';
COMMENT ON COLUMN staging.settlement_lines.posted_date IS 'posted-date read as a date (locale short dates resolved against posted_date_time).';
COMMENT ON COLUMN staging.settlement_lines.posted_date_time IS 'posted-date-time in UTC (for V1 files, the V1 posted-date).';
COMMENT ON COLUMN staging.settlement_lines.order_item_code IS 'order-item-code: Amazon order item id.';
COMMENT ON COLUMN staging.settlement_lines.merchant_order_item_id IS 'merchant-order-item-id.';
COMMENT ON COLUMN staging.settlement_lines.merchant_adjustment_item_id IS 'merchant-adjustment-item-id.';
COMMENT ON COLUMN staging.settlement_lines.sku IS 'sku: seller SKU.';
COMMENT ON COLUMN staging.settlement_lines.quantity_purchased IS 'quantity-purchased (V2 repeats it on every line of the item).';
COMMENT ON COLUMN staging.settlement_lines.promotion_id IS 'promotion-id.';

-- Settlement states per flow: discovered → staged → validated → held | posted → reconciled.
CREATE TABLE ops.settlement_states (
    state       text PRIMARY KEY,
    position    integer NOT NULL UNIQUE,
    description text NOT NULL
);
INSERT INTO ops.settlement_states (state, position, description) VALUES
    ('discovered', 1, 'listed by getReports (or found in a file) but not staged yet'),
    ('staged', 2, 'lines staged from a raw document'),
    ('validated', 3, 'checks passed: lines sum to the total, every line maps to an account'),
    ('held', 4, 'not to be posted; reasons say why (a fix moves it back to validated)'),
    ('posted', 5, 'posted to the ledger'),
    ('reconciled', 6, 'posted and matched to the bank deposit or ledger balance');
COMMENT ON TABLE ops.settlement_states IS 'The states a settlement goes through per flow.';
COMMENT ON COLUMN ops.settlement_states.state IS 'State name.';
COMMENT ON COLUMN ops.settlement_states.position IS 'Order for display.';
COMMENT ON COLUMN ops.settlement_states.description IS 'What the state means.';

CREATE TABLE ops.settlement_transitions (
    from_state text REFERENCES ops.settlement_states (state),
    to_state   text NOT NULL REFERENCES ops.settlement_states (state),
    UNIQUE NULLS NOT DISTINCT (from_state, to_state)
);
INSERT INTO ops.settlement_transitions (from_state, to_state) VALUES
    (NULL, 'discovered'), (NULL, 'staged'), (NULL, 'held'),
    ('discovered', 'discovered'), ('discovered', 'staged'), ('discovered', 'held'),
    ('staged', 'staged'), ('staged', 'validated'), ('staged', 'held'),
    ('validated', 'validated'), ('validated', 'staged'), ('validated', 'posted'), ('validated', 'held'),
    ('held', 'held'), ('held', 'validated'), ('held', 'staged'),
    ('posted', 'reconciled'), ('posted', 'held'),
    ('reconciled', 'reconciled'), ('reconciled', 'held');
COMMENT ON TABLE ops.settlement_transitions IS
    'Allowed state changes (from_state NULL = first state of a new settlement). Any state may go to held; held goes '
    'back to validated after a fix; a new document re-stages; posted only moves on to reconciled (or held).';
COMMENT ON COLUMN ops.settlement_transitions.from_state IS 'State before (NULL for a settlement the flow has not seen).';
COMMENT ON COLUMN ops.settlement_transitions.to_state IS 'State after.';

CREATE TABLE ops.settlement_status (
    flow_id       text        NOT NULL,
    settlement_id text        NOT NULL,
    state         text        NOT NULL REFERENCES ops.settlement_states (state),
    reasons       text[]      NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (flow_id, settlement_id)
);
CREATE INDEX settlement_status_state_idx ON ops.settlement_status (flow_id, state);

COMMENT ON TABLE ops.settlement_status IS
    'Where each settlement stands in each flow; changed only along ops.settlement_transitions (enforced by a '
    'trigger), every change recorded in ops.settlement_status_history. API: sellerledger.staging.status.';
COMMENT ON COLUMN ops.settlement_status.flow_id IS 'Flow id (include/flows.yaml) the state belongs to.';
COMMENT ON COLUMN ops.settlement_status.settlement_id IS 'Amazon settlement id (staging.settlements once staged).';
COMMENT ON COLUMN ops.settlement_status.state IS 'discovered, staged, validated, held, posted or reconciled.';
COMMENT ON COLUMN ops.settlement_status.reasons IS 'Why it is in this state (mainly for held: failed checks, unmapped lines).';
COMMENT ON COLUMN ops.settlement_status.created_at IS 'When the flow first saw the settlement.';
COMMENT ON COLUMN ops.settlement_status.updated_at IS 'When the state or reasons last changed.';

CREATE TABLE ops.settlement_status_history (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flow_id       text        NOT NULL,
    settlement_id text        NOT NULL,
    from_state    text,
    to_state      text        NOT NULL,
    reasons       text[]      NOT NULL DEFAULT '{}',
    actor         text,
    changed_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX settlement_status_history_idx ON ops.settlement_status_history (flow_id, settlement_id, id);

COMMENT ON TABLE ops.settlement_status_history IS 'Every state change of ops.settlement_status, written by its trigger (append only).';
COMMENT ON COLUMN ops.settlement_status_history.id IS 'Order of the changes.';
COMMENT ON COLUMN ops.settlement_status_history.flow_id IS 'Flow id.';
COMMENT ON COLUMN ops.settlement_status_history.settlement_id IS 'Amazon settlement id.';
COMMENT ON COLUMN ops.settlement_status_history.from_state IS 'State before (NULL when the flow first recorded the settlement).';
COMMENT ON COLUMN ops.settlement_status_history.to_state IS 'State after.';
COMMENT ON COLUMN ops.settlement_status_history.reasons IS 'Reasons given with the change.';
COMMENT ON COLUMN ops.settlement_status_history.actor IS 'Who or what made the change (task id, CLI user), when known (session setting sellerledger.actor).';
COMMENT ON COLUMN ops.settlement_status_history.changed_at IS 'When the change happened.';

CREATE FUNCTION ops.settlement_transition_allowed(before text, after text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM ops.settlement_transitions t
        WHERE t.from_state IS NOT DISTINCT FROM before AND t.to_state = after
    )
$$;
COMMENT ON FUNCTION ops.settlement_transition_allowed(text, text) IS 'Whether ops.settlement_transitions allows before → after (before NULL = new).';

-- BEFORE UPDATE checks the change; AFTER INSERT checks the first state (a BEFORE INSERT trigger would also
-- fire for an INSERT ... ON CONFLICT that becomes an UPDATE) and both AFTER triggers write the history.
CREATE FUNCTION ops.settlement_status_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = OLD.state AND NEW.reasons IS NOT DISTINCT FROM OLD.reasons THEN
        RETURN NEW;
    END IF;
    IF NOT ops.settlement_transition_allowed(OLD.state, NEW.state) THEN
        RAISE EXCEPTION 'settlement % in flow %: % → % is not an allowed transition',
            NEW.settlement_id, NEW.flow_id, OLD.state, NEW.state
            USING ERRCODE = 'check_violation';
    END IF;
    NEW.updated_at := clock_timestamp();
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION ops.settlement_status_guard() IS 'Refuses state changes that ops.settlement_transitions does not allow.';

CREATE FUNCTION ops.settlement_status_record() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    before text := CASE WHEN TG_OP = 'UPDATE' THEN OLD.state END;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.state = OLD.state AND NEW.reasons IS NOT DISTINCT FROM OLD.reasons THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' AND NOT ops.settlement_transition_allowed(NULL, NEW.state) THEN
        RAISE EXCEPTION 'settlement % in flow %: cannot start in state %', NEW.settlement_id, NEW.flow_id, NEW.state
            USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO ops.settlement_status_history (flow_id, settlement_id, from_state, to_state, reasons, actor)
    VALUES (NEW.flow_id, NEW.settlement_id, before, NEW.state, NEW.reasons,
            nullif(current_setting('sellerledger.actor', true), ''));
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION ops.settlement_status_record() IS 'Checks the first state of a new row and records every change in ops.settlement_status_history.';

CREATE TRIGGER settlement_status_guard
    BEFORE UPDATE ON ops.settlement_status
    FOR EACH ROW EXECUTE FUNCTION ops.settlement_status_guard();
CREATE TRIGGER settlement_status_record
    AFTER INSERT OR UPDATE ON ops.settlement_status
    FOR EACH ROW EXECUTE FUNCTION ops.settlement_status_record();
