-- Orders, order lines, financial event groups and flattened financial event rows (SP-API staging).
-- Money is numeric with its currency beside it; times are timestamptz (UTC from the API).
-- No buyer PII: no buyer name, e-mail, address or tax id is stored, in columns or in raw JSON.

CREATE SCHEMA IF NOT EXISTS staging;

CREATE TABLE staging.orders (
    seller              text        NOT NULL,
    amazon_order_id     text        NOT NULL,
    marketplace_id      text,
    sales_channel       text,
    order_status        text        NOT NULL,
    fulfillment_channel text,
    purchase_date       timestamptz NOT NULL,
    last_update_date    timestamptz NOT NULL,
    order_total         numeric,
    currency            text,
    is_business_order   boolean,
    number_of_items     integer,
    api_version         text        NOT NULL,
    raw                 jsonb       NOT NULL,
    first_staged_at     timestamptz NOT NULL DEFAULT now(),
    staged_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (seller, amazon_order_id),
    CHECK (order_total IS NULL OR currency IS NOT NULL)
);
CREATE INDEX orders_last_update_idx ON staging.orders (seller, last_update_date);

COMMENT ON TABLE staging.orders IS
    'Amazon order headers (Orders API v2026-01-01 searchOrders, or v0 getOrders), one row per seller and order; '
    'the newest last_update_date wins. Buyer and recipient PII is stripped before staging.';
COMMENT ON COLUMN staging.orders.seller IS 'Seller account key of the flow that staged the order (one per seller and region).';
COMMENT ON COLUMN staging.orders.amazon_order_id IS 'Amazon order id (3-7-7 form).';
COMMENT ON COLUMN staging.orders.marketplace_id IS 'Marketplace id the order was placed in (e.g. ATVPDKIKX0DER).';
COMMENT ON COLUMN staging.orders.sales_channel IS 'Sales channel / marketplace name (e.g. Amazon.com).';
COMMENT ON COLUMN staging.orders.order_status IS 'Order status in the v0 vocabulary (Pending, Unshipped, PartiallyShipped, Shipped, Canceled, ...); v2026 statuses are mapped onto it.';
COMMENT ON COLUMN staging.orders.fulfillment_channel IS 'AFN (fulfilled by Amazon) or MFN (by the merchant).';
COMMENT ON COLUMN staging.orders.purchase_date IS 'When the buyer placed the order.';
COMMENT ON COLUMN staging.orders.last_update_date IS 'When Amazon last changed the order; staging keeps the newest version.';
COMMENT ON COLUMN staging.orders.order_total IS 'Money: order total (v0 OrderTotal, v2026 proceeds.grandTotal) in currency; NULL for Pending orders, which carry no pricing.';
COMMENT ON COLUMN staging.orders.currency IS 'ISO 4217 currency of order_total.';
COMMENT ON COLUMN staging.orders.is_business_order IS 'True for Amazon Business orders.';
COMMENT ON COLUMN staging.orders.number_of_items IS 'Units in the order (shipped + unshipped, or sum of quantityOrdered).';
COMMENT ON COLUMN staging.orders.api_version IS 'Orders API version the header came from: 2026-01-01 or v0.';
COMMENT ON COLUMN staging.orders.raw IS 'The order as the API returned it, without buyer/recipient PII (numbers kept exact).';
COMMENT ON COLUMN staging.orders.first_staged_at IS 'When the order was first staged.';
COMMENT ON COLUMN staging.orders.staged_at IS 'When the row last changed.';

CREATE TABLE staging.order_lines (
    seller                  text        NOT NULL,
    amazon_order_id         text        NOT NULL,
    sku                     text        NOT NULL,
    sku_seq                 integer     NOT NULL,
    asin                    text,
    product_name            text,
    item_status             text,
    quantity                integer     NOT NULL,
    currency                text,
    item_price              numeric,
    item_tax                numeric,
    shipping_price          numeric,
    shipping_tax            numeric,
    gift_wrap_price         numeric,
    gift_wrap_tax           numeric,
    item_promotion_discount numeric,
    ship_promotion_discount numeric,
    promotion_ids           text,
    order_status            text,
    fulfillment_channel     text,
    sales_channel           text,
    purchase_date           timestamptz,
    last_update_date        timestamptz,
    is_business_order       boolean,
    report_id               text        NOT NULL,
    first_staged_at         timestamptz NOT NULL DEFAULT now(),
    staged_at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (seller, amazon_order_id, sku, sku_seq),
    CHECK (currency IS NOT NULL OR (item_price IS NULL AND item_tax IS NULL AND shipping_price IS NULL
                                    AND shipping_tax IS NULL AND gift_wrap_price IS NULL AND gift_wrap_tax IS NULL
                                    AND item_promotion_discount IS NULL AND ship_promotion_discount IS NULL))
);
CREATE INDEX order_lines_sku_idx ON staging.order_lines (seller, sku);

COMMENT ON TABLE staging.order_lines IS
    'Order lines from the GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL report (one report per window). '
    'A re-reported order replaces its lines. Ship-to columns of the report are not stored.';
COMMENT ON COLUMN staging.order_lines.seller IS 'Seller account key of the flow.';
COMMENT ON COLUMN staging.order_lines.amazon_order_id IS 'Amazon order id.';
COMMENT ON COLUMN staging.order_lines.sku IS 'Seller SKU.';
COMMENT ON COLUMN staging.order_lines.sku_seq IS 'Occurrence of this SKU within the order in the report (1 unless a SKU appears twice).';
COMMENT ON COLUMN staging.order_lines.asin IS 'ASIN of the item.';
COMMENT ON COLUMN staging.order_lines.product_name IS 'Product title from the report.';
COMMENT ON COLUMN staging.order_lines.item_status IS 'Item status (Shipped, Unshipped, Cancelled, ...).';
COMMENT ON COLUMN staging.order_lines.quantity IS 'Units ordered.';
COMMENT ON COLUMN staging.order_lines.currency IS 'ISO 4217 currency of every money column of the line.';
COMMENT ON COLUMN staging.order_lines.item_price IS 'Money: item price for the quantity (tax-inclusive where the marketplace shows VAT-inclusive prices).';
COMMENT ON COLUMN staging.order_lines.item_tax IS 'Money: tax on the item price.';
COMMENT ON COLUMN staging.order_lines.shipping_price IS 'Money: shipping charged to the buyer.';
COMMENT ON COLUMN staging.order_lines.shipping_tax IS 'Money: tax on shipping.';
COMMENT ON COLUMN staging.order_lines.gift_wrap_price IS 'Money: gift wrap charged.';
COMMENT ON COLUMN staging.order_lines.gift_wrap_tax IS 'Money: tax on gift wrap.';
COMMENT ON COLUMN staging.order_lines.item_promotion_discount IS 'Money: promotion discount on the item (as reported; usually negative or zero).';
COMMENT ON COLUMN staging.order_lines.ship_promotion_discount IS 'Money: promotion discount on shipping.';
COMMENT ON COLUMN staging.order_lines.promotion_ids IS 'Promotion ids applied, as reported.';
COMMENT ON COLUMN staging.order_lines.order_status IS 'Order status as the report states it.';
COMMENT ON COLUMN staging.order_lines.fulfillment_channel IS 'AFN or MFN.';
COMMENT ON COLUMN staging.order_lines.sales_channel IS 'Sales channel (e.g. Amazon.de).';
COMMENT ON COLUMN staging.order_lines.purchase_date IS 'When the order was placed.';
COMMENT ON COLUMN staging.order_lines.last_update_date IS 'When Amazon last changed the order, per the report.';
COMMENT ON COLUMN staging.order_lines.is_business_order IS 'True for Amazon Business orders.';
COMMENT ON COLUMN staging.order_lines.report_id IS 'Report id the line was last read from.';
COMMENT ON COLUMN staging.order_lines.first_staged_at IS 'When the line was first staged.';
COMMENT ON COLUMN staging.order_lines.staged_at IS 'When the row last changed.';

CREATE TABLE staging.financial_event_groups (
    seller                     text        NOT NULL,
    group_id                   text        NOT NULL,
    processing_status          text,
    fund_transfer_status       text,
    fund_transfer_date         timestamptz,
    original_total             numeric,
    original_currency          text,
    converted_total            numeric,
    converted_currency         text,
    beginning_balance          numeric,
    beginning_balance_currency text,
    trace_id                   text,
    account_tail               text,
    group_start                timestamptz,
    group_end                  timestamptz,
    raw                        jsonb       NOT NULL,
    events_collected_at        timestamptz,
    events_collected_status    text,
    event_row_count            integer,
    first_staged_at            timestamptz NOT NULL DEFAULT now(),
    staged_at                  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (seller, group_id),
    CHECK (original_total IS NULL OR original_currency IS NOT NULL),
    CHECK (converted_total IS NULL OR converted_currency IS NOT NULL),
    CHECK (beginning_balance IS NULL OR beginning_balance_currency IS NOT NULL)
);
CREATE INDEX financial_event_groups_start_idx ON staging.financial_event_groups (seller, group_start);

COMMENT ON TABLE staging.financial_event_groups IS
    'Finances v0 financial event groups (settlement periods as the Finances API sees them). Open groups are '
    're-listed and their events re-collected until they have been closed long enough for late events to land.';
COMMENT ON COLUMN staging.financial_event_groups.seller IS 'Seller account key of the flow.';
COMMENT ON COLUMN staging.financial_event_groups.group_id IS 'FinancialEventGroupId (distinct from the settlement id).';
COMMENT ON COLUMN staging.financial_event_groups.processing_status IS 'Open or Closed.';
COMMENT ON COLUMN staging.financial_event_groups.fund_transfer_status IS 'Fund transfer status as Amazon words it.';
COMMENT ON COLUMN staging.financial_event_groups.fund_transfer_date IS 'When the disbursement (or charge) was initiated; closed groups only.';
COMMENT ON COLUMN staging.financial_event_groups.original_total IS 'Money: group total in the currency of the marketplace (OriginalTotal); closed groups sometimes lack it.';
COMMENT ON COLUMN staging.financial_event_groups.original_currency IS 'ISO 4217 currency of original_total.';
COMMENT ON COLUMN staging.financial_event_groups.converted_total IS 'Money: group total in the disbursement currency (ConvertedTotal).';
COMMENT ON COLUMN staging.financial_event_groups.converted_currency IS 'ISO 4217 currency of converted_total.';
COMMENT ON COLUMN staging.financial_event_groups.beginning_balance IS 'Money: balance at the start of the period (BeginningBalance).';
COMMENT ON COLUMN staging.financial_event_groups.beginning_balance_currency IS 'ISO 4217 currency of beginning_balance.';
COMMENT ON COLUMN staging.financial_event_groups.trace_id IS 'Trace id for looking the transfer up externally.';
COMMENT ON COLUMN staging.financial_event_groups.account_tail IS 'Trailing digits of the payout account.';
COMMENT ON COLUMN staging.financial_event_groups.group_start IS 'FinancialEventGroupStart.';
COMMENT ON COLUMN staging.financial_event_groups.group_end IS 'FinancialEventGroupEnd (absent while open).';
COMMENT ON COLUMN staging.financial_event_groups.raw IS 'The group as the API returned it (numbers exact).';
COMMENT ON COLUMN staging.financial_event_groups.events_collected_at IS 'When the group''s events were last collected (NULL: never).';
COMMENT ON COLUMN staging.financial_event_groups.events_collected_status IS 'processing_status at that collection (a group collected while Open is collected again).';
COMMENT ON COLUMN staging.financial_event_groups.event_row_count IS 'Rows in staging.financial_event_rows after that collection.';
COMMENT ON COLUMN staging.financial_event_groups.first_staged_at IS 'When the group was first staged.';
COMMENT ON COLUMN staging.financial_event_groups.staged_at IS 'When the row last changed.';

CREATE TABLE staging.financial_event_rows (
    seller                   text        NOT NULL,
    group_id                 text        NOT NULL,
    row_key                  text        NOT NULL,
    event_type               text        NOT NULL,
    event_seq                integer     NOT NULL,
    component_path           text        NOT NULL,
    component_kind           text        NOT NULL
        CHECK (component_kind IN ('charge', 'fee', 'promotion', 'withheld_tax', 'direct_payment', 'amount')),
    amount_type              text        NOT NULL,
    amount                   numeric     NOT NULL,
    currency                 text        NOT NULL,
    counts_toward_net        boolean     NOT NULL,
    amazon_order_id          text,
    seller_order_id          text,
    marketplace              text,
    posted_date              timestamptz,
    sku                      text,
    order_item_id            text,
    order_adjustment_item_id text,
    quantity                 integer,
    promotion_id             text,
    description              text,
    first_staged_at          timestamptz NOT NULL DEFAULT now(),
    staged_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (seller, group_id, row_key),
    FOREIGN KEY (seller, group_id) REFERENCES staging.financial_event_groups (seller, group_id)
);
CREATE INDEX financial_event_rows_order_idx ON staging.financial_event_rows (seller, amazon_order_id);
CREATE INDEX financial_event_rows_posted_idx ON staging.financial_event_rows (seller, posted_date);

COMMENT ON TABLE staging.financial_event_rows IS
    'Every amount of every financial event of a group, one row per component (charge, fee, promotion, tax '
    'withheld, direct payment, or a plain event amount). A group''s rows are replaced as a whole at each '
    'collection. Sum amount over counts_toward_net rows per currency for what the events move.';
COMMENT ON COLUMN staging.financial_event_rows.seller IS 'Seller account key of the flow.';
COMMENT ON COLUMN staging.financial_event_rows.group_id IS 'Financial event group the event was listed under.';
COMMENT ON COLUMN staging.financial_event_rows.row_key IS 'Content-derived key: event type, event hash, occurrence, component path (v0 events carry no id).';
COMMENT ON COLUMN staging.financial_event_rows.event_type IS 'Event type: the event list name without "List" (ShipmentEvent, RefundEvent, ServiceFeeEvent, AdjustmentEvent, ...).';
COMMENT ON COLUMN staging.financial_event_rows.event_seq IS 'Position of the event within its list in the collection (informational).';
COMMENT ON COLUMN staging.financial_event_rows.component_path IS 'Where the amount sits in the event JSON (e.g. ShipmentItemList[0].ItemFeeList[1].FeeAmount).';
COMMENT ON COLUMN staging.financial_event_rows.component_kind IS 'charge, fee, promotion, withheld_tax, direct_payment, or amount (a plain money field of the event).';
COMMENT ON COLUMN staging.financial_event_rows.amount_type IS 'ChargeType, FeeType, PromotionType or DirectPaymentType of the component; the field name for plain amounts.';
COMMENT ON COLUMN staging.financial_event_rows.amount IS 'Money: the amount, signed as Amazon signs it (positive to the seller, negative a charge).';
COMMENT ON COLUMN staging.financial_event_rows.currency IS 'ISO 4217 currency of amount.';
COMMENT ON COLUMN staging.financial_event_rows.counts_toward_net IS 'False when the amount only restates others of the same event (per-unit values, item breakdowns next to an event total, base and tax next to their total).';
COMMENT ON COLUMN staging.financial_event_rows.amazon_order_id IS 'Amazon order id of the event, when it has one.';
COMMENT ON COLUMN staging.financial_event_rows.seller_order_id IS 'Seller order id of the event, when it has one.';
COMMENT ON COLUMN staging.financial_event_rows.marketplace IS 'Marketplace name (or id) of the event, when given.';
COMMENT ON COLUMN staging.financial_event_rows.posted_date IS 'When the event was posted.';
COMMENT ON COLUMN staging.financial_event_rows.sku IS 'Seller SKU (or FNSKU/ASIN) of the item the amount belongs to, when any.';
COMMENT ON COLUMN staging.financial_event_rows.order_item_id IS 'Order item id of the shipment item.';
COMMENT ON COLUMN staging.financial_event_rows.order_adjustment_item_id IS 'Order adjustment item id (refunds, guarantee claims, chargebacks).';
COMMENT ON COLUMN staging.financial_event_rows.quantity IS 'Quantity of the item, when given.';
COMMENT ON COLUMN staging.financial_event_rows.promotion_id IS 'Promotion id of a promotion component.';
COMMENT ON COLUMN staging.financial_event_rows.description IS 'Event subtype (AdjustmentType, TransactionType, FeeReason, ...), when given.';
COMMENT ON COLUMN staging.financial_event_rows.first_staged_at IS 'When the row was first staged.';
COMMENT ON COLUMN staging.financial_event_rows.staged_at IS 'When the row last changed.';
