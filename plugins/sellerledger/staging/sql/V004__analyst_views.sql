-- Analyst views over the staged settlements (schema analytics): read-only SQL conveniences.
-- Categories here are a fixed, documented grouping for analysis; the ledger mapping that decides accounts
-- is include/mappings (accounting), not these views. Months are calendar months of posted_date_time in UTC.

CREATE SCHEMA IF NOT EXISTS analytics;
COMMENT ON SCHEMA analytics IS 'Read-only views for analysts over staging (settlement summary, fees by type, SKU profitability).';

CREATE VIEW analytics.settlement_line_categories AS
SELECT
    l.settlement_id,
    l.line_number,
    s.seller,
    coalesce(l.marketplace, s.marketplace) AS marketplace,
    l.currency,
    l.transaction_type,
    l.amount_type,
    l.amount_description,
    l.amount,
    l.order_id,
    l.sku,
    l.quantity_purchased,
    l.posted_date_time,
    (date_trunc('month', coalesce(l.posted_date_time, l.posted_date::timestamp AT TIME ZONE 'UTC', s.settlement_end_date)
                AT TIME ZONE 'UTC'))::date AS month,
    CASE
        WHEN l.amount_description ILIKE '%reserve%' THEN 'reserves'
        WHEN l.transaction_type IN ('Successful charge', 'Payable to Amazon', 'Failed Disbursement', 'Micro Deposit')
          OR l.amount_description IN ('Successful charge', 'Payable to Amazon', 'Failed Disbursement', 'Micro Deposit')
            THEN 'transfers'
        WHEN l.amount_description ILIKE '%reimburs%'
          OR l.amount_description IN ('WAREHOUSE_DAMAGE', 'WAREHOUSE_LOST', 'MISSING_FROM_INBOUND', 'REVERSAL_REIMBURSEMENT',
                                      'FREE_REPLACEMENT_REFUND_ITEMS', 'COMPENSATED_CLAWBACK')
            THEN 'reimbursements'
        WHEN l.amount_type = 'ItemWithheldTax' THEN 'withheld_tax'
        WHEN l.amount_type IN ('ItemPrice', 'Promotion')
         AND (l.transaction_type ILIKE '%refund%' OR l.transaction_type ILIKE '%chargeback%' OR l.transaction_type ILIKE 'A-to-z%')
            THEN 'refunds'
        WHEN l.amount_type = 'ItemPrice' THEN 'sales'
        WHEN l.amount_type = 'Promotion' THEN 'promotions'
        WHEN l.amount_type IN ('ItemFees', 'Shipment-Fees', 'Order-Fees', 'other-transaction') THEN 'fees'
        ELSE 'other'
    END AS category
FROM staging.settlement_lines l
JOIN staging.settlements s USING (settlement_id);

COMMENT ON VIEW analytics.settlement_line_categories IS
    'Every staged settlement line with its seller, month (UTC, of posted_date_time) and an analysis category: sales, '
    'refunds, promotions, fees, withheld_tax, reserves, transfers, reimbursements or other.';
COMMENT ON COLUMN analytics.settlement_line_categories.amount IS 'Money: the line amount in currency.';
COMMENT ON COLUMN analytics.settlement_line_categories.category IS
    'Analysis group: reserves (description mentions reserve), transfers (charges to the seller''s card, payables), '
    'reimbursements, withheld_tax (ItemWithheldTax), refunds (ItemPrice/Promotion of refund-like transactions), sales '
    '(ItemPrice), promotions, fees (ItemFees, Shipment-Fees, Order-Fees and other-transaction service fees), other.';
COMMENT ON COLUMN analytics.settlement_line_categories.month IS 'First day of the calendar month (UTC) the line was posted in.';

CREATE VIEW analytics.settlement_summary AS
SELECT
    s.settlement_id,
    s.seller,
    s.marketplace,
    s.currency,
    s.settlement_start_date,
    s.settlement_end_date,
    s.deposit_date,
    s.total_amount,
    coalesce(t.lines_sum, 0) AS lines_sum,
    s.total_amount - coalesce(t.lines_sum, 0) AS difference,
    coalesce(t.line_count, 0) AS line_count,
    coalesce(t.sales, 0) AS sales,
    coalesce(t.refunds, 0) AS refunds,
    coalesce(t.promotions, 0) AS promotions,
    coalesce(t.fees, 0) AS fees,
    coalesce(t.withheld_tax, 0) AS withheld_tax,
    coalesce(t.reserves, 0) AS reserves,
    coalesce(t.transfers, 0) AS transfers,
    coalesce(t.reimbursements, 0) AS reimbursements,
    coalesce(t.other, 0) AS other,
    s.total_amount = coalesce(t.lines_sum, 0) AS reconciled,
    cardinality(s.problems) AS problem_count,
    (SELECT string_agg(st.flow_id || ':' || st.state, ', ' ORDER BY st.flow_id)
       FROM ops.settlement_status st WHERE st.settlement_id = s.settlement_id) AS states,
    s.layout,
    s.staged_at
FROM staging.settlements s
LEFT JOIN (
    SELECT
        settlement_id,
        sum(amount) AS lines_sum,
        count(*) AS line_count,
        sum(amount) FILTER (WHERE category = 'sales') AS sales,
        sum(amount) FILTER (WHERE category = 'refunds') AS refunds,
        sum(amount) FILTER (WHERE category = 'promotions') AS promotions,
        sum(amount) FILTER (WHERE category = 'fees') AS fees,
        sum(amount) FILTER (WHERE category = 'withheld_tax') AS withheld_tax,
        sum(amount) FILTER (WHERE category = 'reserves') AS reserves,
        sum(amount) FILTER (WHERE category = 'transfers') AS transfers,
        sum(amount) FILTER (WHERE category = 'reimbursements') AS reimbursements,
        sum(amount) FILTER (WHERE category = 'other') AS other
    FROM analytics.settlement_line_categories
    GROUP BY settlement_id
) t USING (settlement_id);

COMMENT ON VIEW analytics.settlement_summary IS
    'One row per staged settlement: total-amount against the live sum of its lines (reconciled when equal), totals '
    'per analysis category (they add up to lines_sum), problems and the state in each flow.';
COMMENT ON COLUMN analytics.settlement_summary.total_amount IS 'Money: net payout (total-amount) in currency.';
COMMENT ON COLUMN analytics.settlement_summary.lines_sum IS 'Money: sum of the staged lines in currency.';
COMMENT ON COLUMN analytics.settlement_summary.difference IS 'Money: total_amount - lines_sum (0 when reconciled).';
COMMENT ON COLUMN analytics.settlement_summary.sales IS 'Money: ItemPrice of orders (principal, shipping, tax, gift wrap).';
COMMENT ON COLUMN analytics.settlement_summary.refunds IS 'Money: ItemPrice and Promotion of refunds and chargebacks (usually negative).';
COMMENT ON COLUMN analytics.settlement_summary.promotions IS 'Money: promotions on orders (negative).';
COMMENT ON COLUMN analytics.settlement_summary.fees IS 'Money: Amazon fees (commission, FBA, storage, subscription, ...), usually negative.';
COMMENT ON COLUMN analytics.settlement_summary.withheld_tax IS 'Money: marketplace-facilitator tax withheld by Amazon (ItemWithheldTax).';
COMMENT ON COLUMN analytics.settlement_summary.reserves IS 'Money: reserve held back (negative) and released (positive).';
COMMENT ON COLUMN analytics.settlement_summary.transfers IS 'Money: charges to the seller''s card and payables to Amazon.';
COMMENT ON COLUMN analytics.settlement_summary.reimbursements IS 'Money: FBA reimbursements (lost, damaged, refund reimbursal).';
COMMENT ON COLUMN analytics.settlement_summary.other IS 'Money: lines in no other category.';
COMMENT ON COLUMN analytics.settlement_summary.reconciled IS 'True when the lines sum exactly to total_amount.';
COMMENT ON COLUMN analytics.settlement_summary.problem_count IS 'Number of problems found when the file was staged (staging.settlements.problems).';
COMMENT ON COLUMN analytics.settlement_summary.states IS 'flow:state for every flow that tracks the settlement.';

CREATE VIEW analytics.fees_by_type_month AS
SELECT
    seller,
    marketplace,
    currency,
    month,
    transaction_type,
    amount_type,
    amount_description,
    count(*) AS line_count,
    sum(amount) AS amount
FROM analytics.settlement_line_categories
WHERE category = 'fees'
GROUP BY seller, marketplace, currency, month, transaction_type, amount_type, amount_description;

COMMENT ON VIEW analytics.fees_by_type_month IS
    'Amazon fees per seller, marketplace, currency, month (UTC) and fee type (transaction_type, amount_type, amount_description).';
COMMENT ON COLUMN analytics.fees_by_type_month.amount IS 'Money: sum of the fee lines in currency (negative = charged to the seller).';

CREATE VIEW analytics.sku_profitability_month AS
SELECT
    seller,
    marketplace,
    currency,
    sku,
    month,
    coalesce(sum(quantity_purchased) FILTER (
        WHERE category = 'sales' AND amount_description = 'Principal' AND amount > 0), 0) AS units_sold,
    coalesce(sum(amount) FILTER (WHERE category = 'sales'), 0) AS sales,
    coalesce(sum(amount) FILTER (WHERE category = 'refunds'), 0) AS refunds,
    coalesce(sum(amount) FILTER (WHERE category = 'promotions'), 0) AS promotions,
    coalesce(sum(amount) FILTER (WHERE category = 'fees'), 0) AS fees,
    coalesce(sum(amount) FILTER (WHERE category NOT IN ('sales', 'refunds', 'promotions', 'fees')), 0) AS other,
    sum(amount) AS net
FROM analytics.settlement_line_categories
WHERE sku IS NOT NULL
GROUP BY seller, marketplace, currency, sku, month;

COMMENT ON VIEW analytics.sku_profitability_month IS
    'Per seller, marketplace, currency, SKU and month (UTC): units sold and the settlement money of the SKU''s lines '
    '(sales, refunds, promotions, fees, other; net = their sum). Product cost is not in settlements.';
COMMENT ON COLUMN analytics.sku_profitability_month.units_sold IS 'Units on positive Principal sales lines (quantity-purchased).';
COMMENT ON COLUMN analytics.sku_profitability_month.sales IS 'Money: ItemPrice of orders in currency.';
COMMENT ON COLUMN analytics.sku_profitability_month.refunds IS 'Money: refunded ItemPrice and Promotion in currency.';
COMMENT ON COLUMN analytics.sku_profitability_month.promotions IS 'Money: promotions in currency.';
COMMENT ON COLUMN analytics.sku_profitability_month.fees IS 'Money: fees charged on the SKU''s lines in currency.';
COMMENT ON COLUMN analytics.sku_profitability_month.other IS 'Money: the SKU''s other lines (withheld tax, reimbursements, ...) in currency.';
COMMENT ON COLUMN analytics.sku_profitability_month.net IS 'Money: sum of all the SKU''s lines in the month, in currency.';
